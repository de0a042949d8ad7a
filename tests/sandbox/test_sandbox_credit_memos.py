"""Credit memos in the stand-ins: each takes the documented create request and refuses one
its page does not document; ``SandboxConfig.credit_memos`` seeds a few and, off, leaves the
seeded companies (and their pinned digests) as they were."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox_helpers import Bill, Qbo, body, error_code, fault, http, make_sandbox

D = Decimal


def sample_request(customer: str) -> dict[str, Any]:
    """https://developer.bill.com/docs/ar-credit-memos, the sample request's priced lines."""
    return {
        "customerId": customer,
        "creditDate": "2025-12-28",
        "creditMemoLineItems": [
            {"description": "Classic extreme drum sticks", "price": "14.99", "quantity": "2"},
            {"description": "Metal guitar picks (5-pack)", "price": "50.00", "quantity": "1"},
        ],
        "referenceNumber": "202502-creditmemo",
    }


async def test_bill_takes_the_documented_credit_memo_and_serves_its_total() -> None:
    sandbox = make_sandbox(scenario="demo")
    customer = sandbox.seed_ids["bill"]["cust:1"]
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        made = await bill.send("POST", "credit-memos", sample_request(customer))
        assert made.status_code == 200, made.text
        memo = body(made)
        assert memo["id"].startswith("ccr")
        assert all(ln["id"].startswith("cci") for ln in memo["creditMemoLineItems"])
        assert memo["totalAmount"] == D("79.98")
        listed = await bill.all("credit-memos")
        assert [m["referenceNumber"] for m in listed] == ["202502-creditmemo"]
        # PATCH a documented field; archive and restore exist for credit memos.
        patched = await bill.send("PATCH", f"credit-memos/{memo['id']}", {"description": "x"})
        assert patched.status_code == 200, patched.text
        assert (await bill.send("POST", f"credit-memos/{memo['id']}/archive")).status_code == 200
        assert (await bill.send("POST", f"credit-memos/{memo['id']}/restore")).status_code == 200


async def test_bill_refuses_an_undocumented_or_incomplete_credit_memo() -> None:
    sandbox = make_sandbox(scenario="demo")
    customer = sandbox.seed_ids["bill"]["cust:1"]
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        unknown = await bill.send(
            "POST", "credit-memos", {**sample_request(customer), "vendorId": "00901"}
        )
        assert unknown.status_code == 400
        assert "vendorId" in unknown.json()[0]["message"]
        no_number = sample_request(customer)
        del no_number["referenceNumber"]
        missing = await bill.send("POST", "credit-memos", no_number)
        assert missing.status_code == 400
        assert "referenceNumber" in missing.json()[0]["message"]
        error_code(missing)  # BILL's error shape
        assert await bill.all("credit-memos") == []


QBO_MEMO = {
    "DocNumber": "CM-7",
    "TxnDate": "2026-03-01",
    "PrivateNote": "Returned drum sticks",
    "Line": [
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": D("29.98"),
            "Description": "Classic extreme drum sticks",
            "SalesItemLineDetail": {"Qty": D("2"), "UnitPrice": D("14.99")},
        }
    ],
}


async def test_quickbooks_takes_a_credit_memo_and_computes_its_total() -> None:
    sandbox = make_sandbox(scenario="demo")
    customer = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        made = await qbo.write("creditmemo", {**QBO_MEMO, "CustomerRef": {"value": customer}})
        assert made.status_code == 200, made.text
        memo = body(made)["CreditMemo"]
        assert memo["TotalAmt"] == D("29.98") == memo["RemainingCredit"]
        rows = await qbo.rows("select * from CreditMemo", "CreditMemo")
        assert [r["DocNumber"] for r in rows] == ["CM-7"]


async def test_quickbooks_refuses_an_unknown_property_or_a_credit_memo_without_customer() -> None:
    sandbox = make_sandbox(scenario="demo")
    customer = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        vendor = await qbo.write(
            "creditmemo",
            {**QBO_MEMO, "CustomerRef": {"value": customer}, "VendorRef": {"value": "1"}},
        )
        assert vendor.status_code == 400
        assert fault(vendor)["code"] == "2010"
        no_customer = await qbo.write("creditmemo", QBO_MEMO)
        assert no_customer.status_code == 400
        assert "CustomerRef" in str(fault(no_customer))
        expense = {
            "Amount": D("1.00"),
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "1"}},
        }
        with_expense = await qbo.write(
            "creditmemo",
            {**QBO_MEMO, "CustomerRef": {"value": customer}, "Line": [*QBO_MEMO["Line"], expense]},
        )
        assert with_expense.status_code == 400  # a sales form has no expense lines
        assert await qbo.rows("select * from CreditMemo", "CreditMemo") == []


def test_the_flag_seeds_credit_memos_and_off_leaves_the_snapshot_as_it_was() -> None:
    plain = make_sandbox(scenario="demo").snapshot()
    assert "CreditMemo" not in plain["qbo"] and "credit-memos" not in plain["bill"]
    seeded = make_sandbox(scenario="demo", credit_memos=True)
    snap = seeded.snapshot()
    bill_numbers = sorted(m["referenceNumber"] for m in snap["bill"]["credit-memos"])
    qbo_numbers = sorted(m["DocNumber"] for m in snap["qbo"]["CreditMemo"].values())
    assert bill_numbers == ["CM-3001", "CM-3002"]
    assert qbo_numbers == ["CM-3001", "CM-3003"]
    # Everything else is seeded exactly as without the flag.
    del snap["qbo"]["CreditMemo"], snap["bill"]["credit-memos"]
    assert snap == plain
