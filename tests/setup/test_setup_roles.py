"""Setup step 2 (Credentials) when BILL accepts the sign-in but the user's role may not read
the organisation: the refusal names the roles needed, not "check the password"."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from recontui.connectors import make_connector
from recontui.setup import connect
from recontui.setup.connect import BillLogin, SetupRefused, check_bill


def bill_answers(request: httpx.Request) -> httpx.Response:
    """BILL that signs the user in and then refuses the organisation read with 403."""
    path = request.url.path
    if path.endswith("/v3/login"):
        return httpx.Response(
            200, json={"sessionId": "s1", "organizationId": "00801", "userId": "u1"}
        )
    if path.endswith("/v3/logout"):
        return httpx.Response(200, json={})
    body = [{"code": "BDC_1213", "severity": "ERROR", "category": "APPLICATION", "message": "No"}]
    return httpx.Response(403, content=json.dumps(body).encode())


async def test_a_role_that_may_not_read_the_organisation_is_named_not_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def through_mock(system: str, settings: Any, secrets: Any, **options: Any) -> Any:
        return make_connector(
            system, settings, secrets, transport=httpx.MockTransport(bill_answers), **options
        )

    monkeypatch.setattr(connect, "make_connector", through_mock)
    login = BillLogin("http://bill.test/connect", "00801", "clerk@example.com", "dk", "pw")
    with pytest.raises(SetupRefused) as info:
        await check_bill(login)
    message = str(info.value)
    assert message.startswith("BILL did not let clerk@example.com read organization 00801"), message
    assert "Administrator or Accountant role" in message
    assert "password" not in message and "could not be checked" not in message, message
