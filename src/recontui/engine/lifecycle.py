"""What happens to a record's conflict over its life. Pure: values in, typed steps out.

This is the one place that answers "what happens when ...":

- **a record changes and its sides disagree** -> a field conflict opens (:class:`Open`);
- **a resolved record changes again before its choice was pushed** -> the conflict reopens
  with fresh values, the earlier choice kept as a suggestion (:class:`Reopen`, reason
  :attr:`Why.CHANGED_AGAIN`);
- **a resolved record is unchanged** -> its choice is applied (:class:`Write` with a
  :class:`~recontui.engine.merge.Resolution`); if both sides already hold the chosen values
  it is simply marked pushed (:class:`Close`);
- **an open conflict's sides come to agree** (or a rule saved since settles it) -> it is
  superseded (:class:`Close`);
- **one side deletes the record** -> any other question is moot (:class:`Close`), its
  waiting writes are dropped (:class:`DropWaitingOps`) and a delete conflict asks what to
  do (:class:`Open`); a resolved one is carried out (:class:`SettleDeletion`);
- **a person chose never to sync the record** -> :class:`Unlink`;
- **a rule's decision is overridden**, or **a refused change is still refused** -> the
  entry *stands* while both sides hold the values it was made with
  (:func:`standing_overrides`, :func:`~recontui.engine.refusals.standing_refusals`);
- **a person saves choices** -> :func:`check_choices` says whether they decide the
  conflict (every field chosen) or what is wrong, as a typed :class:`ChoiceProblem`.

The run layer (``recontui.run.plan``) carries the steps out in order against the store and
words each :class:`Why` for the run log; the CLI and the console word the problems for
their users. Nothing here knows a system's name, a key or an option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ..model import EntitySpec, FieldSpec, Side, other, same
from ..model.codec import dumps
from ..model.entities import SIDES
from ..model.states import (
    IGNORE_KEY,
    MATCH_KEY,
    Choice,
    Choices,
    ConflictKind,
    ConflictStatus,
    EntryKind,
    Pick,
)
from .merge import OWNER, Audit, Merge, Resolution, apply_resolution, merge_record
from .policy import Policy
from .refusals import is_refused_create, standing_refusals

Entries = dict[str, dict[str, Any]]


class ConflictView(Protocol):
    """What the lifecycle reads of a stored conflict (``store.Conflict`` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, Mapping[str, Any]]: ...
    @property
    def choices(self) -> Mapping[str, Any] | None: ...
    @property
    def a_version(self) -> str | None: ...
    @property
    def b_version(self) -> str | None: ...


@dataclass(frozen=True)
class Pair:
    """A linked record as both sides hold it now, in canonical values, and its base."""

    a: Mapping[str, Any]
    b: Mapping[str, Any]
    base: Mapping[str, Any] | None
    a_version: str | None
    b_version: str | None
    a_deleted: bool = False
    b_deleted: bool = False

    def values(self, side: Side) -> Mapping[str, Any]:
        return self.a if side == "a" else self.b

    def version(self, side: Side) -> str | None:
        return self.a_version if side == "a" else self.b_version


class Why(StrEnum):
    """Why a step happens; the run layer words it (with system names) for the log."""

    LINKED = "linked"  # a refused create's counterpart turned up
    DELETED = "deleted"  # ``side`` deleted the record
    CHANGED_AGAIN = "changed_again"  # ``sides`` changed since the conflict's versions
    VALUES_CHANGED = "values_changed"  # same versions, other values (a rule, a refusal)
    SETTLED_BY_RULE = "settled_by_rule"  # ``rules`` decided what was in conflict
    SETTLED = "settled"  # both sides now agree
    NOT_SENT = "not_sent"  # updates no longer replace the fields in conflict (policy)
    NOT_OWNED = "not_owned"  # the fields in conflict are edits of the side not owning them
    SETTLED_BY_OWNER = "settled_by_owner"  # the owning side's values stand (edit ownership)
    ALREADY_HELD = "already_held"  # both sides already hold the chosen values
    REPLANNED = "replanned"  # newer changes came in: waiting writes are planned afresh
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class Reason:
    why: Why
    sides: tuple[Side, ...] = ()
    rules: tuple[str, ...] = ()
    #: Reopen: the conflict held choices, now kept as a suggestion.
    kept_choice: bool = False


@dataclass(frozen=True)
class Close:
    """The conflict is answered: superseded (moot) or pushed (nothing left to write)."""

    conflict_id: int
    status: ConflictStatus
    reason: Reason


@dataclass(frozen=True)
class DropWaitingOps:
    """The link's writes still waiting (pending or held) no longer stand."""

    reason: Reason


@dataclass(frozen=True)
class Open:
    kind: ConflictKind
    entries: Entries
    reason: Reason | None = None


@dataclass(frozen=True)
class Reopen:
    """Fresh values: back to open, choices kept as the suggestion."""

    conflict_id: int
    entries: Entries
    suggestion: Mapping[str, Any] | None
    reason: Reason
    was_resolved: bool


@dataclass(frozen=True)
class Unlink:
    """A person chose never to sync the record again."""

    conflict_id: int


@dataclass(frozen=True)
class SettleDeletion:
    """Carry out a decided deletion: ``winner`` is the side whose state wins."""

    conflict_id: int
    winner: Side
    gone: Side


@dataclass(frozen=True)
class ApplyResolution:
    """A saved resolution is being carried out (counted and logged)."""

    conflict_id: int


Step = Close | DropWaitingOps | Open | Reopen | Unlink | SettleDeletion | ApplyResolution


@dataclass
class Write:
    """What the merge (and a person's choice) writes to each side.

    ``conflict_id`` ties the writes to the conflict whose choice they carry out (None for
    clean merges); ``base`` is the new agreed state once both sides hold it (None: keep).
    """

    merge: Merge
    resolution: Resolution | None = None
    conflict_id: int | None = None
    base: dict[str, Any] | None = None


@dataclass
class Decision:
    """The steps to carry out for one link, in order, then its writes (if any)."""

    steps: list[Step] = field(default_factory=list)
    write: Write | None = None


def decide_link(
    spec: EntitySpec,
    fields: Sequence[FieldSpec],
    pair: Pair,
    live: ConflictView | None,
    policy: Policy,
) -> Decision:
    """What happens to a paired link whose record changed (or whose conflict was decided)."""
    steps: list[Step] = []
    resolved = live is not None and live.status == ConflictStatus.RESOLVED
    if live is not None and resolved and IGNORE_KEY in (live.choices or {}):
        return Decision([Unlink(live.id)])
    if live is not None and live.kind == ConflictKind.MATCH and is_refused_create(live.fields):
        # Its counterpart turned up (matched, or linked by a person): nothing to create.
        steps.append(Close(live.id, ConflictStatus.SUPERSEDED, Reason(Why.LINKED)))
        live = None
    if pair.a_deleted and pair.b_deleted:
        return Decision(steps)  # gone on both sides: nothing left to agree on
    if pair.a_deleted or pair.b_deleted:
        return Decision(steps + deletion_steps(pair, live))
    steps.append(DropWaitingOps(Reason(Why.REPLANNED)))
    if live is not None and live.kind != ConflictKind.FIELD:
        return Decision(steps)  # a match or delete question waits for its answer
    if live is not None and live.status == ConflictStatus.RESOLVED and versions_hold(live, pair):
        write = _apply_choices(spec, fields, pair, live, policy, steps)
    else:
        write = _merge(spec, fields, pair, live, policy, steps)
    write.base = next_base(fields, pair)
    return Decision(steps, write)


def versions_hold(live: ConflictView, pair: Pair) -> bool:
    """Neither side changed since the conflict's values were taken."""
    return (live.a_version, live.b_version) == (pair.a_version, pair.b_version)


def deletion_steps(pair: Pair, live: ConflictView | None) -> list[Step]:
    """One side deleted the record: carry out a decided deletion, or ask about it."""
    gone: Side = "a" if pair.a_deleted else "b"
    if live is not None and live.kind == ConflictKind.DELETE:
        if live.status == ConflictStatus.RESOLVED:
            winner = Choice.of((live.choices or {}).get("deleted", ["a"])).pick
            return [SettleDeletion(live.id, "b" if winner == Pick.B else "a", gone)]
        return []  # already asked
    steps: list[Step] = []
    if live is not None:
        # The record's other question (which value, which record) is moot now that one
        # side deleted it: the deletion is what a person decides next.
        steps.append(Close(live.id, ConflictStatus.SUPERSEDED, Reason(Why.DELETED, (gone,))))
        steps.append(DropWaitingOps(Reason(Why.DELETED, (gone,))))
    entry = {"base": None, "a": pair.a_deleted, "b": pair.b_deleted, "kind": EntryKind.DELETE}
    steps.append(Open(ConflictKind.DELETE, {"deleted": entry}, Reason(Why.DELETED, (gone,))))
    return steps


def _apply_choices(
    spec: EntitySpec,
    fields: Sequence[FieldSpec],
    pair: Pair,
    live: ConflictView,
    policy: Policy,
    steps: list[Step],
) -> Write:
    """A resolved conflict whose record did not change since: its choice is carried out,
    the fields outside it merge as usual."""
    names = {f.name for f in fields}
    choices = {
        name: override_choice(live.fields.get(name), Choice.of(raw))
        for name, raw in (live.choices or {}).items()
        if name in names
    }
    res = apply_resolution(fields, pair.a, pair.b, choices)
    rest = tuple(f for f in fields if f.name not in choices)
    merge = merge_record(spec, rest, pair.base, pair.a, pair.b, policy)
    steps.append(ApplyResolution(live.id))
    if not res.changes and not merge.changes:
        steps.append(Close(live.id, ConflictStatus.PUSHED, Reason(Why.ALREADY_HELD)))
    return Write(merge, res, live.id)


def _merge(
    spec: EntitySpec,
    fields: Sequence[FieldSpec],
    pair: Pair,
    live: ConflictView | None,
    policy: Policy,
    steps: list[Step],
) -> Write:
    """Merge against the base; open, reopen or settle the record's field conflict."""
    merge = merge_record(spec, fields, pair.base, pair.a, pair.b, policy)
    standing = standing_entries(live, fields, pair)
    hold_back(merge, standing)
    fresh = {**entries_of(merge), **standing}
    if live is None:
        if merge.conflicts:
            steps.append(Open(ConflictKind.FIELD, fresh))
        return Write(merge)
    if fresh:
        if not versions_hold(live, pair) or not _same_entries(fresh, live.fields):
            steps.append(_reopen(live, fresh, pair))
        merge.conflicts.clear()  # they are the live conflict's, not a new one
    else:
        # A rule saved since the conflict opened may be what settles it.
        rules = tuple(sorted({e.by for e in merge.audit if e.by.startswith("rule")}))
        if rules:
            why = Reason(Why.SETTLED_BY_RULE, rules=rules)
        elif set(live.fields) & set(merge.not_sent):  # they still differ: not updated now
            why = Reason(Why.NOT_SENT)
        elif set(live.fields) & set(merge.not_owned):  # said as an edit of the non-owner
            why = Reason(Why.NOT_OWNED)
        elif any(e.by == OWNER for e in merge.audit):
            why = Reason(Why.SETTLED_BY_OWNER)
        else:
            why = Reason(Why.SETTLED)
        steps.append(Close(live.id, ConflictStatus.SUPERSEDED, why))
    return Write(merge)


def _reopen(live: ConflictView, fresh: Entries, pair: Pair) -> Reopen:
    changed = tuple(
        s for s in SIDES if pair.version(s) != (live.a_version if s == "a" else live.b_version)
    )
    reason = Reason(
        Why.CHANGED_AGAIN if changed else Why.VALUES_CHANGED,
        sides=changed,
        kept_choice=bool(live.choices),
    )
    # Choices saved on an open conflict (a partial choice) are kept as the suggestion too.
    suggestion = dict(live.choices) if live.choices else None
    was_resolved = live.status == ConflictStatus.RESOLVED
    return Reopen(live.id, fresh, suggestion, reason, was_resolved)


def _same_entries(fresh: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """The entries a conflict would hold are the ones it holds (values compared exactly,
    as stored: a Decimal 1.0 is not 1.00)."""
    return dumps(dict(fresh)) == dumps(dict(stored))


def entries_of(merge: Merge) -> Entries:
    """A merge's field conflicts as the entries a conflict stores."""
    return {
        name: {"base": c.base, "a": c.a, "b": c.b, "kind": c.kind}
        for name, c in merge.conflicts.items()
    }


def standing_entries(live: ConflictView | None, fields: Sequence[FieldSpec], pair: Pair) -> Entries:
    """The entries of ``live`` that stand whatever the merge says: overridden rule
    decisions and refused changes, while both sides hold the values they were made with."""
    if live is None:
        return {}
    out = standing_overrides(live, fields, pair.a, pair.b)
    out.update(standing_refusals(live.fields, fields, pair.a, pair.b))
    return out


def hold_back(merge: Merge, standing: Mapping[str, Any]) -> None:
    """Take the fields a standing conflict entry holds out of the merge's writes."""
    if not standing:
        return
    for name in standing:
        merge.to_a.pop(name, None)
        merge.to_b.pop(name, None)
    merge.audit[:] = [e for e in merge.audit if e.field not in standing]


def next_base(fields: Iterable[FieldSpec], pair: Pair) -> dict[str, Any] | None:
    """The base after this run: every field both sides hold equal becomes agreed.

    None when nothing changes (and the link already has a base).
    """
    base = dict(pair.base or {})
    changed = False
    for spec in fields:
        a, b = pair.a[spec.name], pair.b[spec.name]
        if same(spec, a, b) and (spec.name not in base or not same(spec, base[spec.name], a)):
            base[spec.name] = a
            changed = True
    return base if changed or pair.base is None else None


def standing_overrides(
    live: ConflictView | None,
    fields: Iterable[FieldSpec],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
) -> Entries:
    """The overridden rule decisions in ``live`` that still stand, as its field entries.

    An override (:func:`override_entry`) offers the value a rule overwrote (on
    ``entry["side"]``) against the value the rule kept, which both sides still hold: the
    merge sees no difference, so without this the conflict would be settled away. It
    stands while both sides hold the kept value; once either side changes that field,
    the merge takes over again.
    """
    if live is None or live.kind != ConflictKind.FIELD:
        return {}
    specs = {f.name: f for f in fields}
    out: Entries = {}
    for name, entry in live.fields.items():
        loser = entry.get("side")
        if entry.get("kind") != EntryKind.OVERRIDE or name not in specs or loser not in SIDES:
            continue
        kept = entry.get(other(loser))
        if same(specs[name], a.get(name), kept) and same(specs[name], b.get(name), kept):
            out[name] = dict(entry)
    return out


def override_choice(entry: Mapping[str, Any] | None, choice: Choice) -> Choice:
    """A person's pick on a field: on an override, a side means the value shown for it.

    Elsewhere a side's value in a conflict is what that side holds (the versions hold),
    but an overridden field shows the value a rule overwrote, which neither side holds any
    more: it is written back as that value.
    """
    if entry is not None and entry.get("kind") == EntryKind.OVERRIDE and choice.pick in SIDES:
        return Choice(Pick.CUSTOM, entry.get(choice.pick))
    return choice


# -- a person's choices ------------------------------------------------------------------


class Problem(StrEnum):
    """What is wrong with choices a person gave; each front end words it."""

    NOT_IN_CONFLICT = "not_in_conflict"  # ``fields``: not fields of this conflict
    STILL_OPEN = "still_open"  # ``fields``: not chosen yet
    NOT_A_CANDIDATE = "not_a_candidate"  # ``value``: a link id that is no candidate
    WRONG_ANSWER = "wrong_answer"  # the choice does not answer this kind of conflict
    NOT_LIVE = "not_live"  # the conflict is pushed or superseded


class ChoiceProblem(ValueError):
    """Choices that do not decide a conflict; ``problem`` says why, for the front end."""

    def __init__(
        self,
        problem: Problem,
        conflict_id: int,
        *,
        fields: Sequence[str] = (),
        value: Any = None,
        kind: str = "",
    ) -> None:
        self.problem = problem
        self.conflict_id = conflict_id
        self.fields = tuple(fields)
        self.value = value
        self.kind = kind
        super().__init__(f"conflict {conflict_id}: {problem.value} {', '.join(fields)}".strip())


MATCH_ANSWERS = (Pick.LINK, Pick.CREATE, Pick.IGNORE)


def check_choices(
    conflict: ConflictView, choices: Mapping[str, Choice], *, candidates: Sequence[int] = ()
) -> Choices:
    """The complete, checked choices that decide ``conflict``, or a :class:`ChoiceProblem`.

    A field conflict needs a side or a value for every field (choices already saved on it,
    a partial choice, count), or ``IGNORE_KEY`` alone (unlink the record); a match
    conflict one answer under ``MATCH_KEY`` (a link to one of ``candidates``, create or
    ignore); a delete conflict a side for ``deleted`` (that side's state wins: deleted on
    both, or brought back) or ``IGNORE_KEY`` alone (unlink: the other side keeps it).
    """
    if conflict.status not in (ConflictStatus.OPEN, ConflictStatus.RESOLVED):
        raise ChoiceProblem(Problem.NOT_LIVE, conflict.id, kind=conflict.status)
    if conflict.kind == ConflictKind.MATCH:
        answer = choices.get(MATCH_KEY)
        if answer is None or answer.pick not in MATCH_ANSWERS or len(choices) != 1:
            raise ChoiceProblem(Problem.WRONG_ANSWER, conflict.id, kind=conflict.kind)
        if answer.pick == Pick.LINK and answer.value not in candidates:
            raise ChoiceProblem(Problem.NOT_A_CANDIDATE, conflict.id, value=answer.value)
        return {MATCH_KEY: answer}
    if conflict.kind == ConflictKind.DELETE:
        if IGNORE_KEY in choices and len(choices) == 1:  # unlink: the survivor keeps it
            return {IGNORE_KEY: Choice(Pick.IGNORE)}
        answer = choices.get("deleted")
        if answer is None or answer.pick not in SIDES or len(choices) != 1:
            raise ChoiceProblem(Problem.WRONG_ANSWER, conflict.id, kind=conflict.kind)
        return {"deleted": Choice(answer.pick)}
    if IGNORE_KEY in choices:
        if len(choices) != 1:
            raise ChoiceProblem(Problem.WRONG_ANSWER, conflict.id, kind=conflict.kind)
        return {IGNORE_KEY: Choice(Pick.IGNORE)}
    unknown = sorted(set(choices) - set(conflict.fields))
    if unknown:
        raise ChoiceProblem(Problem.NOT_IN_CONFLICT, conflict.id, fields=unknown)
    wrong = sorted(n for n, c in choices.items() if c.pick not in (Pick.A, Pick.B, Pick.CUSTOM))
    if wrong:
        raise ChoiceProblem(Problem.WRONG_ANSWER, conflict.id, fields=wrong, kind=conflict.kind)
    saved = {
        name: Choice.of(raw)
        for name, raw in (conflict.choices or {}).items()
        if name in conflict.fields
    }
    merged = {**saved, **{n: _plain(c) for n, c in choices.items()}}
    missing = sorted(set(conflict.fields) - set(merged))
    if missing:
        raise ChoiceProblem(Problem.STILL_OPEN, conflict.id, fields=missing)
    return merged


def _plain(choice: Choice) -> Choice:
    """A side's choice carries no value (what the side holds is read when it is applied)."""
    return Choice(choice.pick) if choice.pick in SIDES else choice


def all_from(conflict: ConflictView, side: Side) -> Choices:
    """Every field of ``conflict`` (or its deletion) taken from ``side``."""
    return {name: Choice(Pick(side)) for name in conflict.fields}


__all__ = [
    "ApplyResolution",
    "Audit",
    "ChoiceProblem",
    "Close",
    "ConflictView",
    "Decision",
    "DropWaitingOps",
    "Open",
    "OverrideRefused",
    "Pair",
    "Problem",
    "Reason",
    "Refusal",
    "Reopen",
    "RuleDecision",
    "SettleDeletion",
    "Step",
    "Unlink",
    "Why",
    "Write",
    "all_from",
    "check_choices",
    "decide_link",
    "entries_of",
    "hold_back",
    "next_base",
    "override_choice",
    "override_entry",
    "standing_overrides",
]


# -- overriding a rule's decision --------------------------------------------------------


class Refusal(StrEnum):
    """Why a rule's decision cannot be overridden; each front end words it."""

    ALREADY_OVERRIDDEN = "already_overridden"
    REPLACED = "replaced"  # a later rule decision on the same field replaced it
    NOT_WRITTEN = "not_written"  # its write waits in the outbox: nothing overwritten yet
    NOT_SYNCED = "not_synced"  # deleted, unlinked, or no longer a synced field
    CHANGED_SINCE = "changed_since"  # a side changed the field after the rule decided it
    WAITING_TO_PUSH = "waiting_to_push"  # the record's conflict is resolved, not pushed
    OTHER_QUESTION = "other_question"  # the record has an open match/delete conflict
    FIELD_IN_CONFLICT = "field_in_conflict"  # the field is already in the open conflict


class OverrideRefused(ValueError):
    def __init__(self, refusal: Refusal, conflict: ConflictView | None = None) -> None:
        self.refusal = refusal
        self.conflict = conflict
        super().__init__(refusal.value)


@dataclass(frozen=True)
class RuleDecision:
    """A value a rule overwrote: on ``loser``, ``old`` became ``kept`` (``waiting``: not
    yet, its write waits in the outbox)."""

    field: str
    loser: Side
    old: Any
    kept: Any
    overridden: bool = False
    replaced: bool = False
    waiting: bool = False


def override_entry(
    decision: RuleDecision,
    spec: FieldSpec | None,
    pair: Pair | None,
    live: ConflictView | None,
) -> tuple[dict[str, Any], int | None]:
    """The conflict entry that reopens a rule's decision for a person, and the open
    conflict it joins (None: a new one), or :class:`OverrideRefused`.

    ``spec`` is None when the field is no longer synced, ``pair`` None when the record is
    no longer linked on both sides. The entry offers the overwritten value (on the side it
    was overwritten) against the kept one; it stands while both sides hold the kept value
    (:func:`standing_overrides`), and a side picked on it means the value shown
    (:func:`override_choice`).
    """
    if decision.overridden:
        raise OverrideRefused(Refusal.ALREADY_OVERRIDDEN)
    if decision.replaced:
        raise OverrideRefused(Refusal.REPLACED)
    if decision.waiting:
        raise OverrideRefused(Refusal.NOT_WRITTEN)
    if spec is None or pair is None or pair.a_deleted or pair.b_deleted:
        raise OverrideRefused(Refusal.NOT_SYNCED)
    name, kept = decision.field, decision.kept
    if not (same(spec, pair.a.get(name), kept) and same(spec, pair.b.get(name), kept)):
        raise OverrideRefused(Refusal.CHANGED_SINCE)
    if live is not None:
        if live.status != ConflictStatus.OPEN:
            raise OverrideRefused(Refusal.WAITING_TO_PUSH, live)
        if live.kind != ConflictKind.FIELD:
            raise OverrideRefused(Refusal.OTHER_QUESTION, live)
        if name in live.fields:
            raise OverrideRefused(Refusal.FIELD_IN_CONFLICT, live)
    winner = other(decision.loser)
    entry = {
        "base": (pair.base or {}).get(name),
        decision.loser: decision.old,
        winner: pair.values(winner).get(name),
        "kind": EntryKind.OVERRIDE,
        "side": decision.loser,
    }
    return entry, (live.id if live is not None else None)
