"""Preferences' filters dialog: one line per filter (a type include list, or a
created-date range), each saved on Enter by the headless function the setup file uses too
(setup/filters.py), so both check alike and say the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...setup.filters import (
    created_ranges,
    list_words,
    range_hint,
    save_created_range,
    save_type_list,
    type_hint,
    type_lists,
)
from ...store import Profile, Store
from ..console import ConsoleApp


@dataclass(frozen=True)
class FilterLine:
    """One filter as the dialog edits it: its words, its current value, how it saves."""

    label: str
    hint: str
    value: str
    save: Callable[[str], str | None]


def type_lines(store: Store, profile: Profile, actor: str) -> list[FilterLine]:
    """The include lists of the profile's systems (``i`` in Preferences)."""

    def saver(entity: str, system: str) -> Callable[[str], str | None]:
        return lambda text: save_type_list(store, profile, entity, system, text, actor)

    return [
        FilterLine(
            item.label(),
            type_hint(item.entity, item.system),
            list_words(item.names),
            saver(item.entity, item.system),
        )
        for item in type_lists(store, profile)
    ]


def range_lines(store: Store, profile: Profile, actor: str) -> list[FilterLine]:
    """The created-date range of each system (``c`` in Preferences)."""

    def saver(system: str) -> Callable[[str], str | None]:
        return lambda text: save_created_range(store, profile, system, text, actor)

    return [
        FilterLine(item.label(), range_hint(), str(item.range), saver(item.system))
        for item in created_ranges(store, profile)
    ]


class FiltersScreen(ModalScreen[list[str] | None]):
    """The lines of one kind of filter; Enter saves the line it is on. Dismissed with
    what was saved ("Customer types from QuickBooks Online: Retail"), None if nothing."""

    app = getters.app(ConsoleApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="filters.close"),
    ]
    DEFAULT_CSS = """
    FiltersScreen #filters-lines {
        height: auto;
        max-height: 15;
    }
    """

    def __init__(self, title: str, lines: list[FilterLine]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.saved: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            closes = self.app.key("filters.close")
            yield Label(Text(f"{self.title_text} (Enter saves a line, {closes} closes)"))
            with VerticalScroll(id="filters-lines", can_focus=False):
                for number, line in enumerate(self.lines):
                    yield Label(Text(line.label))
                    yield Static(Text(line.hint, style="dim"))
                    yield Input(value=line.value, id=f"filter-{number}")
            yield Static(id="filters-error", classes="error")
            yield Static(id="filters-status")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        number = int(str(event.input.id).removeprefix("filter-"))
        line = self.lines[number]
        problem = line.save(event.value)
        error = self.query_one("#filters-error", Static)
        if problem:
            error.update(Text(f"{line.label}: {problem} Not saved."))
            return
        error.update("")
        said = f"{line.label}: {event.value.strip() or 'all'}"
        self.saved.append(said)
        self.query_one("#filters-status", Static).update(Text(f"Saved: {said}."))

    def action_close(self) -> None:
        self.dismiss(self.saved or None)
