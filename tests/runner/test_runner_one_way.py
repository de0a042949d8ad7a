"""One-way transactions and two-way AP payments end to end against the stand-ins.

One-way: transactions go BILL -> QuickBooks only and are edited in BILL; a transaction
made in QuickBooks is said (log and plan), never copied to BILL; a QuickBooks edit of a
synced one is said, never sent; lists still go both ways. Two-way AP payments: a bill
payment made in QuickBooks is recorded in BILL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.present import Names, plan_lines
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES
from recontui.setup.one_way import save_one_way_transactions, save_two_way_ap_payments

QBO_ONLY_BILL = "INV-14645"
INVOICE_NO = "1003"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path, scenario="demo")


def qbo_rows(world: World, entity: str) -> list[dict[str, Any]]:
    with world.sandbox.lock:
        return [
            dict(world.sandbox.qbo_company.render(rec))
            for _ident, rec in world.sandbox.qbo_company.rows(entity)
        ]


def bill_rows(world: World, resource: str) -> list[dict[str, Any]]:
    with world.sandbox.lock:
        return [dict(r) for r in world.sandbox.bill_org.all(resource)]


def test_one_way_transactions_copy_billing_to_accounting_only(world: World) -> None:
    assert (
        save_one_way_transactions(world.store, world.profile, True, "one-way transactions", "t")
        is None
    )
    plan = world.sync(dry_run=True)
    lines = plan_lines(plan.plan, Names(world.store).link_name)
    assert (
        f"  not sent   (neither)          '{QBO_ONLY_BILL}': (not sent: only in QuickBooks "
        "Online; copied BILL → QuickBooks Online only)"
    ) in lines
    assert not any(line.startswith("Invoices:") and "in BILL" in line for line in lines)
    assert "Vendors: 2 to create in BILL" in lines  # lists stay two-way

    bills_before = len(bill_rows(world, "bills"))
    result = world.sync()
    assert result.exit_code == 0, result.message
    assert len(bill_rows(world, "bills")) == bills_before  # nothing made in QuickBooks copied
    assert any(
        e.message == f"Bill '{QBO_ONLY_BILL}' exists only in QuickBooks Online; the direction "
        "does not allow creating it in BILL."
        for e in world.events
    )
    # A QuickBooks edit of a synced invoice is said, never sent: BILL owns them now.
    [held] = [r for r in qbo_rows(world, "Invoice") if r.get("DocNumber") == INVOICE_NO]
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(QBO_ENTITIES["Invoice"], {**held, "DueDate": "2027-02-01"})
    world.events.clear()
    result = world.sync()
    assert result.exit_code == 1 and result.counts["not_owned"] == 1
    [invoice] = [r for r in bill_rows(world, "invoices") if r.get("invoiceNumber") == INVOICE_NO]
    assert invoice["dueDate"] != "2027-02-01"
    assert any("BILL owns invoices once they are synced" in (e.message or "") for e in world.events)


def test_two_way_ap_payments_record_a_quickbooks_bill_payment_in_bill(world: World) -> None:
    store, profile = world.store, world.profile
    for entity in ("bill", "bill_payment", "vendor_credit"):
        store.set_setting(profile.id, f"direction.{entity}", "a_to_b", actor="t")
    assert world.sync().exit_code == 0
    # A bill BILL and QuickBooks both hold, paid by cheque in QuickBooks.
    bill_links = [link for link in store.links(profile.id, "bill") if link.a_id and link.b_id]
    link = bill_links[0]
    [qbo_bill] = [r for r in qbo_rows(world, "Bill") if r["Id"] == link.b_id]
    vendor, amount = (
        qbo_bill["VendorRef"],
        Decimal(str(qbo_bill["Balance"] or qbo_bill["TotalAmt"])),
    )
    payment = {
        "VendorRef": vendor,
        "PayType": "Check",
        "TxnDate": "2026-11-28",
        "TotalAmt": amount,
        "CheckPayment": {"BankAccountRef": {"value": bank_account(world)}},
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": link.b_id, "TxnType": "Bill"}]}],
    }
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(QBO_ENTITIES["BillPayment"], payment)
    before = len(bill_rows(world, "payments"))
    assert world.sync().exit_code == 0
    assert len(bill_rows(world, "payments")) == before, "one-way: not recorded in BILL"

    assert save_two_way_ap_payments(store, profile, True, "t") is None
    assert world.sync().exit_code == 0
    recorded = bill_rows(world, "payments")
    assert len(recorded) == before + 1
    assert Decimal(str(recorded[-1]["amount"])) == amount


def bank_account(world: World) -> str:
    return next(r["Id"] for r in qbo_rows(world, "Account") if r.get("AccountType") == "Bank")
