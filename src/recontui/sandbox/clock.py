"""The sandbox clock and the timestamp formats of the two services.

Expiry (tokens, sessions), rate windows and record timestamps all read this clock, so a
test can jump forward with ``advance`` instead of sleeping.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

#: QBO companies in the stand-in live in US Pacific standard time. A fixed offset (no DST)
#: keeps the data deterministic while still forcing clients to honour offsets.
QBO_TZ = timezone(timedelta(hours=-8))


class SandboxClock:
    """Real (or injected) UTC time plus an offset that only ever grows."""

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        current = self._source()
        if current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        with self._lock:
            return current.astimezone(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)


def qbo_time(dt: datetime) -> str:
    """Response ``time``: milliseconds and a Pacific offset, as QBO sends it."""
    return dt.astimezone(QBO_TZ).isoformat(timespec="milliseconds")


def qbo_meta_time(dt: datetime) -> str:
    """``MetaData`` timestamps: whole seconds with an offset."""
    return dt.astimezone(QBO_TZ).isoformat(timespec="seconds")


def qbo_today(dt: datetime) -> date:
    return dt.astimezone(QBO_TZ).date()


def bill_time(dt: datetime) -> str:
    """BILL v3 ``createdTime``/``updatedTime``: UTC with milliseconds and ``Z``."""
    utc = dt.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def bill_error_time(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_instant(text: str, default_tz: timezone = UTC) -> datetime:
    """Parse ISO 8601 date or date-time into an aware instant.

    Accepts ``Z``, ``+hh:mm`` and ``+hhmm`` offsets; a value without an offset is taken in
    ``default_tz``; a bare date means its midnight. Raises ValueError on anything else.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty timestamp")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    if "T" in value or "t" in value:
        value = _OFFSET_NO_COLON.sub(r"\1:\2", value)
        parsed = datetime.fromisoformat(value)
    else:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"not an ISO date: {text!r}")
        parsed = datetime.combine(date.fromisoformat(value), time(0))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def parse_date(text: object) -> date:
    """A strict ``YYYY-MM-DD`` date (both services reject other shapes)."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)
