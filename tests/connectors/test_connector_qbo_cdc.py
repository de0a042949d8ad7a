"""The QBO connector's incremental pull: change data capture, its window and cap, tombstones.

Against the in-process stand-in, whose CDC enforces the 30-day look-back and a configurable
object cap; every request is recorded so a test can tell CDC from query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import Page
from recontui.connectors.qbo import QboConnector
from recontui.sandbox import Sandbox, SandboxConfig

BASE = "http://sandbox"
DAY = 24 * 3600


class Recording(httpx.AsyncBaseTransport):
    """The sandbox's transport, noting each request as "METHOD path?query" or its query text."""

    def __init__(self, sandbox: Sandbox, seen: list[str]) -> None:
        self.inner = sandbox.transport()
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode() if request.method == "POST" else ""
        self.seen.append(
            f"{request.method} {request.url.path} {unquote(request.url.query.decode())} {body}"
        )
        return await self.inner.handle_async_request(request)


class World:
    def __init__(self, **config: Any) -> None:
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="demo", **config))
        creds = self.sb.credentials(BASE)["qbo"]
        self.settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
        self.secrets = Secrets(
            {k: creds[k] for k in ("client_id", "client_secret", "refresh_token")}
        )
        self.seen: list[str] = []
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def connector(self, **kw: Any) -> QboConnector:
        return QboConnector(
            self.settings,
            self.secrets,
            transport=Recording(self.sb, self.seen),
            on_event=lambda level, msg, data: self.events.append((level, msg, dict(data))),
            **kw,
        )

    def cdc_calls(self) -> list[str]:
        return [s for s in self.seen if "/cdc " in s]

    def queries(self) -> list[str]:
        return [s for s in self.seen if "/query " in s]

    def warnings(self) -> list[str]:
        return [msg for level, msg, _ in self.events if level == "warning"]


async def pull_all(conn: Any, entity: str, cursor: str | None = None) -> list[Page]:
    return [page async for page in conn.pull(entity, cursor)]


def records(pages: list[Page]) -> list[Any]:
    return [r for p in pages for r in p.records]


def key() -> str:
    return uuid.uuid4().hex


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def assert_cursors_safe(pages: list[Page], start: str | None) -> None:
    """Cursors never go back, and no later page brings a record older than an earlier
    page's cursor (less the 60 s overlap): persisting any page's cursor skips nothing."""
    previous = stamp(start) if start else None
    for i, page in enumerate(pages):
        assert page.cursor is not None
        now = stamp(page.cursor)
        if previous is not None:
            assert now >= previous
        previous = now
        for later_page in pages[i + 1 :]:
            for rec in later_page.records:
                assert rec.updated_at >= now - dt.timedelta(seconds=60), (i, rec.remote_id)


@pytest.fixture
def world() -> World:
    return World()


async def test_young_cursor_pulls_changes_with_cdc_not_query(world: World) -> None:
    async with world.connector() as qbo:
        first = await pull_all(qbo, "invoice")
        cursor = first[-1].cursor
        assert world.cdc_calls() == []
        world.sb.advance(300)
        target = records(first)[3]
        changed = await qbo.update(
            "invoice", target.remote_id, target.version, {"memo": "moved"}, idempotency_key=key()
        )
        world.seen.clear()
        pages = await pull_all(qbo, "invoice", cursor)
    assert len(world.cdc_calls()) == 1 and world.queries() == []
    call = world.cdc_calls()[0]
    assert "entities=Invoice" in call and "changedSince=" in call
    got = {r.remote_id: r for r in records(pages)}
    assert got[changed.remote_id].version == changed.version
    assert got[changed.remote_id].fields["memo"] == "moved"
    assert_cursors_safe(pages, cursor)
    # The next cursor is the server's clock at the CDC answer, not the newest record.
    assert abs(stamp(pages[-1].cursor) - world.sb.clock.now()) < dt.timedelta(seconds=5)


async def test_deleted_transaction_arrives_as_a_tombstone(world: World) -> None:
    async with world.connector() as qbo:
        bills = await pull_all(qbo, "bill")
        cursor = bills[-1].cursor
        world.sb.advance(60)
        unpaid = [r for r in records(bills) if not is_paid(world, r.remote_id)]
        victim = unpaid[0]
        await qbo.deactivate("bill", victim.remote_id, victim.version, idempotency_key=key())
        pages = await pull_all(qbo, "bill", cursor)
    gone = [r for r in records(pages) if r.remote_id == victim.remote_id]
    assert len(gone) == 1
    tomb = gone[0]
    assert tomb.deleted is True and tomb.version == "deleted"
    assert set(tomb.fields) == qbo.fields("bill") and all(v is None for v in tomb.fields.values())
    assert tomb.updated_at is not None and tomb.updated_at > stamp(cursor) - dt.timedelta(minutes=2)


def is_paid(world: World, bill_id: str) -> bool:
    applied, _ = world.sb.qbo_company.applied_to("Bill", bill_id)
    return applied > 0


async def test_cdc_includes_inactive_list_records(world: World) -> None:
    async with world.connector() as qbo:
        made = await qbo.create("class", {"name": f"Old {key()[:6]}"}, idempotency_key=key())
        cursor = (await pull_all(qbo, "class"))[-1].cursor
        world.sb.advance(120)
        await qbo.deactivate("class", made.remote_id, made.version, idempotency_key=key())
        world.seen.clear()
        pages = await pull_all(qbo, "class", cursor)
    assert world.cdc_calls() and not world.queries()
    got = {r.remote_id: r for r in records(pages)}
    assert got[made.remote_id].fields["active"] is False and not got[made.remote_id].deleted


async def test_small_pages_from_one_cdc_answer(world: World) -> None:
    async with world.connector(page_size=3) as qbo:
        cursor = (await pull_all(qbo, "customer"))[-1].cursor
        made = []
        for _ in range(7):
            world.sb.advance(5)
            made.append(
                await qbo.create("customer", {"name": f"Pg {key()[:8]}"}, idempotency_key=key())
            )
        world.seen.clear()
        pages = await pull_all(qbo, "customer", cursor)
    assert len(world.cdc_calls()) == 1
    assert [len(p.records) for p in pages] == [3, 3, 1]
    assert [r.remote_id for r in records(pages)] == [r.remote_id for r in made]
    assert_cursors_safe(pages, cursor)
    assert [stamp(p.cursor) for p in pages[:-1]] == [made[2].updated_at, made[5].updated_at]


async def test_a_capped_answer_is_split_and_nothing_is_lost() -> None:
    world = World(qbo_cdc_cap=5)
    async with world.connector(cdc_cap=5) as qbo:
        everything = records(await pull_all(qbo, "invoice"))
        cursor = (await pull_all(qbo, "invoice"))[-1].cursor
        paid = {
            r.remote_id
            for r in everything
            if world.sb.qbo_company.applied_to("Invoice", r.remote_id)[0]
        }
        free = [r for r in everything if r.remote_id not in paid]
        world.sb.advance(60)
        # Oldest change first: a deletion, then 14 edits over ten minutes, then one more.
        early = free[0]
        await qbo.deactivate("invoice", early.remote_id, early.version, idempotency_key=key())
        edited = {}
        for rec in free[1:15]:
            world.sb.advance(45)
            new = await qbo.update(
                "invoice", rec.remote_id, rec.version, {"memo": "bulk"}, idempotency_key=key()
            )
            edited[new.remote_id] = new.version
        world.sb.advance(30)
        late = free[15]
        await qbo.deactivate("invoice", late.remote_id, late.version, idempotency_key=key())
        world.seen.clear()
        pages = await pull_all(qbo, "invoice", cursor)
    got = records(pages)
    ids = [r.remote_id for r in got]
    assert len(ids) == len(set(ids)), "a record came twice"
    by_id = {r.remote_id: r for r in got}
    for remote_id, version in edited.items():
        assert by_id[remote_id].version == version, "an edit was lost"
    assert by_id[late.remote_id].deleted, "the deletion after the cut was lost"
    # The stand-in answers the oldest objects when over the cap, so the first capped
    # answer carried the early deletion: it is kept although the span was then queried.
    assert by_id[early.remote_id].deleted
    # CDC was asked more than once (the window moved towards now), and the older part
    # was read by query with an upper bound.
    assert len(world.cdc_calls()) >= 2
    since = [c.split("changedSince=")[1].split()[0] for c in world.cdc_calls()]
    assert [stamp(s) for s in since] == sorted(stamp(s) for s in since)
    assert any("MetaData.LastUpdatedTime <" in q for q in world.queries())
    assert any("read by query" in m for m in world.warnings())
    assert_cursors_safe(pages, cursor)
    assert abs(stamp(pages[-1].cursor) - world.sb.clock.now()) < dt.timedelta(seconds=5)


@pytest.mark.parametrize("days", [29.5, 45])
async def test_cursor_older_than_the_window_falls_back_to_query(world: World, days: float) -> None:
    async with world.connector() as qbo:
        first = await pull_all(qbo, "invoice")
        cursor = first[-1].cursor
        world.sb.advance(days * DAY)
        target = records(first)[0]
        changed = await qbo.update(
            "invoice", target.remote_id, target.version, {"memo": "late"}, idempotency_key=key()
        )
        world.seen.clear()
        pages = await pull_all(qbo, "invoice", cursor)
    assert world.cdc_calls() == [] and world.queries()
    got = {r.remote_id: r for r in records(pages)}
    assert got[changed.remote_id].version == changed.version
    assert any("beyond change data capture" in m for m in world.warnings())
    assert abs(stamp(pages[-1].cursor) - world.sb.clock.now()) < dt.timedelta(seconds=5)


async def test_lists_past_the_window_are_queried_without_a_warning(world: World) -> None:
    async with world.connector() as qbo:
        cursor = (await pull_all(qbo, "customer"))[-1].cursor
    world.sb.advance(40 * DAY)
    async with world.connector() as qbo:
        await pull_all(qbo, "customer", cursor)
    assert world.cdc_calls() == [] and world.warnings() == []


async def test_cdc_refused_by_the_server_falls_back_to_query(world: World) -> None:
    """If the server's window is shorter than the connector thinks, the pull still works."""
    async with world.connector() as qbo:
        cursor = (await pull_all(qbo, "invoice"))[-1].cursor
    world.sb.advance(35 * DAY)
    async with world.connector(cdc_days=40) as qbo:
        world.seen.clear()
        pages = await pull_all(qbo, "invoice", cursor)
    assert len(world.cdc_calls()) == 1 and world.queries()
    assert pages and any("refused change data capture" in m for m in world.warnings())


@pytest.mark.parametrize(("entity", "table"), [("tax_rate", "TaxRate"), ("tax_code", "TaxCode")])
async def test_tax_rates_and_codes_are_read_by_query_even_with_a_young_cursor(
    world: World, entity: str, table: str
) -> None:
    async with world.connector() as qbo:
        first = await pull_all(qbo, entity)
        assert records(first)
        world.seen.clear()
        await pull_all(qbo, entity, first[-1].cursor)
    assert world.cdc_calls() == []
    assert any(f"FROM {table} WHERE MetaData.LastUpdatedTime >=" in q for q in world.queries())


async def test_server_clock_decides_the_window_not_ours(world: World) -> None:
    """The sandbox clock runs 45 days ahead of the cursor's; the connector learns that
    from the server's answers (``time``) before choosing CDC."""
    async with world.connector() as qbo:
        cursor = (await pull_all(qbo, "bill"))[-1].cursor
    world.sb.advance(45 * DAY)
    world.seen.clear()
    async with world.connector() as qbo:  # a fresh connector knows no server time yet
        await pull_all(qbo, "bill", cursor)
    assert world.cdc_calls() == []
    assert any("/companyinfo/" in s for s in world.seen)


async def test_a_burst_too_dense_to_split_is_read_by_query() -> None:
    """More changes than the cap within a second or two: no window is small enough, so
    the whole span is queried (nothing lost, nothing twice)."""
    world = World(qbo_cdc_cap=3)
    async with world.connector(cdc_cap=3) as qbo:
        cursor = (await pull_all(qbo, "customer"))[-1].cursor
        world.sb.advance(120)
        made = [
            await qbo.create("customer", {"name": f"Burst {key()[:8]}"}, idempotency_key=key())
            for _ in range(4)
        ]
        world.seen.clear()
        pages = await pull_all(qbo, "customer", cursor)
    ids = [r.remote_id for r in records(pages)]
    assert len(ids) == len(set(ids))
    assert {r.remote_id for r in made} <= set(ids)
    assert len(world.cdc_calls()) >= 2 and world.queries()
    assert any("read by query" in msg for level, msg, _ in world.events if level == "info")
    assert_cursors_safe(pages, cursor)
