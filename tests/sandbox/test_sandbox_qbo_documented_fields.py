"""QBO stand-in: every property the entity reference pages document is accepted, kept and
returned; only undocumented ones are refused (2010).

Pages: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
(``OpenBalanceDate`` write-on-create, ``PrimaryTaxIdentifier``), .../vendor
(``TaxReportingBasis``), .../invoice (``FreeFormAddress``, ``TxnDate`` "if the date is not
supplied, the current date on the server is used").
"""

from __future__ import annotations

from typing import Any

from sandbox_helpers import D, Qbo, body, fault, http, make_sandbox

from recontui.sandbox.clock import qbo_today


def line(amount: str = "95.00") -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "4"}, "Qty": D("1"), "UnitPrice": D(amount)},
    }


async def test_customer_documented_fields_are_kept_and_returned() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        created = await qbo.write(
            "customer",
            {
                "DisplayName": "Opening Balance Ltd",
                "OpenBalanceDate": "2026-01-31",
                "PrimaryTaxIdentifier": "123-45-6789",
                "ResaleNum": "R-77",
                "GSTRegistrationType": "CONSUMER",
            },
        )
        assert created.status_code == 200, created.text
        customer = body(created)["Customer"]
        assert customer["OpenBalanceDate"] == "2026-01-31"
        assert customer["PrimaryTaxIdentifier"] == "123-45-6789"
        read = body(await qbo.read("customer", customer["Id"]))["Customer"]
        assert read["OpenBalanceDate"] == "2026-01-31" and read["ResaleNum"] == "R-77"
        # Write-on-create: an update leaves the opening balance date as it was.
        updated = await qbo.write(
            "customer",
            {
                "Id": customer["Id"],
                "SyncToken": customer["SyncToken"],
                "sparse": True,
                "OpenBalanceDate": "2020-01-01",
            },
        )
        assert updated.status_code == 200, updated.text
        assert body(updated)["Customer"]["OpenBalanceDate"] == "2026-01-31"


async def test_vendor_tax_reporting_basis_is_kept() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        created = await qbo.write(
            "vendor", {"DisplayName": "Cash Basis Supplies", "TaxReportingBasis": "Cash"}
        )
        assert created.status_code == 200, created.text
        vendor = body(created)["Vendor"]
        assert body(await qbo.read("vendor", vendor["Id"]))["Vendor"]["TaxReportingBasis"] == (
            "Cash"
        )


async def test_invoice_free_form_address_is_kept() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        created = await qbo.write(
            "invoice",
            {
                "CustomerRef": {"value": "1"},
                "FreeFormAddress": True,
                "ShipFromAddr": {"Line1": "1 Dock Road"},
                "Line": [line()],
            },
        )
        assert created.status_code == 200, created.text
        invoice = body(created)["Invoice"]
        assert invoice["FreeFormAddress"] is True
        assert invoice["ShipFromAddr"]["Line1"] == "1 Dock Road"


async def test_undocumented_properties_are_still_2010() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        for entity, payload in (
            ("customer", {"DisplayName": "Nope Co", "FavouriteColour": "green"}),
            ("vendor", {"DisplayName": "Nope Vendor", "OpenBalance": "1"}),
            ("invoice", {"CustomerRef": {"value": "1"}, "Line": [line()], "Freeform": True}),
        ):
            refused = await qbo.write(entity, payload)
            assert refused.status_code == 400, entity
            assert fault(refused)["code"] == "2010", entity


async def test_empty_txn_and_due_dates_mean_not_supplied() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        created = await qbo.write(
            "invoice",
            {"CustomerRef": {"value": "1"}, "TxnDate": "", "DueDate": "", "Line": [line()]},
        )
        assert created.status_code == 200, created.text
        invoice = body(created)["Invoice"]
        today = qbo_today(sandbox.clock.now()).isoformat()
        assert invoice["TxnDate"] == today and invoice["DueDate"] == today
        bad = await qbo.write(
            "invoice", {"CustomerRef": {"value": "1"}, "TxnDate": "31/01/2026", "Line": [line()]}
        )
        assert fault(bad)["code"] == "2010"
