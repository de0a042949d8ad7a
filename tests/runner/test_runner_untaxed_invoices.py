"""Invoices BILL charges no sales tax on, copied to a QuickBooks company that charges sales
tax, against the stand-ins: every line is written not taxable (``TaxCodeRef`` NON), so
QuickBooks adds no tax of its own (a line sent without a code takes its item's
taxability) and both totals agree to the cent, on the first sync and when BILL changes
the lines later. The taxed ones keep their mapped code and TAX/NON lines. A QuickBooks
company without a tax code taxes nothing: its lines are left unmarked, as before."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, Wrapped, make_world

from recontui.connectors.base import UnreachableError
from recontui.model import RemoteRef
from recontui.run.taxes import Taxes
from recontui.setup.taxes import save_tax_map
from recontui.verify import verify

TAXED = ("T-2001", "T-2002")
#: The demo's BILL invoices QuickBooks does not hold: its first sync creates them.
UNTAXED = ("1201", "1202", "1203", "1204", "1205")


@pytest.fixture
def world(tmp_path: Path) -> World:
    """The demo with BILL sales tax, a QuickBooks company that charges the "California"
    code, every QuickBooks item Taxable (so a line sent without a code is taxed), the tax
    mapped and the default accounts set, as the setup leaves them before the first sync."""
    world = make_world(
        tmp_path, scenario="demo", bill_sales_tax=True, qbo_sales_tax_code="California"
    )
    with world.sandbox.lock:
        for _id, item in world.sandbox.qbo_company.rows("Item"):
            item["Taxable"] = True
    assert world.sync(pull_only=True).exit_code in (0, 1)  # the setup's Accounting lists
    ids = world.sandbox.seed_ids
    mapping = {ids["bill"]["salestax:CA"]: ids["qbo"]["taxcode:California"]}
    assert save_tax_map(world.store, world.profile, mapping, "test") is None
    for key, name in (("income_account", "Consulting Income"), ("expense_account", "Rent")):
        world.store.set_setting(
            world.profile.id, f"default.{key}", qbo_account(world, name), actor="t"
        )
    return world


def qbo_account(world: World, name: str) -> str:
    with world.sandbox.lock:
        return next(i for i, r in world.sandbox.qbo_company.rows("Account") if r["Name"] == name)


def qbo_invoices(world: World) -> dict[str, dict[str, Any]]:
    with world.sandbox.lock:
        return {
            rec["DocNumber"]: dict(world.sandbox.qbo_company.render(rec))
            for _id, rec in world.sandbox.qbo_company.rows("Invoice")
            if rec.get("DocNumber") in TAXED + UNTAXED
        }


def bill_invoice(world: World, number: str) -> dict[str, Any]:
    with world.sandbox.lock:
        return next(
            r for r in world.sandbox.bill_org.all("invoices") if r["invoiceNumber"] == number
        )


def marks(rec: dict[str, Any]) -> list[str | None]:
    return [
        (line["SalesItemLineDetail"].get("TaxCodeRef") or {}).get("value")
        for line in rec["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ]


def taxable_items(world: World, rec: dict[str, Any]) -> list[bool]:
    with world.sandbox.lock:
        found = [
            world.sandbox.qbo_company.find("Item", line["SalesItemLineDetail"]["ItemRef"]["value"])
            for line in rec["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
        ]
    return [bool(item and item.get("Taxable")) for item in found]


def tax_of(rec: dict[str, Any]) -> Decimal:
    return Decimal(str((rec.get("TxnTaxDetail") or {}).get("TotalTax") or 0))


def verify_invoices(world: World) -> Any:
    world.profile = world.store.get_profile(world.profile.name)
    return asyncio.run(verify(world.store, world.profile, world.factory(), entity="invoice"))


def problems(world: World) -> list[str]:
    return [e.message for e in world.events if e.level in ("warning", "error")]


def test_the_first_sync_creates_untaxed_invoices_without_tax_and_the_totals_agree(
    world: World,
) -> None:
    result = world.sync()
    assert result.exit_code == 0, problems(world)
    assert result.counts["totals_differ"] == 0 and result.counts["not_carried"] == 0
    assert result.counts["held"] == 0
    sent = qbo_invoices(world)
    assert sorted(sent) == sorted(TAXED + UNTAXED)
    for number in UNTAXED:
        rec, source = sent[number], bill_invoice(world, number)
        assert any(taxable_items(world, rec)), "no taxable item: this proves nothing"
        assert set(marks(rec)) == {"NON"}, number
        assert tax_of(rec) == 0 and Decimal(str(rec["TotalAmt"])) == source["totalAmount"]
    code = world.sandbox.seed_ids["qbo"]["taxcode:California"]
    for number in TAXED:
        rec, source = sent[number], bill_invoice(world, number)
        assert rec["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code
        assert marks(rec) == ["TAX", "NON"]
        assert tax_of(rec) == source["salesTaxTotal"] > 0
        assert Decimal(str(rec["TotalAmt"])) == source["totalAmount"]  # to the cent
    # Nothing left to do, and `recontui verify` agrees (totals included).
    calm = world.sync()
    assert calm.exit_code == 0 and calm.counts["created"] == calm.counts["updated"] == 0
    checked = verify_invoices(world)
    assert checked.agree, [(d.record, d.todo) for d in checked.disagreements]


def test_a_line_added_in_bill_to_an_untaxed_invoice_is_written_not_taxable(
    world: World,
) -> None:
    assert world.sync().exit_code == 0
    source = bill_invoice(world, "1201")

    async def add_line() -> None:
        bill, _ = world.connectors()
        async with bill:
            rec = await bill.read("invoice", source["id"])
            lines = [dict(line) for line in rec.fields["lines"]]
            extra = {k: v for k, v in lines[0].items() if k in ("item", "unit_price")}
            extra.update(description="Follow-up, second day", quantity=Decimal("2"))
            extra["amount"] = extra["unit_price"] * 2
            await bill.update(
                "invoice",
                source["id"],
                rec.version,
                {"lines": [*lines, extra]},
                idempotency_key=uuid.uuid4().hex,
            )

    asyncio.run(add_line())
    seen = len(world.events)
    result = world.sync()
    assert result.exit_code == 0, problems(world)[seen:]
    assert result.counts["updated"] == 1 and result.counts["conflicts_opened"] == 0
    assert result.counts["totals_differ"] == 0
    rec = qbo_invoices(world)["1201"]
    assert len(marks(rec)) == 3 and set(marks(rec)) == {"NON"}
    assert all(taxable_items(world, rec))
    assert tax_of(rec) == 0
    assert Decimal(str(rec["TotalAmt"])) == bill_invoice(world, "1201")["totalAmount"]
    assert verify_invoices(world).agree


def test_an_invoice_made_in_quickbooks_keeps_its_own_tax(world: World) -> None:
    """An invoice QuickBooks owns (made there) with its own tax: BILL, which charges no
    sales tax on it, cannot carry that tax, so it is not copied (as before), and nothing
    is written back to QuickBooks: its tax and marks stay as QuickBooks computed them."""
    assert world.sync().exit_code == 0
    ids = world.sandbox.seed_ids["qbo"]
    customer = next(v for k, v in ids.items() if k.startswith("cust:"))

    async def make() -> str:
        _, qbo = world.connectors()
        async with qbo:
            made = await qbo.create(
                "invoice",
                {
                    "number": "Q-9001",
                    "customer": RemoteRef("customer", customer),
                    "date": dt.date(2026, 3, 2),
                    "lines": [
                        {
                            "item": RemoteRef("item", ids["item:Consulting Hour"]),
                            "amount": Decimal("100.00"),
                            "taxable": True,
                        }
                    ],
                },
                idempotency_key=uuid.uuid4().hex,
            )
            return str(made.remote_id)

    made = asyncio.run(make())
    with world.sandbox.lock:
        before = dict(
            world.sandbox.qbo_company.render(world.sandbox.qbo_company.find("Invoice", made))
        )
    assert tax_of(before) > 0
    result = world.sync()
    assert result.counts["not_carried"] == 1 and result.counts["totals_differ"] == 0
    with world.sandbox.lock:
        after = dict(
            world.sandbox.qbo_company.render(world.sandbox.qbo_company.find("Invoice", made))
        )
        in_bill = [
            r for r in world.sandbox.bill_org.all("invoices") if r["invoiceNumber"] == "Q-9001"
        ]
    assert after["SyncToken"] == before["SyncToken"] and tax_of(after) == tax_of(before)
    assert marks(after) == ["TAX"] and in_bill == []


class Unreachable(Wrapped):
    """QuickBooks not answering invoice creates: they stay in the outbox for a later run."""

    async def create(self, entity: str, fields: Any, *, idempotency_key: str) -> Any:
        if entity == "invoice":
            raise UnreachableError("connection refused")
        return await super().create(entity, fields, idempotency_key=idempotency_key)


def test_an_invoice_create_planned_before_the_rule_is_marked_when_it_is_sent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An op queued without the marks (by an earlier version, its send failed) is given
    them at send time, as a mapped tax code is (Taxes.taxed_op_changes)."""

    def unmarked(self: Taxes, need: Any, link: Any, e: str, side: Any, op: Any, changes: Any):
        return self.with_tax(need, side, changes) if need is not None else dict(changes)

    with monkeypatch.context() as patched:
        patched.setattr(Taxes, "tax_marked", unmarked)
        world.wrap = lambda side, conn: Unreachable(conn) if side == "b" else conn
        world.sync()
    queued = [
        op
        for op in world.store.ops(world.profile.id, ("pending",))
        if op.entity == "invoice" and op.payload["changes"].get("number") in UNTAXED
    ]
    assert len(queued) == len(UNTAXED)
    assert all(
        row.get("taxable") is None for op in queued for row in op.payload["changes"]["lines"]
    )
    world.wrap = None
    result = world.sync()
    assert result.exit_code == 0, problems(world)
    assert result.counts["totals_differ"] == 0
    sent = qbo_invoices(world)
    for number in UNTAXED:
        assert set(marks(sent[number])) == {"NON"} and tax_of(sent[number]) == 0
        assert Decimal(str(sent[number]["TotalAmt"])) == bill_invoice(world, number)["totalAmount"]


def test_a_company_without_a_tax_code_gets_its_lines_unmarked(tmp_path: Path) -> None:
    """QuickBooks without a tax code taxes nothing: the lines are sent as before, with no
    ``TaxCodeRef`` (no page says a company that does not use sales tax takes NON)."""
    world = make_world(tmp_path, scenario="empty")
    today = dt.date(2026, 3, 2)

    async def make() -> None:
        bill, _ = world.connectors()
        async with bill:
            customer = await bill.create(
                "customer",
                {"name": "Acme Ltd", "email": "ap@acme.test"},
                idempotency_key=uuid.uuid4().hex,
            )
            await bill.create(
                "invoice",
                {
                    "number": "E-1",
                    "customer": RemoteRef("customer", customer.remote_id),
                    "date": today,
                    "due_date": today + dt.timedelta(days=30),
                    "lines": [{"description": "Advice", "amount": Decimal("80.00")}],
                },
                idempotency_key=uuid.uuid4().hex,
            )

    asyncio.run(make())
    result = world.sync()
    assert result.exit_code == 0, problems(world)
    assert result.counts["created"] == 2 and result.counts["totals_differ"] == 0
    with world.sandbox.lock:
        (rec,) = [r for _i, r in world.sandbox.qbo_company.rows("Invoice")]
        assert marks(dict(world.sandbox.qbo_company.render(rec))) == [None]
