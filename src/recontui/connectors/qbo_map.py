"""QuickBooks Online JSON <-> canonical fields, both directions, as pure functions.

The tables below are ``docs/remote-shapes.md`` (QuickBooks section) written as
data: one :class:`F` per canonical field with the JSON path it lives at. The
connector never touches QBO field names itself, so when the page changes only
this module changes. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model.record import RemoteRecord
from .common import ADDRESS_FIELDS as ADDRESS_FIELDS
from .common import EntityTable, MappedEntity, write_body
from .values import (
    Codec,
    MappingError,
    get_path,
    line_rows,
    objects,
    parse_timestamp,
    ref_id_out,
    ref_in,
)
from .values import Field as F

#: The kinds of :class:`F` this module uses (the shared ones and its own).
Kind = Literal["text", "money", "decimal", "date", "bool", "ref", "account_type", "posting"]

ACCOUNT_TYPES: dict[str, str] = {
    "bank": "Bank",
    "accounts_receivable": "Accounts Receivable",
    "other_current_asset": "Other Current Asset",
    "fixed_asset": "Fixed Asset",
    "other_asset": "Other Asset",
    "accounts_payable": "Accounts Payable",
    "credit_card": "Credit Card",
    "other_current_liability": "Other Current Liability",
    "long_term_liability": "Long Term Liability",
    "equity": "Equity",
    "income": "Income",
    "other_income": "Other Income",
    "cost_of_goods_sold": "Cost of Goods Sold",
    "expense": "Expense",
    "other_expense": "Other Expense",
}
ACCOUNT_TYPES_IN: dict[str, str] = {v.lower(): k for k, v in ACCOUNT_TYPES.items()}


@dataclass(frozen=True)
class Lines:
    """A canonical list field stored in QBO's ``Line`` array.

    Item lines carry a ``detail`` type (their fields' paths start with it);
    applied lines (payments) instead carry ``linked``: the canonical field
    and QBO ``TxnType`` of ``LinkedTxn[0]``.
    """

    name: str
    fields: tuple[F, ...] = ()
    detail: str | None = None
    linked: tuple[str, str] | None = None


@dataclass(frozen=True)
class QboEntity(MappedEntity):
    entity: str
    name: str  # QBO entity name: JSON wrapper key and query table
    path: str  # URL path segment
    fields: tuple[F, ...]
    lines: Lines | None = None
    read_only: bool = False
    #: Change data capture covers it (not TaxRate/TaxCode: those are read by query).
    cdc: bool = True
    #: Constant fields sent on create only (Item ``Type``).
    create_extra: Mapping[str, Any] = field(default_factory=dict)


_ACTIVE = F("active", ("Active",), "bool")
_CURRENCY = F("currency", ("CurrencyRef", "value"))
_ADDRESS = (
    F("address_line1", ("BillAddr", "Line1")),
    F("city", ("BillAddr", "City")),
    F("region", ("BillAddr", "CountrySubDivisionCode")),
    F("postal_code", ("BillAddr", "PostalCode")),
    F("country", ("BillAddr", "Country")),
)
_PARTY = (
    F("name", ("DisplayName",)),
    F("company_name", ("CompanyName",)),
    F("email", ("PrimaryEmailAddr", "Address")),
    F("phone", ("PrimaryPhone", "FreeFormNumber")),
    *_ADDRESS,
)
_EXPENSE_LINES = Lines(
    "lines",
    detail="AccountBasedExpenseLineDetail",
    fields=(
        F("amount", ("Amount",), "money"),
        F("description", ("Description",)),
        F("account", ("AccountBasedExpenseLineDetail", "AccountRef"), "ref", "account"),
        F("class", ("AccountBasedExpenseLineDetail", "ClassRef"), "ref", "class"),
    ),
)

QBO_ENTITIES: EntityTable[QboEntity] = EntityTable(
    "QuickBooks Online",
    (
        QboEntity(
            "account",
            "Account",
            "account",
            (
                F("name", ("Name",)),
                F("number", ("AcctNum",)),
                F("type", ("AccountType",), "account_type"),
                F("description", ("Description",)),
                _ACTIVE,
            ),
        ),
        QboEntity("class", "Class", "class", (F("name", ("Name",)), _ACTIVE)),
        QboEntity("department", "Department", "department", (F("name", ("Name",)), _ACTIVE)),
        QboEntity(
            "tax_rate",
            "TaxRate",
            "taxrate",
            (F("name", ("Name",)), F("rate", ("RateValue",), "decimal"), _ACTIVE),
            read_only=True,
            cdc=False,
        ),
        QboEntity(
            "item",
            "Item",
            "item",
            (
                F("name", ("Name",)),
                F("description", ("Description",)),
                F("unit_price", ("UnitPrice",), "money"),
                F("income_account", ("IncomeAccountRef",), "ref", "account"),
                _ACTIVE,
            ),
            create_extra={"Type": "Service"},
        ),
        QboEntity("customer", "Customer", "customer", (*_PARTY, _CURRENCY, _ACTIVE)),
        QboEntity(
            "vendor",
            "Vendor",
            "vendor",
            (
                *_PARTY,
                F("tax_id", ("TaxIdentifier",)),
                F("account_number", ("AcctNum",)),
                _CURRENCY,
                _ACTIVE,
            ),
        ),
        QboEntity(
            "invoice",
            "Invoice",
            "invoice",
            (
                F("number", ("DocNumber",)),
                F("customer", ("CustomerRef",), "ref", "customer"),
                F("date", ("TxnDate",), "date"),
                F("due_date", ("DueDate",), "date"),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
                F("total", ("TotalAmt",), "money", read_only=True),
            ),
            Lines(
                "lines",
                detail="SalesItemLineDetail",
                fields=(
                    F("amount", ("Amount",), "money"),
                    F("description", ("Description",)),
                    F("item", ("SalesItemLineDetail", "ItemRef"), "ref", "item"),
                    F("quantity", ("SalesItemLineDetail", "Qty"), "decimal"),
                    F("unit_price", ("SalesItemLineDetail", "UnitPrice"), "money"),
                    F("class", ("SalesItemLineDetail", "ClassRef"), "ref", "class"),
                ),
            ),
        ),
        QboEntity(
            "payment",
            "Payment",
            "payment",
            (
                F("customer", ("CustomerRef",), "ref", "customer"),
                F("date", ("TxnDate",), "date"),
                F("amount", ("TotalAmt",), "money"),
                F("reference", ("PaymentRefNum",)),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
            ),
            Lines(
                "applied",
                fields=(F("amount", ("Amount",), "money"),),
                linked=("invoice", "Invoice"),
            ),
        ),
        QboEntity(
            "bill",
            "Bill",
            "bill",
            (
                F("number", ("DocNumber",)),
                F("vendor", ("VendorRef",), "ref", "vendor"),
                F("date", ("TxnDate",), "date"),
                F("due_date", ("DueDate",), "date"),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
                F("total", ("TotalAmt",), "money", read_only=True),
            ),
            _EXPENSE_LINES,
        ),
        QboEntity(
            "bill_payment",
            "BillPayment",
            "billpayment",
            (
                F("vendor", ("VendorRef",), "ref", "vendor"),
                F("date", ("TxnDate",), "date"),
                F("amount", ("TotalAmt",), "money"),
                F("reference", ("DocNumber",)),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
            ),
            Lines("applied", fields=(F("amount", ("Amount",), "money"),), linked=("bill", "Bill")),
            create_extra={"PayType": "Check"},
        ),
        QboEntity(
            "vendor_credit",
            "VendorCredit",
            "vendorcredit",
            (
                F("number", ("DocNumber",)),
                F("vendor", ("VendorRef",), "ref", "vendor"),
                F("date", ("TxnDate",), "date"),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
                F("total", ("TotalAmt",), "money", read_only=True),
            ),
            _EXPENSE_LINES,
        ),
        QboEntity(
            "journal_entry",
            "JournalEntry",
            "journalentry",
            (
                F("number", ("DocNumber",)),
                F("date", ("TxnDate",), "date"),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
            ),
            Lines(
                "lines",
                detail="JournalEntryLineDetail",
                fields=(
                    F("amount", ("Amount",), "money"),
                    F("description", ("Description",)),
                    F("posting", ("JournalEntryLineDetail", "PostingType"), "posting"),
                    F("account", ("JournalEntryLineDetail", "AccountRef"), "ref", "account"),
                    F("class", ("JournalEntryLineDetail", "ClassRef"), "ref", "class"),
                ),
            ),
        ),
    ),
)
spec = QBO_ENTITIES.spec
fields_of = QBO_ENTITIES.fields_of


# ---------------------------------------------------------------------------
# Values


def _account_type_in(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        return ACCOUNT_TYPES_IN[str(raw).lower()]
    except KeyError:
        raise MappingError(f"unknown AccountType {raw!r}") from None


def _account_type_out(value: Any) -> str:
    try:
        return ACCOUNT_TYPES[str(value).strip().lower()]
    except KeyError:
        raise MappingError(f"unknown account type {value!r}") from None


def _posting_in(raw: Any) -> str | None:
    return None if raw is None else str(raw).lower()


def _posting_out(value: Any) -> str:
    low = str(value).strip().lower()
    if low not in ("debit", "credit"):
        raise MappingError(f"posting must be debit or credit, not {value!r}")
    return low.capitalize()


#: References are ``{"value": id}``; a sparse update empties text with "".
CODEC = Codec(
    kinds_in={"account_type": _account_type_in, "posting": _posting_in},
    kinds_out={"account_type": _account_type_out, "posting": _posting_out},
    ref_key="value",
    empty_text="",
)


# ---------------------------------------------------------------------------
# QBO -> canonical


def last_updated(obj: Mapping[str, Any]) -> str | None:
    value = get_path(obj, ("MetaData", "LastUpdatedTime"))
    return None if value is None else str(value)


def is_deleted(obj: Mapping[str, Any]) -> bool:
    """A ``status: Deleted`` stub (what CDC and a delete answer give for a deleted one)."""
    return str(obj.get("status", "")).lower() == "deleted"


def from_qbo(entity: str, obj: Mapping[str, Any]) -> RemoteRecord:
    """A QBO entity object as a canonical :class:`RemoteRecord`.

    Every mapped field is present (None when QBO omitted it, as it omits
    nulls). A ``status: Deleted`` stub becomes a tombstone.
    """
    s = spec(entity)
    if not isinstance(obj, Mapping) or obj.get("Id") in (None, ""):
        raise MappingError(f"{s.name} without an Id")
    remote_id = str(obj["Id"])
    updated = last_updated(obj)
    updated_at = parse_timestamp(updated) if updated else None
    if is_deleted(obj):
        return RemoteRecord(
            entity=entity,
            remote_id=remote_id,
            version="deleted",
            fields=dict.fromkeys(s.field_names),
            updated_at=updated_at,
            deleted=True,
            extra={"updated": updated} if updated else {},
        )
    data = dict(obj)
    out = CODEC.fields_in(s.fields, data)
    if s.lines is not None:
        out[s.lines.name] = _lines_in(s.lines, data.get("Line"))
    return RemoteRecord(
        entity=entity,
        remote_id=remote_id,
        version=str(obj.get("SyncToken", "")),
        fields=out,
        updated_at=updated_at,
        deleted=False,
        extra={"updated": updated} if updated else {},
    )


def _lines_in(lines: Lines, raw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in objects(raw, "Line is not a list", "a Line entry is not an object"):
        if lines.linked is not None:
            target, txn_type = lines.linked
            linked = [
                t
                for t in (line.get("LinkedTxn") or [])
                if isinstance(t, dict) and t.get("TxnType") == txn_type
            ]
            if not linked:
                continue  # a link to another kind (credit memo, vendor credit): not synced
            row = CODEC.fields_in(lines.fields, line)
            row[target] = ref_in(linked[0].get("TxnId"), target)
            out.append(row)
        else:
            if line.get("DetailType") != lines.detail:
                continue  # SubTotalLineDetail and friends are computed by QBO
            out.append(CODEC.fields_in(lines.fields, line))
    return out


# ---------------------------------------------------------------------------
# canonical -> QBO


def to_qbo(
    entity: str,
    fields: Mapping[str, Any],
    *,
    sparse: bool = False,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The QBO JSON body for ``fields`` (no ``Id``/``SyncToken``; the caller adds them).

    ``sparse=False`` (create): None values are left out and ``create_extra`` is
    added. ``sparse=True`` (update): only the given fields are written and None
    clears a field. Because a sparse ``BillAddr`` may replace the whole
    address, changing one address part sends all five, taking the others from
    ``current`` (the canonical fields as the server holds them). Read-only
    fields (totals) and canonical fields QBO does not map are ignored; an
    unknown field name is a programming error and raises.
    """
    s = spec(entity)
    if s.read_only:
        raise MappingError(f"{s.name} is read-only in QuickBooks Online")
    body, rows = write_body(CODEC, s, fields, partial=sparse, current=current)
    if rows is not None:
        body["Line"] = _lines_out(s.lines, rows)
    return body


def _lines_out(lines: Lines, rows: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in line_rows(lines.name, rows):
        line: dict[str, Any] = {}
        if lines.detail is not None:
            line["DetailType"] = lines.detail
            line[lines.detail] = {}
        CODEC.write(line, lines.fields, row)
        if lines.linked is not None:
            target, txn_type = lines.linked
            txn = row.get(target)
            if txn is None:
                raise MappingError(f"{lines.name}: a line has no {target}")
            line["LinkedTxn"] = [{"TxnId": ref_id_out(txn, target), "TxnType": txn_type}]
        out.append(line)
    return out
