"""Issue 11: a record that lacks a field its target system requires is held, never sent.

BILL's customer create requires ``name`` and ``email``, its vendor create ``name``,
``accountType``, ``email`` and ``phone`` (https://developer.bill.com/docs/ar-customers,
https://developer.bill.com/docs/creating-a-us-vendor). A QuickBooks Online customer
without an e-mail address used to be sent to BILL on every run (the old stand-in took it,
the real service refuses it). Now it is a held change that names the missing field and
what to fill in, stays counted (exit 1) until the record has it, and is created by the
next run once it does, without anybody doing anything else. An update that would blank
such a field is held the same way; the rest of the record syncs as usual.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from runner_world import World, make_world

from recontui.decisions import resolve_conflict
from recontui.model import RemoteRef
from recontui.model.states import OpKind, OpState
from recontui.run import summary_lines

NAME = "Acme Ltd"


class Recording(httpx.AsyncBaseTransport):
    """The world's transport, writing down every write request that reaches BILL."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.writes: list[tuple[str, str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/bill/") and request.method in ("POST", "PATCH", "PUT"):
            body = await request.aread()
            if not request.url.path.endswith("/login"):
                self.writes.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)

    def to(self, resource: str) -> list[tuple[str, str, bytes]]:
        return [w for w in self.writes if f"/v3/{resource}" in w[1]]


@pytest.fixture
def empty(tmp_path: Path) -> tuple[World, Recording]:
    world = make_world(tmp_path, scenario="empty")
    recording = Recording(world.transport)
    world.transport = recording  # type: ignore[assignment]
    return world, recording


def act(world: World, side: str, how: Any) -> Any:
    """Do something through one side's API, as a person using that system would."""

    async def go() -> Any:
        ca, cb = world.connectors()
        conn = ca if side == "a" else cb
        async with conn:
            return await how(conn)

    return asyncio.run(go())


def create(world: World, side: str, entity: str, fields: dict[str, Any]) -> str:
    async def how(conn: Any) -> str:
        made = await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)
        return str(made.remote_id)

    return act(world, side, how)


def update(world: World, side: str, entity: str, remote_id: str, changes: dict[str, Any]) -> None:
    async def how(conn: Any) -> None:
        rec = await conn.read(entity, remote_id)
        await conn.update(entity, remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex)

    act(world, side, how)


def records(world: World, side: str, entity: str) -> dict[str, dict[str, Any]]:
    """The active records one system holds now, by name."""

    async def how(conn: Any) -> dict[str, dict[str, Any]]:
        found = {}
        async for page in conn.pull(entity, None):
            for rec in page.records:
                if rec.fields.get("active") is not False and not rec.deleted:
                    found[rec.fields["name"]] = rec.fields
        return found

    return act(world, side, how)


def said(world: World, text: str) -> list[str]:
    return [e.message for e in world.events if text in e.message]


def held_ops(world: World) -> list[Any]:
    return world.store.ops(world.profile.id, (OpState.HELD,))


def test_customer_without_email_is_held_until_it_has_one_then_created(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    qbo_id = create(world, "b", "customer", {"name": NAME, "phone": "(503) 555-0100"})

    first = world.sync()
    assert first.exit_code == 1, first.message  # a held change waits: not "the books agree"
    assert first.counts["held"] == 1 and first.counts["rejected"] == 0
    assert recording.to("customers") == []  # nothing was sent to BILL, so nothing refused
    assert NAME not in records(world, "a", "customer")
    sentence = (
        f"Customer {NAME!r} is not created in BILL: BILL requires an e-mail address. Add one "
        "in QuickBooks Online and the next sync creates it (or enter the customer in BILL "
        "by hand: the next sync links the two)."
    )
    assert said(world, sentence), [e.message for e in world.events]
    [op] = held_ops(world)
    assert (op.op, op.side, op.entity) == (OpKind.CREATE, "a", "customer")
    assert op.last_error == sentence

    # Nothing changed: still held, still said (in the run's log too), still nothing sent.
    world.events.clear()
    again = world.sync()
    assert again.exit_code == 1 and again.counts["held"] == 1
    assert recording.to("customers") == []
    assert said(world, sentence)
    assert sentence in [e["message"] for e in world.store.events(again.run_id)]
    assert f"`recontui log {again.run_id}` says why each is held" in "".join(summary_lines(again))

    # The e-mail address is added in QuickBooks: the next run creates it, nothing else done.
    update(world, "b", "customer", qbo_id, {"email": "ap@acme.test"})
    created = world.sync()
    assert created.exit_code == 0, created.message
    assert created.counts["created"] == 1 and created.counts["held"] == 0
    assert records(world, "a", "customer")[NAME]["email"] == "ap@acme.test"
    assert held_ops(world) == []
    assert world.sync().exit_code == 0


def test_vendor_names_every_field_bill_requires(empty: tuple[World, Recording]) -> None:
    world, recording = empty
    create(world, "b", "vendor", {"name": "Paper Co"})
    result = world.sync()
    assert result.exit_code == 1 and result.counts["held"] == 1
    assert recording.to("vendors") == []
    assert said(
        world,
        "Vendor 'Paper Co' is not created in BILL: BILL requires an e-mail address and a phone "
        "number. Add them in QuickBooks Online and the next sync creates it",
    )


def test_removing_a_required_email_is_held_and_the_rest_is_synced(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    qbo_id = create(world, "b", "customer", {"name": NAME, "email": "ap@acme.test"})
    assert world.sync().exit_code == 0
    bill_id = next(iter(world.store.links(world.profile.id, "customer"))).a_id
    assert bill_id is not None
    recording.writes.clear()

    # Someone removes the e-mail address in QuickBooks and changes the phone number.
    update(world, "b", "customer", qbo_id, {"email": None, "phone": "(503) 555-0199"})
    result = world.sync()
    assert result.exit_code == 1, result.message
    assert result.counts["held"] == 1 and result.counts["rejected"] == 0
    bill = records(world, "a", "customer")[NAME]
    assert bill["phone"] == "(503) 555-0199"  # the rest of the record is synced
    assert bill["email"] == "ap@acme.test"  # BILL keeps the address it requires
    assert all(b"email" not in body for _m, _p, body in recording.to("customers"))
    assert said(
        world,
        f"Customer {NAME!r} keeps its e-mail address in BILL: it was removed in QuickBooks "
        "Online, and BILL requires one. Add an e-mail address in QuickBooks Online and the "
        "next sync sends it to BILL.",
    )
    [op] = held_ops(world)
    assert (op.op, op.side, sorted(op.payload["changes"])) == (OpKind.UPDATE, "a", ["email"])

    # Not sent again on the next run, still counted.
    recording.writes.clear()
    again = world.sync()
    assert again.exit_code == 1 and again.counts["held"] == 1
    assert recording.to("customers") == []

    # A new address in QuickBooks: sent, and the held change is gone.
    update(world, "b", "customer", qbo_id, {"email": "billing@acme.test"})
    assert world.sync().exit_code == 0
    assert records(world, "a", "customer")[NAME]["email"] == "billing@acme.test"
    assert held_ops(world) == []


def test_a_held_customer_entered_in_bill_by_hand_is_linked_not_created(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    create(world, "b", "customer", {"name": NAME})
    assert world.sync().exit_code == 1
    create(world, "a", "customer", {"name": NAME, "email": "ap@acme.test"})
    recording.writes.clear()
    world.sync()
    assert held_ops(world) == []
    assert [w for w in recording.to("customers") if w[0] == "POST"] == []
    [link] = world.store.links(world.profile.id, "customer", where="state != 'merged'")
    assert link.paired
    assert list(records(world, "a", "customer")) == [NAME]


def test_accepting_a_big_change_does_not_send_a_held_create(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    create(world, "b", "customer", {"name": NAME})
    world.sync()
    result = world.sync(accept_big_change=True)
    assert result.exit_code == 1 and result.counts["held"] == 1
    assert result.counts["rejected"] == 0
    assert recording.to("customers") == []


def test_a_held_customer_made_inactive_stops_waiting(empty: tuple[World, Recording]) -> None:
    world, recording = empty
    qbo_id = create(world, "b", "customer", {"name": NAME})
    assert world.sync().exit_code == 1
    update(world, "b", "customer", qbo_id, {"active": False})
    result = world.sync()
    assert result.exit_code == 0, result.message
    assert held_ops(world) == []
    assert recording.to("customers") == []


def test_connectors_declare_only_fields_they_map(empty: tuple[World, Recording]) -> None:
    """Each declared field is one the connector maps, so a person can fill it in the other
    system and the next sync carries it."""
    for conn in empty[0].connectors():
        for entity in ("customer", "vendor"):
            required = conn.required_fields(entity)
            assert required and set(required) <= conn.fields(entity), (conn.label, entity)
        assert conn.required_fields("invoice") == ()


def test_an_invoice_for_a_held_customer_waits_with_it(empty: tuple[World, Recording]) -> None:
    """What refers to a held record waits for the same person: exit 1, not a failed run."""
    world, recording = empty
    customer = create(world, "b", "customer", {"name": NAME})

    async def how(qbo: Any) -> str:
        income = None
        async for page in qbo.pull("account", None):
            income = next((r for r in page.records if r.fields.get("type") == "income"), income)
        assert income is not None
        item = await qbo.create(
            "item",
            {"name": "Consulting", "income_account": RemoteRef("account", income.remote_id)},
            idempotency_key=uuid.uuid4().hex,
        )
        today = dt.datetime.now(dt.UTC).date()
        line = {"item": RemoteRef("item", item.remote_id), "amount": Decimal("120.00")}
        made = await qbo.create(
            "invoice",
            {
                "number": "INV-7",
                "customer": RemoteRef("customer", customer),
                "date": today,
                "due_date": today + dt.timedelta(days=30),
                "lines": [line],
            },
            idempotency_key=uuid.uuid4().hex,
        )
        return str(made.remote_id)

    act(world, "b", how)
    for _ in range(2):
        result = world.sync()
        assert result.exit_code == 1, (result.counts, result.message)
        assert recording.to("customers") == [] and recording.to("invoices") == []
    assert said(world, f"Invoice 'INV-7' waits until customer {NAME!r} can be created in BILL")
    update(world, "b", "customer", customer, {"email": "ap@acme.test"})
    done = world.sync()
    assert done.exit_code == 0, (done.counts, done.message)
    assert len(recording.to("customers")) == 1 and len(recording.to("invoices")) == 1


def test_choosing_a_blank_that_bill_requires_goes_back_to_the_queue(
    empty: tuple[World, Recording],
) -> None:
    """A person's choice that would blank a field BILL requires is not sent to be refused:
    the conflict reopens saying why, the choice kept as a suggestion."""
    world, recording = empty
    qbo_id = create(world, "b", "customer", {"name": NAME, "email": "ap@acme.test"})
    world.sync()
    [link] = world.store.links(world.profile.id, "customer")
    update(world, "a", "customer", link.a_id, {"email": "finance@acme.test"})
    update(world, "b", "customer", qbo_id, {"email": None})
    assert world.sync().exit_code == 1
    [conflict] = world.store.conflicts(world.profile.id, statuses=("open",))
    assert sorted(conflict.fields) == ["email"]
    resolve_conflict(world.store, conflict, take_all="b", actor="test")
    recording.writes.clear()
    result = world.sync()
    assert result.exit_code == 1 and result.counts["rejected"] == 0
    assert recording.to("customers") == []
    again = world.store.conflict(conflict.id)
    assert again is not None and again.status == "open"
    assert again.suggestion == {"email": ["b", None]}
    assert again.note == (
        "BILL requires an e-mail address: choose BILL's value, or type one to send to both"
    )
    assert records(world, "a", "customer")[NAME]["email"] == "finance@acme.test"
    resolve_conflict(world.store, again, take_all="a", actor="test")
    assert world.sync().exit_code == 0
    assert records(world, "b", "customer")[NAME]["email"] == "finance@acme.test"
