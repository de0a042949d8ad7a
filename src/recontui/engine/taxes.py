"""Sales tax on an invoice copied from billing to accounting: which tax code it takes. Pure.

A billing system charges an invoice's sales tax through one sales tax of its own (BILL:
the invoice's ``salesTaxItemId``, a sales-tax item with a rate) on the lines marked
taxable; the accounting system recomputes the tax itself from one tax code per invoice and
a TAX/NON mark per line (QuickBooks Online, US: ``TxnTaxDetail.TxnTaxCodeRef`` and each
line's ``TaxCodeRef``). The profile's *tax map* says which accounting tax code each
billing sales tax is (setting ``tax.<billing id>``, made in the setup's Tax mapping step).

:func:`tax_need` decides, for the record a write comes from, whether it charges sales tax
and whether that tax is mapped. A write of an invoice that charges an unmapped sales tax is
held (nothing is sent: the accounting system would compute another total); once mapped,
:func:`with_tax_code` gives the write the mapped code and marks every line taxable or not,
so the accounting system's recomputed total is the billing system's. An invoice whose
billing record charges no sales tax is written with every line marked not taxable
(:func:`charges_none`, :func:`without_tax`): a line sent without a mark takes its item's
taxability, so a company that charges sales tax would otherwise tax it and its total
would exceed the billing one. An accounting copy that holds a tax of its own (an invoice
made in the accounting system, whose tax the billing copy never had) keeps its marks.

The fields involved (``sales_tax``, ``tax_code``, a line's ``taxable``) are never merged or
compared: only billing maps ``sales_tax``, only accounting ``tax_code``, and ``taxable``
is not a synced line part. So a linked invoice never gets a conflict from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..model.refs import RemoteRef


@dataclass(frozen=True)
class TaxNeed:
    """What an invoice's copy needs for its sales tax."""

    #: The billing system's sales tax the invoice charges (its id), None when it charges none.
    sales_tax: str | None
    #: The accounting tax code the tax map gives it (its id), None when unmapped.
    tax_code: str | None

    @property
    def unmapped(self) -> bool:
        """The invoice charges a sales tax the tax map does not map: hold its copy."""
        return self.sales_tax is not None and self.tax_code is None


def ref_id(value: Any) -> str | None:
    """The remote id a reference holds (a ``RemoteRef`` or a plain id), None when blank."""
    if isinstance(value, RemoteRef):
        return value.remote_id or None
    if isinstance(value, str):
        return value.strip() or None
    return None


def tax_need(source: Mapping[str, Any] | None, tax_map: Mapping[str, str]) -> TaxNeed:
    """What the invoice ``source`` (its fields as the billing system holds them, references
    in that system's ids) needs: the sales tax it charges and the code the map gives it."""
    sales_tax = ref_id((source or {}).get("sales_tax"))
    if sales_tax is None:
        return TaxNeed(None, None)
    code = str(tax_map.get(sales_tax) or "").strip() or None
    return TaxNeed(sales_tax, code)


def with_tax_code(changes: Mapping[str, Any], tax_code: Any) -> dict[str, Any]:
    """``changes`` (a write to the accounting system) with the invoice's tax code and, when
    it writes lines, each line marked taxable or not: a line the billing system does not
    mark taxable is not (so the accounting system does not tax it by its item's default).
    ``changes`` is not changed."""
    out = dict(changes)
    out["tax_code"] = tax_code
    rows = out.get("lines")
    if isinstance(rows, list):
        out["lines"] = [
            {**row, "taxable": bool(row.get("taxable"))} if isinstance(row, Mapping) else row
            for row in rows
        ]
    return out


def charges_none(
    source: Mapping[str, Any] | None,
    target: Mapping[str, Any] | None,
    *,
    create: bool,
    tax_codes: bool,
) -> bool:
    """Whether a write of an invoice to the accounting system marks every line it writes
    not taxable: its billing record ``source`` charges no sales tax, the accounting system
    holds a tax code (``tax_codes``: it charges sales tax; without one it taxes nothing and
    a line is left unmarked, as before), and the write creates the copy or the copy
    ``target`` holds no tax (a copy with a tax of its own, made in the accounting system,
    keeps its lines' marks)."""
    if not tax_codes or ref_id((source or {}).get("sales_tax")) is not None:
        return False
    if create:
        return True
    tax = (target or {}).get("tax")
    return tax is None or (isinstance(tax, Decimal | int) and tax == 0)


def without_tax(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` (a write to the accounting system of an invoice that charges no sales
    tax) with every line it writes marked not taxable (no tax code is added). ``changes``
    is not changed."""
    out = dict(changes)
    rows = out.get("lines")
    if isinstance(rows, list):
        out["lines"] = [
            {**row, "taxable": False} if isinstance(row, Mapping) else row for row in rows
        ]
    return out


__all__ = ["TaxNeed", "charges_none", "ref_id", "tax_need", "with_tax_code", "without_tax"]
