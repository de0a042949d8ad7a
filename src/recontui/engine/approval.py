"""Only approved bills: whether a BILL record waits for its approval before it is copied.

Pure: the runner (run/matching.py ``create_unmatched``) asks it before planning a create.
BILL's v3 bills carry a read-only ``approvalStatus``
(https://developer.bill.com/changelog/2025-09-22-new-in-v3-bill-approvals: its sample shows
``ASSIGNED`` for a bill waiting for its approvers; no page found lists every value, so any
value but ``APPROVED`` waits), read into the canonical ``approval`` field. A bill without
one has no approval policy to wait for, so it is not held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The entities BILL approves (only bills carry an approval status in BILL's v3 pages).
APPROVAL_ENTITIES = frozenset({"bill"})
APPROVED = "APPROVED"
#: Why a held record is not copied, said in the run log and the dry-run plan.
WAITING_WHY = "only approved bills are copied (Preferences)"


def waits_for_approval(
    entity: str, side: str, fields: Mapping[str, Any], *, only_approved: bool
) -> bool:
    """Whether a record found in BILL (side "a") only is kept from being created in the
    accounting system until it is approved there."""
    if not only_approved or side != "a" or entity not in APPROVAL_ENTITIES:
        return False
    status = fields.get("approval")
    return status not in (None, "") and str(status).strip().upper() != APPROVED
