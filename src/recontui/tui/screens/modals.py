"""Small dialogs: confirm a question, edit one field's value (validated by its type)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Static

from ...model import FieldSpec, FieldValueError, parse_value


class ConfirmScreen(ModalScreen[bool]):
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
            yield Label("y yes · n no")

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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, spec: FieldSpec, initial: str) -> None:
        super().__init__()
        self.spec = spec
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Value for {self.spec.title} (Enter saves, escape cancels)"))
            yield Input(
                value=self.initial,
                validators=[FieldValidator(self.spec)],
                validate_on=["changed", "submitted"],
                id="edit-input",
            )
            yield Static(id="edit-error", classes="error")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self._show(event.validation_result)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self._show(result)
            return
        self.dismiss((event.value, parse_value(self.spec, event.value)))

    def _show(self, result: ValidationResult | None) -> None:
        text = "" if result is None or result.is_valid else " ".join(result.failure_descriptions)
        self.query_one("#edit-error", Static).update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
