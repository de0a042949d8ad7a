"""A frozen server (accepts, never answers) ends a sync after the side's request deadline,
with one sentence naming the system and the next step (issue 9, finding 4d)."""

from __future__ import annotations

import time
from pathlib import Path

from cli_state import cli, one_sentence
from frozen_server import frozen_server


def add_profile(tmp_path: Path, url: str, *deadline: str) -> None:
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
    proc = cli(
        tmp_path,
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-url",
        url,
        "--bill-org",
        "008x",
        "--bill-user",
        "u",
        "--qbo-url",
        url,
        "--qbo-realm",
        "1",
        *deadline,
        "--secrets-file",
        str(secrets),
    )
    assert proc.returncode == 0, proc.stderr


def test_a_frozen_server_fails_the_run_at_the_deadline_naming_the_system(
    tmp_path: Path,
) -> None:
    with frozen_server() as frozen:
        add_profile(tmp_path, frozen.url, "--bill-request-deadline", "2")
        started = time.monotonic()
        proc = cli(tmp_path, "sync")
        elapsed = time.monotonic() - started
    assert proc.returncode == 3
    assert elapsed < 20, elapsed  # 2 s of waiting, the rest is starting Python (on a busy machine)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("BILL did not answer within 2 s"), proc.stderr
    assert "status" in last and "later" in last and one_sentence(last)


def test_a_bad_deadline_is_refused_when_the_profile_is_saved(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\n")
    proc = cli(
        tmp_path,
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-org",
        "1",
        "--bill-user",
        "u",
        "--qbo-request-deadline",
        "never",
        "--secrets-file",
        str(secrets),
    )
    assert proc.returncode == 2
    assert "--qbo-request-deadline" in proc.stderr and "'never'" in proc.stderr
    assert one_sentence(proc.stderr)
