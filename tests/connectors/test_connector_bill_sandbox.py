"""The BILL connector against the in-process BILL stand-in (recontui.sandbox)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import AuthError, Page, RejectedError, StaleVersionError, make_connector
from recontui.connectors.bill_map import BILL_ENTITIES
from recontui.model import RemoteRecord, RemoteRef

sandbox = pytest.importorskip("recontui.sandbox")
if not hasattr(sandbox, "Sandbox"):
    pytest.skip("recontui.sandbox does not export Sandbox yet", allow_module_level=True)

BASE = "http://sandbox"


class World:
    def __init__(self, scenario: str = "demo", **config: Any) -> None:
        self.sb = sandbox.Sandbox(sandbox.SandboxConfig(seed=7, scenario=scenario, **config))
        creds = self.sb.credentials(BASE)["bill"]
        self.settings = {k: creds[k] for k in ("api_base", "organization_id", "username")}
        self.secrets = Secrets({k: creds[k] for k in ("dev_key", "password")})
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def connector(self, page_size: int | None = None) -> Any:
        return make_connector(
            "bill",
            self.settings,
            self.secrets,
            transport=httpx.ASGITransport(app=self.sb.app),
            on_event=lambda level, msg, data: self.events.append((level, msg, dict(data))),
            page_size=page_size,
        )


def vendor_fields(name: str) -> dict[str, str]:
    """A new vendor BILL accepts: name, email and phone are required (and the connector
    sends accountType), https://developer.bill.com/docs/creating-a-us-vendor."""
    return {"name": name, "email": "v@example.test", "phone": "555-0100"}


@pytest.fixture
def world() -> World:
    """A fresh sandbox, for tests that move its clock or break its credentials."""
    return World()


@pytest.fixture(scope="module")
def shared() -> World:
    """One sandbox for the tests that only add uniquely named records (seeding is slow)."""
    return World()


@pytest.fixture
async def bill(shared: World) -> AsyncIterator[Any]:
    async with shared.connector() as connector:
        yield connector


async def pull_all(connector: Any, entity: str, cursor: str | None = None) -> list[Page]:
    return [page async for page in connector.pull(entity, cursor)]


def key() -> str:
    return uuid.uuid4().hex


async def some(connector: Any, entity: str, **match: Any) -> RemoteRecord:
    for page in await pull_all(connector, entity):
        for record in page.records:
            if not record.deleted and all(record.fields.get(k) == v for k, v in match.items()):
                return record
    raise AssertionError(f"no {entity} matching {match} in the sandbox")


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- pulls --------------------------------------------------------------------


@pytest.mark.parametrize("entity", ["account", "customer", "vendor", "invoice", "bill"])
async def test_paging_has_no_duplicates_and_no_gaps(shared: World, entity: str) -> None:
    async with shared.connector(page_size=7) as small, shared.connector() as big:
        pages = await pull_all(small, entity)
        everything = await pull_all(big, entity)
    ids = [r.remote_id for p in pages for r in p.records]
    reference = [r.remote_id for p in everything for r in p.records]
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert set(ids) == set(reference), "gaps between pages"
    assert all(len(p.records) == 7 for p in pages[:-1])
    if entity in ("customer", "vendor", "invoice"):
        assert len(pages) >= 2, f"demo should hold more than 7 {entity} records"
    stamps = [r.updated_at for p in pages for r in p.records]
    assert stamps == sorted(stamps)
    running = None
    for page in pages:
        top = max(r.updated_at for r in page.records)
        running = top if running is None else max(running, top)
        assert stamp(page.cursor) == running
    for record in (r for p in pages for r in p.records):
        assert set(record.fields) == big.fields(entity)


async def test_every_entity_pulls(bill: Any) -> None:
    for entity in BILL_ENTITIES:
        for page in await pull_all(bill, entity):
            for record in page.records:
                assert record.version and record.updated_at is not None


async def test_incremental_pull_returns_newer_records_plus_overlap(
    shared: World, bill: Any
) -> None:
    first = await pull_all(bill, "vendor")
    cursor = first[-1].cursor
    again = [r for p in await pull_all(bill, "vendor", cursor) for r in p.records]
    floor = stamp(cursor) - dt.timedelta(seconds=60)
    assert again and all(r.updated_at >= floor for r in again)
    shared.sb.advance(120)
    new = await bill.create("vendor", vendor_fields(f"Late {key()[:8]}"), idempotency_key=key())
    pages = await pull_all(bill, "vendor", cursor)
    got = {r.remote_id for p in pages for r in p.records}
    assert new.remote_id in got
    assert got <= {new.remote_id} | {r.remote_id for r in again}
    assert pages[-1].cursor == new.version


# -- writes -------------------------------------------------------------------


async def test_create_read_back_bill_and_payment(bill: Any) -> None:
    vendor = await some(bill, "vendor", active=True)
    account = await some(bill, "account", active=True)
    number = f"B-{key()[:8]}"
    created = await bill.create(
        "bill",
        {
            "number": number,
            "vendor": RemoteRef("vendor", vendor.remote_id),
            "date": dt.date(2024, 6, 2),
            "due_date": dt.date(2024, 6, 30),
            "memo": "test",
            "lines": [
                {
                    "account": RemoteRef("account", account.remote_id),
                    "description": "paper",
                    "amount": Decimal("99.99"),
                },
                {"account": RemoteRef("account", account.remote_id), "amount": Decimal("0.02")},
            ],
        },
        idempotency_key=key(),
    )
    back = await bill.read("bill", created.remote_id)
    assert back is not None and back.version == created.version
    assert back.fields["number"] == number and back.fields["total"] == Decimal("100.01")
    assert back.fields["date"] == dt.date(2024, 6, 2)
    assert [ln["amount"] for ln in back.fields["lines"]] == [Decimal("99.99"), Decimal("0.02")]
    paid = await bill.create(
        "bill_payment",
        {
            "vendor": RemoteRef("vendor", vendor.remote_id),
            "date": dt.date(2024, 6, 20),
            "amount": Decimal("100.01"),
            "applied": [
                {"bill": RemoteRef("bill", created.remote_id), "amount": Decimal("100.01")}
            ],
        },
        idempotency_key=key(),
    )
    assert paid.fields["applied"] == [
        {"bill": RemoteRef("bill", created.remote_id), "amount": Decimal("100.01")}
    ]
    assert await bill.read("bill_payment", paid.remote_id) is not None


async def test_update_and_stale_version(shared: World, bill: Any) -> None:
    created = await bill.create(
        "customer", {"name": f"Stale {key()[:8]}", "email": "s@b.test"}, idempotency_key=key()
    )
    shared.sb.advance(1)
    updated = await bill.update(
        "customer",
        created.remote_id,
        created.version,
        {"email": "a@b.test", "city": "Springfield"},
        idempotency_key=key(),
    )
    assert updated.version != created.version
    assert updated.fields["email"] == "a@b.test" and updated.fields["city"] == "Springfield"
    with pytest.raises(StaleVersionError) as info:
        await bill.update(
            "customer", created.remote_id, created.version, {"phone": "555"}, idempotency_key=key()
        )
    assert "BILL" in str(info.value)


async def test_find_existing_by_natural_key(bill: Any) -> None:
    name = f'Finder "Quote" {key()[:6]}'
    created = await bill.create("vendor", vendor_fields(name), idempotency_key=key())
    found = await bill.find_existing("vendor", {"name": name.lower()})
    assert found is not None and found.remote_id == created.remote_id
    assert await bill.find_existing("vendor", {"name": "nobody " + key()}) is None
    invoice = await some(bill, "invoice")
    hit = await bill.find_existing("invoice", {"number": invoice.fields["number"]})
    assert hit is not None and hit.remote_id == invoice.remote_id
    existing_bill = await some(bill, "bill")
    hit = await bill.find_existing(
        "bill", {"number": existing_bill.fields["number"], "vendor": existing_bill.fields["vendor"]}
    )
    assert hit is not None and hit.remote_id == existing_bill.remote_id


async def test_deactivate_list_record_and_archive_transaction(bill: Any) -> None:
    vendor = await bill.create("vendor", vendor_fields(f"Bye {key()[:8]}"), idempotency_key=key())
    off = await bill.deactivate("vendor", vendor.remote_id, vendor.version, idempotency_key=key())
    assert off.fields["active"] is False and off.deleted is False
    listed = {r.remote_id: r for p in await pull_all(bill, "vendor") for r in p.records}
    assert listed[vendor.remote_id].fields["active"] is False
    invoice = await some(bill, "invoice")
    gone = await bill.deactivate(
        "invoice", invoice.remote_id, invoice.version, idempotency_key=key()
    )
    assert gone.deleted is True


async def test_duplicate_invoice_number_is_rejected_with_the_record_named(bill: Any) -> None:
    invoice = await some(bill, "invoice")
    fields = {**invoice.fields}
    fields.pop("total")
    with pytest.raises(RejectedError) as info:
        await bill.create("invoice", fields, idempotency_key=key())
    assert info.value.entity == "invoice"
    assert invoice.fields["number"] in info.value.record
    assert invoice.fields["number"] in str(info.value)


async def test_company(bill: Any, shared: World) -> None:
    company = await bill.company()
    assert company.system == "bill"
    assert company.company_id == shared.settings["organization_id"]
    assert company.name


# -- auth ---------------------------------------------------------------------


async def test_session_expiry_logs_in_again(world: World) -> None:
    async with world.connector() as bill:
        await pull_all(bill, "department")
        logins = sum(1 for _, msg, _ in world.events if msg == "BILL session opened")
        world.sb.advance(35 * 60 + 1)
        assert await pull_all(bill, "department") is not None
        assert sum(1 for _, msg, _ in world.events if msg == "BILL session opened") == logins + 1


async def test_wrong_password_is_an_auth_error(world: World) -> None:
    world.secrets.values["password"] = "wrong"
    with pytest.raises(AuthError) as info:
        async with world.connector():
            pass
    assert "BILL" in str(info.value) and "password" in str(info.value)


async def test_events_never_contain_secrets(world: World) -> None:
    async with world.connector() as bill:
        await pull_all(bill, "customer")
        session = bill._session
    text = repr(world.events)
    for secret in (session, world.secrets.values["password"], world.secrets.values["dev_key"]):
        assert secret and secret not in text


async def test_concurrency_cap_keeps_under_the_server_limit() -> None:
    """Many slow reads at once: the connector's semaphore queues them below the server's
    in-flight limit, so no 429 is provoked."""
    import asyncio

    slow = World(latency_seconds=0.02)
    async with slow.connector() as conn:
        records = [r for p in await pull_all(conn, "customer") for r in p.records][:30]
        read = await asyncio.gather(*(conn.read("customer", r.remote_id) for r in records))
    assert [r.remote_id for r in read if r] == [r.remote_id for r in records]
    assert not [d for _, _, d in slow.events if d.get("status") == 429]
