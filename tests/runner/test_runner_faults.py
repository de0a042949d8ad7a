"""Faults from outside: wrong credentials, garbage on the wire. One sentence, exit 3, no harm."""

from __future__ import annotations

import httpx
from runner_world import World


class Garbling(httpx.AsyncBaseTransport):
    """Truncates the answers to QBO queries while ``armed``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.armed = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.armed and request.url.path.endswith("/query"):
            body = await response.aread()
            return httpx.Response(
                200, headers={"content-type": "application/json"}, content=body[: len(body) // 2]
            )
        return response


def test_truncated_response_stops_the_run_and_the_next_run_recovers(world: World) -> None:
    garbling = Garbling(world.transport)
    world.transport = garbling
    failed = world.sync()
    assert failed.exit_code == 3
    assert "QuickBooks Online" in failed.message
    assert world.store.conflicts(world.profile.id) == []
    garbling.armed = False
    ok = world.sync()
    assert ok.exit_code == 1
    assert ok.counts["conflicts_opened"] > 0


def test_wrong_password_is_reported_as_such(world: World) -> None:
    world.secrets.set("t", "password", "not-the-password")
    result = world.sync()
    assert result.exit_code == 3
    assert "BILL" in result.message
    assert "not-the-password" not in result.message
    assert world.store.lock_holder(world.profile.id) is None


def test_revoked_refresh_token_asks_for_a_reconnect(world: World) -> None:
    world.secrets.set("t", "refresh_token", "revoked-token")
    result = world.sync()
    assert result.exit_code == 3
    assert "QuickBooks Online" in result.message
    assert "revoked-token" not in result.message
