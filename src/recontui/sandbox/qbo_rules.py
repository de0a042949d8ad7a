"""QBO business rules: required fields, references, uniqueness, line maths, totals.

Each check mirrors a fault the real service raises; the stand-in is strict because a
lenient one would let a connector ship requests production rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import qbo_hierarchy
from .clock import parse_date
from .qbo_entities import (
    ACCOUNT_CLASSIFICATION,
    ITEM_TYPES,
    NAME_NAMESPACE,
    PSEUDO_TAX_CODES,
    REF_TARGETS,
    UNIQUE_NAME,
    QboEntity,
)
from .qbo_faults import (
    QboFault,
    business,
    duplicate_name,
    inactive_reference,
    invalid_enum,
    invalid_property,
    invalid_reference,
    required,
)
from .qbo_schema import LINE
from .qbo_values import cents, to_decimal

if TYPE_CHECKING:
    from .qbo_store import QboCompany

USD = {"value": "USD", "name": "United States Dollar"}
ZERO = Decimal("0")

#: A line's properties: the schema's (``qbo_schema.LINE``), and the names the stand-in has
#: always taken besides (a ``DescriptionOnly`` key, ``TxnLineId``).
LINE_KEYS = LINE | frozenset({"DescriptionOnly", "TxnLineId"})
SALES_DETAILS = frozenset(
    {"SalesItemLineDetail", "DiscountLineDetail", "DescriptionOnly", "GroupLineDetail"}
)
EXPENSE_DETAILS = frozenset({"AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"})


def name_key(name: str) -> str:
    return name.strip().casefold()


def prepare(
    company: QboCompany,
    entity: QboEntity,
    rec: dict[str, Any],
    self_id: str | None,
    *,
    trusted: bool = False,
    allow_duplicate_doc: bool = False,
) -> dict[str, Any]:
    """Validate a candidate record and fill the fields the server computes
    (``trusted``: the seed's own record; names and references are not checked;
    ``allow_duplicate_doc``: the request's ``include=allowduplicatedocnum``)."""
    handler = _HANDLERS.get(entity.name)
    if handler is not None:
        handler(company, rec, self_id)
    if trusted:
        return rec
    if entity.name in UNIQUE_NAME:
        _check_unique_name(company, entity, rec, self_id)
    if not allow_duplicate_doc:
        _check_doc_number(company, entity.name, rec, self_id)
    check_refs(company, rec, entity.name)
    return rec


# --- document numbers -------------------------------------------------------------------

#: Entity -> the ``OtherPrefs`` setting under which a duplicate DocNumber is refused, and the
#: reference the duplicate is looked for under (None: the whole company). An invoice's
#: number is always unique while the company uses custom transaction numbers.
DOC_NUMBER_RULES: dict[str, tuple[str | None, str | None]] = {
    "Invoice": (None, None),
    "Bill": ("WarnDuplicateBillNumber", "VendorRef"),
    "JournalEntry": ("WarnDuplicateJournalNumber", None),
    "BillPayment": ("WarnDuplicateCheckNumber", "CheckPayment.BankAccountRef"),
}


def _check_doc_number(
    company: QboCompany, entity_name: str, rec: dict[str, Any], self_id: str | None
) -> None:
    """6140 for a DocNumber another record already has where the company refuses one:
    "If a duplicate DocNumber needs to be supplied, add the query parameter name/value pair,
    include=allowduplicatedocnum" (.../all-entities/invoice, .../bill, .../billpayment; the
    settings are ``OtherPrefs`` ``WarnDuplicate...Number``, .../all-entities/preferences)."""
    rule = DOC_NUMBER_RULES.get(entity_name)
    number = rec.get("DocNumber")
    if rule is None or not number:
        return
    setting, scope = rule
    if setting is not None and not company.preferences.warns(setting):
        return
    if entity_name == "BillPayment" and rec.get("PayType") != "Check":
        return
    if isinstance(number, str):
        holders: Iterable[str] = company.doc_number_holders(entity_name, number)
    else:
        holders = [i for i, o in company.rows(entity_name) if o.get("DocNumber") == number]
    for ident in holders:
        other = company.find(entity_name, ident)
        if ident == self_id or other is None:
            continue
        if scope is None or _scoped_ref(other, scope) == _scoped_ref(rec, scope):
            raise QboFault(
                "6140",
                "Duplicate Document Number Error",
                f"Duplicate Document Number Error : You must specify a different number. "
                f"This number has already been used. DocNumber={number}",
                element="DocNumber",
            )


def _scoped_ref(rec: dict[str, Any], path: str) -> str | None:
    value: Any = rec
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value.get("value") if isinstance(value, dict) else None


# --- references -------------------------------------------------------------------------


def _walk_refs(value: Any, entity_hint: str | None = None) -> Iterator[tuple[str, str, str]]:
    """Yield (property, target entity, id) for every reference inside a record."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if (
                isinstance(sub, dict)
                and "value" in sub
                and (key in REF_TARGETS or key in ("ParentRef", "EntityRef"))
            ):
                if key == "ParentRef":
                    if entity_hint:
                        yield key, entity_hint, sub["value"]
                elif key == "EntityRef":
                    kind = value.get("Type")
                    if kind in ("Customer", "Vendor"):
                        yield key, kind, sub["value"]
                    else:
                        raise invalid_enum("Entity.Type", kind)
                else:
                    yield key, REF_TARGETS[key], sub["value"]
            else:
                yield from _walk_refs(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _walk_refs(sub)


def check_refs(company: QboCompany, rec: dict[str, Any], entity_name: str | None = None) -> None:
    for key, target, ident in _walk_refs(rec, entity_name):
        if target == "TaxCode" and ident in PSEUDO_TAX_CODES:
            continue
        found = company.find(target, ident)
        if found is None:
            raise invalid_reference(key, ident)
        if found.get("Active") is False:
            raise inactive_reference(key, ident)


def _ref_id(rec: dict[str, Any], key: str) -> str | None:
    ref = rec.get(key)
    return ref.get("value") if isinstance(ref, dict) else None


# --- names ------------------------------------------------------------------------------


def _check_unique_name(
    company: QboCompany, entity: QboEntity, rec: dict[str, Any], self_id: str | None
) -> None:
    prop = UNIQUE_NAME[entity.name]
    wanted = name_key(str(rec.get(prop, "")))
    for other_name in NAME_NAMESPACE.get(entity.name, (entity.name,)):
        for ident in company.name_holders(other_name, wanted):
            if other_name == entity.name and ident == self_id:
                continue
            raise duplicate_name(str(rec.get(prop)))


def _require_text(rec: dict[str, Any], prop: str) -> str:
    value = rec.get(prop)
    if not isinstance(value, str) or not value.strip():
        raise required(prop)
    return value


def _fqn(company: QboCompany, entity_name: str, rec: dict[str, Any], name: str) -> str:
    parent = _ref_id(rec, "ParentRef")
    if parent:
        found = company.find(entity_name, parent)
        if found is None:
            raise invalid_reference("ParentRef", parent)
        return f"{found.get('FullyQualifiedName') or found.get('Name')}:{name}"
    return name


def _list_defaults(rec: dict[str, Any]) -> None:
    rec.setdefault("Active", True)


def _account(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    name = _require_text(rec, "Name")
    account_type = rec.get("AccountType")
    if account_type is None:
        raise required("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise invalid_enum("AccountType", account_type)
    rec["Classification"] = ACCOUNT_CLASSIFICATION[account_type]
    rec.setdefault("SubAccount", "ParentRef" in rec)
    rec["FullyQualifiedName"] = _fqn(company, "Account", rec, name)
    rec.setdefault("CurrencyRef", dict(USD))
    _list_defaults(rec)
    existing = company.find("Account", self_id) if self_id else None
    rec["CurrentBalance"] = existing.get("CurrentBalance", ZERO) if existing else ZERO


def _class(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    name = _require_text(rec, "Name")
    rec["SubClass"] = "ParentRef" in rec
    rec["FullyQualifiedName"] = _fqn(company, "Class", rec, name)
    _list_defaults(rec)


def _department(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    name = _require_text(rec, "Name")
    rec["SubDepartment"] = "ParentRef" in rec
    rec["FullyQualifiedName"] = _fqn(company, "Department", rec, name)
    _list_defaults(rec)


def _item(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    name = _require_text(rec, "Name")
    item_type = rec.get("Type")
    if item_type is None:
        raise required("Type")
    if item_type not in ITEM_TYPES:
        raise invalid_enum("Type", item_type)
    if item_type in ("Service", "NonInventory", "Inventory") and "IncomeAccountRef" not in rec:
        raise required("IncomeAccountRef")
    if item_type == "Inventory":
        for prop in ("ExpenseAccountRef", "AssetAccountRef"):
            if prop not in rec:
                raise required(prop)
    rec["FullyQualifiedName"] = _fqn(company, "Item", rec, name)
    _list_defaults(rec)


def _party(rec: dict[str, Any]) -> str:
    name = rec.get("DisplayName")
    if not isinstance(name, str) or not name.strip():
        parts = [rec.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
        if not name:
            name = rec.get("CompanyName") if isinstance(rec.get("CompanyName"), str) else ""
        if not name:
            raise required("DisplayName", "DisplayName, a name part or CompanyName is required")
        rec["DisplayName"] = name
    if ":" in name:
        raise invalid_property("DisplayName", "DisplayName cannot contain a colon")
    rec.setdefault("PrintOnCheckName", name)
    rec.setdefault("CurrencyRef", dict(USD))
    _list_defaults(rec)
    return name


def _customer(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    name = _party(rec)
    qbo_hierarchy.place(company, rec, self_id)  # ParentRef, Job, Level, BillWithParent
    rec["FullyQualifiedName"] = _fqn(company, "Customer", rec, name)


def _vendor(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    _party(rec)


# --- transactions -----------------------------------------------------------------------


def _dates(company: QboCompany, rec: dict[str, Any], *, due: bool) -> None:
    """Check the dates; one not supplied (absent, or an empty string, as clients send for
    an unset date) is the server's: ``TxnDate`` today, ``DueDate`` the ``TxnDate``."""
    for prop in ("TxnDate", "DueDate"):
        if rec.get(prop) == "":
            del rec[prop]
        if prop in rec:
            try:
                parse_date(rec[prop])
            except ValueError:
                raise invalid_property(prop, f"{prop} is not a valid date: {rec[prop]!r}") from None
    rec.setdefault("TxnDate", company.today().isoformat())
    if due:
        rec.setdefault("DueDate", rec["TxnDate"])


def _doc_number(rec: dict[str, Any]) -> None:
    number = rec.get("DocNumber")
    if number is None:
        return
    if not isinstance(number, str):
        raise invalid_property("DocNumber", "DocNumber must be a string")
    if len(number) > 21:
        raise QboFault(
            "2050",
            "String length is either shorter or longer than supported by specification",
            f"DocNumber: Min:0 Max:21 supported. Supplied length:{len(number)}",
            element="DocNumber",
        )


def _lines(rec: dict[str, Any]) -> list[dict[str, Any]]:
    lines = rec.get("Line")
    if not isinstance(lines, list) or not lines:
        raise required("Line")
    for line in lines:
        if not isinstance(line, dict):
            raise invalid_property("Line", "each Line must be an object")
        unknown = set(line) - LINE_KEYS
        if unknown:
            raise invalid_property("Line", f"unsupported Line property {sorted(unknown)[0]}")
        if "DetailType" not in line:
            raise required("Line.DetailType")
    return lines


def _amount(line: dict[str, Any]) -> Decimal:
    if "Amount" not in line:
        raise required("Line.Amount")
    return to_decimal(line["Amount"], "Amount")


def _check_qty_price(detail: dict[str, Any], amount: Decimal) -> None:
    if "Qty" in detail and "UnitPrice" in detail:
        expected = cents(
            to_decimal(detail["Qty"], "Qty") * to_decimal(detail["UnitPrice"], "UnitPrice")
        )
        if expected != cents(amount):
            raise QboFault(
                "6070",
                "Amount is not equal to UnitPrice * Qty",
                f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                element="Line.Amount",
            )


def _number_lines(lines: list[dict[str, Any]], held: dict[str, Any] | None = None) -> None:
    """Number lines by position. A line sent with the Id of one of the lines the record
    ``held`` keeps it (QBO updates that line); any other line is new and gets the lowest
    Id no kept line uses (so lines sent without Ids are numbered 1..n, as before)."""
    known = {str(ln.get("Id")) for ln in (held or {}).get("Line", []) if isinstance(ln, dict)}
    kept: list[bool] = []
    for line in lines:
        ident = str(line.get("Id", ""))
        kept.append(ident in known)
        known.discard(ident)  # a second line sent with the same Id is new
    taken = {str(line["Id"]) for line, keep in zip(lines, kept, strict=True) if keep}
    fresh = 1
    for index, (line, keep) in enumerate(zip(lines, kept, strict=True), start=1):
        if not keep:
            while str(fresh) in taken:
                fresh += 1
            line["Id"] = str(fresh)
            taken.add(line["Id"])
        line["LineNum"] = index


def _applied_links(
    company: QboCompany, entity_name: str, rec: dict[str, Any], self_id: str | None, total: Decimal
) -> None:
    """Balance and LinkedTxn of an invoice/bill/credit follow the payments applied to it."""
    applied, links = company.applied_to(entity_name, self_id) if self_id else (ZERO, [])
    if applied > total:
        raise business(
            f"the new total {total} is less than the {applied} already applied by payments"
        )
    rec["Balance"] = total - applied
    rec.pop("LinkedTxn", None)
    if links:
        rec["LinkedTxn"] = links


def _invoice(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    if "CustomerRef" not in rec:
        raise required("CustomerRef")
    rec["Line"] = [
        ln
        for ln in rec.get("Line", [])
        if not (isinstance(ln, dict) and ln.get("DetailType") == "SubTotalLineDetail")
    ]
    lines = _lines(rec)
    subtotal, discount = _sales_amounts(lines)
    _number_lines(lines, company.find("Invoice", self_id))
    _dates(company, rec, due=True)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))
    total = subtotal - discount + _sales_tax(company, rec, lines)
    rec["TotalAmt"] = total
    if company.subtotal_line:
        lines.append(
            {"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
        )
    _applied_links(company, "Invoice", rec, self_id, total)


def _sales_amounts(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    """A sales form's subtotal and discount, each line checked: sales lines and bundles
    (whose Amount is the sum of their own lines) add up, a discount line is taken off."""
    subtotal = discount = ZERO
    for line in lines:
        kind = line["DetailType"]
        if kind not in SALES_DETAILS:
            raise invalid_enum("Line.DetailType", kind)
        if kind == "SalesItemLineDetail":
            amount = _amount(line)
            _check_qty_price(line.get("SalesItemLineDetail", {}), amount)
            subtotal += amount
        elif kind == "DiscountLineDetail":
            discount += _amount(line)
        elif kind == "GroupLineDetail":
            subtotal += _amount(line)
    return subtotal, discount


def _credit_memo(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    """A customer credit memo: a sales form whose lines give ``TotalAmt`` as an invoice's
    do (less a discount line; no sales tax is modelled on it); nothing is applied to it here
    (applying credit to invoices is not modelled), so all of it remains (``Balance``,
    ``RemainingCredit``)."""
    if "CustomerRef" not in rec:
        raise required("CustomerRef")
    lines = _lines(rec)
    subtotal, discount = _sales_amounts(lines)
    total = subtotal - discount
    _number_lines(lines, company.find("CreditMemo", self_id))
    _dates(company, rec, due=False)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))
    rec["TotalAmt"] = total
    rec["Balance"] = total
    rec["RemainingCredit"] = total


def _sales_tax(company: QboCompany, rec: dict[str, Any], lines: list[dict[str, Any]]) -> Decimal:
    """The sales tax QuickBooks Online adds to an invoice, in a company that charges it
    (``company.sales_tax_code`` names its default code; None: no sales tax, the default).

    A product line sent without a ``TaxCodeRef`` takes its item's taxability (``TAX`` when
    the item is ``Taxable``, else ``NON``); lines coded ``TAX`` are taxed at the combined
    rate of the invoice's ``TxnTaxCodeRef`` (else the company's default code), and the
    tax, rounded to the cent, is set in ``TxnTaxDetail`` and returned for ``TotalAmt``.
    """
    if company.sales_tax_code is None:
        return ZERO
    taxable = _taxable_amount(company, lines)
    code_rec = _invoice_tax_code(company, rec)
    rates = [
        company.find("TaxRate", str((d.get("TaxRateRef") or {}).get("value")))
        for d in (code_rec.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    ]
    tax_lines = []
    total = ZERO
    for rate in rates:
        if rate is None:
            continue
        percent = to_decimal(rate.get("RateValue", ZERO), "RateValue")
        amount = cents(taxable * percent / 100)
        total += amount
        tax_lines.append(
            {
                "Amount": amount,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate["Id"]},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": taxable,
                },
            }
        )
    rec["TxnTaxDetail"] = {
        "TxnTaxCodeRef": {"value": code_rec["Id"]},
        "TotalTax": total,
        "TaxLine": tax_lines,
    }
    return total


def _taxable_amount(company: QboCompany, lines: list[dict[str, Any]]) -> Decimal:
    """The amount of the product lines coded ``TAX``; a line sent without a code takes its
    item's taxability (the code is written on the line)."""
    taxable = ZERO
    for line in lines:
        detail = line.get("SalesItemLineDetail")
        if line["DetailType"] != "SalesItemLineDetail" or not isinstance(detail, dict):
            continue
        code = (detail.get("TaxCodeRef") or {}).get("value")
        if code is None:
            item = company.find("Item", str((detail.get("ItemRef") or {}).get("value")))
            code = "TAX" if item is not None and item.get("Taxable") is True else "NON"
            detail["TaxCodeRef"] = {"value": code}
        if code == "TAX":
            taxable += _amount(line)
    return taxable


def _invoice_tax_code(company: QboCompany, rec: dict[str, Any]) -> dict[str, Any]:
    """The invoice's ``TxnTaxCodeRef``, else the company's default sales tax code."""
    held = rec.get("TxnTaxDetail")
    if not isinstance(held, dict):
        held = {}
    wanted = (held.get("TxnTaxCodeRef") or {}).get("value")
    code_rec = (
        company.find("TaxCode", str(wanted))
        if wanted is not None
        else next(
            (r for _i, r in company.rows("TaxCode") if r.get("Name") == company.sales_tax_code),
            None,
        )
    )
    if code_rec is None:
        raise QboFault(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: the sales tax code {wanted or company.sales_tax_code} "
            "does not exist",
            element="TxnTaxDetail.TxnTaxCodeRef",
        )
    return code_rec


def _expense_lines(rec: dict[str, Any], held: dict[str, Any] | None) -> Decimal:
    total = ZERO
    for line in _lines(rec):
        kind = line["DetailType"]
        if kind not in EXPENSE_DETAILS:
            raise invalid_enum("Line.DetailType", kind)
        amount = _amount(line)
        detail = line.get(kind)
        if not isinstance(detail, dict):
            raise required(f"Line.{kind}")
        if kind == "AccountBasedExpenseLineDetail" and "AccountRef" not in detail:
            raise required("AccountBasedExpenseLineDetail.AccountRef")
        if kind == "ItemBasedExpenseLineDetail":
            if "ItemRef" not in detail:
                raise required("ItemBasedExpenseLineDetail.ItemRef")
            _check_qty_price(detail, amount)
        total += amount
    _number_lines(rec["Line"], held)
    return total


def _bill(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    if "VendorRef" not in rec:
        raise required("VendorRef")
    total = _expense_lines(rec, company.find("Bill", self_id))
    _dates(company, rec, due=True)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))
    rec["TotalAmt"] = total
    _applied_links(company, "Bill", rec, self_id, total)


def _vendor_credit(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    if "VendorRef" not in rec:
        raise required("VendorRef")
    total = _expense_lines(rec, company.find("VendorCredit", self_id))
    _dates(company, rec, due=False)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))
    rec["TotalAmt"] = total
    _applied_links(company, "VendorCredit", rec, self_id, total)


def _applications(
    company: QboCompany,
    rec: dict[str, Any],
    self_entity: str,
    self_id: str | None,
    party_key: str,
    allowed: tuple[str, ...],
) -> dict[tuple[str, str], Decimal]:
    """Validate payment lines; return amounts per (target entity, id)."""
    party = _ref_id(rec, party_key)
    per_target: dict[tuple[str, str], Decimal] = {}
    for line in rec.get("Line", []) or []:
        if not isinstance(line, dict):
            raise invalid_property("Line", "each Line must be an object")
        amount = _amount(line)
        if amount <= 0:
            raise business("an applied amount must be greater than zero")
        linked = line.get("LinkedTxn")
        if not isinstance(linked, list) or not linked:
            raise required("Line.LinkedTxn")
        for link in linked:
            if not isinstance(link, dict) or "TxnId" not in link:
                raise required("LinkedTxn.TxnId")
            if "TxnType" not in link:
                raise required("LinkedTxn.TxnType")
            kind, ident = link["TxnType"], str(link["TxnId"])
            if kind not in allowed:
                if kind == "CreditMemo":
                    raise invalid_reference("LinkedTxn.TxnId", ident)
                raise invalid_enum("LinkedTxn.TxnType", kind)
            target = company.find(kind, ident)
            if target is None:
                raise invalid_reference("LinkedTxn.TxnId", ident)
            if _ref_id(target, party_key) != party:
                raise business(
                    f"{kind} {ident} belongs to a different {party_key.removesuffix('Ref').lower()}"
                )
            per_target[(kind, ident)] = per_target.get((kind, ident), ZERO) + amount
    for (kind, ident), amount in per_target.items():
        target = company.find(kind, ident)
        assert target is not None
        others, _ = company.applied_to(kind, ident, exclude=(self_entity, self_id))
        if others + amount > target.get("TotalAmt", ZERO):
            raise business(
                f"the amount applied to {kind} {ident} ({amount}) exceeds its "
                f"open balance ({target.get('TotalAmt', ZERO) - others})"
            )
    return per_target


def _payment(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    if "CustomerRef" not in rec:
        raise required("CustomerRef")
    if "TotalAmt" not in rec:
        raise required("TotalAmt")
    total = to_decimal(rec["TotalAmt"], "TotalAmt")
    if total < 0:
        raise business("TotalAmt cannot be negative")
    applied = _applications(company, rec, "Payment", self_id, "CustomerRef", ("Invoice",))
    used = sum(applied.values(), ZERO)
    if used > total:
        raise business(f"the payment applies {used} but its TotalAmt is {total}")
    _dates(company, rec, due=False)
    rec.setdefault("CurrencyRef", dict(USD))
    rec["UnappliedAmt"] = total - used


def _bill_payment(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    if "VendorRef" not in rec:
        raise required("VendorRef")
    pay_type = rec.get("PayType")
    if pay_type is None:
        raise required("PayType")
    if pay_type == "Check":
        account = (rec.get("CheckPayment") or {}).get("BankAccountRef")
        wanted, prop = "Bank", "CheckPayment.BankAccountRef"
    elif pay_type == "CreditCard":
        account = (rec.get("CreditCardPayment") or {}).get("CCAccountRef")
        wanted, prop = "Credit Card", "CreditCardPayment.CCAccountRef"
    else:
        raise invalid_enum("PayType", pay_type)
    if not isinstance(account, dict):
        raise required(prop)
    found = company.find("Account", account["value"])
    if found is not None and found.get("AccountType") != wanted:
        raise business(f"{prop} must be a {wanted} account")
    if "TotalAmt" not in rec:
        raise required("TotalAmt")
    total = to_decimal(rec["TotalAmt"], "TotalAmt")
    if total < 0:
        raise business("TotalAmt cannot be negative")
    applied = _applications(
        company, rec, "BillPayment", self_id, "VendorRef", ("Bill", "VendorCredit")
    )
    net = sum((a if k == "Bill" else -a for (k, _), a in applied.items()), ZERO)
    if net > total:
        raise business(f"the payment applies {net} but its TotalAmt is {total}")
    _dates(company, rec, due=False)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))


def _journal_entry(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    debit = credit = ZERO
    for line in _lines(rec):
        if line["DetailType"] != "JournalEntryLineDetail":
            raise invalid_enum("Line.DetailType", line["DetailType"])
        amount = _amount(line)
        detail = line.get("JournalEntryLineDetail")
        if not isinstance(detail, dict):
            raise required("Line.JournalEntryLineDetail")
        posting = detail.get("PostingType")
        if posting is None:
            raise required("JournalEntryLineDetail.PostingType")
        if posting not in ("Debit", "Credit"):
            raise invalid_enum("PostingType", posting)
        if "AccountRef" not in detail:
            raise required("JournalEntryLineDetail.AccountRef")
        account = company.find("Account", detail["AccountRef"]["value"]) or {}
        needs = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}.get(
            account.get("AccountType", "")
        )
        entity: dict[str, Any] = detail.get("Entity") or {}
        named = (entity.get("EntityRef") or {}).get("value")
        # An A/R (A/P) line names its customer (vendor): Type and EntityRef (docs/remote-
        # shapes.md, QuickBooks, Journal entry); check_refs then finds the record.
        if needs and (entity.get("Type") != needs or not named):
            raise business(
                f"a line on an {account['AccountType']} account needs a {needs} in Entity"
            )
        if posting == "Debit":
            debit += amount
        else:
            credit += amount
    if debit != credit:
        raise business(f"Journal Entry must be balanced: debits {debit} != credits {credit}")
    _number_lines(rec["Line"], company.find("JournalEntry", self_id))
    _dates(company, rec, due=False)
    _doc_number(rec)
    rec.setdefault("CurrencyRef", dict(USD))
    rec["TotalAmt"] = debit


_HANDLERS = {
    "Account": _account,
    "Class": _class,
    "Department": _department,
    "Item": _item,
    "Customer": _customer,
    "Vendor": _vendor,
    "Invoice": _invoice,
    "CreditMemo": _credit_memo,
    "Bill": _bill,
    "VendorCredit": _vendor_credit,
    "Payment": _payment,
    "BillPayment": _bill_payment,
    "JournalEntry": _journal_entry,
}


def payment_targets(entity_name: str, rec: dict[str, Any]) -> set[tuple[str, str]]:
    """The (entity, id) pairs a payment record applies to."""
    if entity_name not in ("Payment", "BillPayment"):
        return set()
    out: set[tuple[str, str]] = set()
    for line in rec.get("Line", []) or []:
        for link in line.get("LinkedTxn", []) or []:
            out.add((link["TxnType"], str(link["TxnId"])))
    return out
