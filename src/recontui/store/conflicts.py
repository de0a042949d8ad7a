"""The conflicts table: questions for a person, their choices and suggestions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model import Side
from ..model.codec import dumps, loads
from ..model.states import (
    LIVE_STATUSES,
    Choice,
    ConflictKind,
    ConflictStatus,
    EntryKind,
)
from .audit import AuditRepo
from .database import StoreError, inserted_id, one, rows, scalar
from .migrations import fill_conflict_keys
from .outbox import OutboxRepo
from .rows import Conflict, conflict_of

#: SQL marks for :data:`LIVE_STATUSES` (open or resolved: still in the queue).
_LIVE = ",".join("?" * len(LIVE_STATUSES))
OPEN, RESOLVED = ConflictStatus.OPEN, ConflictStatus.RESOLVED


def _stored(choices: Mapping[str, Choice | Sequence[Any]]) -> str:
    """Choices as stored: ``{field: [pick, value]}`` (a pair given as a list stays as is)."""
    return dumps({name: list(choice) for name, choice in choices.items()})


def cannot_reopen(conflict_id: int, status: str | None) -> str:
    """Why a conflict that is not ``resolved`` cannot be reopened (one sentence)."""
    return (
        f"Conflict {conflict_id} is {status}: only a resolved conflict that has not been "
        "pushed yet can be reopened."
    )


class ConflictsRepo(OutboxRepo, AuditRepo):
    """Conflicts: opened and reopened by runs, resolved by a person, paged for the queue.

    It reads the outbox (a choice being pushed cannot change) and writes the audit
    trail (an override), hence its two bases.
    """

    def conflict(self, conflict_id: int, profile_id: int | None = None) -> Conflict | None:
        row = one(self.db, "SELECT * FROM conflicts WHERE id = ?", (conflict_id,))
        if row is None or (profile_id is not None and row["profile_id"] != profile_id):
            return None
        return conflict_of(row)

    def live_conflict_for_link(self, link_id: int) -> Conflict | None:
        row = one(
            self.db,
            f"SELECT * FROM conflicts WHERE link_id = ? AND status IN ({_LIVE}) "
            "ORDER BY id DESC LIMIT 1",
            (link_id, *LIVE_STATUSES),
        )
        return None if row is None else conflict_of(row)

    def conflicts(
        self,
        profile_id: int,
        *,
        statuses: Sequence[ConflictStatus] = LIVE_STATUSES,
        entity: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[Conflict]:
        """A page of conflicts in id order (keyset pagination: pass the last id seen)."""
        marks = ",".join("?" * len(statuses))
        sql = f"SELECT * FROM conflicts WHERE profile_id=? AND status IN ({marks}) AND id > ?"
        params: list[Any] = [profile_id, *statuses, after_id]
        if entity:
            sql += " AND entity = ?"
            params.append(entity)
        sql += " ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [conflict_of(r) for r in rows(self.db, sql, params)]

    def live_conflict_ids(
        self,
        profile_id: int,
        ids: Iterable[int],
        statuses: Sequence[ConflictStatus] = LIVE_STATUSES,
    ) -> set[int]:
        """Those of ``ids`` still in ``statuses`` (by default: not pushed, settled or gone)."""
        wanted, live = list(ids), set()
        marks = ",".join("?" * len(statuses))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            live |= {
                int(r[0])
                for r in self.db.conn.execute(
                    f"SELECT id FROM conflicts WHERE id IN ({','.join('?' * len(chunk))}) "
                    f"AND profile_id=? AND status IN ({marks})",
                    (*chunk, profile_id, *statuses),
                )
            }
        return live

    def open_conflict(
        self,
        profile_id: int,
        link_id: int,
        entity: str,
        kind: ConflictKind,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        run_id: int | None,
        *,
        candidates: Sequence[int] | None = None,
        suggestion: Mapping[str, Choice | Sequence[Any]] | None = None,
        note: str | None = None,
    ) -> int:
        """Open a conflict on the link; returns its id."""
        now = self.now()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO conflicts (profile_id, link_id, entity, kind, status, fields, "
                "a_version, b_version, opened_run, opened_at, updated_at, candidates, suggestion, "
                "note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    profile_id,
                    link_id,
                    entity,
                    kind,
                    OPEN,
                    dumps(dict(fields)),
                    a_version,
                    b_version,
                    run_id,
                    now,
                    now,
                    None if candidates is None else dumps(list(candidates)),
                    None if suggestion is None else _stored(suggestion),
                    note,
                ),
            )
            conflict_id = inserted_id(cur)
            fill_conflict_keys(conn, ids=[conflict_id])
        return conflict_id

    def reopen_conflict(
        self,
        conflict_id: int,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        *,
        suggestion: Mapping[str, Choice | Sequence[Any]] | None,
        note: str | None,
    ) -> None:
        """Fresh values came in: back to open, the earlier choice kept as a suggestion."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE conflicts SET status=?, fields=?, a_version=?, b_version=?, "
                "choices=NULL, suggestion=coalesce(?, suggestion), resolved_at=NULL, "
                "resolved_by=NULL, updated_at=?, note=? WHERE id=?",
                (
                    OPEN,
                    dumps(dict(fields)),
                    a_version,
                    b_version,
                    None if suggestion is None else _stored(suggestion),
                    self.now(),
                    note,
                    conflict_id,
                ),
            )
            fill_conflict_keys(conn, ids=[conflict_id])

    def follow_own_write(
        self, link_id: int, side: Side, old_version: str, new_version: str
    ) -> None:
        column = "a_version" if side == "a" else "b_version"
        with self._write() as conn:
            conn.execute(
                f"UPDATE conflicts SET {column}=? WHERE link_id=? AND status=? AND {column}=?",
                (new_version, link_id, OPEN, old_version),
            )

    def set_conflict_status(
        self, conflict_id: int, status: ConflictStatus, note: str | None = None
    ) -> None:
        now = self.now()
        pushed_at = now if status == ConflictStatus.PUSHED else None
        with self._write() as conn:
            conn.execute(
                "UPDATE conflicts SET status=?, updated_at=?, note=coalesce(?, note), "
                "pushed_at = coalesce(?, pushed_at) WHERE id=?",
                (status, now, note, pushed_at, conflict_id),
            )

    def resolve_conflict(
        self, conflict_id: int, choices: Mapping[str, Choice], *, actor: str
    ) -> None:
        """Save a person's choices; they are pushed on the next run."""
        with self.transaction() as conn:
            status = scalar(self.db, "SELECT status FROM conflicts WHERE id=?", (conflict_id,))
            if status not in LIVE_STATUSES:
                raise StoreError(
                    f"Conflict {conflict_id} is {status}; only open or resolved conflicts "
                    "can be resolved."
                )
            self._refuse_while_pushing(conflict_id, "changed")
            now = self.now()
            conn.execute(
                "UPDATE conflicts SET status=?, choices=?, resolved_at=?, "
                "resolved_by=?, updated_at=? WHERE id=?",
                (RESOLVED, _stored(choices), now, actor, now, conflict_id),
            )

    def resolve_many(
        self,
        profile_id: int,
        choices: Mapping[int, Mapping[str, Choice]],
        *,
        actor: str,
    ) -> list[int]:
        """Save choices for many open conflicts in one transaction (conflict id -> choices).

        Only open conflicts of the profile change (a choice already saved is not
        overwritten in bulk); returns their ids.
        """
        with self.transaction() as conn:
            live = sorted(self.live_conflict_ids(profile_id, choices, (OPEN,)))
            now = self.now()
            conn.executemany(
                "UPDATE conflicts SET status=?, choices=?, resolved_at=?, "
                "resolved_by=?, updated_at=? WHERE id=?",
                [(RESOLVED, _stored(choices[cid]), now, actor, now, cid) for cid in live],
            )
        return live

    def _move_conflicts(self, from_link: int, to_link: int) -> None:
        """A link was absorbed into another (pairing): its conflicts follow it."""
        with self.transaction() as conn:
            conn.execute("UPDATE conflicts SET link_id=? WHERE link_id=?", (to_link, from_link))
            fill_conflict_keys(conn, link_id=to_link)

    def _links_with_conflicts(self, link_ids: Sequence[int]) -> set[int]:
        """Which of ``link_ids`` have conflicts (of any status)."""
        found: set[int] = set()
        for at in range(0, len(link_ids), 500):
            chunk = link_ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                int(r[0])
                for r in self.db.conn.execute(
                    f"SELECT DISTINCT link_id FROM conflicts WHERE link_id IN ({marks})", chunk
                )
            )
        return found

    def _forget_conflicts(self, profile_id: int) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM conflicts WHERE profile_id=?", (profile_id,)).rowcount

    def _refuse_while_pushing(self, conflict_id: int, what: str) -> None:
        """A run already turned the choice into writes: they would still be replayed."""
        waiting = self.count_live_ops_for_conflict(conflict_id)
        if waiting:
            raise StoreError(
                f"Conflict {conflict_id}'s choice is already being pushed ({waiting} "
                f"change(s) wait in the outbox), so it cannot be {what} now; run a sync "
                "first, it reopens by itself if a value does not land."
            )

    def unresolve_conflict(self, conflict_id: int) -> None:
        """A resolved conflict not pushed yet goes back to open, its choices kept as the
        suggestion (anything else: :class:`StoreError` saying :func:`cannot_reopen`)."""
        with self.transaction() as conn:
            status = scalar(self.db, "SELECT status FROM conflicts WHERE id=?", (conflict_id,))
            if status != RESOLVED:
                raise StoreError(cannot_reopen(conflict_id, status))
            self._refuse_while_pushing(conflict_id, "reopened")
            conn.execute(
                "UPDATE conflicts SET status=?, suggestion=choices, choices=NULL, "
                "resolved_at=NULL, resolved_by=NULL, updated_at=? WHERE id=?",
                (OPEN, self.now(), conflict_id),
            )

    def _open_with_field(
        self, profile_id: int, entity: str, field_name: str, exclude: int | None
    ) -> tuple[str, list[Any]]:
        """WHERE clause and parameters: open field conflicts of ``entity`` with the field."""
        where = (
            "profile_id=? AND status=? AND entity=? AND kind=? "
            "AND json_type(fields, ?) IS NOT NULL AND id != ?"
        )
        path = "$." + json.dumps(field_name)
        return where, [profile_id, OPEN, entity, ConflictKind.FIELD, path, exclude or 0]

    def count_open_with_field(
        self, profile_id: int, entity: str, field_name: str, *, exclude: int | None = None
    ) -> int:
        """How many open conflicts of ``entity`` have ``field_name`` in conflict."""
        where, params = self._open_with_field(profile_id, entity, field_name, exclude)
        return int(scalar(self.db, f"SELECT count(*) FROM conflicts WHERE {where}", params) or 0)

    def choose_field(
        self,
        profile_id: int,
        entity: str,
        field_name: str,
        choice: Choice,
        *,
        actor: str,
        exclude: int | None = None,
    ) -> dict[int, ConflictStatus]:
        """Save one field's choice in every open conflict of ``entity`` that has it, at once.

        A conflict whose every field is then chosen becomes ``resolved``; the others
        stay open with their choices partly filled (a run ignores an open conflict's
        choices). Returns conflict id -> its status after the change.
        """
        where, params = self._open_with_field(profile_id, entity, field_name, exclude)
        sql = f"SELECT id, fields, choices FROM conflicts WHERE {where} ORDER BY id"
        out: dict[int, ConflictStatus] = {}
        with self.transaction() as conn:
            now = self.now()
            for row in rows(self.db, sql, params):
                choices = loads(row["choices"]) or {}
                choices[field_name] = list(choice)
                done = set(loads(row["fields"])) <= set(choices)
                status = RESOLVED if done else OPEN
                conn.execute(
                    "UPDATE conflicts SET choices=?, updated_at=?, status=?, "
                    "resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END, "
                    "resolved_by = CASE WHEN ? THEN ? ELSE resolved_by END WHERE id=?",
                    (dumps(choices), now, status, done, now, done, actor, row["id"]),
                )
                out[int(row["id"])] = status
        return out

    def record_override(
        self,
        profile_id: int,
        decision: Mapping[str, Any],
        link_id: int,
        entry: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        *,
        conflict_id: int | None,
        note: str,
        actor: str,
    ) -> int:
        """Reopen a rule's decision for a person, in one transaction; returns the conflict id.

        ``entry`` (the field's conflict values) goes into a new open field
        conflict, or into the record's open conflict ``conflict_id``; an
        ``override`` audit entry names the decision's field and side, with the
        rule's value as ``old`` and the value it had replaced as ``new``. Nothing
        is written to either system until the conflict is resolved and synced.
        """
        name = decision["field"]
        with self.transaction():
            if conflict_id is None:
                conflict_id = self.open_conflict(
                    profile_id,
                    link_id,
                    decision["entity"],
                    ConflictKind.FIELD,
                    {name: dict(entry)},
                    a_version,
                    b_version,
                    None,
                    note=note,
                )
            else:
                self._add_field(conflict_id, name, entry)
            self._audit(
                profile_id,
                None,
                decision["entity"],
                decision["link_id"],  # the decision's own, so the override finds it
                name,
                decision["side"],
                decision["new"],
                decision["old"],
                EntryKind.OVERRIDE,
                actor,
            )
        return conflict_id

    def _add_field(self, conflict_id: int, name: str, entry: Mapping[str, Any]) -> None:
        """Put one more field into an open field conflict."""
        with self.transaction() as conn:
            row = one(
                self.db,
                "SELECT fields FROM conflicts WHERE id=? AND status=? AND kind=?",
                (conflict_id, OPEN, ConflictKind.FIELD),
            )
            if row is None:
                raise StoreError(f"Conflict {conflict_id} is no longer open; reload and try again.")
            fields = {**loads(row["fields"]), name: dict(entry)}
            conn.execute(
                "UPDATE conflicts SET fields=?, updated_at=? WHERE id=?",
                (dumps(fields), self.now(), conflict_id),
            )
            fill_conflict_keys(conn, ids=[conflict_id])  # the queue's "fields" column
