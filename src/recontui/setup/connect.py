"""The checks the setup makes on the spot: BILL credentials tried by signing in, a
QuickBooks Online approval traded for tokens. Read-only: nothing is written to either
system. Each refusal is :class:`SetupRefused`, one sentence that says what to fix."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..connectors import make_connector
from ..connectors.base import (
    AuthError,
    Company,
    ConnectorError,
    PermissionDeniedError,
    UnreachableError,
)
from ..connectors.qbo import (
    AUTH_URL,
    DEFAULT_REDIRECT_URI,
    authorization_url,
    exchange_code,
    parse_consent,
)
from ..wiring import HeldSecrets

BILL_PRODUCTION = "https://gateway.prod.bill.com/connect"
QBO_PRODUCTION = "https://quickbooks.api.intuit.com"
INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
INTUIT_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"


def qbo_addresses(api_base: str) -> tuple[str, str]:
    """The token and consent addresses that go with an API address: Intuit's own for
    Intuit's servers (production and sandbox companies alike), the stand-in's layout
    (``<api>/oauth2/v1/tokens/bearer``, ``<api>/connect/oauth2``) for any other."""
    host = urlsplit(api_base).hostname or ""
    if host == "intuit.com" or host.endswith(".intuit.com"):
        return INTUIT_TOKEN_URL, INTUIT_AUTH_URL
    base = api_base.rstrip("/")
    return f"{base}/oauth2/v1/tokens/bearer", f"{base}/connect/oauth2"


class SetupRefused(Exception):
    """A step's check failed: the message says why and what to fix, in one sentence."""


@dataclass(frozen=True)
class BillLogin:
    """What the BILL step asks for: the settings kept in the profile, and the secrets."""

    api_base: str
    organization_id: str
    username: str
    dev_key: str
    password: str

    def settings(self) -> dict[str, str]:
        return {
            "api_base": self.api_base,
            "organization_id": self.organization_id,
            "username": self.username,
        }

    def missing(self) -> list[str]:
        names = {
            "API address": self.api_base,
            "organisation id": self.organization_id,
            "developer key": self.dev_key,
            "user name": self.username,
            "password": self.password,
        }
        return [name for name, value in names.items() if not value.strip()]


async def check_bill(login: BillLogin) -> Company:
    """Sign in to BILL with ``login`` and ask which organisation it is."""
    missing = login.missing()
    if missing:
        raise SetupRefused(f"Fill in the BILL {', '.join(missing)}, then test again.")
    held = HeldSecrets({"dev_key": login.dev_key, "password": login.password})
    try:
        async with make_connector("bill", login.settings(), held) as bill:
            return await bill.company()
    except PermissionDeniedError as exc:
        # Signed in, so the password is right: the sentence names the role needed.
        raise SetupRefused(str(exc)) from None
    except AuthError as exc:
        raise SetupRefused(
            f"BILL refused the sign-in ({_short(exc)}): check the organisation id, developer "
            "key, user name and password, then test again."
        ) from None
    except UnreachableError as exc:
        raise SetupRefused(
            f"BILL did not answer at {login.api_base} ({_short(exc)}): check the API address "
            "and this computer's network, then test again."
        ) from None
    except ConnectorError as exc:
        raise SetupRefused(f"BILL could not be checked: {exc}") from None


@dataclass(frozen=True)
class QboApp:
    """The Intuit app and addresses the QuickBooks step connects with."""

    api_base: str
    token_url: str
    auth_url: str
    client_id: str
    client_secret: str
    redirect_uri: str = DEFAULT_REDIRECT_URI

    def settings(self, realm_id: str) -> dict[str, str]:
        return {
            "api_base": self.api_base,
            "token_url": self.token_url,
            "auth_url": self.auth_url,
            "redirect_uri": self.redirect_uri,
            "realm_id": realm_id,
        }


def qbo_consent(app: QboApp) -> tuple[str, str]:
    """Intuit's consent address for ``app`` (to open in a browser on any computer), and the
    state that the address pasted back must carry."""
    if not app.client_id.strip() or not app.client_secret.strip():
        raise SetupRefused(
            "Fill in your Intuit app's client id and client secret (developer.intuit.com, "
            "Keys & credentials), then ask for the address again."
        )
    state = pysecrets.token_urlsafe(16)
    url = authorization_url(
        app.client_id, app.redirect_uri, state, auth_url=app.auth_url or AUTH_URL
    )
    return url, state


async def connect_qbo(
    app: QboApp, pasted: str, state: str, *, known_realm: str | None = None
) -> tuple[str, Company, str]:
    """Trade the pasted address's code for tokens and ask the company who it is: the new
    refresh token (held only in memory until the caller saves it), the company, its realm."""
    try:
        consent = parse_consent(pasted)
    except ConnectorError as exc:
        raise SetupRefused(str(exc)) from None
    if consent.state is not None and consent.state != state:
        raise SetupRefused(
            "That address belongs to another connection attempt: open the address shown "
            "here, approve, and paste the address the browser lands on."
        )
    realm = consent.realm_id or known_realm
    if not realm:
        raise SetupRefused(
            "A code alone does not say which company it is for: paste the whole address "
            "(it carries realmId=...)."
        )
    if known_realm and realm != known_realm:
        raise SetupRefused(
            f"That approval is for QuickBooks Online company {realm}, not {known_realm}, the "
            "one this profile belongs to: approve again and choose that company."
        )
    try:
        grant = await exchange_code(
            app.token_url, app.client_id, app.client_secret, consent.code, app.redirect_uri
        )
        held = HeldSecrets(
            {
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "refresh_token": str(grant["refresh_token"]),
            }
        )
        async with make_connector("qbo", app.settings(realm), held) as qbo:
            company = await qbo.company()
    except ConnectorError as exc:
        raise SetupRefused(f"QuickBooks Online did not connect: {exc}") from None
    return held.values["refresh_token"], company, realm


async def check_qbo(app: QboApp, refresh_token: str, realm: str) -> tuple[str, Company]:
    """Connect with a refresh token obtained earlier (``recontui profile connect qbo``, or
    given to a script) and ask the company who it is: the newest refresh token (QuickBooks
    may rotate it) and the company."""
    if not realm.strip():
        raise SetupRefused("Give the QuickBooks Online company's realm id (realm_id).")
    held = HeldSecrets(
        {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": refresh_token,
        }
    )
    try:
        async with make_connector("qbo", app.settings(realm), held) as qbo:
            company = await qbo.company()
    except ConnectorError as exc:
        raise SetupRefused(f"QuickBooks Online did not connect: {exc}") from None
    return held.values["refresh_token"], company


async def approve_on_stand_in(url: str) -> str:
    """The demo only (`recontui demo --setup`): what a person does in the browser, against
    the stand-in's consent page, which approves at once; the address it sends the browser
    to (to paste back)."""
    import httpx

    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(url, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise SetupRefused(f"The stand-in did not answer: {exc}") from None
    landed = answer.headers.get("location", "")
    if not landed:
        raise SetupRefused("The stand-in did not approve (no redirect).")
    return str(landed)


def _short(exc: Exception) -> str:
    return str(exc).split(":")[0].rstrip(".")


def bill_from(settings: Mapping[str, str], dev_key: str, password: str) -> BillLogin:
    """A :class:`BillLogin` from a profile's saved BILL settings and the two secrets."""
    return BillLogin(
        settings.get("api_base", ""),
        settings.get("organization_id", ""),
        settings.get("username", ""),
        dev_key,
        password,
    )
