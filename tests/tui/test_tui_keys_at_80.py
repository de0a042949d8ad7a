"""Every key of a screen is discoverable at 80x24: the footer keeps the way out (esc, or
q on a screen without it) and the way to every key (?) on its row, whatever else must give
way, and `?` lists every key without scrolling; the palette finds actions of other screens
and by description."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from recontui.tui.commands import ActionsProvider
from recontui.tui.footer import ALL_KEYS, ConsoleFooter
from recontui.tui.screens.help import HelpScreen

#: The screens, and the keys that reach each from Home.
SCREENS = {
    "home": (),
    "conflicts": ("2",),
    "resolve": ("2", "down", "enter"),
    "run": ("3",),
    "history": ("4",),
    "preferences": ("5",),
    "auto": ("6",),
}


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def footer_keys(app) -> dict[str, str]:
    footer = app.screen.query_one(ConsoleFooter)
    return {key: words for key, _shown, words in footer.shown}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("name", list(SCREENS))
async def test_the_footer_keeps_the_way_out_and_the_way_to_every_key(world, name, size) -> None:
    app = world.app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in SCREENS[name]:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.1)
        keys = footer_keys(app)
        footer = app.screen.query_one(ConsoleFooter)
        assert "question_mark" in keys, keys
        if name not in ("home", "conflicts", "preferences"):
            assert "escape" in keys, keys
        if "escape" not in keys:  # a top-level screen: the way out is q
            assert "q" in keys, keys
        # The whole row is laid out inside the terminal's width, the palette's key last.
        assert footer.line(size[0]).cell_len <= size[0]
        assert footer.shown[-1][0] == "ctrl+p"
        if footer.left_out:
            assert keys["question_mark"] == ALL_KEYS
        help_keys = set(keys) - {"ctrl+p"}
        assert help_keys, name


async def test_resolve_keeps_its_own_keys_on_the_row_at_80(world) -> None:
    """Resolve lacked its keys at 80 columns: the picks, edit and save fit beside esc and ?."""
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("2", "down", "enter"):
            await pilot.press(key)
            await settle(pilot)
        keys = footer_keys(app)
        assert {"a", "b", "e", "ctrl+s", "escape", "question_mark"} <= set(keys), keys
        assert keys["b"] == "Use QBO"


async def test_home_shows_preferences_and_sync(world) -> None:
    """Home never showed `p` or `s`, and cut `q` at 80 columns."""
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert {"c", "s", "p", "question_mark", "q"} <= set(keys), keys


@pytest.mark.parametrize("name", ["home", "resolve"])
async def test_help_lists_every_key_without_scrolling_at_80x24(world, name) -> None:
    """`?` was a scrolling list cut at "3 Run", its bottom border missing."""
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in SCREENS[name]:
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        table = help_screen.query_one(DataTable)
        assert table.virtual_size.height <= table.scrollable_content_region.height
        dialog = help_screen.query_one(".dialog")
        assert dialog.region.bottom <= 24 and dialog.region.y >= 0
        everywhere = help_screen.query_one("#help-everywhere")
        assert everywhere.region.bottom <= dialog.region.bottom
        shown = {key for key, _ in help_screen.rows}
        assert {"?", "q", "1", "6"} <= shown
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_finds_rules_from_every_screen(world) -> None:
    """Issue 14: "rule" found nothing from screen 6."""
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        provider = ActionsProvider(app.screen)
        titles = [title for title, _help, _cb in provider.commands()]
        assert "Preferences: New rule" in titles
        found = [h async for h in provider.search("rule")]
        assert len(found) >= 2
        app.action_command_palette()
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"new rule")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.2)
        assert app.current_mode == "preferences"
