"""Sales tax through the tax map, against the stand-ins: a BILL invoice that charges a
sales tax mapped to no QuickBooks tax code is held with one sentence, nothing of it sent
to QuickBooks (and said again on every run); once the setup maps it, the next sync sends
it with the mapped code and its lines marked TAX/NON, and QuickBooks' recomputed total is
BILL's to the cent. A linked taxed invoice edited in BILL is updated without a conflict."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.setup.taxes import billing_tax_codes, save_tax_map
from recontui.verify import verify

NUMBERS = ("T-2001", "T-2002")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(
        tmp_path, scenario="demo", bill_sales_tax=True, qbo_sales_tax_code="California"
    )


def qbo_invoices(world: World) -> dict[str, dict[str, Any]]:
    with world.sandbox.lock:
        return {
            rec["DocNumber"]: rec
            for _id, rec in world.sandbox.qbo_company.rows("Invoice")
            if rec.get("DocNumber") in NUMBERS
        }


def bill_invoice(world: World, number: str) -> dict[str, Any]:
    with world.sandbox.lock:
        return next(
            r for r in world.sandbox.bill_org.all("invoices") if r["invoiceNumber"] == number
        )


def warnings(world: World, since: int) -> list[str]:
    return [e.message for e in world.events[since:] if e.level == "warning"]


def map_sales_tax(world: World) -> str:
    """What the setup's Tax mapping step saves: BILL's charged sales tax -> "California"."""
    bill_id = world.sandbox.seed_ids["bill"]["salestax:CA"]
    code = world.sandbox.seed_ids["qbo"]["taxcode:California"]
    assert save_tax_map(world.store, world.profile, {bill_id: code}, "test") is None
    return code


def verify_invoices(world: World) -> Any:
    return asyncio.run(verify(world.store, world.profile, world.factory(), entity="invoice"))


def held_sentence(number: str) -> str:
    return (
        f"Invoice {number!r} is not copied to QuickBooks Online: it charges BILL sales tax "
        "'CA + SF Sales Tax 8.625%', which is mapped to no QuickBooks Online tax code. Map it "
        "in `recontui setup`, step Tax mapping; the next sync sends it."
    )


def test_an_invoice_charging_an_unmapped_sales_tax_is_held_and_nothing_is_sent(
    world: World,
) -> None:
    result = world.sync()
    assert result.exit_code == 1 and result.counts["held"] == 2
    said = warnings(world, 0)
    for number in NUMBERS:
        assert held_sentence(number) in said
    assert qbo_invoices(world) == {}, "an invoice with an unmapped sales tax reached QuickBooks"
    held = world.store.ops(world.profile.id, ("held",))
    assert sorted(op.last_error or "" for op in held) == sorted(held_sentence(n) for n in NUMBERS)
    assert all(op.side == "b" and op.op == "create" for op in held)
    # Said again on the next run (exit 1 while it waits), still nothing sent.
    seen = len(world.events)
    again = world.sync()
    assert again.exit_code == 1 and again.counts["held"] == 2
    assert held_sentence("T-2001") in warnings(world, seen)
    assert qbo_invoices(world) == {}
    # `recontui verify` names the same next step (never the big-change guard's).
    checked = verify_invoices(world)
    assert {(d.record, d.action, d.todo) for d in checked.disagreements} == {
        (number, "fix", held_sentence(number)) for number in NUMBERS
    }


def test_once_mapped_the_next_sync_sends_it_with_the_code_and_the_totals_agree(
    world: World,
) -> None:
    assert world.sync().exit_code == 1
    code = map_sales_tax(world)
    assert [t.invoices for t in billing_tax_codes(world.store, world.profile)][:1] == [2]
    result = world.sync()
    assert result.exit_code == 0, [e.message for e in world.events if e.level != "info"]
    assert result.counts["created"] == 2 and result.counts["totals_differ"] == 0
    sent = qbo_invoices(world)
    assert sorted(sent) == list(NUMBERS)
    for number, rec in sent.items():
        source = bill_invoice(world, number)
        assert rec["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code
        marks = [
            line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
            for line in rec["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
        ]
        assert marks == ["TAX", "NON"]
        assert Decimal(rec["TotalAmt"]) == source["totalAmount"]  # to the cent
        assert Decimal(rec["TxnTaxDetail"]["TotalTax"]) == source["salesTaxTotal"] > 0
    assert not world.store.ops(world.profile.id, ("held", "pending"))
    # Nothing left to do: the next run plans nothing and exits 0.
    calm = world.sync()
    assert calm.exit_code == 0 and calm.counts["created"] == calm.counts["updated"] == 0
    assert verify_invoices(world).agree  # totals included


def test_a_linked_taxed_invoice_edited_in_bill_is_updated_without_a_conflict(
    world: World,
) -> None:
    world.sync()
    code = map_sales_tax(world)
    assert world.sync().exit_code == 0
    source = bill_invoice(world, "T-2001")

    async def edit() -> None:
        bill, _ = world.connectors()
        async with bill:
            rec = await bill.read("invoice", source["id"])
            lines = [dict(line) for line in rec.fields["lines"]]
            lines[1]["description"] = "Travel (two days)"
            await bill.update(
                "invoice", source["id"], rec.version, {"lines": lines}, idempotency_key="e"
            )

    asyncio.run(edit())
    result = world.sync()
    assert result.exit_code == 0 and result.counts["updated"] == 1
    assert result.counts["conflicts_opened"] == 0
    rec = qbo_invoices(world)["T-2001"]
    assert [line.get("Description") for line in rec["Line"][:2]] == [
        "Consulting, per hour",
        "Travel (two days)",
    ]
    assert rec["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code
    assert Decimal(rec["TotalAmt"]) == bill_invoice(world, "T-2001")["totalAmount"]
    assert bill_invoice(world, "T-2001")["invoiceLineItems"][0]["taxable"] is True
