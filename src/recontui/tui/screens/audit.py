"""The audit trail in the console (History, `a`; `recontui audit` prints the same): every
value a run overwrote, newest first, narrowed by a filter line.

The filter takes words and ``key:value`` terms: ``run:12`` one run's entries,
``field:phone`` one field, ``entity:customer`` one entity; the other words must appear in
the record's name ("cedar bay"). Enter applies it; escape leaves the filter, then the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from ...present import audit_rows
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..text import plain, short_label
from ..threads import thread_store

#: Entries shown at most (the newest); the status line says when more match.
SHOWN = 500
#: The table's columns and their widths (80 columns in all with the cell padding).
COLUMNS = (
    ("when", 19),
    ("run", 3),
    ("record", 12),
    ("field", 10),
    ("in", 4),
    ("old → new", 18),
    ("why", 30),
)
#: The filter's ``key:value`` terms and the audit_rows argument each sets.
TERMS = {"run": "run_id", "field": "field", "entity": "entity"}


class FilterError(ValueError):
    """A filter term that cannot be used, in one sentence."""


@dataclass(frozen=True)
class AuditFilter:
    record: str | None = None
    run_id: int | None = None
    field: str | None = None
    entity: str | None = None

    def words(self) -> str:
        parts = [f"run:{self.run_id}"] if self.run_id is not None else []
        parts += [f"field:{self.field}"] if self.field else []
        parts += [f"entity:{self.entity}"] if self.entity else []
        parts += [self.record] if self.record else []
        return " ".join(parts)


def parse_filter(text: str) -> AuditFilter:
    """The filter line as arguments of :func:`present.audit_rows`."""
    found: dict[str, Any] = {}
    words = []
    for word in text.split():
        key, sep, value = word.partition(":")
        if not sep or key.lower() not in TERMS:
            words.append(word)
            continue
        if not value:
            raise FilterError(f"{key}: needs a value ({key}:...).")
        if key.lower() == "run":
            if not value.isdigit():
                raise FilterError(f"run:{value} is not a run number (History lists them).")
            found["run_id"] = int(value)
        else:
            found[TERMS[key.lower()]] = value
    return AuditFilter(record=" ".join(words) or None, **found)


class AuditLoaded(Message):
    def __init__(self, rows: list[dict[str, Any]], more: bool) -> None:
        super().__init__()
        self.rows, self.more = rows, more


def value_text(row: Mapping[str, Any]) -> Text:
    """ "old -> new", each value data, never markup."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append_text(plain(row.get("old") if row.get("old") not in (None, "") else "(blank)"))
    text.append(" → ", "bold")
    text.append_text(plain(row.get("new") if row.get("new") not in (None, "") else "(blank)"))
    return text


class AuditScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/", id="audit.filter"),
        Binding("escape", "leave", "Back", id="audit.back"),
    ]
    DEFAULT_CSS = """
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-filter { height: 3; }
    AuditScreen #audit-status { height: auto; max-height: 5; padding: 0 1; }
    """

    def __init__(self, start: AuditFilter | None = None) -> None:
        super().__init__()
        self.start = start or AuditFilter()
        self.rows: list[dict[str, Any]] = []
        self.summary = Text("")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            value=self.start.words(),
            placeholder="record name, run:N, field:NAME, entity:NAME (Enter applies)",
            id="audit-filter",
        )
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Widths that fit 80 columns (values end in "…"); the row under the cursor is
        # shown whole below the table.
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        table.focus()
        self.load(self.start)

    @work(thread=True, exclusive=True, group="audit")
    def load(self, wanted: AuditFilter) -> None:
        with thread_store(self.app.store) as store:
            rows, more = audit_rows(
                store,
                self.app.profile,
                record=wanted.record,
                run_id=wanted.run_id,
                field=wanted.field,
                entity=wanted.entity,
                limit=SHOWN,
            )
        self.post_message(AuditLoaded(rows, more))

    @on(AuditLoaded)
    def show(self, message: AuditLoaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for row in message.rows:
            table.add_row(
                Text(str(row["when"])),
                Text(str(row["run_id"] or "")),
                plain(row["record"]),
                plain(row["field"]),
                plain(short_label(row["system"]) if row["system"] else ""),
                value_text(row),
                plain(row["why"]),
            )
        n = len(message.rows)
        said = f"{n} entr{'y' if n == 1 else 'ies'}, newest first (local time)"
        if message.more:
            said += f"; more match: the newest {SHOWN} are shown, narrow the filter"
        slash = self.app.key("audit.filter")
        self.summary = Text(f"{said}. {slash} filters: a record's name, run:N, field:NAME.")
        self.show_row(self.query_one(DataTable).cursor_row)

    def say(self, text: Text) -> None:
        self.query_one("#audit-status", Static).update(text)

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_row(event.cursor_row)

    def show_row(self, row: int) -> None:
        """The entry under the cursor whole (cells end in "…" at 80 columns), then the
        count and how to filter."""
        text = Text(no_wrap=False)
        if 0 <= row < len(self.rows):
            entry = self.rows[row]
            text.append(f"{entry['record'] or entry['entity']} · {entry['field']}", "bold")
            if entry["system"]:
                text.append(f" in {entry['system']}")
            text.append(": ")
            text.append_text(value_text(entry))
            text.append_text(plain(f"  ({entry['why']})"))
            text.append("\n")
        text.append_text(self.summary)
        self.say(text)

    @on(Input.Submitted, "#audit-filter")
    def apply(self, event: Input.Submitted) -> None:
        try:
            wanted = parse_filter(event.value)
        except FilterError as exc:
            self.say(Text(str(exc), style="bold red"))
            return
        self.query_one(DataTable).focus()
        self.load(wanted)

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_leave(self) -> None:
        field = self.query_one("#audit-filter", Input)
        if field.has_focus:
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)
