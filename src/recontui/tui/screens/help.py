"""`?`: the keys of the screen underneath, as the footer would show them, and the keys that
work everywhere on one line below: all of it fits at 80x24 without scrolling (a screen with
many keys lists them in two columns)."""

from __future__ import annotations

from itertools import zip_longest
from typing import ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from ..console import ConsoleApp

#: More of the screen's own keys than this are listed in two columns.
ONE_COLUMN = 10


class HelpScreen(ModalScreen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", key_display="?", show=False, id="help.close2"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        #: The screen's own keys, and (``everywhere``) the app's.
        self.own: list[tuple[str, str]] = []
        self.everywhere: list[tuple[str, str]] = []
        seen: set[str] = set()
        # The screen's own keys and the app's; the cursor keys of tables are left out.
        for key, active in under.active_bindings.items():
            binding = active.binding
            if (
                active.node not in (under, self.app)
                or not binding.id
                or not binding.description
                or key in seen
            ):
                continue
            seen.add(key)
            display = binding.key_display or self.app.get_key_display(binding)
            rows = self.own if active.node is under else self.everywhere
            rows.append((display, binding.description))
        self.own.append(("↑ ↓ pgup pgdn", "Move the cursor"))

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Every key shown: the screen's own, then those that work everywhere."""
        return self.own + self.everywhere

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            closes = self.app.key("help.close")
            yield Label(Text(f"Keys on this screen ({closes} closes)"), classes="title")
            yield DataTable(id="help-table", cursor_type="row", show_cursor=False)
            if self.everywhere:
                line = Text("Everywhere: ", style="bold")
                for at, (key, description) in enumerate(self.everywhere):
                    line.append(" · " if at else "")
                    line.append(key, style="bold")
                    line.append(f" {description}")
                yield Static(line, id="help-everywhere")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        rows = self.own
        if len(rows) <= ONE_COLUMN:
            table.add_columns("key", "action")
            for key, description in rows:
                table.add_row(Text(key, style="bold"), Text(description))
            return
        # Two columns, read down the first then the second.
        half = (len(rows) + 1) // 2
        table.add_columns("key", "action", "key", "action")
        for left, right in zip_longest(rows[:half], rows[half:], fillvalue=("", "")):
            table.add_row(
                Text(left[0], style="bold"),
                Text(left[1]),
                Text(right[0], style="bold"),
                Text(right[1]),
            )
