"""The rate governor of the HTTP layer: pacing, order, cancellation, sharing, settings."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import httpx
import pytest
from fake_clock import FakeClock

from recontui.connectors import ConnectorError, make_connector
from recontui.connectors.common import rate_settings
from recontui.connectors.http import HttpClient, RateGovernor, shared_governor


def governor(clock: FakeClock, **limits: Any) -> RateGovernor:
    return RateGovernor(clock=clock, sleep=clock.sleep, **limits)


async def traffic(
    clock: FakeClock, gov: RateGovernor, count: int, seed: int = 1
) -> list[tuple[int, float, float]]:
    """``count`` requests of random length; answer (index, start, end) in start order."""
    rng = random.Random(seed)
    log: list[tuple[int, float, float]] = []

    async def request(index: int, length: float) -> None:
        async with gov.slot():
            start = clock()
            await clock.sleep(length)
            log.append((index, start, clock()))

    tasks = [
        asyncio.create_task(request(i, rng.choice((0.01, 0.2, 1.5, 4.0)))) for i in range(count)
    ]
    await clock.run(tasks)
    return sorted(log, key=lambda entry: (entry[1], entry[0]))


async def test_never_more_than_the_budget_in_any_window_and_order_is_kept() -> None:
    clock = FakeClock()
    gov = governor(clock, max_in_flight=3, budget=5, window=10.0)
    log = await traffic(clock, gov, 40)

    assert [index for index, _, _ in log] == list(range(40)), "first come, first served"
    starts = [start for _, start, _ in log]
    for start in starts:  # no window of the client's clock holds more than 5 starts
        assert sum(1 for s in starts if start <= s < start + 10.0) <= 5
    for _, start, _ in log:
        # Whatever the delay on the way, a request is stamped by the server between its
        # start and its end: at no instant may more than 5 be "stampable" in one window.
        assert sum(1 for _, s, e in log if s <= start < e + 10.0) <= 5
        assert sum(1 for _, s, e in log if s <= start < e) <= 3  # in flight
    # Paced, not starved: 40 requests at 5 per 10 s take about 8 windows.
    assert starts[-1] <= 8 * (10.0 + 4.0)
    assert gov.in_flight == 0 and gov.pending() == 0
    assert gov.started == 40 and 0 < gov.waited < 40


async def test_in_flight_cap_alone() -> None:
    clock = FakeClock()
    gov = governor(clock, max_in_flight=2)
    log = await traffic(clock, gov, 12, seed=3)
    for _, start, _ in log:
        assert sum(1 for _, s, e in log if s <= start < e) <= 2
    assert [index for index, _, _ in log] == list(range(12))


async def test_a_cancelled_waiter_leaves_the_queue_and_the_next_one_goes() -> None:
    clock = FakeClock()
    gov = governor(clock, budget=1, window=10.0)
    started: list[str] = []

    async def request(name: str) -> None:
        async with gov.slot():
            started.append(name)
            await clock.sleep(1.0)

    first = asyncio.create_task(request("first"))
    head = asyncio.create_task(request("head"))  # will wait for the window
    behind = asyncio.create_task(request("behind"))
    last = asyncio.create_task(request("last"))
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == ["first"] and gov.pending() == 3

    behind.cancel()  # cancelled in the middle of the queue
    head.cancel()  # and the head, during its timed wait
    await clock.run([first, last])
    assert started == ["first", "last"]
    assert head.cancelled() and behind.cancelled()
    assert gov.pending() == 0 and gov.in_flight == 0
    # "last" went as soon as the window allowed: 10 s after "first" finished.
    assert clock() == pytest.approx(1.0 + 10.0 + 1.0)


async def test_a_cancelled_request_gives_its_turn_back() -> None:
    clock = FakeClock()
    gov = governor(clock, max_in_flight=1)

    async def hold() -> None:
        async with gov.slot():
            await clock.sleep(100.0)

    holder = asyncio.create_task(hold())
    waiter = asyncio.create_task(hold())
    for _ in range(10):
        await asyncio.sleep(0)
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    for _ in range(10):
        await asyncio.sleep(0)
    assert gov.in_flight == 1 and gov.pending() == 0  # the waiter has the turn now
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gov.in_flight == 0


async def test_pause_holds_every_request() -> None:
    clock = FakeClock()
    gov = governor(clock, max_in_flight=5)
    gov.pause(30.0)
    starts: list[float] = []

    async def request() -> None:
        async with gov.slot():
            starts.append(clock())

    tasks = [asyncio.create_task(request()) for _ in range(3)]
    await clock.run(tasks)
    assert starts == [30.0, 30.0, 30.0]


def test_one_governor_serves_two_event_loops() -> None:
    gov = RateGovernor(max_in_flight=1)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    async def requests() -> None:
        nonlocal in_flight, peak
        for _ in range(15):
            async with gov.slot():
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                await asyncio.sleep(0.002)
                with lock:
                    in_flight -= 1

    threads = [threading.Thread(target=asyncio.run, args=(requests(),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert peak == 1 and gov.started == 30 and gov.in_flight == 0


async def test_waits_are_reported_once_not_per_request() -> None:
    events: list[tuple[str, str, dict[str, Any]]] = []
    gov = RateGovernor(max_in_flight=4, budget=2, window=0.2)
    client = HttpClient(
        label="QuickBooks Online",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
        on_event=lambda level, message, data: events.append((level, message, dict(data))),
        governors=[gov],
    )
    began = time.monotonic()
    await asyncio.gather(*(client.request("GET", "https://qbo.test/x") for _ in range(6)))
    await client.aclose()
    assert time.monotonic() - began >= 0.35  # 6 requests at 2 per 0.2 s: two windows' wait
    pacing = [data for level, _, data in events if "rate_waits" in data]
    assert all(level == "debug" for level, _, data in events if "rate_waits" in data)
    assert 1 <= len(pacing) < 4  # the first wait at once, the rest together
    assert sum(data["rate_waits"] for data in pacing) == gov.waited == 4


def test_connectors_of_one_company_share_a_governor() -> None:
    settings = {"api_base": "https://qbo.test", "token_url": "https://t", "realm_id": "123"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    one = make_connector("qbo", settings, _NoSecrets(), transport=transport)
    two = make_connector("qbo", settings, _NoSecrets(), transport=transport)
    other_realm = make_connector(
        "qbo", {**settings, "realm_id": "456"}, _NoSecrets(), transport=transport
    )
    other_server = make_connector(
        "qbo", settings, _NoSecrets(), transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    (gov,) = one._governors()  # type: ignore[attr-defined]
    assert two._governors() == (gov,)  # type: ignore[attr-defined]
    assert other_realm._governors() != (gov,)  # type: ignore[attr-defined]
    assert other_server._governors() != (gov,)  # type: ignore[attr-defined]
    assert (gov.max_in_flight, gov.budget, gov.window) == (10, 500, 60.0)


def test_bill_paces_per_organisation_and_per_dev_key() -> None:
    settings = {"api_base": "https://bill.test", "organization_id": "org1", "username": "u"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    secrets = _NoSecrets({"dev_key": "K1"})
    org1 = make_connector("bill", settings, secrets, transport=transport)
    org2 = make_connector(
        "bill", {**settings, "organization_id": "org2"}, secrets, transport=transport
    )
    hourly, in_flight = org1._governors()  # type: ignore[attr-defined]
    assert (hourly.budget, hourly.window, hourly.max_in_flight) == (20_000, 3600.0, None)
    assert (in_flight.max_in_flight, in_flight.budget) == (3, None)
    hourly2, in_flight2 = org2._governors()  # type: ignore[attr-defined]
    assert hourly2 is hourly  # one dev key, one hourly budget
    assert in_flight2 is not in_flight  # but each organisation its own 3 in flight


def test_settings_scale_the_limits_and_bad_ones_are_one_sentence() -> None:
    settings = {
        "api_base": "https://qbo.test",
        "token_url": "https://t",
        "realm_id": "789",
        "max_in_flight": "4",
        "rate_limit": "20",
        "rate_window_seconds": "2",
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    (gov,) = make_connector("qbo", settings, _NoSecrets(), transport=transport)._governors()  # type: ignore[attr-defined]
    assert (gov.max_in_flight, gov.budget, gov.window) == (4, 20, 2.0)
    off = rate_settings(
        "QBO", {"rate_limit": "off"}, max_in_flight=10, rate_limit=500, rate_window=60
    )
    assert off == (10, None, 60.0)
    for key, value in (("max_in_flight", "0"), ("rate_limit", "-3"), ("rate_window_seconds", "x")):
        with pytest.raises(ConnectorError) as info:
            make_connector("qbo", {**settings, key: value}, _NoSecrets(), transport=transport)
        message = str(info.value)
        assert key in message and message.count(". ") == 0 and "Traceback" not in message


def test_shared_governor_is_one_per_key_and_limits() -> None:
    scope = httpx.MockTransport(lambda request: httpx.Response(200))
    a = shared_governor(("qbo", "x", "1"), max_in_flight=10, budget=5, window=1, scope=scope)
    b = shared_governor(("qbo", "x", "1"), max_in_flight=10, budget=5, window=1, scope=scope)
    c = shared_governor(("qbo", "x", "1"), max_in_flight=10, budget=6, window=1, scope=scope)
    d = shared_governor(("qbo", "x", "1"), max_in_flight=10, budget=5, window=1)
    assert a is b and a is not c and a is not d


class _NoSecrets:
    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = values or {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


# --- against the QBO stand-in, over its real (wall-clock) rate window -------------------


async def pull_paced(rate_limit: str) -> tuple[Any, dict[str, int], Exception | None]:
    """Pull three entities at once, 10 records a page, from a stand-in that allows 20
    requests per 2 s; answer the sandbox, records per entity and any error."""
    from recontui.connectors import QboConnector
    from recontui.sandbox import Sandbox, SandboxConfig

    sb = Sandbox(SandboxConfig(seed=7, qbo_per_minute=20, qbo_window_seconds=2.0))
    creds = sb.credentials("http://paced")["qbo"]
    settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
    settings.update(rate_limit=rate_limit, rate_window_seconds="2")
    secrets = _NoSecrets({k: creds[k] for k in ("client_id", "client_secret", "refresh_token")})
    counts = {"invoice": 0, "bill": 0, "payment": 0}
    connector = QboConnector(
        settings,
        secrets,
        transport=sb.transport(),
        page_size=10,
        base_delay=0.05,
        throttle_wait=0.05,
    )

    async def pull(entity: str) -> None:
        async for page in connector.pull(entity, None):
            counts[entity] += len(page.records)

    try:
        async with connector:
            await asyncio.gather(*(pull(entity) for entity in counts))
    except ConnectorError as exc:
        return sb, counts, exc
    return sb, counts, None


async def test_the_governor_keeps_a_paged_pull_under_the_stand_ins_limit() -> None:
    began = time.monotonic()
    sb, counts, error = await pull_paced("20")
    assert error is None
    assert sb.qbo.budget.rejected == 0 and sb.qbo.limiter.rejected == 0  # no 429 at all
    assert counts == {
        "invoice": sb.qbo_company.count("Invoice"),
        "bill": sb.qbo_company.count("Bill"),
        "payment": sb.qbo_company.count("Payment"),
    }
    requests = sb.qbo.budget.granted
    assert requests > 40  # more than two windows' worth, so pacing had to happen
    windows = (requests - 1) // 20
    assert time.monotonic() - began >= windows * 2.0


async def test_without_the_governor_the_same_pull_is_throttled() -> None:
    sb, _, _ = await pull_paced("off")
    assert sb.qbo.budget.rejected > 0
