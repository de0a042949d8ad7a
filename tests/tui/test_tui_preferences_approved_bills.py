"""Preferences by keys at 80x24: only approved bills is turned on by typing the words in
a modal (the setup's own check-and-save), then shown as "on (locked)"; any change after
that is refused with one sentence."""

from __future__ import annotations

from textual.widgets import Input, Static

from recontui.setup.approved_bills import LOCKED, UNCONFIRMED, only_approved_bills
from recontui.tui.screens.preferences import FieldsScreen, PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(screen: PreferencesScreen, widget: str) -> str:
    return str(screen.query_one(widget, Static).render())


async def test_typed_words_turn_it_on_and_lock_it(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PreferencesScreen)
        assert shown(screen, "#prefs-approved").startswith("off:")

        await pilot.press("o")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FieldsScreen)
        assert modal.query_one("#fields-value", Input).value == ""
        await pilot.press(*"yes", "enter")  # not the words: refused, nothing saved
        await pilot.pause()
        assert pilot.app.screen is modal
        assert UNCONFIRMED in str(modal.query_one("#fields-error", Static).render())
        assert not only_approved_bills(world.store, world.profile)
        await pilot.press("escape")  # cancels: still off
        await pilot.pause()
        assert pilot.app.screen is screen
        assert not only_approved_bills(world.store, world.profile)

        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"only approved bills", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert only_approved_bills(world.store, world.profile)
        assert shown(screen, "#prefs-approved").startswith("on (locked):")
        assert "Saved: only approved bills is on (locked)." in shown(screen, "#prefs-status")
        audit = [
            r for r in world.store.audit(world.profile.id) if r["field"] == "only_approved_bills"
        ]
        assert len(audit) == 1

        await pilot.press("o")  # locked: no modal, one sentence
        await pilot.pause()
        assert pilot.app.screen is screen
        assert shown(screen, "#prefs-status") == LOCKED
        assert only_approved_bills(world.store, world.profile)
