"""Step 9: the plan of the first sync (a dry run: both systems read, nothing written),
by entity and by record name; then, confirmed, the first sync with its live log. On a
profile already set up (its settings revisited) the same for its next sync."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Label, RichLog, Static

from ...events import Event
from ...model import ORDER
from ...present import Names, plural_label
from ...run import RunResult, summary_lines
from ...setup import Step
from ...setup.first_sync import (
    NOT_RUN,
    change_detail,
    first_sync,
    plan_words,
    start_first_sync,
)
from ..threads import thread_store
from .base import StepScreen


class ConfirmStart(ModalScreen[bool]):
    """The last question before anything is written."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, sync", id="setup.yes"),
        Binding("n", "answer(False)", "No", id="setup.no"),
        Binding("escape", "answer(False)", "No", show=False, id="setup.no_escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            yield Label("y start it · n not now")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SyncStep(StepScreen):
    STEP = Step.SYNC
    # The rail gives way: the plan's record names and the live log need the width (the
    # header says which step this is; the footer has Back).
    DEFAULT_CSS = """
    SyncStep #rail { display: none; }
    SyncStep #counts { height: auto; max-height: 8; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start the sync", priority=True, id="setup.start"),
        Binding("enter", "console", "Open the console", show=False, id="setup.console"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: list[dict[str, Any]] | None = None
        self.started = False
        self.finished: RunResult | None = None

    def form(self) -> Iterator[Widget]:
        yield Static(Text("Reading both systems for the plan (nothing is written)…"), id="counts")
        table: DataTable[Any] = DataTable(id="plan", cursor_type="row", zebra_stripes=True)
        table.add_columns("records", "record", "change")
        yield table
        yield RichLog(id="log", wrap=True, markup=False, min_width=1)

    def on_mount(self) -> None:
        super().on_mount()
        self.say("Making the plan: a dry run reads both systems and writes nothing.")
        self.sync(dry_run=True)

    def listener(self, event: Event) -> None:
        if event.level == "debug":
            return
        line = Text("⚠ " if event.level in ("warning", "error") else "", style="bold")
        line.append(event.message)
        self.app.call_from_thread(self.query_one("#log", RichLog).write, line)

    @work(thread=True, exclusive=True, group="setup-run", exit_on_error=False)
    def sync(self, *, dry_run: bool) -> None:
        setup = self.setup
        profile = setup.profile
        assert profile is not None and setup.secrets is not None
        with thread_store(setup.store) as store:
            if dry_run:
                run = first_sync(
                    store, profile, setup.secrets, dry_run=True, listener=self.listener
                )
            else:
                run = start_first_sync(
                    store, profile, setup.secrets, actor=setup.actor, listener=self.listener
                )
            result = asyncio.run(run)
        self.app.call_from_thread(self.show_plan if dry_run else self.show_result, result)

    @property
    def which(self) -> str:
        """The sync this step starts, as its sentences name it."""
        return "the next sync" if self.setup.revisit else "the first sync"

    def show_plan(self, result: RunResult) -> None:
        words = plan_words(result)
        if result.status != "dry-run":
            self.say(words[0], error=True)
            return
        self.plan = result.plan
        names = Names(self.setup.store)
        table = self.query_one("#plan", DataTable)

        def order(item: dict[str, Any]) -> tuple[int, str]:
            entity = item["entity"]
            return (ORDER.index(entity) if entity in ORDER else len(ORDER), entity)

        for item in sorted(self.plan, key=lambda i: (*order(i), names.link_name(i["link"]))):
            name = Text(names.link_name(item["link"]))
            table.add_row(plural_label(item["entity"]), name, change_detail(item))
        if self.setup.revisit:
            words[0] = words[0].replace("The first sync", "The next sync")
        self.query_one("#counts", Static).update(Text("\n".join(words)))
        self.say(
            f"This is what {self.which} would do. ctrl+s starts it (after one more question); "
            "esc goes back; ctrl+q leaves and keeps your place."
        )

    def action_start(self) -> None:
        if self.plan is None or self.started:
            return
        writes = sum(1 for i in self.plan if i["op"] not in ("conflict", "decision", "not_sent"))
        question = (
            f"Start {self.which}? It writes {writes} changes to the two systems, as planned, "
            "and puts every difference it cannot settle in the conflict queue for you."
        )
        self.app.push_screen(ConfirmStart(question), self.confirmed)

    def confirmed(self, yes: bool | None) -> None:
        if not yes:
            self.say("Not started. ctrl+s when you are ready.")
            return
        self.started = True
        self.query_one("#log", RichLog).clear()
        self.say(f"{self.which.capitalize()} is running: its log is below.")
        self.sync(dry_run=False)

    def show_result(self, result: RunResult) -> None:
        log = self.query_one("#log", RichLog)
        for line in summary_lines(result, conflicts_note=False):
            log.write(Text(line))
        if result.status in NOT_RUN:
            self.started = False
            self.say(
                f"{self.which.capitalize()} did not run ({result.message or result.status}). "
                "Once it is fixed, ctrl+s starts it again; ctrl+q leaves and keeps your place.",
                error=True,
            )
            return
        self.finished = result
        self.say(
            f"{self.which.capitalize()} finished: {result.status} (exit {result.exit_code}). "
            "Enter opens the console (2: the conflict queue)."
        )

    def action_console(self) -> None:
        if self.finished is not None:
            self.setup.exit("console")

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_console()

    async def finish(self) -> str | None:
        if self.finished is None:
            return f"Start {self.which} with ctrl+s (or leave with ctrl+q and come back)."
        self.setup.exit("console")
        return "Opening the console."
