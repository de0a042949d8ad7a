"""Step 6, Tax mapping: each billing sales tax to an accounting tax code. Headless.

The billing system (side a, BILL) charges an invoice's sales tax through a sales tax of its
own (a sales-tax item with a rate); the accounting system (side b, QuickBooks Online)
computes the tax again from a tax code. The tax map (profile settings ``tax.<billing id>``
= QuickBooks TaxCode id, audited like every setting) says which code each sales tax is. An
invoice that charges a sales tax the map leaves out is held by the run, never sent
(engine/taxes.py, run/taxes.py), so QuickBooks never recomputes a different total.

Everything here reads what a pull stored (the Accounting lists step reads both systems);
:func:`save_tax_map` is the one function the screen and the file-driven setup call.
Saving while a sales tax that invoices charge is unmapped is allowed: those invoices are
held (and the run says which tax to map), everything else syncs; :func:`held_words` says
how many, before the first sync, wherever the step is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..model import RemoteRef
from ..store import Profile, Store
from ..store.settings import TAX_PREFIX

#: The sides: billing holds the sales taxes, accounting the tax codes.
BILLING, ACCOUNTING = "a", "b"
_LIVE = "merged_into IS NULL AND {side}_fields IS NOT NULL AND {side}_deleted = 0"


@dataclass(frozen=True)
class BillingTax:
    """One billing sales tax, and how many invoices charge it."""

    id: str
    name: str
    rate: Decimal | None
    active: bool
    invoices: int


@dataclass(frozen=True)
class TaxCode:
    """One accounting tax code a sales tax can map to."""

    id: str
    name: str
    description: str


def _live(store: Store, profile: Profile, entity: str, side: str) -> list[dict[str, object]]:
    """The fields of each record of ``entity`` a pull stored for ``side`` (its id under
    ``"_id"``), in link order."""
    out = []
    for link in store.links(profile.id, entity, where=_LIVE.format(side=side)):
        fields = link.a_fields if side == BILLING else link.b_fields
        remote_id = link.a_id if side == BILLING else link.b_id
        if fields is not None and remote_id:
            out.append({**fields, "_id": remote_id})
    return out


def used_by_invoices(store: Store, profile: Profile) -> dict[str, int]:
    """Billing sales tax id -> how many of the billing system's invoices charge it."""
    used: Counter[str] = Counter()
    for fields in _live(store, profile, "invoice", BILLING):
        tax = fields.get("sales_tax")
        tax_id = tax.remote_id if isinstance(tax, RemoteRef) else None
        if tax_id:
            used[tax_id] += 1
    return dict(used)


def billing_tax_codes(store: Store, profile: Profile) -> list[BillingTax]:
    """The billing system's sales taxes a pull read, those invoices charge first (then by
    name); a sales tax an invoice charges that the pull did not bring is listed by its id."""
    used = used_by_invoices(store, profile)
    found: dict[str, BillingTax] = {}
    for fields in _live(store, profile, "sales_tax", BILLING):
        tax_id = str(fields["_id"])
        rate = fields.get("rate")
        found[tax_id] = BillingTax(
            tax_id,
            str(fields.get("name") or tax_id),
            rate if isinstance(rate, Decimal) else None,
            fields.get("active") is not False,
            used.get(tax_id, 0),
        )
    for tax_id, count in used.items():
        found.setdefault(tax_id, BillingTax(tax_id, tax_id, None, True, count))
    return sorted(found.values(), key=lambda t: (t.invoices == 0, t.name.casefold(), t.id))


def accounting_tax_codes(store: Store, profile: Profile) -> list[TaxCode]:
    """The accounting system's active tax codes a pull read, by name."""
    codes = [
        TaxCode(str(f["_id"]), str(f.get("name") or f["_id"]), str(f.get("description") or ""))
        for f in _live(store, profile, "tax_code", ACCOUNTING)
        if f.get("active") is not False
    ]
    return sorted(codes, key=lambda c: (c.name.casefold(), c.id))


def tax_map(store: Store, profile: Profile) -> dict[str, str]:
    """The saved tax map: billing sales tax id -> accounting tax code id."""
    return dict(store.profile_settings(profile.id).tax_map)


def held_count(store: Store, profile: Profile, mapping: Mapping[str, str | None]) -> int:
    """How many invoices a sync would hold with ``mapping``: those charging a sales tax it
    leaves unmapped."""
    used = used_by_invoices(store, profile)
    return sum(count for tax_id, count in used.items() if not mapping.get(tax_id))


def held_words(
    store: Store, profile: Profile, mapping: Mapping[str, str | None], *, billing: str = "BILL"
) -> str:
    """One sentence on what the first sync does with the invoices that charge sales tax."""
    taxes = billing_tax_codes(store, profile)
    used = [t for t in taxes if t.invoices]
    if not taxes:
        return f"{billing} charges no sales tax on any invoice: there is nothing to map."
    held = held_count(store, profile, mapping)
    if not used:
        return f"No {billing} invoice charges a sales tax: nothing will be held."
    if held == 0:
        return "Every sales tax an invoice charges is mapped: no invoice will be held."
    unmapped = [t.name for t in used if not mapping.get(t.id)]
    some = "invoice" if held == 1 else "invoices"
    return (
        f"{held} {some} will be held, not copied, until you map "
        f"{', '.join(repr(n) for n in unmapped)}; everything else syncs."
    )


def save_tax_map(
    store: Store, profile: Profile, mapping: Mapping[str, str | None], actor: str
) -> str | None:
    """Check and save the tax map; a sentence saying what is wrong (nothing saved), or None.

    ``mapping``: billing sales tax id -> accounting tax code id, None or "" to leave it
    unmapped. Each must be a sales tax and an active tax code the pull read. A sales tax
    left unmapped is allowed: its invoices are held by the run (see the module)."""
    taxes = {t.id: t for t in billing_tax_codes(store, profile)}
    codes = {c.id: c for c in accounting_tax_codes(store, profile)}
    for tax_id, code in mapping.items():
        if tax_id not in taxes:
            return (
                f"{tax_id!r} is not a BILL sales tax this profile has read: go back to "
                "Accounting lists to read both systems again."
            )
        if code and code not in codes:
            return (
                f"{code!r} is not an active QuickBooks Online tax code (for "
                f"{taxes[tax_id].name!r}): choose one of the list."
            )
    saved = store.settings(profile.id)
    with store.transaction():
        for tax_id, code in mapping.items():
            key, value = TAX_PREFIX + tax_id, code or ""
            if saved.get(key, "") != value:
                store.set_setting(profile.id, key, value, actor=actor)
    return None


__all__ = [
    "BillingTax",
    "TaxCode",
    "accounting_tax_codes",
    "billing_tax_codes",
    "held_count",
    "held_words",
    "save_tax_map",
    "tax_map",
    "used_by_invoices",
]
