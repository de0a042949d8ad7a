"""Golden QBO JSON <-> canonical fields for every entity in docs/remote-shapes.md."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from recontui.connectors import qbo_map
from recontui.connectors.http import dumps_json, loads_json
from recontui.connectors.values import MappingError
from recontui.model import ENTITIES, Ref, RemoteRef

D = Decimal
META = {"CreateTime": "2024-05-01T10:00:00-07:00", "LastUpdatedTime": "2024-06-01T09:30:00-07:00"}


def wire(obj: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON text so numbers arrive as the connector sees them."""
    return loads_json(json.dumps(obj))


# (entity, QBO object as served, canonical fields expected, canonical -> QBO create body)
GOLDEN: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "account",
        {
            "Id": "35",
            "SyncToken": "2",
            "Name": "Checking",
            "AcctNum": "1000",
            "AccountType": "Bank",
            "AccountSubType": "Checking",
            "Description": "Main",
            "Active": True,
            "CurrentBalance": 1201.5,
            "MetaData": META,
        },
        {
            "name": "Checking",
            "number": "1000",
            "type": "bank",
            "description": "Main",
            "active": True,
        },
        {
            "Name": "Checking",
            "AcctNum": "1000",
            "AccountType": "Bank",
            "Description": "Main",
            "Active": True,
        },
    ),
    (
        "class",
        {"Id": "5", "SyncToken": "0", "Name": "East", "Active": False, "MetaData": META},
        {"name": "East", "active": False},
        {"Name": "East", "Active": False},
    ),
    (
        "department",
        {"Id": "2", "SyncToken": "1", "Name": "Sales", "Active": True, "MetaData": META},
        {"name": "Sales", "active": True},
        {"Name": "Sales", "Active": True},
    ),
    (
        "item",
        {
            "Id": "9",
            "SyncToken": "0",
            "Name": "Consulting",
            "Description": "Hourly",
            "UnitPrice": 150.0,
            "Type": "Service",
            "IncomeAccountRef": {"value": "79", "name": "Services"},
            "Active": True,
            "MetaData": META,
        },
        {
            "name": "Consulting",
            "description": "Hourly",
            "unit_price": D("150.00"),
            "income_account": RemoteRef("account", "79"),
            "active": True,
        },
        {
            "Type": "Service",
            "Name": "Consulting",
            "Description": "Hourly",
            "UnitPrice": D("150.00"),
            "IncomeAccountRef": {"value": "79"},
            "Active": True,
        },
    ),
    (
        "customer",
        {
            "Id": "58",
            "SyncToken": "3",
            "DisplayName": "Acme Ltd",
            "CompanyName": "Acme",
            "PrimaryEmailAddr": {"Address": "ap@acme.test"},
            "PrimaryPhone": {"FreeFormNumber": "+1 555 0100"},
            "BillAddr": {
                "Line1": "1 Main St",
                "City": "Springfield",
                "CountrySubDivisionCode": "IL",
                "PostalCode": "62701",
                "Country": "US",
            },
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Active": True,
            "Balance": 10.1,
            "MetaData": META,
        },
        {
            "name": "Acme Ltd",
            "company_name": "Acme",
            "email": "ap@acme.test",
            "phone": "+1 555 0100",
            "address_line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
            "currency": "USD",
            "active": True,
            "created": dt.date(2024, 5, 1),  # read only: MetaData.CreateTime, for the filters
        },
        {
            "DisplayName": "Acme Ltd",
            "CompanyName": "Acme",
            "PrimaryEmailAddr": {"Address": "ap@acme.test"},
            "PrimaryPhone": {"FreeFormNumber": "+1 555 0100"},
            "BillAddr": {
                "Line1": "1 Main St",
                "City": "Springfield",
                "CountrySubDivisionCode": "IL",
                "PostalCode": "62701",
                "Country": "US",
            },
            "CurrencyRef": {"value": "USD"},
            "Active": True,
        },
    ),
    (
        "vendor",
        {
            "Id": "61",
            "SyncToken": "0",
            "DisplayName": "Paper Co",
            "TaxIdentifier": "12-345",
            "AcctNum": "V-9",
            "Active": True,
            "MetaData": META,
        },
        {
            "name": "Paper Co",
            "company_name": None,
            "email": None,
            "phone": None,
            "address_line1": None,
            "city": None,
            "region": None,
            "postal_code": None,
            "country": None,
            "tax_id": "12-345",
            "account_number": "V-9",
            "currency": None,
            "active": True,
            "created": dt.date(2024, 5, 1),
        },
        {"DisplayName": "Paper Co", "TaxIdentifier": "12-345", "AcctNum": "V-9", "Active": True},
    ),
    (
        "invoice",
        {
            "Id": "130",
            "SyncToken": "1",
            "DocNumber": "1037",
            "TxnDate": "2024-06-01",
            "DueDate": "2024-07-01",
            "CustomerRef": {"value": "58", "name": "Acme Ltd"},
            "CurrencyRef": {"value": "USD"},
            "PrivateNote": "rush",
            "TotalAmt": 376.35,
            # US sales tax: one code for the invoice, TAX/NON on the lines (Intuit's "Manage
            # sales tax for US locales").
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}, "TotalTax": 26.25},
            "Line": [
                {
                    "Id": "1",
                    "LineNum": 1,
                    "Amount": 300.0,
                    "Description": "Design",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "9"},
                        "Qty": 2,
                        "UnitPrice": 150,
                        "ClassRef": {"value": "5"},
                        "TaxCodeRef": {"value": "TAX"},
                    },
                },
                {
                    "Id": "2",
                    "LineNum": 2,
                    "Amount": 50.1,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "10"},
                        "Qty": 0.5,
                        "UnitPrice": 100.2,
                    },
                },
                {"Amount": 350.1, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
            ],
            "MetaData": META,
        },
        {
            "number": "1037",
            "customer": RemoteRef("customer", "58"),
            "date": dt.date(2024, 6, 1),
            "due_date": dt.date(2024, 7, 1),
            "currency": "USD",
            "memo": "rush",
            "total": D("376.35"),
            "tax_code": RemoteRef("tax_code", "3"),
            "tax": D("26.25"),
            "lines": [
                {
                    "amount": D("300.00"),
                    "description": "Design",
                    "item": RemoteRef("item", "9"),
                    "quantity": D("2"),
                    "unit_price": D("150.00"),
                    "class": RemoteRef("class", "5"),
                    "taxable": True,
                },
                {
                    "amount": D("50.10"),
                    "description": None,
                    "item": RemoteRef("item", "10"),
                    "quantity": D("0.5"),
                    "unit_price": D("100.20"),
                    "class": None,
                    "taxable": None,
                },
            ],
        },
        {
            "DocNumber": "1037",
            "CustomerRef": {"value": "58"},
            "TxnDate": "2024-06-01",
            "DueDate": "2024-07-01",
            "CurrencyRef": {"value": "USD"},
            "PrivateNote": "rush",
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}},
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": D("300.00"),
                    "Description": "Design",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "9"},
                        "Qty": D("2"),
                        "UnitPrice": D("150.00"),
                        "ClassRef": {"value": "5"},
                        "TaxCodeRef": {"value": "TAX"},
                    },
                },
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": D("50.10"),
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "10"},
                        "Qty": D("0.5"),
                        "UnitPrice": D("100.20"),
                    },
                },
            ],
        },
    ),
    (
        "payment",
        {
            "Id": "140",
            "SyncToken": "0",
            "CustomerRef": {"value": "58"},
            "TxnDate": "2024-06-10",
            "TotalAmt": 350.1,
            "PaymentRefNum": "CHK-77",
            "CurrencyRef": {"value": "USD"},
            "PrivateNote": "thanks",
            "UnappliedAmt": 0,
            "Line": [
                {"Amount": 350.1, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
                {"Amount": 5, "LinkedTxn": [{"TxnId": "7", "TxnType": "CreditMemo"}]},
            ],
            "MetaData": META,
        },
        {
            "customer": RemoteRef("customer", "58"),
            "date": dt.date(2024, 6, 10),
            "amount": D("350.10"),
            "reference": "CHK-77",
            "currency": "USD",
            "memo": "thanks",
            "applied": [{"amount": D("350.10"), "invoice": RemoteRef("invoice", "130")}],
        },
        {
            "CustomerRef": {"value": "58"},
            "TxnDate": "2024-06-10",
            "TotalAmt": D("350.10"),
            "PaymentRefNum": "CHK-77",
            "CurrencyRef": {"value": "USD"},
            "PrivateNote": "thanks",
            "Line": [
                {"Amount": D("350.10"), "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}
            ],
        },
    ),
    (
        "bill",
        {
            "Id": "150",
            "SyncToken": "4",
            "DocNumber": "INV-9",
            "VendorRef": {"value": "61"},
            "TxnDate": "2024-06-02",
            "DueDate": "2024-06-30",
            "PrivateNote": None,
            "TotalAmt": 99.99,
            "Line": [
                {
                    "Amount": 99.99,
                    "Description": "Paper",
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": "7"},
                        "ClassRef": {"value": "5"},
                    },
                }
            ],
            "MetaData": META,
        },
        {
            "number": "INV-9",
            "vendor": RemoteRef("vendor", "61"),
            "date": dt.date(2024, 6, 2),
            "due_date": dt.date(2024, 6, 30),
            "currency": None,
            "memo": None,
            "total": D("99.99"),
            "lines": [
                {
                    "amount": D("99.99"),
                    "description": "Paper",
                    "account": RemoteRef("account", "7"),
                    "class": RemoteRef("class", "5"),
                }
            ],
        },
        {
            "DocNumber": "INV-9",
            "VendorRef": {"value": "61"},
            "TxnDate": "2024-06-02",
            "DueDate": "2024-06-30",
            "Line": [
                {
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": D("99.99"),
                    "Description": "Paper",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": "7"},
                        "ClassRef": {"value": "5"},
                    },
                }
            ],
        },
    ),
    (
        "bill_payment",
        {
            "Id": "160",
            "SyncToken": "0",
            "VendorRef": {"value": "61"},
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": "35"}},
            "TxnDate": "2024-06-20",
            "TotalAmt": 99.99,
            "DocNumber": "5001",
            "CurrencyRef": {"value": "USD"},
            "Line": [{"Amount": 99.99, "LinkedTxn": [{"TxnId": "150", "TxnType": "Bill"}]}],
            "MetaData": META,
        },
        {
            "vendor": RemoteRef("vendor", "61"),
            "date": dt.date(2024, 6, 20),
            "amount": D("99.99"),
            "reference": "5001",
            "currency": "USD",
            "memo": None,
            "applied": [{"amount": D("99.99"), "bill": RemoteRef("bill", "150")}],
        },
        {
            "PayType": "Check",
            "VendorRef": {"value": "61"},
            "TxnDate": "2024-06-20",
            "TotalAmt": D("99.99"),
            "DocNumber": "5001",
            "CurrencyRef": {"value": "USD"},
            "Line": [{"Amount": D("99.99"), "LinkedTxn": [{"TxnId": "150", "TxnType": "Bill"}]}],
        },
    ),
    (
        "vendor_credit",
        {
            "Id": "170",
            "SyncToken": "0",
            "DocNumber": "CR-1",
            "VendorRef": {"value": "61"},
            "TxnDate": "2024-06-05",
            "TotalAmt": 10.005,
            "Line": [
                {
                    "Amount": 10.005,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}},
                }
            ],
            "MetaData": META,
        },
        {
            "number": "CR-1",
            "vendor": RemoteRef("vendor", "61"),
            "date": dt.date(2024, 6, 5),
            "currency": None,
            "memo": None,
            "total": D("10.01"),
            "lines": [
                {
                    "amount": D("10.01"),
                    "description": None,
                    "account": RemoteRef("account", "7"),
                    "class": None,
                }
            ],
        },
        {
            "DocNumber": "CR-1",
            "VendorRef": {"value": "61"},
            "TxnDate": "2024-06-05",
            "Line": [
                {
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": D("10.01"),
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}},
                }
            ],
        },
    ),
    (
        "journal_entry",
        {
            "Id": "180",
            "SyncToken": "0",
            "DocNumber": "JE-1",
            "TxnDate": "2024-06-30",
            "PrivateNote": "accrual",
            "Line": [
                {
                    "Amount": 25.5,
                    "Description": "dr",
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": "7"},
                        # An A/R line's customer (summarised journal entries).
                        "Entity": {"Type": "Customer", "EntityRef": {"value": "3", "name": "A"}},
                    },
                },
                {
                    "Amount": 25.5,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": "8"},
                        "ClassRef": {"value": "5"},
                    },
                },
            ],
            "MetaData": META,
        },
        {
            "number": "JE-1",
            "date": dt.date(2024, 6, 30),
            "currency": None,
            "memo": "accrual",
            "lines": [
                {
                    "amount": D("25.50"),
                    "description": "dr",
                    "posting": "debit",
                    "account": RemoteRef("account", "7"),
                    "class": None,
                    "customer": RemoteRef("customer", "3"),
                },
                {
                    "amount": D("25.50"),
                    "description": None,
                    "posting": "credit",
                    "account": RemoteRef("account", "8"),
                    "class": RemoteRef("class", "5"),
                    "customer": None,
                },
            ],
        },
        {
            "DocNumber": "JE-1",
            "TxnDate": "2024-06-30",
            "PrivateNote": "accrual",
            "Line": [
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": D("25.50"),
                    "Description": "dr",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": "7"},
                        "Entity": {"Type": "Customer", "EntityRef": {"value": "3"}},
                    },
                },
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": D("25.50"),
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": "8"},
                        "ClassRef": {"value": "5"},
                    },
                },
            ],
        },
    ),
]


GOLDEN.append(
    (
        # A customer credit memo: a sales form (CustomerRef, SalesItemLineDetail lines) with
        # a TotalAmt QuickBooks computes (Intuit's schema type CreditMemo).
        "credit_memo",
        {
            "Id": "180",
            "SyncToken": "0",
            "DocNumber": "CM-1",
            "CustomerRef": {"value": "58", "name": "Zoe"},
            "TxnDate": "2024-06-05",
            "PrivateNote": "returned",
            "CurrencyRef": {"value": "USD"},
            "TotalAmt": 29.98,
            "RemainingCredit": 29.98,
            "Line": [
                {
                    "Id": "1",
                    "LineNum": 1,
                    "Amount": 29.98,
                    "Description": "Drum sticks",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "9"},
                        "Qty": 2,
                        "UnitPrice": 14.99,
                    },
                },
                {"Amount": 29.98, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
            ],
            "MetaData": META,
        },
        {
            "number": "CM-1",
            "customer": RemoteRef("customer", "58"),
            "date": dt.date(2024, 6, 5),
            "currency": "USD",
            "memo": "returned",
            "total": D("29.98"),
            "lines": [
                {
                    "amount": D("29.98"),
                    "description": "Drum sticks",
                    "item": RemoteRef("item", "9"),
                    "quantity": D("2"),
                    "unit_price": D("14.99"),
                    "class": None,
                    "taxable": None,
                }
            ],
        },
        {
            "DocNumber": "CM-1",
            "CustomerRef": {"value": "58"},
            "TxnDate": "2024-06-05",
            "CurrencyRef": {"value": "USD"},
            "PrivateNote": "returned",
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": D("29.98"),
                    "Description": "Drum sticks",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "9"},
                        "Qty": D("2"),
                        "UnitPrice": D("14.99"),
                    },
                }
            ],
        },
    )
)
IDS = [g[0] for g in GOLDEN]


@pytest.mark.parametrize(("entity", "remote", "canonical", "_body"), GOLDEN, ids=IDS)
def test_from_qbo(entity: str, remote: dict, canonical: dict, _body: dict) -> None:
    record = qbo_map.from_qbo(entity, wire(remote))
    assert record.entity == entity
    assert record.remote_id == remote["Id"]
    assert record.version == remote["SyncToken"]
    assert record.updated_at == dt.datetime.fromisoformat("2024-06-01T09:30:00-07:00")
    assert record.deleted is False
    # Every mapped field is present; unmapped-on-this-record values are None.
    assert set(record.fields) == qbo_map.fields_of(entity)
    expected = dict.fromkeys(qbo_map.fields_of(entity)) | canonical
    assert record.fields == expected
    for value in record.fields.values():
        assert not isinstance(value, (float, Ref))


@pytest.mark.parametrize(("entity", "_remote", "canonical", "body"), GOLDEN, ids=IDS)
def test_to_qbo(entity: str, _remote: dict, canonical: dict, body: dict) -> None:
    out = qbo_map.to_qbo(entity, canonical)
    assert out == body
    # Money goes out as JSON numbers with exact digits.
    text = dumps_json(out).decode()
    assert "e+" not in text.lower()


def test_every_qbo_entity_has_a_golden_case() -> None:
    covered = {g[0] for g in GOLDEN} | {"tax_rate", "tax_code"}
    assert covered == set(qbo_map.QBO_ENTITIES)
    assert set(qbo_map.QBO_ENTITIES) == set(ENTITIES) - {"sales_tax"}  # BILL's own


def test_tax_rate_read_only() -> None:
    record = qbo_map.from_qbo(
        "tax_rate",
        wire(
            {
                "Id": "3",
                "SyncToken": "0",
                "Name": "CA",
                "RateValue": 7.25,
                "Active": True,
                "MetaData": META,
            }
        ),
    )
    assert record.fields == {"name": "CA", "rate": D("7.25"), "active": True}
    with pytest.raises(MappingError):
        qbo_map.to_qbo("tax_rate", {"name": "x"})


def test_tax_code_read_only() -> None:
    record = qbo_map.from_qbo(
        "tax_code",
        wire(
            {
                "Id": "7",
                "SyncToken": "0",
                "Name": "California",
                "Description": "California + San Francisco",
                "Taxable": True,
                "TaxGroup": True,
                "Active": True,
                "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "3"}}]},
                "MetaData": META,
            }
        ),
    )
    assert record.fields == {
        "name": "California",
        "description": "California + San Francisco",
        "taxable": True,
        "active": True,
    }
    with pytest.raises(MappingError):
        qbo_map.to_qbo("tax_code", {"name": "x"})


def test_money_to_the_cent_on_the_wire() -> None:
    body = qbo_map.to_qbo("payment", {"amount": D("1234567.005"), "applied": []})
    assert dumps_json(body) == b'{"TotalAmt":1234567.01,"Line":[]}'
    parsed = loads_json(b'{"TotalAmt": 0.1, "Big": 12345678901234.56}')
    assert parsed == {"TotalAmt": D("0.1"), "Big": D("12345678901234.56")}


def test_sparse_update_clears_and_sends_whole_address() -> None:
    current = {
        "address_line1": "1 Main",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    body = qbo_map.to_qbo(
        "customer", {"city": "Shelbyville", "email": None}, sparse=True, current=current
    )
    assert body == {
        "PrimaryEmailAddr": {"Address": ""},
        "BillAddr": {
            "Line1": "1 Main",
            "City": "Shelbyville",
            "CountrySubDivisionCode": "IL",
            "PostalCode": "62701",
            "Country": "US",
        },
    }
    # Create leaves None out entirely and never sends read-only totals.
    assert qbo_map.to_qbo("invoice", {"memo": None, "total": D("5")}) == {}


def test_deleted_stub_is_a_tombstone() -> None:
    record = qbo_map.from_qbo("invoice", {"Id": "130", "domain": "QBO", "status": "Deleted"})
    assert record.deleted is True
    assert record.remote_id == "130"
    assert set(record.fields) == qbo_map.fields_of("invoice")
    assert all(v is None for v in record.fields.values())


def test_refuses_canonical_ref_and_unknown_fields() -> None:
    with pytest.raises(MappingError):
        qbo_map.to_qbo("invoice", {"customer": Ref("customer", 3)})
    with pytest.raises(MappingError):
        qbo_map.to_qbo("invoice", {"colour": "red"})
    with pytest.raises(MappingError):
        qbo_map.to_qbo("account", {"type": "spaceship"})


def test_bad_remote_values_raise_mapping_error() -> None:
    with pytest.raises(MappingError):
        qbo_map.from_qbo("invoice", {"Id": "1", "TxnDate": "yesterday"})
    with pytest.raises(MappingError):
        qbo_map.from_qbo("invoice", {"TxnDate": "2024-01-01"})


def test_sparse_address_omits_parts_the_server_does_not_hold() -> None:
    body = qbo_map.to_qbo(
        "vendor",
        {"postal_code": "10001"},
        sparse=True,
        current={
            "address_line1": "9 Elm",
            "city": None,
            "region": "",
            "postal_code": None,
            "country": "US",
        },
    )
    assert body == {"BillAddr": {"Line1": "9 Elm", "PostalCode": "10001", "Country": "US"}}
