"""`python -m recontui` is the same program as the `recontui` script."""

from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_recontui_prints_usage_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "recontui", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: recontui")
    assert "sync" in done.stdout


def test_python_dash_m_recontui_passes_the_exit_code_through(tmp_path) -> None:
    # An unknown profile: one sentence and exit 2, as from the `recontui` script.
    db = tmp_path / "state.db"
    done = subprocess.run(
        [sys.executable, "-m", "recontui", "--db", str(db), "sync", "--profile", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "no profile named 'nope'" in done.stderr
    assert "Traceback" not in done.stderr
