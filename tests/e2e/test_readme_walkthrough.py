"""The README's walkthrough, run as written (issue 14: its `conflicts resolve 1 --link 176`
named a candidate that did not exist). The serve command starts the stand-ins; each
`recontui` line of the next block runs in order, and the exit code and the conflict count
its comment gives are checked."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> tuple[str, list[str]]:
    """The serve command and the commands of the block that follows it, as written."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    serve = next(line for b in blocks for line in b.splitlines() if "sandbox serve" in line)
    steps = next(b for b in blocks if b.lstrip().startswith("recontui sync"))
    return serve, [line for line in steps.splitlines() if line.startswith("recontui ")]


def argv(line: str) -> list[str]:
    return shlex.split(line.split("  #", 1)[0])


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    serve, steps = walkthrough()
    assert any("--candidate 1" in s for s in steps)
    env = {
        **os.environ,
        "RECONTUI_DB": str(tmp_path / "walkthrough.db"),
        "RECONTUI_PASSPHRASE": "choose a passphrase",
    }
    recontui = [sys.executable, "-m", "recontui.cli"]
    server = subprocess.Popen(
        [*recontui, *argv(serve)[1:]],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        started = json.loads(server.stdout.readline())
        assert started["profile"] == "demo", started
        for line in steps:
            proc = subprocess.run(
                [*recontui, *argv(line)[1:]],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=300,
            )
            said = re.search(r"exit (\d)", line)
            want = int(said.group(1)) if said else 0
            assert proc.returncode == want, (line, proc.stdout[-2000:], proc.stderr)
            assert "Traceback" not in proc.stderr, proc.stderr
            count = re.search(r"# (\d+) conflicts", line)
            if count:
                listed = [r for r in proc.stdout.splitlines() if re.match(r"\s*\d+\s+open", r)]
                assert len(listed) == int(count.group(1)), proc.stdout
    finally:
        server.terminate()
        server.communicate(timeout=30)
