"""A run that fails early still counts what waits in the store: the summary never says
"open conflicts 0" while conflicts are open (issue 9, finding 4g)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from cli_state import cli, seed

from recontui.store import open_store


def seed_waiting(path: Path) -> None:
    """Three open conflicts, one held change and one waiting on a dependency."""
    seeded = seed(path)
    store = open_store(path)
    link = store.placeholder_link(seeded.profile_id, "customer", "a", "cu-9")
    with store.transaction() as conn:
        for state, error, key in (("held", None, "k1"), ("pending", "waiting for x", "k2")):
            op = store.add_op(
                seeded.profile_id,
                None,
                link,
                "customer",
                "b",
                "create",
                None,
                None,
                {"changes": {}},
                key,
                state=state,
            )
            if error:
                conn.execute("UPDATE outbox SET last_error=? WHERE id=?", (error, op))
    store.close()


def test_both_servers_down_still_counts_the_open_conflicts(
    tmp_path: Path, fast_backoff: None
) -> None:
    seed_waiting(tmp_path / "cli.db")

    proc = cli(tmp_path, "sync")

    assert proc.returncode == 3
    assert "Could not reach" in proc.stderr
    assert "open conflicts 3" in proc.stdout, proc.stdout
    assert "held 1, waiting on dependencies 1" in proc.stdout
    assert "open conflicts 0" not in proc.stdout
    history = json.loads(cli(tmp_path, "history", "--json").stdout)
    assert history[0]["counts"]["open_conflicts"] == 3


def test_a_run_refused_by_the_lock_still_counts_the_open_conflicts(tmp_path: Path) -> None:
    seed_waiting(tmp_path / "cli.db")
    store = open_store(tmp_path / "cli.db")
    profile = store.get_profile("p")
    holder = store.start_run(profile.id, trigger="cli", dry_run=False)
    with store.transaction() as conn:  # a live holder: this test's own process
        conn.execute(
            "INSERT INTO locks (profile_id, run_id, pid, host, acquired_at, heartbeat_at) "
            "VALUES (?,?,?,?,?,?)",
            (profile.id, holder, os.getpid(), socket.gethostname(), store.now(), store.now()),
        )
    store.close()

    proc = cli(tmp_path, "sync")

    assert proc.returncode == 3
    assert f"run {holder}" in proc.stderr
    assert "open conflicts 3" in proc.stdout, proc.stdout
