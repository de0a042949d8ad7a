"""The conflict queue: pages of live conflicts in any sort order, and their counts."""

from __future__ import annotations

from typing import Any

from .base import StoreBase
from .database import rows, scalar
from .migrations import LIVE
from .rows import Conflict, conflict_of

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

#: The live conflicts' condition as literal SQL, the very text of the queue's partial
#: indexes: SQLite uses a partial index only for a query that states its condition.
_LIVE_SQL = LIVE.removeprefix("WHERE ")


class QueueRepo(StoreBase):
    """The queue's reads: keyset pages over the partial indexes, counts in SQL."""

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
        return [(r.pop("sort_key"), conflict_of(r)) for r in found]

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
            f"AND {_LIVE_SQL}"
        )
        live = (profile_id,)
        found: list[dict[str, Any]] = []
        if after is None:
            found = rows(self.db, f"{base} ORDER BY {expr} {way}, id {way} LIMIT ?", (*live, limit))
        else:
            key, last_id = after
            found = rows(
                self.db,
                f"{base} AND {expr} = ? AND id {beyond} ? ORDER BY id {way} LIMIT ?",
                (*live, key, last_id, limit),
            )
            if len(found) < limit:
                found += rows(
                    self.db,
                    f"{base} AND {expr} {beyond} ? ORDER BY {expr} {way}, id {way} LIMIT ?",
                    (*live, key, limit - len(found)),
                )
        return found

    def count_live_conflicts(self, profile_id: int) -> int:
        """Open and resolved conflicts (the queue's length), counted in SQL."""
        return int(
            scalar(
                self.db,
                f"SELECT count(*) FROM conflicts WHERE profile_id=? AND {_LIVE_SQL}",
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
