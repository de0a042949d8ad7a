"""Customer credit memos sync both ways between the stand-ins (SandboxConfig.credit_memos):
one made in BILL is created in QuickBooks with the same total to the cent, one made in
QuickBooks is created in BILL alike, an edit on either side reaches the other, and
`recontui verify` then finds the books agree."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES
from recontui.verify import verify

D = Decimal


@pytest.fixture
def cm_world(tmp_path: Path) -> World:
    return make_world(tmp_path, scenario="demo", credit_memos=True)


def qbo_memo(world: World, number: str) -> dict[str, Any]:
    with world.sandbox.lock:
        found = [
            world.sandbox.qbo_company.render(rec)
            for _ident, rec in world.sandbox.qbo_company.rows("CreditMemo")
            if rec.get("DocNumber") == number
        ]
    assert len(found) == 1, f"{len(found)} QuickBooks credit memos numbered {number}"
    return dict(found[0])


def bill_memo(world: World, number: str) -> dict[str, Any]:
    with world.sandbox.lock:
        found = [
            rec
            for rec in world.sandbox.bill_org.all("credit-memos")
            if rec.get("referenceNumber") == number and not rec.get("archived")
        ]
    assert len(found) == 1, f"{len(found)} BILL credit memos numbered {number}"
    return dict(found[0])


def books_agree(world: World) -> bool:
    world.profile = world.store.get_profile(world.profile.name)
    result = asyncio.run(verify(world.store, world.profile, world.factory()))
    return bool(result.count == 0) and result.checked["credit_memo"]["pairs"] >= 3


def test_credit_memos_are_copied_both_ways_with_the_same_total(cm_world: World) -> None:
    world = cm_world
    result = world.sync()
    assert result.exit_code == 0, [e.message for e in world.events if e.level == "error"]
    # Made in BILL only: now in QuickBooks, same customer, same total to the cent.
    made_in_bill = bill_memo(world, "CM-3002")
    copied = qbo_memo(world, "CM-3002")
    assert D(str(copied["TotalAmt"])) == made_in_bill["totalAmount"] == D("192.35")
    assert copied["CustomerRef"]["value"] == world.sandbox.seed_ids["qbo"]["cust:1"]
    assert copied["PrivateNote"] == "Customer credit"
    # Made in QuickBooks only: now in BILL.
    made_in_qbo = qbo_memo(world, "CM-3003")
    back = bill_memo(world, "CM-3003")
    assert back["totalAmount"] == D(str(made_in_qbo["TotalAmt"])) == D("66.66")
    assert back["customerId"] == world.sandbox.seed_ids["bill"]["cust:1"]
    # Held alike by both: matched, never copied twice.
    qbo_memo(world, "CM-3001")
    bill_memo(world, "CM-3001")
    assert books_agree(world)


def test_an_edit_to_a_credit_memo_syncs_from_either_side(cm_world: World) -> None:
    world = cm_world
    assert world.sync().exit_code == 0
    # An edit in QuickBooks: a new memo and a second line.
    held = qbo_memo(world, "CM-3001")
    line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": D("10.01"),
        "Description": "Restocking fee waived",
        "SalesItemLineDetail": {"Qty": D(1), "UnitPrice": D("10.01")},
    }
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(
            QBO_ENTITIES["CreditMemo"],
            {**held, "PrivateNote": "Lamp returned damaged", "Line": [*held["Line"], line]},
        )
    assert world.sync().exit_code == 0
    in_bill = bill_memo(world, "CM-3001")
    assert in_bill["description"] == "Lamp returned damaged"
    assert in_bill["totalAmount"] == D("55.51")
    # An edit in BILL: the date moves; QuickBooks follows.
    with world.sandbox.lock:
        world.sandbox.bill_org.patch(
            BILL_RESOURCES["credit-memos"], in_bill["id"], {"creditDate": "2026-11-20"}
        )
    assert world.sync().exit_code == 0
    assert qbo_memo(world, "CM-3001")["TxnDate"] == "2026-11-20"
    assert D(str(qbo_memo(world, "CM-3001")["TotalAmt"])) == D("55.51")
    assert books_agree(world)


def test_a_quickbooks_credit_memo_without_a_number_is_held_not_sent_to_bill(
    cm_world: World,
) -> None:
    """BILL requires a credit memo's referenceNumber (ar-credit-memos); QuickBooks does not."""
    world = cm_world
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(
            QBO_ENTITIES["CreditMemo"],
            {
                "CustomerRef": {"value": world.sandbox.seed_ids["qbo"]["cust:1"]},
                "TxnDate": "2026-11-30",
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": D("5.00"),
                        "Description": "Goodwill credit",
                    }
                ],
            },
        )
    before = len(world.sandbox.bill_org.all("credit-memos"))
    # Waiting on a person (exit 1), not failed: BILL was never asked to create it.
    assert world.sync().exit_code == 1
    assert not [e for e in world.events if e.level == "error"]
    held = [
        op
        for op in world.store.ops(world.profile.id, ("held",))
        if op.entity == "credit_memo" and op.op == "create" and op.side == "a"
    ]
    assert len(held) == 1
    # CM-3003 is copied; the numberless one is not.
    assert len(world.sandbox.bill_org.all("credit-memos")) == before + 1


def test_a_discounted_quickbooks_credit_memo_is_not_copied_by_its_lines_alone(
    cm_world: World,
) -> None:
    """As an invoice (engine/amounts.py): its lines add up to more than its total, so a copy
    of its lines would credit the customer a different amount; the runner says so."""
    world = cm_world
    with world.sandbox.lock:
        world.sandbox.qbo_company.save(
            QBO_ENTITIES["CreditMemo"],
            {
                "CustomerRef": {"value": world.sandbox.seed_ids["qbo"]["cust:1"]},
                "DocNumber": "CM-D1",
                "TxnDate": "2026-11-30",
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": D("100.00"),
                        "Description": "Returned chair",
                    },
                    {
                        "DetailType": "DiscountLineDetail",
                        "Amount": D("5.00"),
                        "DiscountLineDetail": {"PercentBased": False},
                    },
                ],
            },
        )
    world.sync()
    assert not [
        m for m in world.sandbox.bill_org.all("credit-memos") if m["referenceNumber"] == "CM-D1"
    ]
    said = [e.message for e in world.events if "CM-D1" in e.message]
    assert any("100.00" in m and "95.00" in m for m in said), said
    # The others are copied as usual.
    bill_memo(world, "CM-3003")
