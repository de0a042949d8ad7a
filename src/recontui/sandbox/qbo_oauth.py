"""Intuit OAuth 2.0 for the stand-in: rotating refresh tokens, 1-hour access tokens.

Rotation with a short grace window is the [U] part of the contract; it is what makes a
connector that forgets to persist the newest refresh token fail quickly in tests.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import SandboxClock


@dataclass
class _Refresh:
    realm: str
    expires: datetime
    superseded_at: datetime | None = None
    revoked: bool = False


@dataclass
class _Access:
    realm: str
    expires: datetime
    revoked: bool = False


@dataclass
class _Code:
    realm: str
    redirect_uri: str
    expires: datetime
    used: bool = False


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


class QboOAuth:
    def __init__(
        self,
        clock: SandboxClock,
        *,
        client_id: str,
        client_secret: str,
        realm_id: str,
        initial_refresh_token: str,
        access_seconds: int = 3600,
        refresh_seconds: int = 8_726_400,
        grace_seconds: int = 60,
        code_seconds: int = 300,
    ) -> None:
        self.clock = clock
        #: Authorisation codes die this long after the consent (Intuit: minutes).
        self.code_seconds = code_seconds
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm_id = realm_id
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self._codes: dict[str, _Code] = {}
        self._current: dict[str, str] = {}
        now = clock.now()
        self._refresh[initial_refresh_token] = _Refresh(
            realm_id, now + timedelta(seconds=refresh_seconds)
        )
        self._current[realm_id] = initial_refresh_token

    # --- client authentication ----------------------------------------------------------

    def check_client(self, authorization: str | None) -> None:
        if not authorization or not authorization.lower().startswith("basic "):
            raise OAuthError(401, "invalid_client")
        try:
            raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client") from None
        client_id, _, secret = raw.partition(":")
        if not (
            secrets.compare_digest(client_id, self.client_id)
            and secrets.compare_digest(secret, self.client_secret)
        ):
            raise OAuthError(401, "invalid_client")

    # --- grants ---------------------------------------------------------------------

    def current_refresh_token(self, realm: str | None = None) -> str:
        with self._lock:
            return self._current[realm or self.realm_id]

    def refresh(self, token: str | None) -> dict[str, Any]:
        if not token:
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        now = self.clock.now()
        with self._lock:
            state = self._refresh.get(token)
            if state is None or state.revoked or state.expires <= now:
                raise OAuthError(400, "invalid_grant")
            if state.superseded_at is not None:
                if now - state.superseded_at > timedelta(seconds=self.grace_seconds):
                    raise OAuthError(400, "invalid_grant")
                # A retry inside the grace window (e.g. the first answer was lost) gets
                # the token that replaced it, not yet another rotation.
                new_refresh = self._current[state.realm]
            else:
                new_refresh = self._rotate(state.realm, token, now)
            return self._grant(state.realm, new_refresh, now)

    def _rotate(self, realm: str, old: str | None, now: datetime) -> str:
        new_refresh = "AB11" + secrets.token_hex(24)
        self._refresh[new_refresh] = _Refresh(realm, now + timedelta(seconds=self.refresh_seconds))
        previous = old or self._current.get(realm)
        if previous and previous in self._refresh:
            self._refresh[previous].superseded_at = now
        self._current[realm] = new_refresh
        return new_refresh

    def _grant(self, realm: str, refresh_token: str, now: datetime) -> dict[str, Any]:
        access = "eyJ" + secrets.token_urlsafe(48)
        self._access[access] = _Access(realm, now + timedelta(seconds=self.access_seconds))
        refresh_left = int((self._refresh[refresh_token].expires - now).total_seconds())
        return {
            "token_type": "bearer",
            "expires_in": self.access_seconds,
            "access_token": access,
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": refresh_left,
        }

    def issue_code(self, client_id: str | None, redirect_uri: str | None) -> str:
        if client_id != self.client_id:
            raise OAuthError(400, "invalid_client")
        if not redirect_uri:
            raise OAuthError(400, "invalid_request", "redirect_uri is required")
        code = "AB11" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                self.realm_id,
                redirect_uri,
                self.clock.now() + timedelta(seconds=self.code_seconds),
            )
        return code

    def exchange_code(self, code: str | None, redirect_uri: str | None) -> dict[str, Any]:
        """Tokens for a code: once only, before it expires, with the same ``redirect_uri``
        as the consent request."""
        now = self.clock.now()
        with self._lock:
            state = self._codes.get(code or "")
            if state is None or state.used or state.expires <= now:
                raise OAuthError(400, "invalid_grant")
            if redirect_uri != state.redirect_uri:
                raise OAuthError(400, "invalid_grant", "redirect_uri does not match")
            state.used = True
            new_refresh = self._rotate(state.realm, None, now)
            return self._grant(state.realm, new_refresh, now)

    def revoke(self, token: str | None) -> None:
        """Revoking either token disconnects the app from the company (both die)."""
        with self._lock:
            realm = None
            if token in self._refresh:
                realm = self._refresh[token].realm
            elif token in self._access:
                realm = self._access[token].realm
            if realm is None:
                raise OAuthError(400, "invalid_request", "unknown token")
            for state in self._refresh.values():
                if state.realm == realm:
                    state.revoked = True
            for access in self._access.values():
                if access.realm == realm:
                    access.revoked = True

    # --- API authentication -------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> tuple[str | None, str]:
        """(realm, "") when the bearer token is good, else (None, reason)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, "Token invalid: no bearer token in the Authorization header"
        token = authorization[7:].strip()
        with self._lock:
            state = self._access.get(token)
            if state is None:
                return None, "Token invalid"
            if state.revoked:
                return None, "Token revoked"
            if state.expires <= self.clock.now():
                return None, f"Token expired: {token[:12]}..."
            return state.realm, ""
