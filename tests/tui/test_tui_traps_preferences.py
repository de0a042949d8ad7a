"""Preferences at 80x24, keys only: a text field is never a trap (issue 14).

Escape leaves a field (what was typed and not saved with Enter is put back, and the status
line says so), a second escape goes Home as on the other screens; while in a field the
footer says how to leave and save. An invalid value is never reported as saved: the status
line, always on screen, says why and what stays."""

from __future__ import annotations

from pilot_steps import press, settle
from screen_text import screen_text
from textual.widgets import DataTable, Input, Static

from recontui.tui.screens.home import HomeScreen
from recontui.tui.screens.preferences import PreferencesScreen

#: From the directions table: forbidden select, share, minimum, schedule, window.
TABS_TO_WINDOW = 5


def status_text(screen: PreferencesScreen) -> str:
    return str(screen.query_one("#prefs-status", Static).render())


def footer(app) -> str:
    """The bottom row of the 80x24 screen: the keys the footer shows."""
    return screen_text(app).splitlines()[-1]


def visible(screen: PreferencesScreen, widget_id: str) -> bool:
    """The widget has rows on the 80x24 screen (not scrolled away below the fold)."""
    region = screen.query_one(widget_id).region
    return region.height > 0 and screen.region.contains_region(region)


async def open_window_field(pilot) -> PreferencesScreen:
    await settle(pilot)
    await press(pilot, "5")
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    assert isinstance(screen.focused, DataTable)
    await press(pilot, *["tab"] * TABS_TO_WINDOW)
    assert screen.focused is screen.query_one("#prefs-window", Input)
    return screen


async def test_escape_leaves_a_field_and_puts_back_what_was_not_saved(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_window_field(pilot)
        window = screen.query_one("#prefs-window", Input)
        saved = window.value
        assert saved == "all"
        # In a field, digits and letters are the field's (the app keys wait).
        await press(pilot, "end", "2", "q", "1", "s")
        assert window.value == "all2q1s"
        assert pilot.app.screen is screen and pilot.app.is_running
        # The footer still says how to leave and how to save.
        keys = footer(pilot.app)
        assert "esc Leave field" in keys and "Save" in keys, keys

        await press(pilot, "escape")
        assert pilot.app.screen is screen
        assert screen.focused is screen.query_one("#prefs-directions", DataTable)
        assert window.value == saved
        said = status_text(screen)
        assert "Not saved" in said and "stays all" in said, said
        assert "initial_window" not in world.store.settings(world.profile.id)
        assert "Leave field" not in footer(pilot.app)

        await press(pilot, "escape")  # the second escape goes Home, as elsewhere
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_escape_after_nothing_typed_just_leaves_the_field(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_window_field(pilot)
        await press(pilot, "escape")
        assert isinstance(screen.focused, DataTable)
        said = status_text(screen)
        assert "Not saved" not in said and "escape again" in said.lower(), said


async def test_an_invalid_value_is_refused_in_the_status_line_and_the_old_value_stays(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_window_field(pilot)
        await press(pilot, "ctrl+u", *"60 days", "enter")
        assert world.store.settings(world.profile.id)["initial_window"] == "60 days"
        assert status_text(screen).startswith("Saved: initial window 60 days")

        await press(pilot, "ctrl+u", *"since spring", "enter")
        said = status_text(screen)
        assert "Saved" not in said, said
        assert "Not saved" in said and "stays 60 days" in said, said
        assert visible(screen, "#prefs-status")
        assert world.store.settings(world.profile.id)["initial_window"] == "60 days"
        # Still in the field, the typing kept to correct; escape puts the saved value back.
        window = screen.query_one("#prefs-window", Input)
        assert screen.focused is window and window.value == "since spring"
        await press(pilot, "escape")
        assert window.value == "60 days"


async def test_an_invalid_share_says_so_on_screen_and_is_not_saved(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        screen = pilot.app.screen
        assert isinstance(screen, PreferencesScreen)
        await press(pilot, "tab", "tab", "ctrl+u", *"150", "enter")
        said = status_text(screen)
        assert "1 to 100" in said and "Not saved" in said, said
        assert visible(screen, "#prefs-status")
        assert "big_change.share" not in world.store.settings(world.profile.id)
