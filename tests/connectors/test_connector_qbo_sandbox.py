"""The QBO connector against the in-process QuickBooks stand-in (recontui.sandbox)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import (
    AuthError,
    Page,
    QboConnector,
    RejectedError,
    StaleVersionError,
    make_connector,
)
from recontui.model import RemoteRecord, RemoteRef

sandbox = pytest.importorskip("recontui.sandbox")
if not hasattr(sandbox, "Sandbox"):
    pytest.skip("recontui.sandbox does not export Sandbox yet", allow_module_level=True)

BASE = "http://sandbox"


class World:
    def __init__(self, scenario: str = "demo", **config: Any) -> None:
        self.sb = sandbox.Sandbox(sandbox.SandboxConfig(seed=7, scenario=scenario, **config))
        creds = self.sb.credentials(BASE)["qbo"]
        self.settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
        self.secrets = Secrets(
            {k: creds[k] for k in ("client_id", "client_secret", "refresh_token")}
        )
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.sb.app)

    def connector(self, page_size: int | None = None, **kw: Any) -> Any:
        return make_connector(
            "qbo",
            self.settings,
            self.secrets,
            transport=self.transport(),
            on_event=lambda level, msg, data: self.events.append((level, msg, dict(data))),
            page_size=page_size,
            **kw,
        )


@pytest.fixture
def world() -> World:
    """A fresh sandbox, for tests that move its clock or break its credentials."""
    return World()


@pytest.fixture(scope="module")
def shared() -> World:
    """One sandbox for the tests that only add uniquely named records (seeding is slow);
    with the optional credit memos, so that every entity has records to pull."""
    return World(credit_memos=True)


@pytest.fixture
async def qbo(shared: World) -> AsyncIterator[Any]:
    async with shared.connector() as connector:
        yield connector


async def pull_all(connector: Any, entity: str, cursor: str | None = None) -> list[Page]:
    return [page async for page in connector.pull(entity, cursor)]


def key() -> str:
    return uuid.uuid4().hex


async def some(connector: Any, entity: str, **match: Any) -> RemoteRecord:
    for page in await pull_all(connector, entity):
        for record in page.records:
            if all(record.fields.get(k) == v for k, v in match.items()):
                return record
    raise AssertionError(f"no {entity} matching {match} in the sandbox")


# -- pulls --------------------------------------------------------------------

PAGED = ["account", "customer", "item", "invoice", "bill", "payment"]


@pytest.mark.parametrize("entity", PAGED)
async def test_paging_has_no_duplicates_and_no_gaps(shared: World, entity: str) -> None:
    async with shared.connector(page_size=7) as small, shared.connector() as big:
        pages = await pull_all(small, entity)
        everything = await pull_all(big, entity)
    ids = [r.remote_id for p in pages for r in p.records]
    reference = [r.remote_id for p in everything for r in p.records]
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert set(ids) == set(reference), "gaps between pages"
    assert len(everything) <= 2
    # Only the last page may be empty (it then just moves the cursor).
    assert all(0 < len(p.records) <= 7 for p in pages[:-1]) and len(pages[-1].records) <= 7
    if entity in ("customer", "invoice", "account"):
        assert len(pages) >= 2, f"demo should hold more than 7 {entity} records"
    # Oldest first; each page's cursor is the greatest update time so far, except the
    # last one's: the server's clock when the pull began (a rarely changed entity keeps
    # a cursor young enough for change data capture).
    stamps = [r.updated_at for p in pages for r in p.records]
    assert stamps == sorted(stamps)
    running = None
    for page in pages[:-1]:
        top = max(r.updated_at for r in page.records)
        running = top if running is None else max(running, top)
        assert dt.datetime.fromisoformat(page.cursor) == running
    assert dt.datetime.fromisoformat(pages[-1].cursor) >= max(stamps)
    assert abs(dt.datetime.fromisoformat(pages[-1].cursor) - shared.sb.clock.now()) < dt.timedelta(
        seconds=60
    )
    for record in (r for p in pages for r in p.records):
        assert set(record.fields) == big.fields(entity)


async def test_pull_includes_inactive_list_records_and_tax_rates(qbo: Any) -> None:
    created = await qbo.create("class", {"name": f"Gone {key()[:6]}"}, idempotency_key=key())
    gone = await qbo.deactivate("class", created.remote_id, created.version, idempotency_key=key())
    assert gone.fields["active"] is False and gone.deleted is False
    ids = {r.remote_id: r for p in await pull_all(qbo, "class") for r in p.records}
    assert ids[created.remote_id].fields["active"] is False
    rates = [r for p in await pull_all(qbo, "tax_rate") for r in p.records]
    assert rates
    for rate in rates:
        assert rate.fields["rate"] is None or isinstance(rate.fields["rate"], Decimal)
    again = await qbo.read("tax_rate", rates[0].remote_id)
    assert again is not None and again.fields == rates[0].fields
    with pytest.raises(RejectedError):
        await qbo.create("tax_rate", {"name": "nope"}, idempotency_key=key())
    codes = {r.fields["name"]: r for p in await pull_all(qbo, "tax_code") for r in p.records}
    assert codes["California"].fields["taxable"] is True
    with pytest.raises(RejectedError):
        await qbo.create("tax_code", {"name": "nope"}, idempotency_key=key())


async def test_every_entity_pulls(qbo: Any) -> None:
    from recontui.model import ENTITIES

    for entity in (name for name, spec in ENTITIES.items() if "b" in spec.sides):
        records = [r for p in await pull_all(qbo, entity) for r in p.records]
        assert records, f"demo has {entity} records"
        assert all(r.version and r.updated_at is not None for r in records)
        assert all(set(r.fields) == qbo.fields(entity) for r in records)


async def test_incremental_pull_returns_newer_records_plus_overlap(shared: World, qbo: Any) -> None:
    first = await pull_all(qbo, "customer")
    cursor = first[-1].cursor
    assert cursor is not None
    # Nothing changed: only the overlap window (60 s before the cursor) is re-read.
    floor = dt.datetime.fromisoformat(cursor) - dt.timedelta(seconds=60)
    again = [r for p in await pull_all(qbo, "customer", cursor) for r in p.records]
    assert all(r.updated_at >= floor for r in again)
    shared.sb.advance(120)
    new = await qbo.create("customer", {"name": f"Late {key()[:8]}"}, idempotency_key=key())
    pages = await pull_all(qbo, "customer", cursor)
    got = [r for p in pages for r in p.records]
    assert new.remote_id in {r.remote_id for r in got}
    assert {r.remote_id for r in got} <= {new.remote_id} | {r.remote_id for r in again}
    assert dt.datetime.fromisoformat(pages[-1].cursor) >= new.updated_at
    # A record exactly at the cursor is re-read (the overlap), nothing older.
    at_cursor = [
        r for p in await pull_all(qbo, "customer", new.extra["updated"]) for r in p.records
    ]
    assert new.remote_id in {r.remote_id for r in at_cursor}
    assert all(r.updated_at >= new.updated_at - dt.timedelta(seconds=60) for r in at_cursor)


# -- writes -------------------------------------------------------------------


async def test_create_read_back_invoice_and_bill_payment(qbo: Any) -> None:
    customer = await some(qbo, "customer", active=True)
    item = await some(qbo, "item", active=True)
    number = f"T-{key()[:8]}"
    fields = {
        "number": number,
        "customer": RemoteRef("customer", customer.remote_id),
        "date": dt.date(2024, 6, 1),
        "due_date": dt.date(2024, 7, 1),
        "memo": "created by test",
        "lines": [
            {
                "item": RemoteRef("item", item.remote_id),
                "description": "two",
                "quantity": Decimal("2"),
                "unit_price": Decimal("10.05"),
                "amount": Decimal("20.10"),
            },
            {
                "item": RemoteRef("item", item.remote_id),
                "amount": Decimal("0.01"),
                "quantity": Decimal("1"),
                "unit_price": Decimal("0.01"),
            },
        ],
    }
    created = await qbo.create("invoice", fields, idempotency_key=key())
    back = await qbo.read("invoice", created.remote_id)
    assert back is not None and back.version == created.version
    assert back.fields["number"] == number
    assert back.fields["total"] == Decimal("20.11")
    assert [line["amount"] for line in back.fields["lines"]] == [Decimal("20.10"), Decimal("0.01")]
    assert back.fields["lines"][0]["unit_price"] == Decimal("10.05")
    assert back.fields["customer"] == RemoteRef("customer", customer.remote_id)

    vendor = await some(qbo, "vendor", active=True)
    account = await some(qbo, "account", type="expense", active=True)
    bill = await qbo.create(
        "bill",
        {
            "number": f"B-{key()[:6]}",
            "vendor": RemoteRef("vendor", vendor.remote_id),
            "date": dt.date(2024, 6, 2),
            "due_date": dt.date(2024, 6, 30),
            "lines": [
                {"account": RemoteRef("account", account.remote_id), "amount": Decimal("99.99")}
            ],
        },
        idempotency_key=key(),
    )
    paid = await qbo.create(
        "bill_payment",
        {
            "vendor": RemoteRef("vendor", vendor.remote_id),
            "date": dt.date(2024, 6, 20),
            "amount": Decimal("99.99"),
            "reference": f"P-{key()[:6]}",
            "applied": [{"bill": RemoteRef("bill", bill.remote_id), "amount": Decimal("99.99")}],
        },
        idempotency_key=key(),
    )
    assert paid.fields["applied"] == [
        {"bill": RemoteRef("bill", bill.remote_id), "amount": Decimal("99.99")}
    ]


async def test_update_and_stale_version(qbo: Any) -> None:
    created = await qbo.create("customer", {"name": f"Stale {key()[:8]}"}, idempotency_key=key())
    updated = await qbo.update(
        "customer",
        created.remote_id,
        created.version,
        {"email": "a@b.test", "city": "Springfield"},
        idempotency_key=key(),
    )
    assert updated.version != created.version
    assert updated.fields["email"] == "a@b.test" and updated.fields["city"] == "Springfield"
    with pytest.raises(StaleVersionError) as info:
        await qbo.update(
            "customer", created.remote_id, created.version, {"phone": "555"}, idempotency_key=key()
        )
    assert "QuickBooks Online" in str(info.value)


async def test_requestid_replay_creates_once(qbo: Any) -> None:
    name = f"Once {key()[:8]}"
    same = key()
    first = await qbo.create("customer", {"name": name}, idempotency_key=same)
    second = await qbo.create("customer", {"name": name}, idempotency_key=same)
    assert first.remote_id == second.remote_id
    matches = [
        r for p in await pull_all(qbo, "customer") for r in p.records if r.fields["name"] == name
    ]
    assert len(matches) == 1


async def test_find_existing_by_natural_key(qbo: Any) -> None:
    name = f"Finder O'Neil {key()[:6]}"
    created = await qbo.create("vendor", {"name": name}, idempotency_key=key())
    found = await qbo.find_existing("vendor", {"name": f"  {name.upper()} "})
    assert found is not None and found.remote_id == created.remote_id
    assert await qbo.find_existing("vendor", {"name": "no such vendor " + key()}) is None
    invoice = await some(qbo, "invoice")
    hit = await qbo.find_existing("invoice", {"number": invoice.fields["number"]})
    assert hit is not None and hit.remote_id == invoice.remote_id
    bill = await some(qbo, "bill")
    hit = await qbo.find_existing(
        "bill", {"number": bill.fields["number"], "vendor": bill.fields["vendor"]}
    )
    assert hit is not None and hit.remote_id == bill.remote_id
    other_vendor = RemoteRef("vendor", "no-such-vendor")
    assert (
        await qbo.find_existing("bill", {"number": bill.fields["number"], "vendor": other_vendor})
        is None
    )
    account = await some(qbo, "account", active=True)
    by_name = await qbo.find_existing("account", {"name": account.fields["name"]})
    assert by_name is not None and by_name.remote_id == account.remote_id
    assert await qbo.find_existing("payment", {"customer": RemoteRef("customer", "1")}) is None


async def test_deactivate_list_record_and_delete_transaction(qbo: Any) -> None:
    customer = await qbo.create("customer", {"name": f"Bye {key()[:8]}"}, idempotency_key=key())
    off = await qbo.deactivate(
        "customer", customer.remote_id, customer.version, idempotency_key=key()
    )
    assert off.fields["active"] is False and off.deleted is False
    invoice = await some(qbo, "invoice")
    tomb = await qbo.deactivate(
        "invoice", invoice.remote_id, invoice.version, idempotency_key=key()
    )
    assert tomb.deleted is True and tomb.remote_id == invoice.remote_id
    assert await qbo.read("invoice", invoice.remote_id) is None


async def test_duplicate_name_is_rejected_with_the_record_named(qbo: Any) -> None:
    existing = await some(qbo, "customer", active=True)
    with pytest.raises(RejectedError) as info:
        await qbo.create("customer", {"name": existing.fields["name"]}, idempotency_key=key())
    assert info.value.code == "6240"
    assert info.value.entity == "customer"
    assert existing.fields["name"] in info.value.record
    assert existing.fields["name"] in str(info.value)


async def test_company(qbo: Any, shared: World) -> None:
    company = await qbo.company()
    assert company.system == "qbo" and company.company_id == shared.settings["realm_id"]
    assert company.name


# -- auth ---------------------------------------------------------------------


async def test_refresh_token_rotation_is_persisted(world: World) -> None:
    original = world.secrets.values["refresh_token"]
    async with world.connector() as qbo:
        await pull_all(qbo, "class")
    assert world.secrets.writes and world.secrets.writes[0][0] == "refresh_token"
    assert world.secrets.values["refresh_token"] != original
    # Past the grace window the old token is dead; the saved one still works.
    world.sb.advance(3700)
    async with world.connector() as qbo:
        await pull_all(qbo, "class")


async def test_access_token_expiry_is_refreshed_transparently(world: World) -> None:
    async with world.connector() as qbo:
        await pull_all(qbo, "department")
        writes = len(world.secrets.writes)
        world.sb.advance(3601)
        pages = await pull_all(qbo, "department")
        assert pages
        assert len(world.secrets.writes) == writes + 1


async def test_proactive_refresh_before_expiry(world: World) -> None:
    now = [0.0]
    async with QboConnector(
        world.settings, world.secrets, transport=world.transport(), clock=lambda: now[0]
    ) as qbo:
        assert len(world.secrets.writes) == 1
        now[0] = 3600 - 299  # within five minutes of expiry
        await pull_all(qbo, "department")
        assert len(world.secrets.writes) == 2


async def test_bad_refresh_token_is_an_auth_error(world: World) -> None:
    world.secrets.values["refresh_token"] = "not-a-token"
    with pytest.raises(AuthError) as info:
        async with world.connector():
            pass
    assert "invalid_grant" in str(info.value)
    assert "reconnect" in str(info.value)


async def test_wrong_client_secret_is_an_auth_error(world: World) -> None:
    world.secrets.values["client_secret"] = "wrong"
    with pytest.raises(AuthError) as info:
        async with world.connector():
            pass
    assert "client_secret" in str(info.value)


async def test_events_never_contain_secrets(world: World) -> None:
    async with world.connector(page_size=50) as qbo:
        await pull_all(qbo, "customer")
        await qbo.create("class", {"name": f"Ev {key()[:6]}"}, idempotency_key=key())
        token = qbo._access_token
    text = repr(world.events)
    assert world.events
    for secret in (
        token,
        world.secrets.values["client_secret"],
        world.secrets.values["refresh_token"],
        *(v for _, v in world.secrets.writes),
    ):
        assert secret and secret not in text
    assert any("intuit_tid" in data for _, _, data in world.events)


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


async def test_record_updated_during_a_pull_does_not_make_another_one_skipped() -> None:
    world = World()
    async with world.connector(page_size=5) as small, world.connector() as other:
        everything = {r.remote_id for p in await pull_all(other, "customer") for r in p.records}
        seen: list[str] = []
        first = True
        async for page in small.pull("customer", None):
            seen += [r.remote_id for r in page.records]
            if first:
                # Someone edits a record of the first page: it moves to the end of the
                # order, which with offset paging shifts the next page by one.
                moved = page.records[0]
                await other.update(
                    "customer",
                    moved.remote_id,
                    moved.version,
                    {"phone": "+1 555 0000"},
                    idempotency_key=key(),
                )
                first = False
    assert everything <= set(seen)
