"""The conflict queue, read from SQLite a keyset page at a time (never the whole queue).

Typing in the filter (`/`) reads further keyset batches and keeps the rows whose entity,
record name or field names contain the text, examining at most `FILTER_CAP` rows per load.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from ...present import Names, conflict_summary
from ...store import Conflict
from ..messages import ConflictsPage
from ..text import plain, status_text

PAGE = 50
#: Rows the filter examines per load (one keystroke, or one press of m) before it stops.
FILTER_CAP = 5000


def cheap_match(conflict: Conflict, needle: str) -> bool:
    """The filter on what the row itself holds: entity, kind and field names."""
    return (
        needle in conflict.entity.lower()
        or needle in conflict.kind.lower()
        or any(needle in name.lower() for name in conflict.fields)
    )


class QueueTable(DataTable):
    """The table with Enter named in the footer. Enter stays the table's own key, so it
    is handled after any cursor keys typed before it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Resolve", id="conflicts.open"),
    ]


class ConflictsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "reload", "Refresh", id="conflicts.refresh"),
        Binding("m", "more", "More", id="conflicts.more"),
        Binding("slash", "filter", "Filter", key_display="/", id="conflicts.filter"),
        Binding("escape", "leave", "Home", id="conflicts.home"),
    ]
    AUTO_FOCUS = "#queue"

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []
        self.last_id = 0
        self.exhausted = False
        self.loading = False
        #: Conflicts saved on the Resolve screen, re-read when we come back.
        self.touched: set[int] = set()
        self.seen_runs = 0
        #: Lower-case filter text ("" shows every conflict); a new load bumps the generation.
        self.needle = ""
        self.generation = 0
        self.capped = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield QueueTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Input(
            placeholder="/ filter: entity, record or field", compact=True, id="queue-filter"
        )
        yield Static(id="queue-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Widths that fit 80 columns; long names end in an ellipsis.
        table.add_column("#", key="id", width=4)
        table.add_column("entity", key="entity", width=9)
        table.add_column("record", key="record", width=24)
        table.add_column("fields in conflict", key="fields", width=19)
        table.add_column("status", key="status", width=9)
        self.action_reload()

    def on_screen_resume(self) -> None:
        app: Any = self.app
        if app.runs_finished != self.seen_runs:  # a run may have pushed or opened some
            self.seen_runs = app.runs_finished
            self.touched.clear()
            self.action_reload()
        elif self.touched:
            touched, self.touched = sorted(self.touched), set()
            self.refresh_rows(touched)

    def action_reload(self) -> None:
        self.query_one(DataTable).clear()
        self.ids, self.last_id, self.exhausted = [], 0, False
        self.generation += 1
        self.load_page(reset=True)

    def action_filter(self) -> None:
        self.query_one("#queue-filter", Input).focus()

    def filtering(self) -> bool:
        return self.focused is self.query_one("#queue-filter", Input)

    def action_leave(self) -> None:
        if self.filtering():
            self.query_one(DataTable).focus()
        else:
            self.app.switch_mode("home")

    @on(Input.Changed, "#queue-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        needle = event.value.strip().lower()
        if needle != self.needle:
            self.needle = needle
            self.action_reload()

    def action_more(self) -> None:
        if not self.exhausted and not self.loading:
            self.load_page(reset=False)

    def load_page(self, reset: bool) -> None:
        self.loading = True
        self.query_one("#queue-status", Static).update("Loading…")
        self._load(self.last_id, reset, self.needle, self.generation)

    @work(thread=True, exclusive=True, group="queue")
    def _load(self, after_id: int, reset: bool, needle: str, generation: int) -> None:
        """Up to PAGE rows after `after_id` that match `needle`, read in keyset batches."""
        app: Any = self.app
        store, profile = app.store, app.profile
        names = Names(store)
        worker = get_current_worker()
        rows: list[dict[str, Any]] = []
        last, examined, exhausted, capped = after_id, 0, False, False
        while len(rows) < PAGE:
            if worker.is_cancelled:  # a newer filter took over
                return
            batch = store.conflicts(profile.id, after_id=last, limit=PAGE)
            for conflict in batch:
                last, examined = conflict.id, examined + 1
                if (
                    not needle
                    or cheap_match(conflict, needle)
                    or needle in names.link_name(conflict.link_id).lower()
                ):
                    rows.append(conflict_summary(store, profile, conflict, names))
                    if len(rows) >= PAGE:
                        break
            if len(batch) < PAGE and (not batch or last == batch[-1].id):
                exhausted = True
                break
            if len(rows) < PAGE and examined >= FILTER_CAP:
                capped = True
                break
        self.post_message(ConflictsPage(rows, last, exhausted, reset, generation, capped))

    @work(thread=True, group="queue-refresh")
    def refresh_rows(self, ids: list[int]) -> None:
        app: Any = self.app
        store, profile = app.store, app.profile
        names = Names(store)
        rows = []
        for cid in ids:
            conflict = store.conflict(cid, profile.id)
            if conflict is not None:
                rows.append(conflict_summary(store, profile, conflict, names))
        self.post_message(ConflictsPage(rows, -1, self.exhausted, False))

    @on(ConflictsPage)
    def show_page(self, message: ConflictsPage) -> None:
        table = self.query_one(DataTable)
        if message.last_id == -1:  # a refresh of rows already shown
            for row in message.rows:
                key = str(row["id"])
                if key in table.rows:
                    table.update_cell(key, "status", status_text(row["status"], short=True))
            self._show_status()
            return
        if message.generation != self.generation:  # a page for an older filter
            return
        for row in message.rows:
            if row["id"] in self.ids:
                continue
            self.ids.append(row["id"])
            fields = ", ".join(row["fields"]) if row["kind"] == "field" else row["kind"]
            table.add_row(
                Text(str(row["id"])),
                plain(row["entity"]),
                plain(row["record"]),
                plain(fields),
                status_text(row["status"], short=True),
                key=str(row["id"]),
            )
        self.last_id = max(self.last_id, message.last_id)
        self.exhausted = message.exhausted
        self.capped = message.capped
        self.loading = False
        self._show_status()

    def _show_status(self) -> None:
        if self.capped:
            more = f"; more may match: press m (searched up to #{self.last_id})"
        else:
            more = "" if self.exhausted else "; m or the last row loads more"
        shown = f"{len(self.ids)} conflicts shown"
        if self.needle:
            shown = f"{len(self.ids)} matching conflicts shown"
        self.query_one("#queue-status", Static).update(
            Text(f"{shown}{more}. Enter resolves the one under the cursor.")
        )

    @on(DataTable.RowHighlighted)
    def near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.ids) - 1:
            self.action_more()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the table. Handled as the table's own event, after any cursor keys
        typed before it, so "down down enter" opens the row the cursor reached."""
        event.stop()
        self.action_open()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter goes back to the rows."""
        event.stop()
        self.query_one(DataTable).focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.filtering():  # Enter in the filter: back to the rows it left
            table.focus()
            return
        if not self.ids or table.cursor_row < 0:
            return
        from .resolve import ResolveScreen

        cid = self.ids[table.cursor_row]
        self.app.push_screen(ResolveScreen(cid, self))

    def neighbour(self, conflict_id: int, step: int) -> int | None:
        """The loaded conflict before/after this one (None at either end)."""
        try:
            i = self.ids.index(conflict_id) + step
        except ValueError:
            return None
        if 0 <= i < len(self.ids):
            self.query_one(DataTable).move_cursor(row=i)
            return self.ids[i]
        return None
