"""Two writers on one state file: WAL and the busy timeout make the second one wait."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils
from store_workers import insert_events

from recontui.store import Store, StoreError, connect, open_store
from recontui.store import database as database_mod

HOLD_SECONDS = 0.5


def test_two_processes_writing_events_at_once_both_succeed(store: Store, db_path: Path) -> None:
    run_id = store.start_run(None, trigger="test", dry_run=False)
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Event(), ctx.Event()
    child = ctx.Process(target=insert_events, args=(str(db_path), run_id, 200, "child", ready, go))
    child.start()
    try:
        assert ready.wait(60), "child process did not open the database"
        go.set()
        for i in range(200):
            store.add_event(run_id, "info", "pull", f"parent {i}", data={"i": i})
    finally:
        child.join(60)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0

    events = store.events(run_id)
    assert len(events) == 400
    for tag in ("parent", "child"):
        mine = [e for e in events if e["message"].startswith(tag + " ")]
        assert [e["message"] for e in mine] == [f"{tag} {i}" for i in range(200)]
        assert [e["data"] for e in mine] == [{"i": i} for i in range(200)]


@pytest.fixture
def holder(db_path: Path, store: Store) -> Iterator[sqlite_utils.Database]:
    """A second connection to the same file, as another recontui process would hold."""
    db = connect(db_path)
    yield db
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")
    db.conn.close()


def hold_write_lock(holder: sqlite_utils.Database, seconds: float) -> threading.Thread:
    """BEGIN IMMEDIATE and a write on ``holder``, committed ``seconds`` later."""
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "INSERT INTO runs (profile_id, started_at, status, trigger) "
        "VALUES (NULL, '2026-03-15T12:00:00+00:00', 'running', 'holder')"
    )

    def commit_later() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")

    thread = threading.Thread(target=commit_later)
    thread.start()
    return thread


WRITERS: dict[str, Callable[[Store, int], object]] = {
    "transaction": lambda s, run_id: s.start_run(None, trigger="second", dry_run=True),
    "autocommit": lambda s, run_id: s.add_event(run_id, "info", "push", "second writer"),
    "profile": lambda s, run_id: s.save_profile("globex", "bill", "qbo", {}, {}),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_second_writer_waits_for_a_held_write_lock_then_succeeds(
    store: Store, holder: sqlite_utils.Database, writer: str
) -> None:
    run_id = store.start_run(None, trigger="test", dry_run=False)
    thread = hold_write_lock(holder, HOLD_SECONDS)
    started = time.monotonic()
    try:
        WRITERS[writer](store, run_id)
        waited = time.monotonic() - started
    finally:
        thread.join(10)

    assert waited >= HOLD_SECONDS * 0.8
    triggers = {r["trigger"] for r in store.runs()}
    assert "holder" in triggers  # the first writer's work was committed, not lost
    if writer == "transaction":
        assert "second" in triggers
    elif writer == "autocommit":
        assert [e["message"] for e in store.events(run_id)] == ["second writer"]
    else:
        assert store.get_profile("globex").name == "globex"


def test_readers_are_not_blocked_by_a_writer_and_see_only_committed_rows(
    store: Store, holder: sqlite_utils.Database
) -> None:
    store.start_run(None, trigger="committed", dry_run=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "INSERT INTO runs (profile_id, started_at, status, trigger) "
        "VALUES (NULL, '2026-03-15T12:00:00+00:00', 'running', 'uncommitted')"
    )
    started = time.monotonic()
    triggers = [r["trigger"] for r in store.runs()]
    assert time.monotonic() - started < 1
    assert triggers == ["committed"]
    holder.execute("COMMIT")
    assert sorted(r["trigger"] for r in store.runs()) == ["committed", "uncommitted"]


def test_writer_blocked_past_the_busy_timeout_gets_a_locked_store_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_mod, "BUSY_TIMEOUT_MS", 200)
    store = open_store(db_path)
    holder = connect(db_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another recontui process"):
            store.start_run(None, trigger="blocked", dry_run=False)
        assert 0.15 <= time.monotonic() - started < 5
        holder.execute("ROLLBACK")
        assert store.runs() == []
        store.start_run(None, trigger="later", dry_run=False)  # and it recovers
        assert [r["trigger"] for r in store.runs()] == ["later"]
    finally:
        holder.conn.close()
        store.close()


def test_event_writer_blocked_past_the_busy_timeout_gets_a_store_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_mod, "BUSY_TIMEOUT_MS", 200)
    store = open_store(db_path)
    run_id = store.start_run(None, trigger="test", dry_run=False)
    holder = connect(db_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked by another recontui process"):
            store.add_event(run_id, "info", "pull", "blocked")
    finally:
        holder.execute("ROLLBACK")
        holder.conn.close()
        store.close()


def test_nested_transaction_failure_rolls_back_only_the_inner_part(
    store: Store,
) -> None:
    with store.transaction():
        store.start_run(None, trigger="outer", dry_run=False)
        with pytest.raises(RuntimeError), store.transaction():
            store.start_run(None, trigger="inner", dry_run=False)
            raise RuntimeError("inner step failed")
        store.start_run(None, trigger="outer again", dry_run=False)
    assert sorted(r["trigger"] for r in store.runs()) == ["outer", "outer again"]

    with pytest.raises(RuntimeError), store.transaction():
        store.start_run(None, trigger="doomed", dry_run=False)
        raise RuntimeError("outer step failed")
    assert not store.db.conn.in_transaction
    assert "doomed" not in {r["trigger"] for r in store.runs()}
