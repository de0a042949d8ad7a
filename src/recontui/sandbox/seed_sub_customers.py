"""QuickBooks sub-customers and jobs in a seeded pair of companies
(``SandboxConfig.sub_customers``).

Added after the scenario's own records, through the QuickBooks company's own write path
(``Job: true`` and a ``ParentRef``, as {entities}/customer says a sub-customer is created),
so the scenario itself is unchanged (its digest is pinned by the tests): a job under the
first seeded customer, and a sub-job under that job (three levels: "Parent:Job:Sub-job").
BILL gets none: no BILL page documents a parent on a customer (docs/remote-shapes.md,
Customer hierarchy), so BILL holds each job as a customer of its own once a sync copies it.
"""

from __future__ import annotations

from .qbo_entities import BY_NAME as QBO_ENTITIES
from .qbo_store import QboCompany

#: (seed key, DisplayName, e-mail, phone, parent's seed key). A job's e-mail is its own: a
#: BILL customer requires one (ar-customers), and one shared with its parent would make the
#: two indistinguishable by e-mail when a first sync matches them.
SUB_CUSTOMERS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "job:storefront",
        "Storefront renovation",
        "projects@oneilbakery.co",
        "(503) 555-0141",
        "cust:1",
    ),
    (
        "job:signage",
        "Storefront signage",
        "signage@oneilbakery.co",
        "(503) 555-0142",
        "job:storefront",
    ),
)


def seed_sub_customers(company: QboCompany, ids: dict[str, dict[str, str]]) -> None:
    """Add :data:`SUB_CUSTOMERS` to QuickBooks; their ids go to ``ids["qbo"]``."""
    qbo_ids = ids.get("qbo", {})
    if "cust:1" not in qbo_ids:
        return
    for key, name, email, phone, parent_key in SUB_CUSTOMERS:
        rec = company.save(
            QBO_ENTITIES["Customer"],
            {
                "DisplayName": name,
                "PrimaryEmailAddr": {"Address": email},
                "PrimaryPhone": {"FreeFormNumber": phone},
                "Job": True,
                "ParentRef": {"value": qbo_ids[parent_key]},
            },
        )
        qbo_ids[key] = rec["Id"]
