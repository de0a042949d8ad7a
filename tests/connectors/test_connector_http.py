"""The shared HTTP layer and wire-level behaviour, against httpx.MockTransport.

These cover what the stand-ins cannot easily provoke on demand: broken
connections, XML throttle bodies, truncated JSON, a Fault inside a 200.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fake_clock import FakeClock
from memory_secrets import Secrets

from recontui.connectors import (
    AuthError,
    BillConnector,
    ConnectorError,
    ProtocolError,
    RejectedError,
    StaleVersionError,
    UnreachableError,
    make_connector,
)
from recontui.connectors.http import (
    HttpClient,
    RateGovernor,
    Retry,
    dumps_json,
    loads_json,
    redact,
    retry_after_seconds,
)
from recontui.model import RemoteRef


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> HttpClient:
    sleeps = kw.pop("sleep", Sleeps())
    return HttpClient(label="Test", transport=httpx.MockTransport(handler), sleep=sleeps, **kw)


# -- JSON ---------------------------------------------------------------------


def test_dumps_json_writes_decimal_digits() -> None:
    body = {"a": Decimal("10.10"), "b": [Decimal("0.005"), 3, None, True], "c": 'é"q'}
    assert dumps_json(body) == '{"a":10.10,"b":[0.005,3,null,true],"c":"é\\"q"}'.encode()
    assert loads_json(dumps_json(body)) == {
        "a": Decimal("10.10"),
        "b": [Decimal("0.005"), 3, None, True],
        "c": 'é"q',
    }
    with pytest.raises(TypeError):
        dumps_json({"x": 0.1})
    with pytest.raises(ValueError):
        dumps_json(Decimal("NaN"))


def test_redact_and_retry_after() -> None:
    data = {
        "Authorization": "Bearer x",
        "nested": [{"password": "p", "ok": 1}],
        "sessionId": "s",
        "devKey": "d",
        "refresh_token": "r",
        "client_secret": "c",
    }
    assert redact(data) == {
        "Authorization": "***",
        "nested": [{"password": "***", "ok": 1}],
        "sessionId": "***",
        "devKey": "***",
        "refresh_token": "***",
        "client_secret": "***",
    }
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None


# -- retries ------------------------------------------------------------------


async def test_retries_429_xml_with_retry_after_then_succeeds() -> None:
    # Virtual time: the client's sleeps and its governor's pause (every request of the
    # company waits out a throttle) pass in no real time.
    clock = FakeClock()
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(clock())
        if len(calls) < 3:
            return httpx.Response(
                429,
                headers={"Retry-After": "2", "content-type": "application/xml"},
                content=b'<Fault type="SERVICE"><Error code="3001"/></Fault>',
            )
        return httpx.Response(200, json={"ok": True})

    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await clock.sleep(delay)

    governor = RateGovernor(max_in_flight=4, clock=clock, sleep=clock.sleep)
    http = client(handler, sleep=sleep, governors=[governor])
    task = asyncio.create_task(http.request("GET", "https://x.test/a"))
    await clock.run([task])
    assert task.result().status_code == 200
    assert delays == [2.0, 2.0]
    assert calls == [0.0, 2.0, 4.0]
    await http.aclose()


async def test_gives_up_after_max_attempts_with_backoff() -> None:
    sleeps = Sleeps()
    http = client(lambda r: httpx.Response(503), sleep=sleeps, max_attempts=4, base_delay=1.0)
    with pytest.raises(UnreachableError) as info:
        await http.request("GET", "https://x.test/a")
    assert info.value.retryable is True
    assert info.value.outcome_unknown is True  # a 503 may still have been acted on
    assert "Test" in str(info.value) and "503" in str(info.value)
    assert len(sleeps.delays) == 3
    assert 0.5 <= sleeps.delays[0] <= 1.0 and 2.0 <= sleeps.delays[2] <= 4.0
    await http.aclose()


async def test_connect_errors_are_retried_then_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = client(handler, max_attempts=3)
    with pytest.raises(UnreachableError) as info:
        await http.request("POST", "https://x.test/a", retry=Retry.UNSENT_ONLY)
    assert info.value.outcome_unknown is False
    assert "after 3 attempts" in str(info.value)
    await http.aclose()


@pytest.mark.parametrize("failure", ["read_timeout", "500"])
async def test_unsent_only_never_resends_after_the_request_may_have_arrived(failure: str) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if failure == "read_timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(500)

    http = client(handler)
    with pytest.raises(UnreachableError) as info:
        await http.request("POST", "https://x.test/a", retry=Retry.UNSENT_ONLY)
    assert calls == [1]
    assert info.value.outcome_unknown is True and info.value.retryable is True
    await http.aclose()


async def test_events_carry_path_status_tid_and_no_secrets() -> None:
    events: list[tuple[str, str, dict]] = []
    http = HttpClient(
        label="Test",
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, headers={"intuit_tid": "tid-1"}, json={})
        ),
        on_event=lambda level, msg, data: events.append((level, msg, dict(data))),
        log_headers=("intuit_tid",),
    )
    await http.request(
        "GET",
        "https://x.test/v3/q",
        params={"minorversion": "75", "password": "hunter2"},
        headers={"Authorization": "Bearer sekrit"},
    )
    await http.aclose()
    ((level, message, data),) = events
    assert level == "debug"
    assert "GET /v3/q -> 200" in message and "tid-1" in message
    assert data["intuit_tid"] == "tid-1" and data["path"] == "/v3/q"
    assert "hunter2" not in repr(events) and "sekrit" not in repr(events)


# -- QBO wire behaviour -------------------------------------------------------

QBO_SETTINGS = {
    "api_base": "https://qbo.test",
    "token_url": "https://auth.test/token",
    "realm_id": "123",
}


def qbo_secrets() -> Secrets:
    return Secrets(client_id="cid", client_secret="csecret", refresh_token="rt-0")


def token_response(request: httpx.Request, n: int = 1) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": f"at-{n}",
            "refresh_token": f"rt-{n}",
            "expires_in": 3600,
            "token_type": "bearer",
        },
    )


async def test_qbo_fault_in_200_and_truncated_body(fast_backoff: None) -> None:
    # The truncated answer is retried to the end (what it raises is under test here, not
    # how long the back-off sleeps: test_gives_up_after_max_attempts_with_backoff).
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return token_response(request)
        if request.url.path.endswith("/customer"):
            return httpx.Response(
                200,
                json={
                    "Fault": {
                        "Error": [
                            {
                                "Message": "Duplicate Name Exists Error",
                                "Detail": "The name supplied already exists.",
                                "code": "6240",
                            }
                        ],
                        "type": "ValidationFault",
                    },
                    "time": "t",
                },
            )
        if request.url.path.endswith("/invoice"):
            return httpx.Response(
                400,
                json={
                    "Fault": {
                        "Error": [{"Message": "Stale Object Error", "Detail": "", "code": "5010"}]
                    }
                },
            )
        return httpx.Response(200, content=b'{"QueryResponse": {"Customer": [{"Id": "1"')

    async with make_connector(
        "qbo", QBO_SETTINGS, qbo_secrets(), transport=httpx.MockTransport(handler)
    ) as qbo:
        with pytest.raises(RejectedError) as info:
            await qbo.create("customer", {"name": "Acme"}, idempotency_key="k1")
        assert info.value.code == "6240" and info.value.record == "Acme"
        assert "'Acme'" in str(info.value) and "QuickBooks Online" in str(info.value)
        with pytest.raises(StaleVersionError):
            await qbo.update("invoice", "5", "0", {"memo": "x"}, idempotency_key="k2")
        with pytest.raises(ProtocolError) as perr:
            [p async for p in qbo.pull("customer", None)]
        assert "POST /query" in str(perr.value)


async def test_qbo_write_params_and_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return token_response(request)
        if request.method == "GET":  # a lines update first reads the lines QBO holds
            return httpx.Response(200, json={"Invoice": {"Id": "9", "SyncToken": "0"}})
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json={"Invoice": {**body, "Id": "9", "SyncToken": "1"}})

    async with make_connector(
        "qbo", QBO_SETTINGS, qbo_secrets(), transport=httpx.MockTransport(handler)
    ) as qbo:
        record = await qbo.update(
            "invoice",
            "9",
            "0",
            {"lines": [{"amount": Decimal("12.30"), "item": RemoteRef("item", "4")}]},
            idempotency_key="key-1",
        )
    (request,) = seen
    assert request.url.params["requestid"] == "key-1"
    assert request.url.params["minorversion"] == "75"
    assert request.headers["content-type"] == "application/json"
    assert b'"Amount":12.30' in request.content
    assert json.loads(request.content)["sparse"] is True
    assert record.fields["lines"][0]["amount"] == Decimal("12.30")


async def test_qbo_throttle_xml_is_retried_without_assuming_json() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return token_response(request)
        calls.append(request.url.params.get("requestid", ""))
        if len(calls) == 1:
            return httpx.Response(
                429,
                content=b'<IntuitResponse><Fault type="SERVICE">'
                b'<Error code="3001"><Message>ThrottleExceeded</Message>'
                b"</Error></Fault></IntuitResponse>",
                headers={"Retry-After": "0"},
            )
        return httpx.Response(
            200, json={"Class": {"Id": "3", "SyncToken": "0", "Name": "East", "Active": True}}
        )

    async with make_connector(
        "qbo", QBO_SETTINGS, qbo_secrets(), transport=httpx.MockTransport(handler)
    ) as qbo:
        record = await qbo.create("class", {"name": "East"}, idempotency_key="same")
    assert record.remote_id == "3"
    assert calls == ["same", "same"]  # the retry carries the same requestid


async def test_qbo_invalid_grant_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant"})

    secrets = qbo_secrets()
    with pytest.raises(AuthError) as info:
        async with make_connector(
            "qbo", QBO_SETTINGS, secrets, transport=httpx.MockTransport(handler)
        ):
            pass
    assert "invalid_grant" in str(info.value)
    assert "reconnect required: run `recontui profile connect qbo`" in str(info.value)
    assert secrets.writes == []


# -- BILL wire behaviour ------------------------------------------------------

BILL_SETTINGS = {
    "api_base": "https://bill.test/connect",
    "organization_id": "00801",
    "username": "ops@example.com",
}


async def test_bill_create_is_not_resent_after_a_server_error() -> None:
    posts: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json={"sessionId": "s1", "organizationId": "00801"})
        if request.url.path.endswith("/logout"):
            return httpx.Response(200, json={})
        posts.append(request.content)
        return httpx.Response(502, text="bad gateway")

    async with make_connector(
        "bill",
        BILL_SETTINGS,
        Secrets(dev_key="dk", password="pw"),
        transport=httpx.MockTransport(handler),
    ) as bill:
        with pytest.raises(UnreachableError) as info:
            await bill.create("vendor", {"name": "Paper Co"}, idempotency_key="k")
    assert len(posts) == 1
    assert info.value.outcome_unknown is True


async def test_bill_concurrency_limit_is_retried_and_errors_named() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json={"sessionId": "s1"})
        if request.url.path.endswith("/logout"):
            return httpx.Response(200, json={})
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json=[{"code": "BDC_1322", "message": "busy"}])
        return httpx.Response(
            400,
            json=[
                {
                    "timestamp": "t",
                    "code": "BDC_1171",
                    "severity": "ERROR",
                    "category": "REQUEST",
                    "message": "Vendor name already exists",
                }
            ],
        )

    async with BillConnector(
        BILL_SETTINGS,
        Secrets(dev_key="dk", password="pw"),
        transport=httpx.MockTransport(handler),
        base_delay=0.001,
    ) as bill:
        with pytest.raises(RejectedError) as info:
            await bill.create("vendor", {"name": "Paper Co"}, idempotency_key="k")
    assert len(calls) == 2
    assert info.value.code == "BDC_1171" and info.value.entity == "vendor"
    assert "'Paper Co'" in str(info.value) and "BILL" in str(info.value)


async def test_bill_hourly_limit_is_not_retried_and_says_when() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json={"sessionId": "s1"})
        if request.url.path.endswith("/logout"):
            return httpx.Response(200, json={})
        calls.append(1)
        return httpx.Response(429, json=[{"code": "BDC_1144", "message": "hourly limit"}])

    async with make_connector(
        "bill",
        BILL_SETTINGS,
        Secrets(dev_key="dk", password="pw"),
        transport=httpx.MockTransport(handler),
    ) as bill:
        with pytest.raises(ConnectorError) as info:
            [p async for p in bill.pull("vendor", None)]
    assert calls == [1]
    assert info.value.retryable is True and "next hour" in str(info.value)


async def test_bill_session_expiry_relogs_once_then_auth_error() -> None:
    logins: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            logins.append(1)
            return httpx.Response(200, json={"sessionId": f"s{len(logins)}"})
        if request.url.path.endswith("/logout"):
            return httpx.Response(200, json={})
        return httpx.Response(401, json=[{"code": "BDC_1109", "message": "Session is invalid."}])

    async with make_connector(
        "bill",
        BILL_SETTINGS,
        Secrets(dev_key="dk", password="pw"),
        transport=httpx.MockTransport(handler),
    ) as bill:
        with pytest.raises(AuthError):
            await bill.read("vendor", "009x")
    assert len(logins) == 2


# -- the per-request deadline (issue 9, finding 4d) ------------------------------


async def test_a_frozen_server_gives_up_at_the_deadline_in_one_sentence() -> None:
    """One logical request, its retries included, gives up after about the deadline."""
    import time

    from frozen_server import frozen_server

    with frozen_server() as frozen:
        http = HttpClient(label="BILL", deadline=1.5)
        started = time.monotonic()
        with pytest.raises(UnreachableError) as info:
            await http.request("GET", f"{frozen.url}/connect/v3/vendors")
        elapsed = time.monotonic() - started
        await http.aclose()
    assert 1.4 <= elapsed < 10, elapsed  # far from the minutes a frozen server held a run
    message = str(info.value)
    assert message.startswith("BILL did not answer within 1.5 s"), message
    assert "status" in message and "later" in message
    assert message.endswith(".") and "\n" not in message


async def test_the_read_timeout_of_one_attempt_stays_reasonable() -> None:
    import httpx as _httpx

    from recontui.connectors.http import DEFAULT_DEADLINE, DEFAULT_TIMEOUT

    assert DEFAULT_DEADLINE == 60.0
    assert DEFAULT_TIMEOUT.read is not None and DEFAULT_TIMEOUT.read <= DEFAULT_DEADLINE / 2
    seen: list[dict] = []

    def handler(request: _httpx.Request) -> _httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return _httpx.Response(200)

    http = client(handler, deadline=5.0)
    await http.request("GET", "https://x.test/a")
    await http.aclose()
    assert seen[0]["read"] <= 5.0 and seen[0]["connect"] <= 5.0  # capped by what is left


async def test_a_write_whose_outcome_is_unknown_at_the_deadline_is_not_resent() -> None:
    import time

    from frozen_server import frozen_server

    with frozen_server() as frozen:
        http = HttpClient(label="BILL", deadline=1.0)
        started = time.monotonic()
        with pytest.raises(UnreachableError) as info:
            await http.request(
                "POST",
                f"{frozen.url}/connect/v3/vendors",
                content=b"{}",
                retry=Retry.UNSENT_ONLY,
            )
        elapsed = time.monotonic() - started
        await http.aclose()
        connections = len(frozen.connections)
    assert elapsed < 10, elapsed
    assert connections == 1, "sent once, never blindly again"
    assert info.value.outcome_unknown is True
    assert "not known whether the change was saved" in str(info.value)
    assert "within 1 s" in str(info.value)


async def test_an_idempotent_write_is_retried_within_the_deadline_and_outcome_unknown() -> None:
    from frozen_server import frozen_server

    attempts: list[int] = []

    def sink(level: str, message: str, data: dict) -> None:
        if "attempt" in data:
            attempts.append(data["attempt"])

    with frozen_server() as frozen:
        http = HttpClient(
            label="QuickBooks Online", deadline=4.0, timeout=httpx.Timeout(1.0), on_event=sink
        )
        with pytest.raises(UnreachableError) as info:
            await http.request("POST", f"{frozen.url}/v3/company/1/invoice", content=b"{}")
        await http.aclose()
    assert len(attempts) >= 2, "retried (the server de-duplicates it)"
    assert info.value.outcome_unknown is True
    assert str(info.value).startswith("QuickBooks Online did not answer within 4 s")


async def test_waits_the_server_asks_for_do_not_count_against_the_deadline() -> None:
    answers = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), headers={"Retry-After": "100"})

    sleeps = Sleeps()
    http = client(handler, deadline=5.0, sleep=sleeps)
    response = await http.request("GET", "https://x.test/a")
    await http.aclose()
    assert response.status_code == 200 and sleeps.delays == [100.0, 100.0]


async def test_backoff_sleeps_count_against_the_deadline() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    sleeps = Sleeps()
    http = client(handler, deadline=3.0, base_delay=2.0, max_attempts=10, sleep=sleeps)
    with pytest.raises(UnreachableError, match="kept answering 503"):
        await http.request("GET", "https://x.test/a")
    await http.aclose()
    assert sum(sleeps.delays) <= 3.0 and len(calls) < 10


def test_the_deadline_is_a_side_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {
        "api_base": "https://bill.test",
        "organization_id": "008x",
        "username": "u",
        "request_deadline_seconds": "12.5",
    }
    bill = make_connector("bill", settings, Secrets(dev_key="d", password="p"))
    assert bill._deadline == 12.5  # type: ignore[attr-defined]
    default = make_connector(
        "bill", {**settings, "request_deadline_seconds": ""}, Secrets(dev_key="d", password="p")
    )
    assert default._deadline == 60.0  # type: ignore[attr-defined]
    for bad in ("soon", "0", "-1", "inf"):
        with pytest.raises(ConnectorError) as info:
            make_connector(
                "bill",
                {**settings, "request_deadline_seconds": bad},
                Secrets(dev_key="d", password="p"),
            )
        assert "request_deadline_seconds" in str(info.value) and repr(bad) in str(info.value)
