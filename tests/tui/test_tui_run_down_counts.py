"""The Run screen after a sync that reached neither server still counts the open conflicts,
read from the store (issue 14, finding 2)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from textual.widgets import Static
from tui_world import World

from recontui.tui import make_app
from recontui.tui.screens.run import RunScreen
from recontui.wiring import connector_factory


class Down(httpx.AsyncBaseTransport):
    """Both servers refuse every connection."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


async def until(pilot: Any, predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_the_run_screen_says_the_conflicts_still_open(
    world: World, fast_backoff: None
) -> None:
    open_now = sum(world.store.conflict_counts(world.profile.id).get("open", {}).values())
    assert open_now > 0
    factory = connector_factory(world.profile, world.secrets, transport=Down())
    app = make_app(world.store, world.profile, world.secrets, factory, actor="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        run = pilot.app.screen
        assert isinstance(run, RunScreen)
        await until(pilot, lambda: run.last_result is not None)
        assert run.last_result.exit_code == 3
        state = run.query_one("#run-counts", Static).content.plain
        assert "finished: failed (exit 3)" in state
        assert f"conflicts {open_now} open" in state, state
        assert "Could not reach" in state
