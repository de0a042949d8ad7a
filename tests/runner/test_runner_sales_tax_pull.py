"""BILL's sales taxes are items of type SALES_TAX (BILL's Postman collection, "Create an
item"): the connector pulls them as ``sales_tax`` and never as ``item`` (a sales tax copied
to QuickBooks as a Service item would be a wrong item); an invoice names the one it charges
(``salesTaxItemId``), its taxable lines (``taxable``) and the tax BILL computed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from runner_world import make_world

from recontui.model import RemoteRef


def pulled(world: Any, entity: str) -> list[Any]:
    async def go() -> list[Any]:
        bill, _ = world.connectors()
        out: list[Any] = []
        async with bill:
            async for page in bill.pull(entity, None):
                out += page.records
        return out

    return asyncio.run(go())


def test_sales_taxes_and_items_are_told_apart_and_an_invoice_says_its_tax(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, scenario="demo", bill_sales_tax=True)
    ids = world.sandbox.seed_ids["bill"]
    taxes = {r.remote_id: r.fields for r in pulled(world, "sales_tax")}
    assert taxes == {
        ids["salestax:CA"]: {
            "name": "CA + SF Sales Tax 8.625%",
            "rate": Decimal("8.625"),
            "active": True,
        },
        ids["salestax:OR"]: {"name": "Oregon (no sales tax)", "rate": Decimal("0"), "active": True},
    }
    items = {r.remote_id for r in pulled(world, "item")}
    assert ids["item:Consulting Hour"] in items and not items & set(taxes)
    invoice = next(r for r in pulled(world, "invoice") if r.fields["number"] == "T-2001")
    assert invoice.fields["sales_tax"] == RemoteRef("sales_tax", ids["salestax:CA"])
    assert [line["taxable"] for line in invoice.fields["lines"]] == [True, None]
    lines = sum(line["amount"] for line in invoice.fields["lines"])
    assert invoice.fields["tax"] == Decimal("17.25")  # 8.625 % of the taxable 200.00
    assert invoice.fields["total"] == lines + invoice.fields["tax"]


def test_the_stand_in_refuses_an_invoice_naming_an_item_that_is_no_sales_tax(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, scenario="demo", bill_sales_tax=True)
    ids = world.sandbox.seed_ids["bill"]

    async def go() -> str:
        bill, _ = world.connectors()
        async with bill:
            rec = await bill.read("invoice", ids["inv:T-2001"])
            try:
                await bill.update(
                    "invoice",
                    rec.remote_id,
                    rec.version,
                    {"sales_tax": RemoteRef("sales_tax", ids["item:Consulting Hour"])},
                    idempotency_key="x",
                )
            except Exception as exc:  # the connector's one-sentence refusal
                return str(exc)
        return ""

    said = asyncio.run(go())
    assert "salesTaxItemId" in said
