"""The client's JSON decoder (connectors/http.py ``loads_json``): every fractional number
a Decimal with exactly its literal's digits and exponent, integers ints, and in every
case, malformed bodies included, the standard library's ``json.loads(parse_float=Decimal)``
answer (or its error)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from recontui.connectors.http import loads_json


def exactly(x: Any, y: Any) -> bool:
    """Equal, of the same types throughout, every Decimal with the same digits and exponent."""
    if type(x) is not type(y):
        return False
    if isinstance(x, dict):
        return list(x.items()) == list(y.items()) and all(exactly(v, y[k]) for k, v in x.items())
    if isinstance(x, list):
        return len(x) == len(y) and all(exactly(v, w) for v, w in zip(x, y, strict=True))
    if isinstance(x, Decimal):
        return x.as_tuple() == y.as_tuple()
    if isinstance(x, float):  # NaN and the infinities, as the standard library reads them
        return repr(x) == repr(y)
    return bool(x == y)


def stdlib(content: bytes | str) -> Any:
    return json.loads(content, parse_float=Decimal)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("12.30", Decimal("12.30")),
        ("0.10", Decimal("0.10")),
        ("-0.0", Decimal("-0.0")),
        ("1E+400", Decimal("1E+400")),
        ("1e400", Decimal("1E+400")),
        ("-1.23e-400", Decimal("-1.23E-400")),
        ("1.0E+2", Decimal("1.0E+2")),
        (
            "123456789012345678901234567890.123456789",
            Decimal("123456789012345678901234567890.123456789"),
        ),
        ("0.000000000000000000000000000001", Decimal("1E-30")),
    ],
)
def test_a_fractional_number_is_the_decimal_its_literal_writes(literal, expected):
    for body in (f'{{"TotalAmt": {literal}}}', f'{{"TotalAmt": {literal}}}'.encode()):
        value = loads_json(body)["TotalAmt"]
        assert type(value) is Decimal
        assert value.as_tuple() == expected.as_tuple()  # digits and exponent, not just value


@pytest.mark.parametrize(
    "literal", ["0", "-0", "5", "9223372036854775808", "18446744073709551616", "-" + "9" * 40]
)
def test_an_integer_stays_an_int(literal):
    value = loads_json(f"[{literal}]".encode())[0]
    assert type(value) is int and value == int(literal)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"a": 1',  # cut short on the way
        b'{"a": 1,}',
        b"[1 2]",
        b"01",
        b'"a\x01b"',  # a raw control character
        b'"\xff"',  # not UTF-8
        b"\xef\xbb\xbf{}",  # a byte order mark: the standard library reads it
        b"NaN",  # outside JSON, but the standard library's answer stands
        b"[Infinity, -Infinity]",
        b'"\\ud800"',  # a lone surrogate escape
        b'{"a": 1, "a": 2}',
        b"1" * 4301,  # more digits than Python converts
        b"<Fault>xml</Fault>",
    ],
)
def test_odd_and_malformed_bodies_get_the_standard_librarys_answer(body):
    try:
        expected = stdlib(body)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            loads_json(body)
        assert type(got.value) is type(exc)  # the same error: callers catch ValueError
    else:
        assert exactly(loads_json(body), expected)


class Literal(str):
    """A number literal, written into the document as it is."""


numbers = st.one_of(
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.from_regex(
        r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True
    ).map(Literal),
)
scalars = st.one_of(st.none(), st.booleans(), st.text(), numbers)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(), inner, max_size=5)
    ),
    max_leaves=30,
)


def write(value: Any) -> str:
    """JSON text with numbers written as given (a regex-made literal goes in bare)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{write(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(write(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value) if "E" in str(value) or "." in str(value) else str(value) + ".0"
    if isinstance(value, Literal):
        return str(value)
    return json.dumps(value)


@given(documents, st.booleans())
@settings(max_examples=300)
@example({"a": "12.30", "b": ["1E+3", "7"]}, False)
def test_any_document_decodes_exactly_as_the_standard_library_does(document, as_text):
    text = write(document)
    body: bytes | str = text if as_text else text.encode()
    assert exactly(loads_json(body), stdlib(body))
