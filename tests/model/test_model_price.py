"""Unit prices keep the decimals the remote allows; money stays to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recontui.model import ENTITIES, FieldValueError, display, normalize, parse_value, same
from recontui.model.fields import PRICE_PLACES, FieldSpec, FieldType, to_price

D = Decimal
PRICE = FieldSpec("unit_price", FieldType.PRICE, label="Unit price")
MONEY = FieldSpec("amount", FieldType.MONEY)


def test_unit_prices_are_price_fields() -> None:
    assert ENTITIES["item"].field("unit_price").type is FieldType.PRICE
    line = ENTITIES["invoice"].field("lines").line_field("unit_price")
    assert line.type is FieldType.PRICE
    assert ENTITIES["invoice"].field("lines").line_field("amount").type is FieldType.MONEY


def test_price_keeps_its_decimals_and_has_at_least_two() -> None:
    assert to_price(D("0.333")) == D("0.333") and str(to_price(D("0.333"))) == "0.333"
    assert str(to_price(20)) == "20.00" and str(to_price("1.5")) == "1.50"
    assert str(to_price(D("0.12345678"))) == "0.12345678"  # kept as the remote holds it
    assert PRICE_PLACES == 7


def test_same_compares_prices_to_seven_decimals_and_money_to_the_cent() -> None:
    assert not same(PRICE, D("0.333"), D("0.33"))
    assert same(PRICE, D("0.3330000"), D("0.333"))
    assert same(PRICE, D("20"), D("20.00"))
    assert same(PRICE, D("0.12345678"), D("0.1234568"))  # beyond seven: rounded half-up
    assert not same(PRICE, D("0.1234567"), D("0.1234568"))
    assert same(MONEY, D("10.001"), D("10.00"))  # money is unchanged: to the cent
    assert normalize(PRICE, None) is None and normalize(PRICE, "") is None
    assert normalize(PRICE, "abc") == ("invalid", "abc")


def test_display_shows_every_decimal_and_at_least_the_cent() -> None:
    assert display(PRICE, D("0.333")) == "0.333"
    assert display(PRICE, D("1234.5")) == "1,234.50"
    assert display(MONEY, D("0.333")) == "0.33"


def test_parse_value_accepts_up_to_seven_decimals() -> None:
    assert parse_value(PRICE, " 0.333 ") == D("0.333")
    assert str(parse_value(PRICE, "$1,234")) == "1234.00"
    assert parse_value(PRICE, "0.1234567") == D("0.1234567")
    with pytest.raises(FieldValueError, match=r"at most 7 decimals, not '0\.12345678'"):
        parse_value(PRICE, "0.12345678")
    with pytest.raises(FieldValueError, match="must be a price from"):
        parse_value(PRICE, "ten")
    with pytest.raises(FieldValueError, match=r"at most 2 decimals, not '0\.333'"):
        parse_value(MONEY, "0.333")
