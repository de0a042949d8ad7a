"""The run log: every event of a run goes to SQLite, where any reader can follow it.

A headless run and a console on the same database see the same stream, because
both read the ``events`` table. A listener (the CLI's ``--verbose``, the
console's worker) can also get each event as it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .store import Store

LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class Event:
    run_id: int
    level: str
    phase: str
    message: str
    entity: str | None = None
    record: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventLog:
    """Writes a run's events; debug events are kept only when asked for."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        *,
        listener: Listener | None = None,
        keep_debug: bool = False,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.listener = listener
        self.keep_debug = keep_debug
        self._buffer: list[Event] | None = None
        self.counts: dict[str, int] = {level: 0 for level in LEVELS}

    def emit(
        self,
        level: str,
        phase: str,
        message: str,
        *,
        entity: str | None = None,
        record: str | None = None,
        **data: Any,
    ) -> None:
        event = Event(self.run_id, level, phase, message, entity, record, data)
        self.counts[level] = self.counts.get(level, 0) + 1
        if self.listener is not None:
            self.listener(event)
        if level == "debug" and not self.keep_debug:
            return
        if self._buffer is not None:
            self._buffer.append(event)
            return
        self._write(event)

    def _write(self, event: Event) -> None:
        self.store.add_event(
            event.run_id,
            event.level,
            event.phase,
            event.message,
            entity=event.entity,
            record=event.record,
            data=dict(event.data) or None,
        )

    def hold(self) -> None:
        """Buffer events (while a transaction that may be rolled back is open)."""
        self._buffer = []

    def flush(self) -> None:
        buffered, self._buffer = self._buffer or [], None
        for event in buffered:
            self._write(event)

    def connector_sink(self, side_label: str) -> Callable[[str, str, Mapping[str, Any]], None]:
        """An ``EventSink`` for a connector: its HTTP log lines become events."""

        def sink(level: str, message: str, data: Mapping[str, Any]) -> None:
            self.emit(level, "http", f"{side_label}: {message}", **dict(data))

        return sink
