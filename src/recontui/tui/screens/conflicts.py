"""The conflict queue, read from SQLite a keyset page at a time (never the whole queue).

Rows come in (sort key, id) order from `Store.conflict_page`: `o` picks the next column
to sort by, `O` reverses the order. Typing in the filter (`/`) reads further batches in
the same order (only the columns it compares, `Store.conflict_keys`) and keeps the rows
whose entity, kind, record name or field names contain the text, examining at most
`FILTER_CAP` rows per load. Space marks a row and `*` all loaded
rows (marks are kept by conflict id across reloads, sorts and filters); `A` / `B` take
every field from one system for the marked conflicts (or the one under the cursor) in
one transaction, and `u` reopens a resolved conflict that has not been pushed yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from ...decisions import all_from
from ...model import Side
from ...model.states import LIVE_STATUSES, Choices, ConflictStatus
from ...present import local_time
from ...store import Conflict, Store, StoreError, cannot_reopen, open_store
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..keymap import relabel
from ..messages import BulkResolved, ConflictsPage, QueueCounted
from ..text import plain, short_label, status_text
from .modals import ConfirmScreen
from .resolve import ResolveOutcome, ResolveScreen

PAGE = 50
#: How long the cursor rests before the status line shows its row in full (seconds).
STATUS_DELAY = 0.08
#: Rows the filter examines per load (one keystroke, or one press of m) before it stops.
FILTER_CAP = 5000
#: Rows read per query while filtering (fewer round trips than a page at a time).
FILTER_BATCH = 500
MARK = "*"
EARLIER = "↺ "
ARROWS = {False: "↑", True: "↓"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Column:
    key: str
    #: Header; "{a}" / "{b}" stand for the systems' short labels.
    header: str
    #: How the status line names the sort ("{a}" / "{b}": the systems' full labels).
    sort_name: str
    #: Fixed content width at 80 columns; 0 for the columns that share what is left.
    width: int
    sortable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("mark", "", "", 1, sortable=False),
    Column("id", "#", "conflict number", 0),  # as wide as the largest id
    Column("entity", "entity", "entity", 8),
    Column("record", "record", "record name", 0),
    Column("fields", "fields", "fields in conflict", 0),
    Column("a_changed", "{a}", "when {a} changed", 6),
    Column("b_changed", "{b}", "when {b} changed", 6),
    Column("status", "status", "status", 8),
    Column("suggestion", "earlier", "earlier choice", 7),
)
SORTS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.sortable)
#: Vertical scrollbar of the table (app.tcss makes it one cell wide).
SCROLLBAR = 1


def column_widths(total: int, id_width: int) -> dict[str, int]:
    """Content widths for a table `total` cells wide: record and fields share the room
    left by the fixed columns (and entity takes a little of it on wide terminals)."""
    widths = {c.key: c.width for c in COLUMNS}
    widths["id"] = id_width
    room = total - SCROLLBAR - 2 * len(COLUMNS) - sum(widths.values())
    room = max(room, 16)
    if room > 40:
        grow = min(5, room - 40)
        widths["entity"] += grow
        room -= grow
    widths["record"] = room * 3 // 5
    widths["fields"] = room - widths["record"]
    return widths


def compact_time(iso: str | None, now: dt.datetime | None = None) -> str:
    """A stored UTC time as local time in at most 6 cells: "14:05" today, "Mar 2"
    within about ten months, the year before that (the status line shows it whole)."""
    if not iso:
        return ""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso[:6]
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone()
    now = (now or dt.datetime.now(dt.UTC)).astimezone()
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if abs((now - when).days) < 300:
        return f"{MONTHS[when.month - 1]} {when.day}"
    return str(when.year)


def earlier_choice(conflict: Conflict) -> str | None:
    """What the remembered earlier choice did: "a", "b", "mixed", or a match decision."""
    suggestion = conflict.suggestion
    if not suggestion:
        return None
    if conflict.kind == "match":
        how = (suggestion.get("$match") or [None])[0]
        return {"link": "link", "create": "both", "ignore": "ignore"}.get(str(how), "match")
    sides = {choice[0] for choice in suggestion.values() if choice}
    if sides in ({"a"}, {"b"}):
        return sides.pop()
    return "mixed"


def queue_row(conflict: Conflict) -> dict[str, Any]:
    """What a queue row shows, as plain data (names are remote text: rendered as Text)."""
    return {
        "id": conflict.id,
        "entity": conflict.entity,
        "kind": conflict.kind,
        "status": conflict.status,
        "record": conflict.title or f"{conflict.entity} #{conflict.link_id}",
        "fields": sorted(conflict.fields),
        #: As the store words them: a refused change is marked ("city (refused)").
        "field_names": conflict.field_names,
        "a_changed_at": conflict.a_changed_at,
        "b_changed_at": conflict.b_changed_at,
        "earlier": earlier_choice(conflict),
    }


def cheap_match(row: Mapping[str, Any], needle: str) -> bool:
    """The filter on a row of `Store.conflict_keys`: entity, kind, record name, field names."""
    return (
        needle in row["entity"].lower()
        or needle in row["kind"].lower()
        or needle in row["title"].lower()
        or any(needle in name.lower() for name in row["field_names"].split(", "))
    )


def take_side(conflict: Conflict, side: Side) -> Choices | None:
    """Choices taking every field (a deletion: the state) from one side, as
    `recontui conflicts resolve --all` does; None for a match conflict."""
    if conflict.kind == "match":
        return None
    return all_from(conflict, side)


@dataclass
class Loaded:
    """What one load of the queue read: its rows, and where the next load starts."""

    rows: list[dict[str, Any]]
    #: (sort key, id) of the last row examined (None: none yet).
    last: tuple[Any, int] | None
    examined: int = 0
    #: Nothing further in this order (and filter).
    exhausted: bool = False
    #: The filter stopped at FILTER_CAP rows examined; more may match further on.
    capped: bool = False


def read_page(
    store: Store, profile_id: int, order: Mapping[str, Any], after: tuple[Any, int] | None
) -> Loaded:
    """The next PAGE rows in `order` after `after` (no filter)."""
    page = store.conflict_page(profile_id, **order, after=after, limit=PAGE)
    last = (page[-1][0], page[-1][1].id) if page else after
    return Loaded([queue_row(c) for _, c in page], last, len(page), len(page) < PAGE)


def read_matching(
    store: Store,
    profile_id: int,
    needle: str,
    order: Mapping[str, Any],
    after: tuple[Any, int] | None,
    cancelled: Callable[[], bool],
) -> Loaded | None:
    """Up to PAGE rows after `after` whose entity, kind, record or fields contain `needle`,
    reading only the columns the filter compares (a matching row is then read whole) and
    stopping after FILTER_CAP rows examined. None once `cancelled()` says so."""
    found = Loaded([], after)
    batch_size = min(FILTER_BATCH, FILTER_CAP)
    while len(found.rows) < PAGE:
        if cancelled():
            return None
        batch = store.conflict_keys(profile_id, **order, after=found.last, limit=batch_size)
        for row in batch:
            found.last, found.examined = (row["sort_key"], row["id"]), found.examined + 1
            if cheap_match(row, needle):
                conflict = store.conflict(row["id"], profile_id)
                if conflict is not None:
                    found.rows.append(queue_row(conflict))
                if len(found.rows) >= PAGE:
                    break
        read_all = not batch or (found.last is not None and found.last[1] == batch[-1]["id"])
        if len(batch) < batch_size and read_all:
            found.exhausted = True
            break
        if len(found.rows) < PAGE and found.examined >= FILTER_CAP:
            found.capped = True
            break
    return found


class QueueTable(DataTable):
    """The table with Enter named in the footer. Enter stays the table's own key, so it
    is handled after any cursor keys typed before it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Resolve", id="conflicts.open"),
    ]


class ConflictsScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", key_display="space", id="conflicts.mark"),
        # Right after Mark in the footer; shown named after the systems ("All BILL").
        Binding("A", "take_all('a')", "All from the billing side", id="conflicts.all_a"),
        Binding("B", "take_all('b')", "All from the accounting side", id="conflicts.all_b"),
        Binding(
            "asterisk",
            "mark_all",
            "Mark all shown",
            key_display="*",
            show=False,
            id="conflicts.mark_all",
        ),
        Binding("o", "sort", "Sort", id="conflicts.sort"),
        Binding("O", "reverse", "Reverse order", show=False, id="conflicts.reverse"),
        Binding("u", "reopen", "Reopen a resolved conflict", show=False, id="conflicts.reopen"),
        # The filter's placeholder names `/`, so the footer leaves room for the rest.
        Binding("slash", "filter", "Filter", key_display="/", show=False, id="conflicts.filter"),
        Binding("m", "more", "More", show=False, id="conflicts.more"),
        Binding("f5", "reload", "Refresh", show=False, id="conflicts.refresh"),
        Binding("escape", "leave", "Home", show=False, id="conflicts.home"),
    ]
    AUTO_FOCUS = "#queue"
    #: The order a new queue opens in: a `SORTS` key, and whether it is reversed.
    DEFAULT_SORT = "id"
    DEFAULT_DESCENDING = False

    #: Lower-case filter text ("" shows every conflict): a change reloads the rows.
    needle: var[str] = var("", init=False)
    #: The column sorted by (a `SORTS` key) and the direction: a change re-sorts.
    sort: var[str] = var(DEFAULT_SORT, init=False)
    descending: var[bool] = var(DEFAULT_DESCENDING, init=False)
    #: The outcome of the last action (bulk, reopen), shown until the cursor moves.
    note: var[Text | None] = var(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        app = self.app
        self.a_short, self.b_short = short_label(app.a_label), short_label(app.b_label)
        #: Binding id -> what the footer, `?` and the palette call it.
        self.key_names = {
            "conflicts.all_a": f"All {self.a_short}",
            "conflicts.all_b": f"All {self.b_short}",
        }
        #: Loaded conflict ids in table order, and what each row shows.
        self.ids: list[int] = []
        self.rows: dict[int, dict[str, Any]] = {}
        #: (sort key, id) of the last row examined, and its id (0 before the first page).
        self.after: tuple[Any, int] | None = None
        self.last_id = 0
        self.exhausted = False
        self.fetching = False
        self.status_timer: Timer | None = None
        #: What the status line shows now (`set_status`).
        self.status_shown: Text | str = ""
        self.seen_runs = 0
        #: A new load (filter, sort, reload) bumps the generation: older pages are dropped.
        self.generation = 0
        self.capped = False
        self.examined = 0
        self.total: int | None = None
        #: Marked conflict id -> its kind; kept across reloads, sorts and filters.
        self.marks: dict[int, str] = {}
        self.widths: dict[str, int] = {}
        #: Wide enough for the largest id loaded, and for "# ↑".
        self.id_width = 3
        # The order a new queue opens in (the class's, which a subclass or a bench may set).
        self.set_reactive(ConflictsScreen.sort, self.DEFAULT_SORT)
        self.set_reactive(ConflictsScreen.descending, self.DEFAULT_DESCENDING)
        #: The order of the rows shown, which the headers' arrow names: a new sort takes
        #: effect on screen with its first page (`replace_rows`).
        self.shown_order: tuple[str, bool] = (self.DEFAULT_SORT, self.DEFAULT_DESCENDING)

    def compose(self) -> ComposeResult:
        yield Header()
        yield QueueTable(id="queue", cursor_type="row", zebra_stripes=True)
        filters = self.app.key("conflicts.filter")
        yield Input(
            placeholder=f"{filters} filter: entity, record or field",
            compact=True,
            id="queue-filter",
        )
        yield Static(id="queue-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.build_columns()
        self.action_reload()

    # -- columns and rows -------------------------------------------------
    def header(self, column: Column) -> Text:
        """The column's name; the sorted one gets the arrow (in front if it is narrow)."""
        label = column.header.format(a=self.a_short, b=self.b_short)
        sort, descending = self.shown_order
        if column.key != sort:
            return Text(label, no_wrap=True, overflow="ellipsis")
        arrow = ARROWS[descending]
        fits = len(label) + 2 <= self.widths.get(column.key, 0)
        shown = f"{label} {arrow}" if fits else f"{arrow}{label}"
        return Text(shown, style="bold", no_wrap=True, overflow="ellipsis")

    def sort_name(self) -> str:
        app = self.app
        column = next(c for c in COLUMNS if c.key == self.sort)
        name = column.sort_name.format(a=app.a_label, b=app.b_label)
        return f"{name} {ARROWS[self.descending]}"

    def build_columns(self) -> None:
        """(Re)make the columns for the current width and sort, keeping the loaded rows."""
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        self.widths = column_widths(self.app.size.width, self.id_width)
        table.clear(columns=True)
        for column in COLUMNS:
            table.add_column(self.header(column), key=column.key, width=self.widths[column.key])
        for cid in self.ids:
            table.add_row(*self.cells(self.rows[cid]), key=str(cid))
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def cells(self, row: dict[str, Any]) -> list[Text]:
        fields = row.get("field_names") or (
            ", ".join(row["fields"]) if row["kind"] == "field" else row["kind"]
        )
        app = self.app
        now = app.store.clock()  # "today" as the store sees it (fixed in tests)
        return [
            self.mark_cell(row["id"]),
            Text(str(row["id"])),
            plain(row["entity"]),
            plain(row["record"]),
            plain(fields),
            Text(compact_time(row["a_changed_at"], now)),
            Text(compact_time(row["b_changed_at"], now)),
            status_text(row["status"], short=True),
            self.earlier_cell(row["earlier"]),
        ]

    def mark_cell(self, cid: int) -> Text:
        return Text(MARK, style="bold reverse") if cid in self.marks else Text(" ")

    def earlier_cell(self, earlier: str | None) -> Text:
        if earlier is None:
            return Text("")
        label = {"a": self.a_short, "b": self.b_short}.get(earlier, earlier)
        return Text(EARLIER + label, style="cyan", no_wrap=True, overflow="ellipsis")

    def on_resize(self, event: events.Resize) -> None:
        if self.widths and column_widths(event.size.width, self.id_width) != self.widths:
            self.build_columns()

    # -- loading ----------------------------------------------------------
    def on_screen_resume(self) -> None:
        if self.app.runs_finished != self.seen_runs:  # a run may have pushed or opened some
            self.seen_runs = self.app.runs_finished
            self.action_reload()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys (footer, `?`, palette), the bulk ones named after the systems."""
        return relabel(super().active_bindings, self.key_names)

    def watch_needle(self) -> None:
        self.action_reload()

    def watch_sort(self) -> None:
        self.resort()

    def watch_descending(self) -> None:
        self.resort()

    def watch_note(self) -> None:
        self.show_status()

    def action_reload(self) -> None:
        """Read the first page again (filter, sort, a run, f5). The rows shown stay, and
        are the rows the keys act on, until that page replaces them (`replace_rows`): the
        table is never drawn empty in between, which cost a second layout and repaint of
        every row per filter keystroke."""
        self.after, self.last_id = None, 0
        self.exhausted, self.examined = False, 0
        self.generation += 1
        self.load_page(reset=True)

    def replace_rows(self) -> None:
        """Empty the table for a new first page, in the same update that adds its rows
        (the columns too when the order changed: the arrow moves with the rows)."""
        self.ids, self.rows = [], {}
        order = (self.sort, self.descending)
        if order != self.shown_order:
            self.shown_order = order
            self.build_columns()
        else:
            self.query_one(DataTable).clear()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]

    def action_reverse(self) -> None:
        self.descending = not self.descending

    def resort(self) -> None:
        self.note = None
        self.action_reload()

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
        self.needle = event.value.strip().lower()

    def action_more(self) -> None:
        if not self.exhausted and not self.fetching:
            self.load_page(reset=False)

    def load_page(self, reset: bool) -> None:
        self.fetching = True
        self.set_status("Loading…")
        marks = list(self.marks) if reset else []
        self.load_rows(
            self.after, reset, self.needle, self.generation, self.sort, self.descending, marks
        )

    @work(thread=True, exclusive=True, group="queue")
    def load_rows(
        self,
        after: tuple[Any, int] | None,
        reset: bool,
        needle: str,
        generation: int,
        sort: str,
        descending: bool,
        marks: list[int],
    ) -> None:
        """Up to PAGE rows after `after` in `sort` order that match `needle` (and, on a
        reset, which marked conflicts are still in it; then, in a message of its own, the
        queue's length)."""
        store, profile_id = self.app.store, self.app.profile.id
        order: dict[str, Any] = {"sort": sort, "descending": descending}
        if needle:
            worker = get_current_worker()
            found = read_matching(
                store, profile_id, needle, order, after, lambda: worker.is_cancelled
            )
            if found is None:  # a newer filter or sort took over
                return
        else:
            found = read_page(store, profile_id, order, after)
        gone_marks = set(marks) - store.live_conflict_ids(profile_id, marks) if reset else None
        last_id = found.last[1] if found.last else 0
        self.post_message(
            ConflictsPage(
                found.rows,
                last_id,
                found.exhausted,
                reset,
                generation,
                found.capped,
                found.last,
                found.examined,
                None,
                gone_marks,
            )
        )
        if reset:  # after the page: it reads every live conflict
            self.post_message(QueueCounted(store.count_live_conflicts(profile_id), generation))

    @on(QueueCounted)
    def counted(self, message: QueueCounted) -> None:
        if message.generation == self.generation:
            self.total = message.total
            self.show_status()

    @work(thread=True, group="queue-refresh")
    def refresh_rows(self, ids: list[int]) -> None:
        app = self.app
        rows = []
        for cid in ids:
            conflict = app.store.conflict(cid, app.profile.id)
            if conflict is not None:
                rows.append(queue_row(conflict))
        self.post_message(ConflictsPage(rows, -1, self.exhausted, False))

    @on(ConflictsPage)
    def show_page(self, message: ConflictsPage) -> None:
        table = self.query_one(DataTable)
        if message.last_id == -1:  # a refresh of rows already shown
            for row in message.rows:
                if row["id"] in self.rows:
                    self.rows[row["id"]] = row
                    cells = self.cells(row)
                    for column in ("status", "suggestion"):
                        index = [c.key for c in COLUMNS].index(column)
                        table.update_cell(str(row["id"]), column, cells[index])
            self.show_status()
            return
        if message.generation != self.generation:  # a page for an older filter or sort
            return
        if message.reset:
            self.replace_rows()
        if message.total is not None:
            self.total = message.total
        for cid in message.gone_marks or ():  # pushed or settled since: no longer marked
            self.marks.pop(cid, None)
        width = max((len(str(row["id"])) for row in message.rows), default=0)
        if width > self.id_width:  # larger ids than the column holds: widen it
            self.id_width = width
            self.build_columns()
        for row in message.rows:
            if row["id"] in self.rows:
                continue
            self.ids.append(row["id"])
            self.rows[row["id"]] = row
            table.add_row(*self.cells(row), key=str(row["id"]))
        self.after = message.after or self.after
        self.last_id = message.last_id or self.last_id
        self.examined += message.examined
        self.exhausted = message.exhausted
        self.capped = message.capped
        self.fetching = False
        self.show_status()

    # -- status line --------------------------------------------------------
    def show_status(self) -> None:
        if self.fetching:
            return
        key = self.app.key("conflicts.more")
        if self.capped:
            more = f"; more may match: press {key} (searched {self.examined:,})"
        else:
            more = "" if self.exhausted else f"; {key} loads more"
        if self.needle:
            shown = f"{len(self.ids)} matching conflicts shown"
        elif self.total is not None:
            shown = f"{len(self.ids):,} of {self.total:,} conflicts shown"
        else:
            shown = f"{len(self.ids):,} conflicts shown"
        line = Text(f"{shown} · sorted by ")
        line.append(self.sort_name(), "bold")
        if self.marks:
            hidden = len(set(self.marks) - set(self.rows))
            line.append(f" · {MARK} {len(self.marks)} marked", "bold")
            if hidden:
                line.append(f" ({hidden} not shown)")
        line.append(f"{more}.")
        # Below: the outcome of the last action until the cursor moves, else the row.
        current = self.current_row()
        if self.note is not None:
            line.append("\n")
            line.append_text(self.note)
        elif current is not None:
            line.append("\n")
            line.append_text(self.row_detail(current))
        self.set_status(line)

    def set_status(self, line: Text | str) -> None:
        """Draw the status line when its text changed (the row detail that follows the
        cursor often repeats what a page's line already says). It has a fixed height
        (app.tcss): no layout on every cursor move."""
        if line == self.status_shown:
            return
        self.status_shown = line
        self.query_one("#queue-status", Static).update(line, layout=False)

    def row_detail(self, row: Mapping[str, Any]) -> Text:
        """The row under the cursor in full: name, fields and when each side changed."""
        app = self.app
        detail = Text(f"#{row['id']} ", style="bold")
        detail.append_text(plain(row["record"]))
        if row["kind"] == "field":
            detail.append(": ")
            detail.append_text(plain(", ".join(row["fields"])))
        else:
            detail.append(f" ({row['kind']} conflict)")
        sides = ((app.a_label, row["a_changed_at"]), (app.b_label, row["b_changed_at"]))
        for lead, (label, iso) in zip((" · changed in ", ", in "), sides, strict=True):
            detail.append(f"{lead}{label} ")
            detail.append(local_time(iso, seconds=False) or "(not known)", "bold")
        if row["earlier"]:
            detail.append(" · earlier choice kept")
        return detail

    def say(self, text: str, style: str = "bold") -> None:
        self.note = Text(text, style=style)

    def current_row(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.ids or not 0 <= table.cursor_row < len(self.ids):
            return None
        return self.rows.get(self.ids[table.cursor_row])

    @on(DataTable.RowHighlighted)
    def near_end(self, event: DataTable.RowHighlighted) -> None:
        self.note = None
        # The row's detail line follows the cursor once it rests: a held-down arrow key
        # redraws only the table, one frame per press.
        if self.status_timer is not None:
            self.status_timer.stop()
        self.status_timer = self.set_timer(STATUS_DELAY, self.show_status)
        if event.cursor_row >= len(self.ids) - 1:
            self.action_more()

    # -- marks ---------------------------------------------------------------
    def set_mark(self, cid: int, marked: bool) -> None:
        if marked and cid in self.rows:
            self.marks[cid] = self.rows[cid]["kind"]
        elif not marked:
            self.marks.pop(cid, None)
        if cid in self.rows:
            self.query_one(DataTable).update_cell(str(cid), "mark", self.mark_cell(cid))

    def action_mark(self) -> None:
        """Space: mark or unmark the row under the cursor, then move down one."""
        row = self.current_row()
        if row is None:
            return
        self.set_mark(row["id"], row["id"] not in self.marks)
        table = self.query_one(DataTable)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self.show_status()

    def action_mark_all(self) -> None:
        """`*`: mark every loaded row, or unmark them all when they all are marked."""
        mark = not all(cid in self.marks for cid in self.ids)
        for cid in self.ids:
            self.set_mark(cid, mark)
        self.show_status()

    # -- bulk and reopen -------------------------------------------------------
    def action_take_all(self, side: str) -> None:
        """A / B: every field from one system for the marked conflicts (or the one under
        the cursor), after asking."""
        app = self.app
        if self.marks:
            targets = dict(self.marks)
        else:
            row = self.current_row()
            if row is None:
                return
            targets = {row["id"]: row["kind"]}
        matches = sorted(cid for cid, kind in targets.items() if kind == "match")
        others = sorted(cid for cid in targets if cid not in matches)
        label = app.a_label if side == "a" else app.b_label
        skip = (
            f"{len(matches)} match conflict{'s' if len(matches) != 1 else ''} "
            "skipped: open them to link, keep both or ignore."
        )
        if not others:
            self.say(f"Nothing to take from {label}: {skip}")
            return
        if self.marks:
            what = f"the {len(others)} marked conflict{'s' if len(others) != 1 else ''}"
            hidden = len(set(others) - set(self.rows))
            if hidden:
                what += f" ({hidden} not shown by the current filter)"
        else:
            what = f"conflict {others[0]} ({self.rows[others[0]]['record']})"
        question = f"Take every field from {label} for {what}? They are pushed on the next run."
        if matches:
            question += f" {skip}"

        def answer(yes: bool | None) -> None:
            if yes:
                self.say(f"Saving {len(others)} from {label}…", style="")
                self.bulk(side, others, matches)

        self.app.push_screen(ConfirmScreen(question), answer)

    @work(thread=True, exclusive=True, group="queue-bulk")
    def bulk(self, side: Side, ids: list[int], matches: list[int]) -> None:
        """Resolve `ids` from one side in one transaction, on a connection of its own."""
        app = self.app
        shared: Store = app.store
        own = str(shared.path) != ":memory:"
        try:
            store = open_store(shared.path) if own else shared
        except StoreError as exc:
            self.post_message(BulkResolved(side, [], matches, [], str(exc)))
            return
        try:
            choices: dict[int, Choices] = {}
            skipped_match = list(matches)
            kept: list[int] = []
            for cid in ids:
                conflict = store.conflict(cid, app.profile.id)
                if conflict is None or conflict.status not in LIVE_STATUSES:
                    continue
                # A choice already made stays as made.
                if conflict.status == ConflictStatus.RESOLVED:
                    kept.append(cid)
                    continue
                chosen = take_side(conflict, side)
                if chosen is None:
                    skipped_match.append(cid)
                else:
                    choices[cid] = chosen
            resolved = store.resolve_many(app.profile.id, choices, actor=app.actor)
            gone = sorted(set(ids) - set(resolved) - set(skipped_match) - set(kept))
            self.post_message(
                BulkResolved(side, resolved, sorted(skipped_match), gone, skipped_resolved=kept)
            )
        except StoreError as exc:
            self.post_message(BulkResolved(side, [], matches, [], str(exc)))
        finally:
            if own:
                store.close()

    @on(BulkResolved)
    def bulk_done(self, message: BulkResolved) -> None:
        app = self.app
        if message.error:
            self.say(message.error, style="bold red")
            return
        for cid in (*message.resolved, *message.skipped_gone, *message.skipped_resolved):
            self.set_mark(cid, False)
        label = app.a_label if message.side == "a" else app.b_label
        n = len(message.resolved)
        text = f"{n} conflict{'s' if n != 1 else ''} resolved from {label}: pushed on the next run."
        if message.skipped_match:
            m = len(message.skipped_match)
            text += (
                f" {m} match conflict{'s' if m != 1 else ''} skipped: open them to link, "
                "keep both or ignore."
            )
        if message.skipped_resolved:
            k = len(message.skipped_resolved)
            text += (
                f" {k} already resolved kept as chosen "
                f"({self.app.key('conflicts.reopen')} reopens one to choose again)."
            )
        if message.skipped_gone:
            g = len(message.skipped_gone)
            text += f" {g} no longer open (pushed or settled by a run), skipped."
        self.say(text)
        self.notify(text, markup=False)
        self.refresh_rows(message.resolved)

    def action_reopen(self) -> None:
        """u: a resolved conflict that has not been pushed goes back to open (asks first)."""
        row = self.current_row()
        if row is None:
            return
        cid = row["id"]
        if row["status"] != ConflictStatus.RESOLVED:
            self.say(cannot_reopen(cid, row["status"]))
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            app = self.app
            try:
                app.store.unresolve_conflict(cid)
            except StoreError as exc:
                self.say(str(exc), style="bold red")
                return
            self.say(f"Conflict {cid} is open again; its choices are kept as a suggestion.")
            self.refresh_rows([cid])

        question = (
            f"Reopen conflict {cid} ({row['record']})? Its choices are kept as a "
            "suggestion and nothing is pushed for it until it is resolved again."
        )
        self.app.push_screen(ConfirmScreen(question), answer)

    # -- opening one -------------------------------------------------------------
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
        cid = self.ids[table.cursor_row]
        # n / p on Resolve walk the rows loaded here; Resolve hands back what it changed.
        self.app.push_screen(ResolveScreen(cid, order=tuple(self.ids)), self.back_from_resolve)

    def back_from_resolve(self, outcome: ResolveOutcome | None) -> None:
        """Re-read the rows Resolve changed; the cursor goes to the conflict it showed last
        (a run meanwhile reloads the whole queue instead: `on_screen_resume`)."""
        if outcome is None:
            return
        if outcome.last in self.ids:
            self.query_one(DataTable).move_cursor(row=self.ids.index(outcome.last))
        if outcome.changed:
            self.refresh_rows(sorted(outcome.changed))
