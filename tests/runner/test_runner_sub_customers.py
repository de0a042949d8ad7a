"""The QuickBooks customer:job hierarchy through real syncs between the stand-ins
(SandboxConfig.sub_customers: a job "Storefront renovation" under "O'Neil Bakery" and a
sub-job "Storefront signage" under it, in QuickBooks only).

BILL's customers have no parent (no BILL page documents one), so a customer's ``parent``
is QuickBooks' alone: a job reaches BILL as a customer of its own, BILL's edits come back
to QuickBooks without touching the job's ``ParentRef``, a job never waits on its parent,
and moving a job in QuickBooks is a change of that record that has nothing to write to
BILL and never opens a conflict. ``recontui verify`` agrees after each."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.model import RemoteRef
from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES
from recontui.store import Link
from recontui.verify import verify

CUSTOMER = QBO_ENTITIES["Customer"]


@pytest.fixture
def jobs_world(tmp_path: Path) -> World:
    return make_world(tmp_path, scenario="demo", sub_customers=True)


def qbo_customer(world: World, name: str) -> dict[str, Any]:
    with world.sandbox.lock:
        found = [
            world.sandbox.qbo_company.render(rec)
            for _ident, rec in world.sandbox.qbo_company.rows("Customer")
            if rec.get("DisplayName") == name
        ]
    assert len(found) == 1, f"{len(found)} QuickBooks customers named {name!r}"
    return dict(found[0])


def bill_customers(world: World, name: str) -> list[dict[str, Any]]:
    with world.sandbox.lock:
        return [
            rec
            for rec in world.sandbox.bill_org.all("customers")
            if rec.get("name") == name and not rec.get("archived")
        ]


def bill_customer(world: World, name: str) -> dict[str, Any]:
    found = bill_customers(world, name)
    assert len(found) == 1, f"{len(found)} BILL customers named {name!r}"
    return dict(found[0])


def qbo_save(world: World, body: dict[str, Any]) -> dict[str, Any]:
    with world.sandbox.lock:
        return world.sandbox.qbo_company.save(CUSTOMER, body)


def qbo_patch(world: World, name: str, **changes: Any) -> dict[str, Any]:
    held = qbo_customer(world, name)
    return qbo_save(
        world, {"Id": held["Id"], "SyncToken": held["SyncToken"], "sparse": True, **changes}
    )


def link_of(world: World, qbo_id: str) -> Link:
    link_id = world.store.link_for_remote(world.profile.id, "customer", "b", qbo_id)
    assert link_id is not None, f"no link holds QuickBooks customer {qbo_id}"
    link = world.store.link(world.store.canonical_link_id(link_id))
    assert link is not None
    return link


def parent_link(world: World, child: Link) -> Link:
    """The link of the customer ``child``'s QuickBooks record names as its parent."""
    assert child.b_fields is not None
    ref = child.b_fields["parent"]
    assert isinstance(ref, RemoteRef) and ref.entity == "customer"
    return link_of(world, ref.remote_id)


def books_agree(world: World) -> bool:
    world.profile = world.store.get_profile(world.profile.name)
    result = asyncio.run(verify(world.store, world.profile, world.factory()))
    return bool(result.count == 0) and result.checked["customer"]["pairs"] > 0


def errors(world: World) -> list[str]:
    return [e.message for e in world.events if e.level == "error"]


def test_a_job_reaches_bill_and_keeps_its_parent_when_bill_edits_it(jobs_world: World) -> None:
    world = jobs_world
    result = world.sync()
    assert result.exit_code == 0, errors(world)
    ids = world.sandbox.seed_ids["qbo"]
    # Each job is a BILL customer of its own, under its own name (BILL holds no parent).
    job = bill_customer(world, "Storefront renovation")
    assert job["email"] == "projects@oneilbakery.co"
    assert not [k for k in job if "parent" in k.lower()]
    bill_customer(world, "Storefront signage")
    # recontui knows each job's parent: the link of the parent, itself paired with BILL.
    job_link = link_of(world, ids["job:storefront"])
    assert job_link.paired
    parent = parent_link(world, job_link)
    assert parent.b_id == ids["cust:1"] and parent.paired
    assert parent_link(world, link_of(world, ids["job:signage"])).id == job_link.id
    # A BILL customer copied to QuickBooks is a top-level customer there.
    only_in_bill = world.sandbox.seed_ids["bill"]["cust:38"]
    copied = link_of_bill(world, only_in_bill)
    assert copied.b_id is not None
    made = qbo_by_id(world, copied.b_id)
    assert made["Job"] is False and "ParentRef" not in made

    # BILL edits the job; QuickBooks takes the phone and keeps the job where it was.
    with world.sandbox.lock:
        world.sandbox.bill_org.patch(
            BILL_RESOURCES["customers"], job["id"], {"phone": "(503) 555-0177"}
        )
    assert world.sync().exit_code == 0, errors(world)
    after = qbo_customer(world, "Storefront renovation")
    assert after["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0177"
    assert after["ParentRef"]["value"] == ids["cust:1"] and after["Job"] is True
    assert after["FullyQualifiedName"] == "O'Neil Bakery:Storefront renovation"
    assert qbo_customer(world, "Storefront signage")["Level"] == 2
    assert books_agree(world)


def link_of_bill(world: World, bill_id: str) -> Link:
    link_id = world.store.link_for_remote(world.profile.id, "customer", "a", bill_id)
    assert link_id is not None
    link = world.store.link(world.store.canonical_link_id(link_id))
    assert link is not None
    return link


def qbo_by_id(world: World, ident: str) -> dict[str, Any]:
    with world.sandbox.lock:
        found = world.sandbox.qbo_company.find("Customer", ident)
        assert found is not None
        return dict(world.sandbox.qbo_company.render(found))


def test_a_new_job_and_its_new_parent_both_reach_bill_whichever_is_read_first(
    jobs_world: World,
) -> None:
    """The job is read before its parent (the parent changed after the job was made, and
    QuickBooks answers in LastUpdatedTime order): its parent is still the parent's own
    link, one record, linked to the parent's BILL copy."""
    world = jobs_world
    assert world.sync().exit_code == 0, errors(world)
    parent = qbo_save(
        world,
        {"DisplayName": "Harbor Group", "PrimaryEmailAddr": {"Address": "ap@harborgroup.co"}},
    )
    child = qbo_save(
        world,
        {
            "DisplayName": "Dock repair",
            "PrimaryEmailAddr": {"Address": "docks@harborgroup.co"},
            "Job": True,
            "ParentRef": {"value": parent["Id"]},
        },
    )
    time.sleep(1.1)  # LastUpdatedTime has whole seconds: the parent's edit comes later
    qbo_patch(world, "Harbor Group", PrimaryPhone={"FreeFormNumber": "(503) 555-0150"})
    with world.sandbox.lock:
        stamps = world.sandbox.qbo_company
        assert stamps.updated_at("Customer", child["Id"]) < stamps.updated_at(
            "Customer", parent["Id"]
        )

    result = world.sync()
    assert result.exit_code == 0, errors(world)
    assert result.counts["created"] == 2
    bill_parent = bill_customer(world, "Harbor Group")
    bill_customer(world, "Dock repair")
    child_link = link_of(world, child["Id"])
    parent_of_child = parent_link(world, child_link)
    assert parent_of_child.id == link_of(world, parent["Id"]).id
    assert parent_of_child.a_id == bill_parent["id"]
    assert books_agree(world)


def test_a_job_never_waits_for_its_parent(jobs_world: World) -> None:
    """A parent BILL cannot take yet (no e-mail: BILL requires one, ar-customers) is held;
    its job, a customer of its own in BILL, is created all the same."""
    world = jobs_world
    assert world.sync().exit_code == 0, errors(world)
    parent = qbo_save(world, {"DisplayName": "Tidewater Homes"})
    qbo_save(
        world,
        {
            "DisplayName": "Tidewater deck",
            "PrimaryEmailAddr": {"Address": "deck@tidewaterhomes.co"},
            "Job": True,
            "ParentRef": {"value": parent["Id"]},
        },
    )
    assert world.sync().exit_code == 1  # the parent waits for its e-mail address
    assert bill_customers(world, "Tidewater Homes") == []
    bill_customer(world, "Tidewater deck")
    held = [op for op in world.store.ops(world.profile.id, ("held",)) if op.entity == "customer"]
    assert [op.link_id for op in held] == [link_of(world, parent["Id"]).id]


def test_moving_a_job_in_quickbooks_writes_nothing_to_bill_and_opens_no_conflict(
    jobs_world: World,
) -> None:
    world = jobs_world
    assert world.sync().exit_code == 0, errors(world)
    ids = world.sandbox.seed_ids["qbo"]
    bill_before = bill_customer(world, "Storefront renovation")
    qbo_patch(world, "Storefront renovation", ParentRef={"value": ids["cust:2"]})
    result = world.sync()
    assert result.exit_code == 0, errors(world)
    assert result.counts["pushed"] == 0 and result.counts["conflicts_opened"] == 0
    assert bill_customer(world, "Storefront renovation") == bill_before
    job_link = link_of(world, ids["job:storefront"])
    assert parent_link(world, job_link).b_id == ids["cust:2"]
    assert (
        qbo_customer(world, "Storefront signage")["FullyQualifiedName"]
        == "Granite Sparrow Cafe:Storefront renovation:Storefront signage"
    )
    # Both at once: QuickBooks moves the job back while BILL changes its phone. The phone
    # reaches QuickBooks; the job stays where QuickBooks put it.
    qbo_patch(world, "Storefront renovation", ParentRef={"value": ids["cust:1"]})
    with world.sandbox.lock:
        world.sandbox.bill_org.patch(
            BILL_RESOURCES["customers"], bill_before["id"], {"phone": "(503) 555-0188"}
        )
    assert world.sync().exit_code == 0, errors(world)
    after = qbo_customer(world, "Storefront renovation")
    assert after["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0188"
    assert after["ParentRef"]["value"] == ids["cust:1"]
    assert parent_link(world, link_of(world, ids["job:storefront"])).b_id == ids["cust:1"]
    assert world.store.conflicts(world.profile.id, entity="customer") == []
    assert books_agree(world)


def test_a_job_whose_parent_waits_for_a_match_decision_is_linked_not_copied(
    tmp_path: Path,
) -> None:
    """The parent's e-mail is shared by two BILL customers, so the parent waits for a
    person's match decision. A job made under it later, which BILL already holds under the
    same name, is linked to BILL's by that name (a job's name is unique in QuickBooks) and
    created on neither side: its parent is nothing a copy of it would carry, so it does not
    hold the pair back the way a transaction's party does."""
    world = make_world(tmp_path, scenario="demo")
    customers = BILL_RESOURCES["customers"]
    with world.sandbox.lock:
        world.sandbox.bill_org.create(
            customers, {"name": "O'Neil Bakery (wholesale)", "email": "billing@oneilbakery.co"}
        )
    assert world.sync().exit_code == 1  # the parent's match question waits for a person
    ids = world.sandbox.seed_ids["qbo"]
    assert link_of(world, ids["cust:1"]).state == "matching"
    job = qbo_save(
        world,
        {
            "DisplayName": "Storefront renovation",
            "PrimaryEmailAddr": {"Address": "projects@oneilbakery.co"},
            "Job": True,
            "ParentRef": {"value": ids["cust:1"]},
        },
    )
    with world.sandbox.lock:
        world.sandbox.bill_org.create(
            customers, {"name": "Storefront renovation", "email": "reno@oneilbakery.co"}
        )
    states = ("pending", "sent", "done", "rejected", "held")
    before = {op.id for op in world.store.ops(world.profile.id, states)}
    world.sync()
    assert link_of(world, job["Id"]).paired
    assert len(bill_customers(world, "Storefront renovation")) == 1
    qbo_customer(world, "Storefront renovation")  # one: no copy of BILL's was tried
    creates = [
        op
        for op in world.store.ops(world.profile.id, states)
        if op.id not in before and op.entity == "customer" and op.op == "create"
    ]
    assert creates == []
