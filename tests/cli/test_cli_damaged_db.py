"""Every command on a damaged database file: one sentence naming the file and the next
step, exit 3, no traceback, no run left "running" (issue 9, finding 4b)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_state import cli, one_sentence, seed

from recontui import cli as cli_module
from recontui.run import RunOptions, run_sync
from recontui.store import database as database_module
from recontui.store import open_store

COMMANDS = [
    ["history"],
    ["log", "1"],
    ["conflicts", "list"],
    ["conflicts", "show", "1"],
    ["conflicts", "resolve", "1", "--all", "a"],
    ["conflicts", "resolve-all", "--side", "a"],
    ["conflicts", "unresolve", "1"],
    ["conflicts", "auto"],
    ["state", "show"],
    ["state", "reset", "--all"],
    ["state", "forget", "--yes"],
    ["profile", "list"],
    ["profile", "show", "p"],
    ["profile", "remove", "p", "--yes"],
    ["sync"],
    ["doctor"],
]


def seeded_and_damaged(path: Path) -> bytes:
    """A real database with conflicts and 3,000 links, garbage over four pages of links."""
    seed(path)
    store = open_store(path)
    profile = store.get_profile("p")
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO links (profile_id, entity, state, a_id, a_fields, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?)",
            [
                (profile.id, "customer", "unpaired", f"x-{n}", '{"n": 1}' * 20, "t", "t")
                for n in range(3000)
            ],
        )
    store.close()
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 4096 // 2 * 4096)
        f.write(os.urandom(4 * 4096))
    return path.read_bytes()


def test_every_command_on_a_damaged_file_is_one_sentence_and_exit_3(tmp_path: Path) -> None:
    damaged = seeded_and_damaged(tmp_path / "original.db")
    homes = []
    for n in range(len(COMMANDS)):  # a copy each: a command must not touch another's file
        home = tmp_path / f"c{n}"
        home.mkdir()
        (home / "cli.db").write_bytes(damaged)
        homes.append(home)

    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = list(pool.map(lambda home, args: cli(home, *args), homes, COMMANDS))

    for home, args, proc in zip(homes, COMMANDS, procs, strict=True):
        path = home / "cli.db"
        what = (args, proc.stdout, proc.stderr)
        assert proc.returncode == 3, what
        assert one_sentence(proc.stderr), what
        assert str(path) in proc.stderr and "damaged" in proc.stderr, what
        assert "restore it from a backup" in proc.stderr and "move it aside" in proc.stderr
        assert path.read_bytes() == damaged, f"{args}: the damaged file is left as it was"


def test_the_console_on_a_damaged_file_is_the_same_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`recontui tui` in a terminal (without one it stops before it opens anything: see
    tests/tui/test_tui_traps_terminal.py)."""
    path = tmp_path / "cli.db"
    damaged = seeded_and_damaged(path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)

    code = cli_module.main(["--db", str(path), "tui"])

    err = capsys.readouterr().err
    assert code == 3
    assert one_sentence(err) and str(path) in err and "damaged" in err
    assert "restore it from a backup" in err and "move it aside" in err
    assert path.read_bytes() == damaged


def test_a_damaged_page_met_after_opening_is_the_same_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file too big to check at open: a damaged page met by a command is still one
    sentence (the command catches what SQLite raises)."""
    path = tmp_path / "cli.db"
    seeded_and_damaged(path)
    monkeypatch.setattr(database_module, "QUICK_CHECK_MAX_BYTES", 1024)

    code = cli_module.main(["--db", str(path), "state", "forget", "--yes"])  # reads every link

    err = capsys.readouterr().err
    assert code == 3
    assert one_sentence(err) and str(path) in err and "restore it from a backup" in err


def test_a_run_on_a_big_damaged_file_stops_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli.db"
    seeded_and_damaged(path)
    monkeypatch.setattr(database_module, "QUICK_CHECK_MAX_BYTES", 1024)
    store = open_store(path)
    assert not store.checked
    profile = store.get_profile("p")

    def no_connectors(side: str, events: object) -> object:
        raise AssertionError("the run must stop before it connects")

    result = asyncio.run(run_sync(store, profile, no_connectors, RunOptions()))

    assert (result.status, result.exit_code, result.run_id) == ("failed", 3, None)
    assert result.message and "restore it from a backup" in result.message
    assert str(path) in result.message
    assert store.db.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
