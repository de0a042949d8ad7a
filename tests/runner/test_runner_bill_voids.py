"""A bill payment voided in BILL becomes a voided BillPayment in QuickBooks Online (BILL's
sync matrix for QuickBooks Online: "Voids 1-way from Bill.com"), through the deletion
decision every transaction gone on one side gets: a delete conflict, then the person's
choice carried out. QuickBooks keeps the voided record (zeroed, "Voided" in its memo);
both sides then read as gone, so later syncs and ``recontui verify`` agree."""

from __future__ import annotations

import asyncio

from runner_world import World

from recontui.decisions import resolve_conflict
from recontui.store import Link
from recontui.verify import verify


def paired_bill_payment(world: World) -> Link:
    busy = {c.link_id for c in world.store.conflicts(world.profile.id)}
    return next(
        link
        for link in world.store.links(world.profile.id, "bill_payment", where="state='paired'")
        if link.id not in busy and link.a_id and link.b_id
    )


def void_in_bill(world: World, link: Link) -> None:
    with world.sandbox.lock:
        world.sandbox.bill_org.void_payment(link.a_id, {"type": "VOID", "reason": "paid twice"})


def test_a_bill_payment_voided_in_bill_is_voided_in_quickbooks(demo_world: World) -> None:
    world = demo_world
    world.sync()
    payment = paired_bill_payment(world)
    void_in_bill(world, payment)

    second = world.sync()
    assert second.exit_code == 1
    link = world.store.link(payment.id)
    assert link is not None and link.a_deleted and not link.b_deleted
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.link_id == payment.id
    )
    assert conflict.kind == "delete"
    assert conflict.note is not None and conflict.note.startswith("voided in BILL;")
    assert "void it in QuickBooks Online too" in conflict.note

    # Take BILL's side: the payment is voided in QuickBooks too.
    resolve_conflict(world.store, conflict, take_all="a", actor="test")
    third = world.sync()
    assert third.exit_code == 0, [e.message for e in world.events if e.level == "error"]
    assert world.store.conflict(conflict.id).status == "pushed"
    link = world.store.link(payment.id)
    assert link is not None and link.a_deleted and link.b_deleted

    with world.sandbox.lock:
        held = world.sandbox.qbo_company.find("BillPayment", payment.b_id)
        assert held is not None, "voided, not deleted: QuickBooks keeps the record"
        assert held["TotalAmt"] == 0 and held["Line"] == []
        assert str(held["PrivateNote"]).startswith("Voided")

    assert world.sync().exit_code == 0
    assert world.store.live_conflict_for_link(payment.id) is None
    report = asyncio.run(verify(world.store, world.profile, world.factory(), entity="bill_payment"))
    assert report.count == 0, report.disagreements
