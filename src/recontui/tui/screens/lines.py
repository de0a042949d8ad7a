"""A line-item conflict, line against line (Resolve, `e` on a lines field).

Each line of the record is shown as two rows, one per system, its parts in columns; a part
that differs between the two is marked (≠, and colour). `a` or `b` takes that line from one
system (a line one system does not have is left out when that system is taken), `A`/`B`
every line; Enter hands the lines chosen back to Resolve as the field's value (saved with
ctrl+s there), escape leaves without choosing. Lines are paired by position: the order
both systems keep them in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...model import FieldSpec, same
from ...model.entities import Side
from ..console import ConsoleApp
from ..text import CHANGED, plain, short_label

Line = Mapping[str, Any]
#: What a missing line shows.
NO_LINE = "(no line)"
#: A part's column width by its type (text and references 14; longer values end in "…",
#: and the line under the cursor is shown whole below the table).
PART_WIDTH = {"money": 11, "price": 11, "decimal": 8, "bool": 6}


def line_parts(spec: FieldSpec) -> list[FieldSpec]:
    """The parts of a line shown and compared (those the sync merges)."""
    return [sub for sub in spec.line_fields if sub.synced]


def pair_lines(a: Sequence[Line], b: Sequence[Line]) -> list[tuple[Line | None, Line | None]]:
    """Lines paired by position; a line one side lacks pairs with None."""
    return [
        (a[i] if i < len(a) else None, b[i] if i < len(b) else None)
        for i in range(max(len(a), len(b)))
    ]


def differing_parts(spec: FieldSpec, a: Line | None, b: Line | None) -> set[str]:
    """The parts of a pair of lines whose values differ (every part when one is missing)."""
    parts = line_parts(spec)
    if a is None or b is None:
        return {sub.name for sub in parts}
    return {sub.name for sub in parts if not same(sub, a.get(sub.name), b.get(sub.name))}


def chosen_lines(
    pairs: Sequence[tuple[Line | None, Line | None]], takes: Sequence[Side | None]
) -> list[dict[str, Any]]:
    """The lines a person chose, in order: each pair's line from the side taken; a pair
    whose taken side has no line is left out."""
    out = []
    for (a, b), side in zip(pairs, takes, strict=True):
        line = a if side == "a" else b
        if line is not None:
            out.append(dict(line))
    return out


class LinesScreen(ModalScreen[list[dict[str, Any]] | None]):
    """Line against line, a side picked per line (see the module docstring)."""

    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "take('a')", "Line from billing", id="lines.take_a"),
        Binding("b", "take('b')", "Line from accounting", id="lines.take_b"),
        Binding("enter", "done", "Use these lines", priority=True, id="lines.done"),
        Binding("A", "take_all('a')", "Every line from billing", id="lines.all_a"),
        Binding("B", "take_all('b')", "Every line from accounting", id="lines.all_b"),
        Binding("escape", "dismiss(None)", "Back", id="lines.back"),
    ]
    DEFAULT_CSS = """
    LinesScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    LinesScreen #lines-table { height: 1fr; }
    LinesScreen #lines-status { height: auto; max-height: 5; padding: 0 1; }
    """

    def __init__(
        self,
        spec: FieldSpec,
        values: Mapping[str, Any],
        systems: Mapping[str, str],
        show: Callable[[FieldSpec, Any], str],
    ) -> None:
        super().__init__()
        self.spec = spec
        self.systems = systems
        self.show = show
        self.pairs = pair_lines(values.get("a") or [], values.get("b") or [])
        # Lines alike on both sides need no choice: they are taken as they are.
        self.takes: list[Side | None] = [
            "a" if not differing_parts(spec, a, b) else None for a, b in self.pairs
        ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="lines-head")
            yield DataTable(id="lines-table", cursor_type="row", zebra_stripes=False)
            yield Static(id="lines-status")

    def on_mount(self) -> None:
        head = Text(f"{self.spec.title}, line against line", style="bold")
        head.append(
            f" ({len(self.pairs)} lines; ≠ marks a part that differs). "
            f"a / b take a line from {self.systems['a']} / {self.systems['b']}; "
            "Enter uses the lines chosen; escape leaves.",
            style="",
        )
        self.query_one("#lines-head", Static).update(head)
        self.draw()
        self.query_one(DataTable).focus()
        self.say()

    def columns(self) -> list[FieldSpec]:
        """The parts shown, those that differ on some line first (they are what decides;
        at 80 columns the others may be cut)."""
        differ = set().union(*(differing_parts(self.spec, a, b) for a, b in self.pairs))
        parts = line_parts(self.spec)
        return [p for p in parts if p.name in differ] + [p for p in parts if p.name not in differ]

    def draw(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("line", key="line", width=4)
        table.add_column("from", key="from", width=6)
        table.add_column("take", key="take", width=8)
        parts = self.columns()
        for sub in parts:
            width = PART_WIDTH.get(sub.type.value, 14)
            table.add_column(sub.title, key=sub.name, width=width)
        for index, (a, b) in enumerate(self.pairs):
            differ = differing_parts(self.spec, a, b)
            sides: tuple[tuple[Side, Line | None], ...] = (("a", a), ("b", b))
            for side, line in sides:
                cells = self.cells(index, side, line, differ, parts)
                table.add_row(*cells, key=f"{index}{side}")
        if 0 <= row < table.row_count:
            table.move_cursor(row=row)

    def cells(
        self, index: int, side: Side, line: Line | None, differ: set[str], parts: list[FieldSpec]
    ) -> list[Text]:
        take = self.takes[index]
        cells = [
            Text(str(index + 1) if side == "a" else "", style="bold"),
            plain(short_label(self.systems[side]), "bold" if take == side else "dim"),
            self.take_text(take) if side == "a" else Text(""),
        ]
        for at, sub in enumerate(parts):
            if line is None:
                cells.append(Text(NO_LINE if at == 0 else "", "dim"))
                continue
            value = self.show(sub, line.get(sub.name))
            if sub.name in differ:
                cell = Text(CHANGED, style="yellow", no_wrap=True, overflow="ellipsis")
                cell.append_text(plain(value, "yellow"))
            else:
                cell = plain(value)
            cells.append(cell)
        return cells

    def take_text(self, take: Side | None) -> Text:
        if take is None:
            return Text("? choose", style="bold red")
        return plain(f"✔ {short_label(self.systems[take])}", "bold green")

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The line under the cursor, whole (cells end in "…" at 80 columns)."""
        self.say()

    def line_words(self) -> Text:
        row = max(0, self.query_one(DataTable).cursor_row)
        if not self.pairs:
            return Text("")
        index, side = row // 2, ("a", "b")[row % 2]
        line = self.pairs[index][0 if side == "a" else 1]
        text = Text(f"Line {index + 1}, {self.systems[side]}: ", style="bold")
        if line is None:
            text.append("no such line", style="dim")
            return text
        parts = [
            f"{sub.title.lower()} {self.show(sub, line.get(sub.name))}"
            for sub in self.columns()
            if line.get(sub.name) is not None
        ]
        text.append_text(plain(" · ".join(parts)))
        text.no_wrap = False
        return text

    def current(self) -> int:
        return max(0, self.query_one(DataTable).cursor_row) // 2

    def action_take(self, side: Side) -> None:
        index = self.current()
        if not self.pairs:
            return
        self.takes[index] = side
        self.draw()
        table = self.query_one(DataTable)
        table.move_cursor(row=min(table.row_count - 1, (index + 1) * 2))
        self.say()

    def action_take_all(self, side: Side) -> None:
        self.takes = [side] * len(self.pairs)
        self.draw()
        self.say()

    def say(self, note: str = "") -> None:
        open_ = [str(i + 1) for i, take in enumerate(self.takes) if take is None]
        text = self.line_words()
        text.append("\n" + note + (" " if note else ""))
        if open_:
            text.append(f"Still to choose: line {', '.join(open_)}.", style="bold")
        else:
            kept = len(chosen_lines(self.pairs, self.takes))
            text.append(f"Every line chosen: {kept} lines. Enter uses them.", style="bold green")
        self.query_one("#lines-status", Static).update(text)

    def action_done(self) -> None:
        if any(take is None for take in self.takes):
            self.say("Choose a side for every line first (a or b).")
            return
        self.dismiss(chosen_lines(self.pairs, self.takes))
