"""What the signed-in BILL user's role lets it reach: the stand-in's model of BILL's
default user roles.

The roles are BILL's defaults: Administrator, Accountant, Approver, Payer, Clerk, Auditor
and Custom (https://developer.bill.com/reference/org-basic-getprofilepermissions). What
each may do comes from BILL's Help Center (User roles and permissions,
https://vendorpayhelp.bill.com/hc/en-us/articles/360007958352): an Administrator has
access to all functions; an Accountant enters bills, records payments and "sets up and
runs the sync"; a Clerk "only enters bills" (and vendors, per the Help Center's business
scenarios); an Approver reviews bills and vendor credits; a Payer records and pays bills.
Which API lists each role may read is on no vendor page [U]: the table below follows
those words, and a list a role may not reach answers HTTP 403 (BILL's error page lists
4XX "unauthorized, forbidden"; the code is on no vendor page, see ``bill_errors``).
An Auditor reads everything and writes nothing [U]; a Custom role is modelled as one
made without the sync permissions (as a Clerk) [U].
"""

from __future__ import annotations

from collections.abc import Mapping

from .bill_errors import permission_denied

ROLES = ("Administrator", "Accountant", "Approver", "Payer", "Clerk", "Auditor", "Custom")

#: role -> the resources it may reach; None: every one.
_REACH: Mapping[str, frozenset[str] | None] = {
    "Administrator": None,
    "Accountant": None,
    "Auditor": None,
    "Approver": frozenset({"bills", "vendor-credits", "vendors"}),
    "Payer": frozenset({"bills", "payments", "vendors"}),
    "Clerk": frozenset({"bills", "vendors"}),
    "Custom": frozenset({"bills", "vendors"}),
}
#: Roles that read but never write.
_READ_ONLY = frozenset({"Auditor"})


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown BILL user role {role!r}; known: {', '.join(ROLES)}")


def check_access(role: str, resource: str, method: str) -> None:
    """Raise BILL's refusal when ``role`` may not ``method`` the ``resource`` (its path,
    e.g. ``classifications/chart-of-accounts``)."""
    reach = _REACH[role]
    if reach is not None and resource not in reach:
        raise permission_denied(role)
    if role in _READ_ONLY and method != "GET":
        raise permission_denied(role)


__all__ = ["ROLES", "check_access", "check_role"]
