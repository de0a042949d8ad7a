"""The canonical form `recontui verify` hashes agrees with `same`, and which one-sided
records are left out on purpose (pure: engine/compare.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recontui.engine.compare import (
    Excluded,
    canonical_bytes,
    checked_fields,
    differing,
    digest,
    exclusion,
    translate,
    unlinked,
)
from recontui.model import ENTITIES, FieldSpec, Ref, RemoteRef, same
from recontui.model.fields import FieldType as T

CUSTOMER = ENTITIES["customer"]
INVOICE = ENTITIES["invoice"]

WORDS = st.sampled_from(["Acme", "acme", "ACME", "Bolt", "Ünïcode", "ﬁne", "fine", "", " "])
SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0"])


@st.composite
def texts(draw: Any) -> str:
    """Words with varying case, inner spacing and padding: cosmetic twins come up often."""
    words = draw(st.lists(WORDS, max_size=3))
    out = draw(SPACES)
    for word in words:
        out += word + draw(SPACES)
    return out


@st.composite
def decimals(draw: Any) -> Any:
    """Numbers in many spellings: trailing zeros, exponents, negative zero, ints, text."""
    digits = draw(st.integers(min_value=-(10**9), max_value=10**9))
    places = draw(st.integers(min_value=-3, max_value=9))
    number = Decimal(digits).scaleb(-places)
    form = draw(st.sampled_from(["dec", "zeros", "int", "str", "neg0", "float", "junk"]))
    if form == "zeros":
        return number + Decimal("0.000")
    if form == "int":
        return digits
    if form == "str":
        return format(number, ",f")
    if form == "neg0":
        return Decimal("-0.00")
    if form == "float":
        return draw(st.floats(allow_nan=False, allow_infinity=False, width=32))
    if form == "junk":
        return draw(st.sampled_from(["n/a", "1e999999", "NaN", "", None]))
    return number


def dates() -> st.SearchStrategy[Any]:
    day = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 1, 4))
    return st.one_of(
        day,
        day.map(lambda d: dt.datetime.combine(d, dt.time(9, 30))),
        day.map(lambda d: d.isoformat() + "T10:00:00"),
        day.map(lambda d: " " + d.isoformat()),
        st.sampled_from(["not a date", "", None]),
    )


REFS = st.sampled_from(
    [
        Ref("item", 1),
        Ref("item", 2),
        RemoteRef("item", "a:1"),
        RemoteRef("item", "b:1"),
        unlinked(RemoteRef("item", "7"), "a"),
        None,
    ]
)


def values_for(spec: FieldSpec) -> st.SearchStrategy[Any]:
    t = spec.type
    if t in (T.TEXT, T.NAME, T.EMAIL, T.CODE, T.ENUM):
        return st.one_of(texts(), st.none())
    if t is T.PHONE:
        return st.one_of(
            st.lists(st.sampled_from(list("+0155 -().5")), max_size=8).map("".join), st.none()
        )
    if t in (T.MONEY, T.PRICE, T.DECIMAL):
        return decimals()
    if t is T.DATE:
        return dates()
    if t is T.BOOL:
        return st.sampled_from([True, False, None, 0, 1, "yes"])
    if t is T.REF:
        return REFS
    assert t is T.LINES
    line = st.fixed_dictionaries(
        {sub.name: values_for(sub) for sub in spec.line_fields if sub.synced}
    )
    return st.one_of(st.lists(line, max_size=2), st.none())


def respell(value: Any) -> Any:
    """The same value written another way (what `same` is there to see through)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal) and value.is_finite():
        if value == 0:
            return Decimal("0") if value.is_signed() else Decimal("-0.000")
        sign, digits, exponent = value.as_tuple()
        return Decimal((sign, (*digits, 0, 0), int(exponent) - 2))  # two trailing zeros
    if isinstance(value, int):
        return Decimal(value).scaleb(0) + Decimal("0.0")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59))
    if isinstance(value, str):
        return "  " + value.swapcase().replace(" ", "   ") + "\t"
    if isinstance(value, list):
        return [{k: respell(v) for k, v in reversed(list(line.items()))} for line in value]
    return value


def twins(spec: FieldSpec, left: Any) -> st.SearchStrategy[Any]:
    """The value again, respelled, or another one."""
    return st.one_of(st.just(left), st.just(respell(left)), values_for(spec))


#: One field of each type (and both kinds of lines), so that each comes up as often.
SPECS = list(
    {
        (f.type, f.name if f.type is T.LINES else ""): f
        for e in (
            CUSTOMER,
            INVOICE,
            *(ENTITIES[n] for n in ("item", "payment", "account", "tax_rate")),
        )
        for f in e.fields
    }.values()
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_canonical_bytes_are_equal_exactly_when_same_says_equal(data: Any) -> None:
    spec = data.draw(st.sampled_from(SPECS), label="field")
    left = data.draw(values_for(spec), label="left")
    right = data.draw(twins(spec, left), label="right")
    assert same(spec, left, right) == (canonical_bytes(spec, left) == canonical_bytes(spec, right))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_record_digests_are_equal_exactly_when_every_field_is_the_same(data: Any) -> None:
    fields = checked_fields(INVOICE, frozenset(f.name for f in INVOICE.fields))
    a = {f.name: data.draw(values_for(f), label=f"a.{f.name}") for f in fields}
    b = {f.name: data.draw(twins(f, a[f.name]), label=f"b.{f.name}") for f in fields}
    agree = all(same(f, a[f.name], b[f.name]) for f in fields)
    assert (digest(fields, a) == digest(fields, b)) == agree
    assert (differing(fields, a, b) == []) == agree


def test_cosmetic_differences_hash_equal_and_a_cent_does_not() -> None:
    fields = checked_fields(CUSTOMER, frozenset(f.name for f in CUSTOMER.fields))
    a = {"name": "Acme  Ltd", "email": "AP@acme.test", "phone": "+1 (555) 0100", "active": True}
    b = {"name": " acme ltd", "email": "ap@acme.test ", "phone": "+1 555-0100", "active": True}
    assert digest(fields, a) == digest(fields, b)
    lines = INVOICE.field("lines")
    one = [{"item": Ref("item", 1), "amount": Decimal("10.00"), "quantity": Decimal("2.0")}]
    same_lines = [{"quantity": 2, "amount": "10", "item": Ref("item", 1)}]
    cent = [{"item": Ref("item", 1), "amount": Decimal("10.01"), "quantity": Decimal("2")}]
    assert canonical_bytes(lines, one) == canonical_bytes(lines, same_lines)
    assert canonical_bytes(lines, one) != canonical_bytes(lines, cent)


def test_total_is_checked_beside_the_synced_fields() -> None:
    names = [f.name for f in checked_fields(INVOICE, frozenset(f.name for f in INVOICE.fields))]
    assert "total" in names and "lines" in names
    # A field one system does not map is not compared.
    assert "memo" not in [
        f.name for f in checked_fields(INVOICE, frozenset({"number", "lines", "total"}))
    ]


def test_references_compare_by_link_and_unlinked_ones_never_match_the_other_side() -> None:
    links = {("customer", "Q7"): 12}
    a = translate(RemoteRef("customer", "Q7"), "b", lambda e, r: links.get((e, r)))
    assert a == Ref("customer", 12)
    ref = INVOICE.field("customer")
    # The same remote id spelled by both systems, unknown to any link, is no agreement.
    left = translate(RemoteRef("customer", "5"), "a", lambda e, r: None)
    right = translate(RemoteRef("customer", "5"), "b", lambda e, r: None)
    assert not same(ref, left, right)
    assert canonical_bytes(ref, left) != canonical_bytes(ref, right)
    lines = translate([{"item": RemoteRef("item", "9"), "amount": Decimal(1)}], "a", lambda e, r: 3)
    assert lines == [{"item": Ref("item", 3), "amount": Decimal(1)}]


def test_one_sided_records_left_out_on_purpose_and_those_that_are_not() -> None:
    cases: list[tuple[dict[str, Any], Any, Excluded | None]] = [
        # (fields, state / direction / first date, expected)
        ({"name": "X"}, ("ignored", "both", None), Excluded.IGNORED),
        ({"name": "X"}, ("reference", "both", None), Excluded.BEFORE_WINDOW),
        ({"name": "X", "active": False}, (None, "both", None), Excluded.INACTIVE),
        ({"name": "X"}, (None, "b_to_a", None), Excluded.DIRECTION),
        ({"name": "X"}, (None, "none", None), Excluded.DIRECTION),
        ({"name": "X"}, (None, "a_to_b", None), None),
        ({"name": "X"}, ("unpaired", "both", None), None),
        ({"name": "X"}, ("matching", "both", None), None),
        # Its counterpart was linked once: gone now, whatever the settings say.
        ({"name": "X", "active": False}, ("paired", "none", None), None),
    ]
    for fields, (state, direction, first), expected in cases:
        got = exclusion(CUSTOMER, "a", fields, state=state, first_date=first, direction=direction)
        assert got == expected, (fields, state, direction)
    first = dt.date(2026, 1, 1)
    old = {"number": "1", "date": dt.date(2025, 12, 31)}
    new = {"number": "2", "date": first}
    assert (
        exclusion(INVOICE, "b", old, state=None, first_date=first, direction="both")
        is Excluded.BEFORE_WINDOW
    )
    assert exclusion(INVOICE, "b", new, state=None, first_date=first, direction="both") is None


def test_text_json_cannot_write_is_hashed_the_same_way_on_both_sides() -> None:
    fields = checked_fields(INVOICE, frozenset({"number", "memo"}))
    odd = {"number": "7", "memo": "broken \ud800 text"}
    assert digest(fields, odd) == digest(fields, {"number": " 7 ", "memo": "broken \ud800 text "})
    assert digest(fields, odd) != digest(fields, {"number": "7", "memo": "broken  text"})
    assert digest(fields, odd) != digest(fields, {"number": "7", "memo": "broken \ud801 text"})
