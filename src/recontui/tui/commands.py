"""The command palette (ctrl+p): every key of the current screen, every screen by name, and
the keys of the other screens ("Preferences: New rule" goes there and presses it).

The commands are read from the same bindings the footer and `?` show, so the palette
can never offer an action the screen does not have, nor miss one it does. A query is
matched against each command's name and, less strongly, its description ("rule" finds the
screens that hold rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

SCREENS = (
    ("home", "Home", "the two systems, the last run, open conflicts"),
    ("conflicts", "Conflicts", "the conflict queue"),
    ("run", "Run", "start a sync and follow its log"),
    ("history", "History", "past runs and their logs"),
    ("preferences", "Preferences", "directions, rules, schedule, window"),
    ("auto", "Auto-resolved", "what rules decided, to override"),
)


class ActionsProvider(Provider):
    """The bindings active on the screen the palette was opened from."""

    def commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.app
        screen = self.screen
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.id or not binding.description:
                continue
            if binding.description in seen or "switch_mode" in binding.action:
                continue  # one command per action ("Go to ..." below covers the screens)
            seen.add(binding.description)
            shown = binding.key_display or app.get_key_display(binding)
            yield (
                binding.description,
                f"key {shown}",
                partial(app.run_action, binding.action, active.node),
            )
        for mode, title, about in SCREENS:
            if mode in app.MODES:
                yield (f"Go to {title}", about, partial(app.switch_mode, mode))
        current = type(screen)
        for mode, title, _about in SCREENS:
            kind = app.MODES.get(mode)
            if not isinstance(kind, type) or kind is current:
                continue
            for binding in getattr(kind, "BINDINGS", ()):
                if not isinstance(binding, Binding) or not binding.id or not binding.description:
                    continue
                if "switch_mode" in binding.action or binding.key == "escape":
                    continue
                shown = binding.key_display or app.get_key_display(binding)
                yield (
                    f"{title}: {binding.description}",
                    f"on {title}, key {shown}",
                    partial(self.elsewhere, mode, binding.action),
                )

    def elsewhere(self, mode: str, action: str) -> None:
        """Go to ``mode``'s screen and run ``action`` there once it is shown."""
        app = self.app
        app.switch_mode(mode)
        app.call_later(lambda: app.screen.run_action(action))

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title) or matcher.match(help_text) / 2
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
