"""BILL login sessions: created by ``/v3/login``, dead after 35 idle minutes.

Every authenticated call resets the idle timer, as BILL documents; the connector's
re-login on BDC_1109 is exercised by advancing the sandbox clock past the timeout.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .bill_errors import BillError, session_invalid
from .clock import SandboxClock


@dataclass
class BillAccount:
    organization_id: str
    dev_key: str
    username: str
    password: str
    user_id: str


@dataclass
class _Session:
    organization_id: str
    user_id: str
    last_used: datetime


class BillSessions:
    def __init__(self, account: BillAccount, clock: SandboxClock, idle_seconds: int) -> None:
        self.account = account
        self.clock = clock
        self.idle = timedelta(seconds=idle_seconds)
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def login(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict):
            raise BillError(
                400, "BDC_1122", "Error Parsing Json Object. Please check your request."
            )
        for key in ("username", "password", "organizationId", "devKey"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise BillError(400, "BDC_1108", f"Missing parameter value for parameter: {key}.")
        acct = self.account
        if not secrets.compare_digest(body["devKey"], acct.dev_key):
            raise BillError(401, "BDC_1102", "Developer key is invalid.")
        if not (
            body["username"].casefold() == acct.username.casefold()
            and secrets.compare_digest(body["password"], acct.password)
        ):
            raise BillError(401, "BDC_1101", "User name and/or password do not match our records.")
        if body["organizationId"] != acct.organization_id:
            raise BillError(401, "BDC_1123", "Invalid organization id.")
        session_id = "!" + secrets.token_urlsafe(36)
        with self._lock:
            self._sessions[session_id] = _Session(
                acct.organization_id, acct.user_id, self.clock.now()
            )
        return {
            "sessionId": session_id,
            "organizationId": acct.organization_id,
            "userId": acct.user_id,
        }

    def check(self, dev_key: str | None, session_id: str | None) -> str:
        """The session's organisation id; touching the session resets its idle timer."""
        if not dev_key or not secrets.compare_digest(dev_key, self.account.dev_key):
            raise BillError(401, "BDC_1102", "Developer key is invalid.")
        now = self.clock.now()
        with self._lock:
            session = self._sessions.get(session_id or "")
            if session is None:
                raise session_invalid()
            if now - session.last_used > self.idle:
                del self._sessions[session_id or ""]
                raise session_invalid()
            session.last_used = now
            return session.organization_id

    def describe(self, session_id: str) -> dict[str, str]:
        with self._lock:
            session = self._sessions[session_id]
            return {
                "sessionId": session_id,
                "organizationId": session.organization_id,
                "userId": session.user_id,
            }

    def logout(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
