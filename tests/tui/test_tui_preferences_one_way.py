"""Preferences by keys at 80x24: one-way transactions is turned on by typing the words
(irreversible, then locked: no transaction's direction or owner can change); two-way AP
payments is a direction change, asked first."""

from __future__ import annotations

from textual.widgets import Input, Static

from recontui.engine.policy import TRANSACTIONS
from recontui.model.entities import SYNCED
from recontui.setup.one_way import LOCKED, UNCONFIRMED, one_way_transactions
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.preferences import FieldsScreen, PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(screen, widget: str) -> str:
    return str(screen.query_one(widget, Static).render())


async def open_preferences(pilot) -> PreferencesScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PreferencesScreen)
    return pilot.app.screen


async def test_one_way_transactions_asks_for_the_words_then_locks_every_transaction(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_preferences(pilot)
        assert shown(screen, "#prefs-one-way").startswith("off:")
        await pilot.press("t")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FieldsScreen)
        await pilot.press(*"yes", "enter")
        await pilot.pause()
        assert pilot.app.screen is modal
        assert UNCONFIRMED in str(modal.query_one("#fields-error", Static).render())
        assert not one_way_transactions(world.store, world.profile)
        modal.query_one("#fields-value", Input).value = ""
        await pilot.press(*"one-way transactions", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert one_way_transactions(world.store, world.profile)
        assert shown(screen, "#prefs-one-way").startswith("on (locked):")
        settings = world.store.profile_settings(world.profile.id)
        assert {settings.directions[t] for t in TRANSACTIONS} == {"a_to_b"}
        assert {settings.owners[t] for t in TRANSACTIONS} == {"a"}
        assert "customer" not in settings.directions  # lists stay two-way

        await pilot.press("t")  # locked: one sentence, no modal
        await pilot.pause()
        assert pilot.app.screen is screen and LOCKED in shown(screen, "#prefs-status")
        await pilot.press(*["down"] * SYNCED.index("invoice"), "space")
        await pilot.pause()
        assert pilot.app.screen is screen, "a locked direction asks nothing"
        assert "one-way transactions (locked)" in shown(screen, "#prefs-status")
        await pilot.press("e")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).owners["invoice"] == "a"
        await pilot.press("a")  # two-way AP payments: bill payments are transactions
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "Bill payments are one-way transactions" in shown(screen, "#prefs-status")
        # A list still changes direction (asked first).
        await pilot.press("up", "space")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")


async def test_two_way_ap_payments_is_asked_then_saved(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_preferences(pilot)
        assert shown(screen, "#prefs-ap-payments").startswith("on:")  # both ways: default
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        directions = world.store.profile_settings(world.profile.id).directions
        assert directions["bill_payment"] == "a_to_b"
        assert shown(screen, "#prefs-ap-payments").startswith("off:")
        await pilot.press("a", "n")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).directions["bill_payment"] == (
            "a_to_b"
        )
        await pilot.press("a", "y")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).directions["bill_payment"] == ("both")
        assert "Saved: two-way AP payments on." in shown(screen, "#prefs-status")
