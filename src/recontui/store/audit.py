"""The audit table: every overwritten value, by whom or which rule, and the overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model.codec import dumps, loads
from ..model.states import EntryKind
from .base import StoreBase
from .database import one, rows


class AuditRepo(StoreBase):
    """The audit trail: written with the change it explains, read newest first."""

    def _audit(
        self,
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
        with self._write() as conn:
            conn.execute(
                "INSERT INTO audit (profile_id, run_id, ts, entity, link_id, field, side, old, "
                "new, by, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
        profile_id: int,
        run_id: int | None,
        entity: str,
        link_id: int | None,
        entries: Iterable[Mapping[str, Any]],
        actor: str,
    ) -> None:
        with self.transaction():
            for e in entries:
                self._audit(
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
        out = rows(self.db, sql, (profile_id, *params, int(limit), EntryKind.OVERRIDE))
        for r in out:
            r["old"], r["new"] = loads(r["old"]), loads(r["new"])
        return out
