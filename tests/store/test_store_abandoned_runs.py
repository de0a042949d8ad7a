"""Runs whose process is gone (kill -9, a power cut) are closed as interrupted the next
time runs are started or read, never left "running" for ever (issue 9, finding 4c)."""

from __future__ import annotations

import datetime as dt
import os
import socket

from test_store_locks import dead_pid, plant_lock

from recontui.store import Profile, Store
from recontui.store.store import INTERRUPTED_MESSAGE


def killed_run(store: Store, profile: Profile, *, lock: bool = True, host: str = "") -> int:
    """The rows a process killed mid-run leaves: its run "running", maybe its lock."""
    pid = dead_pid()
    run = store.start_run(profile.id, trigger="cron", dry_run=False)
    host = host or socket.gethostname()
    with store.transaction() as conn:
        conn.execute("UPDATE runs SET pid=?, host=? WHERE id=?", (pid, host, run))
    store.add_event(run, "info", "pull", "Pulled 120 customer records.")
    if lock:
        plant_lock(store, profile.id, run, pid, host)
    return run


def status(store: Store, run_id: int) -> tuple[str, int | None, str | None]:
    row = store.run(run_id)
    assert row is not None
    return row["status"], row["exit_code"], row["message"]


def test_a_killed_run_holding_its_lock_is_closed_as_interrupted(
    store: Store, profile: Profile
) -> None:
    killed = killed_run(store, profile)

    assert store.close_abandoned_runs(profile.id) == [killed]

    assert status(store, killed) == ("interrupted", 3, INTERRUPTED_MESSAGE)
    assert INTERRUPTED_MESSAGE == (
        "Interrupted: the process stopped before the run finished; the next run carried on."
    )
    row = store.run(killed)
    assert row is not None and row["finished_at"] is not None
    assert store.events(killed)[-1]["message"] == INTERRUPTED_MESSAGE
    assert store.close_abandoned_runs(profile.id) == [], "closed once"


def test_a_killed_run_whose_lock_is_gone_is_closed(store: Store, profile: Profile) -> None:
    killed = killed_run(store, profile, lock=False)
    assert store.close_abandoned_runs(profile.id) == [killed]
    assert status(store, killed)[0] == "interrupted"


def test_a_live_run_is_left_alone(store: Store, profile: Profile) -> None:
    live = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, live)
    assert store.close_abandoned_runs(profile.id) == []
    assert status(store, live) == ("running", None, None)


def test_a_run_about_to_take_the_lock_is_left_alone_but_not_for_ever(
    store: Store, profile: Profile
) -> None:
    """Between recording a run and taking the lock there is no lock: a young run without
    one is on its way; one older than a minute lost its way (its process lives on)."""
    young = store.start_run(profile.id, trigger="cli", dry_run=False)
    assert store.close_abandoned_runs(profile.id) == []
    old = (store.clock() - dt.timedelta(minutes=5)).isoformat()
    with store.transaction() as conn:
        conn.execute("UPDATE runs SET started_at=? WHERE id=?", (old, young))
    assert store.close_abandoned_runs(profile.id) == [young]


def test_a_run_on_another_host_holding_its_lock_is_left_alone(
    store: Store, profile: Profile
) -> None:
    elsewhere = killed_run(store, profile, host="other-host.example")
    assert store.close_abandoned_runs(profile.id) == []
    assert status(store, elsewhere)[0] == "running"


def test_taking_over_a_dead_lock_closes_the_killed_run(store: Store, profile: Profile) -> None:
    killed = killed_run(store, profile)
    fresh = store.start_run(profile.id, trigger="cli", dry_run=False)

    store.acquire_lock(profile.id, fresh)

    assert status(store, killed) == ("interrupted", 3, INTERRUPTED_MESSAGE)
    assert status(store, fresh)[0] == "running"
    holder = store.lock_holder(profile.id)
    assert holder is not None and (holder["run_id"], holder["pid"]) == (fresh, os.getpid())


def test_other_profiles_runs_are_closed_only_when_asked(store: Store, profile: Profile) -> None:
    other = store.save_profile("globex", "bill", "qbo", {}, {})
    theirs = killed_run(store, other)
    ours = killed_run(store, profile, lock=False)
    assert store.close_abandoned_runs(profile.id) == [ours]
    assert status(store, theirs)[0] == "running"
    assert store.close_abandoned_runs() == [theirs]
