"""The Conflicts queue by keys only: sort, marks, bulk A / B, reopen with u."""

from __future__ import annotations

from textual.widgets import DataTable

from recontui.tui.screens import conflicts
from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.modals import ConfirmScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_queue(pilot) -> ConflictsScreen:
    await pilot.press("c")
    await settle(pilot)
    queue = pilot.app.screen
    assert isinstance(queue, ConflictsScreen)
    return queue


async def load_everything(pilot, queue: ConflictsScreen) -> None:
    for _ in range(40):
        if queue.exhausted:
            return
        await pilot.press("m")
        await settle(pilot)
    raise AssertionError("the queue never said it was complete")


async def press_until_sorted_by(pilot, queue: ConflictsScreen, sort: str) -> None:
    for _ in range(len(conflicts.SORTS)):
        if queue.sort == sort:
            return
        await pilot.press("o")
        await settle(pilot)
    raise AssertionError(f"o never reached {sort}")


def status_line(queue: ConflictsScreen) -> str:
    return str(queue.query_one("#queue-status").render())


def by_name(world) -> list[int]:
    live = world.store.conflicts(world.profile.id)
    return [c.id for c in sorted(live, key=lambda c: (c.title.lower(), c.id))]


def mark_column(queue: ConflictsScreen) -> dict[int, str]:
    table = queue.query_one(DataTable)
    return {cid: str(table.get_cell(str(cid), "mark")).strip() for cid in queue.ids}


async def test_sort_by_record_name_pages_in_name_order_and_reverses(world, monkeypatch):
    monkeypatch.setattr(conflicts, "PAGE", 5)
    expected = by_name(world)
    assert len(expected) == 31
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        assert queue.ids == [1, 2, 3, 4, 5], "id order, one small page"
        await press_until_sorted_by(pilot, queue, "record")
        assert len(queue.ids) == 5
        await load_everything(pilot, queue)
        assert queue.ids == expected
        names = [queue.rows[cid]["record"].lower() for cid in queue.ids]
        assert names == sorted(names) and names[0] != names[-1]
        table = queue.query_one(DataTable)
        assert str(table.columns["record"].label) == "record ↑"
        assert "sorted by record name ↑" in status_line(queue)

        await pilot.press("O")
        await settle(pilot)
        assert queue.ids == expected[::-1][:5]
        await load_everything(pilot, queue)
        assert queue.ids == expected[::-1]
        assert str(table.columns["record"].label) == "record ↓"
        assert "sorted by record name ↓" in status_line(queue)
        # Enter opens the row the cursor is on, in the sorted order.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert pilot.app.screen.conflict_id == expected[::-1][1]


async def test_sorting_by_when_a_side_changed_and_filtering_in_that_order(world, monkeypatch):
    monkeypatch.setattr(conflicts, "PAGE", 4)
    live = world.store.conflicts(world.profile.id)
    newest_in_qbo = [c.id for c in sorted(live, key=lambda c: (c.b_changed_at, c.id))][::-1]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        await press_until_sorted_by(pilot, queue, "b_changed")
        await pilot.press("O")
        await settle(pilot)
        await load_everything(pilot, queue)
        assert queue.ids == newest_in_qbo
        # The filter reads on in the current order; typing o, u or A is text, not a key.
        await pilot.press("slash", *"cedar ")
        await settle(pilot)
        names = {c.id: c.title for c in live}
        cedar = [cid for cid in newest_in_qbo if "cedar" in names[cid].lower()]
        assert len(cedar) == 2 and queue.ids == cedar
        await pilot.press("o", "backspace", *"bAy", "enter")
        await settle(pilot)
        assert queue.sort == "b_changed" and queue.descending
        assert [queue.rows[cid]["record"] for cid in queue.ids] == ["Cedar Bay Veterinary"]


async def test_marks_survive_sorts_and_filters(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        # space marks and moves down: rows 1, 2 and 4 (conflicts 2, 3 and 5).
        await pilot.press("down", "space", "space", "down", "space")
        await pilot.pause()
        assert set(queue.marks) == {2, 3, 5}
        assert {cid for cid, mark in mark_column(queue).items() if mark} == {2, 3, 5}
        assert "* 3 marked" in status_line(queue)
        await pilot.press("space")  # conflict 6 marked, then unmark it again
        await pilot.press("up", "space")
        await pilot.pause()
        assert set(queue.marks) == {2, 3, 5}

        await press_until_sorted_by(pilot, queue, "record")
        assert set(queue.marks) == {2, 3, 5}
        assert {cid for cid, mark in mark_column(queue).items() if mark} == {2, 3, 5}

        await pilot.press("slash", *"cedar", "enter")
        await settle(pilot)
        assert set(queue.ids) == {3, 13}
        assert mark_column(queue) == {3: "*", 13: ""}
        assert "* 3 marked (2 not shown)" in status_line(queue)
        await pilot.press("slash", *["backspace"] * 5, "enter")
        await settle(pilot)
        assert {cid for cid, mark in mark_column(queue).items() if mark} == {2, 3, 5}

        # * marks every loaded row, and again unmarks them.
        await pilot.press("asterisk")
        await pilot.pause()
        assert set(queue.marks) == set(queue.ids)
        await pilot.press("asterisk")
        await pilot.pause()
        assert queue.marks == {}


async def test_bulk_b_takes_quickbooks_for_marked_rows_and_skips_match_conflicts(world):
    store = world.store
    targets = {3: "phone", 7: "email", 9: "phone"}
    before = {cid: store.conflict(cid) for cid in targets}
    assert store.conflict(1).kind == "match"
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        # Rows 0, 2, 6 and 8 are conflicts 1 (a match), 3, 7 and 9.
        await pilot.press("space", "down", "space", "down", "down", "down", "space", "down")
        await pilot.press("space")
        await pilot.pause()
        assert set(queue.marks) == {1, 3, 7, 9}

        await pilot.press("B")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmScreen)
        assert "Take every field from QuickBooks Online for the 3 marked conflicts" in (
            modal.question
        )
        assert "1 match conflict skipped: open them to link, keep both or ignore" in (
            modal.question
        )
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert all(store.conflict(cid).status == "open" for cid in targets)

        await pilot.press("B")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        for cid in targets:
            saved = store.conflict(cid)
            assert saved.status == "resolved" and saved.resolved_by == "tester"
            assert saved.choices == {name: ["b", None] for name in saved.fields}
            assert queue.rows[cid]["status"] == "resolved"
            cell = queue.query_one(DataTable).get_cell(str(cid), "status")
            assert str(cell) == "resolved"
        assert store.conflict(1).status == "open"
        assert queue.marks == {1: "match"}, "the skipped match conflict stays marked"
        status = status_line(queue)
        assert "3 conflicts resolved from QuickBooks Online" in status
        assert "1 match conflict skipped: open them to link, keep both or ignore" in status

    await world.sync()
    a, _ = world.connectors()
    async with a:
        for cid, name in targets.items():
            assert store.conflict(cid).status == "pushed"
            link = store.link(before[cid].link_id)
            rec = await a.read(before[cid].entity, link.a_id)
            values = before[cid].fields[name]
            assert rec.fields[name] == values["b"] != values["a"]


async def test_a_without_marks_takes_the_row_under_the_cursor_and_u_reopens_it(world):
    store = world.store
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        await pilot.press("down", "down")  # conflict 3
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
        assert "Conflict 3 is open: only a resolved conflict" in status_line(queue)

        await pilot.press("A")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "for conflict 3 (Cedar Bay Veterinary)" in pilot.app.screen.question
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert store.conflict(3).choices == {"phone": ["a", None]}
        assert store.conflict(2).status == "open", "only the row under the cursor"
        assert queue.rows[3]["status"] == "resolved"

        await pilot.press("u")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        reopened = store.conflict(3)
        assert reopened.status == "open" and reopened.suggestion == {"phone": ["a", None]}
        assert queue.rows[3]["status"] == "open"
        earlier = queue.query_one(DataTable).get_cell("3", "suggestion")
        assert str(earlier) == "↺ BILL"
        assert "Conflict 3 is open again" in status_line(queue)


async def test_match_conflicts_alone_are_not_bulk_resolved(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        await pilot.press("space", "B")  # conflict 1 is a match conflict
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
        assert "1 match conflict skipped: open them to link" in status_line(queue)
    assert world.store.conflict(1).status == "open"


async def test_columns_fit_80_and_widen_with_the_terminal(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        table = queue.query_one(DataTable)
        labels = [str(c.label) for c in table.ordered_columns]
        assert labels == [
            "",
            "# ↑",
            "entity",
            "record",
            "fields",
            "BILL",
            "QBO",
            "status",
            "earlier",
        ]
        narrow = table.columns["record"].width
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80 - 1
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert table.columns["record"].width > narrow
        assert table.row_count == len(queue.ids) == 31


async def test_a_run_that_pushes_a_marked_conflict_drops_its_mark(world):
    from recontui.tui.screens.resolve import ResolveScreen
    from recontui.tui.screens.run import RunScreen

    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await open_queue(pilot)
        await pilot.press("down", "down", "space", *["down"] * 3, "space")  # conflicts 3, 7
        await pilot.pause()
        assert set(queue.marks) == {3, 7}
        await pilot.press(*["up"] * 5, "enter")  # conflict 3 on Resolve
        await settle(pilot)
        assert isinstance(pilot.app.screen, ResolveScreen)
        assert pilot.app.screen.conflict_id == 3
        await pilot.press("B", "ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert set(queue.marks) == {3, 7}, "resolved is still in the queue, still marked"
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RunScreen)
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen.last_result is not None
        await pilot.press("2")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert world.store.conflict(3).status == "pushed"
        assert set(queue.marks) == {7} and 3 not in queue.ids
        assert "* 1 marked." in status_line(queue)


def test_compact_times_labels_and_widths():
    import datetime as dt

    now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC).astimezone()
    local = now.replace(hour=9, minute=5)
    assert conflicts.compact_time(local.isoformat(), now) == "09:05"
    assert conflicts.compact_time((now - dt.timedelta(days=40)).isoformat(), now) == "Jan 21"
    assert conflicts.compact_time((now - dt.timedelta(days=400)).isoformat(), now) == "2025"
    assert conflicts.compact_time("", now) == ""
    assert conflicts.short_label("QuickBooks Online") == "QBO"
    assert conflicts.short_label("BILL") == "BILL"
    for total in (80, 100, 160):
        widths = conflicts.column_widths(total, 6)
        used = sum(widths.values()) + 2 * len(widths) + conflicts.SCROLLBAR
        assert used == total and widths["record"] >= widths["fields"] >= 6
