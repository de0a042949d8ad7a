"""A reload of the queue (a filter keystroke, a new sort) replaces the rows shown in one
update when the new page arrives: the table is never drawn empty in between (that cost a
second layout and repaint of the whole table per keystroke, issue 15), and what the
table shows always agrees with the rows the screen acts on."""

from __future__ import annotations

import threading

from pilot_steps import settle
from textual.widgets import DataTable

from recontui.tui.screens import conflicts
from recontui.tui.screens.conflicts import ConflictsScreen


def shown_ids(queue: ConflictsScreen) -> list[int]:
    table = queue.query_one(DataTable)
    return [int(str(key.value)) for key in table.rows]


class Held:
    """Holds the queue's reads until released (the rows they return are unchanged)."""

    def __init__(self, monkeypatch) -> None:
        self.go = threading.Event()
        self.started = threading.Event()
        for name in ("read_matching", "read_page"):
            real = getattr(conflicts, name)
            monkeypatch.setattr(conflicts, name, self.wrap(real))

    def wrap(self, real):
        def held(*args, **kwargs):
            self.started.set()
            assert self.go.wait(10), "never released"
            return real(*args, **kwargs)

        return held


async def test_a_filter_keystroke_keeps_the_rows_until_the_new_ones_replace_them(
    world, monkeypatch
):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        before = list(queue.ids)
        assert shown_ids(queue) == before and len(before) > 2

        held = Held(monkeypatch)
        await pilot.press("slash", "c")
        assert held.started.wait(10)
        await pilot.pause()
        assert queue.fetching
        assert shown_ids(queue) == before, "the table was emptied before the new rows came"
        assert queue.ids == before, "the rows acted on are the rows shown"

        held.go.set()
        await settle(pilot)
        assert not queue.fetching
        assert queue.needle == "c" and queue.ids
        assert shown_ids(queue) == queue.ids


async def test_a_new_sort_changes_headers_and_rows_together(world, monkeypatch):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        table = queue.query_one(DataTable)
        before = list(queue.ids)

        held = Held(monkeypatch)
        await pilot.press("o")  # id -> entity
        assert held.started.wait(10)
        await pilot.pause()
        assert shown_ids(queue) == before
        assert str(table.columns["id"].label) == "# ↑", "the header still says what is shown"

        held.go.set()
        await settle(pilot)
        assert queue.sort == "entity"
        assert str(table.columns["entity"].label) == "entity ↑"
        assert str(table.columns["id"].label) == "#"
        assert shown_ids(queue) == queue.ids
        entities = [queue.rows[cid]["entity"] for cid in queue.ids]
        assert entities == sorted(entities)


async def test_the_status_line_is_redrawn_only_when_it_changes(world, monkeypatch):
    """After a page is shown the row detail follows STATUS_DELAY later; when it says what
    the line already says, nothing is drawn again (a repaint per filter keystroke)."""
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        status = queue.query_one("#queue-status")
        drawn: list[str] = []
        real = status.update

        def update(content="", **kwargs):
            drawn.append(str(content))
            return real(content, **kwargs)

        monkeypatch.setattr(status, "update", update)
        await pilot.press("slash", "c")
        await settle(pilot)
        await pilot.pause(conflicts.STATUS_DELAY * 3)
        assert drawn[0] == "Loading…"
        assert len(drawn) == 2, drawn  # Loading…, then the page's line with its row detail
        assert "matching conflicts shown" in drawn[1]

        drawn.clear()
        await pilot.press("enter", "down")  # back to the rows; the detail follows the cursor
        await pilot.pause(conflicts.STATUS_DELAY * 3)
        assert len(drawn) == 1 and f"#{queue.ids[1]} " in drawn[0]


async def test_a_page_is_shown_before_the_queue_is_counted(world, monkeypatch):
    """Counting the queue reads every live conflict (a few ms per 100,000): a filter
    keystroke's rows do not wait for it; the count follows into the status line."""
    counted = threading.Event()
    go = threading.Event()
    real = world.store.count_live_conflicts

    def count(profile_id):
        counted.set()
        assert go.wait(10), "never released"
        return real(profile_id)

    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        total = len(world.store.conflicts(world.profile.id))
        assert f"of {total:,} conflicts shown" in str(queue.query_one("#queue-status").render())
        monkeypatch.setattr(pilot.app.store, "count_live_conflicts", count)

        await pilot.press("o")  # a new sort: a reset, so the queue is counted again
        assert counted.wait(10)
        for _ in range(50):
            await pilot.pause(0.02)
            if not queue.fetching:
                break
        assert not queue.fetching and queue.sort == "entity", "the page waited for the count"
        assert shown_ids(queue) == queue.ids and len(queue.ids) == min(total, conflicts.PAGE)

        go.set()
        await settle(pilot)
        assert f"of {total:,} conflicts shown" in str(queue.query_one("#queue-status").render())
