"""A `recontui sync` killed with SIGKILL: `doctor` calls its lock stale (not held), and
`history` shows the run interrupted instead of "running" for ever (issue 9, finding 4c)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_state import cli, seed
from frozen_server import frozen_server

from recontui.store import open_store
from recontui.store.store import INTERRUPTED_MESSAGE


def wait_for_lock(path: Path, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store = open_store(path)
        try:
            holder = store.lock_holder(store.get_profile("p").id)
        finally:
            store.close()
        if holder is not None:
            return holder
        time.sleep(0.1)
    raise AssertionError("the sync never took the lock")


def test_a_killed_sync_is_closed_as_interrupted_and_its_lock_called_stale(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cli.db"
    with frozen_server() as frozen:
        seed(path, frozen.url)
        env = {**os.environ, "RECONTUI_DB": str(path), "RECONTUI_PASSPHRASE": "pp"}
        sync = subprocess.Popen(
            [sys.executable, "-m", "recontui.cli", "sync"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            holder = wait_for_lock(path)  # it waits on the frozen server now
            assert holder["pid"] == sync.pid
        finally:
            sync.send_signal(signal.SIGKILL)
            sync.wait(timeout=10)
    run_id = holder["run_id"]
    (tmp_path / "cli.db.secrets").unlink()  # doctor's probes then fail at once

    doctor = cli(tmp_path, "doctor")
    assert f"run {run_id}" in doctor.stdout and f"pid {holder['pid']}" in doctor.stdout
    assert "is stale" in doctor.stdout and "takes the lock over" in doctor.stdout, doctor.stdout
    assert "locked by" not in doctor.stdout

    history = json.loads(cli(tmp_path, "history", "--json").stdout)
    assert [(r["id"], r["status"], r["exit_code"]) for r in history] == [(run_id, "interrupted", 3)]
    assert history[0]["message"] == INTERRUPTED_MESSAGE
    shown = cli(tmp_path, "history").stdout
    assert "interrupted" in shown and "running" not in shown
