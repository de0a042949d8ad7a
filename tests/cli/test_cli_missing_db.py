"""A `--db` whose folder does not exist (issue 14, "Loose ends"): a command that only reads
or acts on an existing profile says so in one sentence with a next step, exits 2 and
creates nothing; the commands that make a database (profile add, sandbox serve --profile,
setup, demo) still make one there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_state import cli, one_sentence

from recontui import cli as cli_module

READERS = [
    ["doctor"],
    ["conflicts", "list"],
    ["conflicts", "show", "1"],
    ["conflicts", "resolve", "1", "--all", "a"],
    ["conflicts", "auto"],
    ["history"],
    ["log", "1"],
    ["state", "show"],
    ["state", "forget", "--yes"],
    ["profile", "list"],
    ["profile", "show"],
    ["profile", "remove", "p", "--yes"],
    ["verify"],
    ["sync"],
    ["audit"],
]


def refusal(path: Path) -> str:
    return (
        f"recontui: No recontui database at {path}: run `recontui setup` or `recontui demo` "
        "first, or pass the right --db."
    )


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_missing_folder_is_one_sentence_and_nothing_is_created(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "nonexistent" / "dir" / "x.db"
    proc = cli(tmp_path, "--db", str(path), *command)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == refusal(path)
    assert one_sentence(proc.stderr)
    assert proc.stdout == ""
    assert not (tmp_path / "nonexistent").exists()


def test_the_console_in_a_terminal_is_held_to_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`recontui tui` (without a terminal it stops before it looks at the database)."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    path = tmp_path / "nonexistent" / "x.db"
    assert cli_module.main(["--db", str(path), "tui"]) == 2
    assert capsys.readouterr().err.strip() == refusal(path)
    assert not (tmp_path / "nonexistent").exists()


def test_recontui_db_in_the_environment_is_held_to_the_same(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "x.db"
    proc = cli(tmp_path, "doctor", env_extra={"RECONTUI_DB": str(path)})
    assert (proc.returncode, proc.stderr.strip()) == (2, refusal(path))
    assert not (tmp_path / "nowhere").exists()


def test_profile_add_still_creates_the_database(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "x.db"
    secrets = tmp_path / "s.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
    proc = cli(
        tmp_path,
        "--db",
        str(path),
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-url",
        "http://127.0.0.1:9",
        "--bill-org",
        "008x",
        "--bill-user",
        "u",
        "--qbo-url",
        "http://127.0.0.1:9",
        "--qbo-realm",
        "1",
        "--secrets-file",
        str(secrets),
    )
    assert proc.returncode == 0, proc.stderr
    assert path.exists()
    listed = cli(tmp_path, "--db", str(path), "profile", "list", "--json")
    assert [p["name"] for p in json.loads(listed.stdout)] == ["p"]


def test_sandbox_serve_profile_still_creates_the_database(tmp_path: Path) -> None:
    path = tmp_path / "new" / "x.db"
    env = {**os.environ, "RECONTUI_PASSPHRASE": "pp"}
    command = [sys.executable, "-m", "recontui.cli", "--db", str(path), "sandbox", "serve"]
    with subprocess.Popen(
        [*command, "--profile", "s", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    ) as served:
        try:
            assert served.stdout is not None
            line = json.loads(served.stdout.readline())
        finally:
            served.terminate()
            served.wait(timeout=30)
    assert line["profile"] == "s"
    assert path.exists()
