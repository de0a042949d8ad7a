"""Golden BILL v3 JSON <-> canonical fields for every entity in docs/remote-shapes.md."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from recontui.connectors import bill_map
from recontui.connectors.http import dumps_json, loads_json
from recontui.connectors.values import MappingError
from recontui.model import ENTITIES, Ref, RemoteRef

D = Decimal
T = {"createdTime": "2024-05-01T17:00:00.000Z", "updatedTime": "2024-06-01T16:30:00.123Z"}


def wire(obj: dict[str, Any]) -> dict[str, Any]:
    return loads_json(json.dumps(obj))


GOLDEN: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "account",
        {
            "id": "0ca01",
            "name": "Receivables",
            "account": {"type": "ACCOUNTS_RECEIVABLE", "number": "1200"},
            "description": "AR",
            "archived": False,
            **T,
        },
        {
            "name": "Receivables",
            "number": "1200",
            "type": "accounts_receivable",
            "description": "AR",
            "active": True,
        },
        {
            "name": "Receivables",
            "account": {"number": "1200", "type": "ACCOUNTS_RECEIVABLE"},
            "description": "AR",
        },
    ),
    (
        "class",
        {"id": "cls01", "name": "East", "archived": True, **T},
        {"name": "East", "active": False},
        {"name": "East"},
    ),
    (
        "department",
        {"id": "0de01", "name": "Sales", "archived": False, **T},
        {"name": "Sales", "active": True},
        {"name": "Sales"},
    ),
    (
        "item",
        {
            "id": "0ii01",
            "name": "Consulting",
            "description": "Hourly",
            "price": 150.5,
            "chartOfAccountId": "0ca09",
            "archived": False,
            **T,
        },
        {
            "name": "Consulting",
            "description": "Hourly",
            "unit_price": D("150.50"),
            "income_account": RemoteRef("account", "0ca09"),
            "active": True,
        },
        {
            "name": "Consulting",
            "description": "Hourly",
            "price": D("150.50"),
            "chartOfAccountId": "0ca09",
        },
    ),
    (
        "customer",
        {
            "id": "0cu01",
            "name": "Acme Ltd",
            "companyName": "Acme",
            "email": "ap@acme.test",
            "phone": "555-0100",
            "billingAddress": {
                "line1": "1 Main St",
                "city": "Springfield",
                "stateOrProvince": "IL",
                "zipOrPostalCode": "62701",
                "country": "US",
            },
            "archived": False,
            **T,
        },
        {
            "name": "Acme Ltd",
            "company_name": "Acme",
            "email": "ap@acme.test",
            "phone": "555-0100",
            "address_line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
            "active": True,
            "created": dt.date(2024, 5, 1),  # read only: createdTime, for the filters
        },
        {
            "name": "Acme Ltd",
            "companyName": "Acme",
            "email": "ap@acme.test",
            "phone": "555-0100",
            "billingAddress": {
                "line1": "1 Main St",
                "city": "Springfield",
                "stateOrProvince": "IL",
                "zipOrPostalCode": "62701",
                "country": "US",
            },
        },
    ),
    (
        "vendor",
        {
            "id": "00901",
            "name": "Paper Co",
            "accountType": "BUSINESS",
            "address": {
                "line1": "9 Mill Rd",
                "city": "Scranton",
                "stateOrProvince": "PA",
                "zipOrPostalCode": "18503",
                "country": "US",
            },
            "additionalInfo": {"taxId": "12-345"},
            "accountNumber": "V-9",
            "billCurrency": "USD",
            "archived": False,
            **T,
        },
        {
            "name": "Paper Co",
            "company_name": None,
            "email": None,
            "phone": None,
            "address_line1": "9 Mill Rd",
            "city": "Scranton",
            "region": "PA",
            "postal_code": "18503",
            "country": "US",
            "tax_id": "12-345",
            "account_number": "V-9",
            "currency": "USD",
            "active": True,
            "type": "BUSINESS",  # read only: accountType, for the filters
            "created": dt.date(2024, 5, 1),
        },
        {
            "accountType": "BUSINESS",
            "name": "Paper Co",
            "address": {
                "line1": "9 Mill Rd",
                "city": "Scranton",
                "stateOrProvince": "PA",
                "zipOrPostalCode": "18503",
                "country": "US",
            },
            "additionalInfo": {"taxId": "12-345"},
            "accountNumber": "V-9",
            "billCurrency": "USD",
        },
    ),
    (
        "invoice",
        {
            "id": "00e01",
            "invoiceNumber": "1037",
            "customerId": "0cu01",
            "invoiceDate": "2024-06-01",
            "dueDate": "2024-07-01",
            "totalAmount": 376.35,
            # A sales-tax item charged on the taxable lines (BILL's Postman collection).
            "salesTaxItemId": "0ii09",
            "salesTaxTotal": 26.25,
            "salesTaxPercentage": 8.75,
            "invoiceLineItems": [
                {
                    "amount": 300,
                    "description": "Design",
                    "quantity": 2,
                    "price": 150,
                    "taxable": True,
                    "classifications": {"itemId": "0ii01", "accountingClassId": "cls01"},
                },
                # Served without its amount (BILL's Postman collection shows none):
                # quantity x price, to the cent.
                {"classifications": {"itemId": "0ii02"}, "quantity": 0.5, "price": 100.2},
            ],
            "archived": False,
            **T,
        },
        {
            "number": "1037",
            "customer": RemoteRef("customer", "0cu01"),
            "date": dt.date(2024, 6, 1),
            "due_date": dt.date(2024, 7, 1),
            "total": D("376.35"),
            "sales_tax": RemoteRef("sales_tax", "0ii09"),
            "tax": D("26.25"),
            "lines": [
                {
                    "amount": D("300.00"),
                    "description": "Design",
                    "item": RemoteRef("item", "0ii01"),
                    "quantity": D("2"),
                    "unit_price": D("150.00"),
                    "class": RemoteRef("class", "cls01"),
                    "taxable": True,
                },
                {
                    "amount": D("50.10"),
                    "description": None,
                    "item": RemoteRef("item", "0ii02"),
                    "quantity": D("0.5"),
                    "unit_price": D("100.20"),
                    "class": None,
                    "taxable": None,
                },
            ],
        },
        {
            "invoiceNumber": "1037",
            "customer": {"id": "0cu01"},
            "invoiceDate": "2024-06-01",
            "dueDate": "2024-07-01",
            "salesTaxItemId": "0ii09",
            "invoiceLineItems": [
                {
                    "amount": D("300.00"),
                    "description": "Design",
                    "classifications": {"itemId": "0ii01", "accountingClassId": "cls01"},
                    "quantity": D("2"),
                    "price": D("150.00"),
                    "taxable": True,
                },
                {
                    "amount": D("50.10"),
                    "classifications": {"itemId": "0ii02"},
                    "quantity": D("0.5"),
                    "price": D("100.20"),
                },
            ],
        },
    ),
    (
        "payment",
        {
            "id": "0rp01",
            "customerId": "0cu01",
            "paymentDate": "2024-06-10",
            "amount": 350.1,
            "referenceNumber": "CHK-77",
            "receivablesType": "CHECK",
            "description": "thanks",
            "invoicePayments": [
                {"invoiceId": "00e01", "amount": 350.1, "paymentDate": "2024-06-10"}
            ],
            **T,
        },
        {
            "customer": RemoteRef("customer", "0cu01"),
            "date": dt.date(2024, 6, 10),
            "amount": D("350.10"),
            "memo": "thanks",
            "applied": [{"invoice": RemoteRef("invoice", "00e01"), "amount": D("350.10")}],
        },
        {
            "paymentType": "OTHER",
            "customerId": "0cu01",
            "paymentDate": "2024-06-10",
            "amount": D("350.10"),
            "description": "thanks",
            "invoices": [{"id": "00e01", "amount": D("350.10")}],
        },
    ),
    (
        "bill",
        {
            "id": "00n01",
            "vendorId": "00901",
            "invoice": {"invoiceNumber": "INV-9", "invoiceDate": "2024-06-02"},
            "dueDate": "2024-06-30",
            "amount": 99.99,
            "billLineItems": [
                {
                    "amount": 99.99,
                    "description": "Paper",
                    "classifications": {"chartOfAccountId": "0ca07", "accountingClassId": "cls01"},
                }
            ],
            "archived": False,
            **T,
        },
        {
            "number": "INV-9",
            "vendor": RemoteRef("vendor", "00901"),
            "date": dt.date(2024, 6, 2),
            "due_date": dt.date(2024, 6, 30),
            "memo": None,
            "total": D("99.99"),
            "lines": [
                {
                    "amount": D("99.99"),
                    "description": "Paper",
                    "account": RemoteRef("account", "0ca07"),
                    "class": RemoteRef("class", "cls01"),
                }
            ],
        },
        {
            "invoice": {"invoiceNumber": "INV-9", "invoiceDate": "2024-06-02"},
            "vendorId": "00901",
            "dueDate": "2024-06-30",
            "billLineItems": [
                {
                    "amount": D("99.99"),
                    "description": "Paper",
                    "classifications": {"chartOfAccountId": "0ca07", "accountingClassId": "cls01"},
                }
            ],
        },
    ),
    (
        "bill_payment",
        {
            "id": "stp01",
            "vendorId": "00901",
            "processDate": "2024-06-20",
            "amount": 99.99,
            "toPrintCheck": False,
            "billPayments": [{"id": "blp01", "billId": "00n01", "amount": 99.99}],
            **T,
        },
        {
            "vendor": RemoteRef("vendor", "00901"),
            "date": dt.date(2024, 6, 20),
            "amount": D("99.99"),
            "memo": None,
            "applied": [{"bill": RemoteRef("bill", "00n01"), "amount": D("99.99")}],
        },
        {
            "toPrintCheck": False,
            "vendorId": "00901",
            "processDate": "2024-06-20",
            "payments": [{"billId": "00n01", "amount": D("99.99")}],
        },
    ),
    (
        "vendor_credit",
        {
            "id": "vcr01",
            "vendorId": "00901",
            "referenceNumber": "CR-1",
            "creditDate": "2024-06-05",
            "amount": 10.004,
            "description": "returned",
            "vendorCreditLineItems": [
                {"amount": 10.004, "classifications": {"chartOfAccountId": "0ca07"}}
            ],
            **T,
        },
        {
            "number": "CR-1",
            "vendor": RemoteRef("vendor", "00901"),
            "date": dt.date(2024, 6, 5),
            "memo": "returned",
            "total": D("10.00"),
            "lines": [
                {
                    "amount": D("10.00"),
                    "description": None,
                    "account": RemoteRef("account", "0ca07"),
                    "class": None,
                }
            ],
        },
        {
            "referenceNumber": "CR-1",
            "vendorId": "00901",
            "creditDate": "2024-06-05",
            "description": "returned",
            "vendorCreditLineItems": [
                {"amount": D("10.00"), "classifications": {"chartOfAccountId": "0ca07"}}
            ],
        },
    ),
]
GOLDEN.append(
    (
        # A sales tax: an item of type SALES_TAX, its rate in ``percentage`` (BILL's Postman
        # collection, "Create an item").
        "sales_tax",
        {
            "id": "0ii09",
            "name": "CA 8.75%",
            "type": "SALES_TAX",
            "percentage": 8.75,
            "archived": False,
            **T,
        },
        {"name": "CA 8.75%", "rate": D("8.75"), "active": True},
        {"name": "CA 8.75%", "percentage": D("8.75"), "type": "SALES_TAX"},
    )
)
GOLDEN.append(
    (
        # A credit memo as https://developer.bill.com/docs/ar-credit-memos creates one (its
        # sample's priced lines: quantity and price, no amount; BILL serves the total).
        "credit_memo",
        {
            "id": "ccr01",
            "customerId": "0cu01",
            "referenceNumber": "202502-creditmemo",
            "creditDate": "2025-12-28",
            "description": "returned",
            "totalAmount": 79.98,
            "creditMemoLineItems": [
                {
                    "id": "cci01",
                    "description": "Classic extreme drum sticks",
                    "price": "14.99",
                    "quantity": "2",
                },
                {
                    "id": "cci02",
                    "description": "Metal guitar picks (5-pack)",
                    "price": "50.00",
                    "quantity": "1",
                },
            ],
            "archived": False,
            **T,
        },
        {
            "number": "202502-creditmemo",
            "customer": RemoteRef("customer", "0cu01"),
            "date": dt.date(2025, 12, 28),
            "memo": "returned",
            "total": D("79.98"),
            "lines": [
                {
                    "amount": D("29.98"),
                    "description": "Classic extreme drum sticks",
                    "item": None,
                    "quantity": D("2"),
                    "unit_price": D("14.99"),
                    "class": None,
                    "taxable": None,
                },
                {
                    "amount": D("50.00"),
                    "description": "Metal guitar picks (5-pack)",
                    "item": None,
                    "quantity": D("1"),
                    "unit_price": D("50.00"),
                    "class": None,
                    "taxable": None,
                },
            ],
        },
        {
            "referenceNumber": "202502-creditmemo",
            "customerId": "0cu01",
            "creditDate": "2025-12-28",
            "description": "returned",
            "creditMemoLineItems": [
                {
                    "amount": D("29.98"),
                    "description": "Classic extreme drum sticks",
                    "quantity": D("2"),
                    "price": D("14.99"),
                },
                {
                    "amount": D("50.00"),
                    "description": "Metal guitar picks (5-pack)",
                    "quantity": D("1"),
                    "price": D("50.00"),
                },
            ],
        },
    )
)
IDS = [g[0] for g in GOLDEN]


@pytest.mark.parametrize(("entity", "remote", "canonical", "_body"), GOLDEN, ids=IDS)
def test_from_bill(entity: str, remote: dict, canonical: dict, _body: dict) -> None:
    record = bill_map.from_bill(entity, wire(remote))
    assert record.remote_id == remote["id"]
    assert record.version == "2024-06-01T16:30:00.123Z"
    assert record.updated_at == dt.datetime(2024, 6, 1, 16, 30, 0, 123000, tzinfo=dt.UTC)
    assert set(record.fields) == bill_map.fields_of(entity)
    assert record.fields == dict.fromkeys(bill_map.fields_of(entity)) | canonical
    for value in record.fields.values():
        assert not isinstance(value, (float, Ref))


@pytest.mark.parametrize(("entity", "_remote", "canonical", "body"), GOLDEN, ids=IDS)
def test_to_bill(entity: str, _remote: dict, canonical: dict, body: dict) -> None:
    assert bill_map.to_bill(entity, canonical) == body


def test_coverage_and_unsupported_entities() -> None:
    assert {g[0] for g in GOLDEN} == set(bill_map.BILL_ENTITIES)
    assert set(ENTITIES) - set(bill_map.BILL_ENTITIES) == {"tax_rate", "tax_code", "journal_entry"}
    # BILL has no currency on customers and AR/AP transactions.
    for entity in (
        "customer",
        "invoice",
        "credit_memo",
        "payment",
        "bill",
        "bill_payment",
        "vendor_credit",
    ):
        assert "currency" not in bill_map.fields_of(entity)
    assert "currency" in bill_map.fields_of("vendor")


def test_archived_transaction_is_deleted_archived_list_record_inactive() -> None:
    bill = bill_map.from_bill("bill", {"id": "00n9", "archived": True, **T})
    assert bill.deleted is True
    vendor = bill_map.from_bill("vendor", {"id": "0099", "name": "X", "archived": True, **T})
    assert vendor.deleted is False and vendor.fields["active"] is False


def test_partial_update_sends_nulls_and_whole_address() -> None:
    current = {
        "address_line1": "1 Main",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    body = bill_map.to_bill(
        "customer",
        {"postal_code": "62702", "phone": None, "active": False, "currency": "USD"},
        partial=True,
        current=current,
    )
    assert body == {
        "phone": None,
        "billingAddress": {
            "line1": "1 Main",
            "city": "Springfield",
            "stateOrProvince": "IL",
            "zipOrPostalCode": "62702",
            "country": "US",
        },
    }
    assert dumps_json(body).startswith(b'{"phone":null,')


def test_money_to_the_cent() -> None:
    body = bill_map.to_bill("payment", {"amount": D("0.005"), "applied": []})
    assert dumps_json(body) == b'{"paymentType":"OTHER","amount":0.01,"invoices":[]}'


def test_refuses_canonical_ref() -> None:
    with pytest.raises(MappingError):
        bill_map.to_bill("bill", {"vendor": Ref("vendor", 1)})
