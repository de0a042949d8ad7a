"""Filters: which records found in one system only are copied to the other.

Pure: the runner (run/filters.py, from run/matching.py ``create_unmatched``) asks
:func:`kept_out` before it plans a create; the setup and Preferences check what a person
typed with :func:`check_type_list` and :func:`parse_range`; ``recontui verify`` excuses
what is kept out with the same function. A filter never deletes, unlinks or stops an
update: it decides only whether a record one system holds alone is created in the other.

**Type include lists**, per entity and per system the record comes from (settings
``include_types.<entity>.<system>``, e.g. ``include_types.customer.qbo = ["Retail"]``):
a record whose type is not in its list is not created in the other system. A list that is
not set lets every type through. The types are each system's own words:

* QuickBooks Online customers: the customer type (``CustomerTypeRef``, a ``CustomerType``
  by name; https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/
  customer). QuickBooks Online has no vendor type (its ``Vendor`` has no type QuickBooks
  Online serves; ``VendorType`` is a QuickBooks Desktop list), so vendors from it have no
  list.
* BILL customers and vendors: the account type (``accountType``: ``BUSINESS``, ``PERSON``
  or ``NONE``; https://developer.bill.com/docs/creating-a-us-vendor,
  https://developer.bill.com/docs/ar-customers, https://developer.bill.com/docs/filterable-fields).

A record with no type is let through only when the list holds :data:`NO_TYPE`.

**Created-date range**, per system the record comes from (settings
``created_range.<system>`` = ``[from, to]``, ISO dates, "" for an open end): only records
created in that system within the range, both ends included, are created in the other. A
list record's day is the day its system created it (QuickBooks ``MetaData.CreateTime``,
BILL ``createdTime``, canonical field ``created``); a transaction's is its own date
(``TxnDate``, ``invoiceDate``...), the day people know it by, as the initial window reads it.
A record whose day is unknown is let through (never dropped for lack of a date).

**A record that refers to one kept out** (an invoice of a customer whose type is not in the
list) is kept out with it (:func:`party_kept_out`): creating it would wait for ever for a
record that is never copied.

An already linked record is never touched by a filter: it stays linked and keeps syncing
both ways, even when its type or date moves outside (the runner says so in the run log).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model.entities import ENTITIES, EntitySpec

#: The canonical field holding a customer's or vendor's type (its system's own word).
TYPE_FIELD = "type"
#: The canonical field holding the day a list record was created in its system.
CREATED_FIELD = "created"
#: Which systems hold a type for which entity, and what each calls it.
TYPE_NOUNS: Mapping[str, Mapping[str, str]] = {
    "customer": {"qbo": "customer type", "bill": "account type"},
    "vendor": {"bill": "account type"},
}
#: The only types a system has, where its pages list them (BILL's ``accountType``; a
#: QuickBooks company names its own customer types).
KNOWN_TYPES: Mapping[str, tuple[str, ...]] = {"bill": ("BUSINESS", "PERSON", "NONE")}
#: In an include list: let records without a type through too.
NO_TYPE = "(no type)"
#: What a person types for "no filter".
ALL = "all"
RANGE_FORMS = "all, 2026-01-01 to 2026-03-31, from 2026-01-01, or to 2026-03-31"


class FilterError(ValueError):
    """Text that is not a filter; the message says which forms are."""


def normal(name: object) -> str:
    """A type as compared: case and inner spacing do not matter."""
    return " ".join(str(name).split()).casefold()


def type_key(entity: str, system: str) -> str:
    """The settings key's tail of one include list (``customer.qbo``)."""
    return f"{entity}.{system}"


def has_types(entity: str, system: str) -> bool:
    return system in TYPE_NOUNS.get(entity, {})


# -- type include lists -----------------------------------------------------------------


def parse_type_list(text: str) -> tuple[str, ...] | None:
    """What a person typed ("all", "Retail, Wholesale") as a list (None: every type)."""
    words = text.strip()
    if words.casefold() in ("", ALL):
        return None
    names = [" ".join(part.split()) for part in words.split(",")]
    return tuple(dict.fromkeys(name for name in names if name))


def check_type_list(entity: str, system: str, label: str, names: object) -> str | None:
    """Why ``names`` cannot be the include list of ``entity`` records from ``system``
    (called ``label``), or None. None (every type) is always fine."""
    spec = ENTITIES.get(entity)
    if spec is None:
        return f"{entity!r} is not an entity recontui syncs."
    if not has_types(entity, system):
        return f"{spec.label}s in {label} carry no type, so they take no include list."
    if names is None:
        return None
    if isinstance(names, str) or not isinstance(names, Sequence):
        return f"The {spec.label.lower()} types from {label} are a list of names, or all."
    if not names:
        return (
            f"An empty list would copy no {spec.label.lower()} from {label}: name at least "
            f"one {TYPE_NOUNS[entity][system]}, or write all."
        )
    if any(not isinstance(n, str) or not n.strip() for n in names):
        return f"Each {TYPE_NOUNS[entity][system]} from {label} is a name."
    known = KNOWN_TYPES.get(system)
    unknown = [
        n for n in names if known and normal(n) not in {normal(k) for k in (*known, NO_TYPE)}
    ]
    if known and unknown:
        return (
            f"{label}'s {TYPE_NOUNS[entity][system]}s are {', '.join(known[:-1])} and "
            f"{known[-1]}; {unknown[0]!r} is none of them."
        )
    return None


# -- created-date ranges -----------------------------------------------------------------


@dataclass(frozen=True)
class CreatedRange:
    """Days from ``start`` to ``end``, both included; None leaves that end open."""

    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def is_all(self) -> bool:
        return self.start is None and self.end is None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        if self.start is not None and self.end is not None:
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.start is not None:
            return f"from {self.start.isoformat()}"
        if self.end is not None:
            return f"to {self.end.isoformat()}"
        return ALL

    def stored(self) -> list[str] | None:
        """As the setting holds it: ``[from, to]`` ("" for an open end), None for all."""
        if self.is_all:
            return None
        return [
            "" if self.start is None else self.start.isoformat(),
            "" if self.end is None else self.end.isoformat(),
        ]


_DATE = r"(\d{4}-\d{2}-\d{2})"
_BOTH = re.compile(rf"^(?:from\s+)?{_DATE}\s*(?:to|until|\.\.|-)\s*{_DATE}$")
_FROM = re.compile(rf"^(?:from|since)\s+{_DATE}$")
_TO = re.compile(rf"^(?:to|until|up to)\s+{_DATE}$")


def _day(text: str, typed: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{typed!r}: {text} is not a date.") from None


def parse_range(text: str | None) -> CreatedRange:
    """A created-date range as typed ("2026-01-01 to 2026-03-31", "from 2026-01-01",
    "to 2026-03-31", "all")."""
    words = " ".join(str(text or "").split()).lower()
    if words in ("", ALL):
        return CreatedRange()
    if match := _BOTH.match(words):
        start, end = _day(match.group(1), str(text)), _day(match.group(2), str(text))
        if start > end:
            raise FilterError(f"{text!r}: the range ends before it starts.")
        return CreatedRange(start, end)
    if match := _FROM.match(words):
        return CreatedRange(start=_day(match.group(1), str(text)))
    if match := _TO.match(words):
        return CreatedRange(end=_day(match.group(1), str(text)))
    raise FilterError(f"{text!r} is not a date range; write one of: {RANGE_FORMS}.")


def stored_range(value: object) -> CreatedRange:
    """A stored ``[from, to]`` as a range (anything else: all)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        return CreatedRange()
    start, end = (str(v or "").strip() for v in value)
    try:
        return CreatedRange(
            dt.date.fromisoformat(start) if start else None,
            dt.date.fromisoformat(end) if end else None,
        )
    except ValueError:
        return CreatedRange()


# -- the decision ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A profile's filters: include lists by (entity, system), ranges by system."""

    types: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, CreatedRange] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls, include_types: Mapping[str, Sequence[str]], created_ranges: Mapping[str, Any]
    ) -> Filters:
        """From the profile's settings (``ProfileSettings.include_types`` keyed
        ``entity.system``, ``created_ranges`` keyed by system); unknown keys are ignored."""
        types: dict[tuple[str, str], tuple[str, ...]] = {}
        for key, names in include_types.items():
            entity, _, system = key.partition(".")
            if has_types(entity, system) and names:
                types[(entity, system)] = tuple(str(n) for n in names)
        ranges = {
            system: found
            for system, value in created_ranges.items()
            if not (found := stored_range(value)).is_all
        }
        return cls(types, ranges)

    @property
    def active(self) -> bool:
        return bool(self.types or self.ranges)


@dataclass(frozen=True)
class KeptOut:
    """Why a record is not copied: ``kind`` (``type``, ``created``, ``party``), the field
    the reason is about, and the words ("customer type 'Retail' is not in the include
    list")."""

    kind: str
    field: str
    why: str


def record_day(spec: EntitySpec, fields: Mapping[str, Any]) -> dt.date | None:
    """The day a created-date range reads: a transaction's date, a list record's created."""
    name = "date" if spec.kind == "transaction" else CREATED_FIELD
    value = fields.get(name) if spec.has_field(name) else None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _type_kept_out(
    filters: Filters, entity: str, system: str, fields: Mapping[str, Any]
) -> KeptOut | None:
    listed = filters.types.get((entity, system))
    if listed is None:
        return None
    noun = TYPE_NOUNS[entity][system]
    value = fields.get(TYPE_FIELD)
    wanted = {normal(name) for name in listed}
    if value is None or not str(value).strip():
        if normal(NO_TYPE) in wanted:
            return None
        return KeptOut("type", TYPE_FIELD, f"it has no {noun}, and the include list wants one")
    if normal(value) in wanted:
        return None
    return KeptOut("type", TYPE_FIELD, f"{noun} {str(value)!r} is not in the include list")


def _created_kept_out(
    filters: Filters, spec: EntitySpec, system: str, fields: Mapping[str, Any]
) -> KeptOut | None:
    window = filters.ranges.get(system)
    day = record_day(spec, fields)
    if window is None or day is None or window.holds(day):
        return None
    transaction = spec.kind == "transaction"
    what = "dated" if transaction else "created"
    return KeptOut(
        "created",
        "date" if transaction else CREATED_FIELD,
        f"{what} {day.isoformat()}, outside the created-date range {window}",
    )


def kept_out(
    filters: Filters, spec: EntitySpec, system: str, fields: Mapping[str, Any]
) -> KeptOut | None:
    """Why a record ``system`` holds alone is not created in the other system (its type,
    then its day), or None when the filters let it through."""
    if not filters.active:
        return None
    if has_types(spec.name, system):
        found = _type_kept_out(filters, spec.name, system, fields)
        if found is not None:
            return found
    return _created_kept_out(filters, spec, system, fields)


def party_kept_out(field_name: str, words: str, reason: KeptOut) -> KeptOut:
    """A record that refers (``field_name``) to a record kept out (``words``: "customer
    'Acme'") is kept out with it."""
    return KeptOut("party", field_name, f"its {words} is not copied ({reason.why})")
