"""`?`: the keys of the screen underneath, as the footer would show them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

from ..console import ConsoleApp


class HelpScreen(ModalScreen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", key_display="?", show=False, id="help.close2"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
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
            self.rows.append((display, binding.description))
        self.rows.append(("↑ ↓ pgup pgdn", "Move the cursor"))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            closes = self.app.key("help.close")
            yield Label(Text(f"Keys on this screen ({closes} closes)"), classes="title")
            yield DataTable(id="help-table", cursor_type="row", show_cursor=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        for key, description in self.rows:
            table.add_row(Text(key, style="bold"), Text(description))
