"""QBO stand-in: the token endpoint as Intuit's discovery document and FAQ describe it.

- client authentication by ``client_secret_basic`` or ``client_secret_post``
  (https://developer.intuit.com/.well-known/openid-sandbox-configuration, key
  ``token_endpoint_auth_methods_supported``), bad credentials refused with ``invalid_client``;
- the refresh token's value changes about every 24 hours, not at every refresh, and the one
  it replaced keeps working for a while
  (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq);
  its 100-day expiry rolls on with each use
  (https://blogs.intuit.com/2024/06/03/oauth-token-management-done-the-right-way/).
"""

from __future__ import annotations

from sandbox_helpers import BASE, Qbo, http, make_sandbox

TOKEN = "/qbo/oauth2/v1/tokens/bearer"
DAY = 24 * 3600


async def post_refresh(qbo: Qbo, token: str, **form: str) -> tuple[int, dict[str, str]]:
    response = await qbo.client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": token, **form},
        headers={"Accept": "application/json"},
    )
    return response.status_code, response.json()


async def test_client_secret_post_is_accepted_like_basic() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        status, grant = await post_refresh(
            qbo,
            qbo.creds["refresh_token"],
            client_id=qbo.creds["client_id"],
            client_secret=qbo.creds["client_secret"],
        )
        assert status == 200, grant
        assert grant["token_type"] == "bearer" and grant["access_token"]
        api = await client.get(
            qbo.url(f"companyinfo/{qbo.realm}"),
            headers={"Authorization": f"Bearer {grant['access_token']}"},
        )
        assert api.status_code == 200


async def test_bad_client_credentials_are_invalid_client_by_either_method() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        token = qbo.creds["refresh_token"]
        wrong_secret = await post_refresh(
            qbo, token, client_id=qbo.creds["client_id"], client_secret="wrong"
        )
        assert wrong_secret == (401, {"error": "invalid_client"})
        no_secret = await post_refresh(qbo, token, client_id=qbo.creds["client_id"])
        assert no_secret == (401, {"error": "invalid_client"})
        nothing = await post_refresh(qbo, token)
        assert nothing == (401, {"error": "invalid_client"})
        qbo.creds["client_secret"] = "wrong"
        basic = await client.post(
            TOKEN,
            data={"grant_type": "refresh_token", "refresh_token": token},
            headers={"Authorization": qbo.basic()},
        )
        assert (basic.status_code, basic.json()) == (401, {"error": "invalid_client"})
        assert basic.headers["www-authenticate"].startswith("Basic")
        # A refused client does not use the refresh token up.
        qbo.creds["client_secret"] = sandbox.identity.client_secret
        assert (await qbo.refresh(token)).status_code == 200


async def test_discovery_document_names_the_stand_ins_endpoints() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        for path in (
            "/qbo/.well-known/openid_sandbox_configuration/",
            "/qbo/.well-known/openid-sandbox-configuration",
            "/qbo/.well-known/openid_configuration/",
        ):
            response = await client.get(path)
            assert response.status_code == 200, path
            doc = response.json()
            assert doc["token_endpoint"] == f"{BASE}{TOKEN}"
            assert doc["revocation_endpoint"] == f"{BASE}/qbo/oauth2/v1/tokens/revoke"
            assert doc["authorization_endpoint"] == f"{BASE}/qbo/connect/oauth2"
            assert doc["token_endpoint_auth_methods_supported"] == [
                "client_secret_post",
                "client_secret_basic",
            ]
            assert doc["response_types_supported"] == ["code"]


async def test_refresh_token_changes_once_a_day_not_at_every_refresh() -> None:
    sandbox = make_sandbox(scenario="empty", refresh_grace_seconds=3600)
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        seeded = qbo.creds["refresh_token"]
        # The seeded token comes from a consent at least a day old: it is due to change.
        first = (await qbo.refresh(seeded)).json()["refresh_token"]
        assert first != seeded
        sandbox.advance(600)
        again = (await qbo.refresh(first)).json()
        assert again["refresh_token"] == first, "within a day the same token comes back"
        assert again["x_refresh_token_expires_in"] == 8_726_400, "the 100 days roll on"
        sandbox.advance(DAY)
        rotated = (await qbo.refresh(first)).json()["refresh_token"]
        assert rotated != first
        assert sandbox.credentials(BASE)["qbo"]["refresh_token"] == rotated
        # The token it replaced keeps working for a while, and gives the newest one...
        sandbox.advance(1800)
        late = await qbo.refresh(first)
        assert late.status_code == 200 and late.json()["refresh_token"] == rotated
        # ...then it is dead.
        sandbox.advance(1801)
        dead = await qbo.refresh(first)
        assert (dead.status_code, dead.json()) == (400, {"error": "invalid_grant"})
        assert (await qbo.refresh(rotated)).status_code == 200


async def test_a_fresh_consent_keeps_its_refresh_token_for_a_day() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = Qbo(sandbox, client)
        code = sandbox.qbo_oauth.issue_code(qbo.creds["client_id"], "http://localhost/cb")
        grant = await client.post(
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost/cb",
            },
            headers={"Authorization": qbo.basic()},
        )
        issued = grant.json()["refresh_token"]
        sandbox.advance(3601)
        assert (await qbo.refresh(issued)).json()["refresh_token"] == issued
