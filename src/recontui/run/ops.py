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
from ..engine.defaults import Account, default_for, fill_defaults
from ..engine.required import Held, Lack, held_for, split_write
from ..engine.window import in_window
from ..model import (
    ENTITIES,
    EntitySpec,
    Ref,
    RemoteRecord,
    Side,
    other,
)
from ..model.states import OpKind, OpState
from ..store import Link, Op
from .taxes import Taxes

#: How far a remote system's clock may be behind ours when a record's creation time is
#: compared with when a create was planned. Every record recontui has pulled is already
#: ruled out by its link, so this only guards against a namesake someone made between the
#: pull and a lost create; it is wide so that a server clock hours off never makes the
#: look-up pass over our own record (which would then be created a second time).
CLOCK_MARGIN = dt.timedelta(hours=24)


#: How an op that waits for a person's decision on the record it refers to says so.
WAITING_ON_DECISION = "waiting for your decision"

#: How an op that refers to a record held for a field its system requires says so: it
#: waits on a person too (who fills the field in), like :data:`WAITING_ON_DECISION`.
WAITING_ON_HELD = "waiting for a held record"

#: How an op dropped because its record changed since it was planned says so.
REPLANNED = "replanned after newer changes"


def parse_iso(text: str | None) -> dt.datetime | None:
    """A stored ISO time as an aware datetime (a naive one is UTC); None when unreadable."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


#: How a sentence names a field a system requires: article and noun (else its title).
_FIELD_NOUNS = {
    "email": ("an", "e-mail address"),
    "phone": ("a", "phone number"),
    "name": ("a", "name"),
    "lines.account": ("an", "expense account on every line"),
    "income_account": ("an", "income account"),
}

#: How a held write's sentence names a default account, and what it asks to give one.
_ACCOUNT_WORDS = {
    Account.EXPENSE: "expense account",
    Account.INCOME: "income account",
}

#: Where a person sets the default accounts.
SETUP_STEP = "(`recontui setup`, step Default accounts)"


def _field_noun(spec: EntitySpec, name: str) -> tuple[str, str]:
    if name in _FIELD_NOUNS:
        return _FIELD_NOUNS[name]
    title = spec.field(name).title.lower() if spec.has_field(name) else name
    return ("an" if title[:1] in "aeiou" else "a", title)


def _and(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _refs_in(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _refs_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs_in(v)]
    return []


class Ops(Taxes):
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

        The read-back after the push expects exactly ``changes``. What the target system
        would refuse for a field it requires (engine/required.py) is queued apart, held:
        a create whole, an update's blanked fields only (the rest is sent as usual).
        """
        record = link if isinstance(link, Link) else self.store.link(link)
        need = self.tax_need_for(record, entity, side) if op != OpKind.DEACTIVATE else None
        if record is not None and need is not None and need.unmapped:  # run/taxes.py
            op_id = self.queue_op(record, entity, side, op, changes, audit, conflict_id)
            self.say_tax_held(op_id, record, entity, side, op, changes, need)
            return
        changes = self.tax_marked(need, record, entity, side, op, changes)  # run/taxes.py
        changes = self.with_defaults(entity, side, op, changes)
        split = split_write(op, self.required(side, entity), changes)
        whole = op == OpKind.CREATE
        if split.why is None or split.send:
            sent = [a for a in audit if a.get("field") not in split.held]
            self.queue_op(record or link, entity, side, op, split.send, sent, conflict_id)
        if split.why is not None:
            held = audit if whole else [a for a in audit if a.get("field") in split.held]
            op_id = self.queue_op(record or link, entity, side, op, split.held, held, conflict_id)
            name = self.held_record_name(entity, side, record, changes)
            words = self.held_words(entity, side, name, split.why)
            self.store.set_op_state(op_id, OpState.HELD, error=words)
            self.emit("warning", "plan", words, entity=entity, record=name, side=side)

    def queue_op(
        self,
        link: Link | int,
        entity: str,
        side: Side,
        op: OpKind,
        changes: Mapping[str, Any],
        audit: list[dict[str, Any]],
        conflict_id: int | None,
    ) -> int:
        """One op in the outbox, pending; its id."""
        record = link if isinstance(link, Link) else None
        # What the system sets itself it takes from no one: not expected back.
        own = self.conns[side].sets_itself(entity)
        expect = {k: v for k, v in changes.items() if k not in own}
        return self.store.add_op(
            self.pid,
            self.run_id,
            link.id if isinstance(link, Link) else link,
            entity,
            side,
            op,
            record.remote_id(side) if record and op != "create" else None,
            record.version(side) if record and op != "create" else None,
            {"changes": dict(changes), "expect": expect, "audit": audit},
            uuid.uuid4().hex,
            conflict_id=conflict_id,
        )

    # -- what a system requires (engine/required.py) ----------------------------------

    def required(self, side: Side, entity: str) -> tuple[str, ...]:
        """The fields ``side``'s system requires a record of ``entity`` to hold."""
        return tuple(self.conns[side].required_fields(entity))

    def with_defaults(
        self, entity: str, side: Side, kind: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``changes`` with the default accounts filled in where ``side``'s system requires
        an account they lack (engine/defaults.py)."""
        accounts = self.default_refs(side)
        if not accounts:
            return dict(changes)
        return fill_defaults(kind, entity, self.required(side, entity), changes, accounts)

    def replan_filled(self) -> None:
        """A write held (or released from hold) for an account a default now fills is
        superseded, and its record marked changed, so this run plans it afresh: sent with
        the default account (matching re-plans a create, the merge an update)."""
        for op in self.store.ops(self.pid, (OpState.HELD, OpState.PENDING)):
            changes = op.payload.get("changes", {})
            required = self.required(op.side, op.entity)
            held = held_for(op.op, required, changes)
            if held is None:
                continue
            filled = self.with_defaults(op.entity, op.side, op.op, changes)
            if held_for(op.op, required, filled) == held:
                continue
            self.store.set_op_state(op.id, OpState.SUPERSEDED, error=REPLANNED)
            self.store.mark_dirty(self.store.canonical_link_id(op.link_id), other(op.side))
        self.replan_taxed()

    def remind_held(self) -> None:
        """Say again, on every run, each write still held for a field its system requires
        (planned by an earlier run: this run's are said as they are planned)."""
        for op in self.store.ops(self.pid, (OpState.HELD,)):
            changes = op.payload.get("changes", {})
            held = held_for(op.op, self.required(op.side, op.entity), changes)
            if held is None and self.remind_taxed(op):
                continue  # held for its sales tax (run/taxes.py): said there
            if held is None or op.run_id == self.run_id:
                continue  # held by the big-change guard, or said already
            link = self.store.link(self.store.canonical_link_id(op.link_id))
            name = self.held_record_name(op.entity, op.side, link, changes)
            words = self.held_words(op.entity, op.side, name, held)
            self.emit("warning", "plan", words, entity=op.entity, record=name, side=op.side)

    def blank_choice_words(self, entity: str, side: Side, held: Held) -> str:
        """The note of a conflict whose chosen values ``side``'s system would refuse as
        blanks of fields it requires."""
        nouns = [_field_noun(ENTITIES[entity], f) for f in held.fields]
        some = _and([f"{article} {noun}" for article, noun in nouns])
        label, one = self.labels[side], len(nouns) == 1
        return (
            f"{label} requires {some}: choose {label}'s value{'' if one else 's'}, or type "
            f"{'one' if one else 'them'} to send to both"
        )

    def held_create(self, link_id: int, side: Side) -> Op | None:
        """The create of the record ``link_id`` on ``side``, if it is held."""
        for op in self.store.live_ops_for_link(link_id):
            if op.op == OpKind.CREATE and op.state == OpState.HELD and op.side == side:
                return op
        return None

    def held_record_name(
        self, entity: str, side: Side, link: Link | None, changes: Mapping[str, Any]
    ) -> str:
        """The record a held write is about, by its title on the side it comes from."""
        source = other(side)
        title = ENTITIES[entity].title_field
        fields = changes if title in changes else (link.fields(source) if link else None)
        return self.record_name(entity, fields, link.remote_id(source) if link else None)

    def held_words(self, entity: str, side: Side, name: str, held: Held) -> str:
        """The one sentence that says a write is held, what it lacks and what to fill in."""
        accounts = {default_for(entity, f) for f in held.fields}
        if len(accounts) == 1 and None not in accounts:
            account = accounts.pop()
            assert account is not None
            return self.account_words(entity, side, name, held, account)
        spec = ENTITIES[entity]
        target, source = self.labels[side], self.labels[other(side)]
        nouns = [_field_noun(spec, f) for f in held.fields]
        some = _and([f"{article} {noun}" for article, noun in nouns])
        one = len(nouns) == 1
        if held.lack == Lack.MISSING:
            return (
                f"{spec.label} {name!r} is not created in {target}: {target} requires {some}. "
                f"Add {'one' if one else 'them'} in {source} and the next sync creates it (or "
                f"enter the {spec.label.lower()} in {target} by hand: the next sync links the "
                "two)."
            )
        bare = _and([noun for _article, noun in nouns])
        return (
            f"{spec.label} {name!r} keeps its {bare} in {target}: "
            f"{'it was' if one else 'they were'} removed in {source}, and {target} requires "
            f"{'one' if one else 'them'}. Add {some} in {source} and the next sync sends "
            f"{'it' if one else 'them'} to {target}."
        )

    def account_words(
        self, entity: str, side: Side, name: str, held: Held, account: Account
    ) -> str:
        """The sentence of a write held for an account a default account fills: the record,
        what lacks it, and the next step (set the default, or give it one at the source)."""
        spec = ENTITIES[entity]
        target, source = self.labels[side], self.labels[other(side)]
        noun = _ACCOUNT_WORDS[account]
        rows = [str(n) for n in held.rows]
        if rows:
            some = len(rows) > 1
            what = (
                f"its line{'s' if some else ''} {_and(rows)} {'have' if some else 'has'} no {noun}"
            )
            give = f"give the line{'s' if some else ''} an account"
        else:
            what, give = f"it has no {noun}", f"give the {spec.label.lower()} an {noun}"
        step = f"Set a default {noun} {SETUP_STEP} or {give} in {source}"
        if held.lack == Lack.MISSING:
            return (
                f"{spec.label} {name!r} is not copied to {target}: {what}. {step}; the next "
                "sync sends it."
            )
        part = "lines" if rows else noun
        return (
            f"The {part} of {spec.label.lower()} {name!r} {'are' if rows else 'is'} not sent to "
            f"{target}: {what}. {step}; the next sync sends {'them' if rows else 'it'}."
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
        planned = parse_iso(op.created_at)
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
