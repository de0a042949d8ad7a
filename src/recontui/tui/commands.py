"""The command palette (ctrl+p): every key of the current screen, and every screen, by name.

The commands are read from the same bindings the footer and `?` show, so the palette
can never offer an action the screen does not have, nor miss one it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

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

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
