"""Field types, their normalisers and their parsers.

Normalisers decide what counts as *the same value*: a name that differs only in
case or spacing, an amount that differs below the cent, a date written another
way. Comparisons in the engine always go through :func:`normalize`, so cosmetic
differences never become conflicts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from .money import CENT, MAX_MONEY, MoneyError, to_decimal, to_money
from .refs import Ref, RemoteRef

_SPACES = re.compile(r"\s+")

#: Decimals a unit price keeps: QuickBooks Online holds up to seven on a line's
#: ``UnitPrice`` (docs/remote-shapes.md); amounts stay to the cent.
PRICE_PLACES = 7
_PRICE_STEP = Decimal(1).scaleb(-PRICE_PLACES)
#: Decimals a typed quantity or rate may have (as many as a unit price).
NUMBER_PLACES = PRICE_PLACES
#: The largest quantity or rate a person may type (amounts and prices: ``MAX_MONEY``).
MAX_NUMBER = Decimal("999999999999")


def to_price(value: object) -> Decimal:
    """A unit price, exactly as given but with at least two decimals (20 -> 20.00)."""
    number = to_decimal(value)
    if abs(number) > MAX_MONEY:
        raise MoneyError(f"too large a price: {value!r}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return number.quantize(CENT)
    return number


def price_places(value: Decimal) -> Decimal:
    """``value`` rounded half-up to :data:`PRICE_PLACES` decimals (how prices compare)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -PRICE_PLACES:
        return value
    return value.quantize(_PRICE_STEP, rounding=ROUND_HALF_UP)


class FieldType(StrEnum):
    TEXT = "text"  # free text: trimmed
    NAME = "name"  # a name: case and inner spacing do not matter
    EMAIL = "email"  # case-insensitive
    PHONE = "phone"  # only digits (and a leading +) matter
    CODE = "code"  # an upper-case code such as a currency or an account number
    ENUM = "enum"  # one of ``choices``, lower case
    MONEY = "money"  # Decimal, to the cent
    PRICE = "price"  # a unit price: Decimal, compared to PRICE_PLACES decimals
    DECIMAL = "decimal"  # Decimal, exact (quantities, rates)
    DATE = "date"  # datetime.date
    BOOL = "bool"
    REF = "ref"  # Ref / RemoteRef to ``ref_entity``
    LINES = "lines"  # list of dicts described by ``line_fields``


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str = ""
    ref_entity: str | None = None
    choices: tuple[str, ...] = ()
    line_fields: tuple[FieldSpec, ...] = ()
    #: False for fields we read but never merge or write (totals, balances).
    synced: bool = True
    #: Required on create.
    required: bool = False
    #: False for a number that is never below zero (a payment's amount, a tax rate).
    signed: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def line_field(self, name: str) -> FieldSpec:
        for sub in self.line_fields:
            if sub.name == name:
                return sub
        raise KeyError(name)


class FieldValueError(ValueError):
    """A value that does not fit its field's type."""


def is_blank(value: Any) -> bool:
    """None, empty text and empty lists are blank; False and 0 are not."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple)) and not isinstance(value, (Ref, RemoteRef)):
        return len(value) == 0
    return False


def normalize(spec: FieldSpec, value: Any) -> Any:
    """The comparison key of ``value``: equal keys mean no real difference."""
    if is_blank(value):
        return None
    normalizer = _NORMALIZERS.get(spec.type)
    return value if normalizer is None else normalizer(spec, value)


def _name_key(spec: FieldSpec, value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip().casefold()


def _phone_key(spec: FieldSpec, value: Any) -> str:
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    return ("+" if text.startswith("+") else "") + digits


def _money_key(spec: FieldSpec, value: Any) -> Any:
    try:
        return to_money(value)
    except MoneyError:
        return ("invalid", str(value))


def _price_key(spec: FieldSpec, value: Any) -> Any:
    try:
        return price_places(to_price(value))
    except MoneyError:
        return ("invalid", str(value))


def _decimal_key(spec: FieldSpec, value: Any) -> Any:
    try:
        d = to_decimal(value)
    except MoneyError:
        return ("invalid", str(value))
    return d.normalize() if d != 0 else Decimal(0)


def _date_key(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return ("invalid", str(value))


def _ref_key(spec: FieldSpec, value: Any) -> tuple[Any, ...]:
    if isinstance(value, (Ref, RemoteRef)):
        return tuple(value)
    return ("invalid", str(value))


def _lines_key(spec: FieldSpec, value: Any) -> tuple[Any, ...]:
    return tuple(
        tuple(
            (sub.name, normalize(sub, line.get(sub.name))) for sub in spec.line_fields if sub.synced
        )
        for line in value
    )


#: Each field type's comparison key of a value that is not blank.
_NORMALIZERS: dict[FieldType, Callable[[FieldSpec, Any], Any]] = {
    FieldType.TEXT: lambda spec, value: str(value).strip(),
    FieldType.NAME: _name_key,
    FieldType.EMAIL: lambda spec, value: str(value).strip().casefold(),
    FieldType.PHONE: _phone_key,
    FieldType.CODE: lambda spec, value: str(value).strip().upper(),
    FieldType.ENUM: lambda spec, value: str(value).strip().lower(),
    FieldType.MONEY: _money_key,
    FieldType.PRICE: _price_key,
    FieldType.DECIMAL: _decimal_key,
    FieldType.DATE: _date_key,
    FieldType.BOOL: lambda spec, value: bool(value),
    FieldType.REF: _ref_key,
    FieldType.LINES: _lines_key,
}


def same(spec: FieldSpec, left: Any, right: Any) -> bool:
    return bool(normalize(spec, left) == normalize(spec, right))


def normalizer(spec: FieldSpec) -> Callable[[Any], Any]:
    """``normalize`` for one field, its type's key looked up once (the merge compares the
    same fields of every pair): text is found blank or not where it stands."""
    key = _NORMALIZERS.get(spec.type)
    if key is None:
        return lambda value: normalize(spec, value)

    def norm(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is str:  # is_blank's test of text, without the call
            return key(spec, value) if value.strip() else None
        return None if is_blank(value) else key(spec, value)

    return norm


def parse_value(spec: FieldSpec, text: str) -> Any:
    """Parse what a person typed for ``spec`` (``--pick FIELD=VALUE``, the editor).

    Raises :class:`FieldValueError` with a sentence fit to show them.
    """
    raw = text.strip()
    t = spec.type
    if raw == "":
        if spec.required:
            rule = f": type {number_rule(spec)}" if t in _NUMBERS else ""
            raise FieldValueError(f"{spec.title} cannot be empty{rule}.")
        return None
    if t in (FieldType.TEXT, FieldType.NAME, FieldType.PHONE):
        return raw
    if t is FieldType.EMAIL:
        if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
            raise FieldValueError(f"{raw!r} is not an email address.")
        return raw
    if t is FieldType.CODE:
        return raw.upper()
    if t is FieldType.ENUM:
        if spec.choices and raw.lower() not in spec.choices:
            raise FieldValueError(f"{spec.title} must be one of: {', '.join(spec.choices)}.")
        return raw.lower()
    if t in _NUMBERS:
        return _parse_number(spec, raw)
    if t is FieldType.DATE:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise FieldValueError(f"{raw!r} is not a date (use YYYY-MM-DD).") from exc
    if t is FieldType.BOOL:
        low = raw.lower()
        if low in ("true", "yes", "y", "1", "on"):
            return True
        if low in ("false", "no", "n", "0", "off"):
            return False
        raise FieldValueError(f"{raw!r} is not yes or no.")
    raise FieldValueError(f"{spec.title} cannot be typed in; pick a side instead.")


_NUMBERS = (FieldType.MONEY, FieldType.PRICE, FieldType.DECIMAL)


def _number_limits(spec: FieldSpec) -> tuple[str, Decimal, int]:
    """What a typed number of ``spec`` is called, its largest magnitude and its decimals."""
    if spec.type is FieldType.MONEY:
        return "an amount of money", MAX_MONEY, 2
    if spec.type is FieldType.PRICE:
        return "a price", MAX_MONEY, PRICE_PLACES
    return "a number", MAX_NUMBER, NUMBER_PLACES


def number_rule(spec: FieldSpec) -> str:
    """What ``spec`` takes, in words: "an amount of money from 0 to 999,999,999,999.99
    with at most 2 decimals"."""
    what, largest, places = _number_limits(spec)
    low = "0" if not spec.signed else f"-{largest:,f}"
    return f"{what} from {low} to {largest:,f} with at most {places} decimals"


def _parse_number(spec: FieldSpec, raw: str) -> Decimal:
    """A typed amount, price or number, bounded before any arithmetic: a huge exponent
    (1e400), NaN or Infinity is refused in words, never as ``decimal.InvalidOperation``."""
    _what, largest, places = _number_limits(spec)
    try:
        value = to_decimal(raw)
    except MoneyError:
        value = None
    fits = (
        value is not None
        and abs(value) <= largest
        and (spec.signed or value >= 0)
        and value == value.quantize(Decimal(1).scaleb(-places))
    )
    if value is None or not fits:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise FieldValueError(f"{spec.title} must be {number_rule(spec)}, not {shown!r}.")
    if value == 0:
        value = abs(value)  # no "-0.00"
    if spec.type is FieldType.MONEY:
        return to_money(value)
    if spec.type is FieldType.PRICE:
        return to_price(value)
    return value


def display(
    spec: FieldSpec | None, value: Any, *, ref_names: Mapping[Ref, str] | None = None
) -> str:
    """A short, plain-text rendering of a value for people (never markup)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        if spec is not None and spec.type is FieldType.MONEY:
            return format(to_money(value), ",f")
        if spec is not None and spec.type is FieldType.PRICE:
            return format(to_price(value), ",f")
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Ref):
        if ref_names and value in ref_names:
            return ref_names[value]
        return f"{value.entity}#{value.link}"
    if isinstance(value, RemoteRef):
        return f"{value.entity}@{value.remote_id}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _display_lines(spec, value, ref_names)
    return str(value)


def _display_lines(
    spec: FieldSpec | None, lines: Sequence[Any], ref_names: Mapping[Ref, str] | None
) -> str:
    """Lines as ``[{field=value, ...}; ...]``, each value shown by its line field."""
    parts = []
    for line in lines:
        if not isinstance(line, Mapping):
            parts.append(display(None, line, ref_names=ref_names))
            continue
        bits = [
            f"{key}={display(_line_field_or_none(spec, key), item, ref_names=ref_names)}"
            for key, item in line.items()
            if item is not None
        ]
        parts.append("{" + ", ".join(bits) + "}")
    return "[" + "; ".join(parts) + "]"


def _line_field_or_none(spec: FieldSpec | None, name: str) -> FieldSpec | None:
    if spec is None:
        return None
    try:
        return spec.line_field(name)
    except KeyError:
        return None
