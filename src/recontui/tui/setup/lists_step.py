"""Step 4: both systems read into this computer (nothing written to either), then what
each holds, list by list, so the next steps can offer them. A read that failed blocks
Next with its reason; ctrl+r reads again. A read made earlier in this session is shown
again rather than repeated (a fresh start reads again: it is cheap, only changes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ...events import Progress
from ...model import ENTITIES, SIDES, Side
from ...setup import Step
from ...setup.lists import ListsReport, list_title, read_lists
from ...store import StoreError
from ...wiring import system_label
from ..threads import thread_store
from .base import StepScreen

INTRO = (
    "Both systems are read into this computer, so the next steps can offer their lists. "
    "Nothing is written to either system."
)

#: The status line after a failed read (the whole reason is in the step's body: a
#: system's own sentence can be longer than the status line holds).
NOT_READ = "The lists were not read (why is above): once it is fixed, ctrl+r reads again."


@dataclass
class ListReading(Message):
    """The read began one side's list (posted from the worker's thread)."""

    side: Side
    entity: str


@dataclass
class ListsRead(Message):
    """The read ended, well or not."""

    report: ListsReport


class ListsStep(StepScreen):
    STEP = Step.LISTS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "read_again", "Read again", priority=True, id="setup.read_again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ListsReport | None = None
        self.reading = False
        self.now_reading: dict[Side, str] = {}

    def form(self) -> Iterator[Widget]:
        yield Static(Text(INTRO), id="intro")
        # The reason first: with every list in the table below it, it would fall off 80x24.
        yield Static(id="problems", classes="result error")
        yield Static(Text("Reading both systems…"), id="lists")

    def on_mount(self) -> None:
        super().on_mount()
        earlier = self.setup.lists_read
        if earlier is not None and earlier.ok and earlier.companies == self.companies():
            self.show_report(earlier)
            self.say("Read earlier in this session. ctrl+n goes on; ctrl+r reads again.")
            return
        self.start_read()

    def companies(self) -> tuple[str | None, str | None]:
        profile = self.setup.profile
        assert profile is not None  # the first step makes it
        saved = self.setup.store.get_profile(profile.name)
        return saved.a_company_id, saved.b_company_id

    def start_read(self) -> None:
        if self.setup.secrets is None:
            self.say(
                f"No secrets store can be used here ({self.setup.secrets_problem}): "
                "leave (ctrl+q) and set it up, then come back.",
                error=True,
            )
            return
        self.reading = True
        self.now_reading = {}
        self.query_one("#problems", Static).update("")
        self.say("Reading both systems (only reading: nothing is written)…")
        self.read()

    def action_read_again(self) -> None:
        if self.reading:
            self.say("Still reading both systems: wait for this read to end.")
            return
        self.start_read()

    @work(thread=True, exclusive=True, group="setup-lists", exit_on_error=False)
    def read(self) -> None:
        setup = self.setup
        assert setup.profile is not None and setup.secrets is not None
        # The read writes what it pulls on its own connection: one SQLite connection is
        # never shared across threads (an in-memory database has only the one).
        try:
            with thread_store(setup.store) as store:
                report = asyncio.run(
                    read_lists(store, setup.profile, setup.secrets, progress=self.progressed)
                )
        except StoreError as exc:  # the database itself: its message says what to do
            report = ListsReport(labels=self.labels(), counts={}, problems=(str(exc),))
        except Exception as exc:  # a bug: say so rather than wait for ever
            problem = (
                f"The read failed in recontui itself ({type(exc).__name__}: {exc}): report it."
            )
            report = ListsReport(labels=self.labels(), counts={}, problems=(problem,))
        self.post_message(ListsRead(report))

    def labels(self) -> dict[Side, str]:
        profile = self.setup.profile
        assert profile is not None
        return {side: system_label(profile.system(side)) for side in SIDES}

    def progressed(self, item: Progress) -> None:
        """In the read's thread: say which list each side is on (when one begins)."""
        if item.entity and item.side in SIDES and item.done == 0 and item.total is None:
            side: Side = "a" if item.side == "a" else "b"
            self.post_message(ListReading(side, item.entity))

    @on(ListReading)
    def reading_list(self, message: ListReading) -> None:
        self.now_reading[message.side] = message.entity
        labels = self.labels()
        text = Text("Reading…\n")
        for side, entity in self.now_reading.items():
            text.append(f"  {labels[side]}: {list_title(entity).lower()}\n")
        self.query_one("#lists", Static).update(text)

    @on(ListsRead)
    def read_ended(self, message: ListsRead) -> None:
        self.reading = False
        self.setup.lists_read = message.report
        self.show_report(message.report)
        if message.report.ok:
            self.say("Both systems read. ctrl+n goes on; ctrl+r reads again.")
        else:
            self.say(NOT_READ, error=True)

    def show_report(self, report: ListsReport) -> None:
        self.report = report
        self.query_one("#lists", Static).update(counts_table(report))
        problems = self.query_one("#problems", Static)
        problems.update(Text("\n".join(report.problems)))
        # Empty, it would still take a line and its margin: the counts then overflow 80x24.
        problems.display = bool(report.problems)

    async def finish(self) -> str | None:
        if self.reading:
            return "Still reading both systems: Next waits until the read ends."
        if self.report is None:
            return "The lists were not read: ctrl+r reads them."
        if not self.report.ok:
            return NOT_READ
        return None


def counts_table(report: ListsReport) -> Table | Text:
    """Per list, how many records each side holds; "—" where a system keeps no such list,
    "stopped" where the read stopped, "not read" where it never got to."""
    if not report.entities:
        return Text("")
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("list")
    for side in SIDES:
        table.add_column(Text(report.labels[side]), justify="right")
    kinds = ("list", "transaction")
    for kind in kinds:
        for entity in (e for e in report.entities if ENTITIES[e].kind == kind):
            table.add_row(list_title(entity), *(_cell(report, side, entity) for side in SIDES))
        if kind == "list":
            table.add_section()
    if report.ok:
        table.caption = "— : that system keeps no such list"
    return table


def _cell(report: ListsReport, side: Side, entity: str) -> Text:
    count = report.count(side, entity)
    if count is not None:
        return Text(f"{count:,}")
    if (side, entity) in report.unread:
        return Text("stopped", style="red")
    return Text("—" if report.ok else "not read", style="dim")
