"""Phase 3: merge each changed pair and carry out what the conflict lifecycle
(engine/lifecycle.py) decides, as outbox ops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import (
    Audit,
)
from ..engine.amounts import gap, totals_differ
from ..engine.lifecycle import (
    ApplyResolution,
    Close,
    DropWaitingOps,
    Open,
    Pair,
    Reason,
    Reopen,
    SettleDeletion,
    Step,
    Unlink,
    Why,
    decide_link,
)
from ..engine.merge import OWNER, Merge
from ..engine.policy import owner_words
from ..engine.required import held_for
from ..model import (
    ENTITIES,
    SIDES,
    EntitySpec,
    FieldSpec,
    Side,
    display,
    is_blank,
    other,
)
from ..model.states import ConflictKind, ConflictStatus, LinkState, OpKind, OpState
from ..store import Conflict, Link
from .ops import REPLANNED, Ops


def deletion_words(gone: str, keeps: str, *, voided: bool = False) -> str:
    """What a deletion found on one side means until a person decides it (deletions never
    propagate by themselves: the other side keeps the record). ``voided``: a payment
    voided in ``gone``, voided in ``keeps`` too when its deletion is chosen."""
    done, do = ("voided", "void") if voided else ("deleted", "delete")
    return (
        f"{done} in {gone}; {keeps} keeps it until you decide: {do} it in {keeps} too, "
        f"bring it back in {gone}, or unlink the two"
    )


def _before_after(payload: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Each field a write carries: [what the system holds now, what it will hold] (a
    create's fields have nothing before; canonical values, references as links)."""
    changes = payload.get("changes", {})
    out: dict[str, list[Any]] = {name: [None, value] for name, value in changes.items()}
    for entry in payload.get("audit", []):
        name = entry.get("field")
        if name in out:
            out[name][0] = entry.get("old")
    return out


#: Marks an op's audit entry written when it was planned (a rule's decision): the push
#: that lands the op writes the others only.
AUDITED = "audited"


def _audit_dict(entry: Audit) -> dict[str, Any]:
    return {
        "field": entry.field,
        "side": entry.side,
        "old": entry.old,
        "new": entry.new,
        "by": entry.by,
    }


class Plan(Ops):
    """Phase 3."""

    def describe_plan(self, op_ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for op in self.store.ops(self.pid, (OpState.PENDING, OpState.HELD)):
            if op.id not in op_ids:
                continue
            out.append(
                {
                    "entity": op.entity,
                    "side": op.side,
                    "system": self.labels[op.side],
                    "op": op.op,
                    "link": op.link_id,
                    "state": op.state,
                    "fields": sorted(op.payload.get("changes", {})),
                    "values": _before_after(op.payload),
                }
            )
        for c in self.store.conflicts(self.pid, statuses=(ConflictStatus.OPEN,)):
            item: dict[str, Any] = {
                "entity": c.entity,
                "op": "conflict" if c.opened_run == self.run_id else "decision",
                "kind": c.kind,
                "link": c.link_id,
                "fields": sorted(c.fields),
            }
            if c.opened_run != self.run_id:  # outstanding from an earlier run: still owed
                item.update(conflict=c.id, note=c.note)
            elif c.kind == ConflictKind.DELETE:
                item.update(note=c.note)
            out.append(item)
        return out + list(self.not_sent)  # what updates may not replace, said as such

    def merge_entity(self, entity: str) -> None:
        spec = ENTITIES[entity]
        fields = self.fields_for(entity)
        links = self.store.links_to_merge(self.pid, entity)
        self.progress("plan", 0, len(links), entity=entity)
        for done, link in enumerate(links, 1):
            self.merge_link(spec, fields, link)
            self.progress("plan", done, len(links), entity=entity)

    def merge_link(self, spec: EntitySpec, fields: tuple[FieldSpec, ...], link: Link) -> None:
        """Carry out what the conflict lifecycle (``engine/lifecycle.py``) decides for one
        linked record: its steps in order, then its writes and the new base."""
        self.store.clear_dirty(link.id)
        a, b = self.booked_pair(
            spec.name, self.side_fields(link, "a", fields), self.side_fields(link, "b", fields)
        )
        pair = Pair(
            a=a,
            b=b,
            base=self.store.base(link.id),
            a_version=link.a_version,
            b_version=link.b_version,
            a_deleted=link.a_deleted,
            b_deleted=link.b_deleted,
        )
        name = self.record_name(spec.name, pair.a, link.a_id)
        live = self.store.live_conflict_for_link(link.id)
        decision = decide_link(spec, fields, pair, live, self.policy)
        for step in decision.steps:
            self.carry_out(step, spec, link, pair, name)
        write = decision.write
        if write is None:
            return
        if write.merge.not_sent:
            self.say_not_sent(spec, link, write.merge.not_sent, name)
        if write.merge.not_owned:
            self.say_not_owned(spec, link, write.merge.not_owned, name)
        res = write.resolution
        chosen: dict[Side, dict[str, Any]] = {
            "a": dict(res.to_a) if res else {},
            "b": dict(res.to_b) if res else {},
        }
        if self.hold_lines(spec, link, write.merge, chosen, live, write.conflict_id):
            return
        if self.hold_blanked_choice(spec, link, chosen, live, write.conflict_id, name):
            return
        audit = res.audit if res else []
        self.plan_writes(spec, link, write.merge, chosen, audit, write.conflict_id, name)
        if write.base is not None:
            self.store.set_base(link.id, write.base, link.a_version, link.b_version, self.run_id)

    def say_not_sent(self, spec: EntitySpec, link: Link, names: list[str], name: str) -> None:
        """Once per record: the fields that differ but which updates may not replace
        (the profile's update fields, engine/policy.py). They stay as they are on both
        sides and keep their old base, so the difference is said again when the record
        next changes."""
        why = self.policy.update_words(spec.name)
        fields = sorted(names)
        self.not_sent.append(
            {"entity": spec.name, "op": "not_sent", "link": link.id, "fields": fields, "why": why}
        )
        self.emit(
            "info",
            "merge",
            f"{spec.label} {name!r}: {', '.join(fields)} differ between the two systems and "
            f"are not sent ({why}); each side keeps its value.",
            entity=spec.name,
            record=name,
            link=link.id,
        )

    def say_not_owned(self, spec: EntitySpec, link: Link, names: list[str], name: str) -> None:
        """A change made on the side that does not own the entity's edits (the profile's
        edit ownership, engine/policy.py): said with the owner and what to do, never sent.
        The fields keep their old base and the link is looked at again on every run, so
        the difference stays visible (and the run waits on a person) until the two agree."""
        owner = self.policy.owner(spec.name)
        assert owner is not None  # the merge lists not_owned fields only for an owned entity
        editor = self.labels[other(owner)]
        fields = sorted(names)
        why = owner_words(spec.name, editor, self.labels[owner])
        self.counts["not_owned"] += 1
        self.store.mark_dirty(link.id, other(owner))
        self.not_sent.append(
            {
                "entity": spec.name,
                "op": "not_sent",
                "kind": "owner",
                "link": link.id,
                "fields": fields,
                "why": f"changed in {editor}; {why}",
            }
        )
        self.emit(
            "warning",
            "merge",
            f"{spec.label} {name!r}: {', '.join(fields)} changed in {editor} and not sent: "
            f"{why}. Make the change in {self.labels[owner]}, or undo it in {editor}.",
            entity=spec.name,
            record=name,
            link=link.id,
        )

    def carry_out(self, step: Step, spec: EntitySpec, link: Link, pair: Pair, name: str) -> None:
        """One lifecycle step against the store, counted and said in the run log."""
        if isinstance(step, Unlink):
            self.unlink(spec, link, step.conflict_id, name)
        elif isinstance(step, DropWaitingOps):
            self.drop_waiting_ops(link, step.reason)
        elif isinstance(step, Close):
            self.close_conflict(step, spec, name)
        elif isinstance(step, Open):
            self.store.open_conflict(
                self.pid,
                link.id,
                spec.name,
                step.kind,
                step.entries,
                link.a_version,
                link.b_version,
                self.run_id,
                note=self.open_note(step, spec.name),
            )
            self.counts["conflicts_opened"] += 1
            if step.kind == ConflictKind.DELETE:
                self.emit(
                    "warning",
                    "merge",
                    f"{spec.label} {name!r}: {self.open_note(step, spec.name)}.",
                    entity=spec.name,
                    record=name,
                    link=link.id,
                )
            if step.kind == ConflictKind.FIELD:
                self.emit(
                    "info",
                    "merge",
                    f"Conflict on {spec.label.lower()} {name!r}: "
                    f"{', '.join(sorted(step.entries))}.",
                    entity=spec.name,
                    record=name,
                )
        elif isinstance(step, Reopen):
            self.reopen_conflict(step, spec, link, name)
        elif isinstance(step, SettleDeletion):
            self.plan_delete_resolution(spec, link, step, pair)
        elif isinstance(step, ApplyResolution):
            self.counts["resolutions_applied"] += 1
            self.emit(
                "info",
                "merge",
                f"Applying the saved resolution of conflict {step.conflict_id} "
                f"({spec.label} {name!r}).",
                entity=spec.name,
                record=name,
            )

    def drop_waiting_ops(self, link: Link, reason: Reason) -> None:
        for op in self.store.live_ops_for_link(link.id):
            if op.state in (OpState.PENDING, OpState.HELD):
                self.store.set_op_state(op.id, OpState.SUPERSEDED, error=self.reason_words(reason))

    def open_note(self, step: Open, entity: str = "") -> str | None:
        """The note a new conflict keeps; a deletion's says what the other side does
        meanwhile (keeps it) and what a person can decide (a bill payment gone from BILL
        was voided or canceled there: BILL cannot archive or delete a payment)."""
        if step.reason is None:
            return None
        if step.kind != ConflictKind.DELETE or len(step.reason.sides) != 1:
            return self.reason_words(step.reason)
        gone = step.reason.sides[0]
        voided = entity == "bill_payment" and gone == "a"
        return deletion_words(self.labels[gone], self.labels[other(gone)], voided=voided)

    def reason_words(self, reason: Reason) -> str:
        """A lifecycle reason as the note a conflict or op keeps (system names, no keys)."""
        sides = " and ".join(self.labels[s] for s in reason.sides)
        words = {
            Why.LINKED: "linked to its counterpart",
            Why.DELETED: f"deleted in {sides}",
            Why.CHANGED_AGAIN: f"changed again in {sides}",
            Why.VALUES_CHANGED: "the values in conflict changed",
            Why.SETTLED_BY_RULE: f"decided by {', '.join(reason.rules)}",
            Why.SETTLED: "settled: both sides now agree",
            Why.NOT_SENT: "closed: the profile's update fields no longer let a sync "
            "replace these fields; each side keeps its value",
            Why.NOT_OWNED: "closed: the profile's edit ownership now says where these "
            "fields are edited; the other side's change is said on every run, not sent",
            Why.SETTLED_BY_OWNER: "decided by the profile's edit ownership: the owning "
            "side's values stand",
            Why.ALREADY_HELD: "both sides already held the chosen values",
            Why.REPLANNED: REPLANNED,
            Why.UNLINKED: "unlinked",
        }[reason.why]
        if reason.kept_choice:
            words += "; your earlier choice is kept as a suggestion"
        return words

    def close_conflict(self, step: Close, spec: EntitySpec, name: str) -> None:
        note = self.reason_words(step.reason)
        if step.reason.why == Why.DELETED:
            note += ": decide the deletion instead"
        self.store.set_conflict_status(step.conflict_id, step.status, note=note)
        said = {
            Why.SETTLED: "settled itself: both sides now agree.",
            Why.SETTLED_BY_RULE: f"was {note}.",
        }.get(step.reason.why)
        if said is not None:
            self.emit(
                "info",
                "merge",
                f"Conflict {step.conflict_id} ({spec.label} {name!r}) {said}",
                entity=spec.name,
                record=name,
            )

    def reopen_conflict(self, step: Reopen, spec: EntitySpec, link: Link, name: str) -> None:
        self.store.reopen_conflict(
            step.conflict_id,
            step.entries,
            link.a_version,
            link.b_version,
            suggestion=step.suggestion,
            note=self.reason_words(step.reason),
        )
        if step.was_resolved:
            self.counts["conflicts_reopened"] += 1
            self.emit(
                "warning",
                "merge",
                f"Conflict {step.conflict_id} ({spec.label} {name!r}) was reopened: the record "
                "changed again before its resolution was pushed.",
                entity=spec.name,
                record=name,
            )

    def unlink(self, spec: EntitySpec, link: Link, conflict_id: int, name: str) -> None:
        """A person chose never to sync this record again: nothing more is written to
        either side, and its waiting writes are dropped (said in the log)."""
        self.store.set_link_state(link.id, LinkState.IGNORED)
        self.drop_waiting_ops(link, Reason(Why.UNLINKED))
        self.store.set_conflict_status(
            conflict_id, ConflictStatus.PUSHED, note="unlinked: never synced"
        )
        self.emit(
            "info",
            "merge",
            f"{spec.label} {name!r} is unlinked, as chosen in conflict {conflict_id}: it is "
            "never synced again.",
            entity=spec.name,
            record=name,
        )

    def hold_lines(
        self,
        spec: EntitySpec,
        link: Link,
        merge: Merge,
        resolution_writes: dict[Side, dict[str, Any]],
        live: Conflict | None,
        conflict_id: int | None,
    ) -> bool:
        """Where one side's lines do not carry the record's total
        (:func:`~recontui.engine.amounts.gap`) and the two sides' totals differ, or those
        lines are about to be copied, say so (on every run until it changes) and take the
        copy out of the plan.

        A saved resolution that chose those lines goes back to the queue, its choice kept
        as a suggestion: nothing of it is written, and True is returned.
        """
        for source in SIDES:
            held = gap(spec, link.fields(source), tax_carried=self.tax_carried(link, spec.name))
            if held is None:
                continue
            target = other(source)
            writes = merge.to_a if target == "a" else merge.to_b
            chosen = "lines" in resolution_writes.get(target, {})
            apart = totals_differ(spec, link.a_fields, link.b_fields) is not None
            if "lines" not in writes and not chosen and not apart:
                continue
            self.not_carried(spec, link, source, held, create=False)
            if chosen and live is not None and conflict_id is not None:
                note = f"the chosen lines from {self.labels[source]} do not carry its total"
                self.send_back(conflict_id, live, link, note)
                return True
            writes.pop("lines", None)
        return False

    def send_back(self, conflict_id: int, live: Conflict, link: Link, note: str) -> None:
        """A saved resolution that cannot be carried out goes back to the queue, its choice
        kept as a suggestion and ``note`` saying why; it is not counted as applied."""
        self.store.reopen_conflict(
            conflict_id,
            live.fields,
            link.a_version,
            link.b_version,
            suggestion=live.choices or None,
            note=note,
        )
        self.counts["resolutions_applied"] -= 1

    def hold_blanked_choice(
        self,
        spec: EntitySpec,
        link: Link,
        chosen: Mapping[Side, Mapping[str, Any]],
        live: Conflict | None,
        conflict_id: int | None,
        name: str,
    ) -> bool:
        """A saved resolution whose choice would blank a field a system requires
        (engine/required.py) is not sent to be refused: the conflict goes back to the queue
        saying so, the choice kept as a suggestion, and nothing of it is written (True)."""
        if live is None or conflict_id is None:
            return False
        for side in SIDES:
            writes = self.with_defaults(spec.name, side, OpKind.UPDATE, chosen.get(side, {}))
            held = held_for(OpKind.UPDATE, self.required(side, spec.name), writes)
            if held is None:
                continue
            note = self.blank_choice_words(spec.name, side, held)
            self.send_back(conflict_id, live, link, note)
            self.emit(
                "warning",
                "merge",
                f"Conflict {conflict_id} ({spec.label} {name!r}) is back in the queue: {note}.",
                entity=spec.name,
                record=name,
            )
            return True
        return False

    def plan_delete_resolution(
        self, spec: EntitySpec, link: Link, step: SettleDeletion, pair: Pair
    ) -> None:
        """One side deleted the record: delete it on the other too, or bring it back."""
        winner, a, b = step.winner, pair.a, pair.b
        gone: Side = "a" if link.a_deleted else "b"
        survivor: Side = other(gone)
        if winner == gone:
            side, op, changes, old, new = survivor, OpKind.DEACTIVATE, {}, "exists", "deleted"
        else:
            values = a if survivor == "a" else b
            changes = {k: v for k, v in values.items() if not is_blank(v)}
            side, old, new = gone, "deleted", "restored"
            # An archived record comes back as itself (its id, number and history); only a
            # record its system cannot bring back is created anew.
            op = OpKind.RESTORE if self.conns[gone].can_restore(spec.name) else OpKind.CREATE
        audit = [{"field": "(record)", "side": side, "old": old, "new": new, "by": "resolution"}]
        self.plan_op(link, spec.name, side, op, changes, audit, conflict_id=step.conflict_id)

    def say_owner_decisions(self, spec: EntitySpec, link: Link, merge: Merge, name: str) -> None:
        """Fields both sides changed, settled for the side that owns the edits: said with
        the value replaced (the audit keeps it too)."""
        owner = self.policy.owner(spec.name)
        for entry in merge.audit:
            if entry.by != OWNER or owner is None:
                continue
            editor = self.labels[other(owner)]
            self.emit(
                "warning",
                "merge",
                f"{spec.label} {name!r}: {entry.field} was changed in both systems; "
                f"{owner_words(spec.name, editor, self.labels[owner])}, so its value is "
                f"kept and {editor}'s {display(spec.field(entry.field), entry.old)} is "
                "replaced.",
                entity=spec.name,
                record=name,
                field=entry.field,
                link=link.id,
            )

    def plan_writes(
        self,
        spec: EntitySpec,
        link: Link,
        merge: Merge,
        resolution_writes: Mapping[Side, Mapping[str, Any]],
        resolution_audit: list[Audit],
        conflict_id: int | None,
        name: str,
    ) -> None:
        self.say_owner_decisions(spec, link, merge, name)
        rule_decisions = [
            e for e in merge.audit if e.by not in ("merge", "revert", "resolution", OWNER)
        ]
        # A rule's decision is audited as it is made, with the count: its write may wait
        # (on a person, a reference, a server) yet the decision is listed, and can be
        # overridden once written. The op keeps the entry, marked ``AUDITED`` so that
        # the push (run/push.py ``settle_write``) does not write it again.
        audits = list(merge.audit) + list(resolution_audit)
        if rule_decisions:
            self.store.add_audit(
                self.pid,
                self.run_id,
                spec.name,
                link.id,
                [_audit_dict(e) for e in rule_decisions],
                actor=self.options.actor,
            )
            self.counts["auto_resolved"] += len(rule_decisions)
            for entry in rule_decisions:
                self.emit(
                    "info",
                    "merge",
                    f"{spec.label} {name!r}: {entry.field} decided by {entry.by}.",
                    entity=spec.name,
                    record=name,
                    field=entry.field,
                    rule=entry.by,
                    link=link.id,
                )
        wrote = False
        for side in SIDES:
            changes = dict(merge.to_a if side == "a" else merge.to_b)
            changes.update(resolution_writes.get(side, {}))
            if not changes:
                continue
            side_audit = [
                {**_audit_dict(e), AUDITED: True} if e in rule_decisions else _audit_dict(e)
                for e in audits
                if e.side == side
            ]
            self.plan_op(
                link,
                spec.name,
                side,
                OpKind.UPDATE,
                changes,
                side_audit,
                conflict_id=conflict_id,
            )
            wrote = True
        if wrote and conflict_id is None:
            self.counts["auto_merged"] += 1
        if merge.forbidden:
            self.emit(
                "warning",
                "merge",
                f"{spec.label} {name!r}: a change to "
                f"{', '.join(merge.forbidden)} goes against the sync direction "
                f"({self.policy.direction(spec.name)}); see the conflict queue.",
                entity=spec.name,
                record=name,
            )
