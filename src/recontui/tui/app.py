"""The console: one App, a mode per top-level screen, built by `make_app` for CLI and tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import system_label
from .commands import ActionsProvider
from .keymap import Keymap
from .messages import OtherRunFound
from .screens.autoresolved import AutoResolvedScreen
from .screens.conflicts import ConflictsScreen
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.home import HomeScreen
from .screens.preferences import PreferencesScreen
from .screens.run import RunScreen, look_for_other_run, other_run_note

ConnectorFactory = Callable[[str, Any], Any]


def default_factory(profile: Profile, secrets: SecretStore) -> ConnectorFactory:
    from ..wiring import build_connector

    def factory(side: str, events: Any) -> Any:
        return build_connector(
            profile,
            side,
            secrets,  # type: ignore[arg-type]
            on_event=events.connector_sink(profile.system(side).upper()),
        )

    return factory


class ReconApp(App[None]):
    """Screens read the store in thread workers; this App owns the shared state."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    TITLE = "recontui"
    MODES: ClassVar[dict[str, Any]] = {
        "home": HomeScreen,
        "conflicts": ConflictsScreen,
        "run": RunScreen,
        "history": HistoryScreen,
        "preferences": PreferencesScreen,
        "auto": AutoResolvedScreen,
    }
    DEFAULT_MODE = "home"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('home')", "Home", show=False, id="app.home"),
        Binding("2", "switch_mode('conflicts')", "Conflicts", show=False, id="app.conflicts"),
        Binding("3", "switch_mode('run')", "Run", show=False, id="app.run"),
        Binding("4", "switch_mode('history')", "History", show=False, id="app.history"),
        Binding("5", "switch_mode('preferences')", "Preferences", show=False, id="app.preferences"),
        Binding("6", "switch_mode('auto')", "Auto-resolved", show=False, id="app.auto"),
        Binding("s", "sync", "Start sync", show=False, id="app.sync"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        store: Store,
        profile: Profile,
        secrets: SecretStore | None,
        connector_factory: ConnectorFactory | None = None,
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
        if connector_factory is None:
            if secrets is None:
                raise ValueError("make_app needs secrets or a connector factory.")
            connector_factory = default_factory(profile, secrets)
        self.connector_factory = connector_factory
        self.a_label = system_label(profile.a_system)
        self.b_label = system_label(profile.b_system)
        self.sub_title = f"profile {profile.name}"
        #: Bumped when a run from the console ends (or an override opens a conflict); the
        #: queue reloads when it sees a new value.
        self.runs_finished = 0

    def on_mount(self) -> None:
        if self.keymap.keys:
            self.set_keymap(self.keymap.keys)
        for problem in self.keymap.problems:
            self.notify(problem, severity="warning", timeout=15, markup=False)
        look_for_other_run(self)

    @on(OtherRunFound)
    def other_run_found(self, message: OtherRunFound) -> None:
        self.notify(other_run_note(message.other), severity="warning", markup=False)

    async def action_sync(self) -> None:
        """`s` anywhere (not while typing, not under a dialog): the Run screen starts a run."""
        await self.switch_mode("run")
        if isinstance(self.screen, RunScreen):
            self.screen.request_start()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))


def make_app(
    store: Store,
    profile: Profile,
    secrets: SecretStore | None,
    connector_factory: ConnectorFactory | None = None,
    *,
    actor: str = "recontui",
    keymap: Keymap | None = None,
) -> ReconApp:
    return ReconApp(store, profile, secrets, connector_factory, actor=actor, keymap=keymap)
