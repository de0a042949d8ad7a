"""Keys only: a number typed on the Resolve screen (`e`) that the field cannot hold is one
sentence under the input, the console keeps running, nothing is saved (issue 9, 4a)."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, Static

from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.modals import EditValueScreen
from recontui.tui.screens.resolve import ResolveScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def payment_amount_conflict(world) -> int:
    """An open field conflict on a payment's amount (the scenario has none of its own)."""
    store, pid = world.store, world.profile.id
    link = next(iter(store.links(pid, "payment")), None)
    link_id = link.id if link is not None else store.placeholder_link(pid, "payment", "a", "p-1")
    with store.transaction():
        return store.open_conflict(
            pid,
            link_id,
            "payment",
            "field",
            {"amount": {"base": Decimal("10.00"), "a": Decimal("12.00"), "b": Decimal("11.00")}},
            link.a_version if link else None,
            link.b_version if link else None,
            None,
        )


async def open_resolve(pilot, conflict_id: int) -> ResolveScreen:
    await press(pilot, "c")
    queue = pilot.app.screen
    assert isinstance(queue, ConflictsScreen)
    await pilot.press(*["down"] * queue.ids.index(conflict_id))
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, ResolveScreen) and screen.conflict.id == conflict_id
    return screen


def error_text(editor: EditValueScreen) -> str:
    return str(editor.query_one("#edit-error", Static).render())


TYPED = ["1e30", "1e400", "NaN", "sNaN", "-Infinity", "0.001", "-5"]


async def test_an_amount_the_field_cannot_hold_is_one_sentence_and_a_good_one_is_saved(
    world,
) -> None:
    conflict_id = payment_amount_conflict(world)
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_resolve(pilot, conflict_id)
        for typed in TYPED:
            await press(pilot, "e")
            editor = pilot.app.screen
            assert isinstance(editor, EditValueScreen)
            await press(pilot, "ctrl+u", *typed)
            assert editor.query_one(Input).value == typed
            said = error_text(editor)
            assert said.startswith(
                "Amount must be an amount of money from 0 to 999,999,999,999.99"
            ), said
            assert said.endswith(f"not {typed!r}.")

            await press(pilot, "enter")  # refused: the editor stays open, the app runs
            assert pilot.app.screen is editor and pilot.app.is_running
            await press(pilot, "escape")
            assert pilot.app.screen is screen and "amount" not in screen.picks
        await press(pilot, "ctrl+s")  # nothing chosen: nothing saved
        assert world.store.conflict(conflict_id).status == "open"

        await press(pilot, "e", "ctrl+u", *"1234.5")
        assert error_text(pilot.app.screen) == ""
        await press(pilot, "enter")
        assert screen.picks["amount"].value == Decimal("1234.50")
        await press(pilot, "ctrl+s")
    assert app.return_code in (None, 0)
    saved = world.store.conflict(conflict_id)
    assert saved.status == "resolved"
    assert saved.choices == {"amount": ["custom", Decimal("1234.50")]}
