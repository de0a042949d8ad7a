"""Every QuickBooks Online fault a person sees names the answer's ``intuit_tid``.

Intuit's support asks for the ``intuit_tid`` response header of the request that failed
(docs/remote-shapes.md, "Faults a person sees"). The sentence of every error made from an
answer carries it, "... (intuit_tid 1-abc).", so the run log, the CLI's stderr and
`recontui log` show it; an error about a request that got no answer names none.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from memory_secrets import Secrets

from recontui.connectors import ConnectorError, QboConnector, UnreachableError

SETTINGS = {"api_base": "https://qbo.test", "token_url": "https://auth.test/token", "realm_id": "7"}

Answer = Callable[[httpx.Request], httpx.Response]
Action = Callable[[QboConnector], Awaitable[Any]]


def token(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={"access_token": "at", "refresh_token": "rt-1", "expires_in": 3600},
        headers={"intuit_tid": "1-token-ok"},
    )


def fault(code: str, message: str, status: int = 400) -> Answer:
    body = {"Fault": {"Error": [{"Message": message, "Detail": "", "code": code}]}}
    return lambda request: httpx.Response(status, json=body)


def xml_fault(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        400,
        content=b'<IntuitResponse><Fault type="ValidationFault"><Error code="2020">'
        b"<Message>Required param missing</Message></Error></Fault></IntuitResponse>",
        headers={"content-type": "application/xml"},
    )


async def create_customer(qbo: QboConnector) -> Any:
    return await qbo.create("customer", {"name": "Acme"}, idempotency_key="k1")


async def read_customer(qbo: QboConnector) -> Any:
    return await qbo.read("customer", "5")


async def rewrite_lines(qbo: QboConnector) -> Any:
    """A lines update reads the invoice first (its lines are rewritten whole)."""
    return await qbo.update("invoice", "5", "0", {"lines": []}, idempotency_key="k2")


async def pull_customers(qbo: QboConnector) -> Any:
    return [page async for page in qbo.pull("customer", None)]


#: name -> (how QBO answers the API call, what the connector is asked to do)
FAULTS: dict[str, tuple[Answer, Action]] = {
    "validation fault": (fault("6240", "Duplicate Name Exists Error"), create_customer),
    "stale object": (fault("5010", "Stale Object Error"), create_customer),
    "fault inside a 200": (fault("6000", "A business validation error", 200), create_customer),
    "xml fault": (xml_fault, create_customer),
    "update of a missing record": (fault("610", "Object Not Found"), rewrite_lines),
    "create answered 404": (fault("404", "Not Found", 404), create_customer),
    "forbidden": (fault("3100", "ApplicationAuthorizationFailed", 403), read_customer),
    "company cannot be used": (fault("6190", "Invalid Company Status"), create_customer),
    "server error every time": (lambda request: httpx.Response(500), read_customer),
    "throttled every time": (
        lambda request: httpx.Response(
            429,
            content=b'<Fault type="SERVICE"><Error code="3001"/></Fault>',
            headers={"Retry-After": "0"},
        ),
        read_customer,
    ),
    "truncated answer": (
        lambda request: httpx.Response(200, content=b'{"QueryResponse": {"Customer": [{'),
        pull_customers,
    ),
    "answer without QueryResponse": (
        lambda request: httpx.Response(200, json={"time": "2025-01-02T03:04:05-08:00"}),
        pull_customers,
    ),
    "unreadable record": (
        lambda request: httpx.Response(
            200, json={"QueryResponse": {"Customer": [{"DisplayName": "No Id"}]}}
        ),
        pull_customers,
    ),
    "token refused twice": (lambda request: httpx.Response(401, json={}), read_customer),
}


def numbered(answer: Answer) -> Callable[[httpx.Request], httpx.Response]:
    """QBO's answers, each stamped with a new ``intuit_tid`` like the real service."""
    tids = itertools.count(1)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return token(request)
        response = answer(request)
        response.headers["intuit_tid"] = f"1-api-{next(tids)}"
        return response

    return handler


def connector(handler: Callable[[httpx.Request], httpx.Response]) -> QboConnector:
    return QboConnector(
        SETTINGS,
        Secrets(client_id="cid", client_secret="cs", refresh_token="rt-0"),
        transport=httpx.MockTransport(handler),
        max_attempts=2,
        base_delay=0.001,
    )


@pytest.mark.parametrize("case", sorted(FAULTS))
async def test_every_quickbooks_fault_names_the_intuit_tid_of_its_answer(case: str) -> None:
    answer, action = FAULTS[case]
    async with connector(numbered(answer)) as qbo:
        with pytest.raises(ConnectorError) as caught:
            await action(qbo)
    message = str(caught.value)
    assert message.count("intuit_tid") == 1, message
    # The answer the error is about: the last one (after the retries, or the 401 after the
    # refreshed token), never the token service's.
    assert "(intuit_tid 1-api-" in message and "1-token-ok" not in message, message
    assert message.endswith(").") and "\n" not in message, message


async def test_the_token_service_refusal_names_its_intuit_tid() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant"}, headers={"intuit_tid": "1-t"})

    with pytest.raises(ConnectorError) as caught:
        async with connector(handler):
            pass
    message = str(caught.value)
    assert "invalid_grant" in message and message.endswith("(intuit_tid 1-t)."), message


async def test_an_error_without_an_answer_names_no_intuit_tid() -> None:
    """A read that follows a successful one but never gets an answer of its own must not
    borrow the earlier answer's id."""
    calls = itertools.count()

    def answer(request: httpx.Request) -> httpx.Response:
        if next(calls) == 0:
            return httpx.Response(200, json={"Customer": {"Id": "5", "SyncToken": "0"}})
        raise httpx.ConnectError("refused", request=request)

    async with connector(numbered(answer)) as qbo:
        assert await read_customer(qbo) is not None
        with pytest.raises(UnreachableError) as caught:
            await read_customer(qbo)
    assert "intuit_tid" not in str(caught.value), str(caught.value)
