"""Run, history, help and leaving with unsaved choices, by keys only."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, RichLog

from recontui.tui import make_app
from recontui.tui.screens.help import HelpScreen
from recontui.tui.screens.history import HistoryScreen, RunLogScreen
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.resolve import ResolveScreen
from recontui.tui.screens.run import RunScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


class SlowToConnect:
    """A connector that takes a while to open: time enough to press c."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def __aenter__(self):
        await self.inner.__aenter__()
        await asyncio.sleep(0.3)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.inner.__aexit__(*exc)


async def test_cancel_stops_the_run_at_a_safe_point_and_frees_the_profile(world):
    base = world.factory()
    app = make_app(
        world.store,
        world.profile,
        world.secrets,
        lambda side, events: SlowToConnect(base(side, events)),
    )
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        await pilot.press("s")
        assert screen.running
        await pilot.press("c")
        await settle(pilot)
        assert screen.last_result.status == "interrupted"
        assert not screen.running
        assert world.store.lock_holder(world.profile.id) is None
        await pilot.press("s")
        await settle(pilot)
        assert screen.last_result.status == "waiting"
        assert len(screen.query_one(RichLog).lines) > 0
    runs = world.store.runs(world.profile.id)
    assert [r["trigger"] for r in runs[:2]] == ["tui", "tui"]


async def test_history_enter_shows_the_run_log(world):
    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HistoryScreen)
        assert pilot.app.screen.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        log_screen = pilot.app.screen
        assert isinstance(log_screen, RunLogScreen)
        lines = [strip.text for strip in log_screen.query_one(RichLog).lines]
        assert any("Run 1 of profile 't' started." in line for line in lines)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HistoryScreen)


async def test_escape_with_unsaved_choices_asks_first(world):
    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        resolve = pilot.app.screen
        assert isinstance(resolve, ResolveScreen)
        await pilot.press("a", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert pilot.app.screen is resolve and resolve.picks
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ResolveScreen)
    assert world.store.conflict(resolve.conflict_id).status == "open"


async def test_next_and_previous_walk_the_queue(world):
    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        resolve = pilot.app.screen
        first = resolve.conflict_id
        await pilot.press("n")
        await settle(pilot)
        assert resolve.conflict_id > first
        await pilot.press("p")
        await settle(pilot)
        assert resolve.conflict_id == first


async def test_help_lists_the_screens_keys(world):
    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("3", "question_mark")
        await pilot.pause()
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        assert ("s", "Start sync") in help_screen.rows
        assert ("?", "Help") in help_screen.rows


def test_every_binding_has_an_id(world):
    from textual.binding import Binding

    from recontui.tui.keymap import _classes

    classes = list(_classes())
    assert len(classes) > 10  # every screen module was found
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            assert isinstance(binding, Binding) and binding.id, (cls, binding)


def _matching(world, needle: str) -> list[int]:
    from recontui.present import conflict_summary

    out = []
    for c in world.store.conflicts(world.profile.id):
        row = conflict_summary(world.store, world.profile, c)
        text = " ".join([row["entity"], row["kind"], row["record"], *row["fields"]]).lower()
        if needle in text:
            out.append(c.id)
    return out


async def test_typing_a_filter_keeps_only_matching_rows(world):
    from recontui.tui.screens.conflicts import ConflictsScreen

    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("c")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        everything = list(queue.ids)
        expected = _matching(world, "phone")
        assert 0 < len(expected) < len(everything)
        await pilot.press("slash", *"PHONE")
        await settle(pilot)
        assert queue.ids == expected
        assert queue.query_one(DataTable).row_count == len(expected)
        # Enter goes back to the rows, Enter again opens the one under the cursor.
        await pilot.press("enter")
        await pilot.pause()
        assert queue.focused is queue.query_one(DataTable)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ResolveScreen)
        assert pilot.app.screen.conflict_id == expected[0]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *["backspace"] * 5)
        await settle(pilot)
        assert queue.ids == everything


async def test_the_filter_stops_at_its_cap_and_m_reads_on(world, monkeypatch):
    from recontui.tui.screens import conflicts

    monkeypatch.setattr(conflicts, "PAGE", 5)
    monkeypatch.setattr(conflicts, "FILTER_CAP", 10)
    expected = _matching(world, "bill")  # the last four conflicts of 31
    assert expected == [28, 29, 30, 31]
    app = world.app()
    async with app.run_test() as pilot:
        await pilot.press("c")
        await settle(pilot)
        queue = pilot.app.screen
        await pilot.press("slash", *"bill", "enter")
        await settle(pilot)
        assert queue.ids == [] and queue.capped and queue.last_id == 10
        status = str(queue.query_one("#queue-status").render())
        assert "more may match: press m" in status
        for _ in range(5):
            if queue.exhausted:
                break
            await pilot.press("m")
            await settle(pilot)
        assert queue.ids == expected and queue.exhausted and not queue.capped


async def test_history_k_shows_companies_and_cursors_and_r_resets_one(world):
    from recontui.tui.screens.history import CursorsScreen

    profile = world.store.get_profile(world.profile.name)
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CursorsScreen)
        companies = str(screen.query_one("#cursors-companies").render())
        assert f"company {profile.a_company_id}" in companies
        assert f"company {profile.b_company_id}" in companies
        table = screen.query_one(DataTable)
        assert table.row_count == len(world.store.cursors(profile.id)) > 0
        entity = screen.rows[0]["entity"]
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        left = {(c["side"], c["entity"]) for c in world.store.cursors(profile.id)}
        assert all(e != entity for _, e in left)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HistoryScreen)
