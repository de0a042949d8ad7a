"""The one HTTP layer both connectors share.

Everything that is about the wire rather than about an API lives here, so it is
written (and fixed) once: timeouts, retries with backoff, ``Retry-After``, the
per-connector concurrency cap, JSON that keeps money exact, and logging that
can never leak a secret. The connectors decide *whether* a request may be
retried (:class:`Retry`); this module decides *how*.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import enum
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import httpx

from .base import EventSink, UnreachableError

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

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


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


def loads_json(content: bytes | str) -> Any:
    """Parse JSON with every fractional number as Decimal (never float).

    Raises ValueError on a malformed or truncated body.
    """
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
# The client


#: Transport failures after which the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class HttpClient:
    """An ``httpx.AsyncClient`` with the retry, concurrency and logging policy.

    One instance per connector: the semaphore caps how many requests that
    connector has in flight (QBO allows 10 per realm, BILL 3 per org), and is
    held only while one attempt is on the wire, never while sleeping or while
    the connector re-authenticates, so a re-login can never deadlock.
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
    ) -> None:
        self.label = label
        self._client = httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False
        )
        self._on_event = on_event
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self._sleep = sleep or asyncio.sleep
        self._log_headers = log_headers

    async def aclose(self) -> None:
        await self._client.aclose()

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

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            hinted = retry_after_seconds(response.headers.get("retry-after"))
            if hinted is not None:
                return min(hinted, self.max_retry_after)
        base = self.base_delay
        if response is not None and response.status_code == 429:
            base *= 4  # rate windows (QBO: 500 per minute) need more patience than blips
        ceiling = min(self.max_delay, base * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

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
    ) -> httpx.Response:
        """Send one logical request, retrying when that is safe.

        Returns the final response whatever its status, except that a
        connection failure, or a retryable status that persists through every
        attempt, raises :class:`UnreachableError`. ``retry_if`` lets a
        connector mark more responses as "not processed, try again" (BILL's
        concurrency limit arrives as an error body); ``final_if`` marks
        responses not worth retrying now although their status says so
        (BILL's hourly limit is a 429 that lasts until the next hour).
        """
        path = httpx.URL(url).path
        endpoint = f"{method} {path}"
        attempt = 0
        # Whether any attempt may have reached the server and been acted on: the caller
        # (the runner) then looks the record up before sending a create again.
        maybe_applied = False
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                async with self._semaphore:
                    response = await self._client.request(
                        method, url, params=params, headers=headers, content=content
                    )
            except httpx.TransportError as exc:
                elapsed = round((time.monotonic() - started) * 1000)
                kind = type(exc).__name__
                sent_maybe = not isinstance(exc, _NOT_SENT)
                maybe_applied = maybe_applied or sent_maybe
                self.emit(
                    "warning",
                    f"{self.label} {endpoint} failed: {kind}",
                    {
                        "method": method,
                        "path": path,
                        "error": kind,
                        "attempt": attempt,
                        "duration_ms": elapsed,
                    },
                )
                if retry is Retry.UNSENT_ONLY and sent_maybe:
                    raise UnreachableError(
                        f"The connection to {self.label} broke during {endpoint} ({kind}), so "
                        "it is not known whether the change was saved: sync again and recontui "
                        "will look for the record before sending it again.",
                        outcome_unknown=True,
                    ) from exc
                if attempt >= self.max_attempts:
                    raise UnreachableError(
                        f"Could not reach {self.label} ({endpoint}: {kind}) after {attempt} "
                        "attempts: check the network connection and the profile's API address, "
                        "then sync again.",
                        outcome_unknown=maybe_applied,
                    ) from exc
                await self._sleep(self._delay(attempt, None))
                continue

            elapsed = round((time.monotonic() - started) * 1000)
            data: dict[str, Any] = {
                "method": method,
                "path": path,
                "query": safe_query(params),
                "status": response.status_code,
                "duration_ms": elapsed,
                "attempt": attempt,
            }
            for name in self._log_headers:
                if name in response.headers:
                    data[name] = response.headers[name]
            tid = f" tid={data['intuit_tid']}" if "intuit_tid" in data else ""
            self.emit(
                "debug",
                f"{self.label} {endpoint} -> {response.status_code} in {elapsed} ms{tid}",
                data,
            )

            status = response.status_code
            wants_retry = status in RETRY_STATUSES or (retry_if is not None and retry_if(response))
            if not wants_retry or (final_if is not None and final_if(response)):
                return response
            not_processed = status == 429 or (retry_if is not None and retry_if(response))
            maybe_applied = maybe_applied or not not_processed
            if retry is Retry.UNSENT_ONLY and not not_processed:
                raise UnreachableError(
                    f"{self.label} answered {status} to {endpoint}, so it is not known whether "
                    "the change was saved: sync again and recontui will look for the record "
                    "before sending it again.",
                    outcome_unknown=True,
                )
            if attempt >= self.max_attempts:
                busy = "is throttling requests" if status == 429 else f"kept answering {status}"
                raise UnreachableError(
                    f"{self.label} {busy} ({endpoint}) after {attempt} attempts: wait a few "
                    "minutes and sync again.",
                    outcome_unknown=maybe_applied,
                )
            delay = self._delay(attempt, response)
            self.emit(
                "warning",
                f"{self.label} {endpoint} answered {status}; retrying in {delay:.1f} s",
                {**data, "retry_in": round(delay, 3)},
            )
            await self._sleep(delay)
