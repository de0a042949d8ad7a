"""QBO stand-in: create/update/delete rules and their Faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox_helpers import NOW, D, Qbo, body, fault, http, make_sandbox

from recontui.sandbox.clock import qbo_meta_time


def sales_line(amount: str, qty: str, price: str, item: str = "1") -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": D(qty), "UnitPrice": D(price)},
    }


async def new_invoice(qbo: Qbo, number: str, customer: str = "1", **extra: Any) -> dict[str, Any]:
    response = await qbo.write(
        "invoice",
        {
            "DocNumber": number,
            "CustomerRef": {"value": customer},
            "TxnDate": "2026-03-01",
            "Line": [
                sales_line("300.00", "2", "150.00", "2"),
                sales_line("95.00", "1", "95.00", "4"),
            ],
            **extra,
        },
    )
    assert response.status_code == 200, response.text
    return body(response)["Invoice"]


async def test_create_computes_totals_and_subtotal_line() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "T-1")
        assert inv["SyncToken"] == "0"
        assert inv["TotalAmt"] == D("395.00") and inv["Balance"] == D("395.00")
        assert inv["Line"][-1]["DetailType"] == "SubTotalLineDetail"
        assert [ln["Id"] for ln in inv["Line"][:-1]] == ["1", "2"]
        assert inv["CustomerRef"]["name"]  # the server names references
        assert inv["DueDate"] == "2026-03-01"


async def test_stale_sync_token_is_5010() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "T-2")
        ok = await qbo.write(
            "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "first"}
        )
        assert body(ok)["Invoice"]["SyncToken"] == "1"
        stale = await qbo.write(
            "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "second"}
        )
        assert stale.status_code == 400
        err = fault(stale)
        assert err["code"] == "5010" and err["Message"] == "Stale Object Error"
        assert body(stale)["Fault"]["type"] == "ValidationFault"
        missing = await qbo.write(
            "invoice", {"Id": inv["Id"], "sparse": True, "PrivateNote": "third"}
        )
        assert fault(missing)["code"] == "2020"


async def test_sparse_update_keeps_fields_and_replaces_lines() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "T-3", PrivateNote="keep me")
        before = inv["MetaData"]["LastUpdatedTime"]
        response = await qbo.write(
            "invoice",
            {
                "Id": inv["Id"],
                "SyncToken": inv["SyncToken"],
                "sparse": True,
                "Line": [sales_line("55.00", "1", "55.00", "3")],
            },
        )
        updated = body(response)["Invoice"]
        assert updated["PrivateNote"] == "keep me"
        assert updated["DocNumber"] == "T-3"
        assert len(updated["Line"]) == 2  # one sales line + the subtotal line
        assert updated["TotalAmt"] == D("55.00")
        assert updated["MetaData"]["LastUpdatedTime"] > before
        assert updated["MetaData"]["CreateTime"] == inv["MetaData"]["CreateTime"]

        full = await qbo.write(
            "invoice",
            {
                "Id": inv["Id"],
                "SyncToken": updated["SyncToken"],
                "CustomerRef": {"value": "1"},
                "Line": [sales_line("10.00", "1", "10.00")],
            },
        )
        cleared = body(full)["Invoice"]
        assert "PrivateNote" not in cleared and "DocNumber" not in cleared


async def test_requestid_replays_without_reexecuting() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        payload = {"DisplayName": "Replay Co"}
        first = await qbo.write("customer", payload, requestid="req-1")
        second = await qbo.write("customer", payload, requestid="req-1")
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert len(list(sandbox.qbo_company.rows("Customer"))) == 1
        other = await qbo.write("customer", payload, requestid="req-2")
        assert fault(other)["code"] == "6240"
        # A fault is replayed too.
        again = await qbo.write("customer", {"DisplayName": "Fresh"}, requestid="req-2")
        assert again.content == other.content


async def test_duplicate_names_6240() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inactive = (await qbo.rows("SELECT * FROM Customer WHERE Active = false", "Customer"))[0]
        for name in ("o'neil bakery", inactive["DisplayName"].upper()):
            response = await qbo.write("customer", {"DisplayName": name})
            assert response.status_code == 400
            assert fault(response)["code"] == "6240", name
        vendor = (await qbo.rows("SELECT * FROM Vendor MAXRESULTS 1", "Vendor"))[0]
        clash = await qbo.write("customer", {"DisplayName": vendor["DisplayName"]})
        assert fault(clash)["code"] == "6240"
        dup_class = await qbo.write("class", {"Name": "design"})
        assert fault(dup_class)["code"] == "6240"


async def test_references_must_exist_and_be_active() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inactive = (await qbo.rows("SELECT * FROM Customer WHERE Active = false", "Customer"))[0]
        response = await qbo.write(
            "invoice",
            {
                "CustomerRef": {"value": inactive["Id"]},
                "Line": [sales_line("150.00", "1", "150.00", "2")],
            },
        )
        assert response.status_code == 400
        assert fault(response)["code"] == "610"
        assert "inactive" in fault(response)["Detail"]
        missing = await qbo.write(
            "invoice", {"CustomerRef": {"value": "9999"}, "Line": [sales_line("1.00", "1", "1.00")]}
        )
        assert fault(missing)["code"] == "2500"
        bad_item = await qbo.write(
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [sales_line("1.00", "1", "1.00", "999")]},
        )
        assert fault(bad_item)["code"] == "2500"


async def test_amount_must_equal_qty_times_price() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await qbo.write(
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [sales_line("301.00", "2", "150.00", "2")]},
        )
        assert fault(response)["code"] == "6070"


async def test_required_fields_and_business_rules() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        no_customer = await qbo.write("invoice", {"Line": [sales_line("1.00", "1", "1.00")]})
        assert fault(no_customer)["code"] == "2020"
        no_lines = await qbo.write("invoice", {"CustomerRef": {"value": "1"}})
        assert fault(no_lines)["code"] == "2020"
        no_pay_type = await qbo.write(
            "billpayment", {"VendorRef": {"value": "1"}, "TotalAmt": D("1.00")}
        )
        assert fault(no_pay_type)["code"] == "2020"
        no_bank = await qbo.write(
            "billpayment", {"VendorRef": {"value": "1"}, "PayType": "Check", "TotalAmt": D("1.00")}
        )
        assert fault(no_bank)["code"] == "2020"
        unbalanced = await qbo.write(
            "journalentry",
            {
                "Line": [
                    {
                        "Amount": D("10.00"),
                        "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": {
                            "PostingType": "Debit",
                            "AccountRef": {"value": "1"},
                        },
                    },
                    {
                        "Amount": D("9.99"),
                        "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": {
                            "PostingType": "Credit",
                            "AccountRef": {"value": "2"},
                        },
                    },
                ]
            },
        )
        assert fault(unbalanced)["code"] == "6000"
        await new_invoice(qbo, "DUP-1")
        dup = await qbo.write(
            "invoice",
            {
                "DocNumber": "DUP-1",
                "CustomerRef": {"value": "1"},
                "Line": [sales_line("1.00", "1", "1.00")],
            },
        )
        assert fault(dup)["code"] == "6140"
        unknown = await qbo.write("customer", {"DisplayName": "X", "Colour": "red"})
        assert fault(unknown)["code"] == "2010"
        readonly = await qbo.write("taxrate", {"Name": "New", "RateValue": D("1")})
        assert fault(readonly)["code"] == "500"
        wrong_type = await client.post(
            qbo.url("customer"),
            content=b'{"DisplayName":"Z"}',
            headers=qbo.headers(**{"Content-Type": "text/plain"}),
        )
        assert wrong_type.status_code == 415


async def test_payment_updates_invoice_balance_and_version() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "PAY-1")
        pay = await qbo.write(
            "payment",
            {
                "CustomerRef": {"value": "1"},
                "TotalAmt": D("100.00"),
                "Line": [
                    {
                        "Amount": D("100.00"),
                        "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}],
                    }
                ],
            },
        )
        assert pay.status_code == 200, pay.text
        after = body(await qbo.read("invoice", inv["Id"]))["Invoice"]
        assert after["Balance"] == D("295.00")
        assert after["SyncToken"] == "1"
        assert after["LinkedTxn"] == [{"TxnId": body(pay)["Payment"]["Id"], "TxnType": "Payment"}]
        over = await qbo.write(
            "payment",
            {
                "CustomerRef": {"value": "1"},
                "TotalAmt": D("300.00"),
                "Line": [
                    {
                        "Amount": D("300.00"),
                        "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}],
                    }
                ],
            },
        )
        assert fault(over)["code"] == "6000"


async def test_delete_rules_and_cdc_tombstones() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        customer = body(await qbo.read("customer", "1"))["Customer"]
        refused = await qbo.write(
            "customer", {"Id": "1", "SyncToken": customer["SyncToken"]}, operation="delete"
        )
        assert refused.status_code == 400
        assert fault(refused)["code"] == "500"

        since = qbo_meta_time(NOW - timedelta(seconds=5))
        inv = await new_invoice(qbo, "DEL-1")
        gone = await qbo.write(
            "invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"]}, operation="delete"
        )
        assert gone.status_code == 200
        assert body(gone)["Invoice"] == {"Id": inv["Id"], "domain": "QBO", "status": "Deleted"}
        assert fault(await qbo.read("invoice", inv["Id"]))["code"] == "610"
        assert await qbo.rows(f"SELECT * FROM Invoice WHERE Id = '{inv['Id']}'", "Invoice") == []

        cdc = body(
            await client.get(
                qbo.url("cdc"),
                params={"entities": "Invoice,Customer", "changedSince": since},
                headers=qbo.headers(),
            )
        )
        groups = cdc["CDCResponse"][0]["QueryResponse"]
        stubs = groups[0]["Invoice"]
        assert stubs == [
            {
                "Id": inv["Id"],
                "status": "Deleted",
                "domain": "QBO",
                "MetaData": {"LastUpdatedTime": stubs[0]["MetaData"]["LastUpdatedTime"]},
            }
        ]
        assert groups[1] == {}

        paid = (await qbo.rows("SELECT * FROM Invoice WHERE Balance = '0'", "Invoice"))[0]
        linked = await qbo.write(
            "invoice", {"Id": paid["Id"], "SyncToken": paid["SyncToken"]}, operation="delete"
        )
        assert fault(linked)["code"] == "6000"


async def test_deactivate_list_record_then_use_it() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        item = body(await qbo.read("item", "3"))["Item"]
        off = await qbo.write(
            "item", {"Id": "3", "SyncToken": item["SyncToken"], "sparse": True, "Active": False}
        )
        assert body(off)["Item"]["Active"] is False
        assert body(off)["Item"]["Name"] == item["Name"]
        use = await qbo.write(
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [sales_line("1200.00", "1", "1200.00", "3")]},
        )
        assert fault(use)["code"] == "610"


async def test_a_company_that_charges_sales_tax_adds_it_to_taxable_lines() -> None:
    sandbox = make_sandbox(scenario="demo", qbo_sales_tax_code="California")
    with sandbox.lock:
        rates = {
            r["Id"]: r["RateValue"]
            for _i, r in sandbox.qbo_company.rows("TaxRate")
            if r["Name"] in ("California State", "San Francisco County")
        }
        sandbox.qbo_company.find("Item", "2")["Taxable"] = True
        sandbox.qbo_company.find("Item", "4")["Taxable"] = False
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "TAX-1")
        codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in inv["Line"][:2]]
        assert codes == ["TAX", "NON"]  # a line without a code takes its item's taxability
        detail = inv["TxnTaxDetail"]
        expected = sum((D("300.00") * rate / 100).quantize(D("0.01")) for rate in rates.values())
        assert detail["TotalTax"] == expected > 0
        assert {t["TaxLineDetail"]["TaxRateRef"]["value"] for t in detail["TaxLine"]} == set(rates)
        assert inv["TotalAmt"] == D("395.00") + expected

        # A line coded NON is not taxed, whatever its item.
        line = sales_line("300.00", "2", "150.00", "2")
        line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "NON"}
        ok = await qbo.write(
            "invoice",
            {"Id": inv["Id"], "SyncToken": inv["SyncToken"], "sparse": True, "Line": [line]},
        )
        assert body(ok)["Invoice"]["TotalAmt"] == D("300.00")


async def test_a_company_without_sales_tax_charges_none() -> None:
    sandbox = make_sandbox(scenario="demo")
    with sandbox.lock:
        sandbox.qbo_company.find("Item", "2")["Taxable"] = True
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        inv = await new_invoice(qbo, "TAX-2")
        assert inv["TotalAmt"] == D("395.00") and "TxnTaxDetail" not in inv
