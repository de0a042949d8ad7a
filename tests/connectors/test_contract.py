"""The connector contract, asked of both connectors against their stand-ins.

Every test runs for ``qbo`` and ``bill`` (the ``h`` fixture, or ``system``) and asks the
same question of the Connector protocol (``connectors/base.py``). Where a behaviour
exists on one system only, the harness names that system's variant of it:

- versions: QBO ``SyncToken`` (Fault 5010) / BILL ``updatedTime`` (compared before a write);
- incremental pulls: QBO change data capture inside its 30-day window, query beyond it /
  BILL's ``updatedTime:gte`` list filter;
- tombstones: QBO deletes transactions (CDC stubs) / BILL archives them;
- expiry: QBO access token (refresh token rotated and saved) / BILL idle session (login
  again, nothing saved);
- lost write answers: QBO re-sends with its ``requestid`` (replayed, not redone) / BILL has
  no idempotency key, so it raises ``outcome_unknown`` and the runner looks the record up.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from contract_harness import (
    OVERLAP,
    SYSTEMS,
    Harness,
    key,
    new_customer,
    one_sentence,
    pull_all,
    records,
    runner_looks_up,
    stamp,
)

from recontui.connectors import (
    AuthError,
    ConnectorError,
    RejectedError,
    StaleVersionError,
    UnreachableError,
)
from recontui.sandbox.faults import KINDS

DAY = 24 * 3600


@pytest.fixture(params=SYSTEMS)
def system(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def h(system: str) -> Harness:
    """A fresh stand-in (seeded demo company) for one system."""
    return Harness(system)


def assert_cursors_safe(pages: list[Any], start: str | None) -> None:
    """Cursors never go back, and no later page holds a record older than an earlier
    page's cursor less the overlap: persisting any page's cursor skips nothing."""
    previous = stamp(start) if start else None
    for i, page in enumerate(pages):
        now = stamp(page.cursor)
        assert previous is None or now >= previous, f"cursor went back at page {i}"
        previous = now
        for later in pages[i + 1 :]:
            for rec in later.records:
                assert rec.updated_at >= now - OVERLAP, (i, rec.remote_id)


# -- pulls ------------------------------------------------------------------------------


async def test_pull_pages_oldest_first_each_cursor_safe_to_persist(h: Harness) -> None:
    async with h.connector(page_size=5) as conn:
        pages = await pull_all(conn, "customer")
        got = records(pages)
        ids = [r.remote_id for r in got]
        assert len(ids) == len(set(ids)), "a record came twice"
        assert set(ids) == h.store_ids("customer"), "a record was skipped"
        assert len(pages) >= 3 and all(len(p.records) <= 5 for p in pages)
        stamps = [r.updated_at for r in got]
        assert stamps == sorted(stamps), "not oldest first"
        assert all(set(r.fields) == conn.fields("customer") for r in got)
        assert_cursors_safe(pages, None)
        # A crash after any page: resuming from its cursor brings every later record.
        for i, page in enumerate(pages[:-1]):
            later = {(r.remote_id, r.version) for r in records(pages[i + 1 :])}
            resumed = records(await pull_all(conn, "customer", page.cursor))
            assert later <= {(r.remote_id, r.version) for r in resumed}, f"after page {i}"


async def test_records_updated_during_a_pull_are_neither_skipped_nor_lost(h: Harness) -> None:
    """Two records of early pages are edited while the pull goes on, two minutes apart
    (more than the overlap): each record's latest version arrives in this pull or in the
    next one from its final cursor, and no page repeats a version."""
    async with h.connector(page_size=5) as conn:
        pages = []
        async for page in conn.pull("customer", None):
            pages.append(page)
            if len(pages) <= 2:
                h.sb.advance(120)
                h.edit_behind("customer", page.records[0].remote_id)
        after = records(await pull_all(conn, "customer", pages[-1].cursor))
    pulled = [(r.remote_id, r.version) for r in records(pages)]
    assert len(pulled) == len(set(pulled)), "a version came twice"
    delivered = set(pulled) | {(r.remote_id, r.version) for r in after}
    latest = set(h.store_versions("customer").items())
    assert latest <= delivered, f"lost: {sorted(latest - delivered)}"


@pytest.mark.parametrize("age_days", [0, 45], ids=["young-cursor", "cursor-45-days-old"])
async def test_incremental_pull_returns_changes_plus_overlap_only(
    h: Harness, age_days: int
) -> None:
    async with h.connector() as conn:
        cursor = (await pull_all(conn, "invoice"))[-1].cursor
        quiet = records(await pull_all(conn, "invoice", cursor))
    assert all(r.updated_at >= stamp(cursor) - OVERLAP for r in quiet), "more than the overlap"
    h.sb.advance(age_days * DAY + 120)
    target = sorted(h.store_ids("invoice"))[0]
    memo = h.edit_behind("invoice", target)
    h.transport.seen.clear()
    async with h.connector() as conn:
        pages = await pull_all(conn, "invoice", cursor)
    got = {r.remote_id: r for r in records(pages)}
    assert got[target].fields[h.invoice_edit_field] == memo
    assert got[target].version == h.store_versions("invoice")[target]
    assert set(got) <= {target} | {r.remote_id for r in quiet}
    assert_cursors_safe(pages, cursor)
    assert stamp(pages[-1].cursor) >= got[target].updated_at
    assert h.incremental_via() == h.expected_via(age_days)


async def test_deleted_and_archived_records_arrive_as_tombstones(h: Harness) -> None:
    """QBO: a deleted invoice comes as a CDC stub, an inactive customer with active=False.
    BILL: both are archived; the invoice comes deleted, the customer active=False."""
    async with h.connector() as conn:
        customer = await conn.create(
            "customer", new_customer(f"Gone {key()[:8]}"), idempotency_key=key()
        )
        invoice_cursor = (await pull_all(conn, "invoice"))[-1].cursor
        customer_cursor = (await pull_all(conn, "customer"))[-1].cursor
        h.sb.advance(120)
        invoice_id = h.deletable_invoice()
        h.delete_behind("invoice", invoice_id)
        h.delete_behind("customer", customer.remote_id)
        invoices = {
            r.remote_id: r for r in records(await pull_all(conn, "invoice", invoice_cursor))
        }
        customers = {
            r.remote_id: r for r in records(await pull_all(conn, "customer", customer_cursor))
        }
        read_back = await conn.read("invoice", invoice_id)
    tomb = invoices[invoice_id]
    assert tomb.deleted is True and tomb.updated_at is not None
    assert tomb.updated_at >= stamp(invoice_cursor)
    assert set(tomb.fields) == conn.fields("invoice")
    gone = customers[customer.remote_id]
    assert gone.deleted is False and gone.fields["active"] is False
    assert read_back is None or read_back.deleted is True  # QBO: gone; BILL: archived


# -- writes ------------------------------------------------------------------------------


async def test_create_update_deactivate_round_trip_through_read(h: Harness) -> None:
    fields = {"name": f"Round Trip {key()[:8]}", "email": "rt@example.test", "city": "Springfield"}
    async with h.connector() as conn:
        made = await conn.create("customer", fields, idempotency_key=key())
        back = await conn.read("customer", made.remote_id)
        assert back is not None and back.version == made.version
        assert {k: back.fields[k] for k in fields} == fields and back.fields["active"] is True
        h.sb.advance(1)
        changed = await conn.update(
            "customer",
            made.remote_id,
            made.version,
            {"email": "new@example.test"},
            idempotency_key=key(),
        )
        back = await conn.read("customer", made.remote_id)
        assert back is not None and back.version == changed.version != made.version
        assert back.fields["email"] == "new@example.test" and back.fields["city"] == "Springfield"
        h.sb.advance(1)
        off = await conn.deactivate(
            "customer", made.remote_id, changed.version, idempotency_key=key()
        )
        back = await conn.read("customer", made.remote_id)
    assert back is not None and back.version == off.version != changed.version
    assert back.fields["active"] is False and back.deleted is False
    assert back.fields["name"] == fields["name"]


@pytest.mark.parametrize(
    "entity,op", [("customer", "update"), ("customer", "deactivate"), ("invoice", "deactivate")]
)
async def test_stale_version(h: Harness, entity: str, op: str) -> None:
    """A write based on a version someone else has since replaced raises
    StaleVersionError and changes nothing (QBO: SyncToken, 5010; BILL: updatedTime)."""
    async with h.connector() as conn:
        if entity == "customer":
            rec = await conn.create(
                "customer", new_customer(f"Stale {key()[:8]}"), idempotency_key=key()
            )
        else:
            held = await conn.read("invoice", h.deletable_invoice())
            assert held is not None
            rec = held
        h.sb.advance(1)
        h.edit_behind(entity, rec.remote_id)
        edited = h.store_versions(entity)[rec.remote_id]
        with pytest.raises(StaleVersionError) as info:
            if op == "update":
                await conn.update(
                    entity, rec.remote_id, rec.version, {"phone": "555 0199"}, idempotency_key=key()
                )
            else:
                await conn.deactivate(entity, rec.remote_id, rec.version, idempotency_key=key())
        now = await conn.read(entity, rec.remote_id)
    message = str(info.value)
    assert h.label in message and "sync again" in message and one_sentence(message)
    assert now is not None and now.version == edited and not now.deleted
    assert now.fields.get("phone") != "555 0199" and now.fields.get("active", True) is True


async def test_find_existing_finds_a_record_by_natural_key(h: Harness) -> None:
    name = f'Finder O\'Neil "Q" {key()[:6]}'
    async with h.connector() as conn:
        made = await conn.create("customer", new_customer(name), idempotency_key=key())
        found = await conn.find_existing("customer", {"name": f"  {name.upper()} "})
        assert found is not None and found.remote_id == made.remote_id
        assert await conn.find_existing("customer", {"name": f"Nobody {key()}"}) is None
        invoice = await conn.read("invoice", h.deletable_invoice())
        assert invoice is not None
        hit = await conn.find_existing("invoice", {"number": invoice.fields["number"]})
    assert hit is not None and hit.remote_id == invoice.remote_id


async def test_find_existing_passes_over_what_skip_rules_out(h: Harness) -> None:
    """A record another link holds, or one made before the lost create was planned, is
    never taken for its result; the creation time comes from the system itself."""
    name = f"Skipped {key()[:8]}"
    async with h.connector() as conn:
        made = await conn.create("customer", new_customer(name), idempotency_key=key())
        assert made.created_at is not None and made.created_at.tzinfo is not None
        assert await conn.find_existing("customer", {"name": name}, skip=lambda r: False)
        held = await conn.find_existing(
            "customer", {"name": name}, skip=lambda r: r.remote_id == made.remote_id
        )
    assert held is None


async def test_a_deleted_transaction_is_restored_where_the_system_can(h: Harness) -> None:
    async with h.connector() as conn:
        invoice = await conn.read("invoice", h.deletable_invoice())
        assert invoice is not None
        gone = await conn.deactivate(
            "invoice", invoice.remote_id, invoice.version, idempotency_key=key()
        )
        assert gone.deleted
        if not conn.can_restore("invoice"):
            with pytest.raises(RejectedError):
                await conn.restore("invoice", invoice.remote_id, {}, idempotency_key=key())
            return
        kept = f"kept-{key()[:6]}"
        back = await conn.restore(
            "invoice", invoice.remote_id, {h.invoice_edit_field: kept}, idempotency_key=key()
        )
        again = await conn.restore("invoice", invoice.remote_id, {}, idempotency_key=key())
    assert back.remote_id == invoice.remote_id and not back.deleted
    assert back.fields[h.invoice_edit_field] == kept and not again.deleted


# -- authorisation --------------------------------------------------------------------------


async def test_expired_credentials_are_renewed_once_transparently(system: str) -> None:
    """QBO: the access token expires (401, one refresh); BILL: the session idles out
    (BDC_1109, one login). Reads on the wire together when it happens (held up by a
    slow network) all meet it, and it is still renewed only once."""
    h = Harness(system, slow_seconds=0.02)
    async with h.connector() as conn:
        classes = sorted(r.remote_id for r in records(await pull_all(conn, "class")))
        assert len(classes) >= 3
        before = h.renewals()
        h.expire_auth()
        with h.faulty("slow"):
            read = await asyncio.gather(*(conn.read("class", i) for i in classes))
        assert [r.remote_id for r in read if r] == classes
        assert sorted(r.remote_id for r in records(await pull_all(conn, "class"))) == classes
    assert h.renewals() == before + 1


async def test_renewal_keeps_the_saved_credentials_current(h: Harness) -> None:
    """QBO hands out a new refresh token about once a day (the seeded one is a day old) and
    the connector saves whatever token each refresh returns, at once (the old one dies after
    a grace period); BILL's login saves nothing."""
    saved = dict(h.secrets.values)
    async with h.connector() as conn:
        await pull_all(conn, "class")
        h.expire_auth()
        await pull_all(conn, "class")
    if not h.side.rotates:
        assert h.secrets.writes == [] and h.secrets.values == saved
        return
    assert [name for name, _ in h.secrets.writes] == ["refresh_token", "refresh_token"]
    first = h.secrets.writes[0][1]
    assert first != saved["refresh_token"]
    assert h.secrets.values["refresh_token"] == first  # within a day the same one comes back
    h.sb.advance(24 * 3600)
    async with h.connector() as conn:
        await pull_all(conn, "class")
    assert h.secrets.values["refresh_token"] not in (saved["refresh_token"], first)
    h.sb.advance(120)  # past the grace window: only the newest token still works
    async with h.connector() as conn:
        await pull_all(conn, "class")
    h.secrets.values["refresh_token"] = saved["refresh_token"]
    with pytest.raises(AuthError):
        async with h.connector():
            pass


async def test_revoked_credentials_raise_auth_error_with_a_next_step(h: Harness) -> None:
    """QBO: the app's tokens are revoked (refresh answers invalid_grant); BILL: the
    password changed and the session ended (login answers BDC_1101). One attempt to renew,
    then one sentence saying what to do."""
    async with h.connector() as conn:
        await pull_all(conn, "class")
        h.revoke_auth()
        before = h.renewals()
        with pytest.raises(AuthError) as info:
            await pull_all(conn, "class")
    assert h.renewals() == before + 1
    message = str(info.value)
    assert h.label in message and h.side.reconnect in message and one_sentence(message)


# -- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_each_fault_kind_on_reads_is_survived(system: str, kind: str) -> None:
    """A quarter of the requests fail (429, 500, reset mid-answer, slow, truncated 200):
    reads are retried, and what the pull and reads give is what the stand-in holds."""
    h = Harness(system, faults=f"{kind}=0.25", fault_seed=11, slow_seconds=0.02)
    async with h.connector(page_size=5, max_attempts=10, base_delay=0.001) as conn:
        got = records(await pull_all(conn, "customer"))
        read = await asyncio.gather(*(conn.read("customer", r.remote_id) for r in got))
    assert {r.remote_id for r in got} == h.store_ids("customer")
    assert [r.fields if r else None for r in read] == [r.fields for r in got]
    assert h.sb.faults.counts[kind] >= 3, "the faults did not happen"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_create_meeting_each_fault_kind_is_never_duplicated(system: str, kind: str) -> None:
    """Every request meets ``kind`` while a customer is created. Whatever the outcome the
    stand-in holds at most one; if it holds one but the connector raised, the error makes
    the runner look the record up, and find_existing finds exactly that one. QBO may also
    re-send with the same idempotency key: replayed, not created again. BILL never re-sends
    a create that may have landed (no idempotency key)."""
    h = Harness(system, fault_seed=3, slow_seconds=0.02)
    name = f"Lost {kind} {key()[:6]}"
    idem = key()
    async with h.connector(max_attempts=3, base_delay=0.001) as conn:
        error: ConnectorError | None = None
        with h.faulty(kind):
            try:
                made = await conn.create("customer", new_customer(name), idempotency_key=idem)
            except ConnectorError as exc:
                error = exc
        held = h.named("customer", name)
        assert len(held) <= 1, "the create was duplicated"
        if kind in ("reset", "garbage"):
            assert len(held) == 1, "the stand-in handles the request before losing the answer"
        if error is None:
            assert held == [made.remote_id]
        else:
            assert one_sentence(str(error)), str(error)
            if held:
                assert runner_looks_up(error), f"{type(error).__name__}: {error}"
            if not h.side.idempotent_writes and runner_looks_up(error):
                assert isinstance(error, UnreachableError) and h.posts_to("customer") == 1
            found = await conn.find_existing("customer", {"name": name})
            assert ([found.remote_id] if found else []) == held
            if h.side.idempotent_writes:
                again = await conn.create("customer", new_customer(name), idempotency_key=idem)
                assert h.named("customer", name) == [again.remote_id]
                assert not held or held == [again.remote_id]
    assert h.sb.faults.counts[kind] >= 1


async def test_an_answer_slower_than_the_timeout_is_retried_or_looked_up(system: str) -> None:
    """The stand-in does the work, then holds its answer back longer than the client waits
    (a socket's read timeout). Reads are tried again and give what the stand-in holds. A
    create whose answers never came raises "not known whether it was saved"; the stand-in
    holds it once, the runner's look-up finds it, and QBO (idempotent by requestid) answers a
    re-send with the same record instead of a second one."""
    h = Harness(system, fault_seed=6, slow_seconds=0.4)
    name = f"Timed out {key()[:6]}"
    idem = key()
    quick = httpx.Timeout(0.1)
    async with h.connector(page_size=5, max_attempts=8, base_delay=0.001, timeout=quick) as conn:
        with h.faulty("slow", rate=0.4):
            got = records(await pull_all(conn, "customer"))
        assert {r.remote_id for r in got} == h.store_ids("customer")
        assert h.sb.faults.counts["slow"] >= 2
        assert any("ReadTimeout" in message for _level, message, _data in h.events)
    async with h.connector(max_attempts=2, base_delay=0.001, timeout=quick) as conn:
        with h.faulty("slow"), pytest.raises(UnreachableError) as caught:
            await conn.create("customer", new_customer(name), idempotency_key=idem)
        assert caught.value.outcome_unknown and one_sentence(str(caught.value))
        held = h.named("customer", name)
        assert len(held) == 1, "the work was done once, only the answer was lost"
        found = await conn.find_existing("customer", {"name": name})
        assert found is not None and [found.remote_id] == held
        if h.side.idempotent_writes:
            again = await conn.create("customer", new_customer(name), idempotency_key=idem)
            assert [again.remote_id] == held == h.named("customer", name)
        else:
            assert h.posts_to("customer") == 1, "a create that may have landed is not re-sent"


# -- rate limits and concurrency ----------------------------------------------------------


async def test_the_rate_governor_keeps_the_stand_ins_refusals_at_zero(system: str) -> None:
    """8 requests per second on both sides (stand-in budget and the profile's setting):
    20 reads at once are paced, and the stand-in never has to refuse one."""
    h = Harness(system, **Harness.rate_config(system, budget=8, window=1.0))
    ids = sorted(h.store_ids("customer"))[:20]
    async with h.connector(settings={"rate_limit": "8", "rate_window_seconds": "1"}) as conn:
        began = time.monotonic()
        read = await asyncio.gather(*(conn.read("customer", i) for i in ids))
        took = time.monotonic() - began
    assert [r.remote_id for r in read if r] == ids
    assert h.budget().rejected == 0 and h.limiter().rejected == 0
    assert h.budget().granted >= len(ids)
    assert took >= 1.0, "20 requests at 8 per second cannot all go in the first window"


async def test_requests_in_flight_never_exceed_the_documented_cap(system: str) -> None:
    """Two connectors to one company, 40 slow reads at once: together they stay within
    the service's cap (QBO 10 per realm, BILL 3 per organisation), and use all of it."""
    h = Harness(system, latency_seconds=0.05)
    ids = sorted(h.store_ids("customer"))[:20]
    async with h.connector() as one, h.connector() as two:
        read = await asyncio.gather(*(c.read("customer", i) for i in ids for c in (one, two)))
    assert all(r is not None for r in read)
    assert h.limiter().rejected == 0
    assert h.limiter().peak == h.side.cap


async def test_the_stand_ins_refuse_what_the_services_refuse(system: str) -> None:
    """What makes the two tests above mean something: a connector told to ignore the
    limits does make the stand-in refuse (too many per window; too many at once)."""
    paced = Harness(system, **Harness.rate_config(system, budget=8, window=1.0))
    ids = sorted(paced.store_ids("customer"))[:20]
    async with paced.connector(
        settings={"rate_limit": "off"}, max_attempts=2, base_delay=0.001
    ) as conn:
        await asyncio.gather(*(conn.read("customer", i) for i in ids), return_exceptions=True)
    assert paced.budget().rejected > 0
    crowded = Harness(system, latency_seconds=0.02)
    cap = crowded.side.cap
    async with crowded.connector(
        settings={"max_in_flight": str(cap * 3)}, max_attempts=2, base_delay=0.001
    ) as conn:
        await asyncio.gather(*(conn.read("customer", i) for i in ids), return_exceptions=True)
    assert crowded.limiter().rejected > 0
