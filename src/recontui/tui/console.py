"""What every screen may use of the App, typed: the profile, its store, its two systems,
the connectors and the keys.

Screens declare ``app = getters.app(ConsoleApp)`` (Textual's way to a typed ``self.app``);
`tui/app.py` subclasses this with the screens, the app-wide keys and their actions. This
module imports no screen, so every screen can import it.
"""

from __future__ import annotations

from textual.app import App

from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import ConnectorFactory, system_label
from .keymap import Keymap


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

    def key(self, binding_id: str) -> str:
        """The key that runs `binding_id` now, as a sentence names it ("ctrl+s", "?")."""
        return self.keymap.key(binding_id)
