"""BILL sales tax in a seeded organisation (``SandboxConfig.bill_sales_tax``).

Sales-tax items are BILL items of type SALES_TAX with their rate in ``percentage``, and an
invoice charges one by ``salesTaxItemId`` on its taxable lines (BILL's Postman collection
"BILL v3 API": "Create an item" and the invoice response schema; docs/remote-shapes.md).
Added after the scenario's own records, through the organisation's own write path, so the
scenario itself is unchanged: two sales taxes (one charged, one not), and two invoices of
BILL's own for a customer both systems hold, each with a taxable line and one that is not.
The rate of the charged one is the seeded QuickBooks "California" code's (7.25 + 1.375), and
the taxable amounts are chosen so both systems' rounding agree to the cent.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .bill_resources import BY_PATH
from .bill_store import BillOrg

#: (seed key, name, percentage); the first is charged by the invoices below.
SALES_TAXES = (
    ("salestax:CA", "CA + SF Sales Tax 8.625%", Decimal("8.625")),
    ("salestax:OR", "Oregon (no sales tax)", Decimal("0")),
)
#: (number, days before the anchor, taxable amount as quantity x price, untaxed amount)
TAXED_INVOICES = (
    ("T-2001", 6, (Decimal("2"), Decimal("100.00")), Decimal("50.00")),
    ("T-2002", 3, (Decimal("4"), Decimal("150.00")), Decimal("25.00")),
)


def seed_sales_tax(org: BillOrg, ids: dict[str, str], anchor: date) -> None:
    """Add the sales taxes and the invoices that charge one to ``org``; their ids go to
    ``ids`` (seed key -> BILL id)."""
    items = BY_PATH["classifications/items"]
    for key, name, percent in SALES_TAXES:
        made = org.create(items, {"name": name, "type": "SALES_TAX", "percentage": percent})
        ids[key] = made["id"]
    customer, item = ids.get("cust:1"), ids.get("item:Consulting Hour")
    if customer is None:
        return
    for number, days_ago, (quantity, price), untaxed in TAXED_INVOICES:
        day = anchor - timedelta(days=days_ago)
        taxed_line: dict[str, Any] = {
            "amount": quantity * price,
            "description": "Consulting, per hour",
            "quantity": quantity,
            "price": price,
            "taxable": True,
        }
        if item is not None:
            taxed_line["classifications"] = {"itemId": item}
        body = {
            "customerId": customer,
            "invoiceNumber": number,
            "invoiceDate": day.isoformat(),
            "dueDate": (day + timedelta(days=30)).isoformat(),
            "salesTaxItemId": ids["salestax:CA"],
            "invoiceLineItems": [
                taxed_line,
                {"amount": untaxed, "description": "Travel", "quantity": Decimal(1)},
            ],
        }
        ids[f"inv:{number}"] = org.create(BY_PATH["invoices"], body)["id"]
