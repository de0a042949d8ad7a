"""merge_record's quick paths decide exactly what the merge decided before them
(tests/helpers/merge_reference.py), on random triples under random policies: the same
writes, conflicts, audit entries (in order), agreed values, and fields said not sent
or not owned."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

import merge_reference as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recontui.engine import Merge, Policy, Rule, merge_record
from recontui.engine.merge import set_by_system
from recontui.engine.policy import DIRECTIONS, ON_FORBIDDEN
from recontui.model import ENTITIES, FieldSpec, Ref
from recontui.model.fields import FieldType as T

CUSTOMER = ENTITIES["customer"]
INVOICE = ENTITIES["invoice"]
PAYMENT = ENTITIES["payment"]
BILL_PAYMENT = ENTITIES["bill_payment"]

#: Small pools with cosmetic twins and blanks, so equal, cosmetically equal, blank and
#: different values all come up often (and odd types the normalisers refuse).
POOLS: dict[T, list[Any]] = {
    T.NAME: ["Acme Ltd", "acme  LTD", " Acme Ltd ", "Bolt Inc", "", "  ", None, 7],
    T.EMAIL: ["ap@acme.test", "AP@Acme.test", "x@bolt.test", " ", None],
    T.PHONE: ["+1 555 0100", "+1-555-0100", "555 0100", "+44 20 7946 0000", "", None],
    T.BOOL: [True, False, None, 0, 1],
    T.TEXT: ["memo", " memo ", "other", "", "\t", None],
    T.CODE: ["USD", "usd", "EUR", "INV-1", "inv-1", None],
    T.ENUM: ["open", "OPEN", "paid", None],
    T.MONEY: ["10.00", "10", "ten", 10, None],
    T.DECIMAL: ["1", "1.0", "2.5", "x", None],
    T.DATE: ["2024-01-31", "2024-01-31T09:00:00", "2024-02-01", "soon", None],
    T.REF: [Ref("customer", 1), Ref("customer", 2), "7", None],
    T.LINES: [[], [{"amount": "10.00"}], [{"amount": "10"}], [{"amount": "12.00"}], None],
}

CASES: list[tuple[Any, tuple[FieldSpec, ...]]] = [
    (CUSTOMER, CUSTOMER.synced_fields),
    (INVOICE, INVOICE.synced_fields),
    (PAYMENT, PAYMENT.synced_fields),
    # BILL sets a bill payment's check number itself: the set-by-system rows of the table.
    (BILL_PAYMENT, set_by_system(BILL_PAYMENT.synced_fields, {"a": frozenset({"reference"})})),
]


def pool(spec: FieldSpec) -> list[Any]:
    return POOLS.get(spec.type, ["x", "y", None])


@st.composite
def triples(draw: st.DrawFn, fields: tuple[FieldSpec, ...]) -> tuple[Any, Any, Any]:
    """base/a/b: each side keeps the base value or moves; a field may be missing from
    any of them, and a record may carry keys outside the synced set."""
    has_base = draw(st.integers(0, 4)) > 0
    base: dict[str, Any] = {}
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    for spec in fields:
        values = st.sampled_from(pool(spec))
        start = draw(values)
        if has_base and draw(st.integers(0, 9)) > 0:
            base[spec.name] = start
        for side in (a, b):
            roll = draw(st.integers(0, 9))
            if roll:  # else missing from this side
                side[spec.name] = start if roll > 4 else draw(values)
    if draw(st.booleans()):
        a["not_synced"] = draw(st.sampled_from(["x", None]))
    return (base if has_base else None), a, b


@st.composite
def policies(draw: st.DrawFn, entity: Any, fields: tuple[FieldSpec, ...]) -> Policy:
    names = [spec.name for spec in fields]
    rules = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["prefer", "force", "fill_blanks"]))
        side = None if kind == "fill_blanks" else draw(st.sampled_from(["a", "b"]))
        scope = draw(st.sampled_from(["profile", "entity", "field", "other"]))
        ent = {"profile": None, "other": "vendor"}.get(scope, entity.name)
        fld = draw(st.sampled_from(names)) if scope == "field" else None
        rules.append(Rule(kind, side, ent, fld, id=draw(st.none() | st.just(i + 1))))
    update_fields = {}
    if draw(st.integers(0, 3)) == 0:
        update_fields[entity.name] = frozenset(draw(st.sets(st.sampled_from(names))))
    owners = {}
    if draw(st.integers(0, 3)) == 0:
        owners[entity.name] = draw(st.sampled_from(["a", "b"]))
    return Policy(
        directions={entity.name: draw(st.sampled_from(DIRECTIONS))},
        rules=tuple(rules),
        on_forbidden=draw(st.sampled_from(ON_FORBIDDEN)),
        update_fields=update_fields,
        owners=owners,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Any, ...]:
    entity, fields = draw(st.sampled_from(CASES))
    return entity, fields, draw(triples(fields)), draw(policies(entity, fields))


MISSING = "<the merge's missing-value marker>"


def named(value: Any) -> Any:
    """``value``, the merge's private missing-value marker named (each module has its own):
    a set-by-system field with no base, refused by the direction, is queued, or reverted,
    with the marker as its base value, as it always was."""
    return MISSING if type(value) is object else value


def spelled(m: Merge) -> dict[str, Any]:
    """Every part of a Merge, dicts as their items in order, the marker named."""
    out: dict[str, Any] = {}
    for f in dataclass_fields(m):
        value = getattr(m, f.name)
        out[f.name] = (
            [(k, named(v)) for k, v in value.items()] if isinstance(value, dict) else list(value)
        )
    out["conflicts"] = [
        (name, replace(c, base=named(c.base), a=named(c.a), b=named(c.b)))
        for name, c in out["conflicts"]
    ]
    out["audit"] = [replace(e, old=named(e.old), new=named(e.new)) for e in out["audit"]]
    return out


@given(scenarios())
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_merge_decides_what_it_decided_before_its_quick_paths(scenario):
    entity, fields, (base, a, b), policy = scenario
    got = merge_record(entity, fields, base, a, b, policy)
    want = reference.merge_record(entity, fields, base, a, b, policy)
    assert spelled(got) == spelled(want)
    # The same policy again (its answers now kept): still the same.
    assert spelled(merge_record(entity, fields, base, a, b, policy)) == spelled(want)


@given(scenarios(), st.integers(0, 3))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pairs_merged_one_after_another_under_several_policies(scenario, others):
    """The kept answers of one policy never leak into another's merge."""
    entity, fields, (base, a, b), policy = scenario
    for flip in range(others + 1):
        used = policy if flip % 2 == 0 else Policy(directions={entity.name: "none"})
        got = merge_record(entity, fields, base, a, b, used)
        want = reference.merge_record(entity, fields, base, a, b, used)
        assert spelled(got) == spelled(want)
