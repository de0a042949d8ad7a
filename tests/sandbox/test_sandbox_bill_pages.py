"""The BILL stand-in against BILL's own pages: each test names the page its rule comes from.

A documented request is accepted as the page shows it; a request in a shape the page does
not show is refused in BILL's documented error envelope (an array of
``{timestamp, code, severity, category, message}``,
https://developer.bill.com/docs/common-api-error-codes).
"""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Bill, D, body, error_code, http, make_sandbox


def _error(response: Any) -> dict[str, Any]:
    error_code(response)  # the documented envelope
    first: dict[str, Any] = response.json()[0]
    return first


async def _open_invoice(bill: Bill) -> dict[str, Any]:
    invoices = await bill.all("invoices", filters="archived:eq:false")
    return next(i for i in invoices if i["status"] == "OPEN" and i["totalAmount"] > 10)


async def _open_bill(bill: Bill) -> dict[str, Any]:
    bills = await bill.all("bills", filters="archived:eq:false")
    return next(b for b in bills if b["paymentStatus"] == "UNPAID" and b["amount"] > 10)


# -- https://developer.bill.com/docs/recording-an-ar-payment ------------------------------


async def test_record_ar_payment_takes_the_documented_body_and_lists_it_as_received() -> None:
    """Page: https://developer.bill.com/docs/recording-an-ar-payment (sample request) and
    https://developer.bill.com/hc/docs/recordinvoice (body params); the received payment is
    read from GET /v3/receivable-payments/{id} (BILL's Postman collection "BILL v3 API")."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        inv = await _open_invoice(bill)
        part = D("10.00")
        recorded = await bill.send(
            "POST",
            "invoices/record-payment",
            {
                "amount": "15.00",
                "customerId": inv["customerId"],
                "invoices": [{"amount": str(part), "id": inv["id"]}],
                "paymentDate": "2026-03-10",
                "paymentType": "CREDIT_CARD",
                "description": "Accepted credit card payment in store",
            },
        )
        assert recorded.status_code == 200, recorded.text
        answer = body(recorded)
        assert answer["id"].startswith("0rp")
        assert answer["paymentType"] == "CREDIT_CARD" and answer["unappliedAmount"] == D("5.00")
        assert [i["id"] for i in answer["invoices"]] == [inv["id"]]
        held = body(await bill.get(f"receivable-payments/{answer['id']}"))
        assert held["customerId"] == inv["customerId"] and held["paymentDate"] == "2026-03-10"
        assert held["amount"] == D("15.00") and held["receivablesType"] == "CREDIT_CARD"
        assert held["invoicePayments"] == [
            {"invoiceId": inv["id"], "amount": part, "paymentDate": "2026-03-10"}
        ]
        assert held["description"] == "Accepted credit card payment in store"
        assert "archived" not in held  # receivable payments have no archive/restore
        after = body(await bill.get(f"invoices/{inv['id']}"))
        assert after["dueAmount"] == inv["totalAmount"] - part


async def test_record_ar_payment_refuses_a_shape_the_page_does_not_show() -> None:
    """Page: https://developer.bill.com/docs/recording-an-ar-payment: required paymentDate,
    paymentType (CASH, CHECK, CREDIT_CARD, ACH, PAYPAL or OTHER), amount, invoices[{id,
    amount}]; an unknown parameter is BDC_1002 (common-api-error-codes)."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        inv = await _open_invoice(bill)
        good = {
            "customerId": inv["customerId"],
            "paymentDate": "2026-03-10",
            "paymentType": "OTHER",
            "amount": "1.00",
            "invoices": [{"id": inv["id"], "amount": "1.00"}],
        }
        old = {**good, "invoices": [{"invoiceId": inv["id"], "amount": "1.00"}]}
        assert error_code(await bill.send("POST", "invoices/record-payment", old)) == "BDC_1002"
        for drop in ("paymentDate", "paymentType", "amount", "invoices"):
            partial = {k: v for k, v in good.items() if k != drop}
            refused = await bill.send("POST", "invoices/record-payment", partial)
            assert refused.status_code == 400 and drop in _error(refused)["message"], drop
        wire = await bill.send("POST", "invoices/record-payment", {**good, "paymentType": "WIRE"})
        assert error_code(wire) == "BDC_1119"
        reference = {**good, "referenceNumber": "CHK-1"}
        assert error_code(await bill.send("POST", "invoices/record-payment", reference)) == (
            "BDC_1002"
        )
        ok = await bill.send("POST", "invoices/record-payment", good)
        assert ok.status_code == 200, ok.text


# -- https://developer.bill.com/docs/record-ap-payments -----------------------------------


async def test_record_ap_payment_takes_the_documented_body_and_lists_it_as_a_payment() -> None:
    """Page: https://developer.bill.com/docs/record-ap-payments (sample request) and
    https://developer.bill.com/hc/reference/recordpayment; the payment reads back from
    GET /v3/payments/{id} with ``processDate`` and ``billPayments[{id, billId, amount}]``."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        open_bill = await _open_bill(bill)
        sent = await bill.send(
            "POST",
            "bills/record-payment",
            {
                "vendorId": open_bill["vendorId"],
                "processDate": "2026-03-11",
                "toPrintCheck": False,
                "description": "Paid by wire",
                "payments": [{"billId": open_bill["id"], "amount": open_bill["amount"]}],
            },
        )
        assert sent.status_code == 200, sent.text
        answer = body(sent)
        assert answer["id"].startswith("stp") and answer["amount"] == open_bill["amount"]
        assert answer["processDate"] == "2026-03-11" and answer["toPrintCheck"] is False
        [applied] = answer["billPayments"]
        assert applied["billId"] == open_bill["id"] and applied["amount"] == open_bill["amount"]
        held = body(await bill.get(f"payments/{answer['id']}"))
        assert held["billPayments"] == answer["billPayments"]
        assert held["description"] == "Paid by wire" and "archived" not in held
        assert body(await bill.get(f"bills/{open_bill['id']}"))["paymentStatus"] == "PAID"


async def test_record_ap_payment_refuses_payment_date_and_bills() -> None:
    """Page: https://developer.bill.com/docs/record-ap-payments: required vendorId,
    processDate, toPrintCheck, payments[{billId, amount}]."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        open_bill = await _open_bill(bill)
        good = {
            "vendorId": open_bill["vendorId"],
            "processDate": "2026-03-11",
            "toPrintCheck": False,
            "payments": [{"billId": open_bill["id"], "amount": "1.00"}],
        }
        old = {
            "vendorId": open_bill["vendorId"],
            "paymentDate": "2026-03-11",
            "toPrintCheck": False,
            "bills": [{"billId": open_bill["id"], "amount": "1.00"}],
        }
        assert error_code(await bill.send("POST", "bills/record-payment", old)) == "BDC_1002"
        for drop in ("vendorId", "processDate", "toPrintCheck", "payments"):
            partial = {k: v for k, v in good.items() if k != drop}
            refused = await bill.send("POST", "bills/record-payment", partial)
            assert refused.status_code == 400 and drop in _error(refused)["message"], drop
        ok = await bill.send("POST", "bills/record-payment", good)
        assert ok.status_code == 200, ok.text


async def test_recorded_payments_offer_no_update_and_vendor_credits_no_restore() -> None:
    """BILL's Postman collection "BILL v3 API" lists GET (list, details) for
    /v3/receivable-payments and no PATCH for /v3/payments, and archive but no restore for
    /v3/vendor-credits: anything else is BDC_1121 "API not supported" with a 404
    (https://developer.bill.com/docs/faq)."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        received = (await bill.all("receivable-payments"))[0]
        paid = (await bill.all("payments"))[0]
        credit = (await bill.all("vendor-credits"))[0]
        for path in (f"receivable-payments/{received['id']}", f"payments/{paid['id']}"):
            patched = await bill.send("PATCH", path, {"description": "x"})
            assert patched.status_code == 404 and error_code(patched) == "BDC_1121", path
        restore = await bill.send("POST", f"vendor-credits/{credit['id']}/restore")
        assert restore.status_code == 404 and error_code(restore) == "BDC_1121"
        archived = await bill.send("POST", f"vendor-credits/{credit['id']}/archive")
        assert archived.status_code == 200 and body(archived)["archived"] is True


# -- https://developer.bill.com/docs/ar-invoices ------------------------------------------


async def test_invoice_create_takes_a_customer_object_and_line_quantities() -> None:
    """Pages: https://developer.bill.com/docs/ar-invoices (sample request) and
    https://developer.bill.com/hc/docs/createinvoice: ``customer`` (object, required),
    ``invoiceLineItems`` (required, ``quantity`` on each); the invoice is served with
    ``customerId`` (BILL's Postman collection)."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        customer = (await bill.all("customers", filters="archived:eq:false"))[0]
        lines = [
            {"quantity": 2, "description": "Classic extreme drum sticks", "price": D("14.99")},
            {"quantity": 1, "description": "Metal guitar picks (5-pack)", "price": 50},
        ]
        made = await bill.send(
            "POST",
            "invoices",
            {
                "customer": {"id": customer["id"]},
                "invoiceLineItems": lines,
                "invoiceNumber": "202502",
                "dueDate": "2026-12-31",
            },
        )
        assert made.status_code == 200, made.text
        inv = body(made)
        assert inv["customerId"] == customer["id"] and "customer" not in inv
        assert inv["totalAmount"] == D("79.98") and inv["invoiceDate"] == "2026-03-15"
        assert all(ln["id"].startswith("00f") for ln in inv["invoiceLineItems"])
        old = {
            "customerId": customer["id"],
            "invoiceNumber": "202503",
            "invoiceLineItems": [{"quantity": 1, "price": 5}],
        }
        refused = await bill.send("POST", "invoices", old)
        assert refused.status_code == 400 and "customer" in _error(refused)["message"]
        no_quantity = {
            "customer": {"id": customer["id"]},
            "invoiceNumber": "202504",
            "invoiceLineItems": [{"amount": 5, "description": "no quantity"}],
        }
        refused = await bill.send("POST", "invoices", no_quantity)
        assert "quantity" in _error(refused)["message"]


async def test_invoice_create_with_a_new_customer_by_name_and_email() -> None:
    """Page: https://developer.bill.com/hc/docs/createinvoice: "Set name and email for
    creating a new customer with the invoice"."""
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        made = await bill.send(
            "POST",
            "invoices",
            {
                "customer": {"name": "Paperless Band", "email": "band@example.com"},
                "invoiceLineItems": [{"quantity": 1, "price": 20}],
            },
        )
        assert made.status_code == 200, made.text
        [customer] = await bill.all("customers")
        assert customer["name"] == "Paperless Band" and customer["email"] == "band@example.com"
        assert body(made)["customerId"] == customer["id"]


# -- required fields: https://developer.bill.com/docs/ar-customers, creating-a-us-vendor ---


async def test_customer_and_vendor_creates_refuse_a_missing_required_field() -> None:
    """Pages: https://developer.bill.com/docs/ar-customers (name, email) and
    https://developer.bill.com/docs/creating-a-us-vendor (name, accountType, email, phone);
    the refusal is a 400 in BILL's error array, worded as a real organisation answers
    ("email: must not be blank")."""
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        customer = {"name": "Paperless Band", "email": "band@example.com"}
        for drop in customer:
            refused = await bill.send(
                "POST", "customers", {k: v for k, v in customer.items() if k != drop}
            )
            err = _error(refused)
            assert refused.status_code == 400 and err["message"] == f"{drop}: must not be blank"
            assert err["category"] == "REQUEST" and err["severity"] == "ERROR"
        blank = await bill.send("POST", "customers", {**customer, "email": "  "})
        assert _error(blank)["message"] == "email: must not be blank"
        assert (await bill.send("POST", "customers", customer)).status_code == 200
        vendor = {
            "name": "Happy Music Supplies",
            "accountType": "BUSINESS",
            "email": "info@example.com",
            "phone": "9876543210",
        }
        for drop in vendor:
            refused = await bill.send(
                "POST", "vendors", {k: v for k, v in vendor.items() if k != drop}
            )
            assert _error(refused)["message"] == f"{drop}: must not be blank", drop
        assert (await bill.send("POST", "vendors", vendor)).status_code == 200


# -- shapes from BILL's Postman collection ("BILL v3 API") --------------------------------


async def test_account_vendor_and_expense_line_shapes() -> None:
    """BILL's Postman collection: a chart of accounts carries ``account{type, number}``; a
    vendor's company name is ``additionalInfo.companyName``; bill and vendor-credit lines
    carry their account as ``classifications.chartOfAccountId``."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        made = await bill.send(
            "POST",
            "classifications/chart-of-accounts",
            {"name": "Prepaid Expenses", "account": {"type": "EXPENSE", "number": "1-020"}},
        )
        assert made.status_code == 200, made.text
        assert body(made)["account"] == {"type": "EXPENSE", "number": "1-020"}
        old = await bill.send(
            "POST",
            "classifications/chart-of-accounts",
            {"name": "Old", "accountNumber": "9", "accountType": "EXPENSE"},
        )
        assert error_code(old) == "BDC_1002"
        vendor = (await bill.all("vendors"))[0]
        assert "companyName" not in vendor and vendor["additionalInfo"]["companyName"]
        bills = await bill.all("bills")
        line = bills[0]["billLineItems"][0]
        assert "chartOfAccountId" not in line
        assert line["classifications"]["chartOfAccountId"].startswith("0ca")
        top = {
            "vendorId": vendor["id"],
            "dueDate": "2026-04-01",
            "invoice": {"invoiceNumber": "TOP-1", "invoiceDate": "2026-03-01"},
            "billLineItems": [
                {"amount": 5, "chartOfAccountId": line["classifications"]["chartOfAccountId"]}
            ],
        }
        assert error_code(await bill.send("POST", "bills", top)) == "BDC_1002"


async def test_ids_carry_the_documented_prefixes() -> None:
    """Page: https://developer.bill.com/docs/bill-generated-ids."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        wanted = {
            "classifications/accounting-classes": "cls",
            "classifications/departments": "0de",
            "classifications/chart-of-accounts": "0ca",
            "classifications/items": "0ii",
            "customers": "0cu",
            "vendors": "009",
            "invoices": "00e",
            "bills": "00n",
            "vendor-credits": "vcr",
            "receivable-payments": "0rp",
            "payments": "stp",
        }
        for path, prefix in wanted.items():
            rows = await bill.all(path)
            assert rows and all(r["id"].startswith(prefix) for r in rows), path
        invoice = (await bill.all("invoices"))[0]
        assert all(ln["id"].startswith("00f") for ln in invoice["invoiceLineItems"])


# -- https://developer.bill.com/docs/search-op-with-lists ---------------------------------


async def test_in_and_nin_take_one_quoted_list_of_values() -> None:
    """Page: https://developer.bill.com/docs/search-op-with-lists:
    ``filters=invoiceCurrency:in:"USD,CAD"``, ``accountType:nin:"NONE,PERSON"``."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        customers = await bill.all("customers")
        ids = [c["id"] for c in customers[:2]]
        chosen = await bill.all("customers", filters=f'id:in:"{",".join(ids)}"')
        assert sorted(c["id"] for c in chosen) == sorted(ids)
        rest = await bill.all("customers", filters=f'id:nin:"{",".join(ids)}"')
        assert len(rest) == len(customers) - 2 and not {c["id"] for c in rest} & set(ids)
        both = await bill.all("customers", filters=f'id:in:"{",".join(ids)}",archived:eq:false')
        assert {c["id"] for c in both} <= set(ids)
        single = await bill.all("customers", filters=f"id:in:{ids[0]}")
        assert [c["id"] for c in single] == ids[:1]
        vendors = await bill.all("vendors", filters='accountType:nin:"NONE,PERSON"')
        assert vendors and all(v["accountType"] == "BUSINESS" for v in vendors)


async def test_the_documented_comparison_operators() -> None:
    """Page: https://developer.bill.com/docs/search-op-with-lists: eq, ne, gt, gte, lt,
    lte, sw (``name:sw:"Hap"``), with createdTime/updatedTime in ISO forms down to
    ``yyyy-MM-dd``."""
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        vendors = await bill.all("vendors", sort="createdTime:asc")
        pivot = vendors[10]["createdTime"]
        count = {
            "gt": len([v for v in vendors if v["createdTime"] > pivot]),
            "gte": len([v for v in vendors if v["createdTime"] >= pivot]),
            "lt": len([v for v in vendors if v["createdTime"] < pivot]),
            "lte": len([v for v in vendors if v["createdTime"] <= pivot]),
        }
        for op, want in count.items():
            got = await bill.all("vendors", filters=f'createdTime:{op}:"{pivot}"')
            assert len(got) == want, op
        day = pivot[:10]
        since = await bill.all("vendors", filters=f'createdTime:gte:"{day}"')
        assert len(since) >= count["gte"]
        business = await bill.all("vendors", filters="accountType:eq:BUSINESS")
        others = await bill.all("vendors", filters="accountType:ne:BUSINESS")
        assert len(business) + len(others) == len(vendors)
        prefix = vendors[0]["name"][:3]
        starts = await bill.all("vendors", filters=f'name:sw:"{prefix}"')
        assert starts and all(v["name"].startswith(prefix) for v in starts)


# -- https://developer.bill.com/docs/api-rate-limits --------------------------------------


async def test_login_is_limited_to_200_per_hour_per_developer_key() -> None:
    """Page: https://developer.bill.com/docs/api-rate-limits: "The API login (POST
    /v3/login) rate limit is 200 per developer key per hour"; past it, BDC_1144 (category
    DOWNSTREAM, as the page's sample) until the hour has passed."""
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = Bill(sandbox, client)
        for _ in range(200):
            ok = await client.post("/bill/connect/v3/login", json=bill.login_body())
            assert ok.status_code == 200
        over = await client.post("/bill/connect/v3/login", json=bill.login_body())
        err = _error(over)
        assert over.status_code == 429 and err["code"] == "BDC_1144"
        assert err["category"] == "DOWNSTREAM" and err["severity"] == "ERROR"
        assert err["message"] == "Max number of allowed requests per hour reached: 200."
        sandbox.advance(3601)
        again = await client.post("/bill/connect/v3/login", json=bill.login_body())
        assert again.status_code == 200


async def test_hourly_request_limit_is_bdc_1144_downstream() -> None:
    """Page: https://developer.bill.com/docs/api-rate-limits (the BDC_1144 sample)."""
    sandbox = make_sandbox(scenario="empty", bill_per_hour=3)
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        codes = [(await bill.get("vendors")).status_code for _ in range(3)]
        assert codes == [200, 200, 429]  # the login counted as one request
        err = _error(await bill.get("vendors"))
        assert err["code"] == "BDC_1144" and err["category"] == "DOWNSTREAM"
        assert err["message"] == "Max number of allowed requests per hour reached: 3."
