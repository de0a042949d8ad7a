"""Connecting to QuickBooks Online by OAuth: the consent address, the pasted redirect, the
code exchange, and the sentences when the saved authorisation is gone."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import AuthError
from recontui.connectors.qbo import (
    DEFAULT_REDIRECT_URI,
    SCOPE,
    QboConnector,
    authorization_url,
    exchange_code,
    parse_consent,
)
from recontui.sandbox import Sandbox, SandboxConfig

BASE = "http://sandbox"


class World:
    def __init__(self) -> None:
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="empty"))
        self.creds = self.sb.credentials(BASE)["qbo"]
        self.auth_url = f"{self.creds['api_base']}/connect/oauth2"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.sb.transport(), base_url=BASE)

    async def approve(self, url: str) -> str:
        """What a person's browser does: open the consent page, end up at the redirect."""
        async with self.client() as client:
            answer = await client.get(url)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def exchange(self, code: str, redirect_uri: str = DEFAULT_REDIRECT_URI) -> dict:
        return await exchange_code(
            self.creds["token_url"],
            self.creds["client_id"],
            self.creds["client_secret"],
            code,
            redirect_uri,
            transport=self.sb.transport(),
        )


@pytest.fixture
def world() -> World:
    return World()


def test_authorization_url_asks_for_the_accounting_scope_with_state() -> None:
    url = authorization_url("cid", "http://localhost", "s1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://appcenter.intuit.com/connect/oauth2"
    )
    assert dict(parse_qsl(parts.query)) == {
        "client_id": "cid",
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": "http://localhost",
        "state": "s1",
    }


async def test_consent_redirect_and_code_exchange_give_a_working_refresh_token(
    world: World,
) -> None:
    url = authorization_url(
        world.creds["client_id"], DEFAULT_REDIRECT_URI, "st4te", auth_url=world.auth_url
    )
    location = await world.approve(url)
    assert location.startswith(DEFAULT_REDIRECT_URI + "?")
    consent = parse_consent(location)
    assert consent.state == "st4te" and consent.realm_id == world.sb.realm_id
    grant = await world.exchange(consent.code)
    assert grant["refresh_token"] and grant["access_token"] and grant["expires_in"] == 3600
    secrets = Secrets(
        {
            "client_id": world.creds["client_id"],
            "client_secret": world.creds["client_secret"],
            "refresh_token": grant["refresh_token"],
        }
    )
    settings = {k: world.creds[k] for k in ("api_base", "token_url", "realm_id")}
    async with QboConnector(settings, secrets, transport=world.sb.transport()) as qbo:
        company = await qbo.company()
    assert company.company_id == world.sb.realm_id
    # A fresh consent's refresh token is kept for a day: the refresh hands it back, saved.
    assert secrets.values["refresh_token"] == grant["refresh_token"]


async def test_a_code_works_once(world: World) -> None:
    url = authorization_url(
        world.creds["client_id"], DEFAULT_REDIRECT_URI, "s", auth_url=world.auth_url
    )
    code = parse_consent(await world.approve(url)).code
    await world.exchange(code)
    with pytest.raises(AuthError) as info:
        await world.exchange(code)
    assert "invalid_grant" in str(info.value) and "works once" in str(info.value)


async def test_a_code_expires_within_minutes(world: World) -> None:
    url = authorization_url(
        world.creds["client_id"], DEFAULT_REDIRECT_URI, "s", auth_url=world.auth_url
    )
    code = parse_consent(await world.approve(url)).code
    world.sb.advance(301)
    with pytest.raises(AuthError):
        await world.exchange(code)


async def test_the_redirect_uri_must_match_the_consent_request(world: World) -> None:
    url = authorization_url(
        world.creds["client_id"], "http://localhost", "s", auth_url=world.auth_url
    )
    code = parse_consent(await world.approve(url)).code
    with pytest.raises(AuthError):
        await world.exchange(code, "http://localhost/other")


async def test_wrong_app_secret_is_named(world: World) -> None:
    url = authorization_url(
        world.creds["client_id"], DEFAULT_REDIRECT_URI, "s", auth_url=world.auth_url
    )
    code = parse_consent(await world.approve(url)).code
    with pytest.raises(AuthError) as info:
        await exchange_code(
            world.creds["token_url"],
            world.creds["client_id"],
            "wrong",
            code,
            DEFAULT_REDIRECT_URI,
            transport=world.sb.transport(),
        )
    assert "client_secret" in str(info.value)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"scope": "openid"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"state": ""}, "invalid_request"),
    ],
)
async def test_consent_page_sends_errors_back_to_the_redirect(
    world: World, change: dict[str, str], error: str
) -> None:
    params = {
        "client_id": world.creds["client_id"],
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": "http://localhost",
        "state": "keep",
        **change,
    }
    async with world.client() as client:
        answer = await client.get(world.auth_url, params=params)
    assert answer.status_code == 302
    back = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert back["error"] == error and "code" not in back
    if change.get("state") != "":
        assert back["state"] == "keep"
    with pytest.raises(AuthError):
        parse_consent(answer.headers["location"])


@pytest.mark.parametrize("change", [{"client_id": "someone-else"}, {"redirect_uri": "not a url"}])
async def test_consent_page_refuses_unknown_apps_and_bad_redirects_without_redirecting(
    world: World, change: dict[str, str]
) -> None:
    params = {
        "client_id": world.creds["client_id"],
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": "http://localhost",
        "state": "s",
        **change,
    }
    async with world.client() as client:
        answer = await client.get(world.auth_url, params=params)
    assert answer.status_code == 400 and "location" not in answer.headers


@pytest.mark.parametrize(
    ("text", "code", "realm", "state"),
    [
        ("https://x.test/cb?code=AB11abc&state=s&realmId=42\n", "AB11abc", "42", "s"),
        ("  ?code=AB11abc&realmId=42", "AB11abc", "42", ""),
        ("code=AB11abc&state=s", "AB11abc", None, "s"),
        ("AB11abcdefgh", "AB11abcdefgh", None, None),
    ],
)
def test_parse_consent_takes_the_address_a_query_or_the_bare_code(
    text: str, code: str, realm: Any, state: Any
) -> None:
    consent = parse_consent(text)
    assert (consent.code, consent.realm_id, consent.state) == (code, realm, state)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Nothing was pasted"),
        ("http://localhost/?error=access_denied&state=s", "access_denied"),
        ("https://appcenter.intuit.com/connect/oauth2?client_id=x&state=s", "no code"),
        ("what is this?!", "neither"),
    ],
)
def test_parse_consent_explains_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(AuthError) as info:
        parse_consent(text)
    assert words in str(info.value)


async def test_invalid_grant_says_reconnect_required_with_the_command(world: World) -> None:
    settings = {
        **{k: world.creds[k] for k in ("api_base", "token_url", "realm_id")},
        "profile_name": "acme books",
    }
    secrets = Secrets(
        {
            "client_id": world.creds["client_id"],
            "client_secret": world.creds["client_secret"],
            "refresh_token": "AB11revoked",
        }
    )
    with pytest.raises(AuthError) as info:
        async with QboConnector(settings, secrets, transport=world.sb.transport()):
            pass
    message = str(info.value)
    assert "invalid_grant" in message and "reconnect required" in message
    assert "recontui profile connect qbo --profile 'acme books'" in message


async def test_a_profile_never_connected_says_how_to_connect(world: World) -> None:
    settings = {
        **{k: world.creds[k] for k in ("api_base", "token_url", "realm_id")},
        "profile_name": "p",
    }
    secrets = Secrets({k: world.creds[k] for k in ("client_id", "client_secret")})
    with pytest.raises(AuthError) as info:
        async with QboConnector(settings, secrets, transport=world.sb.transport()):
            pass
    assert "not connected" in str(info.value)
    assert "recontui profile connect qbo --profile p" in str(info.value)
