"""Remote text becomes `rich.text.Text`, never markup: a name like `[bold]X[/]` stays literal."""

from __future__ import annotations

from typing import Any

from rich.text import Text

#: Marks a value that differs from the base; shown with colour too, never colour alone.
CHANGED = "≠ "
CHOSEN = "✔ "


def plain(value: Any, style: str = "") -> Text:
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def short_label(label: str) -> str:
    """A system's label for a narrow header or the footer: "QuickBooks Online" -> "QBO",
    "BILL" stays."""
    if len(label) <= 6:
        return label
    capitals = "".join(ch for ch in label if ch.isupper())
    return capitals if 2 <= len(capitals) <= 6 else label[:6]


def status_text(status: str, *, short: bool = False) -> Text:
    label = (
        status
        if short
        else {
            "open": "open",
            "resolved": "resolved: pushed on the next run",
            "pushed": "pushed",
            "superseded": "superseded",
        }.get(status, status)
    )
    style = {"open": "bold yellow", "resolved": "green", "pushed": "dim"}.get(status, "")
    return Text(label, style=style)
