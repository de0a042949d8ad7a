"""A customer's parent (the QuickBooks customer:job hierarchy) in the two mappings.

QuickBooks Online: a sub-customer or job is a Customer with ``Job: true`` and a
``ParentRef`` (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/
all-entities/customer); canonical ``parent``. BILL: no page documents a parent on a
customer (https://developer.bill.com/docs/ar-customers, and BILL's Postman collection's
create, update and read of a customer), so ``bill_map`` maps none and never writes one.
The field is one-sided: not in the synced set, so never merged, compared or copied.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from recontui.connectors import bill_map, qbo_map
from recontui.connectors.http import loads_json
from recontui.connectors.values import MappingError
from recontui.model import ENTITIES, Ref, RemoteRef

META = {"CreateTime": "2026-03-01T10:00:00-08:00", "LastUpdatedTime": "2026-03-02T10:00:00-08:00"}


def wire(obj: dict[str, Any]) -> dict[str, Any]:
    return loads_json(json.dumps(obj))


def served_job(**over: Any) -> dict[str, Any]:
    """A job as {entities}/customer serves it: its DisplayName is its own, its
    FullyQualifiedName its parent's followed by it."""
    job = {
        "Id": "38",
        "SyncToken": "0",
        "DisplayName": "Storefront renovation",
        "FullyQualifiedName": "O'Neil Bakery:Storefront renovation",
        "PrimaryEmailAddr": {"Address": "projects@oneilbakery.co"},
        "Job": True,
        "BillWithParent": False,
        "Level": 1,
        "ParentRef": {"value": "1", "name": "O'Neil Bakery"},
        "Active": True,
        "CurrencyRef": {"value": "USD"},
        "MetaData": META,
    }
    job.update(over)
    return job


def test_a_served_job_reads_its_parent_and_keeps_its_own_name() -> None:
    record = qbo_map.from_qbo("customer", wire(served_job()))
    assert record.fields["parent"] == RemoteRef("customer", "1")
    assert not isinstance(record.fields["parent"], Ref)
    # The name is the DisplayName, never the fully qualified one.
    assert record.fields["name"] == "Storefront renovation"


def test_a_top_level_customer_has_no_parent() -> None:
    top = served_job(Id="1", DisplayName="O'Neil Bakery", FullyQualifiedName="O'Neil Bakery")
    del top["ParentRef"], top["Level"]
    top["Job"] = False
    assert qbo_map.from_qbo("customer", wire(top)).fields["parent"] is None


def test_a_create_with_a_parent_sends_parent_ref_and_job() -> None:
    body = qbo_map.to_qbo(
        "customer", {"name": "Storefront signage", "parent": RemoteRef("customer", "38")}
    )
    assert body == {
        "DisplayName": "Storefront signage",
        "ParentRef": {"value": "38"},
        "Job": True,
    }


def test_a_create_without_a_parent_says_nothing_of_jobs() -> None:
    """As every create did before: QuickBooks defaults ``Job`` to false."""
    for fields in ({"name": "O'Neil Bakery"}, {"name": "O'Neil Bakery", "parent": None}):
        body = qbo_map.to_qbo("customer", fields)
        assert body == {"DisplayName": "O'Neil Bakery"}


def test_a_sparse_update_moves_or_clears_the_parent() -> None:
    moved = qbo_map.to_qbo("customer", {"parent": RemoteRef("customer", "2")}, sparse=True)
    assert moved == {"ParentRef": {"value": "2"}, "Job": True}
    cleared = qbo_map.to_qbo("customer", {"parent": None}, sparse=True)
    assert cleared == {"ParentRef": None, "Job": False}


def test_an_update_of_other_fields_leaves_parent_and_job_alone() -> None:
    """A sparse update changes only what it names ({entities}/customer), so a job edited
    elsewhere keeps its parent in QuickBooks."""
    body = qbo_map.to_qbo("customer", {"phone": "(503) 555-0199"}, sparse=True)
    assert body == {"PrimaryPhone": {"FreeFormNumber": "(503) 555-0199"}}


def test_a_canonical_reference_is_refused_as_a_parent() -> None:
    with pytest.raises(MappingError):
        qbo_map.to_qbo("customer", {"name": "X", "parent": Ref("customer", 3)})


def test_bill_maps_no_parent_and_never_writes_one() -> None:
    assert "parent" in qbo_map.fields_of("customer")
    assert "parent" not in bill_map.fields_of("customer")
    body = bill_map.to_bill(
        "customer",
        {"name": "Storefront renovation", "email": "projects@oneilbakery.co"}
        | {"parent": RemoteRef("customer", "0cu01MQZgKOCEFWHtqYe")},
    )
    assert not [key for key in body if "parent" in key.lower()]


def test_parent_is_one_sided_never_merged() -> None:
    """Not in the synced set: the merge never compares it, no sync copies it."""
    spec = ENTITIES["customer"]
    assert spec.field("parent").ref_entity == "customer"
    assert "parent" not in {f.name for f in spec.synced_fields}
    assert spec.field("parent").title == "Parent customer"
