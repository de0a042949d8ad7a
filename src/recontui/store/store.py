"""Typed access to the state database. The only module that writes SQL.

Values of canonical fields are stored with :mod:`recontui.model.codec`, which
keeps Decimal, dates and references exact across a round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from ..model import RemoteRecord, Side
from ..model.codec import dumps, loads
from .database import (
    StoreError,
    connect,
    describe_sqlite_error,
    one,
    quick_check,
    quick_check_due,
    rows,
    scalar,
    transaction,
)
from .migrations import fill_conflict_keys, migrate, schema_version

Clock = Callable[[], dt.datetime]
T = TypeVar("T")

#: Audit ``by`` of a rule's decision a person reopened, and the kind of that
#: field in the conflict it became (the runner keeps it open while it stands).
OVERRIDE = "override"
#: The choice that unlinks the record of a field conflict: never synced again.
IGNORE = "$ignore"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ProfileNotFound(StoreError):
    pass


class LockHeld(StoreError):
    pass


#: What a run whose process stopped mid-run (kill -9, a power cut) says once it is closed.
INTERRUPTED_MESSAGE = (
    "Interrupted: the process stopped before the run finished; the next run carried on."
)
#: A run is recorded a moment before it takes the lock: one younger than this without a
#: lock may be on its way to taking it, so it is not judged abandoned.
LOCKLESS_GRACE = dt.timedelta(seconds=60)


@dataclass
class Profile:
    id: int
    name: str
    a_system: str
    b_system: str
    a_settings: dict[str, str]
    b_settings: dict[str, str]
    a_company_id: str | None
    b_company_id: str | None
    is_default: bool

    def system(self, side: Side) -> str:
        return self.a_system if side == "a" else self.b_system

    def side_settings(self, side: Side) -> dict[str, str]:
        return self.a_settings if side == "a" else self.b_settings


@dataclass
class Link:
    id: int
    entity: str
    state: str
    a_id: str | None
    b_id: str | None
    a_version: str | None
    b_version: str | None
    a_fields: dict[str, Any] | None
    b_fields: dict[str, Any] | None
    a_deleted: bool
    b_deleted: bool
    dirty: int
    merged_into: int | None = None

    def remote_id(self, side: Side) -> str | None:
        return self.a_id if side == "a" else self.b_id

    def version(self, side: Side) -> str | None:
        return self.a_version if side == "a" else self.b_version

    def fields(self, side: Side) -> dict[str, Any] | None:
        return self.a_fields if side == "a" else self.b_fields

    def deleted(self, side: Side) -> bool:
        return self.a_deleted if side == "a" else self.b_deleted

    @property
    def paired(self) -> bool:
        return self.a_id is not None and self.b_id is not None


@dataclass
class Conflict:
    id: int
    profile_id: int
    link_id: int
    entity: str
    kind: str  # field | match | delete
    status: str  # open | resolved | pushed | superseded
    fields: dict[str, dict[str, Any]]
    choices: dict[str, list[Any]] | None
    suggestion: dict[str, list[Any]] | None
    candidates: list[int] | None
    a_version: str | None
    b_version: str | None
    opened_run: int | None
    opened_at: str
    updated_at: str
    resolved_at: str | None
    resolved_by: str | None
    pushed_at: str | None
    note: str | None
    #: Copies kept for sorting the queue (schema v3): the record's name, the fields
    #: in conflict as shown, and when each side last changed (ISO UTC, "" if unknown).
    title: str = ""
    field_names: str = ""
    a_changed_at: str = ""
    b_changed_at: str = ""


#: Sort orders of the conflict queue: name -> SQL expression (each has a partial index).
CONFLICT_SORTS: dict[str, str] = {
    "id": "id",
    "entity": "entity",
    "record": "title COLLATE NOCASE",
    "fields": "field_names",
    "a_changed": "a_changed_at",
    "b_changed": "b_changed_at",
    "status": "status",
    "suggestion": "(suggestion IS NOT NULL)",
}


@dataclass
class Op:
    id: int
    profile_id: int
    run_id: int | None
    link_id: int
    entity: str
    side: Side
    op: str  # create | update | deactivate
    remote_id: str | None
    expected_version: str | None
    payload: dict[str, Any]
    idem_key: str
    state: str  # pending | sent | done | rejected | held
    attempts: int
    last_error: str | None
    conflict_id: int | None
    #: When the op was planned (ISO UTC): a record created before it is not its result.
    created_at: str = ""


@dataclass
class PullCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    link_ids: list[int] = field(default_factory=list)


def _from_row(
    cls: type[T], row: Mapping[str, Any], *, codec: Sequence[str] = (), flags: Sequence[str] = ()
) -> T:
    """A dataclass from a row whose column names are its field names.

    ``codec`` columns hold canonical JSON (:mod:`recontui.model.codec`);
    ``flags`` are 0/1 integers.
    """
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = row.get(f.name)
        if f.name in codec:
            value = loads(value)
        elif f.name in flags:
            value = bool(value)
        values[f.name] = value
    return cls(**values)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def cannot_reopen(conflict_id: int, status: str | None) -> str:
    """Why a conflict that is not ``resolved`` cannot be reopened (one sentence)."""
    return (
        f"Conflict {conflict_id} is {status}: only a resolved conflict that has not been "
        "pushed yet can be reopened."
    )


class Store:
    """All reads and writes of the state database for every layer above it."""

    def __init__(self, db: sqlite_utils.Database, path: Path | str, clock: Clock = utcnow):
        self.db = db
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.clock = clock
        #: ``PRAGMA quick_check`` passed since the file was opened (see :meth:`check`).
        self.checked = False

    # -- plumbing ---------------------------------------------------------
    def now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat()

    def transaction(self):
        return transaction(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def check(self) -> None:
        """``PRAGMA quick_check`` unless it passed since the file was opened; a damaged
        file is a :class:`StoreError` naming it and the next step."""
        if not self.checked and str(self.path) != ":memory:":
            quick_check(self.db, self.path)
        self.checked = True

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)

    # -- profiles ---------------------------------------------------------
    def _profile(self, row: Mapping[str, Any]) -> Profile:
        return Profile(
            id=row["id"],
            name=row["name"],
            a_system=row["a_system"],
            b_system=row["b_system"],
            a_settings=json.loads(row["a_settings"]),
            b_settings=json.loads(row["b_settings"]),
            a_company_id=row["a_company_id"],
            b_company_id=row["b_company_id"],
            is_default=bool(row["is_default"]),
        )

    def list_profiles(self) -> list[Profile]:
        return [self._profile(r) for r in rows(self.db, "SELECT * FROM profiles ORDER BY name")]

    def get_profile(self, name: str | None = None) -> Profile:
        if name:
            row = one(self.db, "SELECT * FROM profiles WHERE name = ?", (name,))
            if row is None:
                known = ", ".join(p.name for p in self.list_profiles()) or "none yet"
                raise ProfileNotFound(
                    f"There is no profile named {name!r} in {self.path} (known: {known}); "
                    "create it with `recontui profile add` or `recontui sandbox serve --profile`."
                )
            return self._profile(row)
        row = one(self.db, "SELECT * FROM profiles ORDER BY is_default DESC, id LIMIT 1")
        if row is None:
            raise ProfileNotFound(
                f"No profile exists yet in {self.path}; create one with `recontui profile add` "
                "or `recontui sandbox serve --profile NAME`."
            )
        return self._profile(row)

    def save_profile(
        self,
        name: str,
        a_system: str,
        b_system: str,
        a_settings: Mapping[str, str],
        b_settings: Mapping[str, str],
        *,
        make_default: bool = False,
    ) -> Profile:
        """Create the profile, or update its systems and settings if it exists."""
        now = self.now()
        with self.transaction() as conn:
            existing = one(self.db, "SELECT id FROM profiles WHERE name = ?", (name,))
            if existing:
                conn.execute(
                    "UPDATE profiles SET a_system=?, b_system=?, a_settings=?, b_settings=? "
                    "WHERE id=?",
                    (
                        a_system,
                        b_system,
                        json.dumps(dict(a_settings)),
                        json.dumps(dict(b_settings)),
                        existing["id"],
                    ),
                )
            else:
                first = scalar(self.db, "SELECT count(*) FROM profiles") == 0
                conn.execute(
                    "INSERT INTO profiles (name, a_system, b_system, a_settings, b_settings, "
                    "is_default, created_at) VALUES (?,?,?,?,?,?,?)",
                    (
                        name,
                        a_system,
                        b_system,
                        json.dumps(dict(a_settings)),
                        json.dumps(dict(b_settings)),
                        1 if first else 0,
                        now,
                    ),
                )
            if make_default:
                conn.execute("UPDATE profiles SET is_default = (name = ?)", (name,))
        return self.get_profile(name)

    def set_company_ids(
        self, profile_id: int, a_company_id: str | None, b_company_id: str | None
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE profiles SET a_company_id = coalesce(?, a_company_id), "
                "b_company_id = coalesce(?, b_company_id) WHERE id = ?",
                (a_company_id, b_company_id, profile_id),
            )

    def forget_company(self, profile_id: int) -> dict[str, int]:
        """Drop everything a profile learned about its two companies (links, bases,
        conflicts, outbox, cursors, the remembered company ids), keeping its settings,
        rules, run history and audit trail: the profile can then point at other books.
        Refused while a run holds the profile's lock. Returns rows removed per table."""
        with self.transaction() as conn:
            holder = self.lock_holder(profile_id)
            if holder is not None:
                raise StoreError(
                    f"A run (pid {holder['pid']} on {holder['host']}) holds this profile; "
                    "wait for it to end, then try again."
                )
            removed = {}
            for table in ("outbox", "conflicts", "cursors"):
                cur = conn.execute(f"DELETE FROM {table} WHERE profile_id=?", (profile_id,))
                removed[table] = cur.rowcount
            cur = conn.execute("DELETE FROM links WHERE profile_id=?", (profile_id,))
            removed["links"] = cur.rowcount  # bases go with their links (ON DELETE CASCADE)
            conn.execute(
                "UPDATE profiles SET a_company_id=NULL, b_company_id=NULL WHERE id=?",
                (profile_id,),
            )
        return removed

    def remove_profile(self, name: str) -> None:
        profile = self.get_profile(name)
        with self.transaction() as conn:
            conn.execute("DELETE FROM profiles WHERE id = ?", (profile.id,))

    # -- settings and rules -----------------------------------------------
    def settings(self, profile_id: int) -> dict[str, Any]:
        return {
            r["key"]: json.loads(r["value"])
            for r in rows(
                self.db, "SELECT key, value FROM settings WHERE profile_id = ?", (profile_id,)
            )
        }

    def set_setting(self, profile_id: int, key: str, value: Any, *, actor: str) -> None:
        """Change one setting; the old and new values go to the audit trail."""
        with self.transaction() as conn:
            old = self.settings(profile_id).get(key)
            conn.execute(
                "INSERT INTO settings (profile_id, key, value) VALUES (?,?,?) "
                "ON CONFLICT(profile_id, key) DO UPDATE SET value = excluded.value",
                (profile_id, key, json.dumps(value)),
            )
            self._audit(
                conn, profile_id, None, "settings", None, key, "-", old, value, "settings", actor
            )

    def rules(self, profile_id: int) -> list[dict[str, Any]]:
        return rows(self.db, "SELECT * FROM rules WHERE profile_id = ? ORDER BY id", (profile_id,))

    def add_rule(
        self,
        profile_id: int,
        kind: str,
        side: str | None,
        entity: str | None,
        field_name: str | None,
        *,
        actor: str,
        note: str | None = None,
    ) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO rules (profile_id, kind, side, entity, field, created_at, "
                "created_by, note) VALUES (?,?,?,?,?,?,?,?)",
                (profile_id, kind, side, entity, field_name, self.now(), actor, note),
            )
            return int(cur.lastrowid)

    def delete_rule(self, profile_id: int, rule_id: int) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "DELETE FROM rules WHERE profile_id = ? AND id = ?", (profile_id, rule_id)
            )
            return cur.rowcount > 0

    # -- links ------------------------------------------------------------
    @staticmethod
    def _link(row: Mapping[str, Any]) -> Link:
        return _from_row(
            Link, row, codec=("a_fields", "b_fields"), flags=("a_deleted", "b_deleted")
        )

    def link(self, link_id: int) -> Link | None:
        row = one(self.db, "SELECT * FROM links WHERE id = ?", (link_id,))
        return None if row is None else self._link(row)

    def canonical_link_id(self, link_id: int) -> int:
        """Follow ``merged_into`` so an id stored before a pairing still resolves."""
        seen = 0
        while True:
            target = scalar(self.db, "SELECT merged_into FROM links WHERE id = ?", (link_id,))
            if target is None or seen > 100:
                return link_id
            link_id, seen = target, seen + 1

    def links(
        self, profile_id: int, entity: str, *, where: str = "1", params: Sequence[Any] = ()
    ) -> list[Link]:
        return [
            self._link(r)
            for r in rows(
                self.db,
                f"SELECT * FROM links WHERE profile_id = ? AND entity = ? AND {where} ORDER BY id",
                (profile_id, entity, *params),
            )
        ]

    def link_ids_in_state(self, profile_id: int, state: str) -> set[int]:
        return {
            int(r[0])
            for r in self.db.conn.execute(
                "SELECT id FROM links WHERE profile_id=? AND state=?", (profile_id, state)
            )
        }

    def has_links(self, profile_id: int) -> bool:
        """Whether the profile knows any record yet (it has synced at least a page)."""
        return bool(
            scalar(self.db, "SELECT 1 FROM links WHERE profile_id = ? LIMIT 1", (profile_id,))
        )

    def remote_index(self, profile_id: int, side: Side) -> dict[tuple[str, str], int]:
        """(entity, remote id) -> link id for one side: the reference translation table."""
        column = "a_id" if side == "a" else "b_id"
        return {
            (entity, rid): lid
            for entity, rid, lid in self.db.conn.execute(
                f"SELECT entity, {column}, id FROM links WHERE profile_id = ? "
                f"AND {column} IS NOT NULL",
                (profile_id,),
            )
        }

    def link_for_remote(
        self, profile_id: int, entity: str, side: Side, remote_id: str
    ) -> int | None:
        """The link holding one side's record, if it is known (never creates one)."""
        column = "a_id" if side == "a" else "b_id"
        found = scalar(
            self.db,
            f"SELECT id FROM links WHERE profile_id=? AND entity=? AND {column}=?",
            (profile_id, entity, remote_id),
        )
        return None if found is None else int(found)

    def paired_names(
        self,
        profile_id: int,
        entity: str,
        name_field: str,
        *,
        contains: str = "",
        after: tuple[str, int] | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A keyset page of the records on both sides, by name (case-insensitive order).

        ``contains`` keeps names holding that text (case-insensitive); ``after`` is
        the (name, id) of the last row of the previous page. Rows: id, name, a_id, b_id.
        """
        path = "$." + json.dumps(name_field)
        sql = (
            "SELECT * FROM (SELECT id, a_id, b_id, coalesce(json_extract(a_fields, ?), "
            "json_extract(b_fields, ?), '') AS name FROM links WHERE profile_id=? AND "
            "entity=? AND state='paired' AND merged_into IS NULL AND a_deleted=0 "
            "AND b_deleted=0) WHERE 1"
        )
        params: list[Any] = [path, path, profile_id, entity]
        if contains:
            escaped = contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql += " AND name LIKE ? ESCAPE '\\'"
            params.append(f"%{escaped}%")
        if after is not None:
            sql += " AND (lower(name) > lower(?) OR (lower(name) = lower(?) AND id > ?))"
            params += [after[0], after[0], after[1]]
        sql += f" ORDER BY lower(name), id LIMIT {int(limit)}"
        return rows(self.db, sql, params)

    def placeholder_link(self, profile_id: int, entity: str, side: Side, remote_id: str) -> int:
        """Identity for a record known only by a reference to it (not pulled yet)."""
        column = "a_id" if side == "a" else "b_id"
        existing = scalar(
            self.db,
            f"SELECT id FROM links WHERE profile_id=? AND entity=? AND {column}=?",
            (profile_id, entity, remote_id),
        )
        if existing is not None:
            return int(existing)
        now = self.now()
        with self.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO links (profile_id, entity, state, {column}, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?)",
                (profile_id, entity, "unpaired", remote_id, now, now),
            )
            return int(cur.lastrowid)

    def store_pulled(
        self,
        profile_id: int,
        side: Side,
        entity: str,
        records: Iterable[RemoteRecord],
        cursor: str | None,
    ) -> PullCounts:
        """Persist one pulled page and move the cursor, in one transaction.

        A record whose version we already hold is our own write coming back or an
        overlap re-read: it is not a change. Anything else marks its link dirty
        for this side, so the merge finds it even if this run dies right after.
        """
        p = side
        bit = 1 if side == "a" else 2
        counts = PullCounts()
        now = self.now()
        with self.transaction() as conn:
            for rec in records:
                row = conn.execute(
                    f"SELECT id, {p}_version, {p}_fields IS NULL FROM links "
                    f"WHERE profile_id=? AND entity=? AND {p}_id=?",
                    (profile_id, entity, rec.remote_id),
                ).fetchone()
                if row is not None and row[1] == rec.version and not row[2]:
                    counts.unchanged += 1
                    continue
                values = (
                    rec.version,
                    dumps(rec.fields),
                    _iso(rec.updated_at),
                    1 if rec.deleted else 0,
                )
                if row is None:
                    cur = conn.execute(
                        f"INSERT INTO links (profile_id, entity, state, {p}_id, {p}_version, "
                        f"{p}_fields, {p}_updated_at, {p}_deleted, dirty, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (profile_id, entity, "unpaired", rec.remote_id, *values, bit, now, now),
                    )
                    counts.new += 1
                    counts.link_ids.append(int(cur.lastrowid))
                else:
                    conn.execute(
                        f"UPDATE links SET {p}_version=?, {p}_fields=?, {p}_updated_at=?, "
                        f"{p}_deleted=?, dirty = dirty | ?, updated_at=? WHERE id=?",
                        (*values, bit, now, row[0]),
                    )
                    counts.changed += 1
                    counts.link_ids.append(int(row[0]))
            pulled = counts.new + counts.changed + counts.unchanged
            if cursor is not None:
                conn.execute(
                    "INSERT INTO cursors (profile_id, side, entity, value, moved_at, pulled) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT(profile_id, side, entity) DO UPDATE SET "
                    "value=excluded.value, moved_at=excluded.moved_at, "
                    "pulled=cursors.pulled + excluded.pulled",
                    (profile_id, side, entity, cursor, now, pulled),
                )
        return counts

    def set_link_side(
        self, link_id: int, side: Side, rec: RemoteRecord, *, clear_dirty: bool = True
    ) -> None:
        """Record what a side now holds after our own write (its new version)."""
        p = side
        bit = 1 if side == "a" else 2
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE links SET {p}_id=?, {p}_version=?, {p}_fields=?, {p}_updated_at=?, "
                f"{p}_deleted=?, dirty = CASE WHEN ? THEN dirty & ~? ELSE dirty END, "
                "state = CASE WHEN a_id IS NOT NULL AND b_id IS NOT NULL AND state='unpaired' "
                "THEN 'paired' ELSE state END, updated_at=? WHERE id=?",
                (
                    rec.remote_id,
                    rec.version,
                    dumps(rec.fields),
                    _iso(rec.updated_at),
                    1 if rec.deleted else 0,
                    1 if clear_dirty else 0,
                    bit,
                    self.now(),
                    link_id,
                ),
            )
            conn.execute(
                "UPDATE links SET state='paired' WHERE id=? AND a_id IS NOT NULL "
                "AND b_id IS NOT NULL AND state IN ('unpaired','matching','single')",
                (link_id,),
            )

    def mark_dirty(self, link_id: int, side: Side, conn: Any = None) -> None:
        """Look at the link again on the next run (in ``conn``'s transaction if given)."""
        if conn is None:
            with self.transaction() as tx:
                self.mark_dirty(link_id, side, tx)
            return
        conn.execute(
            "UPDATE links SET dirty = dirty | ? WHERE id = ?", (1 if side == "a" else 2, link_id)
        )

    def clear_dirty(self, conn: Any, link_id: int) -> None:
        conn.execute("UPDATE links SET dirty = 0 WHERE id = ?", (link_id,))

    def set_link_state(self, conn: Any, link_id: int, state: str) -> None:
        conn.execute(
            "UPDATE links SET state=?, updated_at=? WHERE id=?", (state, self.now(), link_id)
        )

    def pair_links(self, conn: Any, a_link: int, b_link: int) -> int:
        """Join an a-only link and a b-only link into one; returns the surviving id.

        The absorbed row stays behind as an alias (``merged_into``), so references
        stored before the pairing still find their record.
        """
        b_row = one(self.db, "SELECT * FROM links WHERE id = ?", (b_link,))
        if b_row is None:
            raise StoreError(f"link {b_link} vanished during matching")
        conn.execute(
            "UPDATE links SET b_id=NULL, state='merged', merged_into=?, dirty=0, updated_at=? "
            "WHERE id=?",
            (a_link, self.now(), b_link),
        )
        conn.execute(
            "UPDATE links SET b_id=?, b_version=?, b_fields=?, b_updated_at=?, b_deleted=?, "
            "state='paired', dirty = dirty | 3, updated_at=? WHERE id=?",
            (
                b_row["b_id"],
                b_row["b_version"],
                b_row["b_fields"],
                b_row["b_updated_at"],
                b_row["b_deleted"],
                self.now(),
                a_link,
            ),
        )
        conn.execute("UPDATE conflicts SET link_id=? WHERE link_id=?", (a_link, b_link))
        fill_conflict_keys(conn, link_id=a_link)
        conn.execute("UPDATE outbox SET link_id=? WHERE link_id=?", (a_link, b_link))
        return a_link

    def count_links(self, profile_id: int, side: Side, entity: str | None = None) -> int:
        column = "a_id" if side == "a" else "b_id"
        sql = f"SELECT count(*) FROM links WHERE profile_id=? AND {column} IS NOT NULL"
        params: list[Any] = [profile_id]
        if entity:
            sql += " AND entity = ?"
            params.append(entity)
        return int(scalar(self.db, sql, params))

    # -- bases ------------------------------------------------------------
    def base(self, link_id: int) -> dict[str, Any] | None:
        text = scalar(self.db, "SELECT fields FROM bases WHERE link_id = ?", (link_id,))
        return None if text is None else loads(text)

    def set_base(
        self,
        conn: Any,
        link_id: int,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        run_id: int | None,
    ) -> None:
        conn.execute(
            "INSERT INTO bases (link_id, fields, a_version, b_version, agreed_at, run_id) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(link_id) DO UPDATE SET fields=excluded.fields, "
            "a_version=excluded.a_version, b_version=excluded.b_version, "
            "agreed_at=excluded.agreed_at, run_id=excluded.run_id",
            (link_id, dumps(dict(fields)), a_version, b_version, self.now(), run_id),
        )

    # -- conflicts --------------------------------------------------------
    @staticmethod
    def _conflict(row: Mapping[str, Any]) -> Conflict:
        return _from_row(Conflict, row, codec=("fields", "choices", "suggestion", "candidates"))

    def conflict(self, conflict_id: int, profile_id: int | None = None) -> Conflict | None:
        row = one(self.db, "SELECT * FROM conflicts WHERE id = ?", (conflict_id,))
        if row is None or (profile_id is not None and row["profile_id"] != profile_id):
            return None
        return self._conflict(row)

    def live_conflict_for_link(self, link_id: int) -> Conflict | None:
        row = one(
            self.db,
            "SELECT * FROM conflicts WHERE link_id = ? AND status IN ('open','resolved') "
            "ORDER BY id DESC LIMIT 1",
            (link_id,),
        )
        return None if row is None else self._conflict(row)

    def conflicts(
        self,
        profile_id: int,
        *,
        statuses: Sequence[str] = ("open", "resolved"),
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
        return [self._conflict(r) for r in rows(self.db, sql, params)]

    def conflict_page(
        self,
        profile_id: int,
        *,
        sort: str = "id",
        descending: bool = False,
        after: tuple[Any, int] | None = None,
        limit: int = 50,
    ) -> list[tuple[Any, Conflict]]:
        """A keyset page of live (open or resolved) conflicts in ``sort`` order, then id.

        Returns (sort key, conflict) pairs; pass the last pair's (key, id) as ``after``
        for the next page. Two indexed seeks, no OFFSET: the rest of the last key's
        rows by id, then the keys beyond it.
        """
        found = self._live_page("*", profile_id, sort, descending, after, limit)
        return [(r.pop("sort_key"), self._conflict(r)) for r in found]

    def conflict_keys(
        self,
        profile_id: int,
        *,
        sort: str = "id",
        descending: bool = False,
        after: tuple[Any, int] | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """:meth:`conflict_page` with only what a filter reads (nothing decoded): rows of
        sort_key, id, entity, kind, title and field_names."""
        columns = "id, entity, kind, title, field_names"
        return self._live_page(columns, profile_id, sort, descending, after, limit)

    def _live_page(
        self,
        columns: str,
        profile_id: int,
        sort: str,
        descending: bool,
        after: tuple[Any, int] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        expr = CONFLICT_SORTS[sort]
        way, beyond = ("DESC", "<") if descending else ("ASC", ">")
        base = (
            f"SELECT {columns}, {expr} AS sort_key FROM conflicts WHERE profile_id=? "
            "AND status IN ('open','resolved')"
        )
        found: list[dict[str, Any]] = []
        if after is None:
            found = rows(
                self.db, f"{base} ORDER BY {expr} {way}, id {way} LIMIT ?", (profile_id, limit)
            )
        else:
            key, last_id = after
            found = rows(
                self.db,
                f"{base} AND {expr} = ? AND id {beyond} ? ORDER BY id {way} LIMIT ?",
                (profile_id, key, last_id, limit),
            )
            if len(found) < limit:
                found += rows(
                    self.db,
                    f"{base} AND {expr} {beyond} ? ORDER BY {expr} {way}, id {way} LIMIT ?",
                    (profile_id, key, limit - len(found)),
                )
        return found

    def live_conflict_ids(
        self,
        profile_id: int,
        ids: Iterable[int],
        statuses: Sequence[str] = ("open", "resolved"),
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

    def count_live_conflicts(self, profile_id: int) -> int:
        """Open and resolved conflicts (the queue's length), counted in SQL."""
        return int(
            scalar(
                self.db,
                "SELECT count(*) FROM conflicts WHERE profile_id=? "
                "AND status IN ('open','resolved')",
                (profile_id,),
            )
        )

    def conflict_counts(self, profile_id: int) -> dict[str, dict[str, int]]:
        """status -> entity -> count, computed in SQL."""
        out: dict[str, dict[str, int]] = {}
        for status, entity, n in self.db.conn.execute(
            "SELECT status, entity, count(*) FROM conflicts WHERE profile_id=? "
            "GROUP BY status, entity",
            (profile_id,),
        ):
            out.setdefault(status, {})[entity] = n
        return out

    def open_conflict(
        self,
        conn: Any,
        profile_id: int,
        link_id: int,
        entity: str,
        kind: str,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        run_id: int | None,
        *,
        candidates: Sequence[int] | None = None,
        suggestion: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> int:
        now = self.now()
        cur = conn.execute(
            "INSERT INTO conflicts (profile_id, link_id, entity, kind, status, fields, "
            "a_version, b_version, opened_run, opened_at, updated_at, candidates, suggestion, "
            "note) VALUES (?,?,?,?,'open',?,?,?,?,?,?,?,?,?)",
            (
                profile_id,
                link_id,
                entity,
                kind,
                dumps(dict(fields)),
                a_version,
                b_version,
                run_id,
                now,
                now,
                None if candidates is None else dumps(list(candidates)),
                None if suggestion is None else dumps(dict(suggestion)),
                note,
            ),
        )
        fill_conflict_keys(conn, ids=[int(cur.lastrowid)])
        return int(cur.lastrowid)

    def reopen_conflict(
        self,
        conn: Any,
        conflict_id: int,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        *,
        suggestion: Mapping[str, Any] | None,
        note: str | None,
    ) -> None:
        """Fresh values came in: back to open, the earlier choice kept as a suggestion."""
        conn.execute(
            "UPDATE conflicts SET status='open', fields=?, a_version=?, b_version=?, "
            "choices=NULL, suggestion=coalesce(?, suggestion), resolved_at=NULL, "
            "resolved_by=NULL, updated_at=?, note=? WHERE id=?",
            (
                dumps(dict(fields)),
                a_version,
                b_version,
                None if suggestion is None else dumps(dict(suggestion)),
                self.now(),
                note,
                conflict_id,
            ),
        )
        fill_conflict_keys(conn, ids=[conflict_id])

    def follow_own_write(
        self, conn: Any, link_id: int, side: Side, old_version: str, new_version: str
    ) -> None:
        column = "a_version" if side == "a" else "b_version"
        conn.execute(
            f"UPDATE conflicts SET {column}=? WHERE link_id=? AND status='open' AND {column}=?",
            (new_version, link_id, old_version),
        )

    def set_conflict_status(
        self, conn: Any, conflict_id: int, status: str, note: str | None = None
    ) -> None:
        now = self.now()
        conn.execute(
            "UPDATE conflicts SET status=?, updated_at=?, note=coalesce(?, note), "
            "pushed_at = CASE WHEN ?='pushed' THEN ? ELSE pushed_at END WHERE id=?",
            (status, now, note, status, now, conflict_id),
        )

    def resolve_conflict(
        self, conflict_id: int, choices: Mapping[str, Sequence[Any]], *, actor: str
    ) -> None:
        """Save a person's choices; they are pushed on the next run."""
        with self.transaction() as conn:
            status = scalar(self.db, "SELECT status FROM conflicts WHERE id=?", (conflict_id,))
            if status not in ("open", "resolved"):
                raise StoreError(
                    f"Conflict {conflict_id} is {status}; only open or resolved conflicts "
                    "can be resolved."
                )
            self._refuse_while_pushing(conflict_id, "changed")
            now = self.now()
            conn.execute(
                "UPDATE conflicts SET status='resolved', choices=?, resolved_at=?, "
                "resolved_by=?, updated_at=? WHERE id=?",
                (dumps({k: list(v) for k, v in choices.items()}), now, actor, now, conflict_id),
            )

    def resolve_many(
        self,
        profile_id: int,
        choices: Mapping[int, Mapping[str, Sequence[Any]]],
        *,
        actor: str,
    ) -> list[int]:
        """Save choices for many open conflicts in one transaction (conflict id -> choices).

        Only open conflicts of the profile change (a choice already saved is not
        overwritten in bulk); returns their ids.
        """
        with self.transaction() as conn:
            live = sorted(self.live_conflict_ids(profile_id, choices, ("open",)))
            now = self.now()
            conn.executemany(
                "UPDATE conflicts SET status='resolved', choices=?, resolved_at=?, "
                "resolved_by=?, updated_at=? WHERE id=?",
                [
                    (dumps({k: list(v) for k, v in choices[cid].items()}), now, actor, now, cid)
                    for cid in live
                ],
            )
        return live

    def _refuse_while_pushing(self, conflict_id: int, what: str) -> None:
        """A run already turned the choice into writes: they would still be replayed."""
        waiting = scalar(
            self.db,
            "SELECT count(*) FROM outbox WHERE conflict_id=? "
            "AND state IN ('pending','sent','held')",
            (conflict_id,),
        )
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
            if status != "resolved":
                raise StoreError(cannot_reopen(conflict_id, status))
            self._refuse_while_pushing(conflict_id, "reopened")
            conn.execute(
                "UPDATE conflicts SET status='open', suggestion=choices, choices=NULL, "
                "resolved_at=NULL, resolved_by=NULL, updated_at=? WHERE id=?",
                (self.now(), conflict_id),
            )

    def _open_with_field(
        self, profile_id: int, entity: str, field_name: str, exclude: int | None
    ) -> tuple[str, list[Any]]:
        """WHERE clause and parameters: open field conflicts of ``entity`` with the field."""
        where = (
            "profile_id=? AND status='open' AND entity=? AND kind='field' "
            "AND json_type(fields, ?) IS NOT NULL AND id != ?"
        )
        return where, [profile_id, entity, "$." + json.dumps(field_name), exclude or 0]

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
        choice: Sequence[Any],
        *,
        actor: str,
        exclude: int | None = None,
    ) -> dict[int, str]:
        """Save one field's choice in every open conflict of ``entity`` that has it, at once.

        A conflict whose every field is then chosen becomes ``resolved``; the others
        stay open with their choices partly filled (a run ignores an open conflict's
        choices). Returns conflict id -> its status after the change.
        """
        where, params = self._open_with_field(profile_id, entity, field_name, exclude)
        sql = f"SELECT id, fields, choices FROM conflicts WHERE {where} ORDER BY id"
        out: dict[int, str] = {}
        with self.transaction() as conn:
            now = self.now()
            for row in rows(self.db, sql, params):
                choices = loads(row["choices"]) or {}
                choices[field_name] = list(choice)
                done = set(loads(row["fields"])) <= set(choices)
                conn.execute(
                    "UPDATE conflicts SET choices=?, updated_at=?, "
                    "status = CASE WHEN ? THEN 'resolved' ELSE status END, "
                    "resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END, "
                    "resolved_by = CASE WHEN ? THEN ? ELSE resolved_by END WHERE id=?",
                    (dumps(choices), now, done, done, now, done, actor, row["id"]),
                )
                out[int(row["id"])] = "resolved" if done else "open"
        return out

    # -- outbox -----------------------------------------------------------
    @staticmethod
    def _op(row: Mapping[str, Any]) -> Op:
        return _from_row(Op, row, codec=("payload",))

    def add_op(
        self,
        conn: Any,
        profile_id: int,
        run_id: int | None,
        link_id: int,
        entity: str,
        side: Side,
        op: str,
        remote_id: str | None,
        expected_version: str | None,
        payload: Mapping[str, Any],
        idem_key: str,
        *,
        state: str = "pending",
        conflict_id: int | None = None,
    ) -> int:
        now = self.now()
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
        return int(cur.lastrowid)

    def ops(self, profile_id: int, states: Sequence[str]) -> list[Op]:
        marks = ",".join("?" * len(states))
        return [
            self._op(r)
            for r in rows(
                self.db,
                f"SELECT * FROM outbox WHERE profile_id=? AND state IN ({marks}) ORDER BY id",
                (profile_id, *states),
            )
        ]

    def ops_for_conflict(self, conflict_id: int) -> list[Op]:
        return [
            self._op(r)
            for r in rows(
                self.db, "SELECT * FROM outbox WHERE conflict_id=? ORDER BY id", (conflict_id,)
            )
        ]

    def live_ops_for_link(self, link_id: int) -> list[Op]:
        return [
            self._op(r)
            for r in rows(
                self.db,
                "SELECT * FROM outbox WHERE link_id=? AND state IN ('pending','sent','held') "
                "ORDER BY id",
                (link_id,),
            )
        ]

    def set_op_state(
        self,
        op_id: int,
        state: str,
        *,
        error: str | None = None,
        result_version: str | None = None,
        conn: Any = None,
        count_attempt: bool = False,
    ) -> None:
        sql = (
            "UPDATE outbox SET state=?, last_error=?, result_version=coalesce(?, "
            "result_version), attempts = attempts + ?, updated_at=? WHERE id=?"
        )
        params = (state, error, result_version, 1 if count_attempt else 0, self.now(), op_id)
        if conn is not None:
            conn.execute(sql, params)
        else:
            with self.transaction() as c:
                c.execute(sql, params)

    def release_held(self, profile_id: int) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state='pending', updated_at=? WHERE profile_id=? "
                "AND state='held'",
                (self.now(), profile_id),
            )
            return cur.rowcount

    def count_waiting_ops(self, profile_id: int, *, reason: str = "waiting for") -> int:
        """Pending ops that wait (for a record to exist, or for ``reason`` more narrowly)."""
        return int(
            scalar(
                self.db,
                "SELECT count(*) FROM outbox WHERE profile_id=? AND "
                "state='pending' AND last_error LIKE ? || '%'",
                (profile_id, reason),
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

    # -- audit ------------------------------------------------------------
    def _audit(
        self,
        conn: Any,
        profile_id: int,
        run_id: int | None,
        entity: str,
        link_id: int | None,
        field_name: str,
        side: str,
        old: Any,
        new: Any,
        by: str,
        actor: str,
    ) -> None:
        conn.execute(
            "INSERT INTO audit (profile_id, run_id, ts, entity, link_id, field, side, old, new, "
            "by, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                profile_id,
                run_id,
                self.now(),
                entity,
                link_id,
                field_name,
                side,
                dumps(old),
                dumps(new),
                by,
                actor,
            ),
        )

    def add_audit(
        self,
        conn: Any,
        profile_id: int,
        run_id: int | None,
        entity: str,
        link_id: int | None,
        entries: Iterable[Mapping[str, Any]],
        actor: str,
    ) -> None:
        for e in entries:
            self._audit(
                conn,
                profile_id,
                run_id,
                entity,
                link_id,
                e["field"],
                e["side"],
                e.get("old"),
                e.get("new"),
                e["by"],
                actor,
            )

    def audit(
        self, profile_id: int, *, link_id: int | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM audit WHERE profile_id=?"
        params: list[Any] = [profile_id]
        if link_id is not None:
            sql += " AND link_id=?"
            params.append(link_id)
        sql += f" ORDER BY id DESC LIMIT {int(limit)}"
        out = rows(self.db, sql, params)
        for r in out:
            r["old"], r["new"] = loads(r["old"]), loads(r["new"])
        return out

    def audit_entry(self, profile_id: int, audit_id: int) -> dict[str, Any] | None:
        row = one(
            self.db, "SELECT * FROM audit WHERE id=? AND profile_id=?", (audit_id, profile_id)
        )
        if row is not None:
            row["old"], row["new"] = loads(row["old"]), loads(row["new"])
        return row

    def rule_decisions(
        self, profile_id: int, *, before_id: int | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """A keyset page of the values rules overwrote (audit ``by`` "rule:<id>"), newest first.

        Pass the last id seen as ``before_id`` for the next page. Each row also
        holds ``override_id`` (the first override of that record's field after
        it) and ``next_id`` (the next rule decision on that field, if any): the
        override belongs to this decision when it comes before ``next_id``.
        """
        where = "d.id < ?" if before_id is not None else "1"
        params = (before_id,) if before_id is not None else ()
        return self._rule_decisions(profile_id, where, params, limit)

    def rule_decision(self, profile_id: int, audit_id: int) -> dict[str, Any] | None:
        """One row of :meth:`rule_decisions`, or None if it is no rule decision."""
        found = self._rule_decisions(profile_id, "d.id = ?", (audit_id,), 1)
        return found[0] if found else None

    def _rule_decisions(
        self, profile_id: int, where: str, params: Sequence[Any], limit: int
    ) -> list[dict[str, Any]]:
        # A range on ``by`` (not LIKE, which ignores case and so no index) is what
        # the (profile_id, by, id) index serves; the page (a LIMIT subquery, which
        # SQLite does not flatten) is cut before the per-row look-ups, so they
        # run for its rows only.
        sql = (
            "WITH page AS (SELECT * FROM audit d WHERE d.profile_id = ? "
            f"AND d.by >= 'rule:' AND d.by < 'rule;' AND {where} ORDER BY d.id DESC LIMIT ?) "
            "SELECT d.*, "
            "(SELECT o.id FROM audit o WHERE o.profile_id = d.profile_id AND o.by = ? "
            "AND o.link_id = d.link_id AND o.field = d.field AND o.id > d.id "
            "ORDER BY o.id LIMIT 1) AS override_id, "
            "(SELECT n.id FROM audit n WHERE n.link_id = d.link_id AND n.field = d.field "
            "AND n.id > d.id AND n.by >= 'rule:' AND n.by < 'rule;' "
            "ORDER BY n.id LIMIT 1) AS next_id "
            "FROM page d ORDER BY d.id DESC"
        )
        out = rows(self.db, sql, (profile_id, *params, int(limit), OVERRIDE))
        for r in out:
            r["old"], r["new"] = loads(r["old"]), loads(r["new"])
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
        with self.transaction() as conn:
            if conflict_id is None:
                conflict_id = self.open_conflict(
                    conn,
                    profile_id,
                    link_id,
                    decision["entity"],
                    "field",
                    {name: dict(entry)},
                    a_version,
                    b_version,
                    None,
                    note=note,
                )
            else:
                row = one(
                    self.db,
                    "SELECT fields FROM conflicts WHERE id=? AND status='open' AND kind='field'",
                    (conflict_id,),
                )
                if row is None:
                    raise StoreError(
                        f"Conflict {conflict_id} is no longer open; reload and try again."
                    )
                fields = {**loads(row["fields"]), name: dict(entry)}
                conn.execute(
                    "UPDATE conflicts SET fields=?, updated_at=? WHERE id=?",
                    (dumps(fields), self.now(), conflict_id),
                )
                fill_conflict_keys(conn, ids=[conflict_id])  # the queue's "fields" column
            self._audit(
                conn,
                profile_id,
                None,
                decision["entity"],
                decision["link_id"],  # the decision's own, so the override finds it
                name,
                decision["side"],
                decision["new"],
                decision["old"],
                OVERRIDE,
                actor,
            )
        return conflict_id

    # -- cursors ----------------------------------------------------------
    def cursor(self, profile_id: int, side: Side, entity: str) -> str | None:
        return scalar(
            self.db,
            "SELECT value FROM cursors WHERE profile_id=? AND side=? AND entity=?",
            (profile_id, side, entity),
        )

    def cursors(self, profile_id: int) -> list[dict[str, Any]]:
        return rows(
            self.db,
            "SELECT side, entity, value, moved_at, pulled FROM cursors "
            "WHERE profile_id=? ORDER BY side, entity",
            (profile_id,),
        )

    def reset_cursors(self, profile_id: int, entity: str | None = None) -> int:
        with self.transaction() as conn:
            if entity:
                cur = conn.execute(
                    "DELETE FROM cursors WHERE profile_id=? AND entity=?", (profile_id, entity)
                )
            else:
                cur = conn.execute("DELETE FROM cursors WHERE profile_id=?", (profile_id,))
            return cur.rowcount

    # -- runs, events, locks ----------------------------------------------
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
            return int(cur.lastrowid)

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
        return int(cur.lastrowid)

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

    def iter_table(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of a table (tests and doctor use this to inspect state)."""
        cursor = self.db.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    # -- verification (`recontui verify`) ---------------------------------
    def link_keys(
        self, profile_id: int, entity: str, side: Side, remote_ids: Sequence[str]
    ) -> dict[str, tuple[int, str, str | None, bool]]:
        """remote id -> (link id, state, this side's stored version, deleted on the other
        side) for the records of ``side`` that a link knows (batched lookups)."""
        p = "a" if side == "a" else "b"
        o = "b" if side == "a" else "a"
        out: dict[str, tuple[int, str, str | None, bool]] = {}
        ids = list(dict.fromkeys(remote_ids))
        for at in range(0, len(ids), 500):
            chunk = ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            for rid, lid, state, version, gone in self.db.conn.execute(
                f"SELECT {p}_id, id, state, {p}_version, {o}_deleted FROM links "
                f"WHERE profile_id=? AND entity=? AND {p}_id IN ({marks})",
                (profile_id, entity, *chunk),
            ):
                out[rid] = (int(lid), state, version, bool(gone))
        return out

    #: Verification results kept per profile (the console shows the latest).
    VERIFICATIONS_KEPT = 100

    def save_verification(
        self,
        profile_id: int,
        *,
        started_at: dt.datetime,
        agree: bool,
        pairs: int,
        disagreements: int,
        excluded: int,
        summary: Mapping[str, Any],
        entity: str | None = None,
        run_id: int | None = None,
    ) -> int:
        """Record one `recontui verify` result (older ones beyond the last 100 go)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO verifications (profile_id, run_id, entity, started_at, "
                "finished_at, agree, pairs, disagreements, excluded, summary) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    profile_id,
                    run_id,
                    entity,
                    started_at.astimezone(dt.UTC).isoformat(),
                    self.now(),
                    1 if agree else 0,
                    pairs,
                    disagreements,
                    excluded,
                    json.dumps(dict(summary)),
                ),
            )
            conn.execute(
                "DELETE FROM verifications WHERE profile_id=? AND id NOT IN (SELECT id FROM "
                "verifications WHERE profile_id=? ORDER BY id DESC LIMIT ?)",
                (profile_id, profile_id, self.VERIFICATIONS_KEPT),
            )
            return int(cur.lastrowid)

    def last_verification(self, profile_id: int) -> dict[str, Any] | None:
        """The latest `recontui verify` result of the profile (``agree`` as a bool)."""
        row = one(
            self.db,
            "SELECT * FROM verifications WHERE profile_id=? ORDER BY id DESC LIMIT 1",
            (profile_id,),
        )
        if row is not None:
            row["agree"] = bool(row["agree"])
            row["summary"] = json.loads(row["summary"])
        return row


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_store(path: Path | str, *, clock: Clock = utcnow, migrate_schema: bool = True) -> Store:
    """Open the database and bring its schema up to date.

    A file up to ``QUICK_CHECK_MAX_BYTES`` is checked for damaged pages first; a bigger
    one when a run starts (:meth:`Store.check`).
    """
    db = connect(path)
    checked = quick_check_due(path)
    try:
        if checked:
            quick_check(db, path)
        if migrate_schema:
            migrate(db)
    except StoreError:
        db.conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        db.conn.close()
        raise StoreError(describe_sqlite_error(exc, path)) from exc
    store = Store(db, path, clock)
    store.checked = checked
    return store
