"""Per-key timing of the running console, for `bench/console.py`; off unless asked for.

With ``RECONTUI_KEY_TIMING=<file>`` in its environment the console appends a line to
that file for each key it receives and for each screen update it draws:

    key <t> <cpu> <key>
    paint <t> <cpu> <busy>

``t`` is ``time.perf_counter()`` (CLOCK_MONOTONIC on Linux: the same clock in every
process), ``cpu`` the process's CPU time (``time.process_time()``, every thread: a worker
reading SQLite counts), both in seconds; ``busy`` is 1 while the screen still waits for
rows it asked for (the queue's ``fetching``: a filter or a page being read) or, on a
screen without such a flag, while a thread worker runs. A key's cost is read from its
line to the paints that follow it: its result is shown by the first paint after the
last busy one, and the CPU is what the process spent in between. The hook is the App's
``on_event`` and Textual's ``post_display_hook`` (called once a screen update has been
written to the terminal), so the same figures come from a real terminal and from
``App.run_test``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TextIO

ENV = "RECONTUI_KEY_TIMING"


class KeyTiming:
    """Appends key and paint lines to a file (one write per line, nothing kept in memory)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeyTiming | None:
        """The timing the environment asks for: None unless ``RECONTUI_KEY_TIMING`` names a
        file this process may append to."""
        path = (os.environ if env is None else env).get(ENV, "")
        if not path:
            return None
        try:
            return cls(open(path, "a", buffering=1, encoding="utf-8"))
        except OSError:
            return None

    def key(self, key: str) -> None:
        if not self.out.closed:
            self.out.write(f"key {time.perf_counter():.6f} {time.process_time():.6f} {key}\n")

    def paint(self, busy: bool) -> None:
        if not self.out.closed:
            now, cpu = time.perf_counter(), time.process_time()
            self.out.write(f"paint {now:.6f} {cpu:.6f} {int(busy)}\n")

    def close(self) -> None:
        self.out.close()
