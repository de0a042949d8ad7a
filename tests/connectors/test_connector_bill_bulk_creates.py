"""BILL creates in bulk requests (issue 15), against the BILL stand-in.

BILL documents ``POST /v3/{resource}/bulk`` for vendors (up to 20), bills (100), vendor
credits, credit memos, charts of accounts, accounting classes, departments and items (50
each); customers and invoices have none, so they go one at a time. A bulk create is all or
nothing ("If any vendor creation is not successful, the entire request fails and none of
the vendors in the request are created", https://developer.bill.com/reference/createbulkvendor):
when BILL refuses the request, the connector sends its items one at a time, so one refused
record never sinks the others and each keeps its own reason. A lost answer is raised for
the whole request (``outcome_unknown``): BILL has no idempotency key, so nothing is sent
again; the runner looks each record up first."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from test_connector_bill_sandbox import World, some, vendor_fields

from recontui.connectors import RejectedError, UnreachableError, make_connector
from recontui.connectors.base import BatchCreates
from recontui.model import RemoteRecord
from recontui.sandbox.faults import parse_faults


def tag() -> str:
    return uuid.uuid4().hex[:6]


def posts(world: World) -> list[str]:
    """The paths of the POSTs BILL answered, in order (the connector's own log lines)."""
    return [
        d["path"].split("/v3/", 1)[-1]
        for _l, _m, d in world.events
        if d.get("method") == "POST"
        and "status" in d
        and not d["path"].endswith(("/login", "/logout"))
    ]


def named(world: World, path: str, name: str) -> list[str]:
    return [r["id"] for r in world.sb.bill_org.all(path) if r.get("name") == name]


async def test_the_connector_takes_batches_of_the_documented_size_per_entity() -> None:
    world = World()
    async with world.connector() as bill:
        assert isinstance(bill, BatchCreates)
        sizes = {e: bill.batch_size(e) for e in ("vendor", "bill", "customer", "invoice")}
        assert sizes == {"vendor": 20, "bill": 100, "customer": 0, "invoice": 0}
        for entity in ("vendor_credit", "credit_memo", "account", "class", "department", "item"):
            assert bill.batch_size(entity) == 50, entity
        for entity in ("payment", "bill_payment"):
            assert bill.batch_size(entity) == 0, "a recorded payment has no bulk create"
        assert bill.create_batch >= 100


async def test_vendors_go_in_one_request_each_answered_in_order() -> None:
    world = World()
    t = tag()
    items = [(vendor_fields(f"Bulk {t} {i:02d}"), uuid.uuid4().hex) for i in range(20)]
    async with world.connector() as bill:
        world.events.clear()
        results = await bill.create_many("vendor", items)
    assert posts(world) == ["vendors/bulk"], "one request, no read-back"
    assert all(isinstance(r, RemoteRecord) for r in results)
    assert [r.fields["name"] for r in results] == [f["name"] for f, _ in items]
    for record, (fields, _key) in zip(results, items, strict=True):
        assert named(world, "vendors", fields["name"]) == [record.remote_id]
        assert record.fields["email"] == fields["email"] and record.fields["active"] is True
        assert record.version and record.created_at is not None


async def test_a_refused_vendor_never_sinks_the_others() -> None:
    """BILL refuses the whole request for one vendor without an e-mail address; each
    vendor is then sent alone: the others are created once, the refused one keeps BILL's
    reason and names the record."""
    world = World()
    t = tag()
    lacking = {"name": f"No mail {t}", "phone": "555-0101"}
    items = [
        (vendor_fields(f"Fine {t} 1"), uuid.uuid4().hex),
        (lacking, uuid.uuid4().hex),
        (vendor_fields(f"Fine {t} 2"), uuid.uuid4().hex),
    ]
    async with world.connector() as bill:
        world.events.clear()
        first, refused, last = await bill.create_many("vendor", items)
    assert isinstance(first, RemoteRecord) and isinstance(last, RemoteRecord)
    assert isinstance(refused, RejectedError)
    assert "email" in str(refused) and lacking["name"] in str(refused)
    assert refused.entity == "vendor" and refused.record == lacking["name"]
    assert posts(world) == ["vendors/bulk", "vendors", "vendors", "vendors"]
    assert named(world, "vendors", f"Fine {t} 1") == [first.remote_id]
    assert named(world, "vendors", f"Fine {t} 2") == [last.remote_id]
    assert named(world, "vendors", lacking["name"]) == []


async def test_a_batch_holds_at_most_the_documented_items() -> None:
    world = World()
    async with world.connector() as bill:
        with pytest.raises(ValueError, match="1 to 20"):
            await bill.create_many("vendor", [(vendor_fields(f"X{i}"), str(i)) for i in range(21)])
        with pytest.raises(ValueError, match="no bulk create"):
            await bill.create_many("customer", [({"name": "A", "email": "a@b.c"}, "k")] * 2)


async def test_a_lost_answer_is_raised_for_the_request_and_nothing_is_sent_again() -> None:
    """The stand-in creates the vendors, then drops the connection before its answer
    (fault ``reset``). The connector raises ``outcome_unknown`` without sending anything
    again (BILL has no idempotency key); each vendor is there once, and found by name."""
    world = World()
    t = tag()
    items = [(vendor_fields(f"Lost {t} {i}"), uuid.uuid4().hex) for i in range(3)]
    lossy = make_connector(  # the stand-in's transport drops a connection as a socket does
        "bill", world.settings, world.secrets, transport=world.sb.transport()
    )
    async with lossy as bill:
        injector = world.sb.faults
        clean = injector.plan
        injector.plan = parse_faults("reset=1", seed=clean.seed)
        try:
            with pytest.raises(UnreachableError) as caught:
                await bill.create_many("vendor", items)
        finally:
            injector.plan = clean
        assert caught.value.outcome_unknown
        assert injector.counts["reset"] == 1, "one request, never sent again"
        for fields, _key in items:
            held = named(world, "vendors", fields["name"])
            assert len(held) == 1, "created once"
            found = await bill.find_existing("vendor", fields)
            assert found is not None and [found.remote_id] == held


#: An entity with a bulk create, and the field that names a record of it.
TITLES = {
    "bill": "number",
    "vendor_credit": "number",
    "credit_memo": "number",
    "account": "name",
    "class": "name",
    "department": "name",
    "item": "name",
    "vendor": "name",
}


@pytest.mark.parametrize("entity", sorted(TITLES))
async def test_each_bulk_entity_is_created_as_a_single_create_would_be(entity: str) -> None:
    """Two copies of a seeded record (renamed) in one bulk request: each answer is the
    record as BILL then serves it, the fields as written."""
    world = World(credit_memos=True)
    title = TITLES[entity]
    async with world.connector() as bill:
        listed = "active" in bill.fields(entity)
        model = await some(bill, entity, **({"active": True} if listed else {}))
        copies = []
        for i in (1, 2):
            fields = {k: v for k, v in model.fields.items() if k not in ("total", "approval")}
            fields[title] = f"{model.fields[title]}-{tag()}-{i}"
            copies.append((fields, uuid.uuid4().hex))
        world.events.clear()
        made = await bill.create_many(entity, copies)
        assert len(posts(world)) == 1, posts(world)
        for record, (fields, _key) in zip(made, copies, strict=True):
            assert isinstance(record, RemoteRecord), record
            served = await bill.read(entity, record.remote_id)
            assert served is not None and served.fields == record.fields
            assert record.fields[title] == fields[title]
            for name, value in fields.items():
                if name in bill.fields(entity) and name not in ("type", "created"):
                    assert same_value(record.fields.get(name), value), (name, value)


def same_value(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return isinstance(got, list) and len(got) == len(wanted)
    if isinstance(wanted, dt.date) or wanted is None:
        return got == wanted
    return got == wanted or str(got) == str(wanted)
