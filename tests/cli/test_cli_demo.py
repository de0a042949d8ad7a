"""`recontui demo` (issue 14, "Loose ends"): the follow-up command it prints works as printed
(the demo's throwaway passphrase is printed with it), a cut conflict list says so and how
to see all, nothing is left in the temporary directory, and `--port` picks the stand-ins'
port. The CLI as a subprocess, with no passphrase of the caller's in its environment."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_run import recontui, run

from recontui import cli as cli_module
from recontui.connectors.http import BACKOFF_SHRINK_ENV
from recontui.tui import ReconApp

BIN = str(Path(sys.executable).parent)


def clean_env(tmpdir: Path) -> dict[str, str]:
    """The environment of a person trying the demo: no passphrase, no database, no
    secrets of their own set, the temporary directory ``tmpdir``; the venv's `recontui`
    first on PATH (the printed commands start with it)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RECONTUI_PASSPHRASE", "RECONTUI_DB") and not k.startswith("RECONTUI_SECRET_")
    }
    env["TMPDIR"] = str(tmpdir)
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    return env


def shell(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    """A printed command run by a shell exactly as a person pastes it."""
    return run(["sh", "-c", command], env)


@dataclass
class Demo:
    db: Path
    tmpdir: Path
    env: dict[str, str]
    out: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`recontui --db DIR/demo.db demo --headless`, once for the module."""
    root = tmp_path_factory.mktemp("demo")
    tmpdir = root / "tmp"
    tmpdir.mkdir()
    env = clean_env(tmpdir)
    db = root / "kept" / "demo.db"
    proc = recontui(env, "--db", str(db), "demo", "--headless")
    assert proc.returncode == 0, proc.stderr
    yield Demo(db, tmpdir, env, proc.stdout)


def printed_console_command(out: str) -> str:
    lines = [line.strip() for line in out.splitlines()]
    found = [line for line in lines if line.endswith(" tui") and "recontui" in line]
    assert len(found) == 1, out
    return found[0]


def test_the_printed_console_command_opens_the_demo_database_as_printed(demo: Demo) -> None:
    """The printed `... recontui --db X tui` unlocks the demo's secrets with no prompt: run
    as printed, with `doctor` (its non-interactive twin) in place of `tui`."""
    command = printed_console_command(demo.out)
    assert shlex.split(command)[-3:] == ["--db", str(demo.db), "tui"]
    quick = {**demo.env, BACKOFF_SHRINK_ENV: "50"}  # the stand-ins are gone: few retries
    proc = shell(quick, command.removesuffix("tui") + "doctor")
    secrets_line = next(x for x in proc.stdout.splitlines() if x.startswith("secrets:"))
    assert "unavailable" not in secrets_line, proc.stdout
    assert "profile demo (default)" in proc.stdout


def test_a_cut_list_says_how_many_and_how_to_see_them_all(demo: Demo) -> None:
    rows = [line for line in demo.out.splitlines() if re.match(r"\s+\d+\s+open\s", line)]
    assert len(rows) == 20
    said = re.search(r"^20 of (\d+) shown; `([^`]+)` shows all\.$", demo.out, re.M)
    assert said, demo.out
    total, command = int(said.group(1)), said.group(2)
    assert total > 20
    listed = shell(demo.env, command)
    assert listed.returncode == 0, listed.stderr
    assert len([x for x in listed.stdout.splitlines() if re.match(r"\s+\d+\s", x)]) == total


def test_with_db_the_demo_creates_nothing_in_the_temporary_directory(demo: Demo) -> None:
    assert demo.db.exists()
    assert list(demo.tmpdir.iterdir()) == []


def test_without_db_the_demo_removes_its_scratch_database(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = recontui(clean_env(tmpdir), "demo", "--headless")
    assert proc.returncode == 0, proc.stderr
    assert list(tmpdir.iterdir()) == [], "the demo left its scratch database behind"
    # No command points at the database that is gone; it says how to keep one instead.
    assert str(tmpdir) not in proc.stdout
    assert "recontui --db demo.db demo --headless" in proc.stdout


def test_the_console_demo_removes_its_scratch_database_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[ReconApp] = []
    monkeypatch.setattr(ReconApp, "run", lambda self, *a, **k: opened.append(self))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("RECONTUI_PASSPHRASE", raising=False)
    assert cli_module.main(["demo"]) == 0
    assert [app.profile.name for app in opened] == ["demo"]
    assert list(tmp_path.iterdir()) == []


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def test_port_sets_the_stand_ins_port(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(tmp_path)
    proc = recontui(env, "--db", str(tmp_path / "d.db"), "demo", "--headless", "--port", str(port))
    assert proc.returncode == 0, proc.stderr
    assert f"Stand-in servers at http://127.0.0.1:{port};" in proc.stdout


def test_a_busy_port_is_one_sentence(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        proc = recontui(clean_env(tmp_path), "demo", "--headless", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"recontui: port {port} on 127.0.0.1 is in use; choose another with --port, "
        "or 0 for a free one."
    )
    assert [p.name for p in tmp_path.iterdir()] == [], "a refused demo left a database"
