"""Runs, newest first; Enter shows one run's events from the run log."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, RichLog, Static

from ...present import local_time, sync_state
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..messages import EventsLoaded, RunsLoaded, StateLoaded
from ..text import plain
from .audit import AuditFilter, AuditScreen
from .modals import ConfirmScreen
from .run import LOG_LINES, event_line

RUNS = 100


class RunsTable(DataTable):
    """The table with Enter named in the footer. Enter stays the table's own key, so it
    is handled after any cursor keys typed before it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Show log", id="history.open"),
    ]


class HistoryScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "cursors", "Cursors", id="history.cursors"),
        Binding("a", "audit", "Audit", id="history.audit"),
        Binding("f5", "reload", "Refresh", id="history.refresh"),
        Binding("escape", "app.switch_mode('home')", "Home", id="history.home"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield RunsTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-status")
        yield ConsoleFooter()

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
        self.post_message(RunsLoaded(self.app.store.runs(self.app.profile.id, limit=RUNS)))

    @on(RunsLoaded)
    def show(self, message: RunsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.run_ids = [r["id"] for r in message.runs]
        for r in message.runs:
            c = r.get("counts") or {}
            table.add_row(
                str(r["id"]),
                local_time(r["started_at"]),
                plain(r["status"]),
                str(r.get("exit_code", "")),
                str(c.get("pulled", "")),
                str(c.get("pushed", "")),
                str(c.get("open_conflicts", "")),
                key=str(r["id"]),
            )
        opens, cursors = self.app.key("history.open"), self.app.key("history.cursors")
        audit = self.app.key("history.audit")
        said = (
            f"{len(self.run_ids)} most recent runs (local time). {opens} shows a run's log, "
            f"{audit} what it overwrote; {cursors} shows the companies and pull cursors."
        )
        self.query_one("#history-status", Static).update(Text(said))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the table. Handled as the table's own event, after any cursor keys
        typed before it, so "down down enter" opens the row the cursor reached."""
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.run_ids and 0 <= table.cursor_row < len(self.run_ids):
            self.app.push_screen(RunLogScreen(self.run_ids[table.cursor_row]))

    def action_cursors(self) -> None:
        self.app.push_screen(CursorsScreen())

    def action_audit(self) -> None:
        """The audit trail, of the run under the cursor (the filter line widens it)."""
        table = self.query_one(DataTable)
        run = None
        if self.run_ids and 0 <= table.cursor_row < len(self.run_ids):
            run = self.run_ids[table.cursor_row]
        self.app.push_screen(AuditScreen(AuditFilter(run_id=run)))


class CursorsScreen(Screen[None]):
    """What `recontui state show` prints: each side's company, and its pull cursor per
    entity. `r` makes the next run re-read one entity in full, `R` every entity (links
    and bases are kept)."""

    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reset(False)", "Re-read entity", id="cursors.reset"),
        Binding("R", "reset(True)", "Re-read all", id="cursors.reset_all"),
        Binding("f5", "reload", "Refresh", id="cursors.refresh"),
        Binding("escape", "app.pop_screen", "Back", id="cursors.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="cursors-companies", classes="panel")
        yield DataTable(id="cursors", cursor_type="row", zebra_stripes=True)
        yield Static(id="cursors-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.rows: list[dict[str, Any]] = []
        table = self.query_one(DataTable)
        # Widths that fit 80 columns; a long cursor ends in an ellipsis.
        table.add_column("system", width=12)
        table.add_column("entity", width=13)
        table.add_column("cursor", width=21)
        table.add_column("moved", width=16)
        table.add_column("pulled", width=6)
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="cursors")
    def load(self) -> None:
        store = self.app.store
        profile = store.get_profile(self.app.profile.name)  # company ids move on a first run
        self.post_message(StateLoaded(sync_state(store, profile)))

    @on(StateLoaded)
    def show(self, message: StateLoaded) -> None:
        state = message.state
        companies = Text()
        for company in state["companies"]:
            companies.append(f"{company['system']}: ", "bold")
            if company["company_id"]:
                companies.append_text(plain(f"company {company['company_id']}"))
            else:
                companies.append("not known yet (set on the first run)", "dim")
            companies.append("\n")
        companies.append(
            "A profile belongs to these two companies: a run that meets another one stops "
            "before pulling.",
            "dim",
        )
        self.query_one("#cursors-companies", Static).update(companies)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = state["cursors"]
        for c in self.rows:
            table.add_row(
                plain(c["system"]),
                plain(c["entity"]),
                plain(c["value"] or "—"),
                plain(local_time(c["moved_at"], seconds=False)),
                str(c["pulled"]),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        one, every = self.app.key("cursors.reset"), self.app.key("cursors.reset_all")
        said = (
            "No cursor yet: the first run reads everything."
            if not self.rows
            else f"{one}: the next run re-reads the entity under the cursor in full; "
            f"{every}: all of them."
        )
        self.query_one("#cursors-status", Static).update(Text(said))

    def action_reset(self, everything: bool) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        entity = None if everything else self.rows[table.cursor_row]["entity"]
        what = "every entity" if entity is None else entity
        question = (
            f"Re-read {what} in full on the next run, on both sides? Links, bases and "
            "decisions are kept."
        )

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            n = self.app.store.reset_cursors(self.app.profile.id, entity)
            self.notify(f"Reset {n} cursors: the next run re-reads {what} in full.", markup=False)
            self.action_reload()

        self.app.push_screen(ConfirmScreen(question), answer)


class RunLogScreen(Screen[None]):
    app = getters.app(ConsoleApp)
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
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="runlog")
    def load(self) -> None:
        """The run's last LOG_LINES events (the log keeps no more), oldest first."""
        store = self.app.store
        after = store.events_tail_after(self.run_id, LOG_LINES)
        while True:
            page = store.events(self.run_id, after_id=after, limit=500)
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
            log.write(
                event_line(
                    e["level"], e["phase"], e["message"], entity=e["entity"], record=e["record"]
                )
            )
