"""Runs, newest first; Enter shows one run's events from the run log."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, RichLog, Static

from ..messages import EventsLoaded, RunsLoaded
from ..text import plain
from .run import LOG_LINES, event_line

RUNS = 100


class RunsTable(DataTable):
    """The table with Enter named in the footer. Enter stays the table's own key, so it
    is handled after any cursor keys typed before it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Show log", id="history.open"),
    ]


class HistoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "reload", "Refresh", id="history.refresh"),
        Binding("escape", "app.switch_mode('home')", "Home", id="history.home"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield RunsTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("run", "started", "status", "exit", "pulled", "pushed", "conflicts")
        self.run_ids: list[int] = []

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="history")
    def load(self) -> None:
        app: Any = self.app
        self.post_message(RunsLoaded(app.store.runs(app.profile.id, limit=RUNS)))

    @on(RunsLoaded)
    def show(self, message: RunsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.run_ids = [r["id"] for r in message.runs]
        for r in message.runs:
            c = r.get("counts") or {}
            table.add_row(
                str(r["id"]),
                r["started_at"][:19].replace("T", " "),
                plain(r["status"]),
                str(r.get("exit_code", "")),
                str(c.get("pulled", "")),
                str(c.get("pushed", "")),
                str(c.get("open_conflicts", "")),
                key=str(r["id"]),
            )
        self.query_one("#history-status", Static).update(
            f"{len(self.run_ids)} most recent runs. Enter shows a run's log."
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the table. Handled as the table's own event, after any cursor keys
        typed before it, so "down down enter" opens the row the cursor reached."""
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.run_ids and 0 <= table.cursor_row < len(self.run_ids):
            self.app.push_screen(RunLogScreen(self.run_ids[table.cursor_row]))


class RunLogScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="runlog.back"),
    ]

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Run {self.run_id}: its events", style="bold"), classes="title")
        yield RichLog(id="events-log", max_lines=LOG_LINES, markup=False, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="runlog")
    def load(self) -> None:
        app: Any = self.app
        after = 0
        while True:
            page = app.store.events(self.run_id, after_id=after, limit=500)
            if not page:
                break
            self.post_message(EventsLoaded(page))
            after = page[-1]["id"]
            if len(page) < 500:
                break

    @on(EventsLoaded)
    def show(self, message: EventsLoaded) -> None:
        log = self.query_one(RichLog)
        for e in message.events:
            log.write(event_line(e["level"], e["phase"], e["message"]))
