"""Throttles shared by both stand-ins: in-flight caps and sliding-window budgets.

Both reject instead of queueing, because the real services answer 429 at once and the
connector's backoff is what is under test. Each counts what it let through and what it
turned away (``granted`` / ``rejected``), so tests and benchmarks can read the 429s.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime


class ConcurrencyLimiter:
    """At most ``limit`` requests in flight per key (None or 0 = unlimited)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit or None
        self._in_flight: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self.granted = 0
        self.rejected = 0
        #: The most requests seen in flight at once for any key.
        self.peak = 0

    def try_acquire(self, key: str) -> bool:
        with self._lock:
            if self.limit is not None and self._in_flight[key] >= self.limit:
                self.rejected += 1
                return False
            self._in_flight[key] += 1
            self.granted += 1
            self.peak = max(self.peak, self._in_flight[key])
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight[key] - 1)

    def in_flight(self, key: str) -> int:
        with self._lock:
            return self._in_flight[key]

    @contextmanager
    def hold(self, key: str, slots: int) -> Iterator[None]:
        """Occupy slots as if requests were running (tests provoke the limit with this)."""
        with self._lock:
            self._in_flight[key] += slots
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[key] = max(0, self._in_flight[key] - slots)


class WindowBudget:
    """At most ``limit`` requests per key in any ``window_seconds`` of sandbox time."""

    def __init__(
        self, limit: int | None, window_seconds: float, now: Callable[[], datetime]
    ) -> None:
        self.limit = limit or None
        self.window = window_seconds
        self._now = now
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.granted = 0
        self.rejected = 0

    def try_take(self, key: str) -> bool:
        if self.limit is None:
            with self._lock:
                self.granted += 1
            return True
        stamp = self._now().timestamp()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= stamp - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                self.rejected += 1
                return False
            hits.append(stamp)
            self.granted += 1
            return True
