"""BILL v3 JSON <-> canonical fields, both directions, as pure functions.

The tables below are ``docs/remote-shapes.md`` (BILL section) written as data.
References are plain id strings on BILL. ``active`` is ``not archived`` and is
changed through the archive/restore endpoints, never through a PATCH body, so
:func:`to_bill` leaves it out and the connector acts on it. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model.entities import ENTITIES
from ..model.fields import same
from ..model.money import MoneyError, to_decimal, to_money
from ..model.record import RemoteRecord
from .carry import pair_rows, record_name, unmapped_parts
from .common import ADDRESS_FIELDS as ADDRESS_FIELDS
from .common import EntityTable, MappedEntity, write_body
from .values import (
    CannotCarry,
    Codec,
    MappingError,
    bool_in,
    line_rows,
    objects,
    optional_timestamp,
    parse_timestamp,
)
from .values import Field as F

#: The kinds of :class:`F` this module uses (the shared ones and its own).
Kind = Literal["text", "money", "decimal", "price", "date", "ref", "account_type", "active"]


@dataclass(frozen=True)
class Lines:
    """A canonical list field stored in one BILL array (``path``)."""

    name: str
    path: str
    fields: tuple[F, ...]


@dataclass(frozen=True)
class BillEntity(MappedEntity):
    entity: str
    resource: str  # list/read/update/archive path under /v3
    fields: tuple[F, ...]
    lines: Lines | None = None
    #: Create path when it is not the resource itself (payments are "recorded").
    create_path: str | None = None
    create_extra: Mapping[str, Any] = field(default_factory=dict)
    #: ``POST /v3/{resource}/{id}/archive`` and ``/restore`` exist (payments have neither):
    #: https://developer.bill.com/reference/archiveinvoice,
    #: https://developer.bill.com/reference/restoreinvoice
    archivable: bool = True


_ACTIVE = F("active", ("archived",), "active")


def _party(address: str) -> tuple[F, ...]:
    """Customer and vendor contact fields; the address object's key differs."""
    return (
        F("name", ("name",)),
        F("company_name", ("companyName",)),
        F("email", ("email",)),
        F("phone", ("phone",)),
        F("address_line1", (address, "line1")),
        F("city", (address, "city")),
        F("region", (address, "stateOrProvince")),
        F("postal_code", (address, "zipOrPostalCode")),
        F("country", (address, "country")),
    )


_CLASS = F("class", ("classifications", "accountingClassId"), "ref", "class")
_EXPENSE_LINE = (
    F("amount", ("amount",), "money"),
    F("description", ("description",)),
    F("account", ("chartOfAccountId",), "ref", "account"),
    _CLASS,
)

BILL_ENTITIES: EntityTable[BillEntity] = EntityTable(
    "BILL",
    (
        BillEntity(
            "account",
            "classifications/chart-of-accounts",
            (
                F("name", ("name",)),
                F("number", ("accountNumber",)),
                F("type", ("accountType",), "account_type"),
                F("description", ("description",)),
                _ACTIVE,
            ),
        ),
        BillEntity("class", "classifications/accounting-classes", (F("name", ("name",)), _ACTIVE)),
        BillEntity("department", "classifications/departments", (F("name", ("name",)), _ACTIVE)),
        BillEntity(
            "item",
            "classifications/items",
            (
                F("name", ("name",)),
                F("description", ("description",)),
                F("unit_price", ("price",), "price"),
                F("income_account", ("chartOfAccountId",), "ref", "account"),
                _ACTIVE,
            ),
        ),
        BillEntity(
            "customer",
            "customers",
            (
                *_party("billingAddress"),
                _ACTIVE,
            ),
        ),
        BillEntity(
            "vendor",
            "vendors",
            (
                *_party("address"),
                F("tax_id", ("additionalInfo", "taxId")),
                F("account_number", ("accountNumber",)),
                F("currency", ("billCurrency",)),
                _ACTIVE,
            ),
            create_extra={"accountType": "BUSINESS"},
        ),
        BillEntity(
            "invoice",
            "invoices",
            (
                F("number", ("invoiceNumber",)),
                F("customer", ("customerId",), "ref", "customer"),
                F("date", ("invoiceDate",), "date"),
                F("due_date", ("dueDate",), "date"),
                F("memo", ("description",)),
                F("total", ("totalAmount",), "money", read_only=True),
            ),
            Lines(
                "lines",
                "invoiceLineItems",
                (
                    F("amount", ("amount",), "money"),
                    F("description", ("description",)),
                    F("item", ("itemId",), "ref", "item"),
                    F("quantity", ("quantity",), "decimal"),
                    F("unit_price", ("price",), "price"),
                    _CLASS,
                ),
            ),
        ),
        BillEntity(
            "payment",
            "receivable-payments",
            (
                F("customer", ("customerId",), "ref", "customer"),
                F("date", ("paymentDate",), "date"),
                F("amount", ("amount",), "money"),
                F("reference", ("referenceNumber",)),
                F("memo", ("description",)),
            ),
            Lines(
                "applied",
                "invoices",
                (F("invoice", ("invoiceId",), "ref", "invoice"), F("amount", ("amount",), "money")),
            ),
            create_path="invoices/record-payment",
            archivable=False,
        ),
        BillEntity(
            "bill",
            "bills",
            (
                F("number", ("invoice", "invoiceNumber")),
                F("vendor", ("vendorId",), "ref", "vendor"),
                F("date", ("invoice", "invoiceDate"), "date"),
                F("due_date", ("dueDate",), "date"),
                F("memo", ("description",)),
                F("total", ("amount",), "money", read_only=True),
            ),
            Lines("lines", "billLineItems", _EXPENSE_LINE),
        ),
        BillEntity(
            "bill_payment",
            "payments",
            (
                F("vendor", ("vendorId",), "ref", "vendor"),
                F("date", ("paymentDate",), "date"),
                F("amount", ("amount",), "money"),
                F("reference", ("referenceNumber",)),
                F("memo", ("description",)),
            ),
            Lines(
                "applied",
                "bills",
                (F("bill", ("billId",), "ref", "bill"), F("amount", ("amount",), "money")),
            ),
            create_path="bills/record-payment",
            archivable=False,
        ),
        BillEntity(
            "vendor_credit",
            "vendor-credits",
            (
                F("number", ("referenceNumber",)),
                F("vendor", ("vendorId",), "ref", "vendor"),
                F("date", ("creditDate",), "date"),
                F("memo", ("description",)),
                F("total", ("amount",), "money", read_only=True),
            ),
            Lines("lines", "vendorCreditLineItems", _EXPENSE_LINE),
        ),
    ),
)
spec = BILL_ENTITIES.spec
fields_of = BILL_ENTITIES.fields_of


# ---------------------------------------------------------------------------
# Values


def _account_type_in(raw: Any) -> str | None:
    return None if raw in (None, "") else str(raw).lower()


def _account_type_out(value: Any) -> str:
    return str(value).strip().upper()


def _active_in(raw: Any) -> bool:
    archived = bool_in(raw)
    return not archived  # an absent flag means not archived


#: References are plain ids; ``active`` is read from ``archived`` and never written.
CODEC = Codec(
    kinds_in={"account_type": _account_type_in, "active": _active_in},
    kinds_out={"account_type": _account_type_out},
)


# ---------------------------------------------------------------------------
# BILL -> canonical


def updated_time(obj: Mapping[str, Any]) -> str | None:
    value = obj.get("updatedTime")
    return None if value in (None, "") else str(value)


def is_archived(obj: Mapping[str, Any]) -> bool:
    return obj.get("archived") is True or str(obj.get("archived")).lower() == "true"


def from_bill(entity: str, obj: Mapping[str, Any]) -> RemoteRecord:
    """A BILL object as a canonical :class:`RemoteRecord`.

    Every mapped field is present (None when absent). The version is
    ``updatedTime``. An archived *transaction* is reported as deleted (it is
    BILL's only way to remove one); an archived list record is ``active=False``.
    """
    s = spec(entity)
    if not isinstance(obj, Mapping) or obj.get("id") in (None, ""):
        raise MappingError(f"{s.resource} object without an id")
    updated = updated_time(obj)
    out = CODEC.fields_in(s.fields, obj)
    if s.lines is not None:
        out[s.lines.name] = _lines_in(s.lines, obj.get(s.lines.path))
    archived = is_archived(obj)
    return RemoteRecord(
        entity=entity,
        remote_id=str(obj["id"]),
        version=updated or "",
        fields=out,
        updated_at=parse_timestamp(updated) if updated else None,
        deleted=archived and s.kind == "transaction",
        extra={"archived": archived},
        created_at=optional_timestamp(obj.get("createdTime")),
    )


def _lines_in(lines: Lines, raw: Any) -> list[dict[str, Any]]:
    entries = objects(
        raw, f"{lines.path} is not a list", f"an entry of {lines.path} is not an object"
    )
    return [CODEC.fields_in(lines.fields, line) for line in entries]


# ---------------------------------------------------------------------------
# canonical -> BILL


def to_bill(
    entity: str,
    fields: Mapping[str, Any],
    *,
    partial: bool = False,
    current: Mapping[str, Any] | None = None,
    remote: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The BILL JSON body for ``fields``.

    ``partial=False`` (create): None values are left out, ``create_extra`` added.
    ``partial=True`` (PATCH): only the given fields, None sent as null to clear.
    Changing one part of a nested object (an address, a bill's ``invoice``
    number and date) sends the whole object, the other parts taken from
    ``current`` (canonical fields as the server holds them), so a PATCH that
    replaces nested objects cannot blank them. ``active`` and
    read-only fields are left out (see module docstring); canonical fields BILL
    does not map are ignored; unknown names raise.

    A line array is replaced whole, so a PATCH that writes lines needs ``remote``,
    the record as BILL holds it now: each line keeps what BILL holds on it beyond
    the mapped fields (its ``id``, department, location, ``taxable``, an expense
    line's quantity and price). When an expense line's amount changes and its
    quantity times price would no longer give it, the write is refused with
    :class:`CannotCarry` rather than dropping or contradicting them.
    """
    s = spec(entity)
    if partial:
        fields = _whole_objects(s, fields, current)
    body, rows = write_body(
        CODEC, s, fields, partial=partial, current=current, skip_kinds=frozenset({"active"})
    )
    if rows is not None:
        assert s.lines is not None  # write_body returns rows for an entity with lines only
        if partial and remote is None:
            raise MappingError(f"{s.lines.name}: rewriting lines needs the record as BILL holds it")
        body[s.lines.path] = _lines_out(s, rows, remote if partial else None)
    return body


def _whole_objects(
    s: BillEntity, fields: Mapping[str, Any], current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``fields`` plus, for each nested object one of them is in, its other mapped parts.

    A PATCH may replace a nested object whole: changing a bill's number alone would
    otherwise drop its date (both live in ``invoice``). The parts come from ``current``
    (the canonical fields as the server holds them); blank ones are left out.
    """
    given = dict(fields)
    groups: dict[str, list[str]] = {}
    for f in s.fields:
        if len(f.path) > 1 and not f.read_only:
            groups.setdefault(f.path[0], []).append(f.name)
    for names in groups.values():
        if given.keys() & set(names):
            for name in names:
                held = (current or {}).get(name)
                if name not in given and held not in (None, ""):
                    given[name] = held
    return given


def _lines_out(s: BillEntity, rows: Any, remote: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The line array for canonical ``rows``; ``remote`` (a PATCH) is what BILL holds."""
    lines = s.lines
    assert lines is not None
    new = list(line_rows(lines.name, rows))
    if remote is None:
        return [_line_out(lines, row, {}) for row in new]
    held = list(
        objects(
            remote.get(lines.path),
            f"{lines.path} is not a list",
            f"an entry of {lines.path} is not an object",
        )
    )
    line_spec = ENTITIES[s.entity].field(lines.name)
    held_rows = [CODEC.fields_in(lines.fields, line) for line in held]
    pairs = pair_rows(line_spec, new, held_rows)
    paths = [f.path for f in lines.fields]
    out = []
    for row, index in zip(new, pairs, strict=True):
        carried: dict[str, Any] = {}
        if index is not None:
            carried = unmapped_parts(held[index], paths)
            amount = line_spec.line_field("amount")
            if not same(amount, row.get("amount"), held_rows[index].get("amount")):
                _check_priced(s, remote, carried, row.get("amount"))
        out.append(_line_out(lines, row, carried))
    return out


def _check_priced(
    s: BillEntity, remote: Mapping[str, Any], carried: Mapping[str, Any], amount: Any
) -> None:
    """Refuse to carry a quantity and price that no longer give a line's new amount."""
    if carried.get("quantity") is None or carried.get("price") is None:
        return
    try:
        agrees = to_money(to_decimal(carried["quantity"]) * to_decimal(carried["price"]))
        if amount is not None and agrees == to_money(amount):
            return
    except MoneyError:
        pass
    raise CannotCarry(
        "{record} in BILL has a line priced as a quantity times a unit price, which would no "
        "longer give the line's new amount, so recontui left its lines as they are: change "
        "them in BILL, then sync again.",
        record_name(CODEC, s, remote),
    )


def _line_out(lines: Lines, row: Mapping[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """One line: ``carried`` (what BILL holds beyond the mapping) plus ``row``."""
    CODEC.write(carried, lines.fields, row)
    return carried
