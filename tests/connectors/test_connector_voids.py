"""Voided payments, both systems (issue 13: BILL's sync matrix for QuickBooks Online lists
"Voids 1-way from Bill.com").

BILL: a v3 payment's ``singleStatus`` VOIDED ("Payment is voided and is credited to the
payer"), FUNDING_FAILED_VOIDED or CANCELED (https://developer.bill.com/docs/single-status-payment-values)
means the bill payment is gone: read as deleted, as an archived transaction is.
QuickBooks: a deletion recontui carries out on a Payment or BillPayment is a void
(``operation=update&include=void`` with ``{Id, SyncToken, sparse: true}``; "The transaction
remains active but all amounts and quantities are zeroed, all lines are cleared, and the
string, Voided, is injected into PrivateNote", .../all-entities/billpayment), and a voided
one read back is gone too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import QboConnector, bill_map, qbo_map
from recontui.connectors.http import dumps_json, loads_json

T = {"createdTime": "2024-05-01T17:00:00.000Z", "updatedTime": "2024-06-01T16:30:00.123Z"}
PAID = {
    "id": "stp01ABC",
    "vendorId": "00901V",
    "processDate": "2024-06-01",
    "amount": 120,
    "billPayments": [{"id": "blp01X", "billId": "00n01B", "amount": 120}],
    "status": "PAID",
    **T,
}


@pytest.mark.parametrize("status", ["VOIDED", "FUNDING_FAILED_VOIDED", "CANCELED"])
def test_a_voided_or_canceled_bill_payment_is_read_as_deleted(status: str) -> None:
    record = bill_map.from_bill("bill_payment", {**PAID, "singleStatus": status})
    assert record.deleted
    assert record.version == T["updatedTime"]


@pytest.mark.parametrize("status", [None, "SCHEDULED", "CLEARED", "FUNDS_ESCHEATED"])
def test_a_live_bill_payment_is_not_deleted(status: str | None) -> None:
    obj = dict(PAID) if status is None else {**PAID, "singleStatus": status}
    assert not bill_map.from_bill("bill_payment", obj).deleted


def test_single_status_means_nothing_on_other_records() -> None:
    """Only payments carry singleStatus; an invoice's own key of that name is not read."""
    invoice = {
        "id": "00e01I",
        "invoiceNumber": "7",
        "customerId": "0cu01",
        "invoiceLineItems": [],
        "singleStatus": "VOIDED",
        **T,
    }
    assert not bill_map.from_bill("invoice", invoice).deleted


STAMP = "2024-06-02T09:00:00-07:00"
VOIDED_BP = {
    "Id": "145",
    "SyncToken": "3",
    "VendorRef": {"value": "56"},
    "PayType": "Check",
    "TxnDate": "2024-06-01",
    "TotalAmt": 0,
    "Line": [],
    "PrivateNote": "Voided March rent",
    "MetaData": {"CreateTime": STAMP, "LastUpdatedTime": STAMP},
}


@pytest.mark.parametrize(("entity", "name"), [("bill_payment", "BillPayment"), ("payment", None)])
def test_a_voided_quickbooks_payment_is_read_as_deleted(entity: str, name: str | None) -> None:
    obj = dict(VOIDED_BP)
    if name is None:  # a Payment: its customer, and UnappliedAmt zeroed too
        obj.pop("VendorRef")
        obj.pop("PayType")
        obj.update(CustomerRef={"value": "3"}, UnappliedAmt=0)
    record = qbo_map.from_qbo(entity, loads_json(dumps_json(obj)))
    assert record.deleted
    assert record.remote_id == "145"


def test_a_zero_quickbooks_payment_without_the_void_note_is_live() -> None:
    """A zero amount alone is not a void: only the note QuickBooks injects says so."""
    obj = {**VOIDED_BP, "PrivateNote": "March rent"}
    assert not qbo_map.from_qbo("bill_payment", loads_json(dumps_json(obj))).deleted
    paid = {**VOIDED_BP, "TotalAmt": 10, "Line": [_applied("10")]}
    assert not qbo_map.from_qbo("bill_payment", loads_json(dumps_json(paid))).deleted


def _applied(amount: str) -> dict[str, Any]:
    return {"Amount": Decimal(amount), "LinkedTxn": [{"TxnId": "9", "TxnType": "Bill"}]}


class _Quickbooks:
    """Answers the token call and each write as QBO's void would; keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return httpx.Response(
                200, json={"access_token": "at", "refresh_token": "rt", "expires_in": 3600}
            )
        body = loads_json(request.content)
        path = request.url.path.rsplit("/", 1)[-1]
        params = {k: v for k, v in request.url.params.items() if k != "minorversion"}
        self.sent.append((request.method, path, params, body))
        name = "BillPayment" if path == "billpayment" else "Payment"
        echo = {
            **VOIDED_BP,
            "Id": body["Id"],
            "SyncToken": str(int(body["SyncToken"]) + 1),
        }
        return httpx.Response(200, content=dumps_json({name: echo, "time": STAMP}))


def _connector(qbo: _Quickbooks) -> QboConnector:
    settings = {
        "api_base": "https://qbo.test",
        "token_url": "https://auth.test/token",
        "realm_id": "7",
        "bank_account_id": "35",
    }
    secrets = Secrets(client_id="cid", client_secret="cs", refresh_token="rt-0")
    return QboConnector(settings, secrets, transport=httpx.MockTransport(qbo))


@pytest.mark.parametrize(
    ("entity", "path"), [("bill_payment", "billpayment"), ("payment", "payment")]
)
async def test_deleting_a_quickbooks_payment_voids_it(entity: str, path: str) -> None:
    """The request is the documented void, never ``operation=delete``; the answer (the
    voided record) is handed back as a tombstone, so the runner settles the deletion."""
    qbo = _Quickbooks()
    async with _connector(qbo) as conn:
        gone = await conn.deactivate(entity, "145", "2", idempotency_key="void-1")
    assert qbo.sent == [
        (
            "POST",
            path,
            {"operation": "update", "include": "void", "requestid": qbo.sent[0][2]["requestid"]},
            {"Id": "145", "SyncToken": "2", "sparse": True},
        )
    ]
    assert gone.deleted and gone.remote_id == "145"
