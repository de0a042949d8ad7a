"""Edit ownership end to end against the stand-ins (the usual preset: QuickBooks owns
invoices once synced, BILL owns payables). The owner's edit reaches the other system; an
edit made on the other side is said with the record, the owner and what to do, never
sent, never a conflict, and said again on every run (exit 1) until the two agree; when
both changed, the owner's value is the one both keep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.present import Names, plan_lines
from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES

INVOICE_NO = "1003"
BILL_NO = "579706"


def own(world: World) -> None:
    for entity, side in (("invoice", "b"), ("bill", "a"), ("bill_payment", "a")):
        world.store.set_setting(world.profile.id, f"owner.{entity}", side, actor="tester")
    for entity in ("bill", "bill_payment", "vendor_credit"):
        world.store.set_setting(world.profile.id, f"direction.{entity}", "a_to_b", actor="tester")


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = make_world(tmp_path, scenario="demo")
    own(world)
    assert world.sync().exit_code == 0
    world.events.clear()
    return world


def bill_invoice(world: World, number: str = INVOICE_NO) -> dict[str, Any]:
    with world.sandbox.lock:
        [found] = [
            r for r in world.sandbox.bill_org.all("invoices") if r.get("invoiceNumber") == number
        ]
    return dict(found)


def qbo_row(world: World, entity: str, number: str) -> dict[str, Any]:
    with world.sandbox.lock:
        [found] = [
            world.sandbox.qbo_company.render(rec)
            for _ident, rec in world.sandbox.qbo_company.rows(entity)
            if rec.get("DocNumber") == number
        ]
    return dict(found)


def edit_bill(world: World, resource: str, ident: str, changes: dict[str, Any]) -> None:
    with world.sandbox.lock:
        world.sandbox.bill_org.patch(BILL_RESOURCES[resource], ident, changes)


def edit_qbo(world: World, entity: str, number: str, changes: dict[str, Any]) -> None:
    held = qbo_row(world, entity, number)
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(QBO_ENTITIES[entity], {**held, **changes})


def said(world: World, *words: str) -> list[str]:
    return [
        e.message
        for e in world.events
        if getattr(e, "message", None) and all(w in e.message for w in words)
    ]


def test_an_invoice_edited_in_billing_is_said_never_sent_until_the_two_agree(
    world: World,
) -> None:
    invoice = bill_invoice(world)
    before = qbo_row(world, "Invoice", INVOICE_NO)
    edit_bill(world, "invoices", invoice["id"], {"dueDate": "2026-12-31"})

    plan = world.sync(dry_run=True)
    lines = plan_lines(plan.plan, Names(world.store).link_name)
    assert (
        f"  not sent   (neither)          '{INVOICE_NO}': due_date (not sent: changed in BILL; "
        "QuickBooks Online owns invoices once they are synced)"
    ) in lines

    for _ in range(2):  # said on every run, not only the run that saw the change
        world.events.clear()
        result = world.sync()
        assert result.exit_code == 1 and result.status == "waiting"
        assert result.counts["not_owned"] == 1 and result.counts["open_conflicts"] == 0
        assert said(world, f"Invoice '{INVOICE_NO}'") == [
            f"Invoice '{INVOICE_NO}': due_date changed in BILL and not sent: QuickBooks Online "
            "owns invoices once they are synced. Make the change in QuickBooks Online, or "
            "undo it in BILL."
        ]
        assert qbo_row(world, "Invoice", INVOICE_NO)["DueDate"] == before["DueDate"]
        assert bill_invoice(world)["dueDate"] == "2026-12-31"  # nothing reverted

    # The change made where it belongs: the two agree, nothing more is said.
    edit_qbo(world, "Invoice", INVOICE_NO, {"DueDate": "2026-12-31"})
    world.events.clear()
    result = world.sync()
    assert result.exit_code == 0 and result.counts["not_owned"] == 0
    assert said(world, f"Invoice '{INVOICE_NO}'") == []


def test_the_owners_invoice_edit_reaches_billing_and_wins_when_both_changed(
    world: World,
) -> None:
    edit_qbo(world, "Invoice", INVOICE_NO, {"DueDate": "2026-12-24"})
    assert world.sync().exit_code == 0
    assert bill_invoice(world)["dueDate"] == "2026-12-24"

    edit_bill(world, "invoices", bill_invoice(world)["id"], {"dueDate": "2027-01-02"})
    edit_qbo(world, "Invoice", INVOICE_NO, {"DueDate": "2027-01-09"})
    world.events.clear()
    result = world.sync()
    assert result.exit_code == 0 and result.counts["open_conflicts"] == 0
    assert bill_invoice(world)["dueDate"] == "2027-01-09"
    assert qbo_row(world, "Invoice", INVOICE_NO)["DueDate"] == "2027-01-09"
    assert said(world, f"Invoice '{INVOICE_NO}'") == [
        f"Invoice '{INVOICE_NO}': due_date was changed in both systems; QuickBooks Online "
        "owns invoices once they are synced, so its value is kept and BILL's 2027-01-02 is "
        "replaced."
    ]
    replaced = [
        r
        for r in world.store.audit(world.profile.id)
        if r["entity"] == "invoice" and r["field"] == "due_date" and r["by"] == "owner"
    ]
    assert [(str(r["old"]), str(r["new"])) for r in replaced] == [("2027-01-02", "2027-01-09")]


def test_a_bill_edited_in_accounting_is_said_not_an_unexplained_conflict(world: World) -> None:
    edit_qbo(world, "Bill", BILL_NO, {"DueDate": "2027-01-15"})
    world.events.clear()
    result = world.sync()
    assert result.exit_code == 1 and result.counts["open_conflicts"] == 0
    assert result.counts["conflicts_opened"] == 0
    assert said(world, f"Bill '{BILL_NO}'") == [
        f"Bill '{BILL_NO}': due_date changed in QuickBooks Online and not sent: BILL owns "
        "bills once they are synced. Make the change in BILL, or undo it in QuickBooks Online."
    ]
    [bill] = [
        r for r in world.sandbox.bill_org.all("bills") if r["invoice"]["invoiceNumber"] == BILL_NO
    ]
    assert bill["dueDate"] != "2027-01-15"
    # BILL's own edit still reaches QuickBooks, over the edit made there.
    edit_bill(world, "bills", bill["id"], {"dueDate": "2027-01-31"})
    assert world.sync().exit_code == 0
    assert qbo_row(world, "Bill", BILL_NO)["DueDate"] == "2027-01-31"
    assert dt.date.fromisoformat(qbo_row(world, "Bill", BILL_NO)["DueDate"]).month == 1
