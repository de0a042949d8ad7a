"""Phase 2: link new records to their counterparts (exact keys, then near-duplicates);
ambiguity becomes a match conflict.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..engine import (
    Candidate,
    Direction,
    MatchResult,
    match_records,
)
from ..engine.amounts import gap
from ..engine.approval import WAITING_WHY, waits_for_approval
from ..engine.fuzzy import Twin, find_twins
from ..engine.refusals import (
    is_refused_create,
)
from ..engine.window import in_window
from ..model import (
    ENTITIES,
    SIDES,
    EntitySpec,
    Side,
    is_blank,
    other,
)
from ..model.states import (
    MATCH_KEY,
    ConflictKind,
    ConflictStatus,
    LinkState,
    OpKind,
    OpState,
    Pick,
)
from ..store import Conflict, Link
from .filters import Filtering
from .ops import REPLANNED, Ops, _refs_in
from .summary import summary_takes


def _wait_for_parties(
    spec: EntitySpec,
    result: MatchResult,
    candidates: Mapping[Side, list[Candidate]],
    undecided: set[int],
) -> None:
    """Undo pairs made by a fallback key without the party (reference + date + amount)
    where a party still waits for a person's match decision: that decision may pair them,
    and then the records' own key pairs them without a conflict on the party. Until then
    they stay unmatched, and wait for the decision like any record that refers to it."""
    refs = {f.name for f in spec.refs()}
    # Only what a copy carries: a reference one system alone holds (a QuickBooks
    # customer's parent) is never written to the other, so it makes nothing wait.
    synced = {f.name for f in spec.synced_fields}
    fields = {
        c.key: {k: v for k, v in c.fields.items() if k in synced}
        for side in SIDES
        for c in candidates[side]
    }

    def waits(key: int) -> bool:
        return any(r.link in undecided for r in _refs_in(fields.get(key, {})))

    kept = []
    for a_id, b_id, key in result.pairs:
        fallback = key != spec.keys[0] and not refs.intersection(key)
        if fallback and (waits(a_id) or waits(b_id)):
            result.unmatched_a.append(a_id)
            result.unmatched_b.append(b_id)
        else:
            kept.append((a_id, b_id, key))
    result.pairs[:] = kept


def candidates_fields(candidates: list[Candidate], key: int) -> Mapping[str, Any]:
    for cand in candidates:
        if cand.key == key:
            return cand.fields
    return {}


def _near_duplicates(
    spec: EntitySpec,
    result: MatchResult,
    candidates: Mapping[Side, list[Candidate]],
    by_id: Mapping[int, Link],
    asked: set[int],
) -> dict[int, list[Twin]]:
    """The plausible twins (engine/fuzzy) among the records left unmatched on both sides,
    for pairs with a record that changed since the last run. A record an open match
    conflict already asks about is not asked about again."""
    left = {"a": set(result.unmatched_a), "b": set(result.unmatched_b)}
    changed = {i for side in SIDES for i in left[side] if by_id[i].dirty}
    if not changed:
        return {}
    a, b = (
        [c for c in candidates[side] if c.key in left[side] and c.key not in asked]
        for side in SIDES
    )
    return find_twins(spec, a, b, involving=changed)


def _take_out_waiting(result: MatchResult, opened: set[int], listed: set[int]) -> list[int]:
    """Take the records a match conflict asks about or lists out of the unmatched lists
    (they are neither created nor matched until a person decides). Returns those only
    listed, in the order found: released by another decision, they wait again."""
    again = []
    for unmatched in (result.unmatched_a, result.unmatched_b):
        for link_id in [i for i in unmatched if i in opened or i in listed]:
            unmatched.remove(link_id)
            if link_id not in opened:  # released by another decision, still listed here
                again.append(link_id)
    return again


class Matching(Ops, Filtering):
    """Phase 2."""

    def apply_match_resolutions(self, entity: str) -> list[int]:
        """Carry out what a person decided about ambiguous matches.

        Returns the links to create on the other side ("create, keep both").
        """
        to_create: list[int] = []
        resolved = (ConflictStatus.RESOLVED,)
        for c in self.store.conflicts(self.pid, statuses=resolved, entity=entity):
            if c.kind != ConflictKind.MATCH:
                continue
            how, arg = (c.choices or {}).get(MATCH_KEY, (None, None))
            others = list(c.candidates or [])
            mine = self.store.link(c.link_id)
            # A match conflict asks about a record one side holds; a refused create may be
            # about either side's record, its candidates on the other side.
            held: Side = "b" if mine is not None and mine.a_id is None else "a"
            there = other(held)
            if how == Pick.LINK:
                target = self.link_as_chosen(c, entity, mine, held, arg)
                if target is None:
                    continue
                others = [x for x in others if x != target.id]
                note = f"linked to {self.labels[there]} record {target.remote_id(there)}"
            elif how == Pick.CREATE and is_refused_create(c.fields):
                # Try again: the record goes back to matching, and is created unless a
                # counterpart turned up meanwhile (someone entered it by hand).
                self.store.set_link_state(c.link_id, LinkState.UNPAIRED)
                self.store.mark_dirty(c.link_id, held)
                note = f"trying again to create it in {self.labels[there]}"
            elif how == Pick.CREATE:
                self.store.set_link_state(c.link_id, LinkState.SINGLE)
                self.store.mark_dirty(c.link_id, "a")
                to_create.append(c.link_id)
                note = f"kept apart: created in {self.labels['b']}"
            else:
                self.store.set_link_state(c.link_id, LinkState.IGNORED)
                note = "ignored: never synced"
            for link_id in others:
                self.store.set_link_state(link_id, LinkState.UNPAIRED)
                self.store.mark_dirty(link_id, there)
            self.store.set_conflict_status(c.id, ConflictStatus.PUSHED, note=note)
            self.emit("info", "match", f"Match conflict {c.id}: {note}.", entity=entity)
        return to_create

    def link_as_chosen(
        self, c: Conflict, entity: str, mine: Link | None, held: Side, arg: Any
    ) -> Link | None:
        """Pair the record ``held`` holds with the one a person chose (link ``arg``).

        Returns the chosen link; None, and the conflict reopened, when the chosen record
        is no longer there to link to.
        """
        there = other(held)
        target = self.store.link(int(arg))
        if target is None or target.remote_id(there) is None or target.remote_id(held) is not None:
            self.store.reopen_conflict(
                c.id,
                c.fields,
                c.a_version,
                c.b_version,
                suggestion=c.choices,
                note="the chosen record is no longer available",
            )
            return None
        a_link, b_link = (c.link_id, target.id) if held == "a" else (target.id, c.link_id)
        b_id = target.b_id if held == "a" else (mine.b_id if mine else None)
        survivor = self.store.pair_links(a_link, b_link)
        if b_id is not None:
            self.index["b"][(entity, b_id)] = survivor
        self.counts["linked"] += 1
        return target

    def match_entity(self, entity: str) -> None:
        """Link the entity's new records to their counterparts, ask a person where that is
        not certain, and plan creates on the other side for the rest."""
        spec = ENTITIES[entity]
        singles = self.kept_apart(entity)
        unpaired = self.unpaired_with(entity, singles)
        self.replan_held_creates(entity, unpaired)
        self.drop_out_of_window(spec, unpaired)
        self.say_linked_outside(spec)  # linked records a filter would not copy now
        if not unpaired["a"] and not unpaired["b"]:
            return
        candidates = self.candidates_of(spec, unpaired, leave_out=set(singles))
        result = self.match_exactly(spec, candidates)
        by_id = {link.id: link for side in SIDES for link in unpaired[side]}
        self.link_matched(spec, result, by_id)
        self.ask_about_ambiguous(spec, result, candidates, by_id)
        self.ask_about_near_duplicates(spec, result, candidates, by_id)
        direction = self.policy.direction(entity)
        result.unmatched_a.extend(singles)
        for side, unmatched in zip(SIDES, (result.unmatched_a, result.unmatched_b), strict=True):
            for link_id in unmatched:
                self.create_unmatched(spec, by_id[link_id], side, direction)
        self.say_filtered(spec)  # the profile's filters: what they kept out (run/filters.py)

    def kept_apart(self, entity: str) -> list[int]:
        """The links a person kept apart ("create, keep both"): decided now, or before and
        changed since, not yet created on side b."""
        singles = self.apply_match_resolutions(entity)
        singles += [
            link.id
            for link in self.store.singles_to_create(self.pid, entity)
            if link.id not in singles
        ]
        return singles

    def replan_held_creates(self, entity: str, unpaired: Mapping[Side, list[Link]]) -> None:
        """A create held for a field its system requires (engine/required.py) waits for
        its record to change; once it has, the held create is dropped and the record is
        planned afresh below (created, held again, or left alone if it went inactive)."""
        changed = {link.id for side in SIDES for link in unpaired[side] if link.dirty}
        if not changed:
            return
        for op in self.store.ops(self.pid, (OpState.HELD,)):
            if op.entity == entity and op.op == OpKind.CREATE and op.link_id in changed:
                self.store.set_op_state(op.id, OpState.SUPERSEDED, error=REPLANNED)

    def unpaired_with(self, entity: str, singles: list[int]) -> dict[Side, list[Link]]:
        """Each side's unpaired links, the kept-apart ``singles`` added to side a."""
        unpaired = {side: self.store.unpaired_links(self.pid, entity, side) for side in SIDES}
        for link_id in singles:
            link = self.store.link(link_id)
            if link is not None:
                unpaired["a"].append(link)
        return unpaired

    def candidates_of(
        self,
        spec: EntitySpec,
        links: Mapping[Side, list[Link]],
        *,
        leave_out: Collection[int] = (),
    ) -> dict[Side, list[Candidate]]:
        """Each side's records still there (not deleted) that look for a counterpart."""
        return {
            side: [
                Candidate(link.id, self.side_fields(link, side, spec.fields))
                for link in links[side]
                if not link.deleted(side) and link.id not in leave_out
            ]
            for side in SIDES
        }

    def match_exactly(
        self, spec: EntitySpec, candidates: Mapping[Side, list[Candidate]]
    ) -> MatchResult:
        """Pair records by their exact keys (engine.match_records); a pair made without
        its party waits while that party waits for a match decision."""
        has_refs = any(True for _ in spec.refs())
        undecided = (
            self.store.link_ids_in_state(self.pid, LinkState.MATCHING) if has_refs else set()
        )
        result = match_records(spec, candidates["a"], candidates["b"])
        if undecided:
            _wait_for_parties(spec, result, candidates, undecided)
        return result

    def link_matched(
        self, spec: EntitySpec, result: MatchResult, by_id: Mapping[int, Link]
    ) -> None:
        """Link the pairs matching found, and say how many."""
        self.store.pair_many([(a_id, b_id) for a_id, b_id, _key in result.pairs])
        for a_id, b_id, _key in result.pairs:
            b_link = by_id[b_id]
            if b_link.b_id is not None:
                self.index["b"][(spec.name, b_link.b_id)] = a_id
            self.counts["linked"] += 1
        if result.pairs:
            self.emit(
                "info",
                "match",
                f"Linked {len(result.pairs)} {spec.label.lower()} records found on both sides.",
                entity=spec.name,
            )

    def ask_about_ambiguous(
        self,
        spec: EntitySpec,
        result: MatchResult,
        candidates: Mapping[Side, list[Candidate]],
        by_id: Mapping[int, Link],
    ) -> None:
        """A record whose key several records on the other side share becomes a match
        conflict listing them; all of them wait for a person's decision."""
        entity = spec.name
        for a_id, b_ids, key in result.ambiguous:
            fields_a = candidates_fields(candidates["a"], a_id)
            name = self.record_name(entity, fields_a)
            self.store.open_conflict(
                self.pid,
                a_id,
                entity,
                ConflictKind.MATCH,
                {"key": {"base": None, "a": "+".join(key), "b": None, "kind": "match"}},
                by_id[a_id].a_version,
                None,
                self.run_id,
                candidates=b_ids,
                note=f"{len(b_ids)} {self.labels['b']} records share its {'+'.join(key)}",
            )
            for link_id in (a_id, *b_ids):
                self.store.set_link_state(link_id, LinkState.MATCHING)
            self.counts["conflicts_opened"] += 1
            self.emit(
                "warning",
                "match",
                f"{spec.label} {name!r} could be any of {len(b_ids)} "
                f"{self.labels['b']} records with the same {'+'.join(key)}; choose in the "
                "conflict queue.",
                entity=entity,
                record=name,
            )

    def ask_about_near_duplicates(
        self,
        spec: EntitySpec,
        result: MatchResult,
        candidates: Mapping[Side, list[Candidate]],
        by_id: Mapping[int, Link],
    ) -> None:
        """Near-duplicates: a record whose plausible twin (a similar name) waits unmatched
        on the other side is a question for a person, never a copy on the other side.
        Records an open match conflict asks about or lists wait for its answer (they are
        taken out of ``result``'s unmatched lists)."""
        asked: set[int] = set()
        listed: set[int] = set()
        if result.unmatched_a or result.unmatched_b:
            asked, listed = self.open_match_questions(spec.name)
        twins = _near_duplicates(spec, result, candidates, by_id, asked)
        opened: set[int] = set()
        for a_id, found in twins.items():
            self.ask_about_twins(spec, a_id, found, candidates, by_id[a_id].a_version)
            opened.update((a_id, *(t.b for t in found)))
        for link_id in _take_out_waiting(result, opened, listed):
            self.store.set_link_state(link_id, LinkState.MATCHING)

    def open_match_questions(self, entity: str) -> tuple[set[int], set[int]]:
        """The records open match conflicts ask about, and those they list as candidates."""
        asked: set[int] = set()
        listed: set[int] = set()
        for c in self.store.conflicts(self.pid, statuses=(ConflictStatus.OPEN,), entity=entity):
            if c.kind == ConflictKind.MATCH:
                asked.add(c.link_id)
                listed.update(c.candidates or ())
        return asked, listed

    def ask_about_twins(
        self,
        spec: EntitySpec,
        a_id: int,
        found: list[Twin],
        candidates: Mapping[Side, list[Candidate]],
        a_version: str | None,
    ) -> None:
        """Open a match conflict on record ``a_id`` with its plausible twins as candidates;
        they all wait for a person's decision."""
        entity = spec.name
        label_b = f"{self.labels['b']} {spec.label.lower()}"
        name = self.record_name(entity, candidates_fields(candidates["a"], a_id))
        shown = ", ".join(
            f"{self.record_name(entity, candidates_fields(candidates['b'], t.b))[:80]!r} "
            f"({t.describe()})"
            for t in found[:3]
        )
        b_ids = [t.b for t in found]
        self.store.open_conflict(
            self.pid,
            a_id,
            entity,
            ConflictKind.MATCH,
            {"key": {"base": None, "a": "similar name", "b": None, "kind": "match"}},
            a_version,
            None,
            self.run_id,
            candidates=b_ids,
            note=(
                f"a {label_b} with a similar name: {shown}"
                if len(found) == 1
                else f"{len(found)} {label_b} records with similar names: {shown}"
            ),
        )
        for link_id in (a_id, *b_ids):
            self.store.set_link_state(link_id, LinkState.MATCHING)
        self.counts["conflicts_opened"] += 1
        self.emit(
            "warning",
            "match",
            f"{spec.label} {name!r} may be the {label_b} "
            f"{self.record_name(entity, candidates_fields(candidates['b'], found[0].b))!r} "
            f"({found[0].describe()}); nothing is created until you decide in the "
            "conflict queue.",
            entity=entity,
            record=name,
        )

    def create_unmatched(
        self, spec: EntitySpec, link: Link, side: Side, direction: Direction
    ) -> None:
        """Plan the create on the other side of a changed record ``side`` holds alone,
        unless it waits for a match decision, is inactive, the direction forbids it, a
        create is already on its way, or its lines do not carry its total."""
        entity = spec.name
        target = other(side)
        if not link.dirty:
            return
        if summary_takes(self, entity, side, link):  # run/summary.py posts it in a day's entry
            self.store.clear_dirty(link.id)
            return
        fields_side = self.side_fields(link, side, self.fields_for(entity))
        waiting = self.undecided_refs(fields_side)
        if waiting:
            # It may be the counterpart of a record on the other side once the
            # referenced record is matched: creating it now could duplicate it.
            self.emit(
                "info",
                "match",
                f"{spec.label} "
                f"{self.record_name(entity, fields_side)!r} waits until "
                f"{self.ref_words(waiting[0])} is matched (see the conflict queue).",
                entity=entity,
            )
            return
        self.store.clear_dirty(link.id)
        if fields_side.get("active") is False and not self.include_inactive:
            return
        if direction not in ("both", f"{side}_to_{target}"):
            self.emit(
                "info",
                "match",
                f"{spec.label} "
                f"{self.record_name(entity, fields_side)!r} exists only in "
                f"{self.labels[side]}; the direction does not allow creating it "
                f"in {self.labels[target]}.",
                entity=entity,
            )
            self.not_sent.append(
                {
                    "entity": entity,
                    "op": "not_sent",
                    "kind": "direction",
                    "link": link.id,
                    "fields": [],
                    "why": f"only in {self.labels[side]}; copied "
                    f"{self.labels[target]} → {self.labels[side]} only",
                }
            )
            return
        if any(op.op == OpKind.CREATE for op in self.store.live_ops_for_link(link.id)):
            return
        if self.filtered_out(spec, link, side, fields_side):  # run/filters.py
            return
        if waits_for_approval(
            entity, side, link.fields(side) or {}, only_approved=self.only_approved_bills
        ):
            self.wait_for_approval(spec, link, side, fields_side)
            return
        held = gap(spec, link.fields(side), tax_carried=self.tax_carried(link, spec.name))
        if held is not None:
            self.not_carried(spec, link, side, held, create=True)
            return
        payload = {k: v for k, v in fields_side.items() if not is_blank(v)}
        self.plan_op(link, entity, target, OpKind.CREATE, payload, [])

    def wait_for_approval(
        self, spec: EntitySpec, link: Link, side: Side, fields: dict[str, Any]
    ) -> None:
        """Say once (the record is created when a change in BILL, its approval, marks it
        changed again) that it waits for its approval, in the log and the dry-run plan."""
        name = self.record_name(spec.name, fields)
        self.emit(
            "info",
            "match",
            f"{spec.label} {name!r} waits for approval in {self.labels[side]}: {WAITING_WHY}.",
            entity=spec.name,
            record=name,
        )
        self.not_sent.append(
            {
                "entity": spec.name,
                "op": "not_sent",
                "kind": "approval",
                "link": link.id,
                "fields": ["approval"],
                "why": f"waits for approval in {self.labels[side]}",
            }
        )

    def drop_out_of_window(self, spec: EntitySpec, unpaired: dict[Side, list[Link]]) -> None:
        """Transactions dated before the initial window are never created or updated.

        Those found on both sides are still linked, as *references* (state ``reference``:
        never merged, never written), so a payment inside the window that applies to an
        older invoice finds the same invoice on both sides instead of two strangers.
        """
        if self.first_date is None or spec.kind != "transaction" or not spec.has_field("date"):
            return
        # Editing an older record brings it into the window (run/filters.py).
        brought = self.bring_in_edited_references(spec)
        old: dict[Side, list[Link]] = {"a": [], "b": []}
        for side in SIDES:
            kept = []
            for link in unpaired[side]:
                if in_window((link.fields(side) or {}).get("date"), self.first_date):
                    kept.append(link)
                elif self.edited_after_first_run(link, side):
                    kept.append(link)
                    brought += 1
                else:
                    old[side].append(link)
            unpaired[side] = kept
        self.say_brought_in(spec, brought)
        dropped = len(old["a"]) + len(old["b"])
        linked = self.link_references(spec, old)
        if dropped:
            self.emit(
                "info",
                "match",
                f"{dropped} {spec.label.lower()} records dated before "
                f"{self.first_date.isoformat()} are outside the initial window and left alone"
                + (f"; {linked} found on both sides are linked as references." if linked else "."),
                entity=spec.name,
            )

    def link_references(self, spec: EntitySpec, old: dict[Side, list[Link]]) -> int:
        """Link records outside the window that both sides hold, by their exact keys."""
        if not old["a"] or not old["b"]:
            return 0
        candidates = self.candidates_of(spec, old)
        result = match_records(spec, candidates["a"], candidates["b"])
        b_ids = {link.id: link.b_id for link in old["b"]}
        with self.store.transaction():
            for a_link, b_link, _key in result.pairs:
                survivor = self.store.pair_links(a_link, b_link)
                self.store.set_link_state(survivor, LinkState.REFERENCE)
                self.store.clear_dirty(survivor)
                self.agree_reference(spec, survivor)  # an edit later is a change (filters.py)
                b_id = b_ids.get(b_link)
                if b_id is not None:
                    self.index["b"][(spec.name, b_id)] = survivor
        return len(result.pairs)
