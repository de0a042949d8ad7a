"""The footer every console screen shows: the screen's keys in its own order, as many as
fit, and always the way out and the way to every key.

Textual's footer lays the keys out left to right and the terminal cuts what does not fit:
at 80 columns the Resolve screen lost `esc` and `?`, Home lost `q`. This one measures each
key, keeps ``esc`` and ``?`` at the end of the row (and ``q`` on a screen without ``esc``),
fills the room before them with the screen's keys in order, and when some had to be left
out calls `?` "All keys": every key stays in `?` help and the command palette. It is drawn
from public API only (the screen's ``active_bindings`` and its bindings signal).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static

from .text import short_label

#: Kept on the row whatever else must go, in this order, at its end.
PINNED = ("escape", "question_mark", "q")
#: What `?` says when some keys did not fit.
ALL_KEYS = "All keys"
#: The command palette's key, at the right end.
PALETTE = "ctrl+p"


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes: key, space, description, two spaces after."""
    return len(key_display) + (1 + len(description) if description else 0) + 2


class ConsoleFooter(Static):
    """One line of keys that never cuts its way out (see the module docstring)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"console-footer--key"}
    DEFAULT_CSS = """
    ConsoleFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    ConsoleFooter > .console-footer--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: (key, shown key, description) of each key on the row, in order.
        self.shown: list[tuple[str, str, str]] = []
        #: Keys left out of the row the last time it was laid out.
        self.left_out: list[str] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.keys_changed)
        self.keys_changed()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, event: events.Resize) -> None:
        self.keys_changed()

    def keys_changed(self, *_: object) -> None:
        if self.is_attached:
            self.update(self.line(self.size.width or self.app.size.width))

    def items(self) -> tuple[list[Binding], Binding | None]:
        """The shown bindings of the screen, one per action, and the palette's."""
        seen: set[str] = set()
        items: list[Binding] = []
        palette = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if key == PALETTE and self.app.ENABLE_COMMAND_PALETTE:
                palette = binding
                continue
            if not binding.show or binding.action in seen or not binding.description:
                continue
            seen.add(binding.action)
            items.append(binding)
        return items, palette

    def words(self, binding: Binding) -> str:
        """What the row calls a key: its description, the systems by their short names
        ("Use QuickBooks Online" -> "Use QBO"; `?` and the palette keep the full ones)."""
        words = binding.description
        for label in {getattr(self.app, "a_label", ""), getattr(self.app, "b_label", "")}:
            if label:
                words = words.replace(label, short_label(label))
        return words

    def fit(self, width: int) -> list[tuple[Binding, str]]:
        """The bindings on the row, in order, each with the words it shows."""
        items, palette = self.items()
        # `q` stays on the row of a screen without `esc` (a top-level one); where `esc`
        # leaves, `q` gives way first (`?` lists it).
        keep = PINNED if not any(b.key == "escape" for b in items) else PINNED[:2]
        pinned = sorted((b for b in items if b.key in keep), key=lambda b: keep.index(b.key))
        rest = [b for b in items if b.key not in PINNED]
        quit_ = [b for b in items if b.key == "q" and b not in pinned]
        room = width - sum(self.width_of(b, self.words(b)) for b in pinned)
        if palette is not None:
            room -= self.width_of(palette, "palette")
        shown: list[Binding] = []
        self.left_out = []
        for binding in rest:
            need = self.width_of(binding, self.words(binding))
            if need <= room and not self.left_out:
                shown.append(binding)
                room -= need
            else:
                self.left_out.append(binding.key)
        helps = any(b.key == "question_mark" for b in pinned)
        if self.left_out and helps:
            # "All keys" is longer than "Help": make room by leaving out the last key shown.
            extra = len(ALL_KEYS) - len(
                next(self.words(b) for b in pinned if b.key == "question_mark")
            )
            while shown and room < extra:
                dropped = shown.pop()
                self.left_out.insert(0, dropped.key)
                room += self.width_of(dropped, self.words(dropped))
        for binding in quit_:  # after the way out, when there is room for it
            if not self.left_out and self.width_of(binding, self.words(binding)) <= room:
                pinned.append(binding)
        out = [(b, self.words(b)) for b in shown]
        for binding in pinned:
            words = (
                ALL_KEYS
                if binding.key == "question_mark" and self.left_out
                else self.words(binding)
            )
            out.append((binding, words))
        if palette is not None:
            out.append((palette, "palette"))
        return out

    def width_of(self, binding: Binding, words: str) -> int:
        return key_width(self.app.get_key_display(binding), words)

    def line(self, width: int) -> Text:
        """The footer's one line of text for ``width`` columns."""
        key_style = self.get_component_rich_style("console-footer--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        self.shown = []
        row = self.fit(width)
        for at, (binding, words) in enumerate(row):
            shown = self.app.get_key_display(binding)
            if binding.key == PALETTE:
                gap = width - text.cell_len - key_width(shown, words) + 2
                text.append(" " * max(1, gap))
            elif at:
                text.append("  ")
            text.append(shown, style=key_style)
            text.append(f" {words}")
            self.shown.append((binding.key, shown, words))
        return text
