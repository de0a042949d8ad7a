"""The simulated-time harness (sandbox/simulated.py) measures something: a request costs
its round trip on the simulated clock, the stand-ins' limits hold on that clock (a client
that does not pace itself is throttled), and the connectors' pacing follows it (paced,
they are never throttled, in the time the limits allow, without spending it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from recontui.connectors import ConnectorError, QboConnector
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.sandbox import InProcessTransport
from recontui.sandbox.simulated import (
    EPOCH,
    RoundTrip,
    VirtualTimeLoop,
    request_kind,
    virtual_clock,
)

NETWORK = 0.1
SERVICE = 0.15


def served(loop: VirtualTimeLoop, **config: Any) -> tuple[Sandbox, RoundTrip]:
    sandbox = Sandbox(
        SandboxConfig(seed=7, latency_seconds=SERVICE, **config), clock=virtual_clock(loop)
    )
    return sandbox, RoundTrip(sandbox.app, NETWORK)


def run(loop: VirtualTimeLoop, work: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return loop.run_until_complete(work())
    finally:
        loop.close()


async def bill_session(client: httpx.AsyncClient, sandbox: Sandbox) -> dict[str, str]:
    creds = sandbox.credentials("http://sim")["bill"]
    answer = await client.post(
        f"{creds['api_base']}/v3/login",
        json={
            "username": creds["username"],
            "password": creds["password"],
            "organizationId": creds["organization_id"],
            "devKey": creds["dev_key"],
        },
    )
    answer.raise_for_status()
    return {"devKey": creds["dev_key"], "sessionId": answer.json()["sessionId"]}


def test_the_loop_jumps_to_its_next_timer_and_stands_still_while_code_runs() -> None:
    loop = VirtualTimeLoop()
    began = time.perf_counter()

    async def work() -> list[float]:
        seen = [loop.time()]
        await asyncio.sleep(3600)
        seen.append(loop.time())
        sum(range(200_000))  # CPU time is not simulated time
        seen.append(loop.time())
        async with asyncio.timeout(5):
            await asyncio.sleep(2)
        seen.append(loop.time())
        return seen

    assert run(loop, work) == pytest.approx([0.0, 3600.0, 3600.0, 3602.0])
    assert time.perf_counter() - began < 5  # an hour in far less than its seconds


def test_a_request_costs_its_round_trip_on_the_simulated_clock() -> None:
    loop = VirtualTimeLoop()
    sandbox, wire = served(loop)
    org = sandbox.organization_id

    async def work() -> tuple[float, float]:
        async with httpx.AsyncClient(transport=InProcessTransport(wire)) as client:
            headers = await bill_session(client, sandbox)
            began, stand_in = loop.time(), sandbox.clock.now()
            for _ in range(10):
                answer = await client.get(
                    f"http://sim/bill/connect/v3/organizations/{org}", headers=headers
                )
                assert answer.status_code == 200
            return loop.time() - began, (sandbox.clock.now() - stand_in).total_seconds()

    took, stand_in_took = run(loop, work)
    assert took == pytest.approx(10 * (NETWORK + SERVICE))
    assert stand_in_took == pytest.approx(took)  # the stand-ins live on the same clock
    assert sandbox.clock.now() > EPOCH
    assert wire.total(system="bill", kind="session", status=200) == 10
    assert wire.total(system="bill", kind="login") == 1


def test_a_client_that_does_not_pace_itself_meets_bills_in_flight_limit() -> None:
    loop = VirtualTimeLoop()
    sandbox, wire = served(loop)
    org = sandbox.organization_id

    async def work() -> list[int]:
        async with httpx.AsyncClient(transport=InProcessTransport(wire)) as client:
            headers = await bill_session(client, sandbox)
            url = f"http://sim/bill/connect/v3/organizations/{org}"
            answers = await asyncio.gather(*(client.get(url, headers=headers) for _ in range(7)))
            return sorted(a.status_code for a in answers)

    # Documented: 3 at once per developer key per organisation; the rest BDC_1322 (429).
    assert run(loop, work) == [200] * 3 + [429] * 4
    assert sandbox.bill.limiter.rejected == 4
    assert wire.total(status=429) == 4


def test_a_client_that_does_not_pace_itself_meets_quickbooks_budget_a_minute() -> None:
    loop = VirtualTimeLoop()
    sandbox, wire = served(loop)
    creds = sandbox.credentials("http://sim")["qbo"]

    async def work() -> tuple[list[int], float]:
        async with httpx.AsyncClient(transport=InProcessTransport(wire)) as client:
            token = await client.post(
                creds["token_url"],
                data={"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]},
                auth=(creds["client_id"], creds["client_secret"]),
            )
            headers = {
                "Authorization": f"Bearer {token.json()['access_token']}",
                "Accept": "application/json",
            }
            realm = creds["realm_id"]
            url = f"{creds['api_base']}/v3/company/{realm}/companyinfo/{realm}"
            began = loop.time()
            codes: list[int] = []

            async def ten_at_a_time() -> None:  # under the in-flight cap, never paced
                for _ in range(51):
                    codes.append((await client.get(url, headers=headers)).status_code)

            await asyncio.gather(*(ten_at_a_time() for _ in range(10)))
            return codes, loop.time() - began

    codes, took = run(loop, work)
    # 510 requests in 51 rounds, under a minute: 500 a minute per realm, then 429s, which
    # cost the network alone (the stand-in turns them away before doing any work).
    assert took == pytest.approx(50 * (NETWORK + SERVICE) + NETWORK)
    assert codes.count(200) == 500 and codes.count(429) == 10
    assert sandbox.qbo.budget.rejected == 10 and sandbox.qbo.limiter.rejected == 0
    assert wire.total(system="qbo", kind="info", status=429) == 10


class _Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


def qbo_connector(sandbox: Sandbox, wire: RoundTrip, **settings: str) -> QboConnector:
    creds = sandbox.credentials("http://sim")["qbo"]
    secrets = _Secrets({k: creds[k] for k in ("client_id", "client_secret", "refresh_token")})
    return QboConnector(
        {**{k: creds[k] for k in ("api_base", "token_url", "realm_id")}, **settings},
        secrets,
        transport=InProcessTransport(wire),
        page_size=10,
    )


def test_the_connectors_pacing_runs_on_the_simulated_clock() -> None:
    """Paced, a pull is never throttled and takes the windows its requests need, in
    simulated time (the governor once read the wall clock: on a simulated loop it slept
    its wait over and over while the simulated clock raced ahead)."""
    loop = VirtualTimeLoop()
    sandbox, wire = served(loop, qbo_per_minute=20, qbo_window_seconds=2.0)
    conn = qbo_connector(sandbox, wire, rate_limit="20", rate_window_seconds="2")
    counts = {"invoice": 0, "bill": 0, "payment": 0}
    began = time.perf_counter()

    async def work() -> float:
        async def pull(entity: str) -> None:
            async for page in conn.pull(entity, None):
                counts[entity] += len(page.records)

        start = loop.time()
        async with conn:
            await asyncio.gather(*(pull(entity) for entity in counts))
        return loop.time() - start

    took = run(loop, work)
    assert time.perf_counter() - began < 10
    assert wire.total(status=429) == 0
    assert counts == {
        "invoice": sandbox.qbo_company.count("Invoice"),
        "bill": sandbox.qbo_company.count("Bill"),
        "payment": sandbox.qbo_company.count("Payment"),
    }
    requests = sandbox.qbo.budget.granted
    assert requests > 40
    windows = (requests - 1) // 20
    # The governor counts a request until a window after it ended: a little over the
    # server's own minimum, never under it, and never a window more.
    assert windows * 2.0 <= took <= windows * (2.0 + NETWORK + SERVICE) + 3.0


def test_batches_keep_to_their_budget_whatever_the_network_takes() -> None:
    """More batch creates than one minute allows, over a network whose legs vary: the
    batch budget (40 a minute per realm) is never exceeded at the stand-in."""
    loop = VirtualTimeLoop()
    sandbox, _ = served(loop, scenario="empty")
    wire = RoundTrip(sandbox.app, 0.4, jitter=0.9, seed=3)
    conn = qbo_connector(sandbox, wire)
    batches = 45

    async def work() -> tuple[float, list[Any]]:
        start = loop.time()
        results: list[Any] = []
        async with conn:
            for number in range(batches):
                items = [
                    ({"name": f"Customer {number}-{i}"}, f"key-{number}-{i}") for i in range(2)
                ]
                results.extend(await conn.create_many("customer", items))
        return loop.time() - start, results

    try:
        took, results = run(loop, work)
    except ConnectorError as exc:  # pragma: no cover - the failure this test is about
        pytest.fail(f"a batch failed: {exc}")
    assert not [r for r in results if isinstance(r, Exception)]
    assert sandbox.qbo.batch_budget.rejected == 0
    assert wire.total(kind="batch", status=429) == 0
    assert wire.total(kind="batch", status=200) == batches
    assert took >= 60.0  # the 41st batch waited for the window


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/qbo/v3/company/1/query", ("qbo", "query")),
        ("POST", "/qbo/v3/company/1/batch", ("qbo", "batch")),
        ("POST", "/qbo/v3/company/1/invoice", ("qbo", "write")),
        ("GET", "/qbo/v3/company/1/invoice/7", ("qbo", "read")),
        ("POST", "/qbo/oauth2/v1/tokens/bearer", ("qbo", "auth")),
        ("POST", "/bill/connect/v3/login", ("bill", "login")),
        ("GET", "/bill/connect/v3/classifications/items", ("bill", "list")),
        ("GET", "/bill/connect/v3/classifications/items/0ii1", ("bill", "read")),
        ("POST", "/bill/connect/v3/vendors", ("bill", "create")),
        ("POST", "/bill/connect/v3/vendors/bulk", ("bill", "bulk")),
        ("PATCH", "/bill/connect/v3/vendors/009a", ("bill", "update")),
        ("POST", "/bill/connect/v3/vendors/009a/archive", ("bill", "action")),
    ],
)
def test_requests_are_counted_by_kind(method: str, path: str, kind: tuple[str, str]) -> None:
    assert request_kind(method, path) == kind
