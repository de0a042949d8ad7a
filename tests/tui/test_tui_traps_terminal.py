"""The commands that start the console need a terminal (issue 14, "Traps and lost input").

`recontui tui </dev/null` drew the console, then spun at full CPU with no way out. Now
`tui`, `setup` and `demo` (without --headless) check stdin and stdout first: without a
terminal they say so in one sentence, exit 2 and start nothing (no database is made)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: A refusal is one check before anything starts: well under this (Python's start included).
QUICK = 5.0


def recontui(tmp_path: Path, *args: str, stdin: int, stdout: int) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONTUI_")}
    env["TMPDIR"] = str(tmp_path)
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "recontui.cli", "--db", str(tmp_path / "state.db"), *args],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        _, err = proc.communicate(timeout=QUICK)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"recontui {' '.join(args)} without a terminal was still running after 5 s")
    return proc.returncode, err.decode(), time.monotonic() - start


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["tui"], "recontui tui"),
        (["tui", "--profile", "main"], "recontui tui"),
        (["setup"], "recontui setup"),
        (["demo"], "recontui demo"),
        (["demo", "--setup"], "recontui demo"),
    ],
)
def test_without_a_terminal_the_console_says_so_and_exits_2(
    tmp_path: Path, args: list[str], named: str
) -> None:
    code, err, took = recontui(tmp_path, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert code == 2, err
    assert err == (
        f"recontui: `{named}` needs a terminal: run it in a terminal or over `ssh -t`; "
        "for cron use `recontui sync`.\n"
    )
    assert took < QUICK
    assert not (tmp_path / "state.db").exists(), "nothing was started, no database made"


def test_stdin_or_stdout_alone_not_being_a_terminal_is_enough(tmp_path: Path) -> None:
    """A terminal on one side only (piped into, or piped out of) is no console either."""
    controller, terminal = pty.openpty()
    try:
        for stdin, stdout in ((terminal, subprocess.PIPE), (subprocess.DEVNULL, terminal)):
            code, err, _ = recontui(tmp_path, "tui", stdin=stdin, stdout=stdout)
            assert code == 2 and "needs a terminal" in err, err
    finally:
        os.close(terminal)
        os.close(controller)
