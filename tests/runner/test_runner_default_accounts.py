"""The QuickBooks Online accounts a write needs and BILL does not hold: the profile's
default accounts (``default.expense_account``, ``default.income_account``,
``default.deposit_account``, ``default.bank_account``, QuickBooks account ids).

QuickBooks refuses an expense line without ``AccountBasedExpenseLineDetail.AccountRef``
({entities}/bill, {entities}/vendorcredit) and a Service item without
``IncomeAccountRef`` ({entities}/item). A BILL bill line without a chart-of-accounts
classification, or a BILL item without an account, is filled with the default account
when one is set, and held before anything is sent (one sentence naming the record and the
next step) when none is; once the default is set the next sync sends it. The copy in
QuickBooks then holds the default account where BILL holds none: that is not a change to
send back to BILL, nor a conflict. Bill payments are paid from ``default.bank_account``;
customer payments are deposited to ``default.deposit_account`` (else Undeposited Funds).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from runner_world import World, make_world

from recontui.model import RemoteRef
from recontui.model.states import OpKind, OpState
from recontui.verify import verify

D = Decimal
TODAY = dt.date(2026, 3, 2)
VENDOR = {"name": "Paper Co", "email": "ap@paper.test", "phone": "(503) 555-0100"}
CUSTOMER = {"name": "Acme Ltd", "email": "ap@acme.test"}
#: The empty companies' accounts (the stand-ins' seed): QuickBooks ids.
QBO_CHECKING, QBO_INCOME, QBO_OFFICE = "1", "4", "5"
SETUP = "(`recontui setup`, step Default accounts)"


class Recording(httpx.AsyncBaseTransport):
    """The world's transport, writing down every write request to either system."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.writes: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method in ("POST", "PATCH", "PUT") and not path.endswith(
            ("/login", "/logout", "/query", "/bearer")
        ):
            self.writes.append((request.method, path))
        return await self.inner.handle_async_request(request)

    def to(self, system: str, resource: str = "") -> list[tuple[str, str]]:
        return [w for w in self.writes if w[1].startswith(f"/{system}/") and resource in w[1]]


@pytest.fixture
def empty(tmp_path: Path) -> tuple[World, Recording]:
    world = make_world(tmp_path, scenario="empty")
    recording = Recording(world.transport)
    world.transport = recording  # type: ignore[assignment]
    return world, recording


def act(world: World, side: str, how: Any) -> Any:
    async def go() -> Any:
        ca, cb = world.connectors()
        conn = ca if side == "a" else cb
        async with conn:
            return await how(conn)

    return asyncio.run(go())


def create(world: World, side: str, entity: str, fields: dict[str, Any]) -> str:
    async def how(conn: Any) -> str:
        made = await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)
        return str(made.remote_id)

    return act(world, side, how)


def update(world: World, side: str, entity: str, remote_id: str, changes: dict[str, Any]) -> None:
    async def how(conn: Any) -> None:
        rec = await conn.read(entity, remote_id)
        await conn.update(entity, remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex)

    act(world, side, how)


def read(world: World, side: str, entity: str, remote_id: str) -> dict[str, Any]:
    async def how(conn: Any) -> dict[str, Any]:
        rec = await conn.read(entity, remote_id)
        return dict(rec.fields)

    return act(world, side, how)


def bill_account(world: World, name: str) -> RemoteRef:
    """A BILL chart-of-accounts entry, by name."""

    async def how(conn: Any) -> RemoteRef:
        async for page in conn.pull("account", None):
            for rec in page.records:
                if rec.fields.get("name") == name:
                    return RemoteRef("account", rec.remote_id)
        raise AssertionError(f"BILL has no account {name!r}")

    return act(world, "a", how)


def qbo_raw(world: World, entity: str, remote_id: str) -> dict[str, Any]:
    with world.sandbox.lock:
        found = world.sandbox.qbo_company.find(entity, remote_id)
        assert found is not None, (entity, remote_id)
        return dict(world.sandbox.qbo_company.render(found))


def qbo_ids(world: World, entity: str) -> list[str]:
    with world.sandbox.lock:
        return [ident for ident, _rec in world.sandbox.qbo_company.rows(entity)]


def verified(world: World) -> Any:
    """What `recontui verify` finds reading both systems in full."""
    world.profile = world.store.get_profile(world.profile.name)
    return asyncio.run(verify(world.store, world.profile, world.factory()))


def books_agree(world: World) -> bool:
    return bool(verified(world).count == 0)


def said(world: World, text: str) -> list[str]:
    return [e.message for e in world.events if text in e.message]


def held(world: World) -> list[Any]:
    return world.store.ops(world.profile.id, (OpState.HELD,))


def set_default(world: World, key: str, value: str) -> None:
    world.store.set_setting(world.profile.id, f"default.{key}", value, actor="test")


def line_accounts(world: World, bill_id: str) -> list[str | None]:
    lines = qbo_raw(world, "Bill", bill_id)["Line"]
    return [
        (ln.get("AccountBasedExpenseLineDetail") or {}).get("AccountRef", {}).get("value")
        for ln in lines
        if ln.get("DetailType") == "AccountBasedExpenseLineDetail"
    ]


def a_bill_without_line_account(world: World) -> tuple[str, str]:
    """A BILL vendor and its bill B-1, whose line 2 has no expense account; their ids."""
    office = bill_account(world, "Office Expenses")
    vendor = create(world, "a", "vendor", VENDOR)
    lines = [
        {"amount": D("40.00"), "description": "Paper", "account": office},
        {"amount": D("60.00"), "description": "Toner"},
    ]
    bill = create(
        world,
        "a",
        "bill",
        {
            "number": "B-1",
            "vendor": RemoteRef("vendor", vendor),
            "date": TODAY,
            "due_date": TODAY + dt.timedelta(days=30),
            "lines": lines,
        },
    )
    return vendor, bill


def qbo_supplies(world: World) -> str:
    """A second QuickBooks expense account, to tell the default apart from line 1's."""
    return create(world, "b", "account", {"name": "Supplies", "type": "expense"})


HELD_BILL = (
    "Bill 'B-1' is not copied to QuickBooks Online: its line 2 has no expense account. Set "
    f"a default expense account {SETUP} or give the line an account in BILL; the next sync "
    "sends it."
)


def test_a_bill_line_without_account_is_held_until_a_default_is_set(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    _vendor, bill = a_bill_without_line_account(world)

    first = world.sync()
    assert first.exit_code == 1, (first.counts, first.message)
    assert first.counts["held"] == 1 and first.counts["rejected"] == 0
    assert recording.to("qbo", "/bill") == []  # nothing sent to be refused
    assert said(world, HELD_BILL), [e.message for e in world.events]
    [op] = held(world)
    assert (op.op, op.side, op.entity, op.last_error) == (OpKind.CREATE, "b", "bill", HELD_BILL)
    # `recontui verify` names the same next step for the bill only BILL holds.
    [found] = verified(world).disagreements
    assert (found.record, found.action, found.todo) == ("B-1", "fix", HELD_BILL)

    # Nothing changed: still held, said again, still nothing sent.
    world.events.clear()
    again = world.sync()
    assert again.exit_code == 1 and again.counts["held"] == 1
    assert said(world, HELD_BILL)
    assert recording.to("qbo", "/bill") == []

    # The default is set: the next sync sends it, line 2 booked to the default.
    supplies = qbo_supplies(world)
    set_default(world, "expense_account", supplies)
    sent = world.sync()
    assert sent.exit_code == 0, (sent.counts, sent.message)
    assert sent.counts["held"] == 0  # (the new account is copied to BILL as well)
    [qbo_bill] = qbo_ids(world, "Bill")
    assert line_accounts(world, qbo_bill) == [QBO_OFFICE, supplies]
    assert held(world) == []
    # BILL's record is left as it was: its line 2 still has no account.
    assert [ln.get("account") for ln in read(world, "a", "bill", bill)["lines"]][1] is None

    # The copy holding the default account is neither a change for BILL nor a conflict.
    recording.writes.clear()
    quiet = world.sync()
    assert quiet.exit_code == 0, (quiet.counts, quiet.message)
    assert quiet.counts["pushed"] == 0 and quiet.counts["conflicts_opened"] == 0
    assert recording.writes == []
    assert world.store.conflicts(world.profile.id, statuses=("open",)) == []
    assert books_agree(world)  # exit 0 tells the truth: verify agrees with the run


def test_a_default_expense_account_fills_the_line_on_the_first_sync(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    supplies = qbo_supplies(world)
    set_default(world, "expense_account", supplies)
    _vendor, bill = a_bill_without_line_account(world)
    result = world.sync()
    assert result.exit_code == 0, (result.counts, result.message)
    [qbo_bill] = qbo_ids(world, "Bill")
    assert line_accounts(world, qbo_bill) == [QBO_OFFICE, supplies]

    # Later edits on either side sync as usual, without sending the default back to BILL.
    update(world, "a", "bill", bill, {"memo": "March paper"})
    recording.writes.clear()
    edited = world.sync()
    assert edited.exit_code == 0, (edited.counts, edited.message)
    assert edited.counts["conflicts_opened"] == 0
    assert recording.to("bill") == []
    assert qbo_raw(world, "Bill", qbo_bill)["PrivateNote"] == "March paper"
    assert line_accounts(world, qbo_bill) == [QBO_OFFICE, supplies]

    # Someone books line 2 elsewhere in QuickBooks: QuickBooks' booking, not BILL's business.
    lines = read(world, "b", "bill", qbo_bill)["lines"]
    lines[1] = {**lines[1], "account": RemoteRef("account", QBO_OFFICE)}
    update(world, "b", "bill", qbo_bill, {"lines": lines})
    recording.writes.clear()
    rebooked = world.sync()
    assert rebooked.exit_code == 0, (rebooked.counts, rebooked.message)
    assert rebooked.counts["conflicts_opened"] == 0 and recording.to("bill") == []
    assert [ln.get("account") for ln in read(world, "a", "bill", bill)["lines"]][1] is None
    assert world.sync().exit_code == 0
    assert books_agree(world)


def test_a_line_without_account_added_to_a_linked_bill_waits_for_the_default(
    empty: tuple[World, Recording],
) -> None:
    """An update whose lines lack an account holds only its lines; the rest is sent."""
    world, recording = empty
    office = bill_account(world, "Office Expenses")
    vendor = create(world, "a", "vendor", VENDOR)
    bill = create(
        world,
        "a",
        "bill",
        {
            "number": "B-2",
            "vendor": RemoteRef("vendor", vendor),
            "date": TODAY,
            "due_date": TODAY + dt.timedelta(days=30),
            "lines": [{"amount": D("40.00"), "description": "Paper", "account": office}],
        },
    )
    assert world.sync().exit_code == 0
    [qbo_bill] = qbo_ids(world, "Bill")

    lines = read(world, "a", "bill", bill)["lines"]
    lines.append({"amount": D("15.00"), "description": "Pens"})
    update(world, "a", "bill", bill, {"lines": lines, "memo": "pens too"})
    result = world.sync()
    assert result.exit_code == 1, (result.counts, result.message)
    assert result.counts["held"] == 1 and result.counts["conflicts_opened"] == 0
    assert qbo_raw(world, "Bill", qbo_bill)["PrivateNote"] == "pens too"  # the rest is sent
    assert len(line_accounts(world, qbo_bill)) == 1
    words = (
        "The lines of bill 'B-2' are not sent to QuickBooks Online: its line 2 has no expense "
        f"account. Set a default expense account {SETUP} or give the line an account in BILL; "
        "the next sync sends them."
    )
    assert said(world, words), [e.message for e in world.events]
    [op] = held(world)
    assert (op.op, sorted(op.payload["changes"])) == (OpKind.UPDATE, ["lines"])

    supplies = qbo_supplies(world)
    set_default(world, "expense_account", supplies)
    sent = world.sync()
    assert sent.exit_code == 0, (sent.counts, sent.message)
    assert line_accounts(world, qbo_bill) == [QBO_OFFICE, supplies]
    assert held(world) == []
    recording.writes.clear()
    assert world.sync().exit_code == 0 and recording.writes == []


def test_an_item_without_income_account_is_held_then_filled(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    create(world, "a", "item", {"name": "Consulting", "unit_price": D("120")})
    first = world.sync()
    assert first.exit_code == 1, (first.counts, first.message)
    assert recording.to("qbo", "/item") == []
    words = (
        "Item 'Consulting' is not copied to QuickBooks Online: it has no income account. Set "
        f"a default income account {SETUP} or give the item an income account in BILL; the "
        "next sync sends it."
    )
    assert said(world, words), [e.message for e in world.events]

    set_default(world, "income_account", QBO_INCOME)
    sent = world.sync()
    assert sent.exit_code == 0, (sent.counts, sent.message)
    [item] = qbo_ids(world, "Item")
    assert qbo_raw(world, "Item", item)["IncomeAccountRef"]["value"] == QBO_INCOME
    recording.writes.clear()
    quiet = world.sync()
    assert quiet.exit_code == 0 and recording.writes == []
    assert quiet.counts["conflicts_opened"] == 0


def paid_bill(world: World) -> None:
    """A BILL vendor, bill (every line with an account) and a payment recorded for it."""
    office = bill_account(world, "Office Expenses")
    vendor = create(world, "a", "vendor", VENDOR)
    bill = create(
        world,
        "a",
        "bill",
        {
            "number": "B-9",
            "vendor": RemoteRef("vendor", vendor),
            "date": TODAY,
            "due_date": TODAY + dt.timedelta(days=30),
            "lines": [{"amount": D("80.00"), "description": "Paper", "account": office}],
        },
    )
    create(
        world,
        "a",
        "bill_payment",
        {
            "vendor": RemoteRef("vendor", vendor),
            "date": TODAY,
            "applied": [{"bill": RemoteRef("bill", bill), "amount": D("80.00")}],
        },
    )


def bank_of_bill_payment(world: World) -> str:
    [payment] = qbo_ids(world, "BillPayment")
    return str(qbo_raw(world, "BillPayment", payment)["CheckPayment"]["BankAccountRef"]["value"])


def test_bill_payments_are_paid_from_the_default_bank_account(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    operating = create(world, "b", "account", {"name": "Operating", "type": "bank"})
    set_default(world, "bank_account", operating)
    paid_bill(world)
    result = world.sync()
    assert result.exit_code == 0, (result.counts, result.message)
    assert bank_of_bill_payment(world) == operating
    assert said(world, "first active Bank account") == []


def test_the_default_bank_account_wins_over_the_profile_setting(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    operating = create(world, "b", "account", {"name": "Operating", "type": "bank"})
    profile = world.profile
    world.store.save_profile(
        profile.name,
        profile.a_system,
        profile.b_system,
        profile.a_settings,
        {**profile.b_settings, "bank_account_id": QBO_CHECKING},
    )
    set_default(world, "bank_account", operating)
    paid_bill(world)
    assert world.sync().exit_code == 0
    assert bank_of_bill_payment(world) == operating


def test_without_a_default_bank_account_the_first_bank_is_used_and_said_once(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    paid_bill(world)
    result = world.sync()
    assert result.exit_code == 0, (result.counts, result.message)
    assert bank_of_bill_payment(world) == QBO_CHECKING
    words = (
        "Bill payments are recorded from bank account 'Business Checking' (the first active "
        "Bank account): choose one in setup, step Default accounts."
    )
    warned = [e for e in world.events if words in e.message]
    assert len(warned) == 1 and warned[0].level == "warning", [e.message for e in world.events]
    logged = [e for e in world.store.events(result.run_id) if words in e["message"]]
    assert len(logged) == 1


def paid_invoice(world: World) -> None:
    """A BILL customer, item, invoice and a payment received for it."""
    income = bill_account(world, "Services Income")
    customer = create(world, "a", "customer", CUSTOMER)
    item = create(world, "a", "item", {"name": "Consulting", "income_account": income})
    invoice = create(
        world,
        "a",
        "invoice",
        {
            "number": "INV-1",
            "customer": RemoteRef("customer", customer),
            "date": TODAY,
            "due_date": TODAY + dt.timedelta(days=30),
            "lines": [{"item": RemoteRef("item", item), "amount": D("120.00")}],
        },
    )
    create(
        world,
        "a",
        "payment",
        {
            "customer": RemoteRef("customer", customer),
            "date": TODAY,
            "amount": D("120.00"),
            "applied": [{"invoice": RemoteRef("invoice", invoice), "amount": D("120.00")}],
        },
    )


def test_payments_are_deposited_to_the_default_deposit_account(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    set_default(world, "deposit_account", QBO_CHECKING)
    paid_invoice(world)
    result = world.sync()
    assert result.exit_code == 0, (result.counts, result.message)
    [payment] = qbo_ids(world, "Payment")
    assert qbo_raw(world, "Payment", payment)["DepositToAccountRef"]["value"] == QBO_CHECKING


def test_without_a_default_deposit_account_payments_go_to_undeposited_funds(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    paid_invoice(world)
    assert world.sync().exit_code == 0
    [payment] = qbo_ids(world, "Payment")
    assert "DepositToAccountRef" not in qbo_raw(world, "Payment", payment)


def test_default_accounts_are_settings_read_typed_and_audited(
    empty: tuple[World, Recording],
) -> None:
    world, _recording = empty
    settings = world.store.profile_settings(world.profile.id)
    assert (
        settings.default_expense_account,
        settings.default_income_account,
        settings.default_deposit_account,
        settings.default_bank_account,
    ) == ("", "", "", "")
    for key, value in (
        ("expense_account", QBO_OFFICE),
        ("income_account", QBO_INCOME),
        ("deposit_account", QBO_CHECKING),
        ("bank_account", QBO_CHECKING),
    ):
        set_default(world, key, value)
    settings = world.store.profile_settings(world.profile.id)
    assert settings.default_expense_account == QBO_OFFICE
    assert settings.default_income_account == QBO_INCOME
    assert settings.default_deposit_account == settings.default_bank_account == QBO_CHECKING
    stored = settings.stored()
    assert stored["default.expense_account"] == QBO_OFFICE
    assert type(settings).from_stored(stored) == settings
    audited = {
        r["field"]: (r["old"], r["new"], r["actor"]) for r in world.store.audit(world.profile.id)
    }
    assert audited["default.bank_account"] == (None, QBO_CHECKING, "test")


def test_a_vendor_credit_line_without_account_takes_the_default_too(
    empty: tuple[World, Recording],
) -> None:
    world, recording = empty
    vendor = create(world, "a", "vendor", VENDOR)
    credit = {
        "number": "VC-1",
        "vendor": RemoteRef("vendor", vendor),
        "date": TODAY,
        "lines": [{"amount": D("25.00"), "description": "Returned toner"}],
    }
    create(world, "a", "vendor_credit", credit)
    held_first = world.sync()
    assert held_first.exit_code == 1 and held_first.counts["held"] == 1
    assert said(world, "Vendor credit 'VC-1' is not copied to QuickBooks Online: its line 1 ")
    set_default(world, "expense_account", QBO_OFFICE)
    assert world.sync().exit_code == 0
    [qbo_credit] = qbo_ids(world, "VendorCredit")
    [detail] = [
        ln["AccountBasedExpenseLineDetail"]
        for ln in qbo_raw(world, "VendorCredit", qbo_credit)["Line"]
    ]
    assert detail["AccountRef"]["value"] == QBO_OFFICE
    recording.writes.clear()
    assert world.sync().exit_code == 0 and recording.writes == []
