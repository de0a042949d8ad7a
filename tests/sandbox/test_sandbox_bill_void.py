"""The BILL stand-in's ``POST /v3/payments/{paymentId}/void``
(https://developer.bill.com/reference/voidpayment: ``type`` and ``reason`` required,
``reason`` at most 4000 characters). A voided payment is served with ``singleStatus``
VOIDED (https://developer.bill.com/docs/single-status-payment-values: "Payment is voided
and is credited to the payer"), read-only, its ``updatedTime`` moved on, and what it paid is
owed again. The seeded payments carry no ``singleStatus`` (pinned snapshots do not change)."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Bill, body, error_code, http, make_sandbox


async def _a_payment(bill: Bill) -> dict[str, Any]:
    payments = await bill.all("payments")
    assert payments and not any("singleStatus" in p for p in payments)
    return payments[0]


async def test_a_void_needs_its_type_and_reason() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        paid = await _a_payment(bill)
        path = f"payments/{paid['id']}/void"
        for sent, code in [
            ({"reason": "duplicate"}, "BDC_1117"),
            ({"type": "VOID", "reason": "  "}, "BDC_1117"),
            ({"type": "VOID", "reason": "x" * 4001}, "BDC_1119"),
            ({"type": "VOID", "reason": "dup", "note": "?"}, "BDC_1002"),
        ]:
            response = await bill.send("POST", path, sent)
            assert response.status_code == 400, sent
            assert error_code(response) == code, (sent, response.text)
        unknown = await bill.send(
            "POST", "payments/stp01nothere/void", {"type": "V", "reason": "r"}
        )
        assert unknown.status_code == 404
        got = body(await bill.get(f"payments/{paid['id']}"))
        assert "singleStatus" not in got and got["updatedTime"] == paid["updatedTime"]


async def test_a_void_marks_the_payment_and_opens_the_bill_again() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        paid = await _a_payment(bill)
        bill_id = paid["billPayments"][0]["billId"]
        before = body(await bill.get(f"bills/{bill_id}"))

        response = await bill.send(
            "POST", f"payments/{paid['id']}/void", {"type": "VOID", "reason": "paid twice"}
        )
        assert response.status_code == 200, response.text
        voided = body(response)
        assert voided["singleStatus"] == "VOIDED"
        assert voided["updatedTime"] > paid["updatedTime"]
        served = body(await bill.get(f"payments/{paid['id']}"))
        assert served["singleStatus"] == "VOIDED"
        listed = [p for p in await bill.all("payments") if p["id"] == paid["id"]]
        assert listed[0]["singleStatus"] == "VOIDED"

        after = body(await bill.get(f"bills/{bill_id}"))
        assert after["dueAmount"] == before["dueAmount"] + paid["billPayments"][0]["amount"]
        assert after["updatedTime"] > before["updatedTime"]


async def test_single_status_is_read_only_on_a_payment() -> None:
    """The record-payment request has no ``singleStatus``: sending it is refused, as any key
    the request does not document is."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        paid = await _a_payment(bill)
        response = await bill.send(
            "POST",
            "bills/record-payment",
            {
                "vendorId": paid["vendorId"],
                "processDate": paid["processDate"],
                "toPrintCheck": False,
                "singleStatus": "VOIDED",
                "payments": [{"billId": paid["billPayments"][0]["billId"], "amount": 1}],
            },
        )
        assert response.status_code == 400
        assert error_code(response) == "BDC_1002"
