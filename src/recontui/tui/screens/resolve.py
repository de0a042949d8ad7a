"""One conflict, field by field: base | billing | accounting | result, sides named by system.

Choices are kept on the screen (unsaved) until ctrl+s. A choice for one field can also be
saved at once in every other open conflict of the entity with that field (apply to all,
a partial choice where other fields stay undecided), or remembered as a master rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ...decisions import ChoiceProblem, ResolveError, checked_custom, remember_rule, save_choices
from ...engine.refusals import is_refused_create
from ...model import FieldType, display, is_blank
from ...model import entity as entity_spec
from ...model.states import IGNORE_KEY, MATCH_KEY, Choice, ConflictKind, ConflictStatus
from ...model.states import Pick as PickOf
from ...present import Names, edit_text, resolve_view, rule_words
from ...present_match import CHANGED as LAST_CHANGED
from ...present_match import match_sides
from ...store import StoreError, cannot_reopen, open_store
from ..choice_words import choice_problem_text
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..keymap import relabel
from ..messages import ConflictLoaded, SameFieldChosen, SameFieldCounted
from ..text import CHANGED, CHOSEN, plain, status_text
from .lines import LinesScreen
from .modals import ChoiceScreen, ConfirmScreen, EditValueScreen, RecordChooserScreen


class Pick(NamedTuple):
    """An unsaved choice for one field."""

    #: "a", "b" or "custom".
    side: str
    #: What was typed (the side's letter for a side pick; "" for a record chosen from a list).
    text: str
    #: The result as shown.
    shown: str
    #: A custom choice's value (parsed, or the reference chosen).
    value: Any = None


SAME = "= "


#: How much of a record's name the head line shows.
NAME_IN_HEAD = 60
#: A match conflict's side-by-side fields: label and value widths (fit 80 columns).
MATCH_LABEL = 12
MATCH_CELL = 30


@dataclass(frozen=True)
class ResolveOutcome:
    """What the Resolve screen hands back when it closes (escape)."""

    #: Conflicts whose choices or status changed here: saved, reopened, or chosen in by
    #: apply to all. The queue re-reads their rows.
    changed: frozenset[int]
    #: The conflict shown last (n / p walk on): the queue's cursor goes to it.
    last: int


#: The field table's column widths at 80 columns.
NARROW = {"field": 13, "base": 9, "a": 17, "b": 17, "result": 14}


def field_widths(total: int) -> dict[str, int]:
    """The field table's column widths for a terminal ``total`` columns wide: those of 80
    columns, and the room beyond them shared by the values (the two sides most)."""
    extra = max(0, total - 80)
    share = {"base": 2, "a": 3, "b": 3}
    widths = {key: NARROW[key] + extra * part // 10 for key, part in share.items()}
    widths["field"] = NARROW["field"]
    widths["result"] = NARROW["result"] + extra - sum(widths[k] - NARROW[k] for k in share)
    return widths


class ResolveScreen(Screen[ResolveOutcome]):
    app = getters.app(ConsoleApp)
    #: In footer order: what this screen is for first (the footer cuts off at 80 columns;
    #: `?` lists every key).
    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown named after the profile's systems ("Use BILL": `key_names`).
        Binding("a", "pick('a')", "Use the billing side's value", id="resolve.pick_a"),
        Binding("b", "pick('b')", "Use the accounting side's value", id="resolve.pick_b"),
        Binding("e", "edit", "Edit value", id="resolve.edit"),
        Binding("ctrl+s", "save", "Save", id="resolve.save"),
        # Match conflicts only (check_action hides them otherwise); Enter also links.
        Binding("l", "match('link')", "Link", id="resolve.match_link"),
        Binding("k", "match('create')", "Keep both", id="resolve.match_create"),
        Binding("i", "match('ignore')", "Ignore", id="resolve.match_ignore"),
        # Delete conflicts only: the side still holding the record keeps it, unsynced.
        Binding("i", "unlink", "Unlink", id="resolve.unlink"),
        Binding("A", "take_all('a')", "Every field from the billing side", id="resolve.all_a"),
        Binding("B", "take_all('b')", "Every field from the accounting side", id="resolve.all_b"),
        Binding("n", "step(1)", "Next", id="resolve.next"),
        Binding("p", "step(-1)", "Previous", id="resolve.previous"),
        Binding("f", "fill_blanks", "Fill blanks", id="resolve.fill_blanks"),
        Binding("x", "reset", "Reset", id="resolve.reset"),
        Binding("v", "show_all", "Show all fields", id="resolve.show_all"),
        Binding(
            "equals_sign", "apply_all", "Apply to all", key_display="=", id="resolve.apply_all"
        ),
        Binding("R", "remember", "Remember as rule", id="resolve.remember"),
        Binding("u", "reopen", "Reopen", id="resolve.reopen"),
        Binding("g", "take_suggestion", "Take suggestion", id="resolve.take_suggestion"),
        Binding("escape", "leave", "Back", id="resolve.back"),
    ]
    #: Actions that apply to one kind of conflict; the others are hidden from footer and help.
    MATCH_ACTIONS: ClassVar[frozenset[str]] = frozenset({"match"})
    #: Hidden on match conflicts.
    CHOICE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"take_all", "save", "reset"})
    #: Only field conflicts have fields to pick one by one (hidden on match and delete).
    FIELD_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"pick", "edit", "fill_blanks", "show_all", "apply_all", "remember"}
    )

    def __init__(self, conflict_id: int, *, order: Sequence[int] = ()) -> None:
        """`order`: the conflicts n and p walk (the queue's loaded rows, in its order)."""
        super().__init__()
        self.conflict_id = conflict_id
        self.order = tuple(order)
        #: Conflicts saved, reopened or chosen in here (handed back on leaving).
        self.changed: set[int] = set()
        #: The conflict the field table shows (its cursor is kept only while it stays).
        self.drawn_id: int | None = None
        self.conflict: Any = None
        self.detail: dict[str, Any] | None = None
        #: field -> unsaved choice.
        self.picks: dict[str, Pick] = {}
        #: Also show the synced fields that are not in conflict (v).
        self.show_all = False
        #: The field table's column widths as last drawn (redrawn when the width changes).
        self.widths: dict[str, int] = {}
        #: (field, note): said above that field's values while the cursor is on it (a / b
        #: replacing a typed value says so, and moving on must not wipe it).
        self.after_move: tuple[str, Text] | None = None
        #: The rows in the table, in order (conflict rows, and the others when shown).
        self.shown: list[dict[str, Any]] = []
        a, b = self.app.a_label, self.app.b_label
        #: Binding id -> what the footer (which shortens the systems' names: "Use QBO"),
        #: `?` and the palette call it.
        self.key_names = {
            "resolve.pick_a": f"Use {a}",
            "resolve.pick_b": f"Use {b}",
            "resolve.all_a": f"{a} as master",
            "resolve.all_b": f"{b} as master",
        }

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys (footer, `?`, palette), the pick keys named after the systems."""
        return relabel(super().active_bindings, self.key_names)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="resolve-head")
        yield DataTable(id="fields", cursor_type="row")
        yield Static(id="resolve-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.load(self.conflict_id)

    def is_match(self) -> bool:
        return self.conflict is not None and self.conflict.kind == "match"

    def is_field(self) -> bool:
        return self.conflict is None or self.conflict.kind == "field"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.MATCH_ACTIONS:
            return self.is_match()
        if action in self.CHOICE_ACTIONS:
            return not self.is_match()
        if action in self.FIELD_ACTIONS:
            return self.is_field()
        if action == "unlink":
            return self.conflict is not None and self.conflict.kind == ConflictKind.DELETE
        # Shown only when they apply: u on a resolved conflict, g when there is a suggestion.
        if action == "reopen":
            return self.conflict is not None and self.conflict.status == ConflictStatus.RESOLVED
        if action == "take_suggestion":
            return (
                self.conflict is not None and not self.is_match() and bool(self.conflict.suggestion)
            )
        return True

    # -- loading ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="resolve")
    def load(self, conflict_id: int) -> None:
        app = self.app
        conflict = app.store.conflict(conflict_id, app.profile.id)
        detail = resolve_view(app.store, app.profile, conflict) if conflict else None
        if conflict is not None and detail is not None and conflict.kind == "match":
            detail["sides"] = match_sides(app.store, app.profile, conflict)
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

    def refusal(self) -> bool:
        """A decision about a change a system refused: its reason is shown whole."""
        conflict = self.conflict
        if conflict is None:
            return False
        return any((e or {}).get("kind") == "refused" for e in conflict.fields.values())

    def hint(self) -> str:
        """What to do here, naming the keys the keymap gives."""
        if self.conflict is None:
            return ""
        key = self.app.key
        if self.conflict.kind == "match":
            return self.match_hint()
        status = self.conflict.status
        if status == ConflictStatus.RESOLVED:
            return (
                f"Resolved: pushed on the next run. {key('resolve.reopen')} reopens it; "
                f"{key('app.help')} lists every key."
            )
        saves = key("resolve.save")
        if self.conflict.kind == "delete":
            text = (
                f"{self.conflict.note or 'A deletion'}. Take all from one side "
                f"({key('resolve.all_a')} or {key('resolve.all_b')}), then {saves} saves; "
                f"{key('resolve.unlink')} unlinks."
            )
        else:
            text = (
                f"Pick a side per field ({key('resolve.pick_a')}/{key('resolve.pick_b')}), "
                f"{key('resolve.edit')} edits a value, {saves} saves; "
                f"{key('app.help')} lists keys."
            )
            chosen = len(self.conflict.choices or {})
            if status == ConflictStatus.OPEN and chosen:
                text += f" {chosen} of {len(self.conflict.fields)} fields already chosen."
        if self.conflict.suggestion and status == ConflictStatus.OPEN:
            text += f" {key('resolve.take_suggestion')} takes your earlier choice."
        return text

    def match_hint(self) -> str:
        key = self.app.key
        create, ignore = key("resolve.match_create"), key("resolve.match_ignore")
        if is_refused_create(self.conflict.fields):
            return (
                f"The other system refused to create it (why: above). Fix the cause, then "
                f"{create} creates it again; or {ignore} ignores it (never sync)."
            )
        return (
            f"Which record is this? Enter or {key('resolve.match_link')} links the candidate "
            f"under the cursor, {create} keeps both (creates it on the other side), "
            f"{ignore} ignores it (never sync)."
        )

    def state_note(self) -> Text:
        """What the head says beside the status: saved choices, what u and g would do."""
        conflict = self.conflict
        if conflict is None:
            return Text("")
        if conflict.status == ConflictStatus.RESOLVED:
            return Text(f"  ({self.app.key('resolve.reopen')} reopens)", style="dim")
        if conflict.kind == "match":
            return Text("")
        note = Text("")
        chosen = len(conflict.choices or {})
        if (
            conflict.status == ConflictStatus.OPEN
            and chosen
            and conflict.kind == ConflictKind.FIELD
        ):
            note.append(f"  {chosen} of {len(conflict.fields)} fields chosen", "bold")
        if conflict.status == ConflictStatus.OPEN and conflict.suggestion:
            note.append(f"  ({self.app.key('resolve.take_suggestion')}: earlier choice)", "dim")
        return note

    def sides_keys(self) -> str:
        """The keys that pick a side for a field ("a or b")."""
        return f"{self.app.key('resolve.pick_a')} or {self.app.key('resolve.pick_b')}"

    def pick_keys(self) -> str:
        """The keys that choose a field's value ("a, b or e")."""
        key = self.app.key
        return f"{key('resolve.pick_a')}, {key('resolve.pick_b')} or {key('resolve.edit')}"

    def say(self, text: str | Text) -> None:
        self.query_one("#resolve-status", Static).update(
            text if isinstance(text, Text) else Text(text)
        )

    def render_head(self) -> None:
        detail = self.detail
        assert detail is not None
        # A 500-character name from a remote system must not push the status or the
        # fields off the screen: the head shows its start (the status line has it whole).
        name = str(detail["record"])
        if len(name) > NAME_IN_HEAD:
            name = name[: NAME_IN_HEAD - 1] + "…"
        head = Text.assemble(
            (f"Conflict {detail['id']} ", "bold"),
            plain(detail["entity"]),
            " ",
            plain(name, "bold"),
            "  ",
            status_text(detail["status"]),
        )
        head.append_text(self.state_note())
        if self.show_all and not self.is_match():
            head.append("  · all fields", "dim")
        if detail.get("note"):
            head.append("\n")
            head.append_text(plain(detail["note"], "italic"))
        widget = self.query_one("#resolve-head", Static)
        widget.set_class(self.refusal(), "refusal")
        widget.update(head)

    # -- match conflicts ----------------------------------------------------------------
    def render_match(self) -> None:
        """The billing record, then each candidate on the accounting side, one row each."""
        detail = self.detail
        assert detail is not None and self.conflict is not None
        self.render_head()
        systems = detail["systems"]
        choice = (self.conflict.choices or {}).get("$match") or [None, None]
        table = self.query_one(DataTable)
        self.drawn_id = detail["id"]
        table.clear(columns=True)
        self.shown = []
        table.add_column("", key="role", width=10)
        table.add_column("record", key="record", width=30)
        table.add_column(Text(f"{systems['b']} id"), key="b_id", width=20)
        table.add_column("choice", key="choice", width=12)
        create = "create again" if is_refused_create(self.conflict.fields) else "keep both"
        chosen = {"create": create, "ignore": "ignore"}.get(str(choice[0]), "")
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
        self.call_after_refresh(self.show_match_fields)

    @on(DataTable.RowHighlighted)
    def compare_candidate(self, event: DataTable.RowHighlighted) -> None:
        if self.is_match():
            self.show_match_fields()

    def show_match_fields(self) -> None:
        """Under the candidates: the record and the candidate under the cursor side by side
        (name, e-mail, phone, address, ... and when each last changed), then the hint."""
        if self.detail is None or not self.is_match() or not self.detail.get("sides"):
            return
        sides = self.detail["sides"]
        record, *cands = sides["columns"]
        cand = self.current_candidate()
        shown = next((c for c in cands if cand and c["link"] == cand["link"]), None)
        shown = shown or (cands[0] if cands else None)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=MATCH_LABEL, no_wrap=True)
        for _col in range(2 if shown else 1):
            grid.add_column(width=MATCH_CELL, no_wrap=True, overflow="ellipsis")
        heads = [Text(""), Text(f"{record['system']}: this record", style="bold")]
        if shown:
            heads.append(plain(f"{shown['system']}: id {shown['remote_id']}", "bold"))
        grid.add_row(*heads)
        for label in sides["rows"]:
            mine = record["values"].get(label, "")
            cells = [plain(label, "dim"), plain(mine)]
            if shown:
                theirs = shown["values"].get(label, "")
                if label == LAST_CHANGED or not (mine or theirs):
                    cells.append(plain(theirs))
                elif theirs == mine:
                    cells.append(plain(SAME + theirs, "dim"))
                else:  # a difference: the symbol as well as the colour
                    cells.append(plain(CHANGED + (theirs or "(blank)"), "bold"))
            grid.add_row(*cells)
        self.query_one("#resolve-status", Static).update(Group(grid, Text(self.hint())))

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
                links = self.app.key("resolve.match_link")
                self.say(f"Move the cursor to a candidate to link it (Enter or {links}).")
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
            app = self.app
            answer = Choice(PickOf(how), cand["link"] if cand else None)
            try:
                save_choices(app.store, conflict, {MATCH_KEY: answer}, actor=app.actor)
            except ChoiceProblem as problem:
                self.say(Text(choice_problem_text(problem, conflict), style="bold red"))
                return
            except ResolveError as exc:
                self.say(Text(str(exc), style="bold red"))
                return
            self.changed.add(conflict.id)
            self.load(conflict.id)
            self.notify("Saved: pushed on the next run.")

        self.app.push_screen(ConfirmScreen(question), save)

    def action_unlink(self) -> None:
        """A deletion answered "unlink": the side that still holds the record keeps it, the
        deleted side stays as it is, and the two are never synced again."""
        conflict = self.conflict
        if conflict is None or conflict.kind != ConflictKind.DELETE:
            return
        record = self.detail["record"] if self.detail else f"conflict {conflict.id}"
        question = f"Unlink {record}: keep it only where it still exists, never synced again?"

        def save(yes: bool | None) -> None:
            if not yes:
                return
            app = self.app
            try:
                save_choices(
                    app.store, conflict, {IGNORE_KEY: Choice(PickOf.IGNORE)}, actor=app.actor
                )
            except (ChoiceProblem, ResolveError) as exc:
                words = (
                    choice_problem_text(exc, conflict)
                    if isinstance(exc, ChoiceProblem)
                    else str(exc)
                )
                self.say(Text(words, style="bold red"))
                return
            self.changed.add(conflict.id)
            self.load(conflict.id)
            self.notify("Saved: unlinked on the next run.")

        self.app.push_screen(ConfirmScreen(question), save)

    # -- the field table ----------------------------------------------------------------
    def rows_to_show(self) -> list[dict[str, Any]]:
        """The conflict's rows; with "show all", also the fields not in conflict (by name)."""
        assert self.detail is not None
        rows = list(self.detail["rows"])
        if self.show_all:
            rows += [{**r, "other": True} for r in self.detail.get("others", [])]
            rows.sort(key=lambda r: r["field"])
        return rows

    def render_table(self, keep_field: str | None = None) -> None:
        detail = self.detail
        assert detail is not None
        systems = detail["systems"]
        self.after_move = None  # a pick sets it again once the cursor has moved on
        self.render_head()
        table = self.query_one(DataTable)
        # The cursor stays on its row while this conflict is redrawn, and starts at the
        # top for another one (n / p).
        row = table.cursor_row if self.drawn_id == detail["id"] else 0
        self.drawn_id = detail["id"]
        table.clear(columns=True)
        # Widths that fit the terminal (80 columns at least); longer values end in "…".
        widths = field_widths(self.app.size.width)
        self.widths = widths
        table.add_column("field", key="field", width=widths["field"])
        table.add_column("base", key="base", width=widths["base"])
        table.add_column(Text(systems["a"]), key="a", width=widths["a"])
        table.add_column(Text(systems["b"]), key="b", width=widths["b"])
        table.add_column("result", key="result", width=widths["result"])
        self.shown = self.rows_to_show()
        for r in self.shown:
            cells = self.other_cells(r) if r.get("other") else self.conflict_cells(r)
            table.add_row(*cells, key=r["field"])
        if keep_field is not None:
            row = next((i for i, r in enumerate(self.shown) if r["field"] == keep_field), row)
        if 0 <= row < table.row_count:
            table.move_cursor(row=row)

    def conflict_cells(self, r: dict[str, Any]) -> list[Text]:
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
        return cells

    @staticmethod
    def other_cells(r: dict[str, Any]) -> list[Text]:
        """A field not in conflict: dimmed, not pickable."""
        cells = [plain(r["field"], "dim"), plain(r["base"], "dim")]
        cells += [plain(r[s], "dim") for s in ("a", "b")]
        if r["same"]:
            cells.append(Text(SAME + "same", style="dim"))
        else:  # a clean one-sided change the next run carries over
            cells.append(Text(CHANGED + "next run", style="dim"))
        return cells

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
        if self.after_move is not None:
            field, note = self.after_move
            if field == row["field"]:
                line = Text.assemble(note, "\n", line)
            else:  # the cursor moved elsewhere: the note was for the move after a pick
                self.after_move = None
        line.append_text(plain(row["a"]))
        line.append(f"  |  {systems['b']} ", "bold")
        line.append_text(plain(row["b"]))
        if row.get("other"):
            line.append("  (not in conflict)", "dim")
        elif row.get("suggestion"):
            line.append("  |  earlier choice ", "bold")
            line.append_text(plain(row["suggestion"]))
        line.no_wrap = False
        self.say(line)

    def result_of(self, row: dict[str, Any]) -> tuple[str | None, str]:
        """The side chosen for a row (unsaved pick first, then the saved choice)."""
        pick = self.picks.get(row["field"])
        if pick is not None:
            return pick.side, pick.shown
        choice = row.get("choice")
        if choice in ("a", "b"):
            return choice, row[choice]
        if choice and choice.startswith("="):
            return "custom", choice[1:]
        return None, ""

    def chosen_value(self, row: dict[str, Any]) -> Choice | None:
        """A row's choice (unsaved pick first): a side, or a custom value."""
        pick = self.picks.get(row["field"])
        if pick is not None:
            return Choice(PickOf(pick.side), pick.value if pick.side == "custom" else None)
        saved = row.get("choice_value")
        return Choice.of(saved) if saved else None

    def current_field(self) -> dict[str, Any] | None:
        if not self.detail or not self.shown:
            return None
        table = self.query_one(DataTable)
        return self.shown[table.cursor_row] if 0 <= table.cursor_row < len(self.shown) else None

    def field_under_cursor(self) -> dict[str, Any] | None:
        """The row under the cursor if it is a field in conflict, else None (and says why)."""
        if self.conflict is None:
            return None
        if self.conflict.kind != "field":
            self.say(self.hint())
            return None
        row = self.current_field()
        if row is not None and row.get("other"):
            self.say(
                f"{row['field']} is not in conflict: there is nothing to choose "
                f"({self.app.key('resolve.show_all')} hides the fields not in conflict)."
            )
            return None
        return row

    # -- choosing -----------------------------------------------------------------------
    def action_pick(self, side: str) -> None:
        row = self.field_under_cursor()
        if row is None:
            return
        before, typed = self.result_of(row)
        self.picks[row["field"]] = Pick(side, side, row[side])
        self.render_table()
        if before == "custom":
            # A value typed (or a record chosen) is never replaced silently.
            assert self.detail is not None
            spec = self.field_spec(row["field"])
            ref = spec is not None and spec.type is FieldType.REF
            what = "chosen record" if ref else "typed value"
            again, drops = self.app.key("resolve.edit"), self.app.key("resolve.reset")
            note = Text.assemble(
                (f"Replaced the {what} ", "bold"),
                plain(typed, "bold"),
                f" for {row['field']} with {self.detail['systems'][side]}'s ",
                plain(row[side]),
                f"; {again} types a value again, {drops} drops the unsaved choices.",
            )
            self.say(note)
            self.next_field(note)
        else:
            self.next_field()

    def next_field(self, note: Text | None = None) -> None:
        """After a choice for the field under the cursor (a, b, or Enter in the editor or
        the record list): on to the next field, so the next key never lands on this one.
        `note` stays in the status line above the next field's values."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        if row < table.row_count - 1:
            row += 1
            table.move_cursor(row=row)
        self.after_move = None
        if note is not None and 0 <= row < len(self.shown):
            self.after_move = (self.shown[row]["field"], note)

    def action_take_all(self, side: str) -> None:
        if self.detail is None or self.conflict is None or self.conflict.kind == "match":
            self.say(self.hint())
            return
        for row in self.detail["rows"]:
            self.picks[row["field"]] = Pick(side, side, row[side])
        self.render_table()

    def action_fill_blanks(self) -> None:
        """Where exactly one side is blank, take the other side (on top of the other picks)."""
        if self.detail is None or self.conflict is None or self.conflict.kind != "field":
            return
        filled = []
        for row in self.detail["rows"]:
            values = row.get("values") or {}
            a_blank, b_blank = is_blank(values.get("a")), is_blank(values.get("b"))
            if a_blank != b_blank:
                side = "b" if a_blank else "a"
                self.picks[row["field"]] = Pick(side, side, row[side])
                filled.append(row["field"])
        if not filled:
            self.say("No field is blank on one side only: nothing to fill.")
            return
        self.render_table()
        saves = self.app.key("resolve.save")
        self.say(f"Filled from the other side: {', '.join(filled)}. {saves} saves.")

    def action_reset(self) -> None:
        if not self.picks:
            self.say("Nothing to reset: there is no unsaved choice.")
            return
        dropped = len(self.picks)
        self.picks = {}
        if self.is_match():
            return
        self.render_table()
        self.say(f"Dropped {dropped} unsaved choice(s); the table shows what is saved.")

    def action_show_all(self) -> None:
        if self.detail is None or self.is_match():
            return
        row = self.current_field()
        self.show_all = not self.show_all
        self.render_table(keep_field=row["field"] if row else None)
        others = len(self.detail.get("others", []))
        toggles = self.app.key("resolve.show_all")
        if self.show_all:
            self.say(
                f"Showing {others} more field(s) not in conflict, dimmed; {toggles} hides them."
            )
        else:
            self.say(f"Showing only the fields in conflict; {toggles} shows all fields.")

    def action_take_suggestion(self) -> None:
        if self.detail is None or self.conflict is None or self.is_match():
            return
        if self.conflict.status != "open":
            reopens = self.app.key("resolve.reopen")
            self.say(f"Only an open conflict takes a suggestion; {reopens} reopens a resolved one.")
            return
        taken = 0
        for row in self.detail["rows"]:
            suggestion = row.get("suggestion_value")
            if not suggestion:
                continue
            how = suggestion[0]
            if how in ("a", "b"):
                self.picks[row["field"]] = Pick(how, how, row[how])
            elif how == "custom":
                value = suggestion[1] if len(suggestion) > 1 else None
                spec = self.field_spec(row["field"])
                shown = (row.get("suggestion") or "=")[1:]
                self.picks[row["field"]] = Pick("custom", edit_text(spec, value), shown, value)
            else:
                continue
            taken += 1
        if not taken:
            self.say("There is no earlier choice to take.")
            return
        self.render_table()
        saves = self.app.key("resolve.save")
        self.say(f"Took the earlier choice for {taken} field(s); {saves} saves.")

    def field_spec(self, name: str) -> Any:
        try:
            return entity_spec(self.conflict.entity).field(name)
        except KeyError:
            return None

    def on_resize(self, event: events.Resize) -> None:
        moved = self.widths and field_widths(event.size.width) != self.widths
        if moved and self.detail and not self.is_match():
            self.render_table()

    def action_edit(self) -> None:
        row = self.field_under_cursor()
        if row is None:
            return
        spec = self.field_spec(row["field"])
        if spec is None:
            return
        name = row["field"]
        if spec.type is FieldType.REF:
            self.choose_record(spec, row)
            return
        if spec.type is FieldType.LINES:
            self.choose_lines(spec, row)
            return
        pick = self.picks.get(name)
        saved = row.get("choice_value")
        values = row.get("values") or {}
        if pick is not None and pick.side == "custom":
            initial = pick.text
        elif saved and saved[0] == "custom":
            initial = edit_text(spec, saved[1])
        else:
            start = values.get("b") if not is_blank(values.get("b")) else values.get("a")
            initial = edit_text(spec, start)

        def done(result: tuple[str, Any] | None) -> None:
            if result is not None:
                text, value = result
                shown = display(spec, value) if value is not None else text.strip()
                self.picks[name] = Pick("custom", text, shown, value)
                self.render_table()
                self.next_field()

        self.app.push_screen(EditValueScreen(spec, initial), done)

    def choose_lines(self, spec: Any, row: dict[str, Any]) -> None:
        """Lines: line against line, a side taken per line (screens/lines.py)."""
        assert self.detail is not None
        name = row["field"]
        names = Names(self.app.store)

        def done(lines: list[dict[str, Any]] | None) -> None:
            if lines is None:
                return
            shown = f"{len(lines)} lines, chosen line by line"
            self.picks[name] = Pick("custom", "", shown, lines)
            self.render_table()
            self.next_field()

        screen = LinesScreen(spec, row.get("values") or {}, self.detail["systems"], names.shown)
        self.app.push_screen(screen, done)

    def choose_record(self, spec: Any, row: dict[str, Any]) -> None:
        """A reference: choose the record from a list of those on both sides."""
        assert self.detail is not None
        systems = self.detail["systems"]
        heading = (
            f"{spec.title} of {self.detail['entity']} {self.detail['record']}: choose a "
            f"{spec.ref_entity} that exists in both {systems['a']} and {systems['b']}."
        )
        name = row["field"]

        def done(result: Any) -> None:
            if result is not None:
                ref, label = result
                self.picks[name] = Pick("custom", "", label, ref)
                self.render_table()
                self.next_field()

        self.app.push_screen(RecordChooserScreen(spec, heading, (systems["a"], systems["b"])), done)

    def action_save(self) -> None:
        if self.conflict is None:
            return
        app = self.app
        choices: dict[str, Choice] = {}
        sides = {p.side for p in self.picks.values()}
        try:
            if self.conflict.kind == "delete":
                if len(sides) == 1:
                    choices["deleted"] = Choice(PickOf(next(iter(sides))))
            else:
                for name, pick in self.picks.items():
                    if pick.side == "custom":
                        spec = entity_spec(self.conflict.entity).field(name)
                        choices[name] = Choice(PickOf.CUSTOM, checked_custom(spec, pick.value))
                    else:
                        choices[name] = Choice(PickOf(pick.side))
            save_choices(app.store, self.conflict, choices, actor=app.actor)
        except ChoiceProblem as problem:
            self.say(Text(choice_problem_text(problem, self.conflict), style="bold red"))
            return
        except ResolveError as exc:
            self.say(Text(str(exc), style="bold red"))
            return
        self.changed.add(self.conflict.id)
        self.load(self.conflict.id)
        self.notify("Saved: pushed on the next run.")

    # -- apply to all -------------------------------------------------------------------
    def action_apply_all(self) -> None:
        """This field's choice for every other open conflict of the entity with the field."""
        row = self.field_under_cursor()
        if row is None:
            return
        choice = self.chosen_value(row)
        if choice is None:
            self.say(
                f"Choose {row['field']} first ({self.pick_keys()}); "
                f"{self.app.key('resolve.apply_all')} then applies that choice to "
                f"every other open {self.conflict.entity} conflict on {row['field']}."
            )
            return
        if choice[0] == "custom":
            spec = self.field_spec(row["field"])
            try:
                choice = Choice(PickOf.CUSTOM, checked_custom(spec, choice[1]))
            except ResolveError as exc:
                self.say(Text(str(exc), style="bold red"))
                return
        self.count_same_field(self.conflict.entity, row["field"], choice, self.conflict.id)

    @work(thread=True, group="resolve-count")
    def count_same_field(self, entity: str, field: str, choice: Choice, exclude: int) -> None:
        app = self.app
        count = app.store.count_open_with_field(app.profile.id, entity, field, exclude=exclude)
        self.post_message(SameFieldCounted(field, choice, count))

    @on(SameFieldCounted)
    def ask_apply_all(self, message: SameFieldCounted) -> None:
        if self.conflict is None or self.detail is None:
            return
        entity, field, choice = self.conflict.entity, message.field, message.choice
        if not message.count:
            self.say(f"No other open {entity} conflict has {field} in conflict.")
            return
        systems = self.detail["systems"]
        if choice[0] in ("a", "b"):
            what = f"each one's {systems[choice[0]]} value"
        else:
            row = next((r for r in self.detail["rows"] if r["field"] == field), None)
            what = repr(self.result_of(row)[1]) if row else "this value"
        question = (
            f"Use {what} for {field} in {message.count} other open {entity} conflict(s)? "
            "Those with other fields still undecided stay open with this field chosen."
        )
        exclude = self.conflict.id

        def go(yes: bool | None) -> None:
            if yes:
                self.say(f"Saving {field} in {message.count} conflict(s)…")
                self.choose_everywhere(entity, field, choice, exclude)

        self.app.push_screen(ConfirmScreen(question), go)

    @work(thread=True, group="resolve-apply")
    def choose_everywhere(self, entity: str, field: str, choice: Choice, exclude: int) -> None:
        app = self.app
        # Possibly many rows: this thread writes through its own connection.
        store = open_store(app.store.path)
        try:
            statuses = store.choose_field(
                app.profile.id, entity, field, choice, actor=app.actor, exclude=exclude
            )
        except StoreError as exc:
            self.post_message(SameFieldChosen(field, {}, str(exc)))
            return
        finally:
            store.close()
        self.post_message(SameFieldChosen(field, statuses))

    @on(SameFieldChosen)
    def applied_all(self, message: SameFieldChosen) -> None:
        if message.error:
            self.say(Text(message.error, style="bold red"))
            return
        self.changed.update(message.statuses)
        resolved = sum(1 for s in message.statuses.values() if s == ConflictStatus.RESOLVED)
        still = len(message.statuses) - resolved
        text = (
            f"{message.field} chosen in {len(message.statuses)} other conflict(s): "
            f"{resolved} resolved, {still} still open with other fields to decide."
        )
        if message.field in self.picks:
            text += f" This conflict's choice is saved with {self.app.key('resolve.save')}."
        self.say(text)
        self.notify(text, markup=False)

    # -- remember as a rule -------------------------------------------------------------
    def action_remember(self) -> None:
        row = self.field_under_cursor()
        if row is None or self.detail is None:
            return
        side, _ = self.result_of(row)
        if side not in ("a", "b"):
            self.say(
                f"To remember a rule, pick a side for {row['field']} first "
                f"({self.sides_keys()}): "
                "a typed value cannot become a rule."
            )
            return
        app = self.app
        entity, field = self.conflict.entity, row["field"]
        labels = (app.a_label, app.b_label)
        scopes = [(entity, field), (entity, None), (None, None)]
        answers = [
            (rule_words(kind, side if kind == "prefer" else None, e, f, *labels), (kind, e, f))
            for kind in ("prefer", "fill_blanks")
            for e, f in scopes
        ]
        question = (
            f"You picked {labels[0] if side == 'a' else labels[1]} for {field}. Remember it "
            "as a rule that every run applies, to open conflicts too? Prefer: that side wins "
            "a conflict. Fill blanks: when one side is blank, the other side's value is taken."
        )

        def save(answer: Any) -> None:
            if answer is None:
                return
            kind, e, f = answer
            rule_side = side if kind == "prefer" else None
            try:
                rule_id = remember_rule(
                    app.store, app.profile, kind, rule_side, e, f, actor=app.actor
                )
            except (ResolveError, StoreError) as exc:
                self.say(Text(str(exc), style="bold red"))
                return
            words = rule_words(kind, rule_side, e, f, *labels)
            text = (
                f"Saved rule #{rule_id}: {words}. The next run applies it, to open conflicts "
                f"too. Preferences (key {app.key('app.preferences')}) lists it; "
                f"{app.key('prefs.rule_delete')} deletes it there."
            )
            self.say(text)
            self.notify(text, markup=False)

        self.app.push_screen(ChoiceScreen(question, answers), save)

    # -- reopen -------------------------------------------------------------------------
    def action_reopen(self) -> None:
        if self.conflict is None:
            return
        if self.conflict.status != ConflictStatus.RESOLVED:
            self.say(cannot_reopen(self.conflict.id, self.conflict.status))
            return
        conflict_id = self.conflict.id

        def go(leave: bool | None = True) -> None:
            if not leave:
                return
            app = self.app
            try:
                app.store.unresolve_conflict(conflict_id)
            except StoreError as exc:
                self.say(Text(str(exc), style="bold red"))
                return
            self.changed.add(conflict_id)
            self.load(conflict_id)
            takes = self.app.key("resolve.take_suggestion")
            self.notify(f"Reopened: your earlier choice is the suggestion; {takes} takes it.")

        self.confirm_unsaved(go, "Reopen and drop them?")

    # -- leaving ------------------------------------------------------------------------
    def neighbour(self, step: int) -> int | None:
        """The conflict before/after this one in `order` (None at either end, or when
        this one is not in it)."""
        if self.conflict_id not in self.order:
            return None
        i = self.order.index(self.conflict_id) + step
        return self.order[i] if 0 <= i < len(self.order) else None

    def action_step(self, step: int) -> None:
        def go(leave: bool | None = True) -> None:
            if not leave:
                return
            target = self.neighbour(step)
            if target is None:
                self.say("No more conflicts that way (in the loaded queue).")
                return
            self.load(target)

        self.confirm_unsaved(go)

    def action_leave(self) -> None:
        def go(leave: bool | None = True) -> None:
            if leave:
                self.dismiss(ResolveOutcome(frozenset(self.changed), self.conflict_id))

        self.confirm_unsaved(go)

    def confirm_unsaved(
        self, then: Callable[[bool | None], None], question: str = "Leave without saving?"
    ) -> None:
        if self.picks:
            self.app.push_screen(
                ConfirmScreen(
                    f"{len(self.picks)} unsaved choice(s) on conflict "
                    f"{self.conflict_id}. {question}"
                ),
                then,
            )
        else:
            then(True)
