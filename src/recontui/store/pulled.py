"""What a pull brings in: each side's records on their links, the bases both sides
agreed on, and the cursors where the next pull starts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import RemoteRecord, Side
from ..model.codec import dumps, loads
from ..model.states import LinkState
from .base import StoreBase
from .database import inserted_id, rows, scalar
from .rows import PullCounts, iso

#: The states of a link that holds both sides' records once our own write created one.
_BECOME_PAIRED = (LinkState.UNPAIRED, LinkState.MATCHING, LinkState.SINGLE)
UNPAIRED = LinkState.UNPAIRED


class PulledRepo(StoreBase):
    """Pulled pages (one transaction each, with the cursor), read-backs, bases, cursors."""

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
                    iso(rec.updated_at),
                    1 if rec.deleted else 0,
                )
                if row is None:
                    cur = conn.execute(
                        f"INSERT INTO links (profile_id, entity, state, {p}_id, {p}_version, "
                        f"{p}_fields, {p}_updated_at, {p}_deleted, dirty, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (profile_id, entity, UNPAIRED, rec.remote_id, *values, bit, now, now),
                    )
                    counts.new += 1
                    counts.link_ids.append(inserted_id(cur))
                else:
                    conn.execute(
                        f"UPDATE links SET {p}_version=?, {p}_fields=?, {p}_updated_at=?, "
                        f"{p}_deleted=?, dirty = dirty | ?, updated_at=? WHERE id=?",
                        (*values, bit, now, row[0]),
                    )
                    counts.changed += 1
                    counts.link_ids.append(int(row[0]))
            if cursor is not None:
                pulled = counts.new + counts.changed + counts.unchanged
                self._move_cursor(profile_id, side, entity, cursor, pulled)
        return counts

    def _move_cursor(
        self, profile_id: int, side: Side, entity: str, cursor: str, pulled: int
    ) -> None:
        """Where the next pull of ``side``'s ``entity`` starts; ``pulled`` records more read."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO cursors (profile_id, side, entity, value, moved_at, pulled) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(profile_id, side, entity) DO UPDATE SET "
                "value=excluded.value, moved_at=excluded.moved_at, "
                "pulled=cursors.pulled + excluded.pulled",
                (profile_id, side, entity, cursor, self.now(), pulled),
            )

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
                "updated_at=? WHERE id=?",
                (
                    rec.remote_id,
                    rec.version,
                    dumps(rec.fields),
                    iso(rec.updated_at),
                    1 if rec.deleted else 0,
                    1 if clear_dirty else 0,
                    bit,
                    self.now(),
                    link_id,
                ),
            )
            conn.execute(
                "UPDATE links SET state=? WHERE id=? AND a_id IS NOT NULL "
                "AND b_id IS NOT NULL AND state IN (?,?,?)",
                (LinkState.PAIRED, link_id, *_BECOME_PAIRED),
            )

    def base(self, link_id: int) -> dict[str, Any] | None:
        text = scalar(self.db, "SELECT fields FROM bases WHERE link_id = ?", (link_id,))
        return None if text is None else loads(text)

    def set_base(
        self,
        link_id: int,
        fields: Mapping[str, Any],
        a_version: str | None,
        b_version: str | None,
        run_id: int | None,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO bases (link_id, fields, a_version, b_version, agreed_at, run_id) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(link_id) DO UPDATE SET "
                "fields=excluded.fields, a_version=excluded.a_version, "
                "b_version=excluded.b_version, agreed_at=excluded.agreed_at, "
                "run_id=excluded.run_id",
                (link_id, dumps(dict(fields)), a_version, b_version, self.now(), run_id),
            )

    def cursor(self, profile_id: int, side: Side, entity: str) -> str | None:
        value = scalar(
            self.db,
            "SELECT value FROM cursors WHERE profile_id=? AND side=? AND entity=?",
            (profile_id, side, entity),
        )
        return None if value is None else str(value)

    def cursors(self, profile_id: int) -> list[dict[str, Any]]:
        return rows(
            self.db,
            "SELECT side, entity, value, moved_at, pulled FROM cursors "
            "WHERE profile_id=? ORDER BY side, entity",
            (profile_id,),
        )

    def _forget_cursors(self, profile_id: int) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM cursors WHERE profile_id=?", (profile_id,)).rowcount

    def reset_cursors(self, profile_id: int, entity: str | None = None) -> int:
        with self.transaction() as conn:
            if entity:
                cur = conn.execute(
                    "DELETE FROM cursors WHERE profile_id=? AND entity=?", (profile_id, entity)
                )
            else:
                cur = conn.execute("DELETE FROM cursors WHERE profile_id=?", (profile_id,))
            return cur.rowcount
