"""QBO stand-in: OAuth rotation, token expiry, realm checks, throttles."""

from __future__ import annotations

import asyncio

from sandbox_helpers import Qbo, body, http, make_sandbox


async def test_refresh_rotates_with_grace_then_invalid_grant() -> None:
    sandbox = make_sandbox(scenario="empty", refresh_grace_seconds=60)
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        first_token = qbo.creds["refresh_token"]
        response = await qbo.refresh(first_token)
        assert response.status_code == 200
        grant = response.json()
        assert grant["token_type"] == "bearer"
        assert grant["expires_in"] == 3600
        assert grant["x_refresh_token_expires_in"] == 8726400
        second = grant["refresh_token"]
        assert second != first_token
        assert sandbox.credentials("http://x")["qbo"]["refresh_token"] == second

        # Inside the grace window the old token still works and yields the newest one.
        sandbox.advance(30)
        retry = await qbo.refresh(first_token)
        assert retry.status_code == 200
        assert retry.json()["refresh_token"] == second

        sandbox.advance(31)
        late = await qbo.refresh(first_token)
        assert late.status_code == 400
        assert late.json() == {"error": "invalid_grant"}

        # The replacement is kept for a day (Intuit's FAQ), then replaced in turn.
        third = await qbo.refresh(second)
        assert third.status_code == 200
        assert third.json()["refresh_token"] == second
        sandbox.advance(24 * 3600)
        fourth = await qbo.refresh(second)
        assert fourth.json()["refresh_token"] not in (first_token, second)


async def test_bad_client_and_bad_grant() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        qbo.creds["client_secret"] = "wrong"
        response = await qbo.refresh()
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client"}
        qbo.creds["client_secret"] = sandbox.identity.client_secret
        unknown = await qbo.refresh("AB11nonsense")
        assert unknown.status_code == 400
        assert unknown.json()["error"] == "invalid_grant"


async def test_expired_access_token_gets_gateway_401() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        ok = await qbo.query("SELECT * FROM Account")
        assert ok.status_code == 200
        sandbox.advance(3601)
        expired = await qbo.query("SELECT * FROM Account")
        assert expired.status_code == 401
        err = expired.json()["fault"]["error"][0]
        assert err["code"] == "3200"
        assert "Token expired" in err["detail"]
        assert expired.json()["fault"]["type"] == "AUTHENTICATION"

        missing = await client.get(qbo.url("account/1"))
        assert missing.status_code == 401
        await qbo.connect()
        assert (await qbo.read("account", "1")).status_code == 200


async def test_other_realm_is_refused() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await client.get("/qbo/v3/company/123/account/1", headers=qbo.headers())
        assert response.status_code == 403
        assert response.json()["fault"]["error"][0]["code"] == "3100"


async def test_revoke_kills_tokens() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await client.post(
            "/qbo/oauth2/v1/tokens/revoke",
            json={"token": qbo.creds["refresh_token"]},
            headers={"Authorization": qbo.basic()},
        )
        assert response.status_code == 200
        assert (await qbo.query("SELECT * FROM Account")).status_code == 401
        assert (await qbo.refresh()).json() == {"error": "invalid_grant"}


async def test_authorization_code_flow() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        redirect = await client.get(
            "/_sandbox/qbo/authorize",
            params={
                "client_id": qbo.creds["client_id"],
                "redirect_uri": "http://localhost/cb",
                "response_type": "code",
                "scope": "com.intuit.quickbooks.accounting",
                "state": "xyz",
            },
        )
        assert redirect.status_code == 302
        location = httpx_params(redirect.headers["location"])
        assert location["state"] == "xyz" and location["realmId"] == qbo.realm
        grant = await client.post(
            "/qbo/oauth2/v1/tokens/bearer",
            data={
                "grant_type": "authorization_code",
                "code": location["code"],
                "redirect_uri": "http://localhost/cb",
            },
            headers={"Authorization": qbo.basic()},
        )
        assert grant.status_code == 200
        assert "access_token" in grant.json()


def httpx_params(url: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))


async def test_concurrency_limit_answers_429_xml() -> None:
    sandbox = make_sandbox(scenario="empty", latency_seconds=0.2, qbo_max_concurrent=10)
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        responses = await asyncio.gather(*(qbo.query("SELECT * FROM Account") for _ in range(12)))
        codes = sorted(r.status_code for r in responses)
        assert codes.count(200) == 10
        assert codes.count(429) == 2
        throttled = next(r for r in responses if r.status_code == 429)
        assert throttled.headers["content-type"].startswith("application/xml")
        assert b'<Error code="3001">' in throttled.content
        assert b"ThrottleExceeded" in throttled.content


async def test_concurrency_limit_by_holding_slots() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        with sandbox.qbo.limiter.hold(qbo.realm, 10):
            assert (await qbo.query("SELECT * FROM Account")).status_code == 429
        assert (await qbo.query("SELECT * FROM Account")).status_code == 200


async def test_per_minute_budget() -> None:
    sandbox = make_sandbox(scenario="empty", qbo_per_minute=5)
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        statuses = [(await qbo.read("account", "1")).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        sandbox.advance(60)
        assert (await qbo.read("account", "1")).status_code == 200


async def test_envelope_ids_strings_time_and_no_nulls() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await qbo.write(
            "customer",
            {
                "DisplayName": "Null Test",
                "CompanyName": None,
                "PrimaryPhone": {"FreeFormNumber": None},
            },
        )
        assert response.status_code == 200, response.text
        data = body(response)
        assert data["time"].endswith("-08:00")
        customer = data["Customer"]
        assert customer["Id"] == "1" and customer["SyncToken"] == "0"
        assert "CompanyName" not in customer
        assert "PrimaryPhone" not in customer
        assert customer["MetaData"]["CreateTime"].endswith("-08:00")
        assert response.headers["intuit_tid"]
