"""Messages posted by thread workers; handlers on the UI thread own every state change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from ..events import Event
from ..runner import RunResult


@dataclass
class ConflictsPage(Message):
    """One keyset page of the conflict queue (summaries from `present.conflict_summary`)."""

    rows: list[dict[str, Any]]
    last_id: int
    exhausted: bool
    reset: bool
    #: Which load this page belongs to: pages of an older filter are dropped.
    generation: int = 0
    #: The filter stopped at its cap of rows examined; more may match further on.
    capped: bool = False


@dataclass
class RunEventPosted(Message):
    event: Event


@dataclass
class RunFinished(Message):
    result: RunResult | None
    error: str | None = None


@dataclass
class RunsLoaded(Message):
    runs: list[dict[str, Any]]


@dataclass
class EventsLoaded(Message):
    events: list[dict[str, Any]]


@dataclass
class HomeLoaded(Message):
    last_run: dict[str, Any] | None
    counts: dict[str, dict[str, int]]


@dataclass
class ConflictLoaded(Message):
    conflict: Any
    detail: dict[str, Any] | None
