"""The links table: one row per known record, its identity across the two sides."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Side
from ..model.states import ConflictKind, LinkState
from .base import StoreBase
from .database import StoreError, inserted_id, one, rows, scalar
from .migrations import LIVE
from .rows import Link, link_of


class LinksRepo(StoreBase):
    """Links: looked up, listed for a phase of a run, marked dirty, their state set."""

    def link(self, link_id: int) -> Link | None:
        row = one(self.db, "SELECT * FROM links WHERE id = ?", (link_id,))
        return None if row is None else link_of(row)

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
        """The entity's links in id order; ``where`` narrows them (an SQL condition on the
        links table with ``params``: for tests and inspection; the runner asks by name,
        e.g. :meth:`links_to_merge`)."""
        return [
            link_of(r)
            for r in rows(
                self.db,
                f"SELECT * FROM links WHERE profile_id = ? AND entity = ? AND {where} ORDER BY id",
                (profile_id, entity, *params),
            )
        ]

    def links_to_merge(self, profile_id: int, entity: str) -> list[Link]:
        """Paired links that changed since they were last merged, or whose record has a
        live (open or resolved) field or delete conflict."""
        return self.links(
            profile_id,
            entity,
            # The live conflicts' condition as literal SQL (``LIVE``), which lets SQLite
            # read them from a partial index instead of scanning every conflict ever opened.
            where="state=? AND (dirty != 0 OR id IN (SELECT link_id FROM conflicts "
            f"{LIVE} AND kind != ?))",
            params=(LinkState.PAIRED, ConflictKind.MATCH),
        )

    def singles_to_create(self, profile_id: int, entity: str) -> list[Link]:
        """Links a person kept apart ("create it") not created on side b yet, changed."""
        return self.links(
            profile_id,
            entity,
            where="state=? AND b_id IS NULL AND dirty != 0",
            params=(LinkState.SINGLE,),
        )

    def unpaired_links(self, profile_id: int, entity: str, side: Side) -> list[Link]:
        """Unpaired links holding a pulled record of ``side`` only."""
        p, o = ("a", "b") if side == "a" else ("b", "a")
        return self.links(
            profile_id,
            entity,
            where=f"state=? AND {p}_id IS NOT NULL AND {o}_id IS NULL AND {p}_fields IS NOT NULL",
            params=(LinkState.UNPAIRED,),
        )

    def updated_at(self, link_id: int, side: Side) -> str | None:
        """When the link's record last changed on ``side`` (ISO UTC), if known."""
        column = "a_updated_at" if side == "a" else "b_updated_at"
        value = scalar(self.db, f"SELECT {column} FROM links WHERE id = ?", (link_id,))
        return None if value is None else str(value)

    def first_seen(self, link_id: int) -> str | None:
        """When a pull first stored the link (ISO UTC, this machine's clock)."""
        value = scalar(self.db, "SELECT created_at FROM links WHERE id = ?", (link_id,))
        return None if value is None else str(value)

    def link_ids_in_state(self, profile_id: int, state: LinkState) -> set[int]:
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

    def count_profile_links(self, profile_id: int) -> int:
        """Every link of the profile, whatever its state (what `profile remove` deletes)."""
        return int(scalar(self.db, "SELECT count(*) FROM links WHERE profile_id=?", (profile_id,)))

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
            "entity=? AND state=? AND merged_into IS NULL AND a_deleted=0 "
            "AND b_deleted=0) WHERE 1"
        )
        params: list[Any] = [path, path, profile_id, entity, LinkState.PAIRED]
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
                (profile_id, entity, LinkState.UNPAIRED, remote_id, now, now),
            )
            return inserted_id(cur)

    def mark_dirty(self, link_id: int, side: Side) -> None:
        """Look at the link again on the next run."""
        with self._write() as conn:
            conn.execute(
                "UPDATE links SET dirty = dirty | ? WHERE id = ?",
                (1 if side == "a" else 2, link_id),
            )

    def mark_entity_dirty(self, profile_id: int, entity: str) -> int:
        """Look at every paired or one-sided record of ``entity`` again on the next run (a
        setting that changes what its merge writes, or where it may be created: a record a
        direction kept on its side is created once the direction allows it); the number
        marked."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE links SET dirty = dirty | 3 WHERE profile_id = ? AND entity = ? "
                "AND state IN (?, ?, ?)",
                (profile_id, entity, LinkState.PAIRED, LinkState.UNPAIRED, LinkState.SINGLE),
            )
            return int(cur.rowcount)

    def clear_dirty(self, link_id: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE links SET dirty = 0 WHERE id = ?", (link_id,))

    def set_link_state(self, link_id: int, state: LinkState) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE links SET state=?, updated_at=? WHERE id=?", (state, self.now(), link_id)
            )

    def _absorb(self, a_link: int, b_link: int) -> None:
        """Move the b side of ``b_link`` onto ``a_link``; ``b_link`` stays as an alias
        (``merged_into``). Part of :meth:`Store.pair_links`, which also moves the link's
        conflicts and ops."""
        b_row = one(self.db, "SELECT * FROM links WHERE id = ?", (b_link,))
        if b_row is None:
            raise StoreError(f"link {b_link} vanished during matching")
        with self.transaction() as conn:
            self._absorb_row(conn, a_link, b_link, b_row)

    def _absorb_row(
        self, conn: sqlite3.Connection, a_link: int, b_link: int, b_row: Mapping[str, Any]
    ) -> None:
        conn.execute(
            "UPDATE links SET b_id=NULL, state=?, merged_into=?, dirty=0, updated_at=? WHERE id=?",
            (LinkState.MERGED, a_link, self.now(), b_link),
        )
        conn.execute(
            "UPDATE links SET b_id=?, b_version=?, b_fields=?, b_updated_at=?, b_deleted=?, "
            "state=?, dirty = dirty | 3, updated_at=? WHERE id=?",
            (
                b_row["b_id"],
                b_row["b_version"],
                b_row["b_fields"],
                b_row["b_updated_at"],
                b_row["b_deleted"],
                LinkState.PAIRED,
                self.now(),
                a_link,
            ),
        )

    def _absorb_rows(
        self,
        conn: sqlite3.Connection,
        pairs: Sequence[tuple[int, int, Sequence[Any]]],
    ) -> None:
        """:meth:`_absorb_row` for many pairs: (a link, b link, the b link's ``b_id,
        b_version, b_fields, b_updated_at, b_deleted``)."""
        now = self.now()
        conn.executemany(
            "UPDATE links SET b_id=NULL, state=?, merged_into=?, dirty=0, updated_at=? WHERE id=?",
            [(LinkState.MERGED, a, now, b) for a, b, _row in pairs],
        )
        conn.executemany(
            "UPDATE links SET b_id=?, b_version=?, b_fields=?, b_updated_at=?, b_deleted=?, "
            "state=?, dirty = dirty | 3, updated_at=? WHERE id=?",
            [(*row, LinkState.PAIRED, now, a) for a, _b, row in pairs],
        )

    def _forget_links(self, profile_id: int) -> int:
        """Delete the profile's links (their bases go with them: ON DELETE CASCADE)."""
        with self._write() as conn:
            return conn.execute("DELETE FROM links WHERE profile_id=?", (profile_id,)).rowcount

    def count_links(self, profile_id: int, side: Side, entity: str | None = None) -> int:
        column = "a_id" if side == "a" else "b_id"
        sql = f"SELECT count(*) FROM links WHERE profile_id=? AND {column} IS NOT NULL"
        params: list[Any] = [profile_id]
        if entity:
            sql += " AND entity = ?"
            params.append(entity)
        return int(scalar(self.db, sql, params))

    def side_records(self, profile_id: int, entity: str, side: Side) -> list[Link]:
        """The links of the ``entity`` records ``side`` holds as last pulled, in id order:
        a record known only by a reference to it (not pulled yet) or deleted there is
        left out (the setup's Default accounts step lists QuickBooks' chart this way)."""
        p = "a" if side == "a" else "b"
        return [
            link_of(r)
            for r in rows(
                self.db,
                f"SELECT * FROM links WHERE profile_id=? AND entity=? AND {p}_id IS NOT NULL "
                f"AND {p}_fields IS NOT NULL AND {p}_deleted=0 ORDER BY id",
                (profile_id, entity),
            )
        ]

    def link_keys(
        self, profile_id: int, entity: str, side: Side, remote_ids: Sequence[str]
    ) -> dict[str, tuple[int, LinkState, str | None, bool]]:
        """remote id -> (link id, state, this side's stored version, deleted on the other
        side) for the records of ``side`` that a link knows (batched lookups)."""
        p = "a" if side == "a" else "b"
        o = "b" if side == "a" else "a"
        out: dict[str, tuple[int, LinkState, str | None, bool]] = {}
        ids = list(dict.fromkeys(remote_ids))
        for at in range(0, len(ids), 500):
            chunk = ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            for rid, lid, state, version, gone in self.db.conn.execute(
                f"SELECT {p}_id, id, state, {p}_version, {o}_deleted FROM links "
                f"WHERE profile_id=? AND entity=? AND {p}_id IN ({marks})",
                (profile_id, entity, *chunk),
            ):
                out[rid] = (int(lid), LinkState(state), version, bool(gone))
        return out
