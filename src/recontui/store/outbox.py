"""The outbox table: every remote write, planned before it is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Side
from ..model.codec import dumps
from ..model.states import LIVE_OP_STATES, OpKind, OpState
from .base import StoreBase
from .database import inserted_id, rows, scalar
from .rows import Op, op_of

#: The ops the big-change guard weighs and holds: those that change existing records.
_CHANGES = (OpKind.UPDATE, OpKind.DEACTIVATE)
#: SQL marks for :data:`LIVE_OP_STATES`.
_LIVE = ",".join("?" * len(LIVE_OP_STATES))


class OutboxRepo(StoreBase):
    """Ops: planned, listed, moved through their states, held by the big-change guard."""

    def add_op(
        self,
        profile_id: int,
        run_id: int | None,
        link_id: int,
        entity: str,
        side: Side,
        op: OpKind,
        remote_id: str | None,
        expected_version: str | None,
        payload: Mapping[str, Any],
        idem_key: str,
        *,
        state: OpState = OpState.PENDING,
        conflict_id: int | None = None,
    ) -> int:
        now = self.now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO outbox (profile_id, run_id, link_id, entity, side, op, remote_id, "
                "expected_version, payload, idem_key, state, conflict_id, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    profile_id,
                    run_id,
                    link_id,
                    entity,
                    side,
                    op,
                    remote_id,
                    expected_version,
                    dumps(dict(payload)),
                    idem_key,
                    state,
                    conflict_id,
                    now,
                    now,
                ),
            )
        return inserted_id(cur)

    def ops(self, profile_id: int, states: Sequence[OpState]) -> list[Op]:
        marks = ",".join("?" * len(states))
        return [
            op_of(r)
            for r in rows(
                self.db,
                f"SELECT * FROM outbox WHERE profile_id=? AND state IN ({marks}) ORDER BY id",
                (profile_id, *states),
            )
        ]

    def ops_for_conflict(self, conflict_id: int) -> list[Op]:
        return [
            op_of(r)
            for r in rows(
                self.db, "SELECT * FROM outbox WHERE conflict_id=? ORDER BY id", (conflict_id,)
            )
        ]

    def live_ops_for_link(self, link_id: int) -> list[Op]:
        return [
            op_of(r)
            for r in rows(
                self.db,
                f"SELECT * FROM outbox WHERE link_id=? AND state IN ({_LIVE}) ORDER BY id",
                (link_id, *LIVE_OP_STATES),
            )
        ]

    def set_op_state(
        self,
        op_id: int,
        state: OpState,
        *,
        error: str | None = None,
        result_version: str | None = None,
        count_attempt: bool = False,
    ) -> None:
        sql = (
            "UPDATE outbox SET state=?, last_error=?, result_version=coalesce(?, "
            "result_version), attempts = attempts + ?, updated_at=? WHERE id=?"
        )
        params = (state, error, result_version, 1 if count_attempt else 0, self.now(), op_id)
        with self._write() as conn:
            conn.execute(sql, params)

    def run_op_ids(self, run_id: int) -> list[int]:
        """The ids of the ops a run planned, in order."""
        return [
            int(r[0])
            for r in self.db.conn.execute(
                "SELECT id FROM outbox WHERE run_id=? ORDER BY id", (run_id,)
            )
        ]

    def planned_changes(self, run_id: int) -> dict[Side, int]:
        """Per side, the pending updates and deactivations a run planned (what the
        big-change guard weighs)."""
        planned: dict[Side, int] = {"a": 0, "b": 0}
        for side, n in self.db.conn.execute(
            "SELECT side, count(*) FROM outbox WHERE run_id=? AND state=? "
            "AND op IN (?,?) GROUP BY side",
            (run_id, OpState.PENDING, *_CHANGES),
        ):
            planned["a" if side == "a" else "b"] = int(n)
        return planned

    def hold_planned_changes(self, run_id: int, side: Side) -> int:
        """Hold a run's pending updates and deactivations of ``side``; how many."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state=? WHERE run_id=? AND side=? AND state=? AND op IN (?,?)",
                (OpState.HELD, run_id, side, OpState.PENDING, *_CHANGES),
            )
            return cur.rowcount

    def count_live_ops_for_conflict(self, conflict_id: int) -> int:
        """The ops carrying out a conflict's choice that have not landed yet."""
        return int(
            scalar(
                self.db,
                f"SELECT count(*) FROM outbox WHERE conflict_id=? AND state IN ({_LIVE})",
                (conflict_id, *LIVE_OP_STATES),
            )
        )

    def _move_ops(self, from_link: int, to_link: int) -> None:
        """A link was absorbed into another (pairing): its ops follow it."""
        with self._write() as conn:
            conn.execute("UPDATE outbox SET link_id=? WHERE link_id=?", (to_link, from_link))

    def _forget_ops(self, profile_id: int) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM outbox WHERE profile_id=?", (profile_id,)).rowcount

    def release_held(self, profile_id: int) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state=?, updated_at=? WHERE profile_id=? AND state=?",
                (OpState.PENDING, self.now(), profile_id, OpState.HELD),
            )
            return cur.rowcount

    def count_waiting_ops(self, profile_id: int, *, reason: str = "waiting for") -> int:
        """Pending ops that wait (for a record to exist, or for ``reason`` more narrowly)."""
        return int(
            scalar(
                self.db,
                "SELECT count(*) FROM outbox WHERE profile_id=? AND "
                "state=? AND last_error LIKE ? || '%'",
                (profile_id, OpState.PENDING, reason),
            )
        )

    def op_counts(self, profile_id: int) -> dict[str, int]:
        return {
            state: n
            for state, n in self.db.conn.execute(
                "SELECT state, count(*) FROM outbox WHERE profile_id=? GROUP BY state",
                (profile_id,),
            )
        }
