"""Sales tax on the invoices a run copies to the accounting system (engine/taxes.py).

A write of an invoice to the system that maps a tax code (QuickBooks Online), from the one
that maps its sales tax (BILL), takes the tax code the profile's tax map gives that sales
tax, with every line marked taxable or not. While the sales tax is unmapped the write is
held, whole, with one sentence naming the invoice, the sales tax and the next step; every
later run says it again, and once the sales tax is mapped the held write is planned afresh
(:meth:`Taxes.replan_taxed`) and sent by that same run. A write of an invoice whose
billing record charges no sales tax marks every line it writes not taxable
(:meth:`Taxes.tax_marked`), so the accounting system adds no tax of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.taxes import TaxNeed, charges_none, tax_need, with_tax_code, without_tax
from ..model import ENTITIES, RemoteRef, Side, other
from ..model.states import OpKind, OpState
from ..store import Link, Op
from .context import RunContext

#: Where a person maps a sales tax.
TAX_STEP = "`recontui setup`, step Tax mapping"
#: How a write dropped to be planned again with its tax code says so.
REPLANNED_TAX = "replanned: its sales tax is mapped now"


def held_for_tax(op: Op) -> bool:
    """Whether ``op`` is held for an unmapped sales tax (its words name the setup step)."""
    return op.state == OpState.HELD and TAX_STEP in (op.last_error or "")


class Taxes(RunContext):
    """The tax map applied to the writes a run plans and sends."""

    def takes_tax_code(self, entity: str, side: Side) -> bool:
        """A write of ``entity`` to ``side`` takes its tax code from the tax map: that
        system maps a tax code and the other one the sales tax it comes from."""
        return (
            ENTITIES[entity].has_field("tax_code")
            and "tax_code" in self.conns[side].fields(entity)
            and "sales_tax" in self.conns[other(side)].fields(entity)
        )

    def tax_need_for(self, link: Link | None, entity: str, side: Side) -> TaxNeed | None:
        """What a write of ``link``'s record to ``side`` needs for its sales tax, or None
        when it takes no tax code (or its record charges no sales tax)."""
        if link is None or not self.takes_tax_code(entity, side):
            return None
        need = tax_need(link.fields(other(side)), self.tax_map)
        return need if need.sales_tax is not None else None

    def tax_carried(self, link: Link, entity: str) -> bool:
        """Whether the invoice's lines carry its sales tax when copied (engine/amounts.gap):
        its billing record charges a sales tax, which the accounting copy takes from the tax
        map (held while unmapped) and the billing record keeps (its system computes it)."""
        for side in ("a", "b"):
            if self.takes_tax_code(entity, side):
                need = tax_need(link.fields(other(side)), self.tax_map)
                return need.sales_tax is not None
        return False

    def with_tax(self, need: TaxNeed, side: Side, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` with the mapped tax code (a reference) and the lines' tax marks."""
        assert need.tax_code is not None
        return with_tax_code(changes, self.canon(RemoteRef("tax_code", need.tax_code), side))

    def tax_marked(
        self,
        need: TaxNeed | None,
        link: Link | None,
        entity: str,
        side: Side,
        op: OpKind,
        changes: Mapping[str, Any],
    ) -> dict[str, Any]:
        """What a write sends for its sales tax: the mapped code and the lines' marks when
        its billing record charges a (mapped) sales tax; every line not taxable when it
        charges none (engine/taxes.charges_none); else ``changes`` as they are."""
        if need is not None:
            return self.with_tax(need, side, changes)
        if (
            link is None
            or op == OpKind.DEACTIVATE
            or not self.takes_tax_code(entity, side)
            or not charges_none(
                link.fields(other(side)),
                link.fields(side),
                create=op == OpKind.CREATE,
                tax_codes=self.holds_tax_codes(side),
            )
        ):
            return dict(changes)
        return without_tax(changes)

    def holds_tax_codes(self, side: Side) -> bool:
        """Whether ``side``'s system holds a tax code (a pull stored one): it charges sales
        tax. Asked once a run."""
        known: dict[Side, bool] = vars(self).setdefault("_holds_tax_codes", {})
        if side not in known:
            known[side] = bool(
                self.store.links(
                    self.pid,
                    "tax_code",
                    where=f"merged_into IS NULL AND {side}_fields IS NOT NULL "
                    f"AND {side}_deleted = 0",
                )
            )
        return known[side]

    def say_tax_held(
        self,
        op_id: int,
        link: Link,
        entity: str,
        side: Side,
        op: OpKind,
        changes: Mapping[str, Any],
        need: TaxNeed,
    ) -> None:
        """Mark the op just queued for a write whose sales tax is unmapped as held, and say
        so (nothing of it is sent)."""
        words = self.tax_words(entity, side, link, changes, need, create=op == OpKind.CREATE)
        self.store.set_op_state(op_id, OpState.HELD, error=words)
        name = self.tax_record_name(entity, side, link, changes)
        self.emit("warning", "plan", words, entity=entity, record=name, side=side)

    def tax_record_name(
        self, entity: str, side: Side, link: Link, changes: Mapping[str, Any]
    ) -> str:
        source = other(side)
        title = ENTITIES[entity].title_field
        fields = changes if title in changes else link.fields(source)
        return self.record_name(entity, fields, link.remote_id(source))

    def sales_tax_name(self, side: Side, remote_id: str) -> str:
        """A billing sales tax as people know it: its name, else its id."""
        found = self.store.link_for_remote(self.pid, "sales_tax", side, remote_id)
        link = self.store.link(found) if found is not None else None
        name = (link.fields(side) or {}).get("name") if link is not None else None
        return str(name) if name else remote_id

    def tax_words(
        self,
        entity: str,
        side: Side,
        link: Link,
        changes: Mapping[str, Any],
        need: TaxNeed,
        *,
        create: bool,
    ) -> str:
        """The one sentence saying a write is held for an unmapped sales tax, and what to do."""
        assert need.sales_tax is not None
        source = other(side)
        target, billing = self.labels[side], self.labels[source]
        label = ENTITIES[entity].label
        name = self.tax_record_name(entity, side, link, changes)
        tax = self.sales_tax_name(source, need.sales_tax)
        why = (
            f"it charges {billing} sales tax {tax!r}, which is mapped to no {target} tax code. "
            f"Map it in {TAX_STEP}; the next sync sends it."
        )
        if create:
            return f"{label} {name!r} is not copied to {target}: {why}"
        return f"The changes to {label.lower()} {name!r} are not sent to {target}: {why}"

    def tax_hold_of(self, op: Op) -> TaxNeed | None:
        """The unmapped sales tax an op waits for (None: it waits for none)."""
        if "tax_code" in op.payload.get("changes", {}):
            return None
        link = self.store.link(self.store.canonical_link_id(op.link_id))
        need = self.tax_need_for(link, op.entity, op.side)
        return need if need is not None and need.unmapped else None

    def taxed_op_changes(self, op: Op, link: Link) -> dict[str, Any] | None:
        """What an op about to be sent writes, with its tax code when it lacks one (an op
        planned before its sales tax was mapped), or its lines marked not taxable when its
        billing record charges no sales tax (an op planned before that rule); None when
        the sales tax is unmapped: the op is held again instead of being sent."""
        changes = dict(op.payload.get("changes", {}))
        if op.op == OpKind.DEACTIVATE or "tax_code" in changes:
            return changes
        need = self.tax_need_for(link, op.entity, op.side)
        if need is None:
            return self.tax_marked(None, link, op.entity, op.side, op.op, changes)
        if need.unmapped:
            words = self.tax_words(
                op.entity, op.side, link, changes, need, create=op.op == OpKind.CREATE
            )
            self.store.set_op_state(op.id, OpState.HELD, error=words)
            name = self.tax_record_name(op.entity, op.side, link, changes)
            self.emit("warning", "push", words, entity=op.entity, record=name, side=op.side)
            return None
        return self.with_tax(need, op.side, changes)

    def remind_taxed(self, op: Op) -> bool:
        """Say again that ``op`` (held by an earlier run) waits for its sales tax to be
        mapped; False when it does not."""
        need = self.tax_hold_of(op)
        if need is None or op.run_id == self.run_id:
            return need is not None
        link = self.store.link(self.store.canonical_link_id(op.link_id))
        assert link is not None  # tax_hold_of found it
        changes = op.payload.get("changes", {})
        words = self.tax_words(
            op.entity, op.side, link, changes, need, create=op.op == OpKind.CREATE
        )
        name = self.tax_record_name(op.entity, op.side, link, changes)
        self.emit("warning", "plan", words, entity=op.entity, record=name, side=op.side)
        return True

    def replan_taxed(self) -> None:
        """A write held (or waiting) without its tax code whose sales tax is mapped now is
        superseded, and its record marked changed, so this run plans it afresh with the
        code (matching re-plans a create, the merge an update)."""
        for op in self.store.ops(self.pid, (OpState.HELD, OpState.PENDING)):
            if op.op == OpKind.DEACTIVATE or "tax_code" in op.payload.get("changes", {}):
                continue
            link = self.store.link(self.store.canonical_link_id(op.link_id))
            need = self.tax_need_for(link, op.entity, op.side)
            if link is None or need is None or need.unmapped:
                continue
            self.store.set_op_state(op.id, OpState.SUPERSEDED, error=REPLANNED_TAX)
            self.store.mark_dirty(link.id, other(op.side))
