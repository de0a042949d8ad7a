"""Phase 5: push the outbox, read each record back, move the base; refusals become decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..connectors.base import (
    BatchCreates,
    ConnectorError,
    NotFoundError,
    ProtocolError,
    RejectedError,
    StaleVersionError,
    UnreachableError,
)
from ..engine.amounts import totals_differ
from ..engine.refusals import (
    is_refused_create,
    live_conflict_takes_refusal,
    refusal_entries,
    refused_create_entries,
)
from ..engine.required import Held, held_for
from ..model import (
    ENTITIES,
    ORDER,
    RemoteRecord,
    is_blank,
    other,
    same,
)
from ..model.states import LIVE_OP_STATES, ConflictKind, ConflictStatus, OpKind, OpState
from ..store import Conflict, Link, Op
from .context import MissingDependency
from .ops import WAITING_ON_DECISION, WAITING_ON_HELD, Ops
from .plan import AUDITED

#: How the run log says a write landed, per kind of op.
_DONE = {
    OpKind.CREATE: "Created",
    OpKind.RESTORE: "Restored",
    OpKind.UPDATE: "Updated",
    OpKind.DEACTIVATE: "Deactivated",
}


class _Question(NamedTuple):
    """What a person is asked about a refused write: a conflict of ``kind`` with
    ``entries``, and a ``note`` saying what refused it and what each answer does."""

    kind: ConflictKind
    entries: dict[str, dict[str, Any]]
    note: str


class Push(Ops):
    """Phase 5."""

    # -- push -------------------------------------------------------------
    async def push_ops(self, ops: list[Op], phase: str = "push") -> None:
        rank = {name: i for i, name in enumerate(ORDER)}
        kind_rank = {OpKind.CREATE: 0, OpKind.RESTORE: 0, OpKind.UPDATE: 1, OpKind.DEACTIVATE: 2}
        ops = sorted(ops, key=lambda o: (rank.get(o.entity, 99), kind_rank.get(o.op, 3), o.id))
        if ops:
            self.emit("info", "push", f"Pushing {len(ops)} changes.")
        totals = Counter(op.entity for op in ops)
        done: Counter[str] = Counter()
        self.progress(phase, 0, len(ops))
        at = 0
        while at < len(ops):
            self.check_cancel()
            op = ops[at]
            batch = self.batchable(ops, at)
            if batch:
                await self.push_batch(batch)
                chunk = batch
            else:
                chunk = [op]
                if op.side in self.unreachable:
                    self.counts["push_failed"] += 1
                else:
                    await self.push_one(op)
            at += len(chunk)
            for done_op in chunk:
                done[done_op.entity] += 1
            self.progress(phase, done[op.entity], totals[op.entity], entity=op.entity)
            self.progress(phase, done.total(), len(ops))

    def batchable(self, ops: list[Op], at: int) -> list[Op]:
        """The creates from ``ops[at]`` on that one system can take in one batch request
        (its connector's ``batch_size`` for the entity, within ``create_batch``; [] for
        none): pending creates of one entity on one side, never one already sent (a lost
        answer is looked up, one at a time, before anything is created again)."""
        first = ops[at]
        conn = self.conns[first.side]
        size = 0
        if isinstance(conn, BatchCreates):
            size = min(conn.create_batch, conn.batch_size(first.entity))
        if size < 2 or first.side in self.unreachable:
            return []
        out = []
        for op in ops[at : at + size]:
            alike = op.op == OpKind.CREATE and op.state == OpState.PENDING and self.batches(op)
            if not alike or op.entity != first.entity or op.side != first.side:
                break
            out.append(op)
        return out if len(out) > 1 else []

    def batches(self, op: Op) -> bool:
        """Whether ``op`` may go in a batch (a phase that sends some ops its own way, a
        summarised journal entry, says no for them)."""
        return True

    async def push_one(self, op: Op) -> None:
        """Send one outbox op; each way it can end is settled by the method named for it."""
        ready = self.prepare(op)
        if ready is None:
            return
        link, name, remote_changes = ready
        try:
            rec = await self.send(op, link, name, remote_changes)
        except ConnectorError as exc:
            await self.on_write_error(op, link, name, exc)
            return
        await self.on_pushed(op, link, rec, name)

    def prepare(self, op: Op) -> tuple[Link, str, dict[str, Any]] | None:
        """What sending ``op`` needs: its link, its record's name, the changes in its
        system's ids; None when it cannot go now (settled here: its record gone, held,
        waiting for a reference, refused by the tax map)."""
        link = self.store.link(self.store.canonical_link_id(op.link_id))
        if link is None:
            self.store.set_op_state(op.id, OpState.REJECTED, error="its record is gone")
            return None
        changes = op.payload.get("changes", {})
        name = self.op_record_name(op, link, changes)
        held = held_for(op.op, self.required(op.side, op.entity), changes)
        if held is not None:
            self.hold_again(op, name, held)
            return None
        taxed = self.taxed_op_changes(op, link)  # run/taxes.py
        if taxed is None:
            return None
        try:
            remote_changes = self.to_remote(taxed, op.side)
        except MissingDependency as missing:
            self.wait_for_reference(op, link, name, missing)
            return None
        return link, name, remote_changes

    async def on_write_error(self, op: Op, link: Link, name: str, exc: ConnectorError) -> None:
        """A write its system did not carry out, settled by what it said."""
        if isinstance(exc, StaleVersionError):
            await self.on_stale(op, link, name, exc)
        elif isinstance(exc, (RejectedError, NotFoundError)):
            self.refused(op, link, name, str(exc), said=True)
        elif isinstance(exc, UnreachableError):
            self.on_unreachable(op, name, exc)
        elif isinstance(exc, ProtocolError):
            self.on_unreadable_answer(op, name, exc)
        else:
            raise exc

    async def push_batch(self, ops: list[Op]) -> None:
        """Creates of one entity sent to one system in one batch request; each item is
        prepared and settled as a single create would be (a refused one never sinks the
        others). A create referring to another record of the same batch would wait for the
        next run, as any create whose reference is not there yet: no entity synced to a
        system that takes batches refers to its own kind (a QuickBooks sub-customer's
        parent is never copied from BILL, which has none; BILL's bulk entities carry no
        parent recontui writes)."""
        ready = [(op, *prepared) for op in ops if (prepared := self.prepare(op)) is not None]
        await self.send_batch(ready)

    async def send_batch(self, items: list[tuple[Op, Link, str, dict[str, Any]]]) -> None:
        if not items:
            return
        if len(items) == 1:
            op, link, name, remote_changes = items[0]
            try:
                rec = await self.send(op, link, name, remote_changes)
            except ConnectorError as exc:
                await self.on_write_error(op, link, name, exc)
                return
            await self.on_pushed(op, link, rec, name)
            return
        first = items[0][0]
        for op, *_ in items:
            self.store.set_op_state(op.id, OpState.SENT, count_attempt=True)
        conn = self.conns[first.side]
        assert isinstance(conn, BatchCreates)
        try:
            results = await conn.create_many(
                first.entity, [(changes, op.idem_key) for op, _, _, changes in items]
            )
        except ConnectorError as exc:
            for op, link, name, _ in items:
                await self.on_write_error(op, link, name, exc)
            return
        for (op, link, name, _), result in zip(items, results, strict=True):
            if isinstance(result, ConnectorError):
                await self.on_write_error(op, link, name, result)
            else:
                # The batch's answer is the record as created: no read of it again.
                await self.on_pushed(op, link, result, name, read=False)

    def hold_again(self, op: Op, name: str, held: Held) -> None:
        """A write that lacks a field its system requires is never sent (its system would
        refuse it): one released from hold (``--accept-big-change``) is held again."""
        words = self.held_words(op.entity, op.side, name, held)
        self.store.set_op_state(op.id, OpState.HELD, error=words)
        self.emit("warning", "push", words, entity=op.entity, record=name, side=op.side)

    def op_record_name(self, op: Op, link: Link, changes: Mapping[str, Any]) -> str:
        """The record an op writes, named by its title: from the change itself, else from
        what either side holds."""
        title = ENTITIES[op.entity].title_field
        known = next(
            (
                f
                for f in (changes, link.a_fields, link.b_fields)
                if f and not is_blank(f.get(title))
            ),
            changes,
        )
        return self.record_name(op.entity, known, link.remote_id(other(op.side)))

    def wait_for_reference(self, op: Op, link: Link, name: str, missing: MissingDependency) -> None:
        """An op that refers to a record its side does not have yet stays pending, with a
        sentence saying what it waits for; one whose reference never comes is refused."""
        label = self.labels[op.side]
        never = self.never_there(missing.ref, label)
        if never is not None:
            self.refused(op, link, name, never)
            return
        words = self.ref_words(missing.ref)
        parent_id = self.store.canonical_link_id(missing.ref.link)
        parent = self.store.live_conflict_for_link(parent_id)
        if parent is not None and parent.status == ConflictStatus.OPEN:
            # Only a person can settle it: the run waits on them, it did not fail.
            error = f"{WAITING_ON_DECISION} on {words} (conflict {parent.id})"
            text = (
                f"{ENTITIES[op.entity].label} {name!r} waits for your decision on "
                f"{words} (conflict {parent.id}) before it can be sent to {label}."
            )
        elif self.held_create(parent_id, op.side) is not None:
            # Held for a field its system requires: a person fills it in (said for it).
            error = f"{WAITING_ON_HELD}: {words}"
            text = (
                f"{ENTITIES[op.entity].label} {name!r} waits until {words} can be created "
                f"in {label}; it will be sent once that record is."
            )
        else:
            error = f"waiting for {missing} to exist in {label}"
            text = (
                f"{ENTITIES[op.entity].label} {name!r} waits for {words} to exist in "
                f"{label}; it will be pushed once that record is."
            )
        self.store.set_op_state(op.id, OpState.PENDING, error=error)
        self.emit("warning", "push", text, entity=op.entity, record=name)

    async def send(
        self, op: Op, link: Link, name: str, remote_changes: dict[str, Any]
    ) -> RemoteRecord:
        """Carry ``op`` out and return the record its system answered with. A create whose
        answer was lost is looked for first, so it is never made twice."""
        rec: RemoteRecord | None = None
        if op.op == OpKind.CREATE and op.state == OpState.SENT:
            rec = await self.find_lost_create(op, link, name, remote_changes)
        if rec is None:
            self.store.set_op_state(op.id, OpState.SENT, count_attempt=True)
            rec = await self.write(op, link, remote_changes)
        return rec

    async def find_lost_create(
        self, op: Op, link: Link, name: str, remote_changes: dict[str, Any]
    ) -> RemoteRecord | None:
        """The record an earlier attempt of this create made, if its system has it."""
        rec = await self.conns[op.side].find_existing(
            op.entity, remote_changes, skip=self.not_made_by(op, link)
        )
        if rec is not None:
            self.emit(
                "info",
                "push",
                f"{self.labels[op.side]} already has {op.entity} {name!r} from "
                "an earlier attempt; linking it instead of creating it again.",
                entity=op.entity,
                record=name,
            )
        return rec

    async def write(self, op: Op, link: Link, remote_changes: dict[str, Any]) -> RemoteRecord:
        """The one request that carries ``op`` out, with its idempotency key."""
        conn, key = self.conns[op.side], op.idem_key
        if op.op == OpKind.CREATE:
            return await conn.create(op.entity, remote_changes, idempotency_key=key)
        if op.op == OpKind.RESTORE:
            remote_id = op.remote_id or link.remote_id(op.side) or ""
            return await conn.restore(op.entity, remote_id, remote_changes, idempotency_key=key)
        version = op.expected_version or ""
        if op.op == OpKind.UPDATE:
            remote_id = op.remote_id or link.remote_id(op.side) or ""
            return await conn.update(
                op.entity, remote_id, version, remote_changes, idempotency_key=key
            )
        return await conn.deactivate(op.entity, op.remote_id or "", version, idempotency_key=key)

    def on_unreachable(self, op: Op, name: str, exc: UnreachableError) -> None:
        """The system did not answer: the op stays in the outbox (``sent`` where the write
        may have landed) and nothing more goes to that side in this run."""
        self.counts["push_failed"] += 1
        # An op already "sent" by an earlier attempt may have landed then, whatever this
        # attempt (or the look-up for it) met: only a look-up that answers may decide.
        landed_maybe = (
            getattr(exc, "outcome_unknown", False)
            or op.op != OpKind.CREATE
            or op.state == OpState.SENT
        )
        state = OpState.SENT if landed_maybe else OpState.PENDING
        self.store.set_op_state(op.id, state, error=str(exc))
        self.unreachable.add(op.side)
        self.emit(
            "error",
            "push",
            f"{exc} The remaining changes to {self.labels[op.side]} stay in the "
            "outbox and are sent on the next run.",
            entity=op.entity,
            record=name,
        )

    def on_unreadable_answer(self, op: Op, name: str, exc: ProtocolError) -> None:
        """An answer that breaks the system's protocol: the op stays ``sent``, so the next
        run replays it (a create is looked for first)."""
        self.counts["push_failed"] += 1
        self.store.set_op_state(op.id, OpState.SENT, error=str(exc))
        self.emit("error", "push", str(exc), entity=op.entity, record=name)

    def mismatched(self, op: Op, rec: RemoteRecord) -> list[str]:
        """The expected fields of ``op`` that ``rec`` does not hold."""
        if rec.deleted:
            return []
        expect = op.payload.get("expect", {})
        fields = {f.name: f for f in ENTITIES[op.entity].fields}
        held = self.canon(rec.fields, op.side)
        return [
            key
            for key, value in expect.items()
            if key in fields and not same(fields[key], value, held.get(key))
        ]

    async def on_stale(self, op: Op, link: Link, name: str, exc: Exception) -> None:
        label = self.labels[op.side]
        remote_id = op.remote_id or link.remote_id(op.side)
        fresh = await self.conns[op.side].read(op.entity, remote_id) if remote_id else None
        if (
            fresh is not None
            and op.op == OpKind.UPDATE
            and op.state == OpState.SENT
            and not self.mismatched(op, fresh)
        ):
            # Replayed after a lost answer: the first attempt had landed, which is
            # why the version moved. That is success, not a conflict.
            await self.on_pushed(op, link, fresh, name)
            return
        self.counts["push_failed"] += 1
        self.counts["rejected"] += 1
        # One transaction: the op is never rejected without the record being looked at again.
        with self.store.transaction():
            self.store.set_op_state(op.id, OpState.REJECTED, error=f"stale: {exc}")
            if fresh is not None:
                self.store.set_link_side(link.id, op.side, fresh, clear_dirty=False)
            self.store.mark_dirty(link.id, op.side)
            if op.conflict_id:
                self.reopen_after_push(
                    op.conflict_id,
                    f"changed in {label} before the resolution was pushed; review it again",
                )
        self.emit(
            "warning",
            "push",
            f"{ENTITIES[op.entity].label} {name!r} changed in {label} "
            "while we were writing it; it will be merged again with the fresh values.",
            entity=op.entity,
            record=name,
        )

    def refused(self, op: Op, link: Link, name: str, reason: str, *, said: bool = False) -> None:
        """A write that cannot land as planned: the op is rejected, and the question goes to
        a person as a decision that stays open until it is answered or the record changes."""
        label = self.labels[op.side]
        self.counts["push_failed"] += 1
        self.counts["rejected"] += 1
        conflict_id: int | None = None
        # The connector's sentence already names the system and the record.
        why = (
            reason
            if said
            else f"{ENTITIES[op.entity].label} {name!r} was not written to {label}: {reason}"
        )
        # One transaction: a run killed here leaves the op as it was (it is sent again and
        # refused again), never rejected without the decision that keeps it visible.
        with self.store.transaction():
            self.store.set_op_state(op.id, OpState.REJECTED, error=reason)
            if op.conflict_id:
                self.reopen_after_push(op.conflict_id, f"{label} refused the change: {reason}")
            else:
                conflict_id = self.ask_after_refusal(op, link, why)
        self.emit("error", "push", why, entity=op.entity, record=name)
        if conflict_id is not None:
            self.emit(
                "warning",
                "push",
                f"{ENTITIES[op.entity].label} {name!r} waits for your decision in conflict "
                f"{conflict_id}.",
                entity=op.entity,
                record=name,
                conflict=conflict_id,
            )

    def ask_after_refusal(self, op: Op, link: Link, reason: str) -> int | None:
        """Open (or extend) the conflict that holds a refused write; returns its id.

        ``reason`` is the sentence that says which system refused what, and why.

        A refused update becomes ``refused`` entries of the record's field conflict (see
        :mod:`recontui.engine.refusals`); a refused create a question about the record.
        """
        fresh = self.store.link(link.id) or link
        live = self.store.live_conflict_for_link(link.id)
        with self.store.transaction():
            question = self.refusal_question(op, link.id, fresh, reason)
            if question is None:
                return None
            if live is not None:
                create = op.op == OpKind.CREATE
                if live_conflict_takes_refusal(live.kind, live.fields, create=create):
                    self.reopen_with_refusal(live, question, fresh)
                return live.id  # else a question about the whole record comes first
            conflict_id = self.store.open_conflict(
                self.pid,
                link.id,
                op.entity,
                question.kind,
                question.entries,
                fresh.a_version,
                fresh.b_version,
                self.run_id,
                candidates=[] if question.kind == ConflictKind.MATCH else None,
                note=question.note,
            )
        self.counts["conflicts_opened"] += 1
        return conflict_id

    def refusal_question(self, op: Op, link_id: int, fresh: Link, reason: str) -> _Question | None:
        """What a person is asked about a refused write: a refused update's fields (None
        when it changed no synced field, or the record is not paired), a refused create's
        record; None for any other write."""
        label, source = self.labels[op.side], self.labels[other(op.side)]
        if op.op == OpKind.UPDATE and fresh.paired:
            fields = self.fields_for(op.entity)
            entries = refusal_entries(
                fields,
                op.payload.get("changes", {}),
                self.store.base(link_id),
                self.side_fields(fresh, "a", fields),
                self.side_fields(fresh, "b", fields),
                op.side,
                reason,
            )
            note = (
                f"{reason} Once that is fixed, choose {source}'s value to send it again; "
                f"or choose {label}'s value to keep it on both sides."
            )
            return _Question(ConflictKind.FIELD, entries, note) if entries else None
        if op.op == OpKind.CREATE:
            held_name = self.record_name(op.entity, fresh.fields(other(op.side)))
            note = (
                f"{reason} Once that is fixed, create it again; or link it to a {label} "
                "record, or never sync it."
            )
            return _Question(
                ConflictKind.MATCH, refused_create_entries(op.side, held_name, reason), note
            )
        return None

    def reopen_with_refusal(self, live: Conflict, question: _Question, fresh: Link) -> None:
        """A refused update's entries join the live field conflict (its choices so far kept
        as a suggestion); a refused create's question replaces the one asked before."""
        if question.kind == ConflictKind.FIELD:
            entries, suggestion = {**live.fields, **question.entries}, live.choices or None
        else:
            entries, suggestion = question.entries, None
        self.store.reopen_conflict(
            live.id,
            entries,
            fresh.a_version,
            fresh.b_version,
            suggestion=suggestion,
            note=question.note,
        )

    def reopen_after_push(self, conflict_id: int, note: str) -> None:
        conflict = self.store.conflict(conflict_id)
        if conflict is None or conflict.status not in (
            ConflictStatus.RESOLVED,
            ConflictStatus.PUSHED,
        ):
            return
        with self.store.transaction():
            self.store.reopen_conflict(
                conflict_id,
                conflict.fields,
                conflict.a_version,
                conflict.b_version,
                suggestion=conflict.choices,
                note=note,
            )
        self.counts["conflicts_reopened"] += 1

    async def on_pushed(
        self, op: Op, link: Link, rec: RemoteRecord, name: str, *, read: bool = True
    ) -> None:
        """Read the record back (unless ``read`` is False: the answer is the record as its
        system holds it), compare with what was chosen, then settle the books."""
        readback = await self.read_back(op, rec) if read else rec
        holder = self.holder(op.entity, op.side, readback.remote_id)
        if holder is not None and holder != link.id:
            self.refused(op, link, name, self.held_by_another(op, readback))
            return
        mismatched = self.mismatched(op, readback)
        moved = readback.version != rec.version
        fresh_link = self.settle_write(op, link, readback, clean=not mismatched and not moved)
        self.report_written(op, name)
        if "lines" in op.payload.get("expect", {}) and fresh_link is not None:
            self.check_totals(op, fresh_link, name)
        if mismatched:
            self.did_not_land(op, link, name, mismatched)
        elif op.conflict_id:
            self.close_if_pushed(op.conflict_id, op, name)

    async def read_back(self, op: Op, rec: RemoteRecord) -> RemoteRecord:
        """The record as its system holds it after the write (the answer itself for a
        deletion, or when it cannot be read)."""
        if rec.deleted:
            return rec
        got = await self.conns[op.side].read(op.entity, rec.remote_id)
        return rec if got is None else got

    def held_by_another(self, op: Op, readback: RemoteRecord) -> str:
        """Why a write whose answer is a record another link holds links nothing."""
        return (
            f"{self.labels[op.side]} answered with {ENTITIES[op.entity].label.lower()} "
            f"{readback.remote_id}, which is already linked to another record; nothing "
            "was linked."
        )

    def settle_write(
        self, op: Op, link: Link, readback: RemoteRecord, *, clean: bool
    ) -> Link | None:
        """One transaction: the op is done, the read-back becomes that side's state (still
        dirty unless ``clean``), the audit is written (but the entries audited when the op
        was planned: a rule's decisions) and the base moves. Returns the link as it now
        stands."""
        with self.store.transaction():
            live = self.store.live_conflict_for_link(link.id)
            if op.op == OpKind.CREATE and live is not None and is_refused_create(live.fields):
                self.store.set_conflict_status(live.id, ConflictStatus.SUPERSEDED, note="created")
            self.store.set_op_state(op.id, OpState.DONE, result_version=readback.version)
            self.store.set_link_side(link.id, op.side, readback, clear_dirty=clean)
            if op.op == OpKind.UPDATE and op.expected_version:
                # Our own write moves the version an open conflict remembers; it is
                # not "the record changed again".
                self.store.follow_own_write(link.id, op.side, op.expected_version, readback.version)
            self.index[op.side][(op.entity, readback.remote_id)] = link.id
            self.store.add_audit(
                self.pid,
                self.run_id,
                op.entity,
                link.id,
                [e for e in op.payload.get("audit", []) if not e.get(AUDITED)],
                actor=self.options.actor,
            )
            fresh_link = self.store.link(link.id)
            if fresh_link is not None:
                self.move_base(fresh_link, op.entity)
        return fresh_link

    def move_base(self, link: Link, entity: str) -> None:
        """The base takes every field both sides now hold equally."""
        base = self.agreed_base(link, self.fields_for(entity))
        if base is not None:
            self.store.set_base(link.id, base, link.a_version, link.b_version, self.run_id)

    def report_written(self, op: Op, name: str) -> None:
        """Count the write and say it landed, naming the fields it carried."""
        self.counts["pushed"] += 1
        self.counts["created" if op.op == OpKind.CREATE else "updated"] += 1
        self.emit(
            "info",
            "push",
            f"{_DONE[op.op]} {ENTITIES[op.entity].label.lower()} {name!r} in "
            f"{self.labels[op.side]}.",
            entity=op.entity,
            record=name,
            side=op.side,
            fields=sorted(op.payload.get("expect", {})),
        )

    def did_not_land(self, op: Op, link: Link, name: str, mismatched: list[str]) -> None:
        """Read back, the record holds other values than were written: said, merged again
        on the next run, and the conflict a resolution came from reopens."""
        label = self.labels[op.side]
        self.counts["read_back_mismatch"] += 1
        self.store.mark_dirty(link.id, op.side)
        self.emit(
            "error",
            "verify",
            f"{label} accepted the change to "
            f"{ENTITIES[op.entity].label.lower()} {name!r} but reading it back shows "
            f"different {', '.join(mismatched)}; the record will be merged again.",
            entity=op.entity,
            record=name,
            fields=mismatched,
        )
        if op.conflict_id:
            self.reopen_after_push(
                op.conflict_id, f"the chosen {', '.join(mismatched)} did not land in {label}"
            )

    def close_if_pushed(self, conflict_id: int, op: Op, name: str) -> None:
        """A resolved conflict is pushed once none of its writes waits any more."""
        remaining = [
            o for o in self.store.ops_for_conflict(conflict_id) if o.state in LIVE_OP_STATES
        ]
        conflict = self.store.conflict(conflict_id)
        if remaining or conflict is None or conflict.status != ConflictStatus.RESOLVED:
            return
        with self.store.transaction():
            self.store.set_conflict_status(conflict_id, ConflictStatus.PUSHED)
        self.emit(
            "info",
            "push",
            f"Conflict {conflict_id} ({name!r}) is pushed: both sides hold the chosen values.",
            entity=op.entity,
            record=name,
        )

    def check_totals(self, op: Op, link: Link, name: str) -> None:
        """After lines were written, both sides should hold the same total; a system that
        adds tax or rounds differently is named, and the difference is never hidden."""
        differ = totals_differ(ENTITIES[op.entity], link.a_fields, link.b_fields)
        if differ is None:
            return
        mine = differ[0] if op.side == "a" else differ[1]
        theirs = differ[1] if op.side == "a" else differ[0]
        label, there = self.labels[op.side], self.labels[other(op.side)]
        self.counts["totals_differ"] += 1
        self.store.mark_dirty(link.id, op.side)  # said again on every run until it changes
        self.emit(
            "error",
            "verify",
            f"{label} computed a total of {mine:,.2f} for "
            f"{ENTITIES[op.entity].label.lower()} {name!r} where {there} holds "
            f"{theirs:,.2f}: the lines agree, so {label} added tax, a discount or rounding. "
            f"Check the record's tax settings in {label}; recontui does not change totals.",
            entity=op.entity,
            record=name,
        )
