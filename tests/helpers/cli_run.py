"""The CLI run as a person runs it: a subprocess with no terminal on stdin, never a
traceback. Shared by the tests that drive `recontui` from outside."""

from __future__ import annotations

import subprocess
import sys

RECONTUI = [sys.executable, "-m", "recontui.cli"]


def run(
    argv: list[str], env: dict[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``argv`` run with ``env``; its output is never a traceback."""
    proc = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def recontui(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``recontui ARGS`` with ``env``."""
    return run([*RECONTUI, *args], env, timeout=timeout)
