"""Virtual time for the rate governor and the retry loop: minutes pass in milliseconds."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any


class FakeClock:
    """Virtual time: ``sleep`` registers a timer, ``run`` advances to the next one
    whenever every task is blocked, so a test of minutes takes milliseconds."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, delay), next(self._seq), future))
        await future

    async def run(self, tasks: list[asyncio.Task[Any]]) -> None:
        while True:
            for _ in range(50):  # let every woken task run until it blocks again
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                return
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)  # cancelled sleeps
            if not self._timers:
                raise AssertionError("deadlock: tasks wait but no timer is pending")
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            future.set_result(None)
