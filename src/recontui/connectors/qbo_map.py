"""QuickBooks Online JSON <-> canonical fields, both directions, as pure functions.

The tables below are ``docs/remote-shapes.md`` (QuickBooks section) written as
data: one :class:`F` per canonical field with the JSON path it lives at. The
connector never touches QBO field names itself, so when the page changes only
this module changes. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..model.entities import ENTITIES
from ..model.fields import is_blank, price_places, same
from ..model.record import RemoteRecord
from ..model.refs import RemoteRef
from .carry import pair_rows, record_name, unmapped_parts
from .common import ADDRESS_FIELDS as ADDRESS_FIELDS
from .common import EntityTable, MappedEntity, write_body
from .values import (
    CannotCarry,
    Codec,
    MappingError,
    get_path,
    line_rows,
    objects,
    optional_timestamp,
    parse_timestamp,
    price_out,
    ref_id_out,
    ref_in,
)
from .values import Field as F

#: The kinds of :class:`F` this module uses (the shared ones and its own).
Kind = Literal[
    "text",
    "money",
    "decimal",
    "price",
    "date",
    "bool",
    "ref",
    "account_type",
    "posting",
    "tax_flag",
    "line_customer",
]

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
#: The day QuickBooks created the record (``MetaData.CreateTime``, read-only).
_CREATED = F("created", ("MetaData", "CreateTime"), "date", read_only=True)
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
_SALES_LINES = Lines(
    "lines",
    detail="SalesItemLineDetail",
    fields=(
        F("amount", ("Amount",), "money"),
        F("description", ("Description",)),
        F("item", ("SalesItemLineDetail", "ItemRef"), "ref", "item"),
        F("quantity", ("SalesItemLineDetail", "Qty"), "decimal"),
        F("unit_price", ("SalesItemLineDetail", "UnitPrice"), "price"),
        F("class", ("SalesItemLineDetail", "ClassRef"), "ref", "class"),
        F("taxable", ("SalesItemLineDetail", "TaxCodeRef"), "tax_flag"),
    ),
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
            "tax_code",
            "TaxCode",
            "taxcode",
            (
                F("name", ("Name",)),
                F("description", ("Description",)),
                F("taxable", ("Taxable",), "bool"),
                _ACTIVE,
            ),
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
                F("unit_price", ("UnitPrice",), "price"),
                F("income_account", ("IncomeAccountRef",), "ref", "account"),
                _ACTIVE,
            ),
            create_extra={"Type": "Service"},
        ),
        # A sub-customer or job names its parent in ``ParentRef`` (written with ``Job``,
        # below); ``FullyQualifiedName`` and ``Level`` are QuickBooks' own, read-only.
        QboEntity(
            "customer",
            "Customer",
            "customer",
            (
                *_PARTY,
                _CURRENCY,
                _ACTIVE,
                F("parent", ("ParentRef",), "ref", "customer"),
                # Read for the profile's filters (engine/filters.py): the customer type's
                # id, named by QboConnector (the ``CustomerType`` it refers to), and the day
                # QuickBooks created the customer (its company's own date).
                F("type", ("CustomerTypeRef", "value"), read_only=True),
                _CREATED,
            ),
        ),
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
                # No vendor type: QuickBooks Online serves none (docs/remote-shapes.md).
                _CREATED,
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
                # US sales tax: one tax code for the whole invoice, and the tax QuickBooks
                # computed with it (docs/remote-shapes.md, Sales tax).
                F("tax_code", ("TxnTaxDetail", "TxnTaxCodeRef"), "ref", "tax_code"),
                F("tax", ("TxnTaxDetail", "TotalTax"), "money", read_only=True),
            ),
            _SALES_LINES,
        ),
        # A customer credit memo: a sales form like an invoice (CustomerRef, DocNumber,
        # TxnDate, PrivateNote, SalesItemLineDetail lines, TotalAmt computed); Intuit's
        # schema type CreditMemo (docs/remote-shapes.md, QuickBooks, Credit memo).
        QboEntity(
            "credit_memo",
            "CreditMemo",
            "creditmemo",
            (
                F("number", ("DocNumber",)),
                F("customer", ("CustomerRef",), "ref", "customer"),
                F("date", ("TxnDate",), "date"),
                _CURRENCY,
                F("memo", ("PrivateNote",)),
                F("total", ("TotalAmt",), "money", read_only=True),
            ),
            _SALES_LINES,
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
                    # Entity {Type: Customer, EntityRef}: an A/R line's customer.
                    F("customer", ("JournalEntryLineDetail", "Entity"), "line_customer"),
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


#: A US line's pseudo tax code (https://developer.intuit.com/app/developer/qbo/docs/
#: workflows/manage-sales-tax-for-us-locales): TAX taxes the line, NON does not.
_TAX_FLAGS = {"TAX": True, "NON": False}


def _line_customer_in(raw: Any) -> RemoteRef | None:
    """A journal line's ``Entity`` as its customer; None when absent or another kind
    (a vendor or an employee: not mapped)."""
    if not isinstance(raw, Mapping) or raw.get("Type") != "Customer":
        return None
    ref = raw.get("EntityRef")
    ident = ref.get("value") if isinstance(ref, Mapping) else ref
    return ref_in(ident, "customer")


def _line_customer_out(value: Any) -> dict[str, Any]:
    return {"Type": "Customer", "EntityRef": {"value": ref_id_out(value, "customer")}}


def _tax_flag_in(raw: Any) -> bool | None:
    """A line's ``TaxCodeRef`` as taxable or not; None when absent or a non-US code id."""
    code = raw.get("value") if isinstance(raw, Mapping) else raw
    return _TAX_FLAGS.get(str(code).upper()) if code is not None else None


def _tax_flag_out(value: Any) -> dict[str, str]:
    return {"value": "TAX" if value else "NON"}


def _price_out(value: Any) -> Any:
    """A unit price to the seven decimals QuickBooks Online holds."""
    return price_places(price_out(value))


#: References are ``{"value": id}``; a sparse update empties text with "".
CODEC = Codec(
    kinds_in={
        "account_type": _account_type_in,
        "posting": _posting_in,
        "tax_flag": _tax_flag_in,
        "line_customer": _line_customer_in,
    },
    kinds_out={
        "account_type": _account_type_out,
        "posting": _posting_out,
        "price": _price_out,
        "tax_flag": _tax_flag_out,
        "line_customer": _line_customer_out,
    },
    ref_key="value",
    empty_text="",
)

#: Line types QuickBooks Online holds that recontui does not map but keeps, as they are,
#: when it rewrites a record's lines: they add nothing to the total (QBO computes
#: subtotals itself, and appends an invoice's closing subtotal line).
KEPT_LINES = frozenset({"DescriptionOnly", "SubTotalLineDetail"})
#: How a line recontui cannot carry is named in the sentence refusing the write.
LINE_WORDS: dict[str, str] = {
    "DiscountLineDetail": "a discount line",
    "GroupLineDetail": "a bundle (group) line",
    "ItemBasedExpenseLineDetail": "an item-based expense line",
    "AccountBasedExpenseLineDetail": "a category (account) expense line",
    "SalesItemLineDetail": "a product or service line",
    "JournalEntryLineDetail": "a journal line",
    "TDSLineDetail": "a TDS line",
}
LINKED_WORDS: dict[str, str] = {
    "CreditMemo": "a credit memo",
    "VendorCredit": "a vendor credit",
    "Invoice": "an invoice",
    "Bill": "a bill",
    "JournalEntry": "a journal entry",
    "Deposit": "a deposit",
}
#: Parts of a line's detail QuickBooks derives from a mapped line field: carried over only
#: while that field keeps its value (a new item has its own income account).
DERIVED: dict[str, str] = {"ItemAccountRef": "item", "TaxInclusiveAmt": "amount"}
#: Line parts a row may leave unsaid (None): what QuickBooks holds on the line then stays.
KEPT_WHEN_UNSAID = frozenset({"taxable"})


# ---------------------------------------------------------------------------
# QBO -> canonical


def last_updated(obj: Mapping[str, Any]) -> str | None:
    value = get_path(obj, ("MetaData", "LastUpdatedTime"))
    return None if value is None else str(value)


def is_deleted(obj: Mapping[str, Any]) -> bool:
    """A ``status: Deleted`` stub (what CDC and a delete answer give for a deleted one)."""
    return str(obj.get("status", "")).lower() == "deleted"


#: Entities recontui voids instead of deleting (``operation=update&include=void``).
VOIDABLE = frozenset({"payment", "bill_payment"})


def is_voided(entity: str, obj: Mapping[str, Any]) -> bool:
    """A voided Payment or BillPayment: "The transaction remains active but all amounts and
    quantities are zeroed, all lines are cleared, and the string, Voided, is injected into
    PrivateNote" ({entities}/payment, {entities}/billpayment): read as gone, like a
    deleted one, so a void carried out (or made in QuickBooks) settles as a deletion."""
    if entity not in VOIDABLE or obj.get("Line"):
        return False
    try:
        zero = Decimal(str(obj.get("TotalAmt", ""))) == 0
    except ArithmeticError:
        return False
    return zero and str(obj.get("PrivateNote") or "").startswith("Voided")


def from_qbo(entity: str, obj: Mapping[str, Any]) -> RemoteRecord:
    """A QBO entity object as a canonical :class:`RemoteRecord`.

    Every mapped field is present (None when QBO omitted it, as it omits
    nulls). A ``status: Deleted`` stub becomes a tombstone, and so does a voided
    payment (:func:`is_voided`).
    """
    s = spec(entity)
    if (type(obj) is not dict and not isinstance(obj, Mapping)) or obj.get("Id") in (None, ""):
        raise MappingError(f"{s.name} without an Id")
    remote_id = str(obj["Id"])
    updated = last_updated(obj)
    updated_at = parse_timestamp(updated) if updated else None
    if is_deleted(obj) or is_voided(entity, obj):
        return RemoteRecord(
            entity=entity,
            remote_id=remote_id,
            version="deleted",
            fields=dict.fromkeys(s.field_names),
            updated_at=updated_at,
            deleted=True,
            extra={"updated": updated} if updated else {},
        )
    data = obj if type(obj) is dict else dict(obj)  # read only: no copy of a decoded one
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
        created_at=optional_timestamp(get_path(obj, ("MetaData", "CreateTime"))),
    )


def _lines_in(lines: Lines, raw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    read = CODEC.reader(lines.fields)
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
            row = read(line)
            row[target] = ref_in(linked[0].get("TxnId"), target)
            out.append(row)
        else:
            if line.get("DetailType") != lines.detail:
                continue  # SubTotalLineDetail and friends are computed by QBO
            out.append(read(line))
    return out


# ---------------------------------------------------------------------------
# canonical -> QBO


def to_qbo(
    entity: str,
    fields: Mapping[str, Any],
    *,
    sparse: bool = False,
    current: Mapping[str, Any] | None = None,
    remote: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The QBO JSON body for ``fields`` (no ``Id``/``SyncToken``; the caller adds them).

    ``sparse=False`` (create): None values are left out and ``create_extra`` is
    added. ``sparse=True`` (update): only the given fields are written and None
    clears a field. Because a sparse ``BillAddr`` may replace the whole
    address, changing one address part sends all five, taking the others from
    ``current`` (the canonical fields as the server holds them). Read-only
    fields (totals) and canonical fields QBO does not map are ignored; an
    unknown field name is a programming error and raises.

    ``Line`` is always written whole, so an update that writes lines needs
    ``remote``, the record as QuickBooks holds it now: each line keeps what QBO
    holds on it beyond the mapped fields (its ``Id``, tax code, service date...),
    description-only and subtotal lines stay where they were, and a line that
    carries money recontui does not map (a discount, a bundle, an item-based
    expense, a payment applied to a credit memo) refuses the write with
    :class:`CannotCarry` rather than deleting it. Clearing a currency is refused
    the same way: QBO keeps one on every record.
    """
    s = spec(entity)
    if s.read_only:
        raise MappingError(f"{s.name} is read-only in QuickBooks Online")
    clears_currency = "currency" in fields and is_blank(fields["currency"])
    if sparse and clears_currency and any(f.name == "currency" for f in s.fields):
        raise CannotCarry(
            "{record} cannot lose its currency in QuickBooks Online, which keeps one on "
            "every customer, vendor and transaction, so recontui left the record as it is: "
            "give it a currency in the other system (or keep QuickBooks Online's), then "
            "sync again.",
            record_name(CODEC, s, remote),
        )
    body, rows = write_body(CODEC, s, fields, partial=sparse, current=current)
    _with_job_flag(s, fields, body)
    if rows is not None:
        assert s.lines is not None  # write_body returns rows for an entity with lines only
        if sparse and remote is None:
            raise MappingError(
                f"{s.lines.name}: rewriting lines needs the record as QuickBooks Online holds it"
            )
        body["Line"] = _lines_out(s, rows, remote if sparse else None)
    return body


def _with_job_flag(s: QboEntity, fields: Mapping[str, Any], body: dict[str, Any]) -> None:
    """A customer's ``Job`` goes with its ``ParentRef``: "create sub-customer and job
    objects: Set Job to true and set ParentRef to reference parent customer object"
    ({entities}/customer). A write that sets a parent says ``Job: true``; one that clears
    it ``Job: false``; one that leaves the parent alone (a create of a top-level customer
    included) says nothing, and QuickBooks keeps (or defaults) its own."""
    if s.entity != "customer" or "parent" not in fields:
        return
    if fields["parent"] is not None:
        body["Job"] = True
    elif "ParentRef" in body:  # a sparse update clearing the parent
        body["Job"] = False


def _cannot_carry(s: QboEntity, remote: Mapping[str, Any], what: str) -> CannotCarry:
    return CannotCarry(
        "{record} in QuickBooks Online has " + what + " that recontui cannot carry, so "
        "recontui left its lines as they are: change them in QuickBooks Online, then sync "
        "again.",
        record_name(CODEC, s, remote),
    )


def _lines_out(s: QboEntity, rows: Any, remote: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The ``Line`` array for canonical ``rows``; ``remote`` (an update) is what QBO holds."""
    lines = s.lines
    assert lines is not None
    new = list(line_rows(lines.name, rows))
    if remote is None:
        return [_line_out(lines, row, {}) for row in new]
    held = list(objects(remote.get("Line"), "Line is not a list", "a Line entry is not an object"))
    if lines.linked is not None:
        _check_links(s, lines.linked, held, remote)
        return [_line_out(lines, row, {}) for row in new]
    mapped: list[dict[str, Any]] = []
    kept: list[tuple[int, dict[str, Any]]] = []  # (mapped lines before it, the line)
    for index, line in enumerate(held):
        kind = line.get("DetailType")
        if kind == lines.detail:
            mapped.append(line)
        elif kind in KEPT_LINES:
            if kind == "SubTotalLineDetail" and index == len(held) - 1:
                continue  # the closing subtotal: QBO appends it again
            kept.append((len(mapped), unmapped_parts(line, [("LineNum",)])))
        else:
            what = LINE_WORDS.get(str(kind), f"a line of type {kind}")
            raise _cannot_carry(s, remote, what)
    line_spec = ENTITIES[s.entity].field(lines.name)
    held_rows = [CODEC.fields_in(lines.fields, line) for line in mapped]
    pairs = pair_rows(line_spec, new, held_rows)
    out = []
    for row, held_at in zip(new, pairs, strict=True):
        carried: dict[str, Any] = {}
        if held_at is not None:
            paths = [
                f.path
                for f in lines.fields
                if not (f.name in KEPT_WHEN_UNSAID and row.get(f.name) is None)
            ] + [("LineNum",)]
            for sub in line_spec.line_fields:
                if not same(sub, row.get(sub.name), held_rows[held_at].get(sub.name)):
                    paths += [
                        (str(lines.detail), p) for p, src in DERIVED.items() if src == sub.name
                    ]
            carried = unmapped_parts(mapped[held_at], paths)
        out.append(_line_out(lines, row, carried))
    return _with_kept(out, pairs, kept)


def _with_kept(
    out: list[dict[str, Any]], pairs: list[int | None], kept: list[tuple[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``out`` with each kept line placed after the new line continuing the mapped line it
    followed (the nearest earlier one that was kept), else first."""
    after = {held: at for at, held in enumerate(pairs) if held is not None}
    slots: dict[int, list[dict[str, Any]]] = {}
    for before, line in kept:
        anchor = next((after[h] for h in range(before - 1, -1, -1) if h in after), -1)
        slots.setdefault(anchor, []).append(line)
    placed = list(slots.get(-1, []))
    for at, line in enumerate(out):
        placed.append(line)
        placed.extend(slots.get(at, []))
    return placed


def _check_links(
    s: QboEntity, linked: tuple[str, str], held: list[dict[str, Any]], remote: Mapping[str, Any]
) -> None:
    """Refuse when a held line is anything but one application to the mapped kind."""
    _target, txn_type = linked
    for line in held:
        links = [t for t in line.get("LinkedTxn") or [] if isinstance(t, dict)]
        if len(links) == 1 and links[0].get("TxnType") == txn_type:
            continue
        other = next((str(t.get("TxnType")) for t in links if t.get("TxnType") != txn_type), None)
        if other is not None:
            what = f"a line applied to {LINKED_WORDS.get(other, 'a ' + other)}"
        elif links:
            what = f"a line applied to several {txn_type.lower()}s at once"
        else:
            what = "a line applied to nothing"
        raise _cannot_carry(s, remote, what)


def _line_out(lines: Lines, row: Mapping[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """One ``Line`` entry: ``carried`` (what QBO holds beyond the mapping) plus ``row``."""
    line = carried
    if lines.detail is not None:
        line["DetailType"] = lines.detail
        if not isinstance(line.get(lines.detail), dict):
            line[lines.detail] = {}
    CODEC.write(line, lines.fields, row)
    if lines.linked is not None:
        target, txn_type = lines.linked
        txn = row.get(target)
        if txn is None:
            raise MappingError(f"{lines.name}: a line has no {target}")
        line["LinkedTxn"] = [{"TxnId": ref_id_out(txn, target), "TxnType": txn_type}]
    return line
