"""The audit table: every overwritten value, by whom or which rule, and the overrides."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ..model.codec import dumps, loads
from ..model.states import LIVE_OP_STATES, EntryKind
from .base import StoreBase
from .database import one, rows

#: SQL marks for :data:`LIVE_OP_STATES`.
_LIVE = ",".join("?" * len(LIVE_OP_STATES))


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

    def audit_entries(
        self,
        profile_id: int,
        *,
        run_id: int | None = None,
        field: str | None = None,
        entity: str | None = None,
        link_ids: Collection[int] | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """A keyset page of the profile's audit entries, newest first (`recontui audit`),
        narrowed by run, field name, entity and records (``link_ids``: entries of those
        links only; empty: none). Pass the last id seen as ``before_id`` for the next page.

        A run's entries are read through the ``audit_run`` index and records' through
        ``audit_link``: neither scans the audit table. Otherwise the table is read
        backwards in id order and the read stops once the page is full (``+profile_id``
        keeps SQLite from sorting all of the profile's entries through ``audit_by``)."""
        if link_ids is not None and not link_ids:
            return []
        sql = "SELECT * FROM audit WHERE +profile_id = ?"
        params: list[Any] = [profile_id]
        for column, value in (("run_id", run_id), ("field", field), ("entity", entity)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if link_ids is not None:
            sql += " AND link_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(set(link_ids))))
        if before_id is not None:
            sql += " AND id < ?"
            params.append(before_id)
        out = rows(self.db, sql + " ORDER BY id DESC LIMIT ?", (*params, int(limit)))
        for r in out:
            r["old"], r["new"] = loads(r["old"]), loads(r["new"])
        return out

    def rule_decisions(
        self, profile_id: int, *, before_id: int | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """A keyset page of the values rules decided (audit ``by`` "rule:<id>"), newest first.

        A rule's decision is audited when the run makes it, before its write lands. Pass
        the last id seen as ``before_id`` for the next page. Each row also holds
        ``override_id`` (the first override of that record's field after it),
        ``next_id`` (the next rule decision on that field, if any: the override
        belongs to this decision when it comes before ``next_id``) and ``waiting``:
        while the write that carries the decision is still in the outbox (pending,
        sent or held), why it waits (its last error, "" for none), else None.
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
            "ORDER BY n.id LIMIT 1) AS next_id, "
            # The run's live write to that side carrying the field (outbox_state index).
            "(SELECT coalesce(w.last_error, '') FROM outbox w WHERE w.profile_id = "
            f"d.profile_id AND w.state IN ({_LIVE}) AND w.link_id = d.link_id "
            "AND w.side = d.side AND w.run_id = d.run_id "
            "AND json_type(w.payload, '$.changes.' || json_quote(d.field)) IS NOT NULL "
            "ORDER BY w.id DESC LIMIT 1) AS waiting "
            "FROM page d ORDER BY d.id DESC"
        )
        args = (profile_id, *params, int(limit), EntryKind.OVERRIDE, *LIVE_OP_STATES)
        out = rows(self.db, sql, args)
        for r in out:
            r["old"], r["new"] = loads(r["old"]), loads(r["new"])
        return out
