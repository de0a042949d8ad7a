"""The merge as it was before its quick paths (engine/merge.py at commit cc01b04): the
reference that tests/engine/test_engine_merge_fast.py compares ``merge_record`` with.

Only the per-pair decision code is copied; the result types are the engine's own, so the
two answers compare with ``==``. Do not change it to follow the engine: it is the
yardstick the engine's faster code must agree with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from recontui.engine.merge import (
    MERGE,
    OWNER,
    REVERT,
    SET_BY,
    ConflictKind,
    FieldConflict,
    Merge,
)
from recontui.engine.policy import DIRECTIONS, Policy, Rule, may_write
from recontui.model.entities import EntitySpec, Side, other
from recontui.model.fields import FieldSpec, is_blank, normalize

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
            tuple((spec.name, partial(normalize, spec)) for spec in specs),
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


_MISSING = object()
_WRITABLE: dict[str, dict[Side, bool]] = {
    d: {"a": may_write(d, "a"), "b": may_write(d, "b")} for d in DIRECTIONS
}


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
    of an unchanged pair cheap.
    """
    steps, names, set_by = _plan(fields)
    if a == b:
        # Identical records: every row of the table says "nothing". This is
        # most pairs of most runs, so it skips the per-field work.
        if a.keys() == names:
            return Merge(agreed=dict(a))
        return Merge(agreed={name: a.get(name) for name, _ in steps})

    writable = _WRITABLE[policy.direction(entity.name)]
    merge = Merge()
    for name, norm in steps:
        va = a.get(name)
        vb = b.get(name)
        # a equal to b (same/same, or both changed alike; with or without a
        # base): nothing. ``==`` first, the normaliser only when it says no.
        if va == vb:
            merge.agreed[name] = va
            continue
        setter = set_by.get(name) if set_by else None
        if setter is not None and _set_by(
            merge, entity.name, name, norm, setter, base, va, vb, policy, writable
        ):
            continue
        _merge_field(merge, entity.name, name, norm, base, va, vb, policy, writable)
    return merge


def _set_by(
    merge: Merge,
    entity: str,
    name: str,
    norm: Callable[[Any], Any],
    setter: Side,
    base: Mapping[str, Any] | None,
    va: Any,
    vb: Any,
    policy: Policy,
    writable: Mapping[Side, bool],
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
    if norm(held) == norm(theirs) or not policy.may_update(entity, name):
        return False  # the same, or updates never replace it: the table says so
    _settle(merge, name, setter, MERGE, vbase, va, vb, policy, writable, setter)
    return True


def _merge_field(
    merge: Merge,
    entity: str,
    name: str,
    norm: Callable[[Any], Any],
    base: Mapping[str, Any] | None,
    va: Any,
    vb: Any,
    policy: Policy,
    writable: Mapping[Side, bool],
) -> None:
    """The rows of the table for one field whose two values are not ``==``."""
    na = norm(va)
    nb = norm(vb)
    if na == nb:
        merge.agreed[name] = va
        return
    if not policy.may_update(entity, name):
        # Updates never replace this field: the difference is said, never written,
        # never a conflict, and never agreed (the base keeps what both last held).
        merge.not_sent.append(name)
        return
    # No base, and the sides differ: a rule decides, or a person does.
    vbase = _MISSING if base is None else base.get(name, _MISSING)
    if vbase is _MISSING:
        _contested(merge, entity, name, None, va, vb, "no_base", policy, writable)
        return
    nbase = norm(vbase)
    a_changed = na != nbase
    b_changed = nb != nbase
    owner = policy.owner(entity)
    if owner is not None:
        _owned(merge, name, owner, a_changed, b_changed, vbase, va, vb, policy, writable)
        return
    # changed / changed, different: a rule decides, or a person does.
    if a_changed and b_changed:
        _contested(merge, entity, name, vbase, va, vb, "both_changed", policy, writable)
        return
    # changed / same, or same / changed: push the change to the other side,
    # unless a force rule makes the side that did not change the master.
    changed: Side = "a" if a_changed else "b"
    master = policy.master_rule(entity, name)
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
    entity: str,
    name: str,
    vbase: Any,
    va: Any,
    vb: Any,
    kind: ConflictKind,
    policy: Policy,
    writable: Mapping[Side, bool],
) -> None:
    """Both sides moved (or there is no base): a rule decides, or a person does."""
    decision = decide_by_rule(policy, entity, name, va, vb)
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
    fill = policy.fills_blanks(entity, name)
    if fill is not None:
        a_blank = is_blank(va)
        if a_blank != is_blank(vb):
            return ("b" if a_blank else "a"), fill
    master = policy.master_rule(entity, name)
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
