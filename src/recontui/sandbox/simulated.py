"""Simulated time: the stand-ins at the services' real pace, on a clock that jumps.

A first sync of a million records against the real services takes hours, nearly all of
it waiting: on the network, and on the documented limits (QuickBooks Online's 500
requests a minute, BILL's 20,000 an hour). Three pieces measure that time without
spending it:

- :class:`VirtualTimeLoop`, an asyncio event loop whose clock stands still while code
  runs and, when every task waits, jumps straight to the next timer. ``asyncio.sleep``,
  ``asyncio.timeout`` and everything that reads ``loop.time()`` follow it; CPU time is
  not counted at all. Only the loop's own thread is simulated: work handed to another
  thread (``asyncio.to_thread``) runs in real time while the clock may jump past it.
- :func:`virtual_clock`, a ``datetime`` source for :class:`~.sandbox.Sandbox` (its
  ``clock=``) that reads the loop's time, so the stand-ins' rate windows, tokens and
  sessions live on the same simulated clock.
- :class:`RoundTrip`, ASGI middleware that makes every request cost a network round
  trip on that clock: half of it before the stand-in sees the request, half after it
  answered (the stand-ins' ``latency_seconds`` is the service's own time, spent while the
  request holds its concurrency slot). It counts the requests by system, kind, status and
  a caller's tag (the run's phase, say), so a bench can tell how many 429s the limits cost.

Served this way (``httpx.ASGITransport`` over the middleware, no socket), a client and
both stand-ins share one loop and one clock: the loop's time at the end is how long the
work would have taken against services that answer in the round trip given, at the
documented limits the stand-ins enforce.
"""

from __future__ import annotations

import asyncio
import random
import selectors
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Where the simulated clock starts when nobody says (the loop's time 0).
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class _JumpingSelector(selectors.DefaultSelector):
    """The loop's selector: asked to wait ``timeout`` seconds for I/O while none is ready,
    it moves the loop's clock on by ``timeout`` instead of waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.jump: Callable[[float], None] = lambda seconds: None

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        ready: list[tuple[Any, int]] = super().select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        if timeout is None:  # no timer at all: only another thread can wake the loop
            blocked: list[tuple[Any, int]] = super().select(None)
            return blocked
        self.jump(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on simulated time (see the module's docstring).

    ``asyncio.Runner(loop_factory=VirtualTimeLoop)`` or ``loop.run_until_complete``.
    """

    def __init__(self, start: float = 0.0) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        self._now = float(start)
        selector.jump = self._jump

    def time(self) -> float:
        return self._now

    def _jump(self, seconds: float) -> None:
        self._now += seconds


def virtual_clock(
    loop: asyncio.AbstractEventLoop, epoch: datetime = EPOCH
) -> Callable[[], datetime]:
    """A ``Sandbox(clock=...)`` source: ``epoch`` plus the loop's time."""
    return lambda: epoch + timedelta(seconds=loop.time())


def request_kind(method: str, path: str) -> tuple[str, str]:
    """(system, kind) of a request to the stand-ins, from its method and path alone:
    QuickBooks ``query``, ``cdc``, ``batch``, ``write`` (a POST to an entity), ``read``
    (a GET of one record), ``auth`` (tokens), ``info``; BILL ``login``, ``list``, ``read``,
    ``create`` (a POST to a list), ``bulk`` (a bulk create), ``update`` (PATCH), ``action``
    (archive, restore, void, record a payment), ``session``."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["qbo"]:
        if "oauth2" in parts:
            return "qbo", "auth"
        rest = parts[4:] if parts[1:3] == ["v3", "company"] else parts[1:]
        if rest[:1] in (["query"], ["cdc"], ["batch"]):
            return "qbo", rest[0]
        if rest[:1] in (["companyinfo"], ["preferences"]):
            return "qbo", "info"
        return "qbo", "write" if method == "POST" else "read"
    if parts[:1] == ["bill"]:
        rest = parts[3:] if parts[1:3] == ["connect", "v3"] else parts[1:]
        if rest[:1] in (["login"], ["logout"], ["organizations"]):
            return "bill", "login" if rest == ["login"] else "session"
        if method == "PATCH":
            return "bill", "update"
        resource = rest[:2] if rest[:1] == ["classifications"] else rest[:1]
        tail = rest[len(resource) :]
        if method == "GET":
            return "bill", "read" if tail else "list"
        if tail == ["bulk"]:
            return "bill", "bulk"
        return "bill", "create" if not tail else "action"
    return "other", "other"


class RoundTrip:
    """ASGI middleware: each HTTP request costs ``network`` seconds of the loop's clock
    (``jitter``: each leg drawn from ±that share of it, seeded), and is counted.

    ``counts[(system, kind, status, tag)]`` holds every request answered, ``tag`` being
    what ``tag()`` said when it arrived (``""`` without one)."""

    def __init__(
        self,
        app: ASGIApp,
        network: float,
        *,
        jitter: float = 0.0,
        seed: int = 0,
        tag: Callable[[], str] | None = None,
    ) -> None:
        if network < 0 or not 0 <= jitter < 1:
            raise ValueError("network must be 0 s or more and jitter from 0 up to 1")
        self.app = app
        self.network = network
        self.jitter = jitter
        self._dice = random.Random(seed)
        self.tag = tag or (lambda: "")
        self.counts: Counter[tuple[str, str, int, str]] = Counter()

    def _leg(self) -> float:
        half = self.network / 2
        if not self.jitter:
            return half
        return half * (1 + self._dice.uniform(-self.jitter, self.jitter))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        system, kind = request_kind(scope["method"], scope["path"])
        tag = self.tag()
        await asyncio.sleep(self._leg())
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        status = next((int(m["status"]) for m in held if m["type"] == "http.response.start"), 0)
        self.counts[(system, kind, status, tag)] += 1
        await asyncio.sleep(self._leg())
        for message in held:
            await send(message)

    def total(
        self,
        *,
        system: str | None = None,
        kind: str | None = None,
        status: int | None = None,
        tag: str | None = None,
    ) -> int:
        """Requests answered that match every criterion given."""
        return sum(
            n
            for (s, k, code, t), n in self.counts.items()
            if (system is None or s == system)
            and (kind is None or k == kind)
            and (status is None or code == status)
            and (tag is None or t == tag)
        )
