"""Intuit OAuth 2.0 for the stand-in: 1-hour access tokens, refresh tokens that change daily.

Intuit's FAQ: the refresh token lasts 100 days, rolling on with each use, and its value
changes about every 24 hours, so an app must keep the latest one it was given
(https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq,
https://blogs.intuit.com/2024/06/03/oauth-token-management-done-the-right-way/). The stand-in
hands back the same refresh token until it is ``rotate_seconds`` old, then a new one; the one
it replaced keeps working for ``grace_seconds`` (how long is not documented: [U]), which is
what makes a connector that forgets to save the newest token fail in tests.

Clients authenticate with ``client_secret_basic`` or ``client_secret_post``, the two methods
Intuit's discovery document lists
(https://developer.intuit.com/.well-known/openid-sandbox-configuration).
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
    #: When it was handed out first; it is replaced once ``rotate_seconds`` old.
    issued: datetime
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
    def __init__(
        self, status: int, error: str, description: str = "", *, challenge: bool = False
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description
        #: A refused HTTP Basic client: the answer carries ``WWW-Authenticate`` (RFC 6749 5.2).
        self.challenge = challenge

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
        rotate_seconds: int = 86_400,
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
        #: A refresh token this old is replaced by the next refresh (Intuit: about a day).
        self.rotate_seconds = rotate_seconds
        self._lock = threading.Lock()
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self._codes: dict[str, _Code] = {}
        self._current: dict[str, str] = {}
        now = clock.now()
        # The seeded token comes from a consent at least a day old: the next refresh
        # replaces it, so a connector's saving of the new one is exercised at once.
        self._refresh[initial_refresh_token] = _Refresh(
            realm_id,
            now + timedelta(seconds=refresh_seconds),
            issued=now - timedelta(seconds=rotate_seconds),
        )
        self._current[realm_id] = initial_refresh_token

    # --- client authentication ----------------------------------------------------------

    def check_client(self, authorization: str | None, form: dict[str, str]) -> None:
        """The app's own credentials: HTTP Basic (``client_secret_basic``), else
        ``client_id`` and ``client_secret`` in the form (``client_secret_post``)."""
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client", challenge=True) from None
            client_id, _, secret = raw.partition(":")
            if not self._is_client(client_id, secret):
                raise OAuthError(401, "invalid_client", challenge=True)
            return
        if not self._is_client(form.get("client_id", ""), form.get("client_secret", "")):
            raise OAuthError(401, "invalid_client")

    def _is_client(self, client_id: str, secret: str) -> bool:
        return secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(
            secret, self.client_secret
        )

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
            elif now - state.issued >= timedelta(seconds=self.rotate_seconds):
                new_refresh = self._rotate(state.realm, token, now)
            else:
                new_refresh = token
            # The 100 days roll on with each use.
            self._refresh[new_refresh].expires = now + timedelta(seconds=self.refresh_seconds)
            return self._grant(state.realm, new_refresh, now)

    def _rotate(self, realm: str, old: str | None, now: datetime) -> str:
        new_refresh = "AB11" + secrets.token_hex(24)
        self._refresh[new_refresh] = _Refresh(
            realm, now + timedelta(seconds=self.refresh_seconds), issued=now
        )
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
