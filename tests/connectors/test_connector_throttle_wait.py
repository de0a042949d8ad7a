"""A 429 that names no wait: QuickBooks Online's documented minute, said in the live log.

Intuit: "You'll see HTTP Status Code 429 when throttling occurs. If you see this, wait 60
seconds before retrying the request." (docs/remote-shapes.md, "Throttling"). The plain
back-off (2, 4, 8, 16 s) gave up after about 30 s, inside the very window that throttled
it. Virtual time (``FakeClock``): no test here waits a real minute.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx
from fake_clock import FakeClock
from memory_secrets import Secrets

from recontui.connectors import BillConnector, QboConnector, UnreachableError
from recontui.connectors.http import HttpClient, RateGovernor

THROTTLED = b'<Fault type="SERVICE"><Error code="3001"><Message>ThrottleExceeded</Message>'


def client(
    statuses: list[int], clock: FakeClock, events: list[tuple[str, str, dict[str, Any]]], **kw: Any
) -> tuple[HttpClient, list[float]]:
    """An HTTP client whose server answers ``statuses`` in turn (429s without Retry-After),
    on virtual time; the list of moments each request reached the server."""
    answers = iter(statuses)
    seen: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(clock())
        status = next(answers)
        return httpx.Response(status, content=THROTTLED if status == 429 else b"{}")

    governor = RateGovernor(
        max_in_flight=10, budget=500, window=60.0, clock=clock, sleep=clock.sleep
    )
    http = HttpClient(
        label="QuickBooks Online",
        transport=httpx.MockTransport(handler),
        on_event=lambda level, message, data: events.append((level, message, dict(data))),
        governors=[governor],
        sleep=clock.sleep,
        **kw,
    )
    return http, seen


async def test_a_429_without_retry_after_waits_the_documented_minute_past_the_deadline() -> None:
    clock = FakeClock()
    events: list[tuple[str, str, dict[str, Any]]] = []
    http, seen = client([429, 429, 200], clock, events, throttle_wait=60.0, deadline=60)
    task = asyncio.create_task(http.request("GET", "https://qbo.test/v3/company/1/query"))
    await clock.run([task])
    await http.aclose()
    assert task.result().status_code == 200
    # A minute after each 429, never sooner; the waits are the server's, not the deadline's.
    assert seen == [0.0, 60.0, 120.0]


async def test_the_wait_holds_every_request_of_the_company() -> None:
    """The whole company is throttled: a request that starts 10 s into the wait of another
    one does not go before the minute is up either."""
    clock = FakeClock()
    events: list[tuple[str, str, dict[str, Any]]] = []
    http, seen = client([429, 200, 200], clock, events, throttle_wait=60.0)

    async def later() -> httpx.Response:
        await clock.sleep(10.0)
        return await http.request("GET", "https://qbo.test/v3/company/1/customer/2")

    tasks = [
        asyncio.create_task(http.request("GET", "https://qbo.test/v3/company/1/query")),
        asyncio.create_task(later()),
    ]
    await clock.run(tasks)
    await http.aclose()
    assert [t.result().status_code for t in tasks] == [200, 200]
    assert seen == [0.0, 60.0, 60.0]


async def test_the_live_log_says_the_run_waits_and_until_when() -> None:
    clock = FakeClock()
    events: list[tuple[str, str, dict[str, Any]]] = []
    http, _ = client([429, 200], clock, events, throttle_wait=60.0)
    before = dt.datetime.now(dt.UTC)
    task = asyncio.create_task(http.request("GET", "https://qbo.test/v3/company/1/query"))
    await clock.run([task])
    await http.aclose()
    (said,) = [(message, data) for level, message, data in events if level == "info"]
    message, data = said
    assert "waiting 60 s" in message, message
    until = re.search(r"until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", message)
    assert until is not None, message
    moment = dt.datetime.fromisoformat(until.group(1).replace("Z", "+00:00"))
    assert before + dt.timedelta(seconds=59) <= moment <= before + dt.timedelta(seconds=62)
    assert data["wait_seconds"] == 60.0 and data["until"] == until.group(1)


async def test_it_gives_up_after_its_attempts_with_one_sentence() -> None:
    clock = FakeClock()
    events: list[tuple[str, str, dict[str, Any]]] = []
    http, seen = client([429] * 3, clock, events, throttle_wait=60.0, max_attempts=3)
    task = asyncio.create_task(http.request("GET", "https://qbo.test/v3/company/1/query"))
    await clock.run([task])
    await http.aclose()
    error = task.exception()
    assert isinstance(error, UnreachableError)
    assert seen == [0.0, 60.0, 120.0]
    assert str(error).startswith("QuickBooks Online is throttling requests") and "\n" not in str(
        error
    )


def test_quickbooks_waits_its_documented_minute_and_bill_backs_off() -> None:
    """QBO's page gives the wait; BILL's asks for exponential back-off (its concurrency
    refusal clears as soon as a request ends)."""
    qbo = QboConnector(
        {"api_base": "https://qbo.test", "token_url": "https://t", "realm_id": "1"}, Secrets()
    )
    bill = BillConnector(
        {"api_base": "https://bill.test", "organization_id": "008", "username": "u"}, Secrets()
    )
    assert qbo.throttle_wait == 60.0
    assert bill.throttle_wait is None
