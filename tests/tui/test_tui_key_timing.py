"""RECONTUI_KEY_TIMING: the console logs each key and each screen update it draws (what
bench/console.py reads in a real terminal and in the harness); off by default."""

from __future__ import annotations

from pilot_steps import press

from recontui.tui.keytiming import ENV, KeyTiming
from recontui.tui.screens.conflicts import ConflictsScreen


def read_log(path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()]


async def test_each_key_is_logged_then_the_screen_updates_it_caused(world, tmp_path, monkeypatch):
    log = tmp_path / "keys.log"
    monkeypatch.setenv(ENV, str(log))
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "2")
        assert isinstance(pilot.app.screen, ConflictsScreen)
        await press(pilot, "down", "down")
        await pilot.press("q")
    lines = read_log(log)
    keys = [(i, fields) for i, fields in enumerate(lines) if fields[0] == "key"]
    assert [fields[3] for _, fields in keys] == ["2", "down", "down", "q"]
    for i, fields in keys[:-1]:  # q ends the app: nothing drawn after it
        after = [f for f in lines[i + 1 :] if f[0] == "paint"]
        assert after, f"no screen update after {fields[3]}"
        t_key, cpu_key = float(fields[1]), float(fields[2])
        t_paint, cpu_paint = float(after[0][1]), float(after[0][2])
        assert t_paint >= t_key and cpu_paint >= cpu_key
        assert after[0][3] in {"0", "1"}
    assert all(len(fields) == 4 for fields in lines)


async def test_nothing_is_logged_unless_asked(world, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    app = world.app()
    assert app.key_timing is None
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "2", "down")
    assert list(tmp_path.glob("*.log")) == []


def test_a_file_that_cannot_be_written_turns_timing_off(tmp_path):
    assert KeyTiming.from_env({ENV: str(tmp_path / "missing-folder" / "keys.log")}) is None
    assert KeyTiming.from_env({ENV: ""}) is None
    assert KeyTiming.from_env({}) is None
