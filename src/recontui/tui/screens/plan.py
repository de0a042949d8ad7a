"""A dry run's plan in the console (Run screen, `d`): what the next sync would do, by
entity and by record name, and for the record under the cursor each field's value before
and after. Nothing is written; `s` on the Run screen starts the sync itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ...model import ORDER
from ...present import Names, plural_label
from ...setup.first_sync import change_detail, plan_words
from ..console import ConsoleApp
from ..footer import ConsoleFooter

#: What a field with no value shows.
NOTHING = "(none)"


def plan_order(
    plan: Sequence[Mapping[str, Any]], names: Names
) -> list[tuple[Mapping[str, Any], str]]:
    """The plan's items with their records' names, by entity (in sync order) then name."""

    def name_of(item: Mapping[str, Any]) -> str:
        return str(item.get("name") or names.link_name(int(item["link"])))

    named = [(item, name_of(item)) for item in plan]
    rank = {entity: at for at, entity in enumerate(ORDER)}
    return sorted(
        named,
        key=lambda pair: (rank.get(str(pair[0]["entity"]), len(rank)), pair[1].casefold()),
    )


def value_lines(item: Mapping[str, Any], names: Names) -> Text:
    """Each field the item writes, "field: before → after", or what it asks a person."""
    out = Text(no_wrap=False)
    values: Mapping[str, Sequence[Any]] = item.get("values") or {}
    entity = str(item["entity"])
    if not values:
        note = item.get("note") or item.get("why")
        fields = ", ".join(item.get("fields") or ())
        out.append(str(note) if note else f"Fields: {fields}" if fields else "")
        return out
    width = max(len(name) for name in values)
    for at, (name, (before, after)) in enumerate(sorted(values.items())):
        if at:
            out.append("\n")
        out.append(f"{name:<{width}}  ", style="bold")
        out.append(names.value(entity, name, before) if before is not None else NOTHING)
        out.append("  →  ")
        out.append(names.value(entity, name, after) if after is not None else NOTHING)
    return out


class PlanScreen(Screen[None]):
    """The plan of a dry run, browsable (see the module docstring)."""

    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="plan.back"),
    ]
    DEFAULT_CSS = """
    PlanScreen #plan-counts { height: auto; max-height: 6; padding: 0 1; }
    PlanScreen #plan-table { height: 1fr; }
    PlanScreen #plan-values {
        height: auto; max-height: 8; padding: 0 1; border-top: solid $primary;
    }
    """

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result
        self.items: list[tuple[Mapping[str, Any], str]] = []
        self.names: Names | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="plan-counts")
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="plan-values")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        names = Names(self.app.store)
        words = plan_words(self.result)
        words[0] = words[0].replace("The first sync", "The next sync")
        self.query_one("#plan-counts", Static).update(
            Text("Dry run: nothing was written.\n" + "\n".join(words))
        )
        table = self.query_one("#plan-table", DataTable)
        table.add_columns("records", "record", "change")
        self.items = plan_order(self.result.plan or [], names)
        for item, name in self.items:
            table.add_row(
                plural_label(str(item["entity"])), Text(name), Text(change_detail(dict(item)))
            )
        self.names = names
        self.show_values(0)
        table.focus()

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_values(event.cursor_row)

    def show_values(self, row: int) -> None:
        panel = self.query_one("#plan-values", Static)
        if not self.items or row >= len(self.items):
            panel.update(Text("Both systems already agree: nothing to write."))
            return
        item, name = self.items[row]
        names = self.names or Names(self.app.store)
        head = Text(f"{name}: {change_detail(dict(item))}\n", style="bold")
        head.append_text(value_lines(item, names))
        panel.update(head)
