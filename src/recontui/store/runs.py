"""Runs, their events (the run log), and the lock that allows one run per profile."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..model.codec import dumps, loads
from .base import StoreBase
from .database import StoreError, describe_sqlite_error, inserted_id, one, rows, scalar


class LockHeld(StoreError):
    pass


#: What a run whose process stopped mid-run (kill -9, a power cut) says once it is closed.
INTERRUPTED_MESSAGE = (
    "Interrupted: the process stopped before the run finished; the next run carried on."
)
#: A run is recorded a moment before it takes the lock: one younger than this without a
#: lock may be on its way to taking it, so it is not judged abandoned.
LOCKLESS_GRACE = dt.timedelta(seconds=60)


class RunsRepo(StoreBase):
    """Runs recorded and finished, events logged, locks taken, abandoned runs closed."""

    def start_run(self, profile_id: int | None, *, trigger: str, dry_run: bool) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (profile_id, started_at, status, trigger, dry_run, pid, host) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    profile_id,
                    self.now(),
                    "running",
                    trigger,
                    1 if dry_run else 0,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
            return inserted_id(cur)

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: Mapping[str, Any],
        exit_code: int,
        message: str | None = None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at=?, status=?, counts=?, exit_code=?, message=? "
                "WHERE id=?",
                (self.now(), status, json.dumps(dict(counts)), exit_code, message, run_id),
            )

    def update_run_counts(self, run_id: int, counts: Mapping[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET counts=? WHERE id=?", (json.dumps(dict(counts)), run_id))

    def run(self, run_id: int) -> dict[str, Any] | None:
        row = one(self.db, "SELECT * FROM runs WHERE id=?", (run_id,))
        if row:
            row["counts"] = json.loads(row["counts"])
        return row

    def first_run_started(self, profile_id: int) -> dt.datetime | None:
        """When the profile's first run that was not a dry run started."""
        value = scalar(
            self.db,
            "SELECT min(started_at) FROM runs WHERE profile_id=? AND dry_run=0",
            (profile_id,),
        )
        if not value:
            return None
        when = dt.datetime.fromisoformat(value)
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

    def count_runs(self, profile_id: int) -> int:
        """The profile's runs in the history (what `profile remove` deletes with it)."""
        return int(scalar(self.db, "SELECT count(*) FROM runs WHERE profile_id=?", (profile_id,)))

    def runs(self, profile_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs"
        params: list[Any] = []
        if profile_id is not None:
            sql += " WHERE profile_id=?"
            params.append(profile_id)
        sql += f" ORDER BY id DESC LIMIT {int(limit)}"
        out = rows(self.db, sql, params)
        for r in out:
            r["counts"] = json.loads(r["counts"])
        return out

    def add_event(
        self,
        run_id: int,
        level: str,
        phase: str,
        message: str,
        *,
        entity: str | None = None,
        record: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> int:
        try:
            cur = self.db.conn.execute(
                "INSERT INTO events (run_id, ts, level, phase, entity, record, message, data) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    self.now(),
                    level,
                    phase,
                    entity,
                    record,
                    message,
                    None if data is None else dumps(dict(data)),
                ),
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(describe_sqlite_error(exc, self.path)) from exc
        return inserted_id(cur)

    def events(
        self, run_id: int, *, after_id: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events WHERE run_id=? AND id > ? ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        out = rows(self.db, sql, (run_id, after_id))
        for r in out:
            r["data"] = loads(r["data"])
        return out

    def events_tail_after(self, run_id: int, count: int) -> int:
        """The ``after_id`` for :meth:`events` that reads only the run's last ``count`` events."""
        first = scalar(
            self.db,
            "SELECT min(id) FROM (SELECT id FROM events WHERE run_id=? ORDER BY id DESC LIMIT ?)",
            (run_id, int(count)),
        )
        return 0 if first is None else int(first) - 1

    def close_abandoned_runs(self, profile_id: int | None = None) -> list[int]:
        """Close as interrupted (exit 3, :data:`INTERRUPTED_MESSAGE`) the runs still marked
        running whose process is gone; answer their ids.

        A run is gone when the lock it holds belongs to a dead process on this host, or
        when it holds no lock and either its own process on this host is dead or it is
        older than :data:`LOCKLESS_GRACE` (a run takes the lock right after it is
        recorded, and keeps it until it is finished). A run holding a lock on another
        host is left alone: its process cannot be checked from here.
        """
        host = socket.gethostname()
        sql = (
            "SELECT r.id, r.pid, r.host, r.started_at, l.pid AS lock_pid, "
            "l.host AS lock_host FROM runs r LEFT JOIN locks l ON l.run_id = r.id "
            "AND l.profile_id = r.profile_id WHERE r.status = 'running'"
        )
        params: list[Any] = []
        if profile_id is not None:
            sql += " AND r.profile_id = ?"
            params.append(profile_id)
        closed = []
        with self.transaction() as conn:
            for row in rows(self.db, sql, params):
                if not self._abandoned(row, host):
                    continue
                last = scalar(self.db, "SELECT max(ts) FROM events WHERE run_id=?", (row["id"],))
                now = self.now()
                conn.execute(
                    "UPDATE runs SET status='interrupted', exit_code=3, finished_at=?, "
                    "message=? WHERE id=? AND status='running'",
                    (last or row["started_at"], INTERRUPTED_MESSAGE, row["id"]),
                )
                conn.execute(
                    "INSERT INTO events (run_id, ts, level, phase, message) VALUES (?,?,?,?,?)",
                    (row["id"], now, "error", "end", INTERRUPTED_MESSAGE),
                )
                closed.append(int(row["id"]))
        return closed

    def _abandoned(self, run: Mapping[str, Any], host: str) -> bool:
        if run["lock_pid"] is not None:  # it holds the lock: is its holder alive?
            return run["lock_host"] == host and not _pid_alive(int(run["lock_pid"]))
        if run["host"] == host and run["pid"] and not _pid_alive(int(run["pid"])):
            return True
        try:
            started = dt.datetime.fromisoformat(run["started_at"])
        except (TypeError, ValueError):
            return True
        if started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        return self.clock() - started > LOCKLESS_GRACE

    def acquire_lock(self, profile_id: int, run_id: int) -> None:
        """One run per profile. A lock left by a dead process on this host is taken over,
        and the runs such processes left running are closed as interrupted."""
        host = socket.gethostname()
        now = self.now()
        with self.transaction() as conn:
            row = one(self.db, "SELECT * FROM locks WHERE profile_id=?", (profile_id,))
            if row is not None:
                alive = True
                if row["host"] == host:
                    alive = _pid_alive(row["pid"])
                if alive:
                    raise LockHeld(
                        f"Another run (run {row['run_id']}, pid {row['pid']} on {row['host']}, "
                        f"since {row['acquired_at']}) is syncing this profile; wait for it to "
                        "finish, or stop it, then try again."
                    )
                conn.execute("DELETE FROM locks WHERE profile_id=?", (profile_id,))
            conn.execute(
                "INSERT INTO locks (profile_id, run_id, pid, host, acquired_at, heartbeat_at) "
                "VALUES (?,?,?,?,?,?)",
                (profile_id, run_id, os.getpid(), host, now, now),
            )
            self.close_abandoned_runs(profile_id)

    def release_lock(self, profile_id: int, run_id: int) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM locks WHERE profile_id=? AND run_id=?", (profile_id, run_id))

    def lock_holder(self, profile_id: int) -> dict[str, Any] | None:
        return one(self.db, "SELECT * FROM locks WHERE profile_id=?", (profile_id,))

    def live_lock(self, profile_id: int) -> dict[str, Any] | None:
        """The lock holder unless it is a dead process on this host (as acquire_lock judges)."""
        row = self.lock_holder(profile_id)
        if row is not None and row["host"] == socket.gethostname() and not _pid_alive(row["pid"]):
            return None
        return row


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
