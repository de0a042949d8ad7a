"""Resolve at 80x24, keys only: a typed value is never silently replaced (issue 14).

After `e`, typing and Enter the cursor moves on to the next field, as after `a` / `b`; so
`e 97201 enter b` takes the accounting side for the next field and keeps the typed postal
code. A side taken on a field whose value was typed replaces it visibly: the status line
says what was replaced."""

from __future__ import annotations

from pilot_steps import conflict_for, press, settle
from textual.widgets import DataTable, Static

from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.resolve import ResolveScreen

FIELDS = ["address_line1", "city", "postal_code", "region"]


async def open_becker_florist(pilot, world) -> ResolveScreen:
    """The conflict on four address fields, cursor on the first."""
    target = conflict_for(world, "Becker Florist")
    assert sorted(target.fields) == FIELDS
    await settle(pilot)
    await press(pilot, "2")
    queue = pilot.app.screen
    assert isinstance(queue, ConflictsScreen)
    await press(pilot, *["down"] * queue.ids.index(target.id), "enter")
    screen = pilot.app.screen
    assert isinstance(screen, ResolveScreen) and screen.conflict.id == target.id
    assert [r["field"] for r in screen.shown] == FIELDS
    return screen


def cursor_field(screen: ResolveScreen) -> str:
    return screen.shown[screen.query_one(DataTable).cursor_row]["field"]


def status(screen: ResolveScreen) -> str:
    return str(screen.query_one("#resolve-status", Static).render())


async def test_enter_on_a_typed_value_moves_on_so_the_next_b_keeps_it(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_becker_florist(pilot, world)
        await press(pilot, "down", "down")
        assert cursor_field(screen) == "postal_code"
        await press(pilot, "e", "ctrl+u", *"97201", "enter")
        assert pilot.app.screen is screen
        assert cursor_field(screen) == "region", "Enter moves on, like a and b"
        await press(pilot, "b")
        assert screen.picks["postal_code"].side == "custom"
        assert screen.picks["postal_code"].value == "97201"
        assert screen.picks["region"].side == "b"


async def test_a_side_taken_over_a_typed_value_says_what_it_replaced(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_becker_florist(pilot, world)
        await press(pilot, "down", "down", "e", "ctrl+u", *"97201", "enter", "up")
        assert cursor_field(screen) == "postal_code"
        await press(pilot, "b")
        assert screen.picks["postal_code"].side == "b"
        said = status(screen)
        assert "Replaced the typed value 97201" in said and "postal_code" in said, said
