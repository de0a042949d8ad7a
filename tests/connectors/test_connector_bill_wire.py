"""The BILL connector's bodies, field for field, against BILL's own pages.

Each case names the page its body comes from (docs/remote-shapes.md cites the same). Where
a developer.bill.com page shows only the required fields, the other field names come from
BILL's own Postman collection "BILL v3 API" (its request and response samples).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.cli import save_sandbox_profile
from recontui.connectors import ConnectorError, RejectedError, bill_map, make_connector
from recontui.connectors.http import dumps_json, loads_json
from recontui.connectors.values import MappingError
from recontui.model import RemoteRef
from recontui.run import RunOptions, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets

D = Decimal
T = {"createdTime": "2024-05-01T17:00:00.000Z", "updatedTime": "2024-06-01T16:30:00.123Z"}


def wire(obj: Any) -> Any:
    """A body as it travels: JSON text, decoded again with Decimal money."""
    return loads_json(dumps_json(obj))


def ref(entity: str, ident: str) -> RemoteRef:
    return RemoteRef(entity, ident)


#: (entity, page, canonical fields, the create body BILL documents for them)
CREATES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "account",
        "BILL's Postman collection: POST /v3/classifications/chart-of-accounts",
        {
            "name": "Prepaid Expenses",
            "number": "1-020",
            "type": "expense",
            "description": "Prepaid",
            "active": True,
        },
        {
            "name": "Prepaid Expenses",
            "account": {"number": "1-020", "type": "EXPENSE"},
            "description": "Prepaid",
        },
    ),
    (
        "class",
        "BILL's Postman collection: POST /v3/classifications/accounting-classes",
        {"name": "East", "active": True},
        {"name": "East"},
    ),
    (
        "department",
        "BILL's Postman collection: POST /v3/classifications/departments",
        {"name": "Sales", "active": True},
        {"name": "Sales"},
    ),
    (
        "item",
        "BILL's Postman collection: POST /v3/classifications/items",
        {
            "name": "Consulting",
            "description": "Hourly",
            "unit_price": D("150.5"),
            "income_account": ref("account", "0ca01"),
            "active": True,
        },
        {
            "name": "Consulting",
            "description": "Hourly",
            "price": D("150.5"),
            "chartOfAccountId": "0ca01",
        },
    ),
    (
        "customer",
        "https://developer.bill.com/docs/ar-customers (sample request)",
        {
            "name": "Paperless Band",
            "company_name": "Paperless Band LLC",
            "email": "band@example.com",
            "phone": "9998887654",
            "address_line1": "987 Side Street",
            "city": "San Jose",
            "region": "CA",
            "postal_code": "95002",
            "country": "US",
            "active": True,
        },
        {
            "name": "Paperless Band",
            "companyName": "Paperless Band LLC",
            "email": "band@example.com",
            "phone": "9998887654",
            "billingAddress": {
                "line1": "987 Side Street",
                "city": "San Jose",
                "stateOrProvince": "CA",
                "zipOrPostalCode": "95002",
                "country": "US",
            },
        },
    ),
    (
        "vendor",
        "https://developer.bill.com/docs/creating-a-us-vendor (sample request); "
        "additionalInfo from BILL's Postman collection",
        {
            "name": "Happy Music Supplies",
            "company_name": "Happy Music Supplies LLC",
            "email": "info@example.com",
            "phone": "9876543210",
            "address_line1": "123 Main Street",
            "city": "San Jose",
            "region": "CA",
            "postal_code": "95002",
            "country": "US",
            "tax_id": "12-3456789",
            "account_number": "C-1",
            "currency": "USD",
            "active": True,
        },
        {
            "accountType": "BUSINESS",
            "name": "Happy Music Supplies",
            "email": "info@example.com",
            "phone": "9876543210",
            "address": {
                "line1": "123 Main Street",
                "city": "San Jose",
                "stateOrProvince": "CA",
                "zipOrPostalCode": "95002",
                "country": "US",
            },
            "additionalInfo": {"companyName": "Happy Music Supplies LLC", "taxId": "12-3456789"},
            "accountNumber": "C-1",
            "billCurrency": "USD",
        },
    ),
    (
        "invoice",
        "https://developer.bill.com/docs/ar-invoices (sample request), "
        "https://developer.bill.com/hc/docs/createinvoice",
        {
            "number": "202502",
            "customer": ref("customer", "0cu01"),
            "date": dt.date(2025, 12, 1),
            "due_date": dt.date(2025, 12, 31),
            "lines": [
                {
                    "amount": D("29.98"),
                    "description": "Classic extreme drum sticks",
                    "item": ref("item", "0ii01"),
                    "quantity": D("2"),
                    "unit_price": D("14.99"),
                    "class": ref("class", "cls01"),
                },
                {
                    "amount": D("50.00"),
                    "description": None,
                    "item": None,
                    "quantity": D("1"),
                    "unit_price": None,
                    "class": None,
                },
            ],
            "total": D("79.98"),
        },
        {
            "invoiceNumber": "202502",
            "customer": {"id": "0cu01"},
            "invoiceDate": "2025-12-01",
            "dueDate": "2025-12-31",
            "invoiceLineItems": [
                {
                    "amount": D("29.98"),
                    "description": "Classic extreme drum sticks",
                    "quantity": D("2"),
                    "price": D("14.99"),
                    "classifications": {"itemId": "0ii01", "accountingClassId": "cls01"},
                },
                {"amount": D("50.00"), "quantity": D("1")},
            ],
        },
    ),
    (
        "payment",
        "https://developer.bill.com/docs/recording-an-ar-payment (sample request), "
        "https://developer.bill.com/hc/docs/recordinvoice",
        {
            "customer": ref("customer", "0cu01"),
            "date": dt.date(2025, 12, 20),
            "amount": D("100.00"),
            "memo": "Accepted in store",
            "applied": [
                {"invoice": ref("invoice", "00e01"), "amount": D("50.00")},
                {"invoice": ref("invoice", "00e02"), "amount": D("30.00")},
            ],
        },
        {
            "paymentType": "OTHER",
            "customerId": "0cu01",
            "paymentDate": "2025-12-20",
            "amount": D("100.00"),
            "description": "Accepted in store",
            "invoices": [
                {"id": "00e01", "amount": D("50.00")},
                {"id": "00e02", "amount": D("30.00")},
            ],
        },
    ),
    (
        "bill",
        "https://developer.bill.com/docs/ap-bills (sample request); line classifications "
        "from BILL's Postman collection",
        {
            "number": "202501",
            "vendor": ref("vendor", "00901"),
            "date": dt.date(2025, 12, 31),
            "due_date": dt.date(2026, 1, 30),
            "memo": "Gear",
            "lines": [
                {
                    "amount": D("149.00"),
                    "description": "USB audio interface",
                    "account": ref("account", "0ca07"),
                    "class": ref("class", "cls01"),
                },
            ],
            "total": D("149.00"),
        },
        {
            "invoice": {"invoiceNumber": "202501", "invoiceDate": "2025-12-31"},
            "vendorId": "00901",
            "dueDate": "2026-01-30",
            "description": "Gear",
            "billLineItems": [
                {
                    "amount": D("149.00"),
                    "description": "USB audio interface",
                    "classifications": {"chartOfAccountId": "0ca07", "accountingClassId": "cls01"},
                }
            ],
        },
    ),
    (
        "bill_payment",
        "https://developer.bill.com/docs/record-ap-payments (sample request), "
        "https://developer.bill.com/hc/reference/recordpayment",
        {
            "vendor": ref("vendor", "00901"),
            "date": dt.date(2026, 12, 20),
            "amount": D("100.00"),
            "memo": "Wire",
            "applied": [
                {"bill": ref("bill", "00n01"), "amount": D("70.00")},
                {"bill": ref("bill", "00n02"), "amount": D("30.00")},
            ],
        },
        {
            "toPrintCheck": False,
            "vendorId": "00901",
            "processDate": "2026-12-20",
            "description": "Wire",
            "payments": [
                {"billId": "00n01", "amount": D("70.00")},
                {"billId": "00n02", "amount": D("30.00")},
            ],
        },
    ),
    (
        "vendor_credit",
        "BILL's Postman collection: POST /v3/vendor-credits",
        {
            "number": "202502-vendorcredit",
            "vendor": ref("vendor", "00901"),
            "date": dt.date(2025, 12, 28),
            "memo": "Happy Vendor Credit",
            "lines": [
                {
                    "amount": D("14.99"),
                    "description": "Classic extreme drum sticks",
                    "account": ref("account", "0ca07"),
                    "class": None,
                }
            ],
            "total": D("14.99"),
        },
        {
            "referenceNumber": "202502-vendorcredit",
            "vendorId": "00901",
            "creditDate": "2025-12-28",
            "description": "Happy Vendor Credit",
            "vendorCreditLineItems": [
                {
                    "amount": D("14.99"),
                    "description": "Classic extreme drum sticks",
                    "classifications": {"chartOfAccountId": "0ca07"},
                }
            ],
        },
    ),
]


CREATES.append(
    (
        # The sample request's two priced lines (its third, a ratePercent discount line, has
        # no canonical counterpart), with the sample's strings as numbers. Each line also
        # carries its amount, a line field "Update multiple credit memos" names
        # (https://developer.bill.com/reference/bulkupdatecreditmemo); description is the
        # credit memo's "Credit memo description" (.../reference/replacecreditmemo).
        "credit_memo",
        "https://developer.bill.com/docs/ar-credit-memos (sample request)",
        {
            "number": "202502-creditmemo",
            "customer": ref("customer", "0cu01"),
            "date": dt.date(2025, 12, 28),
            "memo": "Returned gear",
            "lines": [
                {
                    "amount": D("29.98"),
                    "description": "Classic extreme drum sticks",
                    "item": None,
                    "quantity": D("2"),
                    "unit_price": D("14.99"),
                    "class": None,
                },
                {
                    "amount": D("50.00"),
                    "description": "Metal guitar picks (5-pack)",
                    "item": None,
                    "quantity": D("1"),
                    "unit_price": D("50.00"),
                    "class": None,
                },
            ],
            "total": D("79.98"),
        },
        {
            "customerId": "0cu01",
            "creditDate": "2025-12-28",
            "creditMemoLineItems": [
                {
                    "description": "Classic extreme drum sticks",
                    "price": D("14.99"),
                    "quantity": D("2"),
                    "amount": D("29.98"),
                },
                {
                    "description": "Metal guitar picks (5-pack)",
                    "price": D("50.00"),
                    "quantity": D("1"),
                    "amount": D("50.00"),
                },
            ],
            "referenceNumber": "202502-creditmemo",
            "description": "Returned gear",
        },
    )
)


CREATES.append(
    (
        # recontui never creates one (a sales tax is BILL's own); the body pins the mapping.
        "sales_tax",
        "BILL's Postman collection: POST /v3/classifications/items (Create an item)",
        {"name": "State Sales Tax", "rate": D("3"), "active": True},
        {"type": "SALES_TAX", "percentage": 3, "name": "State Sales Tax"},
    )
)


@pytest.mark.parametrize(("entity", "page", "fields", "body"), CREATES, ids=[c[0] for c in CREATES])
def test_create_body_is_the_documented_one(
    entity: str, page: str, fields: dict[str, Any], body: dict[str, Any]
) -> None:
    built = bill_map.to_bill(entity, fields)
    assert json.loads(dumps_json(built)) == json.loads(dumps_json(body)), page


def test_every_bill_entity_has_a_documented_create_body() -> None:
    assert {c[0] for c in CREATES} == set(bill_map.BILL_ENTITIES)


def test_a_payment_without_a_method_is_recorded_as_other() -> None:
    """https://developer.bill.com/docs/recording-an-ar-payment: paymentType is required and
    one of CASH, CHECK, CREDIT_CARD, ACH, PAYPAL, OTHER; a canonical payment carries no
    method, and OTHER is the one value that claims none."""
    body = bill_map.to_bill("payment", {"amount": D("1.00"), "applied": []})
    assert body["paymentType"] == "OTHER"


def test_a_bill_payment_whose_amount_is_not_its_applications_is_refused() -> None:
    """https://developer.bill.com/hc/reference/recordpayment has no amount: BILL records the
    sum of ``payments``, so an amount that differs would be lost without a word."""
    fields = {
        "vendor": ref("vendor", "00901"),
        "date": dt.date(2026, 1, 2),
        "amount": D("100.00"),
        "applied": [{"bill": ref("bill", "00n01"), "amount": D("90.00")}],
    }
    with pytest.raises(MappingError, match=r"90\.00"):
        bill_map.to_bill("bill_payment", fields)


def test_received_payment_reads_back_from_its_invoice_payments() -> None:
    """GET /v3/receivable-payments/{id} (BILL's Postman collection): ``invoicePayments``."""
    served = {
        "id": "0rp01",
        "customerId": "0cu01",
        "paymentDate": "2025-12-20",
        "amount": 100,
        "unappliedAmount": 20,
        "description": "Accepted in store",
        "referenceNumber": "CHK-1",
        "receivablesType": "CHECK",
        "status": "PAID",
        "invoicePayments": [
            {"invoiceId": "00e01", "amount": 50, "paymentDate": "2025-12-20"},
            {"invoiceId": "00e02", "amount": 30, "paymentDate": "2025-12-20"},
        ],
        **T,
    }
    record = bill_map.from_bill("payment", wire(served))
    assert record.fields == {
        "customer": ref("customer", "0cu01"),
        "date": dt.date(2025, 12, 20),
        "amount": D("100.00"),
        "memo": "Accepted in store",
        "applied": [
            {"invoice": ref("invoice", "00e01"), "amount": D("50.00")},
            {"invoice": ref("invoice", "00e02"), "amount": D("30.00")},
        ],
    }
    assert record.version == T["updatedTime"] and record.deleted is False


def test_bill_payment_reads_back_from_its_bill_payments() -> None:
    """GET /v3/payments/{id} (BILL's Postman collection): ``processDate``,
    ``billPayments[{id, billId, amount}]``."""
    served = {
        "id": "stp01",
        "vendorId": "00901",
        "billPayments": [{"id": "blp01", "billId": "00n01", "amount": 70}],
        "description": "Wire",
        "processDate": "2026-12-20",
        "amount": 70,
        "status": "PAID",
        "toPrintCheck": False,
        **T,
    }
    record = bill_map.from_bill("bill_payment", wire(served))
    assert record.fields == {
        "vendor": ref("vendor", "00901"),
        "date": dt.date(2026, 12, 20),
        "amount": D("70.00"),
        "reference": None,
        "memo": "Wire",
        "applied": [{"bill": ref("bill", "00n01"), "amount": D("70.00")}],
    }


def test_a_payment_sent_as_a_check_reads_its_check_number_and_never_writes_it() -> None:
    """BILL: "When BILL processes your vendor payment as a check payment, the checkDisbursement
    object in the payments API response now includes the checkNumber field"
    (https://developer.bill.com/changelog/2024-08-15-check-payment-disbursement-information-improvements):
    the payment's reference, set by BILL only."""
    served = {
        "id": "stp01",
        "vendorId": "00901",
        "billPayments": [{"id": "blp01", "billId": "00n01", "amount": 70}],
        "processDate": "2026-12-20",
        "amount": 70,
        "checkDisbursement": {"checkNumber": "10234"},
        **T,
    }
    assert bill_map.from_bill("bill_payment", wire(served)).fields["reference"] == "10234"
    assert bill_map.BILL_ENTITIES.sets_itself("bill_payment") == {"reference"}
    body = bill_map.to_bill(
        "bill_payment",
        {"vendor": ref("vendor", "00901"), "date": dt.date(2026, 12, 20), "reference": "77"},
    )
    assert "checkDisbursement" not in body and "77" not in str(body)


def test_updates_send_the_documented_nested_objects_whole() -> None:
    """PATCH bodies (BILL's Postman collection): the invoice's ``customer`` object, the
    account's ``account{type, number}``, the vendor's ``additionalInfo``."""
    invoice = bill_map.to_bill("invoice", {"customer": ref("customer", "0cu02")}, partial=True)
    assert invoice == {"customer": {"id": "0cu02"}}
    account = bill_map.to_bill(
        "account", {"number": "1-021"}, partial=True, current={"type": "expense"}
    )
    assert account == {"account": {"number": "1-021", "type": "EXPENSE"}}
    vendor = bill_map.to_bill(
        "vendor", {"tax_id": "99-1"}, partial=True, current={"company_name": "Acme LLC"}
    )
    assert vendor == {"additionalInfo": {"companyName": "Acme LLC", "taxId": "99-1"}}


# -- the connector against the stand-in -----------------------------------------------------


class _World:
    def __init__(self) -> None:
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="demo"))
        creds = self.sb.credentials("http://sb")["bill"]
        self.settings = {k: creds[k] for k in ("api_base", "organization_id", "username")}
        self.secrets = Secrets({k: creds[k] for k in ("dev_key", "password")})

    def connector(self) -> Any:
        return make_connector(
            "bill", self.settings, self.secrets, transport=httpx.ASGITransport(app=self.sb.app)
        )


async def test_payments_are_recorded_and_read_back_through_the_stand_in() -> None:
    world = _World()
    org = world.sb.bill_org
    invoice = next(i for i in org.all("invoices") if i["status"] == "OPEN")
    open_bill = next(b for b in org.all("bills") if b["paymentStatus"] == "UNPAID")
    async with world.connector() as conn:
        paid = await conn.create(
            "payment",
            {
                "customer": ref("customer", invoice["customerId"]),
                "date": dt.date(2026, 1, 5),
                "amount": D("12.00"),
                "memo": "part",
                "applied": [{"invoice": ref("invoice", invoice["id"]), "amount": D("10.00")}],
            },
            idempotency_key="k1",
        )
        assert paid.remote_id.startswith("0rp") and paid.fields["amount"] == D("12.00")
        assert paid.fields["applied"] == [
            {"invoice": ref("invoice", invoice["id"]), "amount": D("10.00")}
        ]
        sent = await conn.create(
            "bill_payment",
            {
                "vendor": ref("vendor", open_bill["vendorId"]),
                "date": dt.date(2026, 1, 6),
                "amount": open_bill["amount"],
                "memo": None,
                "applied": [{"bill": ref("bill", open_bill["id"]), "amount": open_bill["amount"]}],
            },
            idempotency_key="k2",
        )
        assert sent.remote_id.startswith("stp") and sent.fields["date"] == dt.date(2026, 1, 6)
        calls = world.sb.bill.hourly.granted
        with pytest.raises(RejectedError) as refused:
            await conn.update(
                "payment", paid.remote_id, paid.version, {"memo": "x"}, idempotency_key="k3"
            )
        assert "BILL" in str(refused.value) and paid.remote_id in str(refused.value)
        assert world.sb.bill.hourly.granted == calls, "refused without a request"


async def test_a_refused_login_for_the_hourly_limit_is_not_tried_again() -> None:
    """https://developer.bill.com/docs/api-rate-limits: past 200 logins an hour every login
    answers BDC_1144 until the next hour; trying again only spends more of them."""
    world = _World()
    world.sb.bill.logins.limit = 1
    async with world.connector():
        pass
    with pytest.raises(ConnectorError) as exc:
        async with world.connector():
            pass
    assert "BDC_1144" in str(exc.value) and "hour" in str(exc.value)
    assert world.sb.bill.logins.rejected == 1, "one refused login, not a retry loop"


def _open_on_both(sandbox: Sandbox, prefix: str, status: str, wanted: str) -> tuple[str, str]:
    """(QBO id, BILL id) of a seeded invoice or bill both sides hold, still unpaid."""
    ids = sandbox.seed_ids
    path = "invoices" if prefix == "inv:" else "bills"
    held = {r["id"]: r for r in sandbox.bill_org.all(path)}
    for key, bill_id in sorted(ids["bill"].items()):
        if key.startswith(prefix) and key in ids["qbo"] and held[bill_id][status] == wanted:
            return ids["qbo"][key], bill_id
    raise AssertionError(f"no unpaid {path} on both sides")


async def _pay_in_quickbooks(factory: Any, sandbox: Sandbox) -> None:
    """A payment received and a bill paid in QuickBooks, as a bookkeeper records them."""
    invoice_id, _ = _open_on_both(sandbox, "inv:", "status", "OPEN")
    bill_id, _ = _open_on_both(sandbox, "bill:", "paymentStatus", "UNPAID")

    class _Quiet:
        def connector_sink(self, label: str) -> Any:
            return lambda *a: None

    async with factory("b", _Quiet()) as qbo:
        invoice = await qbo.read("invoice", invoice_id)
        bill = await qbo.read("bill", bill_id)
        assert invoice is not None and bill is not None
        await qbo.create(
            "payment",
            {
                "customer": invoice.fields["customer"],
                "date": invoice.fields["date"],
                "amount": D("10.00"),
                "reference": "CHK-BILL-WIRE",
                "applied": [{"invoice": ref("invoice", invoice_id), "amount": D("10.00")}],
            },
            idempotency_key="pay-1",
        )
        await qbo.create(
            "bill_payment",
            {
                "vendor": bill.fields["vendor"],
                "date": bill.fields["date"],
                "amount": bill.fields["total"],
                "reference": "EFT-BILL-WIRE",
                "applied": [{"bill": ref("bill", bill_id), "amount": bill.fields["total"]}],
            },
            idempotency_key="pay-2",
        )


def test_a_sync_logs_in_to_bill_once_and_records_quickbooks_payments(tmp_path: Path) -> None:
    """A whole sync uses one BILL session: one POST /v3/login per run (200 an hour). A
    payment and a bill payment made in QuickBooks reach BILL through record-payment and read
    back as written (no mismatch, nothing refused)."""
    sandbox = Sandbox(SandboxConfig(seed=7, scenario="demo"))
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": "bill-wire"})
    save_sandbox_profile(
        store, argparse.Namespace(), "t", sandbox.credentials("http://sb"), secrets
    )
    profile = store.get_profile("t")
    factory = connector_factory(profile, secrets, transport=httpx.ASGITransport(app=sandbox.app))
    result = asyncio.run(run_sync(store, profile, factory, RunOptions()))
    assert result.exit_code == 0, (result.counts, result.message)
    assert sandbox.bill.logins.granted == 1
    received = len(sandbox.bill_org.all("receivable-payments"))
    paid = len(sandbox.bill_org.all("payments"))
    asyncio.run(_pay_in_quickbooks(factory, sandbox))
    events: list[Any] = []
    again = asyncio.run(run_sync(store, profile, factory, RunOptions(), listener=events.append))
    assert again.exit_code == 0, (again.counts, [e.message for e in events if e.level == "error"])
    assert again.counts["created"] == 2 and again.counts["read_back_mismatch"] == 0
    assert len(sandbox.bill_org.all("receivable-payments")) == received + 1
    assert len(sandbox.bill_org.all("payments")) == paid + 1
    assert sandbox.bill.logins.granted == 2  # one more run, one more login


def test_an_invoice_line_without_a_quantity_goes_as_one_and_reads_back_without() -> None:
    """https://developer.bill.com/docs/ar-invoices: every line takes a ``quantity``; BILL's
    Postman collection ("Replace an invoice") writes a line sold as an amount as
    ``{amount, quantity: 1}`` without a price. Read back, such a line has no quantity again,
    so a line QuickBooks holds without one is not changed by the round trip."""
    line = {"amount": D("29.99"), "description": "gloves", "item": None, "quantity": None}
    body = bill_map.to_bill(
        "invoice", {"customer": ref("customer", "0cu01"), "lines": [line | {"unit_price": None}]}
    )
    assert wire(body["invoiceLineItems"]) == [
        {"amount": D("29.99"), "description": "gloves", "quantity": 1}
    ]
    served = {"id": "00e01", "customerId": "0cu01", "invoiceLineItems": body["invoiceLineItems"]}
    [back] = bill_map.from_bill("invoice", wire({**served, **T})).fields["lines"]
    assert back["quantity"] is None and back["amount"] == D("29.99")
    priced = {"id": "00f01", "quantity": 1, "price": D("29.99")}  # no amount, as served
    [read] = bill_map.from_bill(
        "invoice", wire({**served, "invoiceLineItems": [priced], **T})
    ).fields["lines"]
    assert (read["quantity"], read["unit_price"], read["amount"]) == (1, D("29.99"), D("29.99"))
