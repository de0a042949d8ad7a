"""Customer credit memos in a seeded pair of companies (``SandboxConfig.credit_memos``).

Added after the scenario's own records, through each company's own write path (BILL
``POST /v3/credit-memos``: customerId, referenceNumber, creditDate and creditMemoLineItems,
https://developer.bill.com/docs/ar-credit-memos; a QuickBooks ``CreditMemo`` is a sales form
with CustomerRef and SalesItemLineDetail lines), so the scenario itself is unchanged (its
digest is pinned by the tests): one credit memo both systems hold alike, one only in BILL
and one only in QuickBooks, each for a customer both systems hold.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .bill_resources import BY_PATH
from .bill_store import BillOrg
from .qbo_entities import BY_NAME as QBO_ENTITIES
from .qbo_store import QboCompany

CENT = Decimal("0.01")

#: (number, days before the anchor, [(description, quantity, price)], held by)
CREDIT_MEMOS: tuple[tuple[str, int, tuple[tuple[str, Decimal, Decimal], ...], str], ...] = (
    ("CM-3001", 9, (("Returned desk lamp", Decimal(1), Decimal("45.50")),), "both"),
    (
        "CM-3002",
        5,
        (
            ("Overbilled consulting", Decimal("1.5"), Decimal("120.00")),
            ("Shipping refund", Decimal(1), Decimal("12.35")),
        ),
        "bill",
    ),
    ("CM-3003", 2, (("Service credit", Decimal(2), Decimal("33.33")),), "qbo"),
)


def seed_credit_memos(
    org: BillOrg, company: QboCompany, ids: dict[str, dict[str, str]], anchor: date
) -> None:
    """Add :data:`CREDIT_MEMOS`; their ids go to ``ids`` (side -> ``cm:<number>`` -> id)."""
    bill_customer = ids.get("bill", {}).get("cust:1")
    qbo_customer = ids.get("qbo", {}).get("cust:1")
    if bill_customer is None or qbo_customer is None:
        return
    for number, days_ago, lines, held in CREDIT_MEMOS:
        day = (anchor - timedelta(days=days_ago)).isoformat()
        if held in ("both", "bill"):
            body: dict[str, Any] = {
                "customerId": bill_customer,
                "referenceNumber": number,
                "creditDate": day,
                "description": "Customer credit",
                "creditMemoLineItems": [
                    {
                        "description": text,
                        "quantity": qty,
                        "price": price,
                        "amount": (qty * price).quantize(CENT),
                    }
                    for text, qty, price in lines
                ],
            }
            made = org.create(BY_PATH["credit-memos"], body)
            ids.setdefault("bill", {})[f"cm:{number}"] = made["id"]
        if held in ("both", "qbo"):
            rec = company.save(
                QBO_ENTITIES["CreditMemo"],
                {
                    "CustomerRef": {"value": qbo_customer},
                    "DocNumber": number,
                    "TxnDate": day,
                    "PrivateNote": "Customer credit",
                    "Line": [
                        {
                            "DetailType": "SalesItemLineDetail",
                            "Amount": (qty * price).quantize(CENT),
                            "Description": text,
                            "SalesItemLineDetail": {"Qty": qty, "UnitPrice": price},
                        }
                        for text, qty, price in lines
                    ],
                },
            )
            ids.setdefault("qbo", {})[f"cm:{number}"] = rec["Id"]
