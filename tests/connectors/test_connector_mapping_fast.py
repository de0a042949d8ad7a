"""The mapping's quick paths read every remote value as the plain ones do (connectors/
values.py): a codec's compiled reader against ``value_in`` field by field, the money
shortcut against ``to_money``, and timestamps read directly against the spelled-out form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from recontui.connectors import bill_map, qbo_map
from recontui.connectors.values import (
    _TS,
    Codec,
    MappingError,
    _number,
    get_path,
    money_in,
    parse_timestamp,
)
from recontui.model.money import to_money


def outcome(call: Any, *args: Any) -> tuple[str, Any]:
    """What a call gives: its value (with a datetime's zone spelled out), or its error."""
    try:
        value = call(*args)
    except Exception as exc:
        return ("error", (type(exc), str(exc)))
    if isinstance(value, dt.datetime):
        return ("value", (repr(value), value.tzinfo, value.utcoffset()))
    if isinstance(value, Decimal):
        return ("value", (repr(value), value.as_tuple()))
    return ("value", value)


# -- timestamps ----------------------------------------------------------------------------


def spelled_out(text: str) -> dt.datetime:
    """parse_timestamp as it was: every part rebuilt, then read (the reference)."""
    m = _TS.match(text.strip())
    if not m:
        raise MappingError(f"not a timestamp: {text!r}")
    frac = (m["frac"] or "")[:6].ljust(6, "0") if m["frac"] else "000000"
    tz = m["tz"] or ""
    if tz == "Z":
        tz = "+00:00"
    elif tz and ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    hms = m["time"] if m["time"].count(":") == 2 else m["time"] + ":00"
    return dt.datetime.fromisoformat(f"{m['date']}T{hms}.{frac}{tz}")


digits = st.sampled_from("0123456789")
stamps = st.builds(
    lambda y, mo, d, sep, h, mi, sec, frac, tz, pad: (
        f"{pad}{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}{sec}{frac}{tz}{pad}"
    ),
    st.integers(1, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", " "]),
    st.integers(0, 25),
    st.integers(0, 60),
    st.one_of(st.just(""), st.integers(0, 61).map(lambda s: f":{s:02d}")),
    st.one_of(st.just(""), st.text(digits, min_size=1, max_size=9).map(lambda f: "." + f)),
    st.one_of(
        st.sampled_from(["", "Z", "+00:00", "-00:00", "-07:00", "+0530", "-0800", "+14:00"]),
        st.builds(
            lambda sign, hh, mm: f"{sign}{hh:02d}{mm:02d}",
            st.sampled_from("+-"),
            st.integers(0, 30),
            st.integers(0, 99),
        ),
    ),
    st.sampled_from(["", " ", "\n"]),
)


@given(st.one_of(stamps, st.from_regex(_TS), st.text(max_size=40)))
@settings(max_examples=500)
@example("2024-01-02T03:04:05.123456789Z")
@example("2024-01-02 03:04")
@example("2024-01-02T24:00:00Z")
@example("2024-02-30T00:00:00-07:00")
def test_a_timestamp_read_directly_is_the_one_spelled_out(text):
    assert outcome(parse_timestamp, text) == outcome(spelled_out, text)


# -- money -----------------------------------------------------------------------------------


@given(
    st.one_of(
        st.decimals(),  # NaN, infinities, huge and tiny ones included
        st.decimals(min_value=-(10**13), max_value=10**13, places=4),
        st.integers(),
        st.text(max_size=12),
        st.none(),
    )
)
@settings(max_examples=400)
@example(Decimal("999999999999.99"))
@example(Decimal("999999999999.995"))
@example(Decimal("-0.005"))
@example(Decimal("1E+400"))
def test_the_money_shortcut_rounds_as_to_money_does(value):
    def reference(v: Any) -> Decimal | None:
        return None if v is None or v == "" else _number(to_money, v)

    assert outcome(money_in, value) == outcome(reference, value)


# -- the compiled reader ---------------------------------------------------------------------


def plain(codec: Codec, fields: tuple[Any, ...], obj: Any) -> dict[str, Any]:
    """fields_in as it was: every field through ``value_in`` (the reference)."""
    return {f.name: codec.value_in(f, get_path(obj, f.path)) for f in fields}


raw_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, max_value=10**13, min_value=-(10**13)
    ),
    st.sampled_from(
        ["", "x", "2024-02-29", "true", "False", "TAX", "NON", "Bank", "debit", "12.5"]
    ),
    st.text(max_size=8),
    st.dictionaries(
        st.sampled_from(["value", "name", "Type", "EntityRef"]), st.text(max_size=4), max_size=2
    ),
    st.lists(st.integers(), max_size=2),
)

TABLES = [
    (module.CODEC, fields)
    for module in (qbo_map, bill_map)
    for spec in (qbo_map.QBO_ENTITIES if module is qbo_map else bill_map.BILL_ENTITIES).values()
    for fields in ((spec.fields,) + ((spec.lines.fields,) if spec.lines is not None else ()))
]


@st.composite
def remote_objects(draw: Any) -> tuple[Codec, tuple[Any, ...], Any]:
    """A mapping table's fields and an object holding values (or odd shapes) at their paths."""
    codec, fields = draw(st.sampled_from(TABLES))
    obj: dict[str, Any] = {}
    for f in fields:
        if draw(st.booleans()):
            continue  # absent
        node = obj
        for key in f.path[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                if nxt is not None:
                    break  # a value already stands where a nested object would
                nxt = node[key] = {} if draw(st.integers(0, 9)) else draw(raw_values)
                if not isinstance(nxt, dict):
                    break
            node = nxt
        else:
            node[f.path[-1]] = draw(raw_values)
    whole = draw(st.sampled_from(["dict", "dict", "dict", "list", "none"]))
    return codec, fields, obj if whole == "dict" else ([obj] if whole == "list" else None)


@given(remote_objects())
@settings(max_examples=600)
def test_the_compiled_reader_reads_what_value_in_reads(case):
    codec, fields, obj = case
    assert outcome(codec.fields_in, fields, obj) == outcome(plain, codec, fields, obj)


def test_a_reader_is_compiled_once_per_field_tuple():
    fields = qbo_map.spec("invoice").fields
    assert qbo_map.CODEC.reader(fields) is qbo_map.CODEC.reader(fields)
    # A list (which could change) gets a reader of its own each time, never a stale one.
    assert qbo_map.CODEC.reader(list(fields)) is not qbo_map.CODEC.reader(list(fields))
