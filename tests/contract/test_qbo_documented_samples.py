"""Intuit's own sample requests, replayed against the QuickBooks Online stand-in.

Each request body below is the sample printed on the page named beside it (the sample's
ids swapped for the stand-in's where the sample updates or voids a record it has); each
answer is checked for the shape the page's sample answer has.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.clock import qbo_meta_time
from recontui.sandbox.jsonio import dumps, loads

PAGES = "https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities"
NOW = datetime(2026, 3, 15, 18, 30, tzinfo=UTC)


class Api:
    def __init__(self, sandbox: Sandbox, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.realm = sandbox.realm_id
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    async def post(self, tail: str, payload: Any, **params: str) -> tuple[int, Any]:
        response = await self.client.post(
            f"/qbo/v3/company/{self.realm}/{tail}",
            params={"minorversion": "75", **params},
            content=dumps(payload),
            headers={**self.headers, "Content-Type": "application/json"},
        )
        return response.status_code, loads(response.content)

    async def get(self, tail: str, **params: str) -> tuple[int, Any]:
        response = await self.client.get(
            f"/qbo/v3/company/{self.realm}/{tail}",
            params={"minorversion": "75", **params},
            headers=self.headers,
        )
        return response.status_code, loads(response.content)

    async def query(self, text: str) -> Any:
        status, answer = await self.get("query", query=text)
        assert status == 200, answer
        return answer["QueryResponse"]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = Sandbox(SandboxConfig(scenario="demo"), clock=lambda: NOW)
    creds = sandbox.credentials("http://sb")["qbo"]
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sb") as client:
        grant = await client.post(
            "/qbo/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]},
            headers={"Authorization": f"Basic {basic}"},
        )
        yield Api(sandbox, client, grant.json()["access_token"])


def envelope(answer: Any, name: str) -> dict[str, Any]:
    """The page's response shape: the entity under its name, and the server's ``time``."""
    assert set(answer) == {name, "time"}, answer
    record = answer[name]
    assert record["domain"] == "QBO" and record["sparse"] is False
    assert isinstance(record["Id"], str) and isinstance(record["SyncToken"], str)
    assert {"CreateTime", "LastUpdatedTime"} <= set(record["MetaData"])
    return dict(record)


# {PAGES}/customer, "Create a customer"
CUSTOMER_CREATE = {
    "FullyQualifiedName": "King Groceries",
    "PrimaryEmailAddr": {"Address": "jdrew@myemail.com"},
    "DisplayName": "King's Groceries",
    "Suffix": "Jr",
    "Title": "Mr",
    "MiddleName": "B",
    "Notes": "Here are other details.",
    "FamilyName": "King",
    "PrimaryPhone": {"FreeFormNumber": "(555) 555-5555"},
    "CompanyName": "King Groceries",
    "BillAddr": {
        "CountrySubDivisionCode": "CA",
        "City": "Mountain View",
        "PostalCode": "94042",
        "Line1": "123 Main Street",
        "Country": "USA",
    },
    "GivenName": "James",
}


async def test_customer_create_full_and_sparse_update_samples(api: Api) -> None:
    status, answer = await api.post("customer", CUSTOMER_CREATE)
    assert status == 200, answer
    created = envelope(answer, "Customer")
    assert created["SyncToken"] == "0" and created["DisplayName"] == "King's Groceries"
    assert created["FullyQualifiedName"] == "King's Groceries"  # the server's, not the sample's
    assert created["PrintOnCheckName"] and created["Active"] is True
    # {PAGES}/customer, "Full update a customer": the read record sent back whole, read-only
    # properties (domain, MetaData, Balance, BalanceWithJobs, FullyQualifiedName) included.
    full = {**created, "MiddleName": "Mac", "PrintOnCheckName": "Bill's Wind Surf Shop"}
    status, answer = await api.post("customer", full)
    assert status == 200, answer
    assert envelope(answer, "Customer")["SyncToken"] == "1"
    # {PAGES}/customer, "Sparse update a customer"
    status, answer = await api.post(
        "customer", {"MiddleName": "Mark", "SyncToken": "1", "Id": created["Id"], "sparse": True}
    )
    updated = envelope(answer, "Customer")
    assert updated["MiddleName"] == "Mark" and updated["Notes"] == "Here are other details."


async def test_query_samples(api: Api) -> None:
    # {PAGES}/customer, "Query a customer"
    customers = await api.query(
        "select * from Customer Where Metadata.LastUpdatedTime > '2015-03-01'"
    )
    assert customers["startPosition"] == 1 and customers["maxResults"] == len(customers["Customer"])
    # {PAGES}/payment, "Query a payment"
    payments = await api.query(
        "select * from Payment Where Metadata.LastUpdatedTime>'2015-01-16' "
        "Order By Metadata.LastUpdatedTime"
    )
    stamps = [p["MetaData"]["LastUpdatedTime"] for p in payments["Payment"]]
    assert stamps == sorted(stamps)


async def test_payment_create_delete_and_void_samples(api: Api) -> None:
    # {PAGES}/payment, "Create a payment": the minimum elements.
    status, answer = await api.post("payment", {"TotalAmt": 25.0, "CustomerRef": {"value": "20"}})
    assert status == 200, answer
    payment = envelope(answer, "Payment")
    assert payment["UnappliedAmt"] == Decimal("25.0") and payment["TxnDate"]
    # "Delete a payment"
    status, answer = await api.post(
        "payment", {"SyncToken": payment["SyncToken"], "Id": payment["Id"]}, operation="delete"
    )
    assert status == 200
    assert answer["Payment"] == {"status": "Deleted", "domain": "QBO", "Id": payment["Id"]}
    # "Void a payment"
    status, answer = await api.post("payment", {"TotalAmt": 25.0, "CustomerRef": {"value": "20"}})
    other = answer["Payment"]
    status, answer = await api.post(
        "payment",
        {"SyncToken": other["SyncToken"], "Id": other["Id"], "sparse": True},
        operation="update",
        include="void",
    )
    assert status == 200, answer
    voided = envelope(answer, "Payment")
    assert voided["TotalAmt"] == 0 and voided["UnappliedAmt"] == 0
    assert voided["PrivateNote"] == "Voided" and voided["Line"] == []


async def test_billpayment_void_sample(api: Api) -> None:
    # {PAGES}/billpayment, "Void a billpayment"
    held = (await api.query("select * from BillPayment MAXRESULTS 1"))["BillPayment"][0]
    status, answer = await api.post(
        "billpayment",
        {"SyncToken": held["SyncToken"], "Id": held["Id"], "sparse": True},
        operation="update",
        include="void",
    )
    assert status == 200, answer
    voided = envelope(answer, "BillPayment")
    assert voided["TotalAmt"] == 0 and voided["Line"] == []
    assert voided["PrivateNote"].startswith("Voided")


async def test_invoice_create_sample(api: Api) -> None:
    # {PAGES}/invoice, "Create an invoice"
    status, answer = await api.post(
        "invoice",
        {
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": 100.0,
                    "SalesItemLineDetail": {"ItemRef": {"name": "Services", "value": "1"}},
                }
            ],
            "CustomerRef": {"value": "1"},
        },
    )
    assert status == 200, answer
    invoice = envelope(answer, "Invoice")
    assert invoice["TotalAmt"] == Decimal("100.0") and invoice["Balance"] == Decimal("100.0")
    assert invoice["Line"][0]["LineNum"] == 1


async def test_companyinfo_and_preferences_samples(api: Api) -> None:
    # {PAGES}/companyinfo, "Read companyinfo" and "Query companyinfo"
    status, answer = await api.get(f"companyinfo/{api.realm}")
    assert status == 200
    info = envelope(answer, "CompanyInfo")
    assert info["Id"] == "1" and info["CompanyName"] and info["Country"]
    queried = await api.query("select * from CompanyInfo")
    assert queried["CompanyInfo"] == [info] and queried["maxResults"] == 1
    # {PAGES}/preferences, "Read preferences"
    status, answer = await api.get("preferences")
    prefs = envelope(answer, "Preferences")
    assert prefs["CurrencyPrefs"]["HomeCurrency"] == {"value": "USD"}
    assert isinstance(prefs["OtherPrefs"]["NameValue"], list)


async def test_batch_sample_items(api: Api) -> None:
    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/batch
    # and its attribute table (https://blogs.intuit.com/2023/07/19/building-smarter-with-intuit-batch-without-a-scratch/)
    payment = (await api.query("select * from Payment MAXRESULTS 1"))["Payment"][0]
    status, answer = await api.post(
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "CA100", "operation": "create", "Customer": {"DisplayName": "Intuit Inc."}},
                {"bId": "CA101", "Query": "select * from Bill"},
                {
                    "bId": "CA102",
                    "operation": "update",
                    "optionsData": "void",
                    "Payment": {
                        "Id": payment["Id"],
                        "SyncToken": payment["SyncToken"],
                        "sparse": True,
                    },
                },
            ]
        },
    )
    assert status == 200, answer
    items = {item["bId"]: item for item in answer["BatchItemResponse"]}
    assert items["CA100"]["Customer"]["DisplayName"] == "Intuit Inc."
    assert items["CA101"]["QueryResponse"]["Bill"]
    assert items["CA102"]["Payment"]["TotalAmt"] == 0


async def test_change_data_capture_sample(api: Api) -> None:
    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture
    since = qbo_meta_time(NOW - timedelta(days=29))
    status, answer = await api.get("cdc", entities="Customer,Invoice", changedSince=since)
    assert status == 200, answer
    assert set(answer) == {"CDCResponse", "time"}
    groups = answer["CDCResponse"][0]["QueryResponse"]
    assert len(groups) == 2
    for group in groups:
        assert not group or {"startPosition", "maxResults"} <= set(group)
