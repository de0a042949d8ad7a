"""Keys only: screen 6 lists every value a run's rules decided, the same number the run
counted, also while their writes wait in the outbox (issue 14, finding 1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static
from tui_world import World

from recontui.connectors import UnreachableError
from recontui.run import RunOptions, RunResult, run_sync
from recontui.tui import make_app
from recontui.tui.screens.autoresolved import AutoResolvedScreen
from recontui.tui.screens.modals import ConfirmScreen

QBO = "QuickBooks Online"


class UpdatesRefused:
    """A real connector whose updates never get an answer (reads still do)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> UpdatesRefused:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    def pull(self, entity: str, cursor: str | None) -> Any:
        return self.inner.pull(entity, cursor)

    async def update(self, *args: Any, **kwargs: Any) -> Any:
        raise UnreachableError("connection refused")


async def sync_with_a_master(world: World, *, writes_fail: bool) -> RunResult:
    """A master rule saved (BILL wins every field), then a sync (its updates fail, if asked)."""
    world.store.add_rule(world.profile.id, "prefer", "a", None, None, actor="test")
    base = world.factory()

    def factory(side: str, events: Any) -> Any:
        conn = base(side, events)
        return UpdatesRefused(conn) if writes_fail else conn

    profile = world.store.get_profile(world.profile.name)
    return await run_sync(world.store, profile, factory, RunOptions())


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def shown(world: World, pilot: Any) -> tuple[AutoResolvedScreen, DataTable]:
    await pilot.press("6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AutoResolvedScreen)
    return screen, screen.query_one(DataTable)


async def test_every_decision_the_run_counted_is_on_screen_6(world: World) -> None:
    result = await sync_with_a_master(world, writes_fail=False)
    counted = result.counts["auto_resolved"]
    assert counted > 0 and result.counts["deferred"] > 0, result.counts
    app = make_app(world.store, world.profile, world.secrets, world.factory(), actor="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await shown(world, pilot)
        assert table.row_count == counted
        assert f"{counted} rule decisions shown" in text_of(screen, "#auto-status")
        for row in screen.rows:
            assert row["record"] not in ("", "?") and row["field"], row
        waiting = [i for i, row in enumerate(screen.rows) if row["waiting"]]
        assert waiting and len(waiting) < counted
        await pilot.press(*["down"] * waiting[0])
        detail = text_of(screen, "#auto-detail")
        assert "rule 1: prefer BILL for every field of every record" in detail
        assert "to be overwritten with BILL's" in detail
        assert f"Not written to {QBO} yet: waiting for your decision on" in detail


async def test_decisions_whose_writes_failed_are_listed_and_o_says_why_not_yet(
    world: World, fast_backoff: None
) -> None:
    result = await sync_with_a_master(world, writes_fail=True)
    counted = result.counts["auto_resolved"]
    assert counted > 0 and result.counts["updated"] == 0, result.counts
    before = len(world.store.conflicts(world.profile.id))
    app = make_app(world.store, world.profile, world.secrets, world.factory(), actor="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await shown(world, pilot)
        assert "No rule has decided anything yet" not in text_of(screen, "#auto-status")
        assert table.row_count == counted
        assert all(row["waiting"] for row in screen.rows)
        assert any("connection refused" in row["waiting"] for row in screen.rows)
        assert f"Not written to {QBO} yet: " in text_of(screen, "#auto-detail")
        await pilot.press("o")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen), "nothing to ask yet"
        assert f"not written to {QBO} yet" in text_of(screen, "#auto-detail")
    assert len(world.store.conflicts(world.profile.id)) == before, "no override was opened"
