"""The BILL stand-in's bulk creates, ``POST /v3/{resource}/bulk`` (issue 15).

From the pages: "You can create up to 20 vendors with one POST /v3/vendors/bulk request"
and "If any vendor creation is not successful, the entire request fails and none of the
vendors in the request are created" (https://developer.bill.com/reference/createbulkvendor);
up to 100 bills, the same all-or-nothing rule
(https://developer.bill.com/reference/createbulkbills); up to 50 vendor credits, credit
memos, charts of accounts, accounting classes, departments and items
(https://developer.bill.com/reference/bulkcreatevendorcredit, .../bulkcreatecreditmemo,
.../bulkcreateclassificationchartofaccounts, .../bulkcreateclassificationaccountingclass,
.../bulkcreateclassificationdepartment, .../bulkcreateclassificationitem). The body is a
JSON array of single-create bodies; the answer (201) is the bills as an array, the others
under a key (``{"vendors": [...]}``), BILL's Postman collection [P]. No page says what a
request over the cap gets: a 400 in BILL's error shape. Customers and invoices have no v3
bulk create: BDC_1121."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Bill, body, error_code, http, make_sandbox

#: resource -> (documented cap, key of the answer's array; None: the answer is the array)
BULK = {
    "vendors": (20, "vendors"),
    "bills": (100, None),
    "vendor-credits": (50, "vendorCredits"),
    "credit-memos": (50, "creditMemos"),
    "classifications/chart-of-accounts": (50, "chartOfAccounts"),
    "classifications/accounting-classes": (50, "accountingClasses"),
    "classifications/departments": (50, "departments"),
    "classifications/items": (50, "items"),
}


def vendor(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "accountType": "BUSINESS",
        "email": f"{name.lower().replace(' ', '.')}@example.test",
        "phone": "555-0100",
        **extra,
    }


async def _names(bill: Bill, path: str) -> set[str]:
    return {row["name"] for row in await bill.all(path)}


async def test_vendors_in_one_request_answered_in_order_and_counted_once() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        sent = [vendor(f"Bulk vendor {i}") for i in range(3)]
        hourly, in_flight = sandbox.bill.hourly.granted, sandbox.bill.limiter.granted
        response = await bill.send("POST", "vendors/bulk", sent)
        assert response.status_code == 201, response.text
        assert sandbox.bill.hourly.granted == hourly + 1, "one request against the budget"
        assert sandbox.bill.limiter.granted == in_flight + 1
        made = body(response)["vendors"]
        assert [v["name"] for v in made] == [v["name"] for v in sent]
        for got in made:
            assert got["id"].startswith("009") and got["archived"] is False
            assert got["createdTime"] == got["updatedTime"]
            served = body(await bill.get(f"vendors/{got['id']}"))
            assert served == got


async def test_one_refused_vendor_refuses_the_whole_request() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        before = await _names(bill, "vendors")
        blank = vendor("Bulk without email")
        blank["email"] = " "
        response = await bill.send(
            "POST", "vendors/bulk", [vendor("Bulk fine 1"), blank, vendor("Bulk fine 2")]
        )
        assert response.status_code == 400
        assert error_code(response) == "BDC_1117", response.text
        assert "email" in response.json()[0]["message"]
        assert await _names(bill, "vendors") == before, "none of them was created"
        # The same vendors without the refused one go through.
        again = await bill.send(
            "POST", "vendors/bulk", [vendor("Bulk fine 1"), vendor("Bulk fine 2")]
        )
        assert again.status_code == 201, again.text
        assert await _names(bill, "vendors") == before | {"Bulk fine 1", "Bulk fine 2"}


async def test_bills_answer_an_array_and_a_duplicate_inside_the_request_refuses_it() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        vendor_id = (await bill.all("vendors"))[0]["id"]

        def one(number: str) -> dict[str, Any]:
            return {
                "vendorId": vendor_id,
                "dueDate": "2026-04-30",
                "billLineItems": [{"amount": 149, "description": "USB audio interface"}],
                "invoice": {"invoiceNumber": number, "invoiceDate": "2026-03-31"},
            }

        count = len(await bill.all("bills"))
        twice = await bill.send("POST", "bills/bulk", [one("BULK-1"), one("BULK-1")])
        assert twice.status_code == 400, twice.text
        assert len(await bill.all("bills")) == count, "the first was not kept"
        response = await bill.send("POST", "bills/bulk", [one("BULK-1"), one("BULK-2")])
        assert response.status_code == 201, response.text
        made = body(response)
        assert isinstance(made, list)
        assert [b["invoice"]["invoiceNumber"] for b in made] == ["BULK-1", "BULK-2"]
        assert all(b["id"].startswith("00n") and b["amount"] == 149 for b in made)
        assert len(await bill.all("bills")) == count + 2


@pytest.mark.parametrize("path", sorted(BULK))
async def test_a_request_over_the_documented_cap_is_refused_whole(path: str) -> None:
    cap, key = BULK[path]
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        held = len(sandbox.bill_org.all(path))
        over = [{"name": f"Over {i}"} for i in range(cap + 1)]
        response = await bill.send("POST", f"{path}/bulk", over)
        assert response.status_code == 400, response.text
        assert error_code(response) == "BDC_1002"
        assert str(cap) in response.json()[0]["message"]
        assert len(sandbox.bill_org.all(path)) == held
        if path.startswith("classifications/"):
            # At the cap, records that need only a name go through, under their key.
            fine = await bill.send("POST", f"{path}/bulk", over[:cap])
            assert fine.status_code == 201, fine.text
            assert [r["name"] for r in body(fine)[key]] == [r["name"] for r in over[:cap]]
            assert len(sandbox.bill_org.all(path)) == held + cap


@pytest.mark.parametrize("sent", [{}, [], "vendors"])
async def test_the_body_is_a_non_empty_array(sent: Any) -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        response = await bill.send("POST", "vendors/bulk", sent)
        assert response.status_code == 400, response.text
        assert error_code(response) == "BDC_1002"


@pytest.mark.parametrize("path", ["customers", "invoices"])
async def test_customers_and_invoices_have_no_bulk_create(path: str) -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        response = await bill.send("POST", f"{path}/bulk", [{"name": "x", "email": "x@y.z"}])
        assert response.status_code == 404
        assert error_code(response) == "BDC_1121"
