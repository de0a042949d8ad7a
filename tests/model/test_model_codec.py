"""The store's codec: what is written is read back exactly, and the fast decoder reads
every stored text as the plain walk does (model/codec.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from recontui.model.codec import decode_value, dumps, loads
from recontui.model.refs import Ref, RemoteRef


def exactly(x: Any, y: Any) -> bool:
    """Equal, of the same types throughout, every Decimal with the same digits and exponent."""
    if type(x) is not type(y):
        return False
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(exactly(v, y[k]) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(exactly(v, w) for v, w in zip(x, y, strict=True))
    if isinstance(x, Decimal):
        return x.as_tuple() == y.as_tuple()
    if isinstance(x, dt.datetime):
        return x == y and x.tzinfo == y.tzinfo and x.utcoffset() == y.utcoffset()
    return bool(x == y)


decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.builds(
        lambda digits, exp, sign: Decimal((sign, tuple(digits), exp)),
        st.lists(st.integers(0, 9), min_size=1, max_size=30),
        st.integers(-40, 40),
        st.integers(0, 1),
    ),
)
texts = st.text()  # "$5 off", "\\u0024dec" and friends included
keys = texts.filter(lambda k: not k.startswith("$"))  # a "$..." key is a tag, by design
zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-7, minutes=-30))])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # what orjson writes (the store holds no more)
    texts,
    decimals,
    st.dates(),
    st.datetimes(timezones=zones),
    st.builds(Ref, st.sampled_from(["customer", "item"]), st.integers(1, 10**9)),
    st.builds(RemoteRef, st.sampled_from(["customer", "account"]), texts),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


@given(values)
@settings(max_examples=400)
@example({"amount": Decimal("12.30"), "qty": Decimal("1E+3"), "tiny": Decimal("1E-30")})
@example({"memo": "$5 off", "note": '"$dec"', "escaped": "\\u0024dec"})
@example([{"lines": [{"amount": Decimal("0.00")}], "active": True}, 7, None])
def test_what_is_stored_reads_back_exactly(value):
    text = dumps(value)
    assert loads(text) == value
    assert exactly(loads(text), as_stored(value))
    assert exactly(loads(text.encode()), as_stored(value))


def as_stored(value: Any) -> Any:
    """``value`` as the codec keeps it: exactly, except that a Decimal with a positive
    exponent is written out in full (``1E+3`` reads back as ``1000``, equal, exponent 0),
    as the encoder always has (``format(value, "f")``)."""
    if isinstance(value, Decimal) and value.as_tuple().exponent > 0:  # type: ignore[operator]
        return Decimal(format(value, "f"))
    if isinstance(value, dict):
        return {k: as_stored(v) for k, v in value.items()}
    if type(value) is list:
        return [as_stored(v) for v in value]
    return value


def test_money_keeps_its_exponent_and_an_integer_stays_an_integer():
    back = loads(
        dumps({"a": Decimal("12.30"), "b": Decimal("12.3"), "n": 12, "z": Decimal("0E-7")})
    )
    assert str(back["a"]) == "12.30" and str(back["b"]) == "12.3"
    assert type(back["n"]) is int
    assert back["z"].as_tuple().exponent == -7


def test_a_float_is_stored_as_the_decimal_it_prints_as():
    assert exactly(loads(dumps({"x": 0.1})), {"x": Decimal("0.1")})


# Stored JSON as anything may have written it: tags in any order, with extra keys, escaped.
tag_objects = st.one_of(
    st.fixed_dictionaries({"$dec": st.sampled_from(["12.30", "1E+5", "-0.00", "7"])}),
    st.fixed_dictionaries({"$date": st.just("2024-02-29")}),
    st.fixed_dictionaries(
        {"$dt": st.sampled_from(["2024-02-29T10:00:00", "2024-02-29T10:00:00+02:00"])}
    ),
    st.fixed_dictionaries({"$ref": st.just("customer"), "link": st.sampled_from([5, "6"])}),
    st.fixed_dictionaries({"$rref": st.just("item"), "id": st.sampled_from([5, "x"])}),
)
jsonish = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), texts, tag_objects),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(texts, inner, max_size=4),
        # A tag object with other keys beside it, or two tags: the first in the walk's
        # order wins, as it always has.
        st.builds(
            lambda tag, extra: {**extra, **tag},
            tag_objects,
            st.dictionaries(texts, inner, max_size=2),
        ),
        st.builds(lambda t1, t2: {**t1, **t2}, tag_objects, tag_objects),
    ),
    max_leaves=20,
)


@given(jsonish, st.booleans())
@settings(max_examples=400)
@example({"\\u0024dec": "1"}, True)
def test_the_fast_decoder_reads_any_stored_text_as_the_plain_walk_does(raw, escape):
    text = orjson.dumps(raw).decode()
    if escape:  # another encoder's spelling of the same text: "$" escaped
        text = text.replace("$", "\\u0024")
    try:
        expected = decode_value(orjson.loads(text))
    except (KeyError, ValueError, ArithmeticError) as exc:  # a "$..." key that is no tag
        try:
            loads(text)
        except type(exc):
            return
        raise AssertionError(f"the walk refuses {text!r} ({exc!r}) but loads does not") from None
    assert exactly(loads(text), expected)


def test_an_escaped_tag_is_still_a_tag():
    assert exactly(loads('{"x": {"\\u0024dec": "1.50"}}'), {"x": Decimal("1.50")})
    assert loads(None) is None
