"""Preferences by keys at 80x24: the filters. ``i`` edits the type include lists, ``c``
the created-date ranges, one line per list or system, each saved on Enter by the setup
file's own check-and-save (setup/filters.py): a refusal is one sentence and saves nothing;
escape closes and Preferences says what was saved."""

from __future__ import annotations

from textual.widgets import Input, Label, Static

from recontui.tui.screens.filters import FiltersScreen
from recontui.tui.screens.preferences import PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def preferences(pilot) -> PreferencesScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    return screen


def text(widget: Static) -> str:
    return str(widget.render())


async def test_type_lists_by_keys(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await preferences(pilot)
        await pilot.press("i")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FiltersScreen)
        labels = [str(label.render()) for label in modal.query(Label)][1:]
        assert labels == [
            "Customer account types from BILL",
            "Customer types from QuickBooks Online",
            "Vendor account types from BILL",
        ]
        assert [i.value for i in modal.query(Input)] == ["all", "all", "all"]
        assert pilot.app.focused is modal.query_one("#filter-0", Input)

        await pilot.press("tab", "ctrl+u", *"Retail, Wholesale", "enter")
        await pilot.pause()
        assert "Saved: Customer types from QuickBooks Online: Retail, Wholesale." in text(
            modal.query_one("#filters-status", Static)
        )
        await pilot.press("tab", "ctrl+u", *"buisness", "enter")  # a typo: refused
        await pilot.pause()
        error = text(modal.query_one("#filters-error", Static))
        assert "'buisness' is none of them" in error and "Not saved." in error
        await pilot.press("ctrl+u", *"business", "enter")
        await pilot.pause()
        assert text(modal.query_one("#filters-error", Static)) == ""
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert text(screen.query_one("#prefs-status", Static)) == (
            "Saved: Customer types from QuickBooks Online: Retail, Wholesale; "
            "Vendor account types from BILL: business."
        )

        await pilot.press("i")  # opens again with what was saved
        await pilot.pause()
        modal = pilot.app.screen
        assert [i.value for i in modal.query(Input)] == ["all", "Retail, Wholesale", "business"]
        await pilot.press("escape")
        await pilot.pause()
        assert text(screen.query_one("#prefs-status", Static)).startswith("Saved: Customer")
    settings = world.store.profile_settings(world.profile.id)
    assert settings.include_types == {
        "customer.qbo": ("Retail", "Wholesale"),
        "vendor.bill": ("business",),  # compared without case: BILL's BUSINESS
    }


async def test_created_ranges_by_keys(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await preferences(pilot)
        await pilot.press("c")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FiltersScreen)
        labels = [str(label.render()) for label in modal.query(Label)][1:]
        assert labels == [
            "Created in BILL (copied to QuickBooks Online)",
            "Created in QuickBooks Online (copied to BILL)",
        ]
        await pilot.press("ctrl+u", *"last spring", "enter")
        await pilot.pause()
        assert "is not a date range" in text(modal.query_one("#filters-error", Static))
        await pilot.press("ctrl+u", *"from 2026-01-01", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "Created in BILL (copied to QuickBooks Online): from 2026-01-01" in text(
            screen.query_one("#prefs-status", Static)
        )
    assert world.store.profile_settings(world.profile.id).created_ranges == {
        "bill": ("2026-01-01", "")
    }
