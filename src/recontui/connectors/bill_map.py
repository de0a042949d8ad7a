"""BILL v3 JSON <-> canonical fields, both directions, as pure functions.

The tables below are ``docs/remote-shapes.md`` (BILL section) written as data.
References are plain id strings on BILL. ``active`` is ``not archived`` and is
changed through the archive/restore endpoints, never through a PATCH body, so
:func:`to_bill` leaves it out and the connector acts on it. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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
    money_out,
    objects,
    optional_timestamp,
    parse_timestamp,
)
from .values import Field as F

#: The kinds of :class:`F` this module uses (the shared ones and its own).
Kind = Literal["text", "money", "decimal", "price", "date", "ref", "account_type", "active"]


@dataclass(frozen=True)
class Lines:
    """A canonical list field stored in one BILL array (``path``).

    ``write_path`` and ``write_fields``: where a create puts the lines, and their keys
    there, when the request differs from the object BILL serves (a recorded payment is
    written as ``invoices[{id, amount}]`` and served as ``invoicePayments[{invoiceId,
    amount}]``). ``unit_quantity``: BILL requires a quantity on every line, so a line
    without one is written as quantity 1 with its amount and no price (the "Replace an
    invoice" request in BILL's Postman collection writes such a line), and a line holding
    quantity 1 and no price reads back without a quantity.
    """

    name: str
    path: str
    fields: tuple[F, ...]
    write_path: str | None = None
    write_fields: tuple[F, ...] | None = None
    unit_quantity: bool = False

    def as_written(self) -> Lines:
        """These lines as a request body holds them."""
        if self.write_path is None and self.write_fields is None:
            return self
        return dataclasses.replace(
            self,
            path=self.write_path or self.path,
            fields=self.write_fields or self.fields,
            write_path=None,
            write_fields=None,
        )


@dataclass(frozen=True)
class BillEntity(MappedEntity):
    entity: str
    resource: str  # list/read/update/archive path under /v3
    fields: tuple[F, ...]
    lines: Lines | None = None
    #: Create path when it is not the resource itself (payments are "recorded").
    create_path: str | None = None
    create_extra: Mapping[str, Any] = field(default_factory=dict)
    #: The fields as a request body holds them, when that differs from the served object
    #: (an invoice is written with ``customer: {id}`` and served with ``customerId``).
    write_fields: tuple[F, ...] | None = None
    #: ``POST /v3/{resource}/{id}/archive`` exists (payments have none):
    #: https://developer.bill.com/reference/archiveinvoice
    archivable: bool = True
    #: ``POST /v3/{resource}/{id}/restore`` exists too (vendor credits have none in BILL's
    #: Postman collection): https://developer.bill.com/reference/restoreinvoice
    restorable: bool = True
    #: ``PATCH /v3/{resource}/{id}`` exists (a recorded payment has none: BILL's Postman
    #: collection lists only GET for /v3/receivable-payments and no PATCH for /v3/payments).
    updatable: bool = True
    #: BILL records the amount as the sum of the applied lines (a bill payment's
    #: ``record-payment`` body has no amount): a canonical amount that differs is refused.
    amount_is_applied: bool = False
    #: ``POST /v3/{resource}/bulk``: the most records one request creates (0: none, the
    #: records go one at a time), and the key its answer lists them under (None: the answer
    #: is the array itself). Pages and shapes: docs/remote-shapes.md, *Bulk creates*.
    bulk: int = 0
    bulk_answer: str | None = None

    def as_written(self) -> BillEntity:
        """This entity's fields and lines as a request body holds them."""
        lines = self.lines.as_written() if self.lines is not None else None
        if self.write_fields is None and lines is self.lines:
            return self
        return dataclasses.replace(
            self, fields=self.write_fields or self.fields, lines=lines, write_fields=None
        )


_ACTIVE = F("active", ("archived",), "active")
#: Read for the profile's filters (engine/filters.py), never written: a customer's or
#: vendor's account type (``accountType``: BUSINESS, PERSON or NONE;
#: https://developer.bill.com/docs/creating-a-us-vendor, .../ar-customers) and the day BILL
#: created it (``createdTime``, UTC; https://developer.bill.com/docs/filterable-fields).
_FILTERED = (
    F("type", ("accountType",), read_only=True),
    F("created", ("createdTime",), "date", read_only=True),
)


def _party(address: str, company: tuple[str, ...]) -> tuple[F, ...]:
    """Customer and vendor contact fields; the address object's key differs, and so does
    where the company name is (a customer's ``companyName``, a vendor's
    ``additionalInfo.companyName``)."""
    return (
        F("name", ("name",)),
        F("company_name", company),
        F("email", ("email",)),
        F("phone", ("phone",)),
        F("address_line1", (address, "line1")),
        F("city", (address, "city")),
        F("region", (address, "stateOrProvince")),
        F("postal_code", (address, "zipOrPostalCode")),
        F("country", (address, "country")),
    )


_CLASS = F("class", ("classifications", "accountingClassId"), "ref", "class")
#: A sales line, as invoices and credit memos both hold them.
_SALES_LINE = (
    F("amount", ("amount",), "money"),
    F("description", ("description",)),
    F("item", ("classifications", "itemId"), "ref", "item"),
    F("quantity", ("quantity",), "decimal"),
    F("unit_price", ("price",), "price"),
    _CLASS,
    F("taxable", ("taxable",), "bool"),
)
_EXPENSE_LINE = (
    F("amount", ("amount",), "money"),
    F("description", ("description",)),
    F("account", ("classifications", "chartOfAccountId"), "ref", "account"),
    _CLASS,
)
_INVOICE_HEAD = (
    F("number", ("invoiceNumber",)),
    F("customer", ("customerId",), "ref", "customer"),
    F("date", ("invoiceDate",), "date"),
    F("due_date", ("dueDate",), "date"),
    F("total", ("totalAmount",), "money", read_only=True),
    # The sales-tax item the invoice charges and the tax BILL computed from it [P].
    F("sales_tax", ("salesTaxItemId",), "ref", "sales_tax"),
    F("tax", ("salesTaxTotal",), "money", read_only=True),
)
_PAYMENT_HEAD = (
    F("customer", ("customerId",), "ref", "customer"),
    F("date", ("paymentDate",), "date"),
    F("amount", ("amount",), "money"),
    F("memo", ("description",)),
)

#: docs/remote-shapes.md (BILL section) cites the page of every shape below.
BILL_ENTITIES: EntityTable[BillEntity] = EntityTable(
    "BILL",
    (
        BillEntity(
            "account",
            "classifications/chart-of-accounts",
            (
                F("name", ("name",)),
                F("number", ("account", "number")),
                F("type", ("account", "type"), "account_type"),
                F("description", ("description",)),
                _ACTIVE,
            ),
            bulk=50,
            bulk_answer="chartOfAccounts",
        ),
        BillEntity(
            "class",
            "classifications/accounting-classes",
            (F("name", ("name",)), _ACTIVE),
            bulk=50,
            bulk_answer="accountingClasses",
        ),
        BillEntity(
            "department",
            "classifications/departments",
            (F("name", ("name",)), _ACTIVE),
            bulk=50,
            bulk_answer="departments",
        ),
        # A sales tax is an item of type SALES_TAX with its rate in ``percentage`` [P]
        # ("Create an item": {"type": "SALES_TAX", "percentage": 3, "name": ...}).
        BillEntity(
            "sales_tax",
            "classifications/items",
            (F("name", ("name",)), F("rate", ("percentage",), "decimal"), _ACTIVE),
            create_extra={"type": "SALES_TAX"},
            bulk=50,
            bulk_answer="items",
        ),
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
            bulk=50,
            bulk_answer="items",
        ),
        BillEntity(
            "customer",
            "customers",
            (*_party("billingAddress", ("companyName",)), _ACTIVE, *_FILTERED),
        ),
        BillEntity(
            "vendor",
            "vendors",
            (
                *_party("address", ("additionalInfo", "companyName")),
                F("tax_id", ("additionalInfo", "taxId")),
                F("account_number", ("accountNumber",)),
                F("currency", ("billCurrency",)),
                _ACTIVE,
                *_FILTERED,
            ),
            create_extra={"accountType": "BUSINESS"},
            bulk=20,
            bulk_answer="vendors",
        ),
        BillEntity(
            "invoice",
            "invoices",
            _INVOICE_HEAD,
            Lines(
                "lines",
                "invoiceLineItems",
                _SALES_LINE,
                unit_quantity=True,
            ),
            write_fields=(
                _INVOICE_HEAD[0],
                F("customer", ("customer", "id"), "ref", "customer"),
                *_INVOICE_HEAD[2:],
            ),
        ),
        # https://developer.bill.com/docs/ar-credit-memos (POST /v3/credit-memos: customerId,
        # referenceNumber, creditDate, creditMemoLineItems required), and
        # https://developer.bill.com/reference/replacecreditmemo (description, lines' price
        # and quantity, ids ``ccr``/``cci``). Archive and restore exist:
        # https://developer.bill.com/changelog/2025-04-11-new-endpoints-for-credit-memos.
        BillEntity(
            "credit_memo",
            "credit-memos",
            (
                F("number", ("referenceNumber",)),
                F("customer", ("customerId",), "ref", "customer"),
                F("date", ("creditDate",), "date"),
                F("memo", ("description",)),
                F("total", ("totalAmount",), "money", read_only=True),
            ),
            Lines(
                "lines",
                "creditMemoLineItems",
                _SALES_LINE,
                unit_quantity=True,
            ),
            bulk=50,
            bulk_answer="creditMemos",
        ),
        BillEntity(
            "payment",
            "receivable-payments",
            _PAYMENT_HEAD,
            Lines(
                "applied",
                "invoicePayments",
                (F("invoice", ("invoiceId",), "ref", "invoice"), F("amount", ("amount",), "money")),
                write_path="invoices",
                write_fields=(
                    F("invoice", ("id",), "ref", "invoice"),
                    F("amount", ("amount",), "money"),
                ),
            ),
            create_path="invoices/record-payment",
            # https://developer.bill.com/docs/recording-an-ar-payment: paymentType is
            # required; a canonical payment carries no method, and OTHER claims none.
            create_extra={"paymentType": "OTHER"},
            archivable=False,
            restorable=False,
            updatable=False,
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
                # https://developer.bill.com/changelog/2025-09-22-new-in-v3-bill-approvals
                F("approval", ("approvalStatus",), read_only=True),
            ),
            Lines("lines", "billLineItems", _EXPENSE_LINE),
            bulk=100,
        ),
        BillEntity(
            "bill_payment",
            "payments",
            (
                F("vendor", ("vendorId",), "ref", "vendor"),
                F("date", ("processDate",), "date"),
                F("amount", ("amount",), "money", read_only=True),
                F("memo", ("description",)),
                # The check number BILL gives a payment it sends as a check: "When BILL
                # processes your vendor payment as a check payment, the checkDisbursement
                # object in the payments API response now includes the checkNumber field"
                # (https://developer.bill.com/changelog/2024-08-15-check-payment-disbursement-information-improvements).
                # BILL sets it; it flows to QuickBooks only (BILL's sync matrix: "Check
                # numbers 1-way from Bill.com").
                F("reference", ("checkDisbursement", "checkNumber"), set_by_system=True),
            ),
            Lines(
                "applied",
                "billPayments",
                (F("bill", ("billId",), "ref", "bill"), F("amount", ("amount",), "money")),
                write_path="payments",
            ),
            create_path="bills/record-payment",
            # https://developer.bill.com/docs/record-ap-payments: toPrintCheck is required;
            # the payment was made outside BILL, so there is no check to print.
            create_extra={"toPrintCheck": False},
            archivable=False,
            restorable=False,
            updatable=False,
            amount_is_applied=True,
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
            restorable=False,
            bulk=50,
            bulk_answer="vendorCredits",
        ),
    ),
)
spec = BILL_ENTITIES.spec
D0 = Decimal(0)
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


#: Item types that are sales taxes, not things sold [P]: pulled as ``sales_tax``, never as
#: ``item`` (a sales tax copied to QuickBooks as a Service item would be a wrong item).
SALES_TAX_TYPES = frozenset({"SALES_TAX", "SALES_TAX_GROUP"})
#: Line parts a row may leave unsaid (None): what BILL holds on the line then stays.
KEPT_WHEN_UNSAID = frozenset({"taxable"})


def keeps(entity: str, obj: Mapping[str, Any]) -> bool:
    """Whether a row of ``entity``'s resource is a record of ``entity`` (items and sales
    taxes share ``classifications/items``, told apart by ``type``)."""
    if entity not in ("item", "sales_tax"):
        return True
    taxed = str(obj.get("type") or "").upper() in SALES_TAX_TYPES
    return taxed == (entity == "sales_tax")


def updated_time(obj: Mapping[str, Any]) -> str | None:
    value = obj.get("updatedTime")
    return None if value in (None, "") else str(value)


def is_archived(obj: Mapping[str, Any]) -> bool:
    return obj.get("archived") is True or str(obj.get("archived")).lower() == "true"


#: A v3 payment's ``singleStatus`` values that mean it is gone: "Payment is voided and is
#: credited to the payer" (VOIDED), voided without a credit (FUNDING_FAILED_VOIDED), and
#: canceled (https://developer.bill.com/docs/single-status-payment-values).
VOID_STATUSES = frozenset({"VOIDED", "FUNDING_FAILED_VOIDED", "CANCELED"})


def is_voided(entity: str, obj: Mapping[str, Any]) -> bool:
    """A bill payment voided or canceled in BILL (read as deleted, as BILL has no archive
    for payments)."""
    return entity == "bill_payment" and str(obj.get("singleStatus") or "") in VOID_STATUSES


def from_bill(entity: str, obj: Mapping[str, Any]) -> RemoteRecord:
    """A BILL object as a canonical :class:`RemoteRecord`.

    Every mapped field is present (None when absent). The version is
    ``updatedTime``. An archived *transaction* is reported as deleted (it is
    BILL's only way to remove one), and so is a voided or canceled bill payment
    (:func:`is_voided`); an archived list record is ``active=False``.
    """
    s = spec(entity)
    if (type(obj) is not dict and not isinstance(obj, Mapping)) or obj.get("id") in (None, ""):
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
        deleted=(archived and s.kind == "transaction") or is_voided(entity, obj),
        extra={"archived": archived},
        created_at=optional_timestamp(obj.get("createdTime")),
    )


def _lines_in(lines: Lines, raw: Any) -> list[dict[str, Any]]:
    entries = objects(
        raw, f"{lines.path} is not a list", f"an entry of {lines.path} is not an object"
    )
    read = CODEC.reader(lines.fields)
    return [_line_in(lines, read(line), line) for line in entries]


def _line_in(lines: Lines, row: dict[str, Any], line: Mapping[str, Any]) -> dict[str, Any]:
    """One line (``row``: its fields as read); an invoice line served without its
    ``amount`` (BILL's Postman collection shows only ``quantity`` and ``price``) is worth
    their product, to the cent."""
    quantity, price = row.get("quantity"), row.get("unit_price")
    unpriced = row.get("amount") is None and line.get("amount") is None
    if unpriced and quantity is not None and price is not None:
        row["amount"] = to_money(quantity * price)
    if lines.unit_quantity and price is None and quantity == 1:
        row["quantity"] = None  # the quantity BILL requires of a line sold as an amount
    return row


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
    w = s.as_written()
    if partial:
        fields = _whole_objects(w, fields, current)
    elif s.amount_is_applied:
        _check_applied(s, fields)
    body, rows = write_body(
        CODEC, w, fields, partial=partial, current=current, skip_kinds=frozenset({"active"})
    )
    if rows is not None:
        assert s.lines is not None and w.lines is not None  # rows come with lines only
        if partial and remote is None:
            raise MappingError(f"{s.lines.name}: rewriting lines needs the record as BILL holds it")
        body[w.lines.path] = _lines_out(s, rows, remote if partial else None)
    return body


def _check_applied(s: BillEntity, fields: Mapping[str, Any]) -> None:
    """Refuse an amount BILL would not record: it records the applied lines' sum."""
    assert s.lines is not None
    amount, rows = fields.get("amount"), fields.get(s.lines.name)
    if amount is None or rows is None:
        return
    written = money_out(amount)
    applied = sum((money_out(row.get("amount") or 0) for row in line_rows(s.lines.name, rows)), D0)
    if written != applied:
        raise MappingError(
            f"BILL records a {ENTITIES[s.entity].label.lower()} as the sum of what it applies "
            f"({applied}), which is not its amount ({written})"
        )


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
    written = lines.as_written()
    new = list(line_rows(lines.name, rows))
    if remote is None:
        return [_line_out(written, row, {}) for row in new]
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
    out = []
    for row, index in zip(new, pairs, strict=True):
        carried: dict[str, Any] = {}
        if index is not None:
            paths = [
                f.path
                for f in lines.fields
                if not (f.name in KEPT_WHEN_UNSAID and row.get(f.name) is None)
            ]
            carried = unmapped_parts(held[index], paths)
            amount = line_spec.line_field("amount")
            if not same(amount, row.get("amount"), held_rows[index].get("amount")):
                _check_priced(s, remote, carried, row.get("amount"))
        out.append(_line_out(written, row, carried))
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
    """One line: ``carried`` (what BILL holds beyond the mapping) plus ``row``; a line
    without a quantity, where BILL requires one, goes as quantity 1 (see :class:`Lines`)."""
    if lines.unit_quantity and row.get("quantity") is None:
        row = {**row, "quantity": Decimal(1)}
    CODEC.write(carried, lines.fields, row)
    return carried
