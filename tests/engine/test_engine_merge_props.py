"""Properties the merge keeps whatever the records and the policy (DESIGN.md invariants)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recontui.engine import Merge, Policy, Rule, merge_record
from recontui.engine.policy import DIRECTIONS, ON_FORBIDDEN, may_write
from recontui.model import ENTITIES, EntitySpec, FieldSpec, Ref, same
from recontui.model.fields import FieldType as T

CUSTOMER = ENTITIES["customer"]
INVOICE = ENTITIES["invoice"]
PAYMENT = ENTITIES["payment"]

#: Small pools with cosmetic twins, so that equal, cosmetically equal and
#: different values all come up often.
POOLS: dict[T, list[Any]] = {
    T.NAME: ["Acme Ltd", "acme  LTD", " Acme Ltd ", "Bolt Inc", "", None],
    T.EMAIL: ["ap@acme.test", "AP@Acme.test", "x@bolt.test", " ", None],
    T.PHONE: ["+1 555 0100", "+1-555-0100", "555 0100", "+44 20 7946 0000", None],
    T.BOOL: [True, False, None],
    T.TEXT: ["memo", " memo ", "other", "", None],
    T.CODE: ["USD", "usd", "EUR", "INV-1", "inv-1", None],
    T.MONEY: [Decimal("10.00"), Decimal("10.001"), Decimal("10"), Decimal("12.50"), None],
    T.DECIMAL: [Decimal("1"), Decimal("1.0"), Decimal("2.5"), None],
    T.DATE: [dt.date(2024, 1, 31), dt.date(2024, 2, 1), dt.datetime(2024, 1, 31, 9, 0), None],
    T.REF: [Ref("customer", 1), Ref("customer", 2), None],
}

ITEM_LINES: list[Any] = [
    [],
    [{"item": Ref("item", 1), "description": "Hours", "amount": Decimal("10.00")}],
    [{"item": Ref("item", 1), "description": " Hours", "amount": Decimal("10")}],
    [{"item": Ref("item", 1), "description": "Hours", "amount": Decimal("12.00")}],
    [
        {"item": Ref("item", 1), "amount": Decimal("10.00")},
        {"item": Ref("item", 2), "amount": Decimal("5.00")},
    ],
    None,
]
APPLIED_LINES: list[Any] = [
    [],
    [{"invoice": Ref("invoice", 1), "amount": Decimal("10.00")}],
    [{"invoice": Ref("invoice", 1), "amount": Decimal("10.004")}],
    [{"invoice": Ref("invoice", 2), "amount": Decimal("10.00")}],
    None,
]


def pool(spec: FieldSpec) -> list[Any]:
    if spec.type is T.LINES:
        return APPLIED_LINES if spec.name == "applied" else ITEM_LINES
    return POOLS[spec.type]


CASES: list[tuple[EntitySpec, tuple[FieldSpec, ...]]] = [
    (CUSTOMER, tuple(CUSTOMER.field(n) for n in ("name", "email", "phone", "active"))),
    (INVOICE, INVOICE.synced_fields),  # CODE, REF, DATE, TEXT, LINES
    (PAYMENT, PAYMENT.synced_fields),  # REF, DATE, MONEY, CODE, TEXT, LINES
]

Records = tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any]]


@st.composite
def records(draw: st.DrawFn, fields: Sequence[FieldSpec]) -> Records:
    """base/a/b where each side keeps the base value or moves to a pool value."""
    has_base = draw(st.integers(0, 4)) > 0
    base: dict[str, Any] = {}
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    for spec in fields:
        values = st.sampled_from(pool(spec))
        start = draw(values)
        if has_base and draw(st.integers(0, 9)) > 0:
            base[spec.name] = start
        a[spec.name] = start if draw(st.booleans()) else draw(values)
        b[spec.name] = start if draw(st.booleans()) else draw(values)
    return (base if has_base else None), a, b


@st.composite
def policies(draw: st.DrawFn, entity: EntitySpec, fields: Sequence[FieldSpec]) -> Policy:
    names = [spec.name for spec in fields]
    rules = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["prefer", "force", "fill_blanks"]))
        side = None if kind == "fill_blanks" else draw(st.sampled_from(["a", "b"]))
        scope = draw(st.sampled_from(["profile", "entity", "field", "other"]))
        ent = {"profile": None, "other": "vendor"}.get(scope, entity.name)
        fld = draw(st.sampled_from(names)) if scope == "field" else None
        rules.append(Rule(kind, side, ent, fld, id=draw(st.none() | st.just(i + 1))))
    return Policy(
        directions={entity.name: draw(st.sampled_from(DIRECTIONS))},
        rules=tuple(rules),
        on_forbidden=draw(st.sampled_from(ON_FORBIDDEN)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[EntitySpec, tuple[FieldSpec, ...], Records, Policy]:
    entity, fields = draw(st.sampled_from(CASES))
    return entity, fields, draw(records(fields)), draw(policies(entity, fields))


PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mirror(m: Merge, policy: Policy) -> Merge:
    """``m`` as the swapped merge should see it, agreed values left out.

    A rule without an id is audited by its label, which names its side: the
    swapped policy's rule has the other side in its label.
    """
    renamed = {rule.audit_by: rule.swapped().audit_by for rule in policy.rules}
    out = m.mirrored()
    out.audit = [replace(e, by=renamed.get(e.by, e.by)) for e in out.audit]
    out.agreed = {}
    return out


def without_agreed(m: Merge) -> Merge:
    return replace(m, agreed={})


def assert_same_values(
    fields: Sequence[FieldSpec], left: Mapping[str, Any], right: Mapping[str, Any]
) -> None:
    assert left.keys() == right.keys()
    for spec in fields:
        if spec.name in left:
            assert same(spec, left[spec.name], right[spec.name])


@PROPS
@given(scenarios())
def test_merge_is_symmetric(scenario: tuple[Any, ...]) -> None:
    entity, fields, (base, a, b), policy = scenario
    forward = merge_record(entity, fields, base, a, b, policy)
    backward = merge_record(entity, fields, base, b, a, policy.swapped())
    assert without_agreed(backward) == mirror(forward, policy)
    # Where the sides differ only cosmetically, the new base takes a's spelling:
    # the agreed values are symmetric up to normalisation.
    assert_same_values(fields, backward.agreed, forward.agreed)


@PROPS
@given(scenarios())
def test_no_outside_change_plans_nothing(scenario: tuple[Any, ...]) -> None:
    entity, fields, (_, a, _b), policy = scenario
    m = merge_record(entity, fields, a, dict(a), dict(a), policy)
    assert (m.to_a, m.to_b, m.conflicts, m.audit, m.forbidden) == ({}, {}, {}, [], [])
    assert m.agreed == {spec.name: a.get(spec.name) for spec in fields}


@PROPS
@given(scenarios())
def test_every_written_value_has_exactly_one_audit_entry(scenario: tuple[Any, ...]) -> None:
    entity, fields, (base, a, b), policy = scenario
    m = merge_record(entity, fields, base, a, b, policy)
    assert len(m.audit) == len(m.to_a) + len(m.to_b)
    for side, writes, current in (("a", m.to_a, a), ("b", m.to_b, b)):
        for name, value in writes.items():
            entries = [e for e in m.audit if e.field == name and e.side == side]
            assert len(entries) == 1
            assert entries[0].old is current.get(name)
            assert entries[0].new is value
            assert entries[0].by


@PROPS
@given(scenarios())
def test_writes_never_go_against_the_direction(scenario: tuple[Any, ...]) -> None:
    entity, fields, (base, a, b), policy = scenario
    m = merge_record(entity, fields, base, a, b, policy)
    direction = policy.direction(entity.name)
    assert not m.to_a or may_write(direction, "a")
    assert not m.to_b or may_write(direction, "b")
    for entry in m.audit:
        if entry.field in m.forbidden:
            assert entry.by == "revert"


@PROPS
@given(scenarios())
def test_normalised_equal_values_never_produce_writes_or_conflicts(
    scenario: tuple[Any, ...],
) -> None:
    entity, fields, (base, a, b), policy = scenario
    m = merge_record(entity, fields, base, a, b, policy)
    for spec in fields:
        if same(spec, a.get(spec.name), b.get(spec.name)):
            assert spec.name not in m.to_a and spec.name not in m.to_b
            assert spec.name not in m.conflicts and spec.name not in m.forbidden
            assert spec.name in m.agreed


@PROPS
@given(scenarios())
def test_no_base_without_rules_never_writes(scenario: tuple[Any, ...]) -> None:
    entity, fields, (_, a, b), policy = scenario
    m = merge_record(entity, fields, None, a, b, Policy(directions=policy.directions))
    assert not m.changes
    for name, conflict in m.conflicts.items():
        assert conflict.kind == "no_base" and conflict.base is None
        assert (conflict.a, conflict.b) == (a[name], b[name])


@PROPS
@given(scenarios())
def test_every_field_is_decided_or_reported(scenario: tuple[Any, ...]) -> None:
    entity, fields, (base, a, b), policy = scenario
    m = merge_record(entity, fields, base, a, b, policy)
    for spec in fields:
        n = spec.name
        ignored = n in m.forbidden and n not in m.agreed and n not in m.conflicts
        assert (n in m.agreed) + (n in m.conflicts) + ignored == 1
        if ignored:
            assert policy.on_forbidden == "ignore"


@PROPS
@given(scenarios())
def test_merging_again_after_a_clean_merge_plans_nothing(scenario: tuple[Any, ...]) -> None:
    entity, fields, (base, a, b), policy = scenario
    first = merge_record(entity, fields, base, a, b, policy)
    if not first.clean:
        return
    new_a = {**a, **first.to_a}
    new_b = {**b, **first.to_b}
    new_base = {**(base or {}), **first.agreed}
    for name, value in first.agreed.items():
        spec = next(s for s in fields if s.name == name)
        assert same(spec, new_a[name], value) and same(spec, new_b[name], value)
    again = merge_record(entity, fields, new_base, new_a, new_b, policy)
    assert (again.to_a, again.to_b, again.conflicts) == ({}, {}, {})
    # Reverted changes are gone; ignored ones are still there, and still reported.
    assert again.forbidden == [n for n in first.forbidden if n not in first.agreed]
