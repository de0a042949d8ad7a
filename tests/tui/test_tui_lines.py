"""A line-item conflict, line against line (issue 14: "Line-item conflicts are one long text
blob: show lines as a table, line against line, with the differing cells marked, and let a
person pick per line"). Resolve's `e` on a lines field opens the lines view; a side taken per
line becomes the field's value, saved and pushed like any choice."""

from __future__ import annotations

from textual.widgets import DataTable

from recontui.decisions import checked_lines
from recontui.model import ENTITIES
from recontui.model.states import ConflictStatus
from recontui.tui.screens.lines import LinesScreen, chosen_lines, differing_parts, pair_lines
from recontui.tui.screens.resolve import ResolveScreen

LINES = ENTITIES["invoice"].field("lines")


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_lines_pair_by_position_and_only_the_differing_parts_are_marked() -> None:
    a = [{"description": "Design", "amount": 100, "quantity": 1}, {"description": "Ink"}]
    b = [{"description": "Design", "amount": 120, "quantity": 1}]
    pairs = pair_lines(a, b)
    assert pairs[1] == (a[1], None)
    assert differing_parts(LINES, *pairs[0]) == {"amount"}
    assert "description" in differing_parts(LINES, *pairs[1])
    # A line only one system has is left out when the other system's side is taken.
    assert chosen_lines(pairs, ["b", "b"]) == [b[0]]
    assert chosen_lines(pairs, ["b", "a"]) == [b[0], a[1]]


async def test_a_side_taken_per_line_is_saved_as_the_fields_value(world) -> None:
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=(ConflictStatus.OPEN,))
        if "lines" in c.fields and c.entity == "invoice"
    )
    values = conflict.fields["lines"]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = ResolveScreen(conflict.id)
        app.push_screen(screen)
        await settle(pilot)
        table = screen.query_one(DataTable)
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index("lines"))
        await pilot.press("e")
        await settle(pilot)
        lines = app.screen
        assert isinstance(lines, LinesScreen)
        grid = lines.query_one(DataTable)
        # Two rows a line, one per system; the differing part marked ≠.
        assert grid.row_count == 2 * len(lines.pairs)
        cells = [str(c) for row in range(grid.row_count) for c in grid.get_row_at(row)]
        assert any(c.startswith("≠ ") for c in cells)
        # Enter refuses while a differing line has no side yet.
        open_ = [i for i, take in enumerate(lines.takes) if take is None]
        assert open_
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is lines
        # Take QuickBooks' first differing line, BILL's for the rest.
        grid.move_cursor(row=2 * open_[0])
        await pilot.press("b")
        for index in open_[1:]:
            grid.move_cursor(row=2 * index)
            await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = world.store.conflict(conflict.id)
    assert saved.status == ConflictStatus.RESOLVED
    how, chosen = saved.choices["lines"]
    assert how == "custom"
    pairs = pair_lines(values["a"] or [], values["b"] or [])
    want = chosen_lines(pairs, ["b" if i == open_[0] else "a" for i in range(len(pairs))])
    assert chosen == checked_lines(LINES, want)


def test_resolve_columns_grow_with_the_terminal() -> None:
    """Issue 14: "Resolve columns stay fixed at 120 columns": the values take the room."""
    from recontui.tui.screens.resolve import NARROW, field_widths

    assert field_widths(80) == NARROW
    wide = field_widths(120)
    assert wide["a"] > NARROW["a"] and wide["b"] > NARROW["b"] and wide["base"] > NARROW["base"]
    assert sum(wide.values()) - sum(NARROW.values()) == 40
