"""The ``conflicts`` scenario: the demo company after both sides were edited by hand.

Differences are made as later updates (not as different creates), so QBO records carry
a SyncToken above 0 and recent timestamps, as real hand edits would.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import seed_words as W
from .jsonio import clone
from .seed import SIDES, money

if TYPE_CHECKING:
    from .seed import _Builder


def _edit(
    b: _Builder,
    rng: random.Random,
    entity: str,
    rec: dict[str, Any],
    side: str,
    change: dict[str, Any],
) -> None:
    """Emit an update carrying that side's full record after the change."""
    fields = clone(rec.setdefault(f"fields_{side}", clone(rec["fields"])))
    fields.update(change)
    rec[f"fields_{side}"] = fields
    on = b.anchor - timedelta(days=rng.randint(1, 10))
    b.emit(b.stamp(on), side, "update", entity, rec["key"], fields)


def _domain(fields: dict[str, Any]) -> str:
    return fields["email"].split("@", 1)[1]


def _phone(rng: random.Random, fields: dict[str, Any]) -> str:
    area = fields["phone"][1:4]
    current = fields["phone"]
    while True:
        phone = f"({area}) 555-01{rng.randint(0, 99):02d}"
        if phone != current:
            return phone


def _double_space(name: str) -> str:
    return name.replace(" ", "  ", 1) if " " in name else name + " "


def _party_edits(
    b: _Builder, rng: random.Random, entity: str, rec: dict[str, Any], kind: str
) -> None:
    f = rec["fields"]
    if kind == "email":
        _edit(b, rng, entity, rec, "bill", {"email": f"accounts.payable@{_domain(f)}"})
    elif kind == "phone":
        _edit(b, rng, entity, rec, "qbo", {"phone": _phone(rng, f)})
    elif kind == "address":
        city, region, zip_prefix, _area = rng.choice([c for c in W.CITIES if c[0] != f["city"]])
        _edit(
            b,
            rng,
            entity,
            rec,
            "qbo",
            {
                "address_line1": f"{rng.randint(10, 9999)} {rng.choice(W.STREETS)}",
                "city": city,
                "region": region,
                "postal_code": f"{zip_prefix}{rng.randint(1, 99):02d}",
            },
        )
    elif kind == "company":
        _edit(b, rng, entity, rec, "bill", {"company_name": f"{f['name']} Holdings LLC"})
    elif kind == "email_both":
        _edit(b, rng, entity, rec, "qbo", {"email": f"owner@{_domain(f)}"})
        _edit(b, rng, entity, rec, "bill", {"email": f"finance@{_domain(f)}"})
    elif kind == "phone_both":
        first = _phone(rng, f)
        _edit(b, rng, entity, rec, "qbo", {"phone": first})
        second = _phone(rng, f)
        while second == first:
            second = _phone(rng, f)
        _edit(b, rng, entity, rec, "bill", {"phone": second})
    elif kind == "address_both":
        _edit(b, rng, entity, rec, "qbo", {"address_line1": f"{rng.randint(10, 999)} Alder St"})
        _edit(
            b, rng, entity, rec, "bill", {"address_line1": f"{rng.randint(1000, 9999)} Division St"}
        )
    elif kind == "company_phone":
        _edit(b, rng, entity, rec, "qbo", {"company_name": f"{f['name']} Group"})
        _edit(b, rng, entity, rec, "bill", {"phone": _phone(rng, f)})
    elif kind == "cosmetic_lower":
        _edit(b, rng, entity, rec, "bill", {"name": f["name"].lower()})
    elif kind == "cosmetic_space":
        _edit(b, rng, entity, rec, "qbo", {"name": _double_space(f["name"])})
    elif kind == "cosmetic_upper":
        _edit(b, rng, entity, rec, "qbo", {"name": f["name"].upper()})
    rec.setdefault("conflict", []).append(kind)


REAL = (
    "email",
    "phone",
    "address",
    "company",
    "email_both",
    "phone_both",
    "address_both",
    "company_phone",
)


def _reprice(
    line: dict[str, Any], *, quantity: Decimal | None = None, unit_price: Decimal | None = None
) -> dict[str, Any]:
    line = dict(line)
    if quantity is not None:
        line["quantity"] = quantity
    if unit_price is not None:
        line["unit_price"] = unit_price
    line["amount"] = money(line["quantity"] * line["unit_price"])
    return line


def add_conflicts(b: _Builder, rng: random.Random) -> None:
    # (in this order: each draws from ``rng``, and the seeded companies are pinned)
    _customer_conflicts(b, rng)
    _vendor_conflicts(b, rng)
    cutoff = b.anchor - timedelta(days=12)
    _invoice_conflicts(b, rng, cutoff)
    _bill_conflicts(b, rng, cutoff)


def _due(rec: dict[str, Any], days: int) -> str:
    return (date.fromisoformat(rec["fields"]["due_date"]) + timedelta(days=days)).isoformat()


def _customer_conflicts(b: _Builder, rng: random.Random) -> None:
    customers = [c for c in b.customers if c["sides"] == SIDES and c.get("active", True)]
    picks = rng.sample(customers, len(REAL) + 4)
    for rec, kind in zip(
        picks, (*REAL, "cosmetic_lower", "cosmetic_space", "cosmetic_upper"), strict=False
    ):
        _party_edits(b, rng, "customer", rec, kind)
    # The ambiguous case: a second QBO customer shares the email of one on both sides.
    base = picks[-1]
    twin: dict[str, Any] = {
        "key": "cust:twin",
        "sides": ("qbo",),
        "conflict": ["ambiguous_email"],
        "fields": {**base["fields"], "name": f"{base['fields']['name']} (Annex)"},
    }
    base.setdefault("conflict", []).append("ambiguous_email")
    b.customers.append(twin)
    b.names.add(twin["fields"]["name"].casefold())
    b.create(
        b.stamp(b.anchor - timedelta(days=rng.randint(2, 9))),
        "customer",
        twin["key"],
        twin["fields"],
        ("qbo",),
    )


def _vendor_conflicts(b: _Builder, rng: random.Random) -> None:
    vendors = [v for v in b.vendors if v["sides"] == SIDES and v.get("active", True)]
    for rec, kind in zip(
        rng.sample(vendors, 8), (*REAL[:6], "cosmetic_lower", "cosmetic_space"), strict=True
    ):
        _party_edits(b, rng, "vendor", rec, kind)


def _invoice_conflicts(b: _Builder, rng: random.Random, cutoff: date) -> None:
    invoices = [
        i for i in b.invoices if i["sides"] == SIDES and not i["paid"] and i["date"] <= cutoff
    ]
    inv = rng.sample(invoices, 6)

    _edit(b, rng, "invoice", inv[0], "bill", {"due_date": _due(inv[0], 15)})
    _edit(b, rng, "invoice", inv[1], "qbo", {"due_date": _due(inv[1], 10)})
    _edit(b, rng, "invoice", inv[2], "qbo", {"memo": "Revised scope per call"})
    _edit(b, rng, "invoice", inv[3], "qbo", {"memo": "Approved by J. Rossi"})
    _edit(b, rng, "invoice", inv[3], "bill", {"memo": "Approved - see email"})
    lines = inv[4]["fields"]["lines"]
    _edit(
        b,
        rng,
        "invoice",
        inv[4],
        "bill",
        {"lines": [_reprice(lines[0], quantity=lines[0]["quantity"] + 1), *lines[1:]]},
    )
    lines = inv[5]["fields"]["lines"]
    _edit(
        b,
        rng,
        "invoice",
        inv[5],
        "qbo",
        {"lines": [_reprice(lines[0], unit_price=lines[0]["unit_price"] + 10), *lines[1:]]},
    )
    for rec, kind in zip(
        inv, ("due_date", "due_date", "memo", "memo", "line_amount", "line_amount"), strict=True
    ):
        rec.setdefault("conflict", []).append(kind)


def _bill_conflicts(b: _Builder, rng: random.Random, cutoff: date) -> None:
    bills = [x for x in b.bills if x["sides"] == SIDES and not x["paid"] and x["date"] <= cutoff]
    bl = rng.sample(bills, 4)
    _edit(b, rng, "bill", bl[0], "bill", {"due_date": _due(bl[0], 7)})
    _edit(b, rng, "bill", bl[1], "qbo", {"memo": "Disputed - waiting on credit"})
    lines = bl[2]["fields"]["lines"]
    _edit(
        b,
        rng,
        "bill",
        bl[2],
        "bill",
        {"lines": [{**lines[0], "amount": lines[0]["amount"] + Decimal("25.00")}, *lines[1:]]},
    )
    lines = bl[3]["fields"]["lines"]
    _edit(
        b,
        rng,
        "bill",
        bl[3],
        "qbo",
        {"lines": [{**lines[0], "description": "Corrected description (QBO)"}, *lines[1:]]},
    )
    _edit(
        b,
        rng,
        "bill",
        bl[3],
        "bill",
        {"lines": [{**lines[0], "description": "Corrected description (BILL)"}, *lines[1:]]},
    )
    for rec, kind in zip(bl, ("due_date", "memo", "line_amount", "line_description"), strict=True):
        rec.setdefault("conflict", []).append(kind)
