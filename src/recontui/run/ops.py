"""Outbox ops: planning one write, and what a write refers to or was made from (shared by the
phases that write).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..engine.amounts import Gap
from ..engine.window import in_window
from ..model import (
    ENTITIES,
    EntitySpec,
    Ref,
    RemoteRecord,
    Side,
    other,
)
from ..model.states import OpKind
from ..store import Link, Op
from .context import RunContext

#: How far a remote system's clock may be behind ours when a record's creation time is
#: compared with when a create was planned. Every record recontui has pulled is already
#: ruled out by its link, so this only guards against a namesake someone made between the
#: pull and a lost create; it is wide so that a server clock hours off never makes the
#: look-up pass over our own record (which would then be created a second time).
CLOCK_MARGIN = dt.timedelta(hours=24)


#: How an op that waits for a person's decision on the record it refers to says so.
WAITING_ON_DECISION = "waiting for your decision"


def _parse_iso(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _refs_in(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _refs_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs_in(v)]
    return []


class Ops(RunContext):
    """Outbox ops."""

    def plan_op(
        self,
        link: Link | int,
        entity: str,
        side: Side,
        op: OpKind,
        changes: Mapping[str, Any],
        audit: list[dict[str, Any]],
        *,
        conflict_id: int | None = None,
    ) -> None:
        """Queue one write in the outbox, with a fresh idempotency key.

        The read-back after the push expects exactly ``changes``.
        """
        record = link if isinstance(link, Link) else None
        self.store.add_op(
            self.pid,
            self.run_id,
            link.id if isinstance(link, Link) else link,
            entity,
            side,
            op,
            record.remote_id(side) if record and op != "create" else None,
            record.version(side) if record and op != "create" else None,
            {"changes": dict(changes), "expect": dict(changes), "audit": audit},
            uuid.uuid4().hex,
            conflict_id=conflict_id,
        )

    def undecided_refs(self, fields: Mapping[str, Any]) -> list[Ref]:
        """References to records whose counterpart is not settled yet.

        A record pointing at a customer still waiting for a person's match
        decision must not be created on the other side: once the customer is
        matched, the two records may turn out to be the same one.
        """
        out = []
        for ref in _refs_in(fields):
            link = self.store.link(self.store.canonical_link_id(ref.link))
            if link is None or link.paired or link.state in ("single", "ignored"):
                continue
            if any(op.op == "create" for op in self.store.live_ops_for_link(link.id)):
                continue
            if link.state == "unpaired" and link.dirty:
                continue  # about to be created (or matched) in this very run
            out.append(ref)
        return out

    def not_carried(
        self, spec: EntitySpec, link: Link, side: Side, held: Gap, *, create: bool
    ) -> None:
        """Say that a record's lines, which do not carry its total, are not copied from
        ``side``; the link is looked at again on every run until they do."""
        target = other(side)
        src, dst = self.labels[side], self.labels[target]
        name = self.record_name(spec.name, link.fields(side), link.remote_id(side))
        why = f"{held.words()} (a discount, tax, shipping or bundle line recontui does not carry)"
        if create:
            key = " and ".join(spec.keys[0]) if spec.keys else "its fields"
            text = (
                f"{spec.label} {name!r} in {src} is not copied to {dst}: {why}. Enter it in "
                f"{dst} by hand (recontui links the two by {key}), or change it in {src} so "
                "its lines carry the whole amount."
            )
        else:
            there = (link.fields(target) or {}).get("total")
            where = f", where its total is {there:,.2f}" if isinstance(there, Decimal) else ""
            text = (
                f"The lines of {spec.label.lower()} {name!r} in {src} do not carry its total: "
                f"{why}. They are not copied to {dst}{where}. Change its lines in one system "
                "so both carry the same amount; the rest of the record is synced as usual."
            )
        self.counts["not_carried"] += 1
        self.store.mark_dirty(link.id, side)
        self.emit("error", "merge" if not create else "match", text, entity=spec.name, record=name)

    def never_there(self, ref: Ref, label: str) -> str | None:
        """Why a referenced record will never exist on the target side by itself (a
        person chose never to sync it; it is dated before the initial window and only one
        side has it), or None while it may still come (a decision or a create pending)."""
        parent = self.store.link(self.store.canonical_link_id(ref.link))
        if parent is None:
            return None
        words = self.ref_words(ref)
        if parent.state == "ignored":
            return f"it refers to {words}, which was chosen never to be synced."
        spec = ENTITIES.get(ref.entity)
        held: Side = "a" if parent.a_fields else "b"
        date = (parent.fields(held) or {}).get("date")
        if (
            self.first_date is not None
            and spec is not None
            and spec.kind == "transaction"
            and isinstance(date, dt.date)
            and not in_window(date, self.first_date)
        ):
            return (
                f"it refers to {words}, dated {date.isoformat()}, before the initial window "
                f"({self.first_date.isoformat()}), which {label} does not have. Enter it in "
                f"{label} by hand (recontui links the two), or widen the initial window in "
                "the preferences."
            )
        return None

    def not_made_by(self, op: Op, link: Link) -> Callable[[RemoteRecord], bool]:
        """What rules a found record out as the result of ``op``, a create whose answer
        was lost: another link holds it, or the system made it before the op was planned
        (less a margin for the two clocks)."""
        planned = _parse_iso(op.created_at)
        since = None if planned is None else planned - CLOCK_MARGIN

        def skip(rec: RemoteRecord) -> bool:
            holder = self.holder(op.entity, op.side, rec.remote_id)
            if holder is not None and holder != link.id:
                return True
            return since is not None and rec.created_at is not None and rec.created_at < since

        return skip

    def holder(self, entity: str, side: Side, remote_id: str) -> int | None:
        """The live link that holds one side's record, if any."""
        found = self.store.link_for_remote(self.pid, entity, side, remote_id)
        return None if found is None else self.store.canonical_link_id(found)
