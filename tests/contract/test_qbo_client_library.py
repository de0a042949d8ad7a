"""The QuickBooks Online stand-in against a widely used client library, used unchanged.

python-quickbooks (with Intuit's own intuit-oauth for the tokens) is pointed at a stand-in
served on 127.0.0.1: intuit-oauth reads the stand-in's discovery document (its
``environment`` may be a discovery URL), python-quickbooks gets the stand-in's ``/v3`` as its
API base. Everything else is the library as it ships: if the stand-in refused what the real
service accepts (or accepted what it refuses), these tests fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from requests_oauthlib import OAuth2Session

from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.sandbox.clock import qbo_meta_time

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Stand:
    """A running stand-in and a python-quickbooks client connected to it."""

    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.creds = running.sandbox.credentials(running.base_url)["qbo"]
        self.discovery = f"{self.creds['api_base']}/.well-known/openid_sandbox_configuration/"
        self.qb = self.connect()

    def connect(self) -> QuickBooks:
        auth = AuthClient(
            client_id=self.creds["client_id"],
            client_secret=self.creds["client_secret"],
            redirect_uri="http://localhost/callback",
            environment=self.discovery,
        )
        qb = QuickBooks(
            auth_client=auth,
            refresh_token=self.running.sandbox.qbo_oauth.current_refresh_token(),
            company_id=self.creds["realm_id"],
            minorversion=75,
        )
        qb.api_url_v3 = f"{self.creds['api_base']}/v3"  # the one change: where the API is
        return qb


@pytest.fixture(scope="module")
def stand() -> Iterator[Stand]:
    # oauthlib refuses plain http unless told it is a local test (its documented switch);
    # the stand-in is served on loopback without TLS.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        with RunningSandbox(SandboxConfig(scenario="demo")) as run:
            yield Stand(run)


def fault_code(info: pytest.ExceptionInfo[QuickbooksException]) -> int:
    return int(info.value.error_code)


def test_intuit_oauth_refreshes_through_the_discovery_document(stand: Stand) -> None:
    assert stand.qb.auth_client.access_token
    assert stand.qb.auth_client.token_endpoint == stand.creds["token_url"]
    assert stand.qb.refresh_token == stand.running.sandbox.qbo_oauth.current_refresh_token()


def test_requests_oauthlib_refreshes_with_client_secret_post(stand: Stand) -> None:
    session = OAuth2Session(stand.creds["client_id"])
    token = session.refresh_token(
        stand.creds["token_url"],
        refresh_token=stand.running.sandbox.qbo_oauth.current_refresh_token(),
        client_id=stand.creds["client_id"],
        client_secret=stand.creds["client_secret"],
        include_client_id=True,  # client_secret_post: the credentials in the form
    )
    assert token["access_token"] and token["token_type"].lower() == "bearer"


def test_create_read_sparse_and_full_update(stand: Stand) -> None:
    customer = Customer()
    customer.DisplayName = "Library Made Ltd"
    customer.CompanyName = "Library Made"
    created = customer.save(qb=stand.qb)
    assert created.Id and created.SyncToken == "0"
    assert created.OpenBalanceDate in (None, "")  # sent as "", kept as not supplied

    sparse = Customer.get(created.Id, qb=stand.qb)
    sparse.sparse = True
    sparse.Notes = "sparse"
    after_sparse = sparse.save(qb=stand.qb)
    assert after_sparse.SyncToken == "1" and after_sparse.Notes == "sparse"

    minimal = stand.qb.update_object(
        "Customer",
        json.dumps({"Id": created.Id, "SyncToken": "1", "sparse": True, "MiddleName": "Q"}),
    )["Customer"]
    assert minimal["MiddleName"] == "Q" and minimal["Notes"] == "sparse"

    full = Customer.get(created.Id, qb=stand.qb)
    full.CompanyName = "Library Made Again"
    full.Notes = ""
    after_full = full.save(qb=stand.qb)
    assert after_full.SyncToken == "3" and after_full.CompanyName == "Library Made Again"


def test_stale_sync_token_is_the_documented_5010(stand: Stand) -> None:
    customer = Customer()
    customer.DisplayName = "Stale Token Co"
    created = customer.save(qb=stand.qb)
    first = Customer.get(created.Id, qb=stand.qb)
    second = Customer.get(created.Id, qb=stand.qb)
    first.Notes = "first"
    first.save(qb=stand.qb)
    second.Notes = "second"
    with pytest.raises(QuickbooksException) as info:
        second.save(qb=stand.qb)
    assert fault_code(info) == 5010
    assert "Stale Object Error" in info.value.message


def test_duplicate_display_name_is_6240(stand: Stand) -> None:
    taken = Customer.all(max_results=1, qb=stand.qb)[0].DisplayName
    clash = Customer()
    clash.DisplayName = taken
    with pytest.raises(QuickbooksException) as info:
        clash.save(qb=stand.qb)
    assert fault_code(info) == 6240


def test_paging_with_startposition_and_maxresults(stand: Stand) -> None:
    total = Customer.count(qb=stand.qb)
    assert total > 10
    seen: list[str] = []
    start = 1
    while True:
        page = Customer.where("", start_position=start, max_results=10, qb=stand.qb)
        seen += [c.Id for c in page]
        if len(page) < 10:
            break
        start += 10
    assert len(seen) == total == len(set(seen))
    ordered = Customer.all(order_by="DisplayName", max_results=1000, qb=stand.qb)
    names = [c.DisplayName.casefold() for c in ordered]
    assert names == sorted(names)
    projected = Customer.query("select Id, DisplayName from Customer", qb=stand.qb)
    assert {c.Id for c in projected} >= set(seen[:5])


def test_change_data_capture(stand: Stand) -> None:
    since = stand.running.sandbox.clock.now() - timedelta(seconds=5)
    customer = Customer()
    customer.DisplayName = "Changed Lately"
    created = customer.save(qb=stand.qb)
    cdc = change_data_capture([Customer, Invoice], qbo_meta_time(since), qb=stand.qb)
    assert created.Id in [c.Id for c in cdc.Customer]


def test_batch_create_with_uuid_bids(stand: Stand) -> None:
    people = []
    for name in ("Batch Ann", "Batch Bob"):
        customer = Customer()
        customer.DisplayName = name
        people.append(customer)
    result = batch_create(people, qb=stand.qb)
    assert not result.faults, [f.Error for f in result.faults]
    assert sorted(c.DisplayName for c in result.successes) == ["Batch Ann", "Batch Bob"]
    assert all(len(r.bId) == 36 for r in result.batch_responses)


def invoice_for(stand: Stand, customer: Customer, amount: str) -> Invoice:
    item = Item.where("Type = 'Service'", max_results=1, qb=stand.qb)[0]
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 1
    line.SalesItemLineDetail.UnitPrice = Decimal(amount)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    return invoice.save(qb=stand.qb)


def test_payment_void_keeps_the_payment_at_zero(stand: Stand) -> None:
    customer = Customer.all(max_results=1, qb=stand.qb)[0]
    invoice = invoice_for(stand, customer, "40.00")
    assert Decimal(str(invoice.TotalAmt)) == Decimal("40.00")
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 40
    applied = PaymentLine()
    applied.Amount = 40
    applied.LinkedTxn.append(invoice.to_linked_txn())
    payment.Line.append(applied)
    saved = payment.save(qb=stand.qb)
    assert Invoice.get(invoice.Id, qb=stand.qb).Balance == 0

    answer: dict[str, Any] = saved.void(qb=stand.qb)
    voided = answer["Payment"]
    assert voided["Id"] == saved.Id and voided["TotalAmt"] == 0
    assert voided["PrivateNote"].startswith("Voided") and voided["Line"] == []
    assert Decimal(str(Invoice.get(invoice.Id, qb=stand.qb).Balance)) == Decimal("40.00")
