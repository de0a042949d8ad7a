"""The QuickBooks Online customer hierarchy: sub-customers and jobs.

From the Customer reference page
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer):

- "create sub-customer and job objects: Set ``Job`` to true and set ``ParentRef`` to
  reference parent customer object"; ``ParentRef`` is "Required for the create operation if
  this object is a sub-customer or Job" (so a create saying ``Job: true`` without one is
  refused with 2020, as any missing required property);
- "Up to four levels of nesting can be defined under a top-level parent Customer object";
  ``Level`` (read only, system defined, default 0) "Specifies the level of the hierarchy in
  which the entity is located"; ``FullyQualifiedName`` (read only, system defined) "prepends
  the topmost parent, followed by each sub element separated by colons ... Limited to 5
  levels";
- ``BillWithParent`` (default false) "is valid only if this entity is a Job or sub
  Customer".

What the page leaves unsaid, kept lenient and marked [U] in docs/remote-shapes.md: the
answer to a fifth level of nesting or to a customer made its own ancestor (refused here
with 6000, a business validation error); ``Job`` on an update (it follows ``ParentRef``,
so a sparse update clearing ``ParentRef`` makes a top-level customer); a top-level
customer's ``BillWithParent: true`` (kept false); whether the descendants of a customer
renamed or moved change version (their ``FullyQualifiedName`` and ``Level`` are brought up
to date in place, their ``SyncToken`` left alone).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .qbo_faults import business, invalid_reference, required

if TYPE_CHECKING:
    from .qbo_store import QboCompany

#: Levels of nesting under a top-level customer ("Up to four levels of nesting").
MAX_LEVEL = 4


def parent_id(rec: dict[str, Any]) -> str | None:
    ref = rec.get("ParentRef")
    value = ref.get("value") if isinstance(ref, dict) else None
    return None if value in (None, "") else str(value)


def place(company: QboCompany, rec: dict[str, Any], self_id: str | None) -> None:
    """Check ``rec``'s parent and fill ``Job``, ``Level`` and ``BillWithParent``."""
    parent = parent_id(rec)
    if parent is None:
        if self_id is None and rec.get("Job") in (True, "true"):
            raise required("ParentRef", "ParentRef is required to create a sub-customer or Job")
        rec.pop("ParentRef", None)
        rec["Job"] = False
        if rec.get("BillWithParent") in (True, "true"):
            rec["BillWithParent"] = False
        return
    level = _level_under(company, parent, self_id)
    if level + _depth_below(company, self_id) > MAX_LEVEL:
        raise business(
            "A customer can be nested at most four levels under its top-level parent "
            f"(ParentRef={parent})"
        )
    rec["Job"] = True
    rec["Level"] = level
    rec.setdefault("BillWithParent", False)


def _level_under(company: QboCompany, parent: str, self_id: str | None) -> int:
    """The level a child of ``parent`` sits at; refuses an unknown parent and a cycle."""
    level = 0
    current: str | None = parent
    while current is not None:
        if current == self_id:
            raise business(f"A customer cannot be its own parent or ancestor (ParentRef={parent})")
        found = company.find("Customer", current)
        if found is None:
            raise invalid_reference("ParentRef", current)
        level += 1
        current = parent_id(found)
        if level > MAX_LEVEL + 1:  # a damaged chain: never loop for ever
            break
    return level


def children(company: QboCompany, ident: str) -> Iterator[dict[str, Any]]:
    for _child_id, rec in company.rows("Customer"):
        if parent_id(rec) == ident:
            yield rec


def _depth_below(company: QboCompany, ident: str | None) -> int:
    """How many levels of descendants ``ident`` has (0: none, or a new customer)."""
    if ident is None:
        return 0
    deepest = 0
    for child in children(company, ident):
        deepest = max(deepest, 1 + _depth_below(company, str(child["Id"])))
    return deepest


def after_save(
    company: QboCompany,
    entity_name: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Once a customer is renamed or moved, its descendants' names follow."""
    if entity_name != "Customer" or before is None:
        return
    if before.get("FullyQualifiedName") != after.get("FullyQualifiedName"):
        refresh_descendants(company, after)


def refresh_descendants(company: QboCompany, rec: dict[str, Any]) -> None:
    """Bring the ``FullyQualifiedName`` and ``Level`` of ``rec``'s descendants up to date
    (after it was renamed or moved)."""
    prefix = str(rec.get("FullyQualifiedName") or rec.get("DisplayName"))
    level = int(rec.get("Level", 0))
    for child in children(company, str(rec["Id"])):
        child["FullyQualifiedName"] = f"{prefix}:{child.get('DisplayName')}"
        child["Level"] = level + 1
        refresh_descendants(company, child)
