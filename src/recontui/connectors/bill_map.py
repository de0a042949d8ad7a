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
from ..model.record import RemoteRecord
from .values import (
    MappingError,
    bool_in,
    date_in,
    date_out,
    decimal_in,
    decimal_out,
    get_path,
    money_in,
    money_out,
    parse_timestamp,
    ref_id_out,
    ref_in,
    set_path,
    text_in,
)

Kind = Literal["text", "money", "decimal", "date", "ref", "account_type", "active"]


@dataclass(frozen=True)
class F:
    """One canonical field at one JSON path."""

    name: str
    path: tuple[str, ...]
    kind: Kind = "text"
    ref: str | None = None
    read_only: bool = False


@dataclass(frozen=True)
class Lines:
    """A canonical list field stored in one BILL array (``path``)."""

    name: str
    path: str
    fields: tuple[F, ...]


@dataclass(frozen=True)
class BillEntity:
    entity: str
    resource: str  # list/read/update/archive path under /v3
    fields: tuple[F, ...]
    lines: Lines | None = None
    #: Create path when it is not the resource itself (payments are "recorded").
    create_path: str | None = None
    create_extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return ENTITIES[self.entity].kind

    @property
    def field_names(self) -> frozenset[str]:
        names = {f.name for f in self.fields}
        if self.lines is not None:
            names.add(self.lines.name)
        return frozenset(names)


_ACTIVE = F("active", ("archived",), "active")


def _address(key: str) -> tuple[F, ...]:
    return (
        F("address_line1", (key, "line1")),
        F("city", (key, "city")),
        F("region", (key, "stateOrProvince")),
        F("postal_code", (key, "zipOrPostalCode")),
        F("country", (key, "country")),
    )


ADDRESS_FIELDS = frozenset({"address_line1", "city", "region", "postal_code", "country"})
_CLASS = F("class", ("classifications", "accountingClassId"), "ref", "class")
_EXPENSE_LINE = (
    F("amount", ("amount",), "money"),
    F("description", ("description",)),
    F("account", ("chartOfAccountId",), "ref", "account"),
    _CLASS,
)

BILL_ENTITIES: dict[str, BillEntity] = {
    e.entity: e
    for e in (
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
                F("unit_price", ("price",), "money"),
                F("income_account", ("chartOfAccountId",), "ref", "account"),
                _ACTIVE,
            ),
        ),
        BillEntity(
            "customer",
            "customers",
            (
                F("name", ("name",)),
                F("company_name", ("companyName",)),
                F("email", ("email",)),
                F("phone", ("phone",)),
                *_address("billingAddress"),
                _ACTIVE,
            ),
        ),
        BillEntity(
            "vendor",
            "vendors",
            (
                F("name", ("name",)),
                F("company_name", ("companyName",)),
                F("email", ("email",)),
                F("phone", ("phone",)),
                *_address("address"),
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
                    F("unit_price", ("price",), "money"),
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
    )
}


def spec(entity: str) -> BillEntity:
    try:
        return BILL_ENTITIES[entity]
    except KeyError:
        raise KeyError(f"BILL does not hold {entity!r} records") from None


def fields_of(entity: str) -> frozenset[str]:
    return spec(entity).field_names


# ---------------------------------------------------------------------------
# Values


def _value_in(f: F, raw: Any) -> Any:
    try:
        if f.kind == "text":
            return text_in(raw)
        if f.kind == "money":
            return money_in(raw)
        if f.kind == "decimal":
            return decimal_in(raw)
        if f.kind == "date":
            return date_in(raw)
        if f.kind == "ref":
            assert f.ref is not None
            return ref_in(raw, f.ref)
        if f.kind == "account_type":
            return None if raw in (None, "") else str(raw).lower()
        if f.kind == "active":
            archived = bool_in(raw)
            return not archived  # an absent flag means not archived
    except MappingError as exc:
        raise MappingError(f"{'.'.join(f.path)}: {exc}") from None
    raise AssertionError(f.kind)


def _value_out(f: F, value: Any) -> Any:
    try:
        if f.kind == "text":
            return str(value)
        if f.kind == "money":
            return money_out(value)
        if f.kind == "decimal":
            return decimal_out(value)
        if f.kind == "date":
            return date_out(value)
        if f.kind == "ref":
            assert f.ref is not None
            return ref_id_out(value, f.ref)
        if f.kind == "account_type":
            return str(value).strip().upper()
    except MappingError as exc:
        raise MappingError(f"{f.name}: {exc}") from None
    raise AssertionError(f.kind)


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
    out: dict[str, Any] = {f.name: _value_in(f, get_path(obj, f.path)) for f in s.fields}
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
    )


def _lines_in(lines: Lines, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MappingError(f"{lines.path} is not a list")
    out = []
    for line in raw:
        if not isinstance(line, dict):
            raise MappingError(f"an entry of {lines.path} is not an object")
        out.append({f.name: _value_in(f, get_path(line, f.path)) for f in lines.fields})
    return out


# ---------------------------------------------------------------------------
# canonical -> BILL


def to_bill(
    entity: str,
    fields: Mapping[str, Any],
    *,
    partial: bool = False,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The BILL JSON body for ``fields``.

    ``partial=False`` (create): None values are left out, ``create_extra`` added.
    ``partial=True`` (PATCH): only the given fields, None sent as null to clear.
    Changing one address part sends the whole address object, the other parts
    taken from ``current`` (canonical fields as the server holds them), so a
    PATCH that replaces nested objects cannot blank them. ``active`` and
    read-only fields are left out (see module docstring); canonical fields BILL
    does not map are ignored; unknown names raise.
    """
    s = spec(entity)
    canonical = ENTITIES[entity]
    for name in fields:
        if not canonical.has_field(name):
            raise MappingError(f"{entity} has no field {name!r}")
    given = dict(fields)
    if partial and ADDRESS_FIELDS & given.keys() and s.field_names >= ADDRESS_FIELDS:
        for name in ADDRESS_FIELDS - given.keys():
            held = (current or {}).get(name)
            if held not in (None, ""):
                given[name] = held
    body: dict[str, Any] = {} if partial else dict(s.create_extra)
    for f in s.fields:
        if f.read_only or f.kind == "active" or f.name not in given:
            continue
        value = given[f.name]
        if value is None:
            if partial:
                set_path(body, f.path, None)
            continue
        set_path(body, f.path, _value_out(f, value))
    if s.lines is not None and s.lines.name in given:
        rows = given[s.lines.name]
        if rows is not None or partial:
            body[s.lines.path] = _lines_out(s.lines, rows or [])
    return body


def _lines_out(lines: Lines, rows: Any) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise MappingError(f"{lines.name}: each line must be a mapping")
        line: dict[str, Any] = {}
        for f in lines.fields:
            value = row.get(f.name)
            if value is not None:
                set_path(line, f.path, _value_out(f, value))
        out.append(line)
    return out
