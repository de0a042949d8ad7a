"""Three-way merge of one linked pair, field by field (DESIGN.md, "Three-way merge").

For each synced field, compare both sides with the base (the last values both
sides agreed on), always through the field's normaliser so that case, spacing
or sub-cent differences are not differences:

====================  ====================  =============================================
base vs a             base vs b             result
====================  ====================  =============================================
same                  same                  nothing
changed               same                  push a's value to b (if a->b is allowed)
same                  changed               push b's value to a (if b->a is allowed)
changed               changed, equal        nothing (the new base is that value)
changed               changed, different    conflict, unless a rule decides
(no base)             a equal to b          nothing
(no base)             a differs from b      conflict, unless a rule decides
====================  ====================  =============================================

"A rule decides" means: a ``fill_blanks`` rule when exactly one side is blank,
else the master rule (``prefer`` or ``force``) of the field > entity > profile.
A ``force`` rule also overrides a clean change made on the non-master side.

A field the policy's update fields leave out (``Policy.may_update``: import only, or
updates that replace only some fields) is compared but never written to an existing
record, and never opens a conflict: a difference is listed in ``Merge.not_sent`` and
the field keeps its old base (both sides did not agree on it), so the change is still
a change on the next run.

An entity whose edits one side owns (``Policy.owner``) changes the rows with a base:
a change made only on the owner's side is pushed as above; a change made only on the
other side is listed in ``Merge.not_owned``, never written, never a conflict, and the
field keeps its old base (so it is said again on every run until the two agree); when
both sides changed, the owner's value wins (audited ``by="owner"``). Rows without a base
are not edits of a synced record: a rule decides, or a person does.

A field one system sets itself and no one writes there (BILL's check number on a bill
payment: :data:`SET_BY` in the field's ``extra``, marked by :func:`set_by_system`) flows
out of that system only: while it holds no value there is nothing to say (the other
side's value stands and becomes the base); a value it sets, with no base or changed since
the base, is written to the other side; a change made only on the other side goes through
the table above (and meets that system's refusal, or the owner's rule).

A write the direction does not allow is never made: the field is *forbidden*
and ``Policy.on_forbidden`` says whether it is queued as a conflict, reverted to
the base (possible only for a one-sided change on a side we may write to), or
ignored. Every value written carries exactly one :class:`Audit` entry.

The function is symmetric in the two sides: merging (b, a) under the swapped
policy gives the mirror image of merging (a, b).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from recontui.model.entities import EntitySpec, Side, other
from recontui.model.fields import FieldSpec, is_blank, normalizer, same
from recontui.model.states import Choice

from .policy import DIRECTIONS, Policy, Rule, may_write

ConflictKind = Literal["both_changed", "no_base", "forbidden"]

MERGE = "merge"
#: ``FieldSpec.extra`` key naming the side whose system sets the field itself.
SET_BY = "set_by"
REVERT = "revert"
#: The ``Audit.by`` of a field both sides changed, settled for the side owning the edits.
OWNER = "owner"
RESOLUTION = "resolution"


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field a person has to decide; ``base`` is None when there is no base."""

    base: Any
    a: Any
    b: Any
    #: both_changed: changed differently on both sides; no_base: the pair has no
    #: agreed state yet and the sides differ; forbidden: a change the direction
    #: does not let through, queued by ``on_forbidden="queue"``.
    kind: ConflictKind

    def mirrored(self) -> FieldConflict:
        return FieldConflict(self.base, self.b, self.a, self.kind)


@dataclass(frozen=True, slots=True)
class Audit:
    """One value overwritten on one side: what it was, what it becomes, and why."""

    field: str
    #: The side whose value gets overwritten.
    side: Side
    old: Any
    new: Any
    #: "merge" (a clean one-sided change), "rule:<id>" (or the label of an
    #: unsaved rule), "resolution" (a person's choice), "revert".
    by: str

    def mirrored(self) -> Audit:
        return Audit(self.field, other(self.side), self.old, self.new, self.by)


@dataclass(slots=True)
class Merge:
    """The merge's decisions for one pair; the runner turns them into outbox ops."""

    to_a: dict[str, Any] = field(default_factory=dict)
    to_b: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, FieldConflict] = field(default_factory=dict)
    #: Field -> the value both sides hold once the writes land: the new base.
    #: Only decided fields: a conflict or an ignored forbidden change keeps its
    #: old base (update the base with ``{**old_base, **agreed}``). Where the
    #: sides differ only cosmetically, a's spelling is recorded.
    agreed: dict[str, Any] = field(default_factory=dict)
    audit: list[Audit] = field(default_factory=list)
    #: Fields whose change the direction forbade, whatever ``on_forbidden`` did.
    forbidden: list[str] = field(default_factory=list)
    #: Fields whose sides differ but which updates may not replace (import only, or
    #: outside the entity's update fields): not written, no conflict, base kept.
    not_sent: list[str] = field(default_factory=list)
    #: Fields changed only on the side that does not own the entity's edits: not
    #: written, no conflict, base kept (``Policy.owner`` names the owner).
    not_owned: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts

    @property
    def changes(self) -> bool:
        return bool(self.to_a or self.to_b)

    def mirrored(self) -> Merge:
        """The same decisions with the sides' names exchanged."""
        return Merge(
            to_a=dict(self.to_b),
            to_b=dict(self.to_a),
            conflicts={name: c.mirrored() for name, c in self.conflicts.items()},
            agreed=dict(self.agreed),
            audit=[entry.mirrored() for entry in self.audit],
            forbidden=list(self.forbidden),
            not_sent=list(self.not_sent),
            not_owned=list(self.not_owned),
        )

    def _write(self, side: Side, name: str, old: Any, new: Any, by: str) -> None:
        (self.to_a if side == "a" else self.to_b)[name] = new
        self.audit.append(Audit(name, side, old, new, by))
        self.agreed[name] = new


# -- the per-field plan, compiled once per field list --------------------------------------

Normalizer = Callable[[Any], Any]
_Plan = tuple[tuple[tuple[str, Normalizer], ...], frozenset[str], Mapping[str, Side]]
#: id(field list) -> (the list, its plan); and spec ids -> (the specs, the plan).
_BY_LIST: dict[int, tuple[Sequence[FieldSpec], _Plan]] = {}
_BY_SPECS: dict[tuple[int, ...], tuple[tuple[FieldSpec, ...], _Plan]] = {}
_CACHE_SIZE = 256


def _plan(fields: Sequence[FieldSpec]) -> _Plan:
    """(name, normaliser) per field, and the set of names, built once per field list.

    FieldSpec is not hashable, so the cache is keyed by identity: first of the
    tuple itself (the runner passes the same tuple for every pair of an
    entity), then of its specs (``EntitySpec.synced_fields`` builds a new tuple
    on each access, but of the same specs). Each entry keeps what its key's ids
    name alive, so an id cannot be reused while it is cached.
    """
    frozen = type(fields) is tuple  # a list could change under the same id
    if frozen:
        hit = _BY_LIST.get(id(fields))
        if hit is not None and hit[0] is fields:
            return hit[1]
    specs = tuple(fields)
    key = tuple(map(id, specs))
    found = _BY_SPECS.get(key)
    if found is None:
        plan: _Plan = (
            tuple((spec.name, normalizer(spec)) for spec in specs),
            frozenset(spec.name for spec in specs),
            {spec.name: spec.extra[SET_BY] for spec in specs if SET_BY in spec.extra},
        )
        if len(_BY_SPECS) >= _CACHE_SIZE:
            _BY_SPECS.clear()
        _BY_SPECS[key] = (specs, plan)
    else:
        plan = found[1]
    if frozen:
        if len(_BY_LIST) >= _CACHE_SIZE:
            _BY_LIST.clear()
        _BY_LIST[id(fields)] = (fields, plan)
    return plan


def set_by_system(
    fields: Sequence[FieldSpec], sets: Mapping[Side, frozenset[str]]
) -> tuple[FieldSpec, ...]:
    """``fields`` with each one a system sets itself (``sets[side]``: its connector's
    ``sets_itself``) marked with that side, for :func:`merge_record` and verify."""
    if not any(sets.values()):
        return tuple(fields)
    marked = []
    for spec in fields:
        side = next((s for s, names in sets.items() if spec.name in names), None)
        if side is not None:
            spec = replace(spec, extra={**spec.extra, SET_BY: side})
        marked.append(spec)
    return tuple(marked)


def unset_by_system(spec: FieldSpec, values: Mapping[Side, Mapping[str, Any]]) -> bool:
    """Whether ``spec`` is set by one system and blank there: nothing to compare yet."""
    setter = spec.extra.get(SET_BY)
    return setter is not None and is_blank(values[setter].get(spec.name))


# -- the merge ------------------------------------------------------------------------------

_MISSING = object()
_WRITABLE: dict[str, dict[Side, bool]] = {
    d: {"a": may_write(d, "a"), "b": may_write(d, "b")} for d in DIRECTIONS
}


@dataclass(frozen=True, slots=True)
class _Asked:
    """What the policy says of one field: whether an update may replace it, and the
    rules that decide it (``Policy.may_update``, ``fills_blanks``, ``master_rule``)."""

    may_update: bool
    fill: Rule | None
    master: Rule | None


@dataclass(frozen=True, slots=True)
class _Answers:
    """The policy's answers for one entity's fields: a Policy is frozen, so they are
    asked once per policy and entity, not once per pair."""

    fields: Mapping[str, _Asked]
    owner: Side | None
    writable: Mapping[Side, bool]


#: (id(policy), entity, field names) -> (the policy, kept alive so its id stays its own,
#: and its answers).
_BY_POLICY: dict[tuple[int, str, frozenset[str]], tuple[Policy, _Answers]] = {}


def _answers(policy: Policy, entity: str, names: frozenset[str]) -> _Answers:
    key = (id(policy), entity, names)
    hit = _BY_POLICY.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1]
    answers = _Answers(
        {
            name: _Asked(
                policy.may_update(entity, name),
                policy.fills_blanks(entity, name),
                policy.master_rule(entity, name),
            )
            for name in names
        },
        policy.owner(entity),
        _WRITABLE[policy.direction(entity)],
    )
    if len(_BY_POLICY) >= _CACHE_SIZE:
        _BY_POLICY.clear()
    _BY_POLICY[key] = (policy, answers)
    return answers


def merge_record(
    entity: EntitySpec,
    fields: Sequence[FieldSpec],
    base: Mapping[str, Any] | None,
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    policy: Policy,
) -> Merge:
    """Merge one linked pair: what to write on each side, what a person must decide.

    ``fields`` is the synced set; every other key of the records is ignored.
    ``base`` is None for a pair that never agreed; a field missing from a base
    is treated the same way (no agreed value is known for it, so nothing is
    guessed), which keeps an undecided field undecided on the next run.

    Values that are ``==`` are taken as the same value without normalising
    them (true of every canonical type), which is what makes the common case
    of an unchanged pair cheap. What the policy says of each field is asked once
    per policy (:func:`_answers`), each field's normaliser built once per field list.
    """
    steps, names, set_by = _plan(fields)
    if a == b:
        # Identical records: every row of the table says "nothing". This is
        # most pairs of most runs, so it skips the per-field work.
        if a.keys() == names:
            return Merge(agreed=dict(a))
        return Merge(agreed={name: a.get(name) for name, _ in steps})

    answers = _answers(policy, entity.name, names)
    merge = Merge()
    agreed = merge.agreed
    a_get, b_get = a.get, b.get
    for name, norm in steps:
        va = a_get(name)
        vb = b_get(name)
        # a equal to b (same/same, or both changed alike; with or without a
        # base): nothing. ``==`` first, the normaliser only when it says no.
        if va == vb:
            agreed[name] = va
            continue
        asked = answers.fields[name]
        setter = set_by.get(name) if set_by else None
        if setter is not None and _set_by(
            merge, name, norm, setter, base, va, vb, asked, answers, policy
        ):
            continue
        _merge_field(merge, name, norm, base, va, vb, asked, answers, policy)
    return merge


def _set_by(
    merge: Merge,
    name: str,
    norm: Callable[[Any], Any],
    setter: Side,
    base: Mapping[str, Any] | None,
    va: Any,
    vb: Any,
    asked: _Asked,
    answers: _Answers,
    policy: Policy,
) -> bool:
    """A field ``setter``'s system sets itself: True when its rule decided the field."""
    held, theirs = (va, vb) if setter == "a" else (vb, va)
    if is_blank(held):
        # The system has not set it (no check printed yet): nothing to say, nothing to
        # write there; the other side's value stands.
        merge.agreed[name] = theirs
        return True
    vbase = _MISSING if base is None else base.get(name, _MISSING)
    if vbase is not _MISSING and norm(held) == norm(vbase):
        return False  # set before and unchanged: the other side moved, the table decides
    if norm(held) == norm(theirs) or not asked.may_update:
        return False  # the same, or updates never replace it: the table says so
    _settle(merge, name, setter, MERGE, vbase, va, vb, policy, answers.writable, setter)
    return True


def _merge_field(
    merge: Merge,
    name: str,
    norm: Callable[[Any], Any],
    base: Mapping[str, Any] | None,
    va: Any,
    vb: Any,
    asked: _Asked,
    answers: _Answers,
    policy: Policy,
) -> None:
    """The rows of the table for one field whose two values are not ``==``."""
    na = norm(va)
    nb = norm(vb)
    if na == nb:
        merge.agreed[name] = va
        return
    if not asked.may_update:
        # Updates never replace this field: the difference is said, never written,
        # never a conflict, and never agreed (the base keeps what both last held).
        merge.not_sent.append(name)
        return
    writable = answers.writable
    # No base, and the sides differ: a rule decides, or a person does.
    vbase = _MISSING if base is None else base.get(name, _MISSING)
    if vbase is _MISSING:
        _contested(merge, name, None, va, vb, "no_base", asked, policy, writable)
        return
    nbase = norm(vbase)
    a_changed = na != nbase
    b_changed = nb != nbase
    owner = answers.owner
    if owner is not None:
        _owned(merge, name, owner, a_changed, b_changed, vbase, va, vb, policy, writable)
        return
    # changed / changed, different: a rule decides, or a person does.
    if a_changed and b_changed:
        _contested(merge, name, vbase, va, vb, "both_changed", asked, policy, writable)
        return
    # changed / same, or same / changed: push the change to the other side,
    # unless a force rule makes the side that did not change the master.
    changed: Side = "a" if a_changed else "b"
    master = asked.master
    forced = master.side if master is not None and master.kind == "force" else None
    if master is not None and forced is not None and forced != changed:
        _settle(merge, name, forced, master.audit_by, vbase, va, vb, policy, writable)
    else:
        _settle(merge, name, changed, MERGE, vbase, va, vb, policy, writable, changed)


def _owned(
    merge: Merge,
    name: str,
    owner: Side,
    a_changed: bool,
    b_changed: bool,
    vbase: Any,
    va: Any,
    vb: Any,
    policy: Policy,
    writable: Mapping[Side, bool],
) -> None:
    """A field of a synced record whose edits ``owner`` owns: its change goes through,
    the other side's is said and kept back, and when both changed the owner's stands."""
    if a_changed and b_changed:
        _settle(merge, name, owner, OWNER, vbase, va, vb, policy, writable)
        return
    changed: Side = "a" if a_changed else "b"
    if changed != owner:
        merge.not_owned.append(name)
        return
    _settle(merge, name, changed, MERGE, vbase, va, vb, policy, writable, changed)


def _contested(
    merge: Merge,
    name: str,
    vbase: Any,
    va: Any,
    vb: Any,
    kind: ConflictKind,
    asked: _Asked,
    policy: Policy,
    writable: Mapping[Side, bool],
) -> None:
    """Both sides moved (or there is no base): a rule decides, or a person does."""
    decision = _decide(asked.fill, asked.master, va, vb)
    if decision is None:
        merge.conflicts[name] = FieldConflict(vbase, va, vb, kind)
        return
    winner, rule = decision
    _settle(merge, name, winner, rule.audit_by, vbase, va, vb, policy, writable)


def decide_by_rule(
    policy: Policy, entity: str, name: str, va: Any, vb: Any
) -> tuple[Side, Rule] | None:
    """The side whose value a rule picks for a contested field, and the rule.

    fill_blanks first (it only ever adds information), then the master rule.
    """
    return _decide(policy.fills_blanks(entity, name), policy.master_rule(entity, name), va, vb)


def _decide(fill: Rule | None, master: Rule | None, va: Any, vb: Any) -> tuple[Side, Rule] | None:
    """:func:`decide_by_rule` with the field's two rules already found."""
    if fill is not None:
        a_blank = is_blank(va)
        if a_blank != is_blank(vb):
            return ("b" if a_blank else "a"), fill
    if master is not None and master.side is not None:
        return master.side, master
    return None


def _settle(
    merge: Merge,
    name: str,
    winner: Side,
    by: str,
    vbase: Any,
    va: Any,
    vb: Any,
    policy: Policy,
    writable: Mapping[Side, bool],
    changed: Side | None = None,
) -> None:
    """Make the loser hold the winner's value, if the direction lets us write there.

    ``changed`` is the one side that changed, for a clean one-sided change: the
    only case where "revert" has a change to undo.
    """
    loser = other(winner)
    values = {"a": va, "b": vb}
    if writable[loser]:
        merge._write(loser, name, values[loser], values[winner], by)
        return
    merge.forbidden.append(name)
    action = policy.on_forbidden
    if action == "ignore":
        return
    if action == "revert" and changed is not None and writable[changed]:
        merge._write(changed, name, values[changed], vbase, REVERT)
        return
    # "queue", or a revert that cannot be done (no single change to undo, or
    # the changed side is not writable either): a person decides.
    merge.conflicts[name] = FieldConflict(vbase, va, vb, "forbidden")


# -- a person's resolution ----------------------------------------------------------------


@dataclass(slots=True)
class Resolution:
    """A person's choices, as writes: ``result`` holds every chosen field's final value."""

    result: dict[str, Any] = field(default_factory=dict)
    to_a: dict[str, Any] = field(default_factory=dict)
    to_b: dict[str, Any] = field(default_factory=dict)
    audit: list[Audit] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.to_a or self.to_b)


def apply_resolution(
    fields: Sequence[FieldSpec],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    choices: Mapping[str, Choice],
) -> Resolution:
    """Turn per-field choices (``("a", _)``, ``("b", _)``, ``("custom", value)``) into writes.

    A person's explicit choice is written to both sides whatever the profile's
    direction says: the direction governs what the sync does on its own, and
    choosing a value in the Resolve screen is an instruction, not a guess. Each
    side is written only where its current value differs (normalised) from the
    result; fields without a choice are left alone.
    """
    specs = {spec.name: spec for spec in fields}
    unknown = [name for name in choices if name not in specs]
    if unknown:
        raise ValueError(f"choices for fields outside the synced set: {', '.join(unknown)}")
    out = Resolution()
    for spec in fields:
        choice = choices.get(spec.name)
        if choice is None:
            continue
        pick, custom = choice
        if pick == "a":
            value = a.get(spec.name)
        elif pick == "b":
            value = b.get(spec.name)
        elif pick == "custom":
            value = custom
        else:
            raise ValueError(f"unknown choice {pick!r} for {spec.name}")
        out.result[spec.name] = value
        sides: tuple[tuple[Side, Mapping[str, Any], dict[str, Any]], ...] = (
            ("a", a, out.to_a),
            ("b", b, out.to_b),
        )
        for side, current, target in sides:
            old = current.get(spec.name)
            if not same(spec, old, value):
                target[spec.name] = value
                out.audit.append(Audit(spec.name, side, old, value, RESOLUTION))
    return out
