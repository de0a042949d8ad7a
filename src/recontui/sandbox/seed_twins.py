"""Near-duplicates in a seeded pair of companies (``SandboxConfig.near_duplicates``): the
same customer or vendor entered in each system a little differently, as bookkeepers find
them when they first connect two sets of books ("Northwind Traders, Inc." in BILL,
"Northwind Traders Inc" in QuickBooks). The setup's Match review suggests them as pairs
(engine/fuzzy.py); the engine never creates them twice.

Added after the scenario's own records, through each company's own write path (BILL's
required vendor fields: name, accountType, email, phone; a QuickBooks customer or vendor
needs a DisplayName), so the scenario itself is unchanged.
"""

from __future__ import annotations

from typing import Any

from .bill_resources import BY_PATH
from .bill_store import BillOrg
from .qbo_entities import BY_NAME as QBO_ENTITIES
from .qbo_store import QboCompany

#: (entity, BILL body, QuickBooks body): four pairs a person should see before linking.
TWINS: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    (
        "customer",
        {"name": "Northwind Traders, Inc.", "email": "ap@northwind.example"},
        {
            "DisplayName": "Northwind Traders Inc",
            "PrimaryEmailAddr": {"Address": "ap@northwind.example"},
        },
    ),
    (
        "customer",
        {"name": "Blue Heron Cafe", "email": "hello@blueheron.example", "phone": "5035550187"},
        {"DisplayName": "Blue Heron Café", "PrimaryPhone": {"FreeFormNumber": "(503) 555-0187"}},
    ),
    (
        "customer",
        {"name": "Harbor Freight & Marine", "email": "ap@harborfm.example"},
        {
            "DisplayName": "Harbour Freight and Marine",
            "PrimaryEmailAddr": {"Address": "accounts@harborfm.example"},
        },
    ),
    (
        "vendor",
        {
            "name": "Pacific Paper Supply Co.",
            "accountType": "BUSINESS",
            "email": "orders@pacificpaper.example",
            "phone": "5035550144",
        },
        {
            "DisplayName": "Pacific Paper Supply Company",
            "PrimaryPhone": {"FreeFormNumber": "503-555-0144"},
        },
    ),
)

_BILL_PATH = {"customer": "customers", "vendor": "vendors"}
_QBO_NAME = {"customer": "Customer", "vendor": "Vendor"}


def seed_twins(org: BillOrg, company: QboCompany, ids: dict[str, dict[str, str]]) -> None:
    """Add each pair of :data:`TWINS`, one record in each system; their ids go to ``ids``
    (side -> seed key -> id; keys ``twin:<n>``)."""
    for n, (entity, bill_body, qbo_body) in enumerate(TWINS, 1):
        made = org.create(BY_PATH[_BILL_PATH[entity]], dict(bill_body))
        ids.setdefault("bill", {})[f"twin:{n}"] = made["id"]
        rec = company.save(QBO_ENTITIES[_QBO_NAME[entity]], dict(qbo_body))
        ids.setdefault("qbo", {})[f"twin:{n}"] = rec["Id"]
