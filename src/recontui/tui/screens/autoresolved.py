"""Auto-resolved: the values rules overwrote on their own, newest first, a keyset page at a time.

`o` turns the decision under the cursor back into an open conflict (after asking), so a
person picks between the overwritten value and the rule's; Enter opens that conflict.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ...decisions import OverrideError, override_rule_decision
from ...present import rule_decision_rows
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..messages import DecisionsPage
from ..text import plain
from .modals import ConfirmScreen

PAGE = 50
#: Marks a decision a person overrode (shown with the words in the detail line too).
OVERRIDDEN = "↺ "


class DecisionsTable(DataTable):
    """The table with Enter named in the footer. Enter stays the table's own key, so it
    is handled after any cursor keys typed before it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open conflict", id="auto.open"),
    ]


def row_cells(row: dict[str, Any], short: dict[str, str]) -> list[Text]:
    """One decision as table cells; every value is data, never markup."""
    when = Text(OVERRIDDEN if row["overridden"] else "  ", style="bold", no_wrap=True)
    when.append_text(plain(row["when"][5:16]))  # MM-DD HH:MM; the detail line has it all
    change = Text(no_wrap=True, overflow="ellipsis")
    change.append_text(plain(row["old"], "dim"))
    change.append(" → ")
    change.append_text(plain(row["new"]))
    rule = f"#{row['rule_id']}" if row["rule_id"] is not None else "?"
    return [
        when,
        plain(row["entity"]),
        plain(row["record"]),
        plain(row["field"]),
        plain(short.get(row["side"], row["side"])),
        change,
        plain(rule),
    ]


def detail_text(row: dict[str, Any], open_key: str = "Enter", override_key: str = "o") -> Text:
    """The row under the cursor in full, as one wrapped paragraph (naming the keys that
    open its conflict and override it)."""
    line = Text.assemble((row["when"], "bold"), f" · run {row['run_id']} · ")
    line.append_text(plain(row["entity"]))
    line.append(" ")
    line.append_text(plain(row["record"], "bold"))
    line.append(" · ")
    line.append_text(plain(row["field"], "bold"))
    line.append(f": {row['system']} had ")
    line.append_text(plain(row["old"] or "(blank)", "bold"))
    waiting = row["waiting"]
    line.append(f", {'to be ' if waiting is not None else ''}overwritten with {row['winner']}'s ")
    line.append_text(plain(row["new"] or "(blank)", "bold"))
    line.append(" by ")
    line.append_text(plain(row["rule"], "italic"))
    line.append(". ")
    if waiting is not None:  # decided, but its write has not landed
        line.append(f"Not written to {row['system']} yet: ")
        line.append_text(plain(waiting))
        line.append(". " if not waiting.endswith(".") else " ")
        line.append(f"{override_key} can override it once it is written.")
    elif row["overridden"]:
        where = (
            f"conflict {row['conflict_id']} ({open_key} opens it)"
            if row["conflict_id"] is not None
            else "its conflict, now settled"
        )
        line.append(f"{OVERRIDDEN}Overridden: {where}.", "bold")
    elif row["replaced"]:
        line.append("A later rule decision on this field replaced it.", "italic")
    else:
        line.append(f"{override_key} overrides it: back to an open conflict.")
    line.no_wrap = False
    line.overflow = "fold"
    return line


class AutoResolvedScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "override", "Override", id="auto.override"),
        Binding("m", "more", "More", id="auto.more"),
        Binding("f5", "reload", "Refresh", id="auto.refresh"),
        Binding("escape", "app.switch_mode('home')", "Home", id="auto.home"),
    ]
    AUTO_FOCUS = "#decisions"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.exhausted = False
        self.fetching = False
        self.generation = 0
        self.seen_runs = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield DecisionsTable(id="decisions", cursor_type="row", zebra_stripes=True)
        yield Static(id="auto-detail")
        yield Static(id="auto-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        profile = self.app.profile
        self.short = {"a": profile.a_system.upper(), "b": profile.b_system.upper()}
        table = self.query_one(DataTable)
        # Widths that fit 80 columns with the scroll bar; the detail line shows a row whole.
        table.add_column("when", key="when", width=13)
        table.add_column("entity", key="entity", width=8)
        table.add_column("record", key="record", width=12)
        table.add_column("field", key="field", width=9)
        table.add_column("side", key="side", width=4)
        table.add_column("old → new", key="change", width=12)
        table.add_column("rule", key="rule", width=5)
        self.seen_runs = self.app.runs_finished
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.app.runs_finished != self.seen_runs:  # a run may have decided more
            self.seen_runs = self.app.runs_finished
            self.action_reload()

    # -- loading ----------------------------------------------------------
    def action_reload(self) -> None:
        self.query_one(DataTable).clear()
        self.rows, self.exhausted = [], False
        self.generation += 1
        self.load_page(reset=True)

    def action_more(self) -> None:
        if not self.exhausted and not self.fetching:
            self.load_page(reset=False)

    def load_page(self, reset: bool) -> None:
        self.fetching = True
        self.query_one("#auto-status", Static).update("Loading…")
        before = self.rows[-1]["id"] if self.rows and not reset else None
        self.load_rows(before, reset, self.generation)

    @work(thread=True, exclusive=True, group="auto")
    def load_rows(self, before_id: int | None, reset: bool, generation: int) -> None:
        store, profile = self.app.store, self.app.profile
        rows = rule_decision_rows(store, profile, before_id=before_id, limit=PAGE)
        self.post_message(DecisionsPage(rows, len(rows) < PAGE, reset, generation))

    @work(thread=True, group="auto-refresh")
    def refresh_row(self, audit_id: int) -> None:
        store, profile = self.app.store, self.app.profile
        rows = rule_decision_rows(store, profile, before_id=audit_id + 1, limit=1)
        rows = [r for r in rows if r["id"] == audit_id]
        self.post_message(DecisionsPage(rows, False, False, refresh=True))

    @on(DecisionsPage)
    def show_page(self, message: DecisionsPage) -> None:
        table = self.query_one(DataTable)
        if message.refresh:
            for row in message.rows:
                key = str(row["id"])
                if key not in table.rows:
                    continue
                self.rows = [row if r["id"] == row["id"] else r for r in self.rows]
                for column, cell in zip(table.columns, row_cells(row, self.short), strict=True):
                    table.update_cell(key, column, cell)
            self.show_detail()
            return
        if message.generation != self.generation:  # a page of an earlier load
            return
        known = {r["id"] for r in self.rows}
        for row in message.rows:
            if row["id"] in known:
                continue
            self.rows.append(row)
            table.add_row(*row_cells(row, self.short), key=str(row["id"]))
        self.exhausted = message.exhausted
        self.fetching = False
        self.show_status()
        self.show_detail()

    def show_status(self) -> None:
        if not self.rows:
            text = (
                "No rule has decided anything yet. Rules are in Preferences "
                f"(key {self.app.key('app.preferences')}); "
                "each run applies them to the conflicts they cover."
            )
        else:
            more = (
                ""
                if self.exhausted
                else f"; {self.app.key('auto.more')} or the last row loads more"
            )
            text = f"{len(self.rows)} rule decisions shown, newest first{more}."
        self.query_one("#auto-status", Static).update(Text(text))

    # -- the row under the cursor -------------------------------------------
    def current(self) -> dict[str, Any] | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def show_detail(self) -> None:
        row = self.current()
        if row is None:
            self.say(Text(""))
            return
        self.say(detail_text(row, self.app.key("auto.open"), self.app.key("auto.override")))

    def say(self, text: Text | str) -> None:
        self.query_one("#auto-detail", Static).update(
            text if isinstance(text, Text) else Text(text)
        )

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()
        if event.cursor_row >= len(self.rows) - 1:
            self.action_more()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the table, after any cursor keys typed before it."""
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        row = self.current()
        if row is None:
            return
        if row["conflict_id"] is None:
            self.say(
                f"Only an overridden decision has a conflict to open; "
                f"{self.app.key('auto.override')} overrides this one."
                if not row["overridden"]
                else "Its conflict is settled already; the Conflicts screen "
                f"(key {self.app.key('app.conflicts')}) has the rest."
            )
            return
        from .resolve import ResolveScreen

        self.app.push_screen(ResolveScreen(row["conflict_id"]))

    # -- override -----------------------------------------------------------
    def action_override(self) -> None:
        row = self.current()
        if row is None:
            self.say("There is no rule decision to override.")
            return
        if row["overridden"]:
            self.say(
                Text(
                    f"This decision is already overridden; {self.app.key('auto.open')} opens "
                    "its conflict, where you pick the value.",
                    style="bold",
                )
            )
            return
        if row["waiting"] is not None:
            self.say(
                Text(
                    f"This decision is not written to {row['system']} yet; override it once "
                    f"a sync has written it (key {self.app.key('app.sync')} syncs).",
                    style="bold",
                )
            )
            return

        def shown(value: Any) -> str:
            return plain(value).plain or "(blank)"

        question = (
            f"Override 1 rule decision: {shown(row['field'])} of {row['entity']} "
            f"{shown(row['record'])}? It becomes an open conflict: {row['system']}'s earlier "
            f"value {shown(row['old'])} against {row['winner']}'s {shown(row['new'])}. "
            "Nothing is written until you resolve it and sync."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.override(row)

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def override(self, row: dict[str, Any]) -> None:
        app = self.app
        try:
            conflict_id = override_rule_decision(app.store, app.profile, row["id"], actor=app.actor)
        except OverrideError as exc:
            self.say(Text(str(exc), style="bold red"))
            return
        # The conflict queue reloads when this moves: it has a new conflict to show.
        app.runs_finished += 1
        self.seen_runs = app.runs_finished
        self.refresh_row(row["id"])
        self.notify(
            f"Conflict {conflict_id} is open: {app.key('auto.open')} opens it here, or find it "
            f"in Conflicts (key {app.key('app.conflicts')})."
        )
