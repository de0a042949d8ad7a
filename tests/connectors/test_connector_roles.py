"""A signed-in user whose role lacks a permission (issue 12, "a missing permission gets the
role needed"): the connectors turn the refusal into a sentence that names what was refused
and the role that has the permission, never "check the password" or "reconnect" alone.

BILL: a role that may not reach a list answers HTTP 403 after sign-in (the stand-in's
``bill_user_role``). QuickBooks Online: only a company admin can connect an app; the
consent page refuses anyone else (``error=access_denied``, the stand-in's
``qbo_consent_user``), and a 403 on the API says the same."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import AuthError, PermissionDeniedError, make_connector
from recontui.connectors.qbo import DEFAULT_REDIRECT_URI, authorization_url, parse_consent
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.setup.connect import QboApp, SetupRefused, connect_qbo

BASE = "http://sandbox"
SYNC_ROLES = "sign in as a user with the Administrator or Accountant role"


def one_sentence(message: str) -> bool:
    return message.endswith(".") and "\n" not in message and message.count(". ") == 0


class Bill:
    def __init__(self, role: str) -> None:
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="empty", bill_user_role=role))
        creds = self.sb.credentials(BASE)["bill"]
        self.username = creds["username"]
        self.settings = {k: creds[k] for k in ("api_base", "organization_id", "username")}
        self.secrets = Secrets({k: creds[k] for k in ("dev_key", "password")})

    def connector(self) -> Any:
        return make_connector(
            "bill", self.settings, self.secrets, transport=httpx.ASGITransport(app=self.sb.app)
        )


async def pull_all(connector: Any, entity: str) -> list[Any]:
    return [page async for page in connector.pull(entity, None)]


@pytest.mark.parametrize(
    ("entity", "named"),
    [("account", "read the chart of accounts"), ("bill_payment", "read bill payments")],
)
async def test_a_clerk_is_told_which_list_was_refused_and_the_roles_that_may_read_it(
    entity: str, named: str
) -> None:
    world = Bill("Clerk")
    async with world.connector() as bill:
        assert await pull_all(bill, "bill") is not None  # a Clerk enters bills: allowed
        with pytest.raises(PermissionDeniedError) as info:
            await pull_all(bill, entity)
    message = str(info.value)
    assert message.startswith(f"BILL did not let {world.username} {named} (HTTP 403"), message
    assert "that user's role lacks the permission" in message
    assert SYNC_ROLES in message and message.endswith("give the role that permission in BILL.")
    assert "password" not in message and one_sentence(message), message
    assert not isinstance(info.value, AuthError)
    assert (info.value.system, info.value.entity) == ("bill", entity)
    assert info.value.roles == ("Administrator", "Accountant")


async def test_a_payer_reads_bill_payments_but_not_customers() -> None:
    world = Bill("Payer")
    async with world.connector() as bill:
        await pull_all(bill, "bill_payment")
        with pytest.raises(PermissionDeniedError, match="read customers"):
            await pull_all(bill, "customer")


async def test_an_auditor_reads_everything_and_is_refused_a_write_by_its_role() -> None:
    world = Bill("Auditor")
    async with world.connector() as bill:
        for entity in ("account", "customer", "bill_payment"):
            await pull_all(bill, entity)
        with pytest.raises(PermissionDeniedError) as info:
            await bill.create(
                "vendor",
                {"name": "Acme", "email": "v@example.test", "phone": "555-0100"},
                idempotency_key="k1",
            )
    assert "did not let" in str(info.value) and "create vendor 'Acme'" in str(info.value)


async def test_an_administrator_reaches_every_list() -> None:
    world = Bill("Administrator")
    async with world.connector() as bill:
        for entity in ("account", "customer", "invoice", "payment", "bill_payment"):
            await pull_all(bill, entity)


def test_an_unknown_bill_role_is_refused_by_the_stand_in_config() -> None:
    with pytest.raises(ValueError, match="Clerk"):
        SandboxConfig(bill_user_role="Intern")
    with pytest.raises(ValueError):
        SandboxConfig(qbo_consent_user="owner")


# -- QuickBooks Online ---------------------------------------------------------------------


async def test_a_quickbooks_403_names_the_admin_role_and_connecting_again() -> None:
    sb = Sandbox(SandboxConfig(seed=7, scenario="empty"))
    creds = sb.credentials(BASE)["qbo"]
    settings = {
        "api_base": creds["api_base"],
        "token_url": creds["token_url"],
        "realm_id": "4620816365000000000",  # a company this connection was not made for
        "profile_name": "books",
    }
    secrets = Secrets({k: creds[k] for k in ("client_id", "client_secret", "refresh_token")})
    async with make_connector(
        "qbo", settings, secrets, transport=httpx.ASGITransport(app=sb.app)
    ) as qbo:
        with pytest.raises(PermissionDeniedError) as info:
            await pull_all(qbo, "class")
    message = str(info.value)
    assert "denied access" in message and "not an admin" in message, message
    assert (
        "sign in to the consent page as an admin of the QuickBooks Online company (only admins "
        "can connect apps), then connect again: run `recontui profile connect qbo --profile "
        "books`" in message
    ), message
    assert one_sentence(message.split(" (intuit_tid")[0] + "."), message
    assert info.value.roles == ("admin",) and info.value.system == "qbo"


async def consent_answer(consent_user: str) -> tuple[str, str, dict[str, str]]:
    """Open the stand-in's consent page as a person whose role is ``consent_user``: the
    address the browser lands on, the state sent, and the app."""
    sb = Sandbox(SandboxConfig(seed=7, scenario="empty", qbo_consent_user=consent_user))
    creds = sb.credentials(BASE)["qbo"]
    url = authorization_url(
        creds["client_id"],
        DEFAULT_REDIRECT_URI,
        "st1",
        auth_url=f"{creds['api_base']}/connect/oauth2",
    )
    async with httpx.AsyncClient(transport=sb.transport(), base_url=BASE) as client:
        answer = await client.get(url)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"], "st1", creds


async def test_the_consent_page_refuses_a_user_who_is_not_an_admin() -> None:
    landed, state, _ = await consent_answer("standard")
    query = dict(parse_qsl(urlsplit(landed).query))
    assert query == {"error": "access_denied", "state": state}
    admin, _, _ = await consent_answer("admin")
    assert "code" in dict(parse_qsl(urlsplit(admin).query))


async def test_a_pasted_access_denied_says_only_an_admin_can_connect() -> None:
    landed, state, creds = await consent_answer("standard")
    with pytest.raises(AuthError) as info:
        parse_consent(landed)
    message = str(info.value)
    assert "access_denied" in message and one_sentence(message), message
    assert message.endswith(
        "sign in to the consent page as an admin of the QuickBooks Online company (only admins "
        "can connect apps), then connect again."
    ), message
    app = QboApp(
        creds["api_base"],
        creds["token_url"],
        f"{creds['api_base']}/connect/oauth2",
        creds["client_id"],
        creds["client_secret"],
    )
    with pytest.raises(SetupRefused) as refused:  # step 2 shows the same sentence
        await connect_qbo(app, landed, state)
    assert str(refused.value) == message
