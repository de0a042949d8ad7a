"""Check numbers flow one way, from BILL to QuickBooks Online (BILL's sync matrix for
QuickBooks Online: "Check numbers 1-way from Bill.com"). BILL gives a payment its number
when it sends it as a check (``checkDisbursement.checkNumber``); the next sync writes it to
the QuickBooks BillPayment's number. A payment BILL has not sent as a check has no number
there: what QuickBooks holds stands, and nothing is said or queued about it."""

from __future__ import annotations

import asyncio

from runner_world import World

from recontui.store import Link
from recontui.verify import verify


def paired_bill_payments(world: World) -> list[Link]:
    busy = {c.link_id for c in world.store.conflicts(world.profile.id)}
    return [
        link
        for link in world.store.links(world.profile.id, "bill_payment", where="state='paired'")
        if link.id not in busy and link.a_id and link.b_id
    ]


def doc_number(world: World, link: Link) -> object:
    with world.sandbox.lock:
        held = world.sandbox.qbo_company.find("BillPayment", link.b_id)
    assert held is not None
    return held.get("DocNumber")


def test_a_check_number_bill_gives_a_payment_reaches_quickbooks(demo_world: World) -> None:
    world = demo_world
    world.sync()
    payments = paired_bill_payments(world)
    assert len(payments) >= 2
    sent, recorded = payments[0], payments[1]
    before = doc_number(world, recorded)
    with world.sandbox.lock:
        world.sandbox.bill_org.send_check(sent.a_id, "10234")

    second = world.sync()
    assert second.exit_code == 0, [e.message for e in world.events if e.level == "error"]
    assert doc_number(world, sent) == "10234"
    assert doc_number(world, recorded) == before, "a payment without a check keeps its number"
    assert not any(
        c.link_id in (sent.id, recorded.id) for c in world.store.conflicts(world.profile.id)
    )
    assert world.sync().exit_code == 0
    report = asyncio.run(verify(world.store, world.profile, world.factory(), entity="bill_payment"))
    assert report.count == 0, report.disagreements


def test_quickbooks_numbers_with_no_check_in_bill_are_no_disagreement(demo_world: World) -> None:
    """QuickBooks bill payments carry their own numbers (DocNumber); BILL's recorded
    payments have none: the first sync opens no conflict for it and verify counts none."""
    world = demo_world
    first = world.sync()
    numbered = [p for p in paired_bill_payments(world) if doc_number(world, p)]
    assert numbered, "the demo's QuickBooks bill payments carry numbers"
    assert not any(
        "reference" in (c.fields or {})
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "bill_payment"
    ), first
    report = asyncio.run(verify(world.store, world.profile, world.factory(), entity="bill_payment"))
    assert report.count == 0, report.disagreements
