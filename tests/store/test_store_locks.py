"""One run per profile: the lock row, its holder, and taking over a dead one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from recontui.store import LockHeld, Profile, Store, StoreError
from recontui.store.store import _pid_alive


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    if _pid_alive(child.pid):  # reused already: vanishingly rare
        pytest.skip("the exited child's pid was reused")
    return child.pid


def plant_lock(store: Store, profile_id: int, run_id: int, pid: int, host: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO locks (profile_id, run_id, pid, host, acquired_at, heartbeat_at) "
            "VALUES (?,?,?,?,?,?)",
            (
                profile_id,
                run_id,
                pid,
                host,
                "2026-03-14T02:00:00+00:00",
                "2026-03-14T02:00:05+00:00",
            ),
        )


def test_acquiring_records_this_process_as_the_holder(store: Store, profile: Profile) -> None:
    run = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, run)
    holder = store.lock_holder(profile.id)
    assert holder is not None
    assert (holder["run_id"], holder["pid"], holder["host"]) == (
        run,
        os.getpid(),
        socket.gethostname(),
    )


def test_second_acquire_while_the_holder_lives_is_refused_naming_the_run(
    store: Store, profile: Profile
) -> None:
    first = store.start_run(profile.id, trigger="cli", dry_run=False)
    second = store.start_run(profile.id, trigger="console", dry_run=False)
    store.acquire_lock(profile.id, first)

    with pytest.raises(LockHeld) as caught:
        store.acquire_lock(profile.id, second)

    message = str(caught.value)
    assert isinstance(caught.value, StoreError)
    assert f"run {first}" in message
    assert f"pid {os.getpid()}" in message and socket.gethostname() in message
    assert message.rstrip().endswith(".")  # a sentence for the person, not a code
    assert store.lock_holder(profile.id)["run_id"] == first  # type: ignore[index]


def test_stale_lock_of_a_dead_process_on_this_host_is_taken_over(
    store: Store, profile: Profile
) -> None:
    crashed = store.start_run(profile.id, trigger="cli", dry_run=False)
    plant_lock(store, profile.id, crashed, dead_pid(), socket.gethostname())
    fresh = store.start_run(profile.id, trigger="cli", dry_run=False)

    store.acquire_lock(profile.id, fresh)

    holder = store.lock_holder(profile.id)
    assert holder is not None
    assert (holder["run_id"], holder["pid"]) == (fresh, os.getpid())


def test_lock_held_on_another_host_is_never_taken_over(store: Store, profile: Profile) -> None:
    plant_lock(store, profile.id, 41, dead_pid(), "other-host.example")
    run = store.start_run(profile.id, trigger="cli", dry_run=False)
    with pytest.raises(LockHeld, match=r"run 41.*other-host\.example"):
        store.acquire_lock(profile.id, run)
    assert store.lock_holder(profile.id)["host"] == "other-host.example"  # type: ignore[index]


def test_release_frees_the_profile_for_the_next_run(store: Store, profile: Profile) -> None:
    first = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, first)
    store.release_lock(profile.id, first)
    assert store.lock_holder(profile.id) is None

    second = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, second)
    assert store.lock_holder(profile.id)["run_id"] == second  # type: ignore[index]


def test_releasing_another_runs_lock_leaves_it_in_place(store: Store, profile: Profile) -> None:
    holder_run = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, holder_run)
    store.release_lock(profile.id, holder_run + 1)
    assert store.lock_holder(profile.id)["run_id"] == holder_run  # type: ignore[index]


def test_locks_are_per_profile(store: Store, profile: Profile) -> None:
    other = store.save_profile("globex", "bill", "qbo", {}, {})
    run_a = store.start_run(profile.id, trigger="cli", dry_run=False)
    run_b = store.start_run(other.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, run_a)
    store.acquire_lock(other.id, run_b)
    assert store.lock_holder(other.id)["run_id"] == run_b  # type: ignore[index]
