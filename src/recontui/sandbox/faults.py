"""Fault injection: the network and the services misbehaving, on purpose and reproducibly.

``429=0.05,500=0.02,reset=0.01,slow=0.05,garbage=0.01`` gives each API request those
chances of:

- ``429``: throttled before it is handled (QBO: the XML or JSON throttle fault at random;
  BILL: BDC_1322 in an error array);
- ``500``: a server error before it is handled (QBO ``SystemFault``, BILL BDC_1001);
- ``reset``: handled (a write lands), then the connection drops before the answer is
  complete — the "lost response" a retry must not duplicate;
- ``slow``: answered after ``slow_seconds`` (a client's timeout may fire first);
- ``garbage``: handled, then answered 200 with a truncated body.

Which request gets which fault is a function of the seed, the request (method, path,
query, body) and how many times that same request was seen before, not of timing: the
same run against the same seed meets the same faults, whatever the interleaving.
Sandbox helper paths (``/_sandbox``), BILL login and the QBO token endpoint are never
faulted: they are other hosts with other error shapes in the real world, and signing in
again has tests of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import jsonio
from .bill_errors import BillError
from .qbo_faults import throttle_xml

KINDS = ("429", "500", "reset", "slow", "garbage")


class FaultSpecError(ValueError):
    """A --faults value that cannot be read; the message shows the form."""


@dataclass(frozen=True)
class FaultPlan:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    slow_seconds: float = 3.0

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())

    def __str__(self) -> str:
        return ",".join(f"{k}={self.rates[k]:g}" for k in KINDS if self.rates.get(k))


def parse_faults(text: str | None, *, seed: int = 0, slow_seconds: float = 3.0) -> FaultPlan:
    """``429=0.05,500=0.02,...``; also ``all=0.2`` (spread evenly over every kind)."""
    rates: dict[str, float] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not 0 <= rate <= 1:
            raise FaultSpecError(
                f"{part!r}: write KIND=RATE with a rate from 0 to 1, e.g. "
                "429=0.05,500=0.02,reset=0.01,slow=0.05,garbage=0.01."
            )
        if name == "all":
            for kind in KINDS:
                rates[kind] = rates.get(kind, 0.0) + rate / len(KINDS)
        elif name in KINDS:
            rates[name] = rate
        else:
            raise FaultSpecError(f"{name!r} is not a fault kind; kinds: {', '.join(KINDS)}.")
    if sum(rates.values()) > 1:
        raise FaultSpecError("The fault rates add up to more than 1.")
    return FaultPlan(rates, seed, slow_seconds)


class ConnectionDropped(ConnectionResetError):
    """Raised mid-response: the server drops the connection (uvicorn closes the socket)."""


class FaultInjector:
    """ASGI middleware in front of both stand-ins."""

    def __init__(
        self, app: ASGIApp, plan: FaultPlan, now: Callable[[], datetime] | None = None
    ) -> None:
        self.app = app
        self.plan = plan
        self.now = now or datetime.now
        self.counts: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def fate(self, method: str, path: str, query: bytes, body: bytes) -> tuple[str | None, str]:
        """The fault this request meets (None: none), and the request's key."""
        key = hashlib.sha256(b"\0".join([method.encode(), path.encode(), query, body])).hexdigest()
        with self._lock:
            nth = self._seen[key]
            self._seen[key] += 1
        roll = random.Random(f"{self.plan.seed}:{key}:{nth}").random()
        edge = 0.0
        for kind in KINDS:
            edge += self.plan.rates.get(kind, 0.0)
            if roll < edge:
                with self._lock:
                    self.counts[kind] += 1
                return kind, key
        return None, key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self.plan.active
            or path.startswith("/_sandbox")
            or path.endswith("/login")
            or "/oauth2/" in path
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        fate, key = self.fate(scope["method"], path, scope.get("query_string", b""), body)
        replay = _replaying(body)
        service = "qbo" if path.startswith("/qbo") else "bill"
        if fate == "429":
            await _answer(send, *self._throttled(service, xml=int(key[:2], 16) % 2 == 0))
        elif fate == "500":
            await _answer(send, *self._server_error(service))
        elif fate == "slow":
            await self.app(scope, replay, _Delayed(send, self.plan.slow_seconds))
        elif fate in ("reset", "garbage"):
            await self.app(scope, replay, _Mangled(send, fate))
        else:
            await self.app(scope, replay, send)

    def _throttled(self, service: str, *, xml: bool) -> tuple[int, str, bytes]:
        stamp = self.now().astimezone().isoformat(timespec="milliseconds")
        if service == "qbo":
            if xml:  # the real gateway answers either way; a connector must read both
                return 429, "application/xml", throttle_xml(stamp)
            body = {
                "fault": {
                    "error": [
                        {
                            "message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                            "detail": "The request limit was reached.  Try again later",
                            "code": "3001",
                        }
                    ],
                    "type": "SERVICE",
                }
            }
            return 429, "application/json", jsonio.dumps(body)
        err = BillError(
            429, "BDC_1322", "Max number of concurrent requests per organization reached."
        )
        return 429, "application/json", jsonio.dumps(err.body(self.now()))

    def _server_error(self, service: str) -> tuple[int, str, bytes]:
        if service == "qbo":
            body = {
                "Fault": {
                    "Error": [
                        {
                            "Message": "An application error has occurred while processing "
                            "your request",
                            "Detail": "System Failure Error: An unexpected error occurred",
                            "code": "10000",
                        }
                    ],
                    "type": "SystemFault",
                },
                "time": self.now().astimezone().isoformat(timespec="milliseconds"),
            }
            return 500, "application/json", jsonio.dumps(body)
        err = BillError(500, "BDC_1001", "System error. Please try again later.")
        return 500, "application/json", jsonio.dumps(err.body(self.now()))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no more: like a client waiting for the answer
        raise AssertionError("unreachable")  # pragma: no cover

    return receive


async def _answer(send: Send, status: int, media_type: str, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Delayed:
    """Lets the app do its work, then holds the answer back: a client whose timeout fires
    first does not know that a write landed."""

    def __init__(self, send: Send, seconds: float) -> None:
        self.send = send
        self.seconds = seconds

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(self.seconds)
        await self.send(message)


class _Mangled:
    """Lets the app answer, then breaks the answer: cut short (reset) or garbled."""

    def __init__(self, send: Send, how: str) -> None:
        self.send = send
        self.how = how
        self.status = 200
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        whole = self.body
        cut = whole[: max(1, len(whole) // 2)]
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        if self.how == "garbage":
            await self.send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*headers, (b"content-length", str(len(cut)).encode())],
                }
            )
            await self.send({"type": "http.response.body", "body": cut})
            return
        # reset: promise the whole body, send half, drop the connection.
        await self.send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [*headers, (b"content-length", str(len(whole)).encode())],
            }
        )
        await self.send({"type": "http.response.body", "body": cut, "more_body": True})
        raise ConnectionDropped("fault injection: connection reset mid-answer")
