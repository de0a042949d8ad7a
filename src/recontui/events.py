"""The run log: every event of a run goes to SQLite, where any reader can follow it.

A headless run and a console on the same database see the same stream, because
both read the ``events`` table. A listener (the CLI's ``--verbose``, the
console's worker) can also get each event as it is written.

Progress (how far each phase, and each entity of it, has got) goes to a
callback as it happens; a :class:`ProgressBoard` keeps the latest of each as a
compact snapshot that the runner also stores on the run row, so another
process can follow a run it did not start.
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


@dataclass(frozen=True)
class Progress:
    """How far a phase (or one entity of it, on one side) has got; ``total`` None: unknown."""

    phase: str
    done: int
    total: int | None = None
    entity: str | None = None
    side: str | None = None


ProgressListener = Callable[[Progress], None]


class ProgressBoard:
    """The latest progress per (phase, side, entity), in the order last reported.

    ``snapshot()`` is JSON: ``{"phase": current phase, "rows": [[phase, side, entity,
    done, total], ...]}`` with the most recently reported row last.
    """

    def __init__(self) -> None:
        self.phase: str | None = None
        self._rows: dict[tuple[str, str | None, str | None], list[Any]] = {}

    def update(self, item: Progress) -> None:
        key = (item.phase, item.side, item.entity)
        self._rows.pop(key, None)
        self._rows[key] = [item.phase, item.side, item.entity, item.done, item.total]
        self.phase = item.phase

    def snapshot(self) -> dict[str, Any]:
        return {"phase": self.phase, "rows": [list(row) for row in self._rows.values()]}


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
