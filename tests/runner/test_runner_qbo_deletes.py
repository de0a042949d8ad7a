"""A transaction deleted in QuickBooks Online reaches the runner as a tombstone (through
change data capture) and is handled like a BILL archive: a delete conflict, then the
person's decision carried out."""

from __future__ import annotations

import asyncio

from runner_world import World

from recontui.decisions import resolve_conflict
from recontui.store import Link


def unpaid_paired_invoice(world: World) -> Link:
    """A paired invoice with no payment applied in QBO (QBO refuses to delete those) and
    no conflict waiting (so the deletion is the only thing to decide)."""
    paid = {
        ref.remote_id
        for p in world.store.links(world.profile.id, "payment")
        for line in (p.b_fields or {}).get("applied") or []
        for ref in [line.get("invoice")]
        if ref is not None
    }
    busy = {c.link_id for c in world.store.conflicts(world.profile.id)}
    return next(
        link
        for link in world.store.links(world.profile.id, "invoice", where="state='paired'")
        if link.b_id not in paid and link.id not in busy
    )


def delete_in_qbo(world: World, link: Link) -> None:
    async def go() -> None:
        _, qbo = world.connectors()
        async with qbo:
            rec = await qbo.read("invoice", link.b_id)
            assert rec is not None
            gone = await qbo.deactivate("invoice", link.b_id, rec.version, idempotency_key="del")
            assert gone.deleted

    asyncio.run(go())


def cursor_events(world: World) -> list[str]:
    return [e.message for e in world.events if "change data capture" in e.message]


def test_an_invoice_deleted_in_qbo_becomes_a_delete_conflict_and_is_carried_out(
    demo_world: World,
) -> None:
    world = demo_world
    world.sync()
    invoice = unpaid_paired_invoice(world)
    delete_in_qbo(world, invoice)

    second = world.sync()
    assert second.exit_code == 1
    link = world.store.link(invoice.id)
    assert link is not None and link.b_deleted and not link.a_deleted
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.link_id == invoice.id
    )
    assert conflict.kind == "delete"
    assert conflict.fields["deleted"]["b"] is True
    assert not cursor_events(world), "the second pull was within change data capture's window"

    # Keep QuickBooks' side of it: the invoice is archived in BILL too.
    resolve_conflict(world.store, conflict, take_all="b", actor="test")
    third = world.sync()
    assert third.exit_code == 0
    assert world.store.conflict(conflict.id).status == "pushed"
    assert world.store.link(invoice.id).a_deleted

    async def bill_state() -> bool:
        bill, _ = world.connectors()
        async with bill:
            rec = await bill.read("invoice", invoice.a_id)
            return rec is not None and rec.deleted

    assert asyncio.run(bill_state())


def test_an_invoice_deleted_in_qbo_can_be_brought_back(demo_world: World) -> None:
    world = demo_world
    world.sync()
    invoice = unpaid_paired_invoice(world)
    number = invoice.a_fields["number"]
    delete_in_qbo(world, invoice)
    world.sync()
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.link_id == invoice.id
    )
    resolve_conflict(world.store, conflict, take_all="a", actor="test")
    assert world.sync().exit_code == 0
    link = world.store.link(invoice.id)
    assert link is not None and not link.b_deleted and link.b_id != invoice.b_id

    async def qbo_number() -> str:
        _, qbo = world.connectors()
        async with qbo:
            rec = await qbo.read("invoice", link.b_id)
            assert rec is not None and not rec.deleted
            return rec.fields["number"]

    assert asyncio.run(qbo_number()) == number


def test_a_deletion_supersedes_the_records_open_field_conflict(world: World) -> None:
    """A record in a field conflict that one side then deletes: the deletion is decided."""
    world.sync()
    field = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity == "invoice" and c.kind == "field"
    )
    link = world.store.link(field.link_id)
    paid = {
        ref.remote_id
        for p in world.store.links(world.profile.id, "payment")
        for line in (p.b_fields or {}).get("applied") or []
        for ref in [line.get("invoice")]
        if ref is not None
    }
    assert link.b_id not in paid
    delete_in_qbo(world, link)

    world.sync()
    assert world.store.conflict(field.id).status == "superseded"
    assert "decide the deletion" in (world.store.conflict(field.id).note or "")
    live = world.store.live_conflict_for_link(link.id)
    assert live is not None and live.kind == "delete" and live.status == "open"


def test_a_deletion_is_said_as_a_decision_and_can_be_unlinked(demo_world: World) -> None:
    """Deletions never propagate by themselves: the other side keeps the record, the log
    and the plan say so with the three answers, and "unlink" leaves both sides as they
    are, never synced again."""
    from recontui.present import Names, plan_lines

    world = demo_world
    world.sync()
    invoice = unpaid_paired_invoice(world)
    number = invoice.a_fields["number"]
    delete_in_qbo(world, invoice)
    words = (
        "deleted in QuickBooks Online; BILL keeps it until you decide: delete it in BILL "
        "too, bring it back in QuickBooks Online, or unlink the two"
    )
    plan = world.sync(dry_run=True)
    lines = plan_lines(plan.plan, Names(world.store).link_name)
    assert f"  decide     (you)              '{number}': {words}" in lines
    world.events.clear()
    assert world.sync().exit_code == 1
    assert f"Invoice '{number}': {words}." in [e.message for e in world.events]
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.link_id == invoice.id
    )
    assert conflict.note == words
    resolve_conflict(world.store, conflict, ignore=True, actor="test")
    assert world.sync().exit_code == 0
    assert world.store.link(invoice.id).state == "ignored"

    async def bill_state() -> bool:
        bill, _ = world.connectors()
        async with bill:
            rec = await bill.read("invoice", invoice.a_id)
            return rec is not None and not rec.deleted

    assert asyncio.run(bill_state()), "BILL keeps its invoice"
    assert world.sync().exit_code == 0  # nothing asked again
