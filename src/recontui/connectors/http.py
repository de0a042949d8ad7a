"""The one HTTP layer both connectors share.

Everything that is about the wire rather than about an API lives here, so it is
written (and fixed) once: timeouts, retries with backoff, ``Retry-After``, the
per-company rate governor (requests in flight and per window), JSON that keeps
money exact, and logging that can never leak a secret. The connectors decide
*whether* a request may be retried (:class:`Retry`); this module decides *how*.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import email.utils
import enum
import json
import os
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import tenacity

from .base import EventSink, UnreachableError
from .ledger import RateLedger, rate_dir

#: Header, form and JSON keys whose values are never logged (compared lower-case).
SECRET_KEYS = frozenset(
    {
        "authorization",
        "sessionid",
        "session_id",
        "devkey",
        "dev_key",
        "password",
        "refresh_token",
        "access_token",
        "id_token",
        "client_secret",
        "client_id",
        "token",
    }
)
REDACTED = "***"

#: Statuses that mean "not now" rather than "no": retried with backoff.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Where ``request(decode=...)`` keeps the decoded body of an answer.
DECODED = "recontui.decoded"

#: One attempt: 10 s to connect, 30 s between bytes of the answer (so a second attempt
#: still fits in the deadline).
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: One logical request, all its attempts and backoff sleeps included, gives up after this
#: many seconds (side setting ``request_deadline_seconds``). Waits for a turn in the rate
#: governors and sleeps a server asked for (``Retry-After``) are not counted: the server
#: answered, it is not frozen.
DEFAULT_DEADLINE = 60.0
#: An attempt is not started with less than this many seconds of the deadline left.
MIN_ATTEMPT_SECONDS = 1.0
#: Set to a number above 1, every back-off sleep is that many times shorter: the same
#: retries in the same order, without sleeping out real seconds. For the test suite and
#: the `recontui` processes it starts (tests/conftest.py ``fast_backoff``); unset, the
#: documented back-off applies.
BACKOFF_SHRINK_ENV = "RECONTUI_BACKOFF_SHRINK"


def loop_time() -> float:
    """The running event loop's clock, else ``time.monotonic`` (what asyncio's own loops
    read). Pacing reads this, so it follows a loop whose time is simulated
    (``sandbox/simulated.py``) exactly as it follows the wall clock."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


def backoff_shrink() -> float:
    """``RECONTUI_BACKOFF_SHRINK`` as a divisor of the back-off (1 when unset or bad)."""
    try:
        shrink = float(os.environ.get(BACKOFF_SHRINK_ENV, ""))
    except ValueError:
        return 1.0
    return shrink if 1.0 <= shrink < float("inf") else 1.0


class Retry(enum.Enum):
    """When a request may be sent again.

    ``ALWAYS``: reads, and writes the server de-duplicates (QBO ``requestid``).
    ``UNSENT_ONLY``: writes without an idempotency key (BILL creates): only
    retried when the server certainly did not act on them (the connection
    never opened, or the server said 429); any other failure raises
    :class:`UnreachableError` with ``outcome_unknown=True``.
    """

    ALWAYS = "always"
    UNSENT_ONLY = "unsent_only"


# ---------------------------------------------------------------------------
# JSON: Decimal in, Decimal out


def dumps_json(value: Any) -> bytes:
    """Serialise ``value`` as JSON, writing Decimal as a plain JSON number.

    The stdlib encoder (and httpx's ``json=``) cannot write Decimal and floats
    would lose cents, so bodies are built here and sent with ``content=``.
    Dates become ``YYYY-MM-DD`` strings.
    """
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send a non-finite number: {value}")
        text = format(value, "f")
        return text if text not in ("-0", "-0.00") else text.lstrip("-")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not sent: convert money to Decimal first")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise TypeError(f"cannot send a value of type {type(value).__name__} as JSON")


#: msgspec hands each fractional literal's own text to ``float_hook`` (so ``12.30`` is
#: ``Decimal("12.30")``), several times faster than the standard library's decoder.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def loads_json(content: bytes | str) -> Any:
    """Parse JSON with every fractional number as Decimal (never float).

    Raises ValueError on a malformed or truncated body. What msgspec refuses (malformed,
    but also what the standard library reads: a byte order mark, ``NaN``, a lone surrogate
    escape) is read by ``json.loads(parse_float=Decimal)``, so the answer, or the error, is
    always the standard library's (tests/connectors/test_connector_json_exact.py).
    """
    try:
        return _DECODER.decode(content)
    except ValueError:  # msgspec.DecodeError
        return json.loads(content, parse_float=Decimal)


# ---------------------------------------------------------------------------
# Redaction


def redact(value: Any) -> Any:
    """A copy of ``value`` with the values of secret-looking keys replaced."""
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SECRET_KEYS else redact(v)) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def safe_query(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query parameters fit for a log line: secret-named ones masked."""
    if not params:
        return {}
    return {
        str(k): (REDACTED if str(k).lower() in SECRET_KEYS else str(v)) for k, v in params.items()
    }


def support_id(response: httpx.Response | None, headers: Sequence[str]) -> str:
    """``"intuit_tid 1-abc"``: the first of ``headers`` (request ids a vendor's support asks
    for) that ``response`` carries, named; "" when none (or no response)."""
    if response is None:
        return ""
    for name in headers:
        value = response.headers.get(name)
        if value:
            return f"{name} {value}"
    return ""


def with_support_id(message: str, support: str) -> str:
    """``message`` with ``support`` (:func:`support_id`) in brackets before its full stop:
    "... sync again (intuit_tid 1-abc).". Unchanged when ``support`` is "" or already in."""
    if not support or support in message:
        return message
    body = message[:-1] if message.endswith(".") else message
    return f"{body} ({support})."


def tag_error(exc: Exception, support: str) -> Exception:
    """``exc`` itself, its sentence (``args[0]``) carrying ``support``; type and attributes
    (``retryable``, ``outcome_unknown``, a rejection's code) unchanged."""
    if support and exc.args and isinstance(exc.args[0], str):
        exc.args = (with_support_id(exc.args[0], support), *exc.args[1:])
    return exc


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


# ---------------------------------------------------------------------------
# Rate governor


class RateGovernor:
    """Paces the requests to one company so the server never has to say 429.

    Two limits, either of which may be None (no limit): at most ``max_in_flight``
    requests at once, and at most ``budget`` requests started in any ``window``
    seconds (QBO: 500 per 60 s per realm; BILL: 20,000 per 3,600 s per dev key).

    A request counts against the window from the moment it starts until ``window``
    seconds after it *finishes*. The server stamps a request somewhere between those
    two moments, so however the network delays it, no ``window`` of the server's clock
    can hold more than ``budget`` of them. Waiting requests are served first come,
    first served; waits are asyncio waits (never blocking the event loop) and a waiting
    request that is cancelled leaves the queue cleanly. One governor may be shared by
    clients running on different event loops (threads): its state sits behind a lock
    and wake-ups go through each waiter's own loop.

    With a ``ledger`` (:class:`~.ledger.RateLedger`) the same limits hold for the
    company across every process of the machine: a request the governor lets go also
    takes its slot in the ledger, or waits (polling) while other processes hold them.
    """

    def __init__(
        self,
        *,
        max_in_flight: int | None = None,
        budget: int | None = None,
        window: float = 60.0,
        clock: Callable[[], float] = loop_time,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        ledger: RateLedger | None = None,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be 1 or more (or None)")
        if budget is not None and budget < 1:
            raise ValueError("budget must be 1 or more (or None)")
        if window <= 0:
            raise ValueError("window must be longer than 0 seconds")
        self.max_in_flight = max_in_flight
        self.budget = budget
        self.window = float(window)
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self.ledger = ledger
        self._lock = threading.Lock()
        self._in_flight = 0
        #: When each finished request stops counting against the window (ascending).
        self._expiries: collections.deque[float] = collections.deque()
        self._queue: collections.deque[_Waiter] = collections.deque()
        self._paused_until = 0.0
        #: Requests let through, how many of them had to wait, the most in flight at once.
        self.started = 0
        self.waited = 0
        self.peak_in_flight = 0

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def pending(self) -> int:
        """Requests waiting for their turn."""
        with self._lock:
            return len(self._queue)

    def _free_in(self, now: float) -> float | None:
        """0 when a request may start now; else seconds until one may (None: until a
        running request finishes). Called with the lock held."""
        if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
            return None
        pause = self._paused_until - now
        if self.budget is None:
            return max(0.0, pause)
        expiries = self._expiries
        while expiries and expiries[0] <= now:
            expiries.popleft()
        over = self._in_flight + len(expiries) - self.budget
        if over < 0:
            return max(0.0, pause)
        if over >= len(expiries):
            return None  # the budget is held by requests still running
        return max(expiries[over] - now, pause, 0.0)

    def _take_shared(self) -> float:
        """0 when the machine-wide ledger (if any) gave this request its slot; else the
        seconds to wait before asking it again (lock held)."""
        if self.ledger is None:
            return 0.0
        return self.ledger.try_take(
            max_in_flight=self.max_in_flight, budget=self.budget, window=self.window
        )

    @property
    def problem(self) -> str | None:
        """Why the budget is not shared with the machine's other processes (None: it is,
        or there is no ledger)."""
        return None if self.ledger is None else self.ledger.problem

    def _wake_head(self) -> None:
        """Tell the first waiter to look again (lock held)."""
        while self._queue:
            head = self._queue[0]
            if head.loop.is_closed():
                self._queue.popleft()  # its task can never run again
                continue
            head.wake()
            return

    async def acquire(self) -> float:
        """Wait for a turn; answer the seconds waited. Pair with :meth:`release`."""
        loop = asyncio.get_running_loop()
        started = self._clock()
        waiter = _Waiter(loop)
        with self._lock:
            if not self._queue and self._free_in(started) == 0 and self._take_shared() == 0:
                self._take()
                return 0.0
            self._queue.append(waiter)
        try:
            while True:
                with self._lock:
                    delay = None
                    if self._queue[0] is waiter:
                        now = self._clock()
                        delay = self._free_in(now)
                        if delay == 0:
                            delay = self._take_shared()
                        if delay == 0:
                            self._queue.popleft()
                            self._take()
                            self.waited += 1
                            self._wake_head()
                            return max(0.0, now - started)
                    woken = waiter.arm()
                if delay is None:
                    await woken
                else:
                    await self._first(woken, delay)
        except BaseException:
            with self._lock:
                was_head = bool(self._queue) and self._queue[0] is waiter
                with contextlib.suppress(ValueError):
                    self._queue.remove(waiter)
                if was_head:
                    self._wake_head()
            raise

    async def _first(self, woken: asyncio.Future[None], delay: float) -> None:
        """Until ``woken`` is set or ``delay`` seconds pass, whichever comes first."""
        timer = asyncio.ensure_future(self._sleep(delay))
        try:
            await asyncio.wait((woken, timer), return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()

    def _take(self) -> None:
        self._in_flight += 1
        self.started += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def release(self) -> None:
        """A request let through by :meth:`acquire` has finished (whatever its outcome)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if self.budget is not None:
                self._expiries.append(self._clock() + self.window)
            if self.ledger is not None:
                self.ledger.give_back(self.window)
            self._wake_head()

    def pause(self, seconds: float) -> bool:
        """Start nothing for ``seconds`` (a server's throttle applies to all its requests);
        True when no pause was in force before (a new one starts, worth saying)."""
        if seconds <= 0:
            return False
        with self._lock:
            now = self._clock()
            fresh = self._paused_until <= now
            self._paused_until = max(self._paused_until, now + seconds)
            if self.ledger is not None:
                self.ledger.pause(seconds, self.window)
            return fresh

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[float]:
        """``async with governor.slot() as waited:`` around one request."""
        waited = await self.acquire()
        try:
            yield waited
        finally:
            self.release()

    def describe(self) -> str:
        parts = []
        if self.max_in_flight is not None:
            parts.append(f"{self.max_in_flight} at once")
        if self.budget is not None:
            parts.append(f"{self.budget:,} per {self.window:g} s")
        return ", ".join(parts) or "no limit"


class _Waiter:
    """One request waiting in a governor's queue, woken through its own event loop."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] | None = None

    def arm(self) -> asyncio.Future[None]:
        """A fresh future to wait on (called with the governor's lock held)."""
        self.future = self.loop.create_future()
        return self.future

    def wake(self) -> None:
        future = self.future
        if future is None or future.done():
            return
        try:
            self.loop.call_soon_threadsafe(_set_done, future)
        except RuntimeError:  # the loop closed under us: its task is gone too
            pass


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_GOVERNORS_LOCK = threading.Lock()
_GOVERNORS: dict[tuple[Any, ...], RateGovernor] = {}
_SCOPED_GOVERNORS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], RateGovernor]] = (
    weakref.WeakKeyDictionary()
)


def shared_governor(
    key: tuple[str, ...],
    *,
    max_in_flight: int | None,
    budget: int | None,
    window: float,
    scope: object | None = None,
) -> RateGovernor:
    """The process's governor for ``key`` (system, server, company) and these limits.

    Every client for the same company shares one, so two connectors to one realm
    cannot together exceed its limits; and every process of the machine shares the
    company's :class:`~.ledger.RateLedger` (unless ``RECONTUI_RATE_DIR=off``), so a cron
    sync and the console cannot either. ``scope`` (a test's in-process transport: each
    stands for a server of its own, which no other process can reach) keeps governors
    apart that would otherwise share a key, without a ledger; it is held weakly.
    """
    full = (*key, max_in_flight, budget, float(window))
    with _GOVERNORS_LOCK:
        table = _GOVERNORS
        if scope is not None:
            try:
                table = _SCOPED_GOVERNORS.setdefault(scope, {})
            except TypeError:  # not weakly referable: a governor of its own
                return RateGovernor(max_in_flight=max_in_flight, budget=budget, window=window)
        governor = table.get(full)
        if governor is None:
            directory = rate_dir() if scope is None else None
            governor = table[full] = RateGovernor(
                max_in_flight=max_in_flight,
                budget=budget,
                window=window,
                ledger=None if directory is None else RateLedger(directory, key),
            )
        return governor


# ---------------------------------------------------------------------------
# The client


#: Transport failures after which the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


#: At most one "pacing" event per this many seconds; the waits between are counted in it.
WAIT_EVENT_SECONDS = 10.0


class HttpClient:
    """An ``httpx.AsyncClient`` with the retry, rate and logging policy.

    One instance per connector. Every attempt takes a turn from each of its
    ``governors`` (:class:`RateGovernor`, usually shared per company: QBO allows 10
    in flight and 500 per minute per realm, BILL 3 in flight per organisation and
    20,000 per hour per dev key); without any, a private one caps it at
    ``max_concurrency`` in flight. A turn is held only while one attempt is on the
    wire, never while sleeping or while the connector re-authenticates, so a
    re-login can never deadlock.
    """

    def __init__(
        self,
        *,
        label: str,
        transport: httpx.AsyncBaseTransport | None = None,
        on_event: EventSink | None = None,
        max_concurrency: int = 4,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        log_headers: tuple[str, ...] = (),
        governors: Sequence[RateGovernor] | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        throttle_wait: float | None = None,
    ) -> None:
        self.label = label
        #: Seconds to wait after a 429 that names no ``Retry-After``, as the vendor documents
        #: (QBO: 60); None: the exponential back-off. Like ``Retry-After``, not counted
        #: against the deadline, and every request of the company waits it out.
        self.throttle_wait = throttle_wait
        self._client = httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False
        )
        self.timeout = timeout
        #: Seconds one logical request may take (see :data:`DEFAULT_DEADLINE`); None: none.
        self.deadline = deadline
        self._on_event = on_event
        #: Taken in this order by every attempt (the same order everywhere: no deadlock).
        self.governors: tuple[RateGovernor, ...] = tuple(
            governors or (RateGovernor(max_in_flight=max(1, max_concurrency)),)
        )
        self._waits = 0
        self._waited = 0.0
        self._said_unshared = False
        self._last_wait_event: float | None = None
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self._sleep = sleep or asyncio.sleep
        self._log_headers = log_headers

    async def aclose(self) -> None:
        self._report_waits(flush=True)
        await self._client.aclose()

    async def _turn(self, first: Sequence[RateGovernor] = ()) -> float:
        """Take a turn from ``first`` (one request's own governors), then from every
        governor of the client; answer the seconds waited in all."""
        waited = 0.0
        taken: list[RateGovernor] = []
        try:
            for governor in (*first, *self.governors):
                waited += await governor.acquire()
                taken.append(governor)
        except BaseException:
            for governor in reversed(taken):
                governor.release()
            raise
        if waited > 0:
            self._waits += 1
            self._waited += waited
            self._report_waits()
        if not self._said_unshared:
            self._say_unshared()
        return waited

    def _say_unshared(self) -> None:
        """Once per client: the company's budget could not be shared with the machine's
        other processes (the governors then pace this process alone)."""
        problem = next((g.problem for g in self.governors if g.problem), None)
        if problem is None:
            return
        self._said_unshared = True
        self.emit(
            "warning",
            f"{self.label}: the rate limits cannot be shared with other recontui processes "
            f"on this machine ({problem}); this one keeps to them alone, so do not run two "
            "syncs of this company at once",
            {"rate_ledger": problem},
        )

    def _end_turn(self, first: Sequence[RateGovernor] = ()) -> None:
        for governor in reversed((*first, *self.governors)):
            governor.release()

    def _report_waits(self, *, flush: bool = False) -> None:
        """One debug event for the waits since the last one, at most every
        ``WAIT_EVENT_SECONDS`` (the first wait is reported at once)."""
        if not self._waits:
            return
        now = time.monotonic()
        last = self._last_wait_event
        if not flush and last is not None and now - last < WAIT_EVENT_SECONDS:
            return
        limits = "; ".join(g.describe() for g in self.governors)
        self.emit(
            "debug",
            f"{self.label}: {self._waits} request(s) waited {self._waited:.1f} s in all "
            f"to stay within its rate limits ({limits})",
            {"rate_waits": self._waits, "waited_ms": round(self._waited * 1000)},
        )
        self._waits, self._waited, self._last_wait_event = 0, 0.0, now

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def emit(self, level: str, message: str, data: Mapping[str, Any] | None = None) -> None:
        """Report to the event sink; a failing sink never breaks a sync."""
        if self._on_event is None:
            return
        try:
            self._on_event(level, message, redact(dict(data or {})))
        except Exception:  # the sink is someone else's code; logging must not fail a sync
            pass

    async def _send(
        self,
        method: str,
        url: str,
        left: float | None,
        **kw: Any,
    ) -> httpx.Response:
        """One attempt on the wire, its timeouts capped by the ``left`` seconds of the
        request's deadline; past it (a server that trickles bytes) it is a ReadTimeout."""
        if left is None:
            return await self._client.request(method, url, **kw)
        t = self.timeout
        capped = httpx.Timeout(
            connect=min(t.connect or left, left),
            read=min(t.read or left, left),
            write=min(t.write or left, left),
            pool=min(t.pool or left, left),
        )
        try:
            async with asyncio.timeout(left + 1.0):
                return await self._client.request(method, url, timeout=capped, **kw)
        except TimeoutError:
            raise httpx.ReadTimeout(f"no answer within {left:.1f} s") from None

    def told_wait(self, response: httpx.Response | None) -> float | None:
        """The wait the server asked for (``Retry-After``), or its documentation asks for
        after a 429 (``throttle_wait``); None: back off as usual."""
        if response is None:
            return None
        hinted = retry_after_seconds(response.headers.get("retry-after"))
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        if response.status_code == 429 and self.throttle_wait:
            return self.throttle_wait
        return None

    def _say_waiting(self, seconds: float, data: Mapping[str, Any]) -> None:
        """The info line of the live log when a throttle starts: how long, and until when
        (UTC; the front ends show event times in local time)."""
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        until = until.replace(microsecond=0) + dt.timedelta(seconds=1 if until.microsecond else 0)
        stamp = until.isoformat().replace("+00:00", "Z")
        shown = f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"
        self.emit(
            "info",
            f"{self.label} is throttling requests to this company: waiting {shown} s, until "
            f"{stamp}, before sending more",
            {**data, "wait_seconds": round(seconds, 3), "until": stamp},
        )

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        told = self.told_wait(response)
        if told is not None:
            return told / backoff_shrink()
        base = self.base_delay
        if response is not None and response.status_code == 429:
            base *= 4  # rate windows (QBO: 500 per minute) need more patience than blips
        ceiling = min(self.max_delay, base * (2 ** (attempt - 1)))
        return (ceiling / 2 + random.uniform(0, ceiling / 2)) / backoff_shrink()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        retry: Retry = Retry.ALWAYS,
        retry_if: Callable[[httpx.Response], bool] | None = None,
        final_if: Callable[[httpx.Response], bool] | None = None,
        decode: Callable[[bytes], Any] | None = None,
        governors: Sequence[RateGovernor] = (),
    ) -> httpx.Response:
        """Send one logical request, retrying when that is safe.

        Returns the final response whatever its status, except that a
        connection failure, or a retryable status that persists through every
        attempt, raises :class:`UnreachableError`. ``retry_if`` lets a
        connector mark more responses as "not processed, try again" (BILL's
        concurrency limit arrives as an error body); ``final_if`` marks
        responses not worth retrying now although their status says so
        (BILL's hourly limit is a 429 that lasts until the next hour).

        With ``decode``, a successful answer's body is decoded here and kept in
        ``response.extensions[DECODED]``; a body that does not decode (cut short on the
        way) is treated like a connection that broke after the request was sent.

        ``governors`` pace this request besides the client's own (a budget of its own
        kind: QuickBooks' batches); every attempt takes a turn from each of them first.
        """
        call = _Call(
            self,
            method,
            url,
            params=params,
            headers=headers,
            content=content,
            retry=retry,
            retry_if=retry_if,
            final_if=final_if,
            decode=decode,
            governors=governors,
        )
        return await call.run()


class _Call:
    """One logical request of an :class:`HttpClient`: its attempts, the deadline they
    share, and what the caller is told when they run out (``HttpClient.request``)."""

    def __init__(
        self,
        client: HttpClient,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        retry: Retry,
        retry_if: Callable[[httpx.Response], bool] | None,
        final_if: Callable[[httpx.Response], bool] | None,
        decode: Callable[[bytes], Any] | None,
        governors: Sequence[RateGovernor] = (),
    ) -> None:
        self.client = client
        self.governors = tuple(governors)
        self.label = client.label
        self.method, self.url = method, url
        self.params, self.headers, self.content = params, headers, content
        self.retry, self.retry_if, self.final_if, self.decode = retry, retry_if, final_if, decode
        self.path = httpx.URL(url).path
        self.endpoint = f"{method} {self.path}"
        # Whether any attempt may have reached the server and been acted on: the caller
        # (the runner) then looks the record up before sending a create again.
        self.maybe_applied = False
        self.tries = 0
        # Seconds counted against the deadline: time on the wire and backoff sleeps.
        self.counted = 0.0
        self.out_of_time = False
        self.deadline = client.deadline
        self.started = 0.0  # when the current attempt went on the wire

    async def run(self) -> httpx.Response:
        retrying = tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception_type(_TryAgain),
            stop=self.stop,
            wait=self.wait,
            sleep=self.client._sleep,
            before_sleep=self.before_sleep,
            retry_error_callback=self.give_up,
        )
        response: httpx.Response = await retrying(self.attempt)
        return response

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.counted

    def no_answer(self, kind: str) -> str:
        if kind.endswith("Timeout"):
            waited = max(1, round(self.counted))
            return f"{self.label} did not answer {self.endpoint} within {waited} s ({kind})"
        return f"The connection to {self.label} broke during {self.endpoint} ({kind})"

    def _ms(self) -> int:
        return round((loop_time() - self.started) * 1000)

    # -- one attempt ----------------------------------------------------------------------

    async def attempt(self) -> httpx.Response:
        """One try. Returns a final answer, raises :class:`_TryAgain` for one worth
        repeating, or :class:`UnreachableError` when repeating is not safe."""
        self.tries += 1
        number = self.tries
        self.started = loop_time()
        try:
            response = await self._exchange()
        except httpx.TransportError as exc:
            raise self._broken(exc, number) from exc
        data = self._log_answer(response, number)
        if self.decode is not None and response.status_code < 400 and response.content:
            self._decode(response, data)
        return self._judge(response, data)

    async def _exchange(self) -> httpx.Response:
        """Wait for the governors' turn, then send; only the wire time counts."""
        client = self.client
        await client._turn(self.governors)
        self.started = loop_time()  # the wire time, not the wait for a turn
        try:
            return await client._send(
                self.method,
                self.url,
                self.left(),
                params=self.params,
                headers=self.headers,
                content=self.content,
            )
        finally:
            self.counted += loop_time() - self.started
            client._end_turn(self.governors)

    def _broken(self, exc: httpx.TransportError, number: int) -> Exception:
        """What a connection that failed becomes: a try again, or, for a write that may
        have landed and must not be repeated, an outcome the caller has to look up."""
        kind = type(exc).__name__
        sent_maybe = not isinstance(exc, _NOT_SENT)
        self.maybe_applied = self.maybe_applied or sent_maybe
        self.client.emit(
            "warning",
            f"{self.label} {self.endpoint} failed: {kind}",
            {
                "method": self.method,
                "path": self.path,
                "error": kind,
                "attempt": number,
                "duration_ms": self._ms(),
            },
        )
        if self.retry is Retry.UNSENT_ONLY and sent_maybe:
            return UnreachableError(
                f"{self.no_answer(kind)}, so it is not known whether the change was saved: "
                "sync again and recontui will look for the record before sending it "
                "again.",
                outcome_unknown=True,
            )
        return _TryAgain(
            None,
            lambda tries: UnreachableError(
                f"Could not reach {self.label} ({self.endpoint}: {kind}) after {tries} "
                "attempts: check the network connection and the profile's API address, "
                "then sync again.",
                outcome_unknown=self.maybe_applied,
            ),
        )

    def _log_answer(self, response: httpx.Response, number: int) -> dict[str, Any]:
        """The debug line of an answer (redacted by ``emit``); its data for later lines."""
        data: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "query": safe_query(self.params),
            "status": response.status_code,
            "duration_ms": self._ms(),
            "attempt": number,
        }
        for name in self.client._log_headers:
            if name in response.headers:
                data[name] = response.headers[name]
        tid = f" tid={data['intuit_tid']}" if "intuit_tid" in data else ""
        self.client.emit(
            "debug",
            f"{self.label} {self.endpoint} -> {response.status_code} in "
            f"{data['duration_ms']} ms{tid}",
            data,
        )
        return data

    def _decode(self, response: httpx.Response, data: Mapping[str, Any]) -> None:
        """Decode a successful answer's body into ``extensions[DECODED]``; a body that does
        not decode (cut short on the way) is like a connection broken after sending."""
        assert self.decode is not None
        try:
            response.extensions[DECODED] = self.decode(response.content)
        except ValueError:
            self.maybe_applied = True
            self.client.emit(
                "warning",
                f"{self.label} {self.endpoint} sent an unreadable answer (cut short?)",
                {**data, "error": "unreadable"},
            )
            if self.retry is Retry.UNSENT_ONLY:
                raise UnreachableError(
                    f"{self.label}'s answer to {self.endpoint} arrived unreadable, so it is "
                    "not known whether the change was saved: sync again and recontui "
                    "will look for the record before sending it again.",
                    outcome_unknown=True,
                ) from None
            # Out of attempts, the connector names what it could not read.
            raise _TryAgain(None, lambda tries: response) from None

    def _judge(self, response: httpx.Response, data: Mapping[str, Any]) -> httpx.Response:
        """The answer if it is final; else try again, or stop where repeating is unsafe."""
        status = response.status_code
        retry_if, final_if = self.retry_if, self.final_if
        wants_retry = status in RETRY_STATUSES or (retry_if is not None and retry_if(response))
        if not wants_retry or (final_if is not None and final_if(response)):
            return response
        not_processed = status == 429 or (retry_if is not None and retry_if(response))
        self.maybe_applied = self.maybe_applied or not not_processed
        support = support_id(response, self.client._log_headers)
        if self.retry is Retry.UNSENT_ONLY and not not_processed:
            raise UnreachableError(
                with_support_id(
                    f"{self.label} answered {status} to {self.endpoint}, so it is not known "
                    "whether the change was saved: sync again and recontui will look for the "
                    "record before sending it again.",
                    support,
                ),
                outcome_unknown=True,
            )
        busy = "is throttling requests" if status == 429 else f"kept answering {status}"
        raise _TryAgain(
            response,
            lambda tries: UnreachableError(
                with_support_id(
                    f"{self.label} {busy} ({self.endpoint}) after {tries} attempts: wait a "
                    "few minutes and sync again.",
                    support,
                ),
                outcome_unknown=self.maybe_applied,
            ),
            data,
        )

    # -- between attempts (tenacity's hooks) ----------------------------------------------

    def wait(self, state: tenacity.RetryCallState) -> float:
        again = _try_again(state)
        return self.client._delay(state.attempt_number, again.response)

    def asked_to_wait(self, again: _TryAgain) -> bool:
        """The server (``Retry-After``) or its documentation (a 429) said how long to wait:
        the server answered, it is not frozen, so the wait is not counted."""
        return self.client.told_wait(again.response) is not None

    def stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.client.max_attempts:
            return True
        remaining = self.left()
        if remaining is None:
            return False
        cost = 0.0 if self.asked_to_wait(_try_again(state)) else state.upcoming_sleep
        self.out_of_time = remaining - cost < MIN_ATTEMPT_SECONDS
        return self.out_of_time

    async def before_sleep(self, state: tenacity.RetryCallState) -> None:
        again = _try_again(state)
        if not self.asked_to_wait(again):
            self.counted += state.upcoming_sleep
        response = again.response
        if response is None:
            return  # a broken connection or an unreadable answer: already said
        delay = state.upcoming_sleep
        if response.status_code == 429 and self.client.told_wait(response) and delay > 0:
            # The company is throttled: every request of it waits, in this process and in
            # the others sharing its budget; the live log says so once per throttle.
            fresh = [governor.pause(delay) for governor in self.client.governors]
            if any(fresh):
                self.client._say_waiting(delay, again.data)
        self.client.emit(
            "warning",
            f"{self.label} {self.endpoint} answered {response.status_code}; "
            f"retrying in {delay:.1f} s",
            {**again.data, "retry_in": round(delay, 3)},
        )

    def give_up(self, state: tenacity.RetryCallState) -> httpx.Response:
        again = _try_again(state)
        cause = state.outcome.exception() if state.outcome else None
        if self.out_of_time and again.response is None and self.deadline is not None:
            raise UnreachableError(
                f"{self.label} did not answer within {self.deadline:g} s ({self.endpoint}, "
                f"{state.attempt_number} attempt(s)): check {self.label}'s service "
                "status, or sync again later; the next run carries on from here.",
                outcome_unknown=self.maybe_applied,
            ) from cause
        result = again.give_up(state.attempt_number)
        if isinstance(result, BaseException):
            raise result from cause
        return result


class _TryAgain(Exception):
    """An attempt worth repeating: ``response`` (None for a broken connection or an
    unreadable answer, which wait the plain backoff), and what to do once attempts run
    out: ``give_up(attempts)`` is the error to raise or the response to return."""

    def __init__(
        self,
        response: httpx.Response | None,
        give_up: Callable[[int], UnreachableError | httpx.Response],
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__("try again")
        self.response = response
        self.give_up = give_up
        self.data = dict(data or {})


def _try_again(state: tenacity.RetryCallState) -> _TryAgain:
    exc = state.outcome.exception() if state.outcome is not None else None
    assert isinstance(exc, _TryAgain)
    return exc
