"""One conflict, field by field: base | billing | accounting | result, sides named by system."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ...model import entity as entity_spec
from ...present import ResolveError, conflict_detail, resolve_conflict
from ..messages import ConflictLoaded
from ..text import CHANGED, CHOSEN, plain, status_text
from .modals import ConfirmScreen, EditValueScreen

if TYPE_CHECKING:
    from .conflicts import ConflictsScreen


class ResolveScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit value", id="resolve.edit"),
        Binding("ctrl+s", "save", "Save", id="resolve.save"),
        Binding("n", "step(1)", "Next", id="resolve.next"),
        Binding("p", "step(-1)", "Previous", id="resolve.previous"),
        Binding("escape", "leave", "Back", id="resolve.back"),
        # Match conflicts only (check_action hides them otherwise); Enter also links.
        Binding("l", "match('link')", "Link", id="resolve.match_link"),
        Binding("k", "match('create')", "Keep both", id="resolve.match_create"),
        Binding("i", "match('ignore')", "Ignore", id="resolve.match_ignore"),
    ]

    #: Actions that apply to one kind of conflict; the others are hidden from footer and help.
    MATCH_ACTIONS: ClassVar[frozenset[str]] = frozenset({"match"})
    FIELD_ACTIONS: ClassVar[frozenset[str]] = frozenset({"pick", "take_all", "edit", "save"})

    def __init__(self, conflict_id: int, queue: ConflictsScreen | None = None) -> None:
        super().__init__()
        self.conflict_id = conflict_id
        self.queue = queue
        self.conflict: Any = None
        self.detail: dict[str, Any] | None = None
        #: field -> (side "a"/"b"/"custom", typed text, display text); unsaved choices.
        self.picks: dict[str, tuple[str, str, str]] = {}
        app: Any = self.app
        a, b = app.a_label, app.b_label
        for binding in (
            Binding("a", "pick('a')", f"Use {a}", id="resolve.pick_a"),
            Binding("b", "pick('b')", f"Use {b}", id="resolve.pick_b"),
            Binding("A", "take_all('a')", f"All {a}", id="resolve.all_a"),
            Binding("B", "take_all('b')", f"All {b}", id="resolve.all_b"),
        ):
            self._bindings._add_binding(binding)
        # Picking sides is what this screen is for: those keys go first in the footer.
        keys = self._bindings.key_to_bindings
        order = ["a", "b", "e", "ctrl+s", "A", "B", "l", "k", "i", "n", "p", "escape"]
        self._bindings.key_to_bindings = {
            **{k: keys[k] for k in order if k in keys},
            **{k: v for k, v in keys.items() if k not in order},
        }

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="resolve-head")
        yield DataTable(id="fields", cursor_type="row")
        yield Static(id="resolve-status")
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.conflict_id)

    def is_match(self) -> bool:
        return self.conflict is not None and self.conflict.kind == "match"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.MATCH_ACTIONS:
            return self.is_match()
        if action in self.FIELD_ACTIONS:
            return not self.is_match()
        return True

    @work(thread=True, exclusive=True, group="resolve")
    def load(self, conflict_id: int) -> None:
        app: Any = self.app
        conflict = app.store.conflict(conflict_id, app.profile.id)
        detail = conflict_detail(app.store, app.profile, conflict) if conflict else None
        self.post_message(ConflictLoaded(conflict, detail))

    @on(ConflictLoaded)
    def loaded(self, message: ConflictLoaded) -> None:
        self.conflict, self.detail, self.picks = message.conflict, message.detail, {}
        if message.detail is None:
            self.say(f"Conflict {self.conflict_id} no longer exists.")
            return
        self.conflict_id = message.conflict.id
        self.refresh_bindings()
        if self.is_match():
            self.render_match()
        else:
            self.render_table()
        self.say(self.hint())

    def hint(self) -> str:
        if self.conflict is None:
            return ""
        if self.conflict.kind == "match":
            return (
                "Which record is this? Enter or l links the candidate under the cursor, "
                "k keeps both (creates it on the other side), i ignores it (never sync)."
            )
        if self.conflict.kind == "delete":
            return "A deletion: take all from one side (A or B), then ctrl+s saves."
        return "Pick a side per field (a/b), e edits a value, ctrl+s saves; ? lists keys."

    def say(self, text: str | Text) -> None:
        self.query_one("#resolve-status", Static).update(
            text if isinstance(text, Text) else Text(text)
        )

    def render_head(self) -> None:
        detail = self.detail
        assert detail is not None
        head = Text.assemble(
            (f"Conflict {detail['id']} ", "bold"),
            plain(detail["entity"]),
            " ",
            plain(detail["record"], "bold"),
            "  ",
            status_text(detail["status"]),
        )
        if detail.get("note"):
            head.append("\n")
            head.append_text(plain(detail["note"], "italic"))
        self.query_one("#resolve-head", Static).update(head)

    def render_match(self) -> None:
        """The billing record, then each candidate on the accounting side, one row each."""
        detail = self.detail
        assert detail is not None and self.conflict is not None
        self.render_head()
        systems = detail["systems"]
        choice = (self.conflict.choices or {}).get("$match") or [None, None]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("", key="role", width=10)
        table.add_column("record", key="record", width=30)
        table.add_column(Text(f"{systems['b']} id"), key="b_id", width=20)
        table.add_column("choice", key="choice", width=12)
        chosen = {"create": "keep both", "ignore": "ignore"}.get(str(choice[0]), "")
        table.add_row(
            Text(systems["a"], style="bold"),
            plain(detail["record"], "bold"),
            plain(detail["b_id"] or "(none)", "dim"),
            Text(chosen, style="bold green"),
            key="self",
        )
        for cand in detail["candidates"]:
            mark = (
                Text(CHOSEN + "link", style="bold green")
                if choice[0] == "link" and choice[1] == cand["link"]
                else Text("")
            )
            table.add_row(
                Text("candidate"),
                plain(cand["record"]),
                plain(cand["b_id"]),
                mark,
                key=f"candidate-{cand['link']}",
            )
        if detail["candidates"]:
            table.move_cursor(row=1)

    def current_candidate(self) -> dict[str, Any] | None:
        if self.detail is None or not self.is_match():
            return None
        row = self.query_one(DataTable).cursor_row - 1  # row 0 is the billing record
        candidates = self.detail["candidates"]
        return candidates[row] if 0 <= row < len(candidates) else None

    @on(DataTable.RowSelected)
    def enter_links(self, event: DataTable.RowSelected) -> None:
        if self.is_match():
            event.stop()
            self.action_match("link")

    def action_match(self, how: str) -> None:
        if self.detail is None or not self.is_match():
            return
        conflict, record = self.conflict, self.detail["record"]
        b = self.detail["systems"]["b"]
        if how == "link":
            cand = self.current_candidate()
            if cand is None:
                self.say("Move the cursor to a candidate to link it (Enter or l).")
                return
            question = f"Link {record} to {b} record {cand['record']} (id {cand['b_id']})?"
        elif how == "create":
            cand = None
            question = f"Keep both: create {record} in {b} as a new record?"
        else:
            cand = None
            question = f"Ignore {record}: never sync it?"

        def save(yes: bool | None) -> None:
            if not yes:
                return
            app: Any = self.app
            try:
                resolve_conflict(
                    app.store,
                    conflict,
                    link_to=cand["link"] if cand else None,
                    create=how == "create",
                    ignore=how == "ignore",
                    actor=app.actor,
                )
            except ResolveError as exc:
                self.say(Text(str(exc), style="bold red"))
                return
            if self.queue is not None:
                self.queue.touched.add(conflict.id)
            self.load(conflict.id)
            self.notify("Saved: pushed on the next run.")

        self.app.push_screen(ConfirmScreen(question), save)

    def render_table(self) -> None:
        detail = self.detail
        assert detail is not None
        systems = detail["systems"]
        self.render_head()
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        # Widths that fit 80 columns; longer values end in an ellipsis.
        table.add_column("field", key="field", width=13)
        table.add_column("base", key="base", width=9)
        table.add_column(Text(systems["a"]), key="a", width=17)
        table.add_column(Text(systems["b"]), key="b", width=17)
        table.add_column("result", key="result", width=14)
        for r in detail["rows"]:
            side, shown = self.result_of(r)
            cells = [plain(r["field"], "bold")]
            if r.get("kind") == "no_base":  # first sync of the pair: nothing agreed yet
                cells.append(Text("(none)", style="dim italic"))
            else:
                cells.append(plain(r["base"], "dim"))
            for s in ("a", "b"):
                value = r[s]
                text = Text(no_wrap=True, overflow="ellipsis")
                if side == s:
                    text.append(CHOSEN, "bold green")
                    text.append_text(plain(value, "bold green"))
                elif value != r["base"]:
                    text.append(CHANGED, "yellow")
                    text.append_text(plain(value, "yellow"))
                else:
                    text.append_text(plain(value))
                cells.append(text)
            if side is None:
                result = Text("? choose", style="bold red")
            elif side == "custom":
                result = Text("✎ ", style="bold magenta")
                result.append_text(plain(shown, "bold"))
            else:
                result = plain(shown, "bold")
            if r["field"] in self.picks:
                result.append(" *", "bold")
            cells.append(result)
            table.add_row(*cells, key=r["field"])
        if 0 <= row < table.row_count:
            table.move_cursor(row=row)

    @on(DataTable.RowHighlighted)
    def show_full_values(self, event: DataTable.RowHighlighted) -> None:
        """Cells end in an ellipsis at 80 columns; the row under the cursor is shown whole."""
        if self.is_match():
            return
        row = self.current_field()
        if row is None or self.detail is None:
            return
        systems = self.detail["systems"]
        line = Text.assemble((f"{row['field']}: ", "bold"), (f"{systems['a']} ", "bold"))
        line.append_text(plain(row["a"]))
        line.append(f"  |  {systems['b']} ", "bold")
        line.append_text(plain(row["b"]))
        if row.get("suggestion"):
            line.append("  |  earlier choice ", "bold")
            line.append_text(plain(row["suggestion"]))
        line.no_wrap = False
        self.say(line)

    def result_of(self, row: dict[str, Any]) -> tuple[str | None, str]:
        """The side chosen for a row (unsaved pick first, then the saved choice)."""
        pick = self.picks.get(row["field"])
        if pick is not None:
            side, _, shown = pick
            return side, shown
        choice = row.get("choice")
        if choice in ("a", "b"):
            return choice, row[choice]
        if choice and choice.startswith("="):
            return "custom", choice[1:]
        return None, ""

    def current_field(self) -> dict[str, Any] | None:
        if not self.detail or not self.detail["rows"]:
            return None
        table = self.query_one(DataTable)
        rows = self.detail["rows"]
        return rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None

    def field_conflict(self) -> bool:
        if self.conflict is None:
            return False
        if self.conflict.kind != "field":
            self.say(self.hint())
            return False
        return True

    def action_pick(self, side: str) -> None:
        row = self.current_field()
        if row is None or not self.field_conflict():
            return
        self.picks[row["field"]] = (side, side, row[side])
        self.render_table()
        table = self.query_one(DataTable)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_take_all(self, side: str) -> None:
        if self.detail is None or self.conflict is None or self.conflict.kind == "match":
            self.say(self.hint())
            return
        for row in self.detail["rows"]:
            self.picks[row["field"]] = (side, side, row[side])
        self.render_table()

    def action_edit(self) -> None:
        row = self.current_field()
        if row is None or not self.field_conflict():
            return
        try:
            spec = entity_spec(self.conflict.entity).field(row["field"])
        except KeyError:
            return
        pick = self.picks.get(row["field"])
        initial = pick[1] if pick and pick[0] == "custom" else (row["b"] or row["a"] or "")
        name = row["field"]

        def done(result: tuple[str, Any] | None) -> None:
            if result is not None:
                text, _ = result
                self.picks[name] = ("custom", text, text.strip())
                self.render_table()

        self.app.push_screen(EditValueScreen(spec, str(initial)), done)

    def action_save(self) -> None:
        if self.conflict is None:
            return
        app: Any = self.app
        picks, take_all = [], None
        sides = {p[0] for p in self.picks.values()}
        if self.conflict.kind == "delete":
            take_all = next(iter(sides), None) if len(sides) == 1 else None
        else:
            for name, (side, text, _) in self.picks.items():
                picks.append(f"{name}=={text}" if side == "custom" else f"{name}={side}")
        try:
            resolve_conflict(
                app.store, self.conflict, picks=picks, take_all=take_all, actor=app.actor
            )
        except ResolveError as exc:
            self.say(Text(str(exc), style="bold red"))
            return
        if self.queue is not None:
            self.queue.touched.add(self.conflict.id)
        self.load(self.conflict.id)
        self.notify("Saved: pushed on the next run.")

    def action_step(self, step: int) -> None:
        def go(leave: bool | None = True) -> None:
            if not leave:
                return
            target = self.queue.neighbour(self.conflict_id, step) if self.queue else None
            if target is None:
                self.say("No more conflicts that way (in the loaded queue).")
                return
            self.load(target)

        self._confirm_unsaved(go)

    def action_leave(self) -> None:
        def go(leave: bool | None = True) -> None:
            if leave:
                self.app.pop_screen()

        self._confirm_unsaved(go)

    def _confirm_unsaved(self, then: Any) -> None:
        if self.picks:
            self.app.push_screen(
                ConfirmScreen(
                    f"{len(self.picks)} unsaved choice(s) on conflict "
                    f"{self.conflict_id}. Leave without saving?"
                ),
                then,
            )
        else:
            then(True)
