"""The console: one App, a mode per top-level screen, built by `make_app` for CLI and tests."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import ConnectorFactory
from ..wiring import connector_factory as default_factory
from .commands import ActionsProvider
from .console import ConsoleApp
from .keymap import Keymap
from .messages import OtherRunFound
from .scheduled import SCHEDULE_EVERY, ScheduledRunDue, look_at_schedule, start_scheduled_run
from .screens.autoresolved import AutoResolvedScreen
from .screens.conflicts import ConflictsScreen
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.home import HomeScreen
from .screens.preferences import PreferencesScreen
from .screens.run import RunScreen, look_for_other_run, other_run_note


class ReconApp(ConsoleApp):
    """The screens, one mode each, and the keys that work on every screen."""

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
        schedule_every: float = SCHEDULE_EVERY,
    ) -> None:
        if connector_factory is None:
            if secrets is None:
                raise ValueError("make_app needs secrets or a connector factory.")
            connector_factory = default_factory(profile, secrets)
        super().__init__(store, profile, secrets, connector_factory, actor=actor, keymap=keymap)
        self.sub_title = f"profile {profile.name}"
        #: Seconds between two looks at the profile's schedule (`tui/scheduled.py`).
        self.schedule_every = schedule_every

    def on_mount(self) -> None:
        if self.keymap.keys:
            self.set_keymap(self.keymap.keys)
        for problem in self.keymap.problems:
            self.notify(problem, severity="warning", timeout=15, markup=False)
        look_for_other_run(self)
        self.set_interval(self.schedule_every, lambda: look_at_schedule(self))

    @on(ScheduledRunDue)
    async def scheduled_run_due(self, message: ScheduledRunDue) -> None:
        await start_scheduled_run(self, message.schedule)

    @on(OtherRunFound)
    def other_run_found(self, message: OtherRunFound) -> None:
        note = other_run_note(message.other, self.key("app.run"))
        self.notify(note, severity="warning", markup=False)

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
    schedule_every: float = SCHEDULE_EVERY,
) -> ReconApp:
    return ReconApp(
        store,
        profile,
        secrets,
        connector_factory,
        actor=actor,
        keymap=keymap,
        schedule_every=schedule_every,
    )
