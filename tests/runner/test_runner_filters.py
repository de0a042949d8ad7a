"""The profile's filters end to end against the stand-ins (engine/filters.py,
run/filters.py): a QuickBooks Online customer whose customer type is not in its include
list is not created in BILL, a BILL vendor whose account type is not in its list is not
created in QuickBooks Online, nor is a bill of that vendor; a record created outside its
system's created-date range stays in its system. Each is said in the run log on every run
and in the dry-run plan, never dropped silently; changing the filter copies them on the
next sync with no edit; a linked record whose type leaves the list stays linked (said)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, act, create, make_world

from recontui.model import RemoteRef
from recontui.present import Names, plan_lines
from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES
from recontui.setup.filters import save_created_range, save_type_list
from recontui.verify import verify

TODAY = dt.datetime.now(dt.UTC).date()
CONTACT = {"email": "ap@paper.test", "phone": "(503) 555-0100"}
NOT_ONLINE = (
    "Customer 'Web Buyer Ltd' is not copied to BILL: customer type 'Online' is not in the "
    "include list (Preferences, filters)."
)
NOT_PERSON = (
    "Vendor 'Jo Freelancer' is not copied to QuickBooks Online: account type 'PERSON' is "
    "not in the include list (Preferences, filters)."
)
NOT_BILL = (
    "Bill 'B-2' is not copied to QuickBooks Online: its vendor 'Jo Freelancer' is not "
    "copied (account type 'PERSON' is not in the include list) (Preferences, filters)."
)


def held(world: World, side: str, entity: str, key: str = "name") -> dict[str, dict[str, Any]]:
    """The records one system holds now, by name (or number)."""

    async def how(conn: Any) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        async for page in conn.pull(entity, None):
            found.update({rec.fields[key]: dict(rec.fields) for rec in page.records})
        return found

    return dict(act(world, side, how))


def office(world: World) -> RemoteRef:
    async def how(conn: Any) -> RemoteRef:
        async for page in conn.pull("account", None):
            for rec in page.records:
                if rec.fields.get("name") == "Office Expenses":
                    return RemoteRef("account", rec.remote_id)
        raise AssertionError("BILL has no Office Expenses account")

    return act(world, "a", how)  # type: ignore[no-any-return]


def customer_type(world: World, name: str) -> str:
    """A QuickBooks customer type, as the company's settings page makes one (the API
    only reads them)."""
    with world.sandbox.lock:
        made = world.sandbox.qbo_company.insert_fixed(
            "CustomerType", {"Name": name, "Active": True}, world.sandbox.clock.now()
        )
    return str(made["Id"])


def qbo_customer(world: World, name: str, type_id: str) -> str:
    """A QuickBooks customer of a type, made as QuickBooks' own screen makes it."""
    body = {
        "DisplayName": name,
        "PrimaryEmailAddr": {"Address": f"{name.split()[0].lower()}@buyer.test"},
        "CustomerTypeRef": {"value": type_id},
    }
    with world.sandbox.lock:
        return str(world.sandbox.qbo_company.save(QBO_ENTITIES["Customer"], body)["Id"])


def retype(world: World, customer_id: str, type_id: str) -> None:
    with world.sandbox.lock:
        company = world.sandbox.qbo_company
        token = company.find("Customer", customer_id)["SyncToken"]
        body = {"Id": customer_id, "SyncToken": token, "sparse": True}
        company.save(QBO_ENTITIES["Customer"], {**body, "CustomerTypeRef": {"value": type_id}})


def bill_of(vendor: str, number: str, account: RemoteRef) -> dict[str, Any]:
    return {
        "number": number,
        "vendor": RemoteRef("vendor", vendor),
        "date": TODAY,
        "due_date": TODAY + dt.timedelta(days=30),
        "lines": [{"amount": Decimal("40.00"), "description": "Paper", "account": account}],
    }


@pytest.fixture
def books(tmp_path: Path) -> tuple[World, dict[str, str]]:
    """QuickBooks: customers Corner Shop (type Retail) and Web Buyer Ltd (type Online).
    BILL: vendors Paper Co (BUSINESS) and Jo Freelancer (PERSON), a bill of each."""
    world = make_world(tmp_path, scenario="empty")
    ids = {"Retail": customer_type(world, "Retail"), "Online": customer_type(world, "Online")}
    ids["Corner Shop"] = qbo_customer(world, "Corner Shop", ids["Retail"])
    ids["Web Buyer Ltd"] = qbo_customer(world, "Web Buyer Ltd", ids["Online"])
    paper = create(world, "a", "vendor", {"name": "Paper Co", **CONTACT})
    jo = create(world, "a", "vendor", {"name": "Jo Freelancer", **CONTACT})
    with world.sandbox.lock:
        world.sandbox.bill_org.patch_request(
            BILL_RESOURCES["vendors"], jo, {"accountType": "PERSON"}
        )
    account = office(world)
    create(world, "a", "bill", bill_of(paper, "B-1", account))
    create(world, "a", "bill", bill_of(jo, "B-2", account))
    return world, ids


def include(world: World, customers: str, vendors: str) -> None:
    store, profile = world.store, world.profile
    assert save_type_list(store, profile, "customer", "qbo", customers, "tester") is None
    assert save_type_list(store, profile, "vendor", "bill", vendors, "tester") is None


def agreement(world: World) -> Any:
    """`recontui verify`: both systems read in full and compared."""
    world.profile = world.store.get_profile(world.profile.name)
    return asyncio.run(verify(world.store, world.profile, world.factory()))


def said(world: World, text: str) -> list[str]:
    return [e.message for e in world.events if text in getattr(e, "message", "")]


def test_the_connectors_read_each_systems_type_and_created_day(
    books: tuple[World, dict[str, str]],
) -> None:
    world, ids = books
    customers = held(world, "b", "customer")
    assert customers["Web Buyer Ltd"]["type"] == "Online"  # by name, not the type's id

    async def read_one(conn: Any) -> Any:
        return await conn.read("customer", ids["Corner Shop"])

    assert act(world, "b", read_one).fields["type"] == "Retail"
    assert isinstance(customers["Web Buyer Ltd"]["created"], dt.date)
    vendors = held(world, "a", "vendor")
    assert {n: v["type"] for n, v in vendors.items()} == {
        "Paper Co": "BUSINESS",
        "Jo Freelancer": "PERSON",
    }
    assert vendors["Paper Co"]["created"] == TODAY  # BILL's createdTime is UTC


def test_types_left_out_of_an_include_list_stay_in_their_system(
    books: tuple[World, dict[str, str]],
) -> None:
    world, _ids = books
    include(world, "Retail", "BUSINESS")

    plan = world.sync(dry_run=True).plan
    assert plan_lines(plan, Names(world.store).link_name) == [
        "Plan (nothing was written): 3 writes, 3 not copied by your filters.",
        "Customers: 1 to create in BILL, 1 not sent",
        "  create     BILL               'Corner Shop'",
        "  not sent   (neither)          'Web Buyer Ltd' (not copied: customer type 'Online' "
        "is not in the include list)",
        "Vendors: 1 to create in QuickBooks Online, 1 not sent",
        "  create     QuickBooks Online  'Paper Co'",
        "  not sent   (neither)          'Jo Freelancer' (not copied: account type 'PERSON' "
        "is not in the include list)",
        "Bills: 1 to create in QuickBooks Online, 1 not sent",
        "  create     QuickBooks Online  'B-1'",
        "  not sent   (neither)          'B-2' (not copied: its vendor 'Jo Freelancer' is not "
        "copied (account type 'PERSON' is not in the include list))",
    ]

    world.events.clear()
    first = world.sync()
    assert first.exit_code == 0, first.message
    assert set(held(world, "a", "customer")) == {"Corner Shop"}
    assert set(held(world, "b", "vendor")) == {"Paper Co"}
    assert set(held(world, "b", "bill", "number")) == {"B-1"}
    for sentence in (NOT_ONLINE, NOT_PERSON, NOT_BILL):
        assert said(world, "is not copied to").count(sentence) == 1, said(world, "not copied")
    checked = agreement(world)  # verify agrees: left out on purpose, by the filters
    assert checked.count == 0, checked
    assert {e: n.get("filtered") for e, n in checked.excluded.items() if n.get("filtered")} == {
        "customer": 1,
        "vendor": 1,
        "bill": 1,
    }

    world.events.clear()
    again = world.sync()  # said on every run, never silently dropped; still not copied
    assert again.exit_code == 0, again.message
    assert said(world, NOT_ONLINE) == [NOT_ONLINE]
    assert set(held(world, "a", "customer")) == {"Corner Shop"}

    include(world, "all", "all")  # no record edited: the next sync copies them
    world.events.clear()
    wide = world.sync()
    assert wide.exit_code == 0, wide.message
    assert set(held(world, "a", "customer")) == {"Corner Shop", "Web Buyer Ltd"}
    assert set(held(world, "b", "vendor")) == {"Paper Co", "Jo Freelancer"}
    assert set(held(world, "b", "bill", "number")) == {"B-1", "B-2"}
    assert not said(world, "not copied")
    assert world.sync(dry_run=True).plan == []
    assert agreement(world).count == 0


def test_a_linked_record_whose_type_leaves_the_list_stays_linked(
    books: tuple[World, dict[str, str]],
) -> None:
    world, ids = books
    include(world, "Retail", "all")
    assert world.sync().exit_code == 0
    assert "Corner Shop" in held(world, "a", "customer")

    retype(world, ids["Corner Shop"], ids["Online"])
    world.events.clear()
    result = world.sync()
    assert result.exit_code == 0, result.message
    assert said(world, "stays linked") == [
        "Customer 'Corner Shop' stays linked and keeps syncing (customer type 'Online' is not "
        "in the include list): a filter decides only what is copied; it never unlinks or "
        "deletes."
    ]
    assert held(world, "a", "customer")["Corner Shop"]["active"] is True  # never deleted


def test_records_created_outside_their_systems_range_stay_there(
    books: tuple[World, dict[str, str]],
) -> None:
    world, _ids = books
    store, profile = world.store, world.profile
    before = (TODAY - dt.timedelta(days=2)).isoformat()
    assert save_created_range(store, profile, "qbo", f"to {before}", "tester") is None
    plan = world.sync(dry_run=True).plan
    lines = plan_lines(plan, Names(world.store).link_name)
    created = held(world, "b", "customer")["Corner Shop"]["created"].isoformat()
    assert (
        f"  not sent   (neither)          'Corner Shop' (not copied: created {created}, outside "
        f"the created-date range to {before})" in lines
    ), lines
    assert world.sync().exit_code == 0
    assert held(world, "a", "customer") == {}  # created in QuickBooks today: outside
    assert set(held(world, "b", "vendor")) == {"Paper Co", "Jo Freelancer"}  # BILL: no range
    assert agreement(world).count == 0

    assert save_created_range(store, profile, "qbo", f"from {before}", "tester") is None
    world.events.clear()
    assert world.sync().exit_code == 0
    assert set(held(world, "a", "customer")) == {"Corner Shop", "Web Buyer Ltd"}
    assert not said(world, "not copied")
