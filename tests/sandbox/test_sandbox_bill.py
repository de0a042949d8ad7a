"""BILL stand-in: sessions, lists, filters, writes, errors, limits."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox_helpers import Bill, D, body, error_code, http, make_sandbox


async def test_login_errors() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = Bill(sandbox, client)
        wrong_password = await client.post(
            "/bill/connect/v3/login", json=bill.login_body(password="nope")
        )
        assert wrong_password.status_code == 401
        assert error_code(wrong_password) == "BDC_1101"
        wrong_key = await client.post("/bill/connect/v3/login", json=bill.login_body(devKey="nope"))
        assert wrong_key.status_code == 401
        assert error_code(wrong_key) == "BDC_1102"
        ok = await client.post("/bill/connect/v3/login", json=bill.login_body())
        assert ok.status_code == 200
        assert set(ok.json()) == {"sessionId", "organizationId", "userId"}
        assert ok.json()["organizationId"].startswith("008")
        no_session = await client.get(
            "/bill/connect/v3/vendors", headers={"devKey": bill.creds["dev_key"]}
        )
        assert no_session.status_code == 401
        assert error_code(no_session) == "BDC_1109"
        assert no_session.json()[0]["message"] == "Session is invalid. Please log in."


async def test_session_idle_expiry_and_logout() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        sandbox.advance(34 * 60)
        assert (await bill.get("vendors")).status_code == 200  # resets the idle timer
        sandbox.advance(34 * 60)
        assert (await bill.get("vendors")).status_code == 200
        sandbox.advance(35 * 60 + 1)
        expired = await bill.get("vendors")
        assert expired.status_code == 401
        assert error_code(expired) == "BDC_1109"
        await bill.login()
        assert (await bill.send("POST", "logout")).status_code == 200
        assert error_code(await bill.get("vendors")) == "BDC_1109"


async def test_paging_follows_next_page() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        ids: list[str] = []
        page = None
        pages = 0
        while True:
            params: dict[str, Any] = {"max": 7}
            if page:
                params["page"] = page
            data = body(await bill.get("customers", **params))
            pages += 1
            ids += [c["id"] for c in data["results"]]
            assert ("prevPage" in data) == (pages > 1)
            page = data.get("nextPage")
            if not page:
                break
        assert pages == 6 and len(ids) == len(set(ids)) == 40
        assert all(i.startswith("0cu") for i in ids)
        default = body(await bill.get("invoices"))
        assert len(default["results"]) == 20


async def test_max_out_of_range_and_bad_page() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        for value in (101, 0, "ten"):
            response = await bill.get("vendors", max=value)
            assert response.status_code == 400
            assert error_code(response) == "BDC_1002"
        assert (await bill.get("vendors", max=100)).status_code == 200
        bad_page = await bill.get("vendors", page="garbage")
        assert bad_page.status_code == 400


async def test_filters_and_sort() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        invoices = await bill.all("invoices", sort="updatedTime:asc")
        stamps = [i["updatedTime"] for i in invoices]
        assert stamps == sorted(stamps)
        pivot = stamps[100]
        later = await bill.all("invoices", filters=f'updatedTime:gte:"{pivot}"')
        assert len(later) == len([s for s in stamps if s >= pivot])
        # The same instant written with an offset selects the same records.
        from recontui.sandbox.clock import QBO_TZ, parse_instant

        pacific = parse_instant(pivot).astimezone(QBO_TZ).isoformat(timespec="milliseconds")
        same = await bill.all("invoices", filters=f'updatedTime:gte:"{pacific}"')
        assert [i["id"] for i in same] == [i["id"] for i in later]

        archived = await bill.all("customers", filters="archived:eq:true")
        assert len(archived) == 2 and all(c["archived"] for c in archived)
        names = [c["name"] for c in await bill.all("customers")][:2]
        quoted = '"' + ",".join(names) + '"'  # one quoted list (search-op-with-lists)
        chosen = await bill.all("customers", filters=f"name:in:{quoted},archived:eq:false")
        assert sorted(c["name"] for c in chosen) == sorted(names)
        starts = await bill.all("customers", filters='name:sw:"café"')
        assert [c["name"] for c in starts] == ["Café Lumière"]
        desc = await bill.all("bills", sort="amount:desc")
        assert [b["amount"] for b in desc] == sorted((b["amount"] for b in desc), reverse=True)

        bad_field = await bill.get("customers", filters="colour:eq:red")
        assert error_code(bad_field) == "BDC_1130"
        bad_op = await bill.get("customers", filters="name:like:red")
        assert error_code(bad_op) == "BDC_1131"


async def test_archive_restore() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        vendor = (await bill.all("vendors", filters="archived:eq:false"))[0]
        archived = body(await bill.send("POST", f"vendors/{vendor['id']}/archive"))
        assert archived["archived"] is True
        assert archived["updatedTime"] > vendor["updatedTime"]
        again = body(await bill.send("POST", f"vendors/{vendor['id']}/archive"))
        assert again["updatedTime"] == archived["updatedTime"]  # no-op
        listed = await bill.all("vendors")
        assert any(v["id"] == vendor["id"] and v["archived"] for v in listed)
        restored = body(await bill.send("POST", f"vendors/{vendor['id']}/restore"))
        assert restored["archived"] is False
        assert restored["updatedTime"] > archived["updatedTime"]
        missing = await bill.send("POST", "vendors/00901nothere/archive")
        assert missing.status_code == 404


async def test_required_fields_refs_and_unknown_fields() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        vendor = (await bill.all("vendors", filters="archived:eq:false"))[0]
        account = (await bill.all("classifications/chart-of-accounts"))[0]
        good = {
            "vendorId": vendor["id"],
            "dueDate": "2026-04-01",
            "invoice": {"invoiceNumber": "REQ-1", "invoiceDate": "2026-03-01"},
            "billLineItems": [
                {"amount": D("12.50"), "classifications": {"chartOfAccountId": account["id"]}}
            ],
        }
        no_name = await bill.send("POST", "vendors", {"email": "x@example.com"})
        assert no_name.status_code == 400 and error_code(no_name) == "BDC_1117"
        for drop in ("vendorId", "dueDate", "billLineItems"):
            partial = {k: v for k, v in good.items() if k != drop}
            response = await bill.send("POST", "bills", partial)
            assert error_code(response) == "BDC_1117", drop
        no_number = await bill.send(
            "POST", "bills", {**good, "invoice": {"invoiceDate": "2026-03-01"}}
        )
        assert error_code(no_number) == "BDC_1117"
        assert "invoice.invoiceNumber" in no_number.json()[0]["message"]
        for field in ("customer", "invoiceLineItems"):  # the rest BILL fills in
            inv = {
                "customer": {"id": "x"},
                "invoiceNumber": "1",
                "invoiceDate": "2026-03-01",
                "dueDate": "2026-03-31",
                "invoiceLineItems": [{"amount": 1, "quantity": 1}],
            }
            inv.pop(field)
            assert error_code(await bill.send("POST", "invoices", inv)) == "BDC_1117", field
        bad_ref = await bill.send("POST", "bills", {**good, "vendorId": "00901doesnotexist"})
        assert bad_ref.status_code == 400 and error_code(bad_ref) == "BDC_1119"
        unknown = await bill.send("POST", "vendors", {"name": "Z", "colour": "red"})
        assert error_code(unknown) == "BDC_1002"
        bad_date = await bill.send("POST", "bills", {**good, "dueDate": "04/01/2026"})
        assert error_code(bad_date) == "BDC_1119"
        created = await bill.send("POST", "bills", good)
        assert created.status_code == 200, created.text
        new = body(created)
        assert new["id"].startswith("00n") and new["amount"] == D("12.50")
        assert new["paymentStatus"] == "UNPAID" and new["archived"] is False
        assert new["createdTime"].endswith("Z") and len(new["createdTime"]) == 24


async def test_duplicate_numbers() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        existing = (await bill.all("invoices"))[0]
        line = existing["invoiceLineItems"][0]
        dup = await bill.send(
            "POST",
            "invoices",
            {
                "customer": {"id": existing["customerId"]},
                "invoiceNumber": existing["invoiceNumber"],
                "invoiceDate": "2026-03-01",
                "dueDate": "2026-03-31",
                "invoiceLineItems": [
                    {
                        "amount": line["amount"],
                        "quantity": 1,
                        "classifications": {"itemId": line["classifications"]["itemId"]},
                    }
                ],
            },
        )
        assert dup.status_code == 400 and error_code(dup) == "BDC_1211"

        bills = await bill.all("bills")
        first = bills[0]
        other_vendor = next(b["vendorId"] for b in bills if b["vendorId"] != first["vendorId"])
        account = first["billLineItems"][0]["classifications"]["chartOfAccountId"]
        payload = {
            "dueDate": "2026-04-01",
            "invoice": dict(first["invoice"]),
            "billLineItems": [
                {"amount": D("5.00"), "classifications": {"chartOfAccountId": account}}
            ],
        }
        same_vendor = await bill.send("POST", "bills", {**payload, "vendorId": first["vendorId"]})
        assert error_code(same_vendor) == "BDC_1212"
        other = await bill.send("POST", "bills", {**payload, "vendorId": other_vendor})
        assert other.status_code == 200, other.text


async def test_patch_is_partial_and_replaces_arrays() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        inv = next(
            i
            for i in await bill.all("invoices")
            if len(i["invoiceLineItems"]) > 1 and i["status"] == "OPEN"
        )
        patched = body(await bill.send("PATCH", f"invoices/{inv['id']}", {"dueDate": "2026-06-30"}))
        assert patched["dueDate"] == "2026-06-30"
        assert patched["invoiceLineItems"] == inv["invoiceLineItems"]
        assert patched["updatedTime"] > inv["updatedTime"]
        one = {"amount": D("42.00"), "quantity": 1, "description": "only line"}
        replaced = body(
            await bill.send("PATCH", f"invoices/{inv['id']}", {"invoiceLineItems": [one]})
        )
        assert len(replaced["invoiceLineItems"]) == 1
        assert replaced["totalAmount"] == D("42.00") == replaced["dueAmount"]
        assert replaced["dueDate"] == "2026-06-30"
        customer = (await bill.all("customers"))[0]
        moved = body(
            await bill.send(
                "PATCH", f"customers/{customer['id']}", {"billingAddress": {"city": "Reno"}}
            )
        )
        assert moved["billingAddress"]["city"] == "Reno"
        assert moved["billingAddress"]["line1"] == customer["billingAddress"]["line1"]


async def test_record_payment_updates_invoice() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        inv = next(i for i in await bill.all("invoices") if i["status"] == "OPEN")
        half = (inv["totalAmount"] / 2).quantize(D("0.01"))
        paid = await bill.send(
            "POST",
            "invoices/record-payment",
            {
                "customerId": inv["customerId"],
                "paymentDate": "2026-03-10",
                "paymentType": "CHECK",
                "amount": half,
                "invoices": [{"id": inv["id"], "amount": half}],
            },
        )
        assert paid.status_code == 200, paid.text
        payment = body(paid)
        assert payment["id"].startswith("0rp") and payment["amount"] == half
        after = body(await bill.get(f"invoices/{inv['id']}"))
        assert after["dueAmount"] == inv["totalAmount"] - half
        assert after["status"] == "PARTIAL_PAYMENT"
        assert after["updatedTime"] > inv["updatedTime"]
        listed = await bill.all("receivable-payments", filters=f'id:eq:"{payment["id"]}"')
        assert [p["id"] for p in listed] == [payment["id"]]
        too_much = await bill.send(
            "POST",
            "invoices/record-payment",
            {
                "customerId": inv["customerId"],
                "paymentDate": "2026-03-10",
                "paymentType": "CHECK",
                "amount": inv["totalAmount"],
                "invoices": [{"id": inv["id"], "amount": inv["totalAmount"]}],
            },
        )
        assert error_code(too_much) == "BDC_1119"
        direct = await bill.send("POST", "receivable-payments", {"customerId": "x"})
        assert direct.status_code == 404 and error_code(direct) == "BDC_1121"

        open_bill = next(b for b in await bill.all("bills") if b["paymentStatus"] == "UNPAID")
        sent = await bill.send(
            "POST",
            "bills/record-payment",
            {
                "vendorId": open_bill["vendorId"],
                "processDate": "2026-03-11",
                "toPrintCheck": False,
                "payments": [{"billId": open_bill["id"], "amount": open_bill["amount"]}],
            },
        )
        assert sent.status_code == 200, sent.text
        assert body(sent)["id"].startswith("stp")
        assert body(await bill.get(f"bills/{open_bill['id']}"))["paymentStatus"] == "PAID"


async def test_concurrency_limit_bdc_1322() -> None:
    sandbox = make_sandbox(scenario="empty", latency_seconds=0.2, bill_max_concurrent=3)
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        responses = await asyncio.gather(*(bill.get("vendors") for _ in range(5)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 200, 200, 429, 429]
        limited = next(r for r in responses if r.status_code == 429)
        assert error_code(limited) == "BDC_1322"


async def test_unknown_path_is_api_not_supported() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        response = await bill.get("widgets")
        assert response.status_code == 404 and error_code(response) == "BDC_1121"
