"""A first sync sends its BILL creates in bulk requests where BILL documents one (issue 15:
each BILL create was one request and a read-back, against 20,000 requests an hour).

Vendors go 20 a request (https://developer.bill.com/reference/createbulkvendor), customers
one at a time (BILL v3 has no bulk create for them). Each item is settled as a single
create: every record lands once, nothing is read back (the answer is the record), and a
lost answer is looked up record by record on the next run, never created twice."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from runner_world import World, act, make_world

from recontui.sandbox.faults import parse_faults
from recontui.verify import verify


class Counting(httpx.AsyncBaseTransport):
    """The transport to the stand-ins, counting the requests sent to BILL by method and
    path (``POST vendors/bulk``, ``GET vendors/{id}`` as ``GET vendors/*``)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/bill/connect/v3/" in path:
            tail = path.split("/v3/", 1)[1].split("/")
            if len(tail) > 1 and tail[1] != "bulk":
                tail = [tail[0], "*", *tail[2:]]
            self.sent[f"{request.method} {'/'.join(tail)}"] += 1
        return await self.inner.handle_async_request(request)


def qbo_parties(world: World, vendors: list[str], customers: list[str]) -> None:
    """Vendors and customers made in QuickBooks, each with what BILL requires of it."""

    async def how(conn: Any) -> None:
        for name in vendors:
            fields = {"name": name, "email": "ap@example.test", "phone": "555-0100"}
            await conn.create("vendor", fields, idempotency_key=uuid.uuid4().hex)
        for name in customers:
            fields = {"name": name, "email": "ar@example.test"}
            await conn.create("customer", fields, idempotency_key=uuid.uuid4().hex)

    act(world, "b", how)


def held_in_bill(world: World, path: str) -> Counter[str]:
    return Counter(str(r["name"]) for r in world.sandbox.bill_org.all(path))


def paired_names(world: World, entity: str) -> set[str]:
    return {
        str(link.b_fields.get("name"))
        for link in world.store.links(world.profile.id, entity, where="state='paired'")
        if link.b_fields and link.a_id
    }


def agree(world: World) -> None:
    world.wrap = None
    report = asyncio.run(verify(world.store, world.profile, world.factory()))
    assert not report.disagreements, report.disagreements[:5]


def test_a_first_sync_creates_vendors_in_bulk_and_customers_one_by_one(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="empty")
    vendors = [f"Bulk vendor {i:02d}" for i in range(45)]
    customers = [f"Single customer {i}" for i in range(7)]
    qbo_parties(world, vendors, customers)
    counting = Counting(world.transport)
    world.transport = counting  # type: ignore[assignment]

    result = world.sync()

    assert result.exit_code == 0, result.message
    assert counting.sent["POST vendors/bulk"] == math.ceil(45 / 20) == 3
    assert counting.sent["POST vendors"] == 0, "no vendor went alone"
    assert counting.sent["GET vendors/*"] == 0, "the bulk answer is the record: no read-back"
    assert counting.sent["POST customers"] == 7 and counting.sent["POST customers/bulk"] == 0
    assert held_in_bill(world, "vendors") == Counter(vendors), "each vendor landed once"
    assert held_in_bill(world, "customers") == Counter(customers)
    assert paired_names(world, "vendor") == set(vendors)
    assert paired_names(world, "customer") == set(customers)

    counting.sent.clear()
    again = world.sync()
    assert again.exit_code == 0 and again.counts.get("pushed", 0) == 0
    writes = [
        k for k in counting.sent if k.startswith("POST ") and k not in ("POST login", "POST logout")
    ]
    assert not writes, writes
    agree(world)


class LosingFirstBulk:
    """The BILL connector as it is; the stand-in drops the connection after the first bulk
    create has landed (its fault injection, ``reset``), so the answer is lost."""

    def __init__(self, inner: Any, world: World) -> None:
        self.inner = inner
        self.world = world
        self.system = inner.system
        self.label = inner.label
        self.lost = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> LosingFirstBulk:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    def pull(self, entity: str, cursor: str | None) -> Any:
        return self.inner.pull(entity, cursor)

    async def create_many(self, entity: str, items: Any) -> Any:
        if self.lost:
            return await self.inner.create_many(entity, items)
        injector = self.world.sandbox.faults
        clean = injector.plan
        injector.plan = parse_faults("reset=1", seed=clean.seed)
        self.lost += 1
        try:
            return await self.inner.create_many(entity, items)
        finally:
            injector.plan = clean


def test_a_lost_bulk_answer_never_creates_a_vendor_twice(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="empty")
    vendors = [f"Lost answer vendor {i:02d}" for i in range(25)]
    qbo_parties(world, vendors, [])
    # The stand-in's own transport: a dropped connection is a network error, as on a socket.
    world.transport = world.sandbox.transport()  # type: ignore[assignment]
    losing: list[LosingFirstBulk] = []

    def wrap(side: str, conn: Any) -> Any:
        if side != "a":
            return conn
        losing.append(LosingFirstBulk(conn, world))
        return losing[-1]

    world.wrap = wrap
    first = world.sync()

    assert losing[0].lost == 1 and world.sandbox.faults.counts["reset"] == 1
    assert first.exit_code != 0, "the lost answer is said"
    landed = held_in_bill(world, "vendors")
    assert sorted(landed) == vendors[:20] and set(landed.values()) == {1}, "the bulk landed"
    sent = [op for op in world.store.ops(world.profile.id, ("sent",)) if op.entity == "vendor"]
    assert len(sent) == 20, "each item of the lost request waits to be looked up"

    world.wrap = None
    counting = Counting(world.transport)
    world.transport = counting  # type: ignore[assignment]
    second = world.sync()

    assert second.exit_code == 0, second.message
    assert held_in_bill(world, "vendors") == Counter(vendors), "no vendor created twice"
    assert paired_names(world, "vendor") == set(vendors)
    assert counting.sent["POST vendors/bulk"] == 1, "the 5 never sent go in one request"
    assert counting.sent["POST vendors"] == 0
    found = [e for e in world.events if "from an earlier attempt" in str(e.message)]
    assert len(found) >= 20, "each lost create is found, not made again"
    agree(world)
