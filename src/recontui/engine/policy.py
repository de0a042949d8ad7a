"""What a profile lets the merge do on its own: sync directions and master rules.

The merge never invents a winner. It pushes clean one-sided changes the way the
direction allows, and it settles a real difference only when a person has said
how, once, as a rule:

* ``prefer`` a side: that side wins *conflicts* (both changed, or no base yet);
  a clean change made on the other side still goes through.
* ``force`` a side: that side wins *every* difference, even a clean change made
  on the other side (the other side is a mirror).
* ``fill_blanks``: when exactly one side is blank, take the other side's value.

A rule covers the whole profile, one entity, or one field of an entity; the most
specific one applies (field > entity > profile), so "QBO is master, except for
customer emails" is two rules.

Per entity, a profile also says which fields sync at all (its *field subset*: creates
and updates; it keeps the required fields) and which of them an *update* may replace
("all", "none" = import only: new records are created, existing ones never changed, or
a list such as a customer's address and phone). ``Policy.may_update`` is what the merge
asks; a field it refuses is compared, said, never written and never a conflict.

Per entity, a profile may also name the side that *owns edits* once a record is synced
(``owners``: the usual ownership has accounting own invoices and billing own payables).
On a linked record the owner's changes are sent as usual; a change made only on the other
side is said (``Merge.not_owned``), never sent and never a conflict; when both sides
changed a field the owner's value is the one both keep. Creates follow the direction as
before: ownership is about editing what is already in both systems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, get_args

from recontui.model.entities import ENTITIES, SYNCED, EntitySpec, Side, other
from recontui.model.fields import FieldSpec

Direction = Literal["both", "a_to_b", "b_to_a", "none"]
RuleKind = Literal["prefer", "force", "fill_blanks"]
OnForbidden = Literal["queue", "revert", "ignore"]

DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
RULE_KINDS: tuple[RuleKind, ...] = get_args(RuleKind)
ON_FORBIDDEN: tuple[OnForbidden, ...] = get_args(OnForbidden)

_SWAPPED_DIRECTION: dict[Direction, Direction] = {
    "both": "both",
    "none": "none",
    "a_to_b": "b_to_a",
    "b_to_a": "a_to_b",
}


def may_write(direction: Direction, side: Side) -> bool:
    """Whether ``direction`` lets the sync write to ``side``.

    Writing to b is the flow a->b, so it needs ``both`` or ``a_to_b``.
    """
    if direction == "both":
        return True
    if direction == "none":
        return False
    return direction == ("a_to_b" if side == "b" else "b_to_a")


@dataclass(frozen=True)
class Rule:
    """One master rule, as a person saved it (settings table row ``id``)."""

    kind: RuleKind
    #: The master side for prefer/force; None for fill_blanks.
    side: Side | None
    #: None: the whole profile.
    entity: str | None = None
    #: None: the whole entity. A field rule must name its entity.
    field: str | None = None
    #: The store's id, so an audit entry can point back at the rule.
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        if self.kind == "fill_blanks":
            if self.side is not None:
                raise ValueError("a fill_blanks rule takes no side")
        elif self.side not in ("a", "b"):
            raise ValueError(f"a {self.kind} rule needs side 'a' or 'b', not {self.side!r}")
        if self.field is not None and self.entity is None:
            raise ValueError("a field rule must name its entity")

    @property
    def specificity(self) -> int:
        """2 for a field rule, 1 for an entity rule, 0 for a profile rule."""
        if self.field is not None:
            return 2
        return 1 if self.entity is not None else 0

    def covers(self, entity: str, field: str) -> bool:
        return (self.entity is None or self.entity == entity) and (
            self.field is None or self.field == field
        )

    @property
    def scope(self) -> str:
        if self.entity is None:
            return "everything"
        return self.entity if self.field is None else f"{self.entity}.{self.field}"

    def label(self) -> str:
        """How the rule reads in the Auto-resolved screen and the audit trail."""
        what = "fill blanks" if self.kind == "fill_blanks" else f"{self.kind} {self.side}"
        text = f"{what} for {self.scope}"
        return text if self.id is None else f"rule {self.id}: {text}"

    @property
    def audit_by(self) -> str:
        """The ``Audit.by`` of a decision made by this rule.

        ``rule:<id>`` lets the store join back to the rule (and the TUI offer to
        override it); a rule that was never saved has no id, so it is named by
        its label instead.
        """
        return self.label() if self.id is None else f"rule:{self.id}"

    def swapped(self) -> Rule:
        return self if self.side is None else replace(self, side=other(self.side))


@dataclass(frozen=True)
class Policy:
    """A profile's merge settings: directions per entity, rules, forbidden changes.

    ``on_forbidden`` says what happens to a change the direction does not let
    through (for instance an edit made in the ledger when only billing -> ledger
    is allowed): ``queue`` it as a conflict for a person, ``revert`` it to the
    last agreed value, or ``ignore`` it (it is still reported in
    ``Merge.forbidden``). Nothing is dropped silently.

    At equal specificity, the later rule in ``rules`` wins: the store lists rules
    in the order they were saved, so the most recent intention applies.
    """

    #: Per entity; a missing entity syncs both ways.
    directions: Mapping[str, Direction] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    on_forbidden: OnForbidden = "queue"
    #: Per entity, the fields an update may replace on either side (empty: import
    #: only); a missing entity's updates replace every synced field.
    update_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Per entity, the fields synced at all (creates and updates); missing: all.
    field_subsets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Per entity, the side that owns its edits once synced; missing: both sides edit.
    owners: Mapping[str, Side] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, direction in self.directions.items():
            if direction not in DIRECTIONS:
                raise ValueError(f"unknown direction {direction!r} for {name}")
        if self.on_forbidden not in ON_FORBIDDEN:
            raise ValueError(f"unknown on_forbidden {self.on_forbidden!r}")
        # Frozen means frozen: a caller's dict must not change the policy later.
        object.__setattr__(self, "directions", MappingProxyType(dict(self.directions)))
        object.__setattr__(self, "rules", tuple(self.rules))
        for name, side in self.owners.items():
            if side not in ("a", "b"):
                raise ValueError(f"the owner of {name} is side 'a' or 'b', not {side!r}")
        object.__setattr__(self, "owners", MappingProxyType(dict(self.owners)))
        for name in ("update_fields", "field_subsets"):
            given: Mapping[str, frozenset[str]] = getattr(self, name)
            frozen = {entity: frozenset(names) for entity, names in given.items()}
            object.__setattr__(self, name, MappingProxyType(frozen))

    def direction(self, entity: str) -> Direction:
        return self.directions.get(entity, "both")

    def owner(self, entity: str) -> Side | None:
        """The side that owns ``entity``'s edits once a record is synced (None: both)."""
        return self.owners.get(entity)

    def _most_specific(self, kinds: tuple[RuleKind, ...], entity: str, field: str) -> Rule | None:
        best: Rule | None = None
        for rule in self.rules:
            if (
                rule.kind in kinds
                and rule.covers(entity, field)
                and (best is None or rule.specificity >= best.specificity)
            ):
                best = rule
        return best

    def master_rule(self, entity: str, field: str) -> Rule | None:
        """The prefer/force rule deciding ``entity.field``: field > entity > profile."""
        return self._most_specific(("prefer", "force"), entity, field)

    def fills_blanks(self, entity: str, field: str) -> Rule | None:
        """The most specific fill_blanks rule covering ``entity.field``."""
        return self._most_specific(("fill_blanks",), entity, field)

    def may_update(self, entity: str, field: str) -> bool:
        """Whether an update may replace ``entity.field`` on an existing record (either
        side). A create is not an update: it carries every synced field."""
        allowed = self.update_fields.get(entity)
        return allowed is None or field in allowed

    def syncs_field(self, entity: str, field: str) -> bool:
        """Whether the entity's field subset keeps ``field`` (no subset: every field)."""
        subset = self.field_subsets.get(entity)
        return subset is None or field in subset

    def synced_subset(self, entity: str, fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        """``fields`` cut to the entity's field subset (the fields synced at all)."""
        if entity not in self.field_subsets:
            return fields
        return tuple(spec for spec in fields if self.syncs_field(entity, spec.name))

    def update_words(self, entity: str) -> str:
        """Why a change to a field an update may not replace is not sent, in a few words:
        "import only", "updates replace only address_line1, phone"."""
        allowed = self.update_fields.get(entity)
        if allowed is None:
            return "updates replace every field"
        if not allowed:
            return "import only"
        return f"updates replace only {', '.join(sorted(allowed))}"

    def swapped(self) -> Policy:
        """The same policy with the sides' roles exchanged (a <-> b everywhere)."""
        return Policy(
            directions={name: _SWAPPED_DIRECTION[d] for name, d in self.directions.items()},
            rules=tuple(rule.swapped() for rule in self.rules),
            on_forbidden=self.on_forbidden,
            update_fields=self.update_fields,
            field_subsets=self.field_subsets,
            owners={name: other(side) for name, side in self.owners.items()},
        )


#: The synced transactions "one-way transactions" covers (lists stay two-way) ...
TRANSACTIONS: tuple[str, ...] = tuple(n for n in SYNCED if ENTITIES[n].kind == "transaction")
#: ... copied billing (side a) -> accounting (side b) only, and edited in billing.
ONE_WAY: Direction = "a_to_b"
ONE_WAY_OWNER: Side = "a"


def one_way(
    directions: Mapping[str, Direction], owners: Mapping[str, Side]
) -> tuple[dict[str, Direction], dict[str, Side]]:
    """Directions and owners with every transaction one-way (whatever they held)."""
    return (
        {**directions, **dict.fromkeys(TRANSACTIONS, ONE_WAY)},
        {**owners, **dict.fromkeys(TRANSACTIONS, ONE_WAY_OWNER)},
    )


def owner_words(entity: str, editor: str, owner: str) -> str:
    """Why ``editor``'s change to a synced ``entity`` is not sent, in a few words:
    "QuickBooks Online owns invoices once they are synced"."""
    spec = ENTITIES.get(entity)
    what = (spec.label.lower() if spec else entity) + "s"
    return f"{owner} owns {what} once they are synced"


# -- the per-entity field settings, as stored and as a person gives them ---------------------

#: ``update_fields.<entity>``: every synced field (the default) or none (import only);
#: else a list of field names.
UPDATE_ALL = "all"
UPDATE_NONE = "none"


def allowed_updates(value: object) -> frozenset[str] | None:
    """A stored ``update_fields.<entity>`` value as the policy takes it: None for "all",
    the empty set for "none", else the names listed (check it first with
    :func:`check_update_fields`)."""
    if value is None or value == UPDATE_ALL:
        return None
    if value == UPDATE_NONE:
        return frozenset()
    return frozenset(str(name) for name in value) if isinstance(value, list | tuple) else None


def _synced_names(spec: EntitySpec) -> list[str]:
    return [f.name for f in spec.synced_fields]


def must_sync(spec: EntitySpec) -> tuple[str, ...]:
    """The fields a field subset of ``spec`` must keep: its required synced fields and
    its title (a record without them cannot be created or named)."""
    names = [f.name for f in spec.synced_fields if f.required]
    if spec.title_field not in names and spec.has_field(spec.title_field):
        names.insert(0, spec.title_field)
    return tuple(names)


def _entity_problem(entity: str) -> tuple[EntitySpec | None, str | None]:
    if entity not in SYNCED:
        return (
            None,
            f"{entity!r} is not an entity recontui syncs; choose among: {', '.join(SYNCED)}.",
        )
    return ENTITIES[entity], None


def _unknown_field(spec: EntitySpec, names: list[str]) -> str | None:
    known = _synced_names(spec)
    for name in names:
        if name not in known:
            return (
                f"{spec.label}: {name!r} is not a field recontui syncs; "
                f"choose among: {', '.join(known)}."
            )
    return None


def check_update_fields(entity: str, value: object) -> str | None:
    """What is wrong with ``value`` as the fields updates of ``entity`` may replace
    ("all", "none" or a list of field names), in one sentence, or None."""
    spec, problem = _entity_problem(entity)
    if spec is None:
        return problem
    if value in (UPDATE_ALL, UPDATE_NONE):
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return (
            f'{spec.label}: the fields updates may replace are "all", "none" '
            "(import only) or a list of field names."
        )
    if not value:
        return f'{spec.label}: an empty list of update fields is "none" (import only); say so.'
    return _unknown_field(spec, list(value))


def check_field_subset(entity: str, value: object) -> str | None:
    """What is wrong with ``value`` as the fields ``entity`` syncs at all ("all" or a
    list of field names holding the entity's required ones), in one sentence, or None."""
    spec, problem = _entity_problem(entity)
    if spec is None:
        return problem
    if value == UPDATE_ALL:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return f'{spec.label}: the fields synced are "all" or a list of field names.'
    unknown = _unknown_field(spec, list(value))
    if unknown:
        return unknown
    missing = [name for name in must_sync(spec) if name not in value]
    if missing:
        return (
            f"{spec.label}: the fields synced must include {', '.join(missing)}, "
            "without which a record cannot be created or named."
        )
    return None
