"""QBO stand-in: batch item ids, payment voids and ``include=allowduplicatedocnum``.

- batch: ``bId`` is "a unique identifier" with no length limit of its own
  (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/batch);
  only with a ``requestid`` is the requestid held to 36 characters and each ``bId`` to 10
  (https://blogs.intuit.com/2015/04/06/15346/);
- void: "Use a sparse update operation with include=void ... all amounts and quantities are
  zeroed and the string, Voided, is injected into Payment.PrivateNote" (.../all-entities/payment,
  .../all-entities/billpayment);
- DocNumber: "If a duplicate DocNumber needs to be supplied, add the query parameter
  include=allowduplicatedocnum" (.../all-entities/invoice, .../bill, .../billpayment), the
  company's warnings being ``OtherPrefs`` ``WarnDuplicate...Number`` (.../all-entities/preferences).
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox_helpers import D, Qbo, body, fault, http, make_sandbox

from recontui.sandbox import jsonio


def sales_line(amount: str) -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "4"}, "Qty": D("1"), "UnitPrice": D(amount)},
    }


async def batch(qbo: Qbo, items: list[dict[str, Any]], **params: str) -> Any:
    response = await qbo.client.post(
        qbo.url("batch"),
        params={"minorversion": "75", **params},
        content=jsonio.dumps({"BatchItemRequest": items}),
        headers=qbo.headers(**{"Content-Type": "application/json"}),
    )
    return response.status_code, body(response)


async def test_batch_accepts_uuid_bids() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        ids = [str(uuid.uuid4()) for _ in range(3)]
        status, answer = await batch(
            qbo,
            [
                {"bId": ids[0], "operation": "create", "Customer": {"DisplayName": "Batch One"}},
                {"bId": ids[1], "operation": "create", "Customer": {"DisplayName": "Batch Two"}},
                {"bId": ids[2], "Query": "select * from Customer where DisplayName = 'Batch One'"},
            ],
        )
        assert status == 200
        items = answer["BatchItemResponse"]
        assert [i["bId"] for i in items] == ids
        assert items[0]["Customer"]["DisplayName"] == "Batch One"
        assert "Fault" not in items[1]
        assert "QueryResponse" in items[2]


async def test_batch_with_a_requestid_holds_bids_to_ten_characters() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        long_id = str(uuid.uuid4())
        status, answer = await batch(
            qbo,
            [{"bId": long_id, "operation": "create", "Customer": {"DisplayName": "Batch X"}}],
            requestid=str(uuid.uuid4()),
        )
        assert status == 200
        assert answer["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "2010"
        short = await batch(
            qbo,
            [{"bId": "b1", "operation": "create", "Customer": {"DisplayName": "Batch Y"}}],
            requestid=str(uuid.uuid4()),
        )
        assert "Customer" in short[1]["BatchItemResponse"][0]
        too_long = await batch(
            qbo,
            [{"bId": "b1", "operation": "create", "Customer": {"DisplayName": "Batch Z"}}],
            requestid="r" * 37,
        )
        assert too_long[0] == 400
        assert too_long[1]["Fault"]["Error"][0]["element"] == "requestid"


async def new_paid_invoice(qbo: Qbo, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = body(
        await qbo.write(
            "invoice",
            {"DocNumber": number, "CustomerRef": {"value": "1"}, "Line": [sales_line("95.00")]},
        )
    )["Invoice"]
    paid = await qbo.write(
        "payment",
        {
            "CustomerRef": {"value": "1"},
            "TotalAmt": D("95.00"),
            "PrivateNote": "cheque 12",
            "Line": [
                {
                    "Amount": D("95.00"),
                    "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                }
            ],
        },
    )
    assert paid.status_code == 200, paid.text
    return invoice, body(paid)["Payment"]


async def test_payment_void_zeroes_it_keeps_it_and_reopens_the_invoice() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        invoice, payment = await new_paid_invoice(qbo, "VOID-1")
        voided = await qbo.write(
            "payment",
            {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True},
            operation="update",
            include="void",
        )
        assert voided.status_code == 200, voided.text
        after = body(voided)["Payment"]
        assert after["Id"] == payment["Id"] and after["SyncToken"] == "1"
        assert after["TotalAmt"] == 0 and after["UnappliedAmt"] == 0
        assert after["Line"] == []
        assert after["PrivateNote"].startswith("Voided") and "cheque 12" in after["PrivateNote"]
        assert body(await qbo.read("payment", payment["Id"]))["Payment"]["TotalAmt"] == 0
        reopened = body(await qbo.read("invoice", invoice["Id"]))["Invoice"]
        assert reopened["Balance"] == D("95.00") and "LinkedTxn" not in reopened
        stale = await qbo.write(
            "payment",
            {"Id": payment["Id"], "SyncToken": "0", "sparse": True},
            operation="update",
            include="void",
        )
        assert fault(stale)["code"] == "5010"


async def test_batch_void_of_a_payment() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        _, payment = await new_paid_invoice(qbo, "VOID-2")
        status, answer = await batch(
            qbo,
            [
                {
                    "bId": str(uuid.uuid4()),
                    "operation": "update",
                    "optionsData": "void",
                    "Payment": {"Id": payment["Id"], "SyncToken": "0", "sparse": True},
                }
            ],
        )
        assert status == 200
        assert answer["BatchItemResponse"][0]["Payment"]["TotalAmt"] == 0


async def test_duplicate_invoice_number_needs_allowduplicatedocnum() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        payload = {"DocNumber": "DUP-1", "CustomerRef": {"value": "1"}, "Line": [sales_line("5")]}
        assert (await qbo.write("invoice", payload)).status_code == 200
        refused = await qbo.write("invoice", payload)
        assert fault(refused)["code"] == "6140"
        allowed = await qbo.write("invoice", payload, include="allowduplicatedocnum")
        assert allowed.status_code == 200, allowed.text
        assert body(allowed)["Invoice"]["DocNumber"] == "DUP-1"


async def test_duplicate_bill_number_follows_the_company_warning() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        bill = (await qbo.rows("SELECT * FROM Bill MAXRESULTS 1", "Bill"))[0]
        payload = {
            "DocNumber": "B-DUP",
            "VendorRef": bill["VendorRef"],
            "Line": [
                {
                    "Amount": D("10.00"),
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": bill["Line"][0][
                        "AccountBasedExpenseLineDetail"
                    ],
                }
            ],
        }
        assert (await qbo.write("bill", payload)).status_code == 200
        # Intuit's sample company does not warn on duplicate bill numbers.
        assert (await qbo.write("bill", payload)).status_code == 200
        sandbox.qbo_company.preferences.set_other("WarnDuplicateBillNumber", "true")
        refused = await qbo.write("bill", payload)
        assert fault(refused)["code"] == "6140"
        allowed = await qbo.write("bill", payload, include="allowduplicatedocnum")
        assert allowed.status_code == 200, allowed.text


async def test_batches_past_the_per_minute_limit_are_throttled() -> None:
    """ "40 batch requests per minute per realm ID and app"
    (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles): the
    stand-in holds batches to their own budget (here 2 a minute) besides the 500 requests."""
    sandbox = make_sandbox(scenario="demo", qbo_batches_per_minute=2)
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        statuses = []
        for i in range(3):
            item = {"bId": "1", "operation": "create", "Customer": {"DisplayName": f"Paced {i}"}}
            response = await qbo.client.post(
                qbo.url("batch"),
                params={"minorversion": "75"},
                content=jsonio.dumps({"BatchItemRequest": [item]}),
                headers=qbo.headers(**{"Content-Type": "application/json"}),
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 429]
        # Other requests still go: the batch budget is its own.
        response = await qbo.client.get(
            qbo.url("companyinfo/" + qbo.realm),
            params={"minorversion": "75"},
            headers=qbo.headers(),
        )
        assert response.status_code == 200
