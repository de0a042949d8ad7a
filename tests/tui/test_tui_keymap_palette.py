"""Keys remapped from the config file, and every action in the command palette."""

from __future__ import annotations

from textual.widgets import Input

from recontui.tui.keymap import known_bindings, load_keymap
from recontui.tui.screens.history import HistoryScreen
from recontui.tui.screens.preferences import PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_the_keymap_file_is_read_and_problems_are_sentences(tmp_path):
    path = tmp_path / "config.toml"
    assert load_keymap(path).keys == {}  # no file: default keys, nothing to say
    path.write_text('[keymap]\n"app.history" = "h"\n"app.nothing" = "x"\n"app.quit" = 3\n')
    keymap = load_keymap(path)
    assert keymap.keys == {"app.history": "h"}
    assert any("no binding has the id app.nothing" in p for p in keymap.problems)
    assert any("app.quit must be a key name" in p for p in keymap.problems)
    path.write_text("[keymap\n")
    broken = load_keymap(path)
    assert broken.keys == {} and "not valid TOML" in broken.problems[0]


def test_every_binding_id_is_known_once():
    ids = [b.id for b in known_bindings()]
    assert len(ids) == len(set(ids)) and "app.quit" in ids and "resolve.save" in ids


async def test_a_remapped_key_works_and_the_old_one_does_not(world, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"app.history" = "h"\n"app.nothing" = "x"\n')
    app = world.app()
    app.keymap = load_keymap(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("app.nothing" in str(n.message) for n in app._notifications)
        await pilot.press("4")
        await settle(pilot)
        assert not isinstance(app.screen, HistoryScreen)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)


async def test_the_palette_runs_the_screens_actions_and_goes_to_screens(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Go to Preferences")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreferencesScreen)

        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p", *"Filter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, Input) and app.focused.id == "queue-filter"


async def test_bindings_added_at_run_time_are_known_to_the_keymap(world):
    known = {b.id for b in known_bindings()}
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # Every binding of ours has an id (test_every_binding_has_an_id); Textual's own
        # (tab, ctrl+c ...) have none.
        bindings = [b for bs in app.screen._bindings.key_to_bindings.values() for b in bs if b.id]
        assert len(bindings) > 8
        for binding in bindings:
            assert binding.id in known, binding
