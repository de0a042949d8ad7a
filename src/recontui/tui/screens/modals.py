"""Small dialogs: confirm a question, edit one field's value (validated by its type),
choose a record for a reference, choose one of a few sentences."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...model import ENTITIES, FieldSpec, FieldValueError, Ref, parse_value
from ..console import ConsoleApp
from ..messages import RecordsPage
from ..text import plain


class ConfirmScreen(ModalScreen[bool]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            yes, no = self.app.key("confirm.yes"), self.app.key("confirm.no")
            yield Label(Text(f"{yes} yes · {no} no"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class FieldValidator(Validator):
    def __init__(self, spec: FieldSpec) -> None:
        super().__init__()
        self.spec = spec

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_value(self.spec, value)
        except FieldValueError as exc:
            return self.failure(str(exc))
        return self.success()


class EditValueScreen(ModalScreen[tuple[str, Any] | None]):
    """Dismisses with (typed text, parsed value), or None when cancelled."""

    app = getters.app(ConsoleApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, spec: FieldSpec, initial: str) -> None:
        super().__init__()
        self.spec = spec
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            cancels = self.app.key("edit.cancel")
            yield Label(Text(f"Value for {self.spec.title} (Enter saves, {cancels} cancels)"))
            yield Input(
                value=self.initial,
                validators=[FieldValidator(self.spec)],
                validate_on=["changed", "submitted"],
                id="edit-input",
            )
            yield Static(id="edit-error", classes="error")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.show_error(event.validation_result)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.show_error(result)
            return
        self.dismiss((event.value, parse_value(self.spec, event.value)))

    def show_error(self, result: ValidationResult | None) -> None:
        text = "" if result is None or result.is_valid else " ".join(result.failure_descriptions)
        self.query_one("#edit-error", Static).update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RecordChooserScreen(ModalScreen[tuple[Ref, str] | None]):
    """Choose the record a reference points at: records on both sides, by name.

    Typing filters by name; the list is read a keyset page at a time (there may be
    tens of thousands), the next page when the cursor reaches the last row. Dismisses
    with (the reference, the record's name), or None when cancelled.
    """

    app = getters.app(ConsoleApp)
    PAGE = 50
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next record", show=False, id="records.down"),
        Binding("up", "move(-1)", "Previous record", show=False, id="records.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="records.pagedown"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="records.pageup"),
        Binding("escape", "cancel", "Cancel", id="records.cancel"),
    ]

    def __init__(self, spec: FieldSpec, heading: str, systems: tuple[str, str]) -> None:
        super().__init__()
        if spec.ref_entity not in ENTITIES:
            raise ValueError(f"{spec.name} does not refer to a known entity")
        self.spec = spec
        self.entity = ENTITIES[spec.ref_entity]
        self.heading = heading
        self.systems = systems
        self.rows: list[dict[str, Any]] = []
        self.needle = ""
        self.generation = 0
        self.exhausted = False
        self.fetching = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.heading))
            yield Input(placeholder="type to filter by name", id="records-filter")
            yield DataTable(id="records", cursor_type="row")
            yield Static(id="records-status")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False  # typing goes to the filter; up/down move the cursor
        table.add_column("name", key="name", width=30)
        table.add_column(Text(f"{self.systems[0]} id"), key="a_id", width=13)
        table.add_column(Text(f"{self.systems[1]} id"), key="b_id", width=13)
        self.query_one(Input).focus()
        self.reload()

    def reload(self) -> None:
        self.generation += 1
        self.rows, self.exhausted = [], False
        self.query_one(DataTable).clear()
        self.load(self.needle, None, self.generation)

    @work(thread=True, exclusive=True, group="records")
    def load(self, needle: str, after: tuple[str, int] | None, generation: int) -> None:
        rows = self.app.store.paired_names(
            self.app.profile.id,
            self.entity.name,
            self.entity.title_field,
            contains=needle,
            after=after,
            limit=self.PAGE,
        )
        self.post_message(RecordsPage(rows, after is None, len(rows) < self.PAGE, generation))

    @on(RecordsPage)
    def show_page(self, message: RecordsPage) -> None:
        if message.generation != self.generation:
            return  # a page for an older filter
        self.fetching = False
        table = self.query_one(DataTable)
        for row in message.rows:
            self.rows.append(row)
            table.add_row(
                plain(row["name"] or f"#{row['id']}"),
                plain(row["a_id"], "dim"),
                plain(row["b_id"], "dim"),
                key=str(row["id"]),
            )
        self.exhausted = message.exhausted
        if not self.rows:
            text = (
                f"No {self.entity.label.lower()} on both sides has {self.needle!r} in its name."
                if self.needle
                else f"No {self.entity.label.lower()} exists on both sides yet."
            )
        else:
            more = "" if self.exhausted else "; more below"
            cancels = self.app.key("records.cancel")
            text = f"{len(self.rows)} shown{more}. Enter chooses, {cancels} cancels."
        self.query_one("#records-status", Static).update(Text(text))

    @on(Input.Changed, "#records-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        needle = event.value.strip()
        if needle != self.needle:
            self.needle = needle
            self.reload()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        row = max(0, min(table.cursor_row + step, table.row_count - 1))
        table.move_cursor(row=row)
        if row >= table.row_count - 1 and not self.exhausted and not self.fetching:
            last = self.rows[-1]
            self.fetching = True
            self.load(self.needle, (last["name"] or "", last["id"]), self.generation)

    @on(Input.Submitted, "#records-filter")
    def choose(self, event: Input.Submitted) -> None:
        event.stop()
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            self.query_one("#records-status", Static).update(
                Text("Nothing to choose: change the filter.")
            )
            return
        row = self.rows[table.cursor_row]
        assert self.spec.ref_entity is not None
        self.dismiss((Ref(self.spec.ref_entity, int(row["id"])), row["name"] or f"#{row['id']}"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[Any]):
    """One question, a few answers as sentences: dismisses with the chosen answer's value."""

    app = getters.app(ConsoleApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(self, question: str, answers: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.question = question
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            yield OptionList(
                *(Option(Text(label), id=str(i)) for i, (label, _) in enumerate(self.answers)),
                id="choice-list",
            )
            cancels = self.app.key("choice.cancel")
            yield Label(Text(f"↑ ↓ choose · Enter saves · {cancels} cancels"))

    @on(OptionList.OptionSelected, "#choice-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.answers[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
