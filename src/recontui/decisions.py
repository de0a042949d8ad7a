"""A person's decisions, from either front end to the store: conflict choices, master
rules, overrides of a rule's decision.

The engine's lifecycle (:mod:`recontui.engine.lifecycle`) decides whether choices decide a
conflict and whether a rule's decision may be overridden; this module reads what it needs
from the store, asks the lifecycle, saves the outcome, and turns a refusal into one
sentence. The console builds typed :class:`~recontui.model.states.Choice` values itself
and calls :func:`save_choices` (wording a :class:`ChoiceProblem` in its own terms); the
command line passes its options to :func:`resolve_conflict`, whose sentences speak of
those options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .engine.lifecycle import (
    ChoiceProblem,
    OverrideRefused,
    Pair,
    Problem,
    Refusal,
    RuleDecision,
    all_from,
    check_choices,
    override_entry,
)
from .engine.policy import Rule
from .model import (
    ENTITIES,
    FieldSpec,
    FieldType,
    FieldValueError,
    Ref,
    Side,
    entity,
    parse_value,
)
from .model.states import (
    IGNORE_KEY,
    MATCH_KEY,
    Choice,
    Choices,
    ConflictKind,
    LinkState,
    Pick,
)
from .present import (
    NEXT_SYNC,
    Names,
    _canonical,
    _decision_rule,
    _overridden,
    _rule_id,
    edit_text,
    local_time,
    rule_words,
)
from .store import Conflict, Profile, Store, StoreError
from .wiring import system_label

__all__ = [
    "ChoiceProblem",
    "OverrideError",
    "Problem",
    "ResolveError",
    "all_from",
    "checked_custom",
    "choices_from_options",
    "forget_rule",
    "override_rule_decision",
    "remember_rule",
    "resolve_conflict",
    "save_choices",
]


class ResolveError(ValueError):
    """A decision that cannot be saved; the message says what to do instead."""


class OverrideError(ResolveError):
    """A rule decision that cannot be overridden; the message says why and what to do."""


# -- conflict choices ---------------------------------------------------------------------


def checked_custom(spec: FieldSpec, value: Any) -> Any:
    """A value of a person's own for ``spec``, checked against the field's type."""
    if spec.type is FieldType.REF:
        if not isinstance(value, Ref) or value.entity != spec.ref_entity:
            raise ResolveError(
                f"{spec.title} refers to a {spec.ref_entity}: choose one from the list."
            )
        return value
    if spec.type is FieldType.LINES:
        return checked_lines(spec, value)
    try:
        return parse_value(spec, edit_text(spec, value))
    except FieldValueError as exc:
        raise ResolveError(str(exc)) from exc


def checked_lines(spec: FieldSpec, value: Any) -> list[dict[str, Any]]:
    """Lines of a person's choosing (taken line by line from the two systems): a list of
    lines, each holding only the field's line parts, each part checked against its type."""
    if not isinstance(value, (list, tuple)):
        raise ResolveError(f"{spec.title}: choose the lines one by one (e in Resolve).")
    parts = {sub.name: sub for sub in spec.line_fields}
    out = []
    for line in value:
        if not isinstance(line, Mapping) or not set(line) <= set(parts):
            raise ResolveError(f"{spec.title}: a line holds parts this field does not have.")
        out.append({name: checked_part(parts[name], part) for name, part in line.items()})
    return out


def checked_part(spec: FieldSpec, value: Any) -> Any:
    """One part of a line: a reference as it is, anything else re-read from its text."""
    if value is None or spec.type is FieldType.REF:
        return value
    return checked_custom(spec, value)


def save_choices(
    store: Store, conflict: Conflict, choices: Mapping[str, Choice], *, actor: str
) -> Choices:
    """Check ``choices`` with the lifecycle and save them; the next run carries them out.

    Raises :class:`ChoiceProblem` when they do not decide the conflict (for the front end
    to word) and :class:`ResolveError` when the store refuses (its sentence).
    """
    checked = check_choices(conflict, choices, candidates=conflict.candidates or [])
    try:
        store.resolve_conflict(conflict.id, checked, actor=actor)
    except StoreError as exc:
        raise ResolveError(str(exc)) from exc
    return checked


def resolve_conflict(
    store: Store,
    conflict: Conflict,
    *,
    picks: Sequence[str] = (),
    take_all: str | None = None,
    link_to: int | None = None,
    create: bool = False,
    ignore: bool = False,
    custom: Mapping[str, Any] | None = None,
    actor: str,
) -> None:
    """Save a decision given as command-line options (``recontui conflicts resolve``).

    Options that do not fit the conflict's kind, or contradict each other, are refused
    (never ignored): a field conflict takes picks or one side for all (or ``--ignore``),
    a match conflict one of link, create or ignore, a deletion one side for all.
    """
    choices = choices_from_options(
        conflict,
        picks=picks,
        take_all=take_all,
        link_to=link_to,
        create=create,
        ignore=ignore,
        custom=custom,
    )
    try:
        save_choices(store, conflict, choices, actor=actor)
    except ChoiceProblem as problem:
        raise ResolveError(option_words(problem, conflict)) from problem


def choices_from_options(
    conflict: Conflict,
    *,
    picks: Sequence[str] = (),
    take_all: str | None = None,
    link_to: int | None = None,
    create: bool = False,
    ignore: bool = False,
    custom: Mapping[str, Any] | None = None,
) -> Choices:
    """Typed choices from ``--pick FIELD=a|b|=VALUE``, ``--all a|b``, ``--link``,
    ``--create``, ``--ignore`` (and ``custom``: values of a person's own that are already
    values, such as a record chosen for a reference; checked by type)."""
    refuse_options(
        conflict,
        picks=bool(picks) or bool(custom),
        take_all=take_all is not None,
        link_to=link_to is not None,
        create=create,
        ignore=ignore,
    )
    if take_all is not None and take_all not in ("a", "b"):
        raise ResolveError("--all takes a or b.")
    if conflict.kind == ConflictKind.MATCH:
        return _match_answer(conflict, link_to, create, ignore)
    if conflict.kind == ConflictKind.DELETE:
        if ignore and take_all is None:
            # Unlink: the side that still holds it keeps it, and it is never synced again.
            return {IGNORE_KEY: Choice(Pick.IGNORE)}
        if take_all is None or ignore:
            raise ResolveError(
                f"Conflict {conflict.id} is about a deletion: pass --all a or --all b to say "
                "which side's state wins (deleted on both, or brought back), or --ignore to "
                "unlink the two (the other side keeps it)."
            )
        return {"deleted": Choice(Pick(take_all))}
    if ignore:
        # Unlink: the two records stay as they are and are never synced again.
        return {IGNORE_KEY: Choice(Pick.IGNORE)}
    choices: Choices = {}
    if take_all is not None:
        choices = {name: Choice(Pick(take_all)) for name in conflict.fields}
    spec = entity(conflict.entity)
    for text in picks:
        name, choice = _parse_pick(conflict, text)
        choices[name] = choice
    for name, value in (custom or {}).items():
        if name not in conflict.fields:
            raise ResolveError(_not_in_conflict(conflict, [name]))
        choices[name] = Choice(Pick.CUSTOM, checked_custom(spec.field(name), value))
    return choices


def _match_answer(conflict: Conflict, link_to: int | None, create: bool, ignore: bool) -> Choices:
    if sum(1 for given in (link_to is not None, create, ignore) if given) != 1:
        raise ResolveError(
            f"Conflict {conflict.id} asks which record this is: pass exactly one of "
            "--link LINK_ID (one of its candidates), --create (create it on the other "
            "side, keeping both) or --ignore (never sync it)."
        )
    if link_to is not None:
        return {MATCH_KEY: Choice(Pick.LINK, link_to)}
    return {MATCH_KEY: Choice(Pick.CREATE if create else Pick.IGNORE)}


def _parse_pick(conflict: Conflict, text: str) -> tuple[str, Choice]:
    """``FIELD=a``, ``FIELD=b`` or ``FIELD==VALUE`` (a typed value)."""
    if "=" not in text:
        raise ResolveError(f"{text!r} is not FIELD=a, FIELD=b or FIELD==VALUE.")
    name, _, rest = text.partition("=")
    name = name.strip()
    if name not in conflict.fields:
        raise ResolveError(_not_in_conflict(conflict, [name]))
    if rest in ("a", "b"):
        return name, Choice(Pick(rest))
    if rest.startswith("="):
        try:
            return name, Choice(
                Pick.CUSTOM, parse_value(entity(conflict.entity).field(name), rest[1:])
            )
        except FieldValueError as exc:
            raise ResolveError(str(exc)) from exc
    raise ResolveError(
        f"{text!r}: after {name}= put a (billing side), b (accounting side) or "
        f"=VALUE for a value of your own, e.g. {name}==new value."
    )


def _not_in_conflict(conflict: Conflict, names: Sequence[str]) -> str:
    return (
        f"{', '.join(repr(n) for n in names)} is not in conflict {conflict.id}; its fields "
        f"are: {', '.join(sorted(conflict.fields))}."
    )


def option_words(problem: ChoiceProblem, conflict: Conflict) -> str:
    """A :class:`ChoiceProblem` in the command line's terms (its options)."""
    cid = conflict.id
    if problem.problem == Problem.NOT_IN_CONFLICT:
        return _not_in_conflict(conflict, problem.fields)
    if problem.problem == Problem.STILL_OPEN:
        return (
            f"Choose every field of conflict {cid}; still open: {', '.join(problem.fields)} "
            "(use --pick FIELD=a|b|=VALUE or --all a|b)."
        )
    if problem.problem == Problem.NOT_A_CANDIDATE:
        return (
            f"{problem.value} is not a candidate of conflict {cid}; candidates: "
            f"{', '.join(str(c) for c in conflict.candidates or [])}."
        )
    if problem.problem == Problem.NOT_LIVE:
        return (
            f"Conflict {cid} is {conflict.status}; only open or resolved conflicts can be resolved."
        )
    return f"Conflict {cid} is a {conflict.kind} conflict; these options do not decide it."


def refuse_options(
    conflict: Conflict,
    *,
    picks: bool,
    take_all: bool,
    link_to: bool,
    create: bool,
    ignore: bool,
) -> None:
    """A :class:`ResolveError` for options that do not fit ``conflict`` or each other."""
    match_opts = [
        name
        for name, given in (("--link", link_to), ("--create", create), ("--ignore", ignore))
        if given
    ]
    field_opts = [name for name, given in (("--pick", picks), ("--all", take_all)) if given]
    cid = conflict.id
    if conflict.kind == ConflictKind.MATCH and field_opts:
        raise ResolveError(
            f"Conflict {cid} asks which record this is, so {' and '.join(field_opts)} "
            "does not apply: decide it with exactly one of --link LINK_ID, --create or --ignore."
        )
    wrong_for_delete = [o for o in match_opts if o != "--ignore"] + (["--pick"] if picks else [])
    if conflict.kind == ConflictKind.DELETE and (wrong_for_delete or (ignore and take_all)):
        given = " and ".join(wrong_for_delete or ["--ignore", "--all"])
        raise ResolveError(
            f"Conflict {cid} is about a deletion, so {given} does not apply: pass --all a or "
            "--all b to say which side's state wins (deleted on both, or brought back), or "
            "--ignore alone to unlink the two (the other side keeps it)."
        )
    if conflict.kind == ConflictKind.FIELD:
        _refuse_field_options(cid, match_opts, field_opts, picks, take_all, link_to, create, ignore)


def _refuse_field_options(
    cid: int,
    match_opts: list[str],
    field_opts: list[str],
    picks: bool,
    take_all: bool,
    link_to: bool,
    create: bool,
    ignore: bool,
) -> None:
    if link_to or create:
        given = " and ".join(o for o in match_opts if o != "--ignore")
        raise ResolveError(
            f"Conflict {cid} is a field conflict, so {given} does not apply (--link and "
            "--create decide match conflicts): choose its values with --pick FIELD=a|b|=VALUE "
            "or --all a|b, or stop syncing the record with --ignore."
        )
    if ignore and field_opts:
        raise ResolveError(
            f"--ignore cannot be combined with {' and '.join(field_opts)} for conflict {cid}: "
            "either choose its values, or pass --ignore alone to stop syncing the record."
        )
    if picks and take_all:
        raise ResolveError(
            f"--pick and --all cannot be combined for conflict {cid}: use --all a|b to take "
            "every field from one side, or --pick FIELD=a|b|=VALUE for each field."
        )


# -- master rules -------------------------------------------------------------------------


def remember_rule(
    store: Store,
    profile: Profile,
    kind: str,
    side: str | None,
    entity_name: str | None,
    field_name: str | None,
    *,
    actor: str,
) -> int:
    """Save a master rule with an audit entry, in one transaction; returns its id.

    The next run applies it, to conflicts that are already open too.
    """
    try:
        rule = Rule(kind=kind, side=side, entity=entity_name, field=field_name)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ResolveError(f"{exc}.") from exc
    labels = system_label(profile.a_system), system_label(profile.b_system)
    words = rule_words(rule.kind, rule.side, rule.entity, rule.field, *labels)
    with store.transaction():
        rule_id = store.add_rule(
            profile.id, rule.kind, rule.side, rule.entity, rule.field, actor=actor
        )
        entry = {"field": f"rule {rule_id}", "side": "-", "old": None, "new": words}
        store.add_audit(profile.id, None, "rules", None, [{**entry, "by": "rules"}], actor)
    return rule_id


def forget_rule(store: Store, profile: Profile, rule_id: int, *, actor: str) -> bool:
    """Delete a master rule with an audit entry; False when there was no such rule."""
    rule = next((r for r in store.rules(profile.id) if r["id"] == rule_id), None)
    if rule is None:
        return False
    labels = system_label(profile.a_system), system_label(profile.b_system)
    words = rule_words(rule["kind"], rule["side"], rule["entity"], rule["field"], *labels)
    with store.transaction():
        store.delete_rule(profile.id, rule_id)
        entry = {"field": f"rule {rule_id}", "side": "-", "old": words, "new": None}
        store.add_audit(profile.id, None, "rules", None, [{**entry, "by": "rules"}], actor)
    return True


# -- overriding a rule's decision ----------------------------------------------------------


def override_rule_decision(store: Store, profile: Profile, audit_id: int, *, actor: str) -> int:
    """Turn a rule's decision back into an open field conflict; returns the conflict's id.

    The lifecycle (:func:`~recontui.engine.lifecycle.override_entry`) says whether it may
    be and what the conflict offers; resolving it pushes from the records' current state.
    Added to the record's open field conflict if it has one. The override is audited (by
    "override"), so a decision is overridden once; each refusal is an
    :class:`OverrideError` saying why.
    """
    labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    with store.transaction():
        d = store.rule_decision(profile.id, audit_id)
        if d is None:
            raise OverrideError(
                f"There is no rule decision {audit_id} in profile {profile.name!r}; "
                "reload the list."
            )
        link = store.link(store.canonical_link_id(d["link_id"])) if d["link_id"] else None
        spec = ENTITIES.get(d["entity"])
        fspec = spec.field(d["field"]) if spec is not None and spec.has_field(d["field"]) else None
        decision = _rule_decision(store, profile, d)
        pair = None
        if link is not None and link.state == LinkState.PAIRED:
            pair = Pair(
                a=_canonical_fields(store, profile, link.a_fields, "a"),
                b=_canonical_fields(store, profile, link.b_fields, "b"),
                base=store.base(link.id),
                a_version=link.a_version,
                b_version=link.b_version,
                a_deleted=link.a_deleted,
                b_deleted=link.b_deleted,
            )
        live = store.live_conflict_for_link(link.id) if link is not None else None
        try:
            entry, conflict_id = override_entry(decision, fspec, pair, live)
        except OverrideRefused as refused:
            raise OverrideError(_override_words(store, profile, d, refused, pair)) from refused
        assert link is not None  # override_entry refuses a record no longer linked
        rule_id = _rule_id(d["by"])
        rule = {r["id"]: r for r in store.rules(profile.id)}.get(rule_id)
        loser, winner = decision.loser, "b" if decision.loser == "a" else "a"
        note = (
            f"{actor} overrode {_decision_rule(rule_id, rule, d['ts'], labels)}, which "
            f"had overwritten {labels[loser]}'s {d['field']}: pick {labels[loser]}'s earlier "
            f"value or keep {labels[winner]}'s"
        )
        try:
            return store.record_override(
                profile.id,
                d,
                link.id,
                entry,
                link.a_version,
                link.b_version,
                conflict_id=conflict_id,
                note=note,
                actor=actor,
            )
        except StoreError as exc:
            raise OverrideError(str(exc)) from exc


def _rule_decision(store: Store, profile: Profile, d: Mapping[str, Any]) -> RuleDecision:
    loser: Side = "b" if d["side"] == "b" else "a"
    winner: Side = "a" if loser == "b" else "b"
    return RuleDecision(
        field=d["field"],
        loser=loser,
        old=_canonical(store, profile.id, d["old"], loser),
        kept=_canonical(store, profile.id, d["new"], winner),
        overridden=_overridden(d),
        replaced=d["next_id"] is not None,
        waiting=d["waiting"] is not None,
    )


def _canonical_fields(
    store: Store, profile: Profile, values: Mapping[str, Any] | None, side: Side
) -> dict[str, Any]:
    return {k: _canonical(store, profile.id, v, side) for k, v in (values or {}).items()}


def _override_words(
    store: Store,
    profile: Profile,
    d: Mapping[str, Any],
    refused: OverrideRefused,
    pair: Pair | None,
) -> str:
    """Why a rule's decision cannot be overridden, and what to do instead."""
    names = Names(store)
    record = names.link_name(d["link_id"]) if d["link_id"] else "?"
    what = f"{d['field']} of {d['entity']} {record!r}"
    What = what[0].upper() + what[1:]
    live = refused.conflict
    if refused.refusal == Refusal.ALREADY_OVERRIDDEN:
        done = store.audit_entry(profile.id, d["override_id"]) or {}
        return (
            f"The rule's decision on {what} was already overridden "
            f"(by {done.get('actor', '?')} on {local_time(done.get('ts'))}); "
            "decide its conflict in the conflict queue."
        )
    if refused.refusal == Refusal.REPLACED:
        return (
            f"A later rule decision on {what} replaced this one; override that one "
            "instead (it is higher in the list)."
        )
    if refused.refusal == Refusal.NOT_WRITTEN:
        labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
        system = labels["b" if d["side"] == "b" else "a"]
        why = d["waiting"] or NEXT_SYNC
        return (
            f"The rule's decision on {what} is not written to {system} yet: "
            f"{why.rstrip('.')}; override it once a sync has written it."
        )
    if refused.refusal == Refusal.NOT_SYNCED:
        return (
            f"{What} is no longer synced on both sides (deleted, unlinked or no longer a "
            "synced field), so there is nothing to override."
        )
    if refused.refusal == Refusal.CHANGED_SINCE and pair is not None:
        labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
        held = {"a": pair.a.get(d["field"]), "b": pair.b.get(d["field"])}
        shown = {s: names.value(d["entity"], d["field"], v) for s, v in held.items()}
        return (
            f"{What} changed after the rule decided it "
            f"({labels['a']} holds {shown['a']!r}, {labels['b']} holds {shown['b']!r}); "
            "the next sync merges it as usual, so there is nothing to override."
        )
    assert live is not None
    if refused.refusal == Refusal.WAITING_TO_PUSH:
        return (
            f"{record!r} has conflict {live.id} resolved and waiting for the next sync "
            "to push it; sync first, then override."
        )
    if refused.refusal == Refusal.OTHER_QUESTION:
        return (
            f"{record!r} has an open {live.kind} conflict ({live.id}); decide it "
            "first, then override."
        )
    return f"{d['field']} of {record!r} is already in open conflict {live.id}; decide it there."
