"""Money is Decimal, end to end. One place parses and rounds it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A value that should be an amount of money is not one."""


def to_decimal(value: object) -> Decimal:
    """Parse a number without ever passing through binary floating point.

    JSON numbers must be decoded with ``parse_float=Decimal``; a float that
    still arrives here is converted through ``repr`` so 0.1 stays 0.1.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise MoneyError(f"not a number: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if text.startswith("$"):
            text = text[1:]
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not a number: {value!r}") from exc
    else:
        raise MoneyError(f"not a number: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


#: The largest amount recontui handles (far beyond any ledger; the remotes cap lower).
MAX_MONEY = Decimal("999999999999.99")


def to_money(value: object) -> Decimal:
    """An amount rounded half-up to the cent."""
    number = to_decimal(value)
    if abs(number) > MAX_MONEY:
        raise MoneyError(f"too large an amount: {value!r}")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)
