"""A lines update made by recontui never silently loses what the remote holds.

Through each connector against its in-process stand-in: records are put straight into the
stand-in's store with parts recontui does not map (QBO description-only lines, tax codes,
service dates, line ids; BILL departments, locations, ``taxable``, an expense line's
quantity and price), recontui rewrites their lines as a sync would, and the stand-in's
store is read back. Where recontui cannot carry a line (it adds money the canonical lines
do not show), the write is refused with the record named, and nothing is written.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import RejectedError, make_connector
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES

D = Decimal
BASE = "http://lines"
SALES = "SalesItemLineDetail"


def _dig(rec: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted path (``account.type``), None when a part is missing."""
    value: Any = rec
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class World:
    """One demo stand-in, its store, and connectors to it."""

    def __init__(self) -> None:
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="demo"))

    def connector(self, system: str) -> Any:
        creds = self.sb.credentials(BASE)[system]
        if system == "qbo":
            settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
            secrets = ("client_id", "client_secret", "refresh_token")
        else:
            settings = {k: creds[k] for k in ("api_base", "organization_id", "username")}
            secrets = ("dev_key", "password")
        return make_connector(
            system,
            settings,
            Secrets({k: creds[k] for k in secrets}),
            transport=httpx.ASGITransport(app=self.sb.app),
        )

    # -- QuickBooks Online's store ---------------------------------------------------

    def qbo_first(self, name: str, **match: Any) -> str:
        with self.sb.lock:
            for ident, rec in self.sb.qbo_company.rows(name):
                if rec.get("Active", True) and all(rec.get(k) == v for k, v in match.items()):
                    return ident
        raise AssertionError(f"no {name} matching {match} in the stand-in")

    def qbo_save(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.sb.lock:
            return self.sb.qbo_company.save(QBO_ENTITIES[name], body)

    def qbo_held(self, name: str, ident: str) -> dict[str, Any]:
        with self.sb.lock:
            rec = self.sb.qbo_company.find(name, ident)
            assert rec is not None
            return self.sb.qbo_company.render(rec)

    # -- BILL's store --------------------------------------------------------------------

    def bill_first(self, path: str, **match: Any) -> str:
        """The first live record of ``path`` whose (dotted) keys hold ``match``'s values."""
        with self.sb.lock:
            for rec in self.sb.bill_org.all(path):
                if not rec["archived"] and all(_dig(rec, k) == v for k, v in match.items()):
                    return str(rec["id"])
        raise AssertionError(f"no {path} matching {match} in the stand-in")

    def bill_create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.sb.lock:
            return self.sb.bill_org.create(BILL_RESOURCES[path], body)

    def bill_held(self, path: str, ident: str) -> dict[str, Any]:
        with self.sb.lock:
            rec = self.sb.bill_org.find(path, ident)
            assert rec is not None
            return dict(rec)


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def number() -> str:
    return f"L-{uuid.uuid4().hex[:8]}"


def ref(ident: str) -> dict[str, str]:
    return {"value": ident}


def sales(item: str, qty: str, price: str, amount: str, **detail: Any) -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": ref(item), "Qty": D(qty), "UnitPrice": D(price)}
        | detail,
    }


async def rewrite_lines(world: World, system: str, entity: str, ident: str, edit: Any) -> Any:
    """Read the record through the connector, ``edit`` its canonical lines, write them."""
    async with world.connector(system) as conn:
        record = await conn.read(entity, ident)
        assert record is not None
        name = "applied" if entity in ("payment", "bill_payment") else "lines"
        lines = [dict(line) for line in record.fields[name]]
        edit(lines)
        return await conn.update(
            entity, ident, record.version, {name: lines}, idempotency_key=uuid.uuid4().hex
        )


def describe_first(lines: list[dict[str, Any]]) -> None:
    lines[0]["description"] = "changed in BILL"


# ---------------------------------------------------------------------------
# QuickBooks Online


async def test_qbo_lines_update_keeps_description_lines_tax_codes_and_line_ids(
    world: World,
) -> None:
    customer = world.qbo_first("Customer")
    item = world.qbo_first("Item", Type="Service")
    note = {
        "Description": "Site visit, 3–5 March",
        "DetailType": "DescriptionOnly",
        "DescriptionLineDetail": {"ServiceDate": "2026-03-03"},
    }
    made = world.qbo_save(
        "Invoice",
        {
            "DocNumber": number(),
            "CustomerRef": ref(customer),
            "TxnDate": "2026-03-01",
            "Line": [
                sales(item, "3", "0.3333333", "1.00", TaxCodeRef=ref("TAX")),
                note,
                sales(item, "2", "10", "20.00", TaxCodeRef=ref("NON"), ServiceDate="2026-03-05"),
            ],
        },
    )
    before = [line.get("Id") for line in made["Line"]]

    back = await rewrite_lines(world, "qbo", "invoice", made["Id"], describe_first)

    held = world.qbo_held("Invoice", made["Id"])
    assert held["SyncToken"] == back.version == "1"
    kinds = [line["DetailType"] for line in held["Line"]]
    assert kinds == [SALES, "DescriptionOnly", SALES, "SubTotalLineDetail"]
    assert [line.get("Id") for line in held["Line"][:3]] == before[:3]
    first, kept, last = held["Line"][:3]
    assert first["Description"] == "changed in BILL"
    assert first["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "TAX"
    assert first["SalesItemLineDetail"]["UnitPrice"] == D("0.3333333")  # not 0.33: no 6070
    assert kept["Description"] == note["Description"]
    assert kept["DescriptionLineDetail"] == note["DescriptionLineDetail"]
    assert last["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    assert last["SalesItemLineDetail"]["ServiceDate"] == "2026-03-05"
    assert held["TotalAmt"] == D("21.00") == back.fields["total"]
    assert back.fields["lines"][0]["unit_price"] == D("0.3333333")

    # The first line removed on the other side: the others keep their own Ids (QBO updates
    # those lines); the description line it annotated stays, now at the top.
    await rewrite_lines(world, "qbo", "invoice", made["Id"], lambda lines: lines.pop(0))
    held = world.qbo_held("Invoice", made["Id"])
    assert [(line["DetailType"], line["Id"]) for line in held["Line"][:2]] == [
        ("DescriptionOnly", before[1]),
        (SALES, before[2]),
    ]
    assert held["Line"][1]["SalesItemLineDetail"]["ServiceDate"] == "2026-03-05"
    assert held["TotalAmt"] == D("20.00")


async def _qbo_money_line_record(world: World, kind: str) -> tuple[str, str, str, str]:
    """A record whose lines hold one line recontui cannot carry: (entity, QBO name, id,
    the start of the sentence refusing its lines)."""
    item = world.qbo_first("Item", Type="Service")
    vendor = world.qbo_first("Vendor")
    expense = world.qbo_first("Account", AccountType="Expense")
    doc = number()
    expense_line = {
        "Amount": D("12.00"),
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": ref(expense)},
    }
    item_line = {
        "Amount": D("40.00"),
        "DetailType": "ItemBasedExpenseLineDetail",
        "ItemBasedExpenseLineDetail": {"ItemRef": ref(item), "Qty": 2, "UnitPrice": D("20")},
    }
    if kind in ("discount", "group"):
        other = (
            {
                "Amount": D("5.00"),
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            }
            if kind == "discount"
            else {
                "Amount": D("30.00"),
                "DetailType": "GroupLineDetail",
                "GroupLineDetail": {
                    "GroupItemRef": ref(item),
                    "Quantity": 1,
                    "Line": [sales(item, "3", "10", "30.00")],
                },
            }
        )
        made = world.qbo_save(
            "Invoice",
            {
                "DocNumber": doc,
                "CustomerRef": ref(world.qbo_first("Customer")),
                "TxnDate": "2026-03-01",
                "Line": [sales(item, "1", "50", "50.00"), other],
            },
        )
        words = "a discount line" if kind == "discount" else "a bundle (group) line"
        return "invoice", "Invoice", made["Id"], f"Invoice {doc} in QuickBooks Online has {words}"
    if kind in ("bill", "vendor_credit"):
        name = "Bill" if kind == "bill" else "VendorCredit"
        made = world.qbo_save(
            name,
            {
                "DocNumber": doc,
                "VendorRef": ref(vendor),
                "TxnDate": "2026-03-01",
                "Line": [expense_line, item_line],
            },
        )
        label = "Bill" if kind == "bill" else "Vendor credit"
        sentence = f"{label} {doc} in QuickBooks Online has an item-based expense line"
        return kind, name, made["Id"], sentence
    assert kind == "bill_payment"
    bill = world.qbo_save(
        "Bill",
        {"VendorRef": ref(vendor), "TxnDate": "2026-03-01", "Line": [expense_line]},
    )
    credit = world.qbo_save(
        "VendorCredit",
        {"VendorRef": ref(vendor), "TxnDate": "2026-03-01", "Line": [dict(expense_line)]},
    )
    bank = world.qbo_first("Account", AccountType="Bank")
    made = world.qbo_save(
        "BillPayment",
        {
            "VendorRef": ref(vendor),
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": ref(bank)},
            "TxnDate": "2026-03-02",
            "DocNumber": doc,
            "TotalAmt": D("7.00"),
            "Line": [
                {"Amount": D("12.00"), "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]},
                {
                    "Amount": D("5.00"),
                    "LinkedTxn": [{"TxnId": credit["Id"], "TxnType": "VendorCredit"}],
                },
            ],
        },
    )
    sentence = f"Bill payment {doc} in QuickBooks Online has a line applied to a vendor credit"
    return "bill_payment", "BillPayment", made["Id"], sentence


@pytest.mark.parametrize("kind", ["discount", "group", "bill", "vendor_credit", "bill_payment"])
async def test_qbo_lines_update_is_refused_when_a_line_adds_money_recontui_cannot_carry(
    world: World, kind: str
) -> None:
    entity, name, ident, sentence = await _qbo_money_line_record(world, kind)
    before = world.qbo_held(name, ident)

    with pytest.raises(RejectedError) as refused:
        await rewrite_lines(world, "qbo", entity, ident, lambda lines: lines.reverse())

    said = str(refused.value)
    assert said.startswith(sentence + " that recontui cannot carry"), said
    assert said.endswith("change them in QuickBooks Online, then sync again.")
    assert refused.value.code == "CANNOT_CARRY" and refused.value.record == ident
    assert world.qbo_held(name, ident) == before  # nothing was written


async def test_qbo_currency_is_never_cleared(world: World) -> None:
    """QBO keeps a currency on every record: recontui refuses instead of sending
    ``CurrencyRef: {"value": ""}``, and nothing is written."""
    vendor = world.qbo_first("Vendor")
    before = world.qbo_held("Vendor", vendor)
    async with world.connector("qbo") as conn:
        record = await conn.read("vendor", vendor)
        assert record is not None and record.fields["currency"]
        with pytest.raises(RejectedError) as refused:
            await conn.update(
                "vendor", vendor, record.version, {"currency": None}, idempotency_key="k1"
            )
    assert str(refused.value).startswith(f"Vendor {vendor} cannot lose its currency")
    assert world.qbo_held("Vendor", vendor) == before


# ---------------------------------------------------------------------------
# BILL


async def test_bill_lines_update_keeps_line_ids_departments_locations_and_taxable(
    world: World,
) -> None:
    vendor = world.bill_first("vendors")
    account = world.bill_first("classifications/chart-of-accounts", **{"account.type": "EXPENSE"})
    department = world.bill_first("classifications/departments")
    where = {"departmentId": department, "locationId": "0lo01Harbor000000000"}
    coded = {**where, "chartOfAccountId": account}
    made = world.bill_create(
        "bills",
        {
            "vendorId": vendor,
            "dueDate": "2026-03-31",
            "invoice": {"invoiceNumber": number(), "invoiceDate": "2026-03-01"},
            "billLineItems": [
                {"amount": D("50.00"), "classifications": coded},
                {
                    "classifications": {"chartOfAccountId": account},
                    "quantity": 4,
                    "price": D("2.5"),
                },
            ],
        },
    )

    back = await rewrite_lines(world, "bill", "bill", made["id"], describe_first)

    held = world.bill_held("bills", made["id"])
    assert back.version == held["updatedTime"] != made["updatedTime"]
    first, priced = held["billLineItems"]
    assert [first["id"], priced["id"]] == [line["id"] for line in made["billLineItems"]]
    assert first["description"] == "changed in BILL"
    assert first["classifications"] == coded
    assert (priced["quantity"], priced["price"], priced["amount"]) == (4, D("2.5"), D("10"))

    customer = world.bill_first("customers")
    item = world.bill_first("classifications/items")
    made = world.bill_create(
        "invoices",
        {
            "customerId": customer,
            "invoiceNumber": number(),
            "invoiceDate": "2026-03-01",
            "dueDate": "2026-03-31",
            "invoiceLineItems": [
                {
                    "amount": D("10.00"),
                    "classifications": {"itemId": item},
                    "quantity": 1,
                    "price": D("10.00"),
                },
                {
                    "amount": D("5.00"),
                    "quantity": 1,
                    "taxable": True,
                    "classifications": {"departmentId": department, "itemId": item},
                },
            ],
        },
    )

    await rewrite_lines(world, "bill", "invoice", made["id"], lambda lines: lines.reverse())

    moved = world.bill_held("invoices", made["id"])["invoiceLineItems"][0]
    assert moved["id"] == made["invoiceLineItems"][1]["id"]
    assert moved["taxable"] is True
    assert moved["classifications"] == {"departmentId": department, "itemId": item}


async def test_bill_expense_line_priced_by_quantity_refuses_a_new_amount(world: World) -> None:
    """A new amount that the line's quantity times price no longer gives: refused, named."""
    vendor = world.bill_first("vendors")
    account = world.bill_first("classifications/chart-of-accounts", **{"account.type": "EXPENSE"})
    doc = number()
    made = world.bill_create(
        "bills",
        {
            "vendorId": vendor,
            "dueDate": "2026-03-31",
            "invoice": {"invoiceNumber": doc, "invoiceDate": "2026-03-01"},
            "billLineItems": [
                {
                    "classifications": {"chartOfAccountId": account},
                    "quantity": 4,
                    "price": D("2.50"),
                }
            ],
        },
    )

    def reprice(lines: list[dict[str, Any]]) -> None:
        lines[0]["amount"] = D("12.00")

    with pytest.raises(RejectedError) as refused:
        await rewrite_lines(world, "bill", "bill", made["id"], reprice)

    assert str(refused.value).startswith(
        f"Bill {doc} in BILL has a line priced as a quantity times a unit price"
    )
    assert str(refused.value).endswith("change them in BILL, then sync again.")
    assert world.bill_held("bills", made["id"]) == made  # nothing was written
