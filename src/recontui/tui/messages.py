"""Messages posted by thread workers; handlers on the UI thread own every state change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from ..events import Event
from ..model.states import Choice
from ..run import RunResult


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
    #: (sort key, id) of the last row examined: the next page starts after it.
    after: tuple[Any, int] | None = None
    #: Rows the load examined, and the queue's length (None: `QueueCounted` brings it).
    examined: int = 0
    total: int | None = None
    #: On a reset: the marked conflicts that left the queue (pushed or settled since).
    gone_marks: set[int] | None = None


@dataclass
class QueueCounted(Message):
    """The queue's length, counted in SQL once a reset's first page was posted (the count
    reads every live conflict: the rows do not wait for it)."""

    total: int
    generation: int


@dataclass
class BulkResolved(Message):
    """A / B on the queue is done: the conflicts resolved and those skipped, by reason."""

    side: str
    resolved: list[int]
    #: Match conflicts (a person links, keeps both or ignores them one at a time).
    skipped_match: list[int]
    #: No longer open or resolved (pushed or superseded meanwhile), or gone.
    skipped_gone: list[int]
    error: str | None = None
    #: Already resolved: a choice made one by one is not overwritten in bulk.
    skipped_resolved: list[int] = field(default_factory=list)


@dataclass
class DecisionsPage(Message):
    """Rule decisions for the Auto-resolved screen (`present.rule_decision_rows`)."""

    rows: list[dict[str, Any]]
    exhausted: bool
    reset: bool
    #: Which load this page belongs to: pages of an earlier load are dropped.
    generation: int = 0
    #: Fresh copies of rows already shown (after an override), not a new page.
    refresh: bool = False


@dataclass
class RunFinished(Message):
    result: RunResult | None
    error: str | None = None


@dataclass
class RunBatch(Message):
    """The events and progress of a console run since the last batch (about every 100 ms)."""

    events: list[Event]
    #: A `ProgressBoard.snapshot()`, or None when progress did not move.
    progress: dict[str, Any] | None = None


@dataclass
class RunRefused(Message):
    """A run started elsewhere holds the profile, so the console did not start one."""

    other: dict[str, Any]


@dataclass
class FollowUpdate(Message):
    """A poll of a run started elsewhere: new events (rows of the events table), its run row."""

    #: None: no run started elsewhere is in progress (or the look failed).
    run: dict[str, Any] | None
    events: list[dict[str, Any]]
    #: True on the first poll of this run: the screen starts following it.
    first: bool = False
    #: The run ended (finished, or its process is gone).
    ended: bool = False


@dataclass
class OtherRunFound(Message):
    """At start-up: a run started elsewhere is in progress on this profile."""

    other: dict[str, Any]


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
    schedule: str = "off"
    due: dt.datetime | None = None
    #: The last `recontui verify` result (``Store.last_verification``), if any.
    last_check: dict[str, Any] | None = None


@dataclass
class SystemsChecked(Message):
    """side -> (answered, what to show)."""

    reach: dict[str, tuple[bool, str]]


@dataclass
class ConflictLoaded(Message):
    conflict: Any
    detail: dict[str, Any] | None


@dataclass
class SameFieldCounted(Message):
    """How many other open conflicts of the entity have this field (Resolve, apply to all)."""

    field: str
    choice: Choice
    count: int


@dataclass
class SameFieldChosen(Message):
    """Apply to all is done: conflict id -> its status now (or the sentence saying why not)."""

    field: str
    statuses: Mapping[int, str]
    error: str | None = None


@dataclass
class RecordsPage(Message):
    """A keyset page of records to choose from (the reference chooser), by name."""

    rows: list[dict[str, Any]]
    reset: bool
    exhausted: bool
    generation: int


@dataclass
class StateLoaded(Message):
    """`present.sync_state`: the profile's companies and pull cursors."""

    state: dict[str, Any]
