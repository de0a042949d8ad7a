"""Whatever number a person types for a field ends in a value or in one sentence naming
the field and what it takes: never a decimal.InvalidOperation (issue 9, finding 4a)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recontui.model import ENTITIES, FieldValueError, parse_value
from recontui.model.fields import FieldSpec, FieldType

D = Decimal
AMOUNT = FieldSpec("amount", FieldType.MONEY, required=True)
PAID = ENTITIES["payment"].field("amount")
PRICE = FieldSpec("unit_price", FieldType.PRICE, label="Unit price")
QUANTITY = FieldSpec("quantity", FieldType.DECIMAL)

TYPED = [
    "1e30",
    "1e400",
    "-1e400",
    "1e-400",
    "9" * 40,
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1,000,000,000,000",
    "ten",
    "1.2.3",
]


def refusal(spec: FieldSpec, text: str) -> str:
    with pytest.raises(FieldValueError) as caught:
        parse_value(spec, text)
    return str(caught.value)


def one_sentence(message: str) -> bool:
    body = message.rstrip(".")
    return message.endswith(".") and ". " not in body and "\n" not in message


@pytest.mark.parametrize("text", TYPED)
@pytest.mark.parametrize("spec", [AMOUNT, PRICE, QUANTITY], ids=lambda s: s.type.value)
def test_any_typed_number_outside_the_field_is_one_sentence_naming_it(
    spec: FieldSpec, text: str
) -> None:
    message = refusal(spec, text)
    assert message.startswith(spec.title), message
    assert "999,999,999,999" in message, "the sentence says the bound"
    assert one_sentence(message), message


def test_money_takes_at_most_two_decimals_up_to_the_bound_and_says_so() -> None:
    assert parse_value(AMOUNT, "999999999999.99") == D("999999999999.99")
    assert parse_value(AMOUNT, "-999,999,999,999.99") == D("-999999999999.99")
    assert parse_value(AMOUNT, "1E+2") == D("100.00")
    assert str(parse_value(AMOUNT, "$12.5")) == "12.50"
    message = refusal(AMOUNT, "0.001")
    assert message == (
        "Amount must be an amount of money from -999,999,999,999.99 to 999,999,999,999.99 "
        "with at most 2 decimals, not '0.001'."
    )
    assert "at most 2 decimals" in refusal(AMOUNT, "1000000000000")


def test_minus_zero_is_zero() -> None:
    assert str(parse_value(AMOUNT, "-0")) == "0.00"
    assert str(parse_value(QUANTITY, "-0")) == "0"


def test_a_payment_amount_cannot_be_negative() -> None:
    assert parse_value(PAID, "0") == D("0.00")
    message = refusal(PAID, "-5")
    assert message.startswith("Amount must be an amount of money from 0 to 999,999,999,999.99")
    assert one_sentence(message)
    assert not ENTITIES["tax_rate"].field("rate").signed
    assert "from 0 to" in refusal(ENTITIES["tax_rate"].field("rate"), "-1")


def test_prices_and_quantities_have_their_own_places() -> None:
    assert parse_value(PRICE, "0.1234567") == D("0.1234567")
    assert "at most 7 decimals" in refusal(PRICE, "0.12345678")
    assert parse_value(QUANTITY, "2.5") == D("2.5")
    assert parse_value(QUANTITY, "1e3") == D("1000")
    assert "at most 7 decimals" in refusal(QUANTITY, "1e-8")
    assert refusal(QUANTITY, "1e13").startswith("Quantity must be a number from")


@pytest.mark.parametrize("spec", [AMOUNT, PAID], ids=["amount", "payment amount"])
def test_empty_is_refused_for_a_required_number_saying_what_to_type(spec: FieldSpec) -> None:
    message = refusal(spec, "   ")
    assert message.startswith("Amount cannot be empty")
    assert "at most 2 decimals" in message and one_sentence(message)


def test_empty_clears_a_number_that_is_not_required() -> None:
    assert parse_value(PRICE, "") is None
    assert parse_value(QUANTITY, " ") is None
