"""What every screen may use of the App, typed: the profile, its store, its two systems,
the connectors and the keys.

Screens declare ``app = getters.app(ConsoleApp)`` (Textual's way to a typed ``self.app``);
`tui/app.py` subclasses this with the screens, the app-wide keys and their actions. This
module imports no screen, so every screen can import it.
"""

from __future__ import annotations

from textual import events
from textual.app import App

from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import ConnectorFactory, system_label
from .keymap import Keymap
from .keytiming import KeyTiming


class ConsoleApp(App[None]):
    """The state the screens share; screens read the store in thread workers."""

    def __init__(
        self,
        store: Store,
        profile: Profile,
        secrets: SecretStore | None,
        connector_factory: ConnectorFactory,
        *,
        actor: str = "recontui",
        keymap: Keymap | None = None,
    ) -> None:
        super().__init__()
        #: Keys remapped in the config file (`tui/keymap.py`), applied on mount.
        self.keymap = keymap or Keymap()
        self.store = store
        self.profile = profile
        self.secrets = secrets
        self.actor = actor
        self.connector_factory = connector_factory
        self.a_label = system_label(profile.a_system)
        self.b_label = system_label(profile.b_system)
        #: Bumped when a run from the console ends (or an override opens a conflict); the
        #: queue reloads when it sees a new value.
        self.runs_finished = 0
        #: Per-key timing for `bench/console.py` (RECONTUI_KEY_TIMING=file; off by default).
        self.key_timing = KeyTiming.from_env()

    async def on_event(self, event: events.Event) -> None:
        timing = self.key_timing
        if timing is not None and isinstance(event, events.Key) and not event.is_forwarded:
            timing.key(event.key)
        await super().on_event(event)

    def post_display_hook(self) -> None:
        """Textual calls this once a screen update is drawn. Busy while the screen still
        waits for the rows it asked for (the queue's `fetching`), or, on a screen that
        says nothing of the kind, while a worker runs."""
        if self.key_timing is not None:
            screen = self.screen_stack[-1] if self.screen_stack else None
            waiting = getattr(screen, "fetching", None)
            if not isinstance(waiting, bool):
                waiting = any(worker.is_running for worker in self.workers)
            self.key_timing.paint(waiting)

    def on_unmount(self) -> None:
        if self.key_timing is not None:
            self.key_timing.close()

    def key(self, binding_id: str) -> str:
        """The key that runs `binding_id` now, as a sentence names it ("ctrl+s", "?")."""
        return self.keymap.key(binding_id)
