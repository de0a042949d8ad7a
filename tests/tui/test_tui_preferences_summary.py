"""Preferences by keys at 80x24: summarised journal entries are turned on with ``j`` by
naming the master customer (an unknown one is refused in the dialog), then reading what
changes and typing the words (wrong words refused, escape cancels); then shown as
"on (locked)", audited, and ``j`` afterwards is refused with one sentence."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, Static

from recontui.setup.summary_mode import LOCKED, UNCONFIRMED, summary_state
from recontui.tui.screens.preferences import FieldsScreen, PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(screen, widget: str) -> str:
    return str(screen.query_one(widget, Static).render())


def a_ledger_customer(world) -> tuple[str, str]:
    link = world.store.side_records(world.profile.id, "customer", "b")[0]
    return link.b_id, link.b_fields["name"]


async def test_the_customer_then_the_words_turn_it_on_and_lock_it(world):
    ident, name = a_ledger_customer(world)
    async with world.app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PreferencesScreen)
        assert shown(screen, "#prefs-summary").startswith("off: each BILL invoice")

        await pilot.press("j")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FieldsScreen)
        await pilot.press(*"Nobody At All", "enter")  # no such customer: refused in place
        await pilot.pause()
        assert pilot.app.screen is modal
        error = shown(modal, "#fields-error")
        assert "QuickBooks Online has no active customer 'Nobody At All'" in error
        modal.query_one("#fields-value", Input).value = name
        await pilot.press("enter")
        await pilot.pause()
        words = pilot.app.screen
        assert isinstance(words, FieldsScreen) and words is not modal
        assert f"against customer {name!r}" in words.hint
        assert f"From {dt.date.today().isoformat()}," in words.hint
        await pilot.press(*"yes", "enter")  # not the words: refused, nothing saved
        await pilot.pause()
        assert pilot.app.screen is words
        assert UNCONFIRMED in shown(words, "#fields-error")
        assert not summary_state(world.store, world.profile).on
        await pilot.press("escape")  # cancels: still off
        await pilot.pause()
        assert pilot.app.screen is screen
        assert not summary_state(world.store, world.profile).on

        await pilot.press("j")
        await pilot.pause()
        pilot.app.screen.query_one("#fields-value", Input).value = ident  # by its id
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"summarise daily", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        state = summary_state(world.store, world.profile)
        assert state.on and state.customer == ident
        assert state.start == dt.date.today().isoformat()
        assert shown(screen, "#prefs-summary").startswith("on (locked) since ")
        assert "Saved: summarised journal entries are on (locked)." in shown(
            screen, "#prefs-status"
        )
        audit = [r for r in world.store.audit(world.profile.id) if r["field"] == "summary_mode"]
        assert len(audit) == 1

        await pilot.press("j")  # locked: no dialog, one sentence
        await pilot.pause()
        assert pilot.app.screen is screen
        assert shown(screen, "#prefs-status") == LOCKED
