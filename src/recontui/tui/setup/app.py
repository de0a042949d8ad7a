"""The setup's App: it walks a person from nothing to a first sync, one checked step at a
time, and can be left at any step (ctrl+q) and resumed there. It answers ``"console"``
when the first sync was started, so the caller opens the console on the profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from ...secrets import SecretStore
from ...setup import Step, needs_setup, reached_step
from ...setup.lists import ListsReport
from ...setup.progress import FIRST_REVISITED
from ...store import Profile, Store
from .steps import STEP_SCREENS, StepScreen


class SetupApp(App[str]):
    """Holds what the steps share: the store, the secrets store in use, the profile."""

    CSS_PATH = "setup.tcss"
    #: Each step's keys fit its footer at 80 columns without the palette's hint.
    ENABLE_COMMAND_PALETTE = False
    TITLE = "recontui setup"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "leave", "Leave", show=False, priority=True, id="setup.leave"),
    ]

    def __init__(
        self,
        store: Store,
        secrets: SecretStore | None,
        *,
        profile: Profile | None = None,
        name: str = "",
        secrets_problem: str = "",
        actor: str = "recontui",
        demo: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.secrets = secrets
        #: Why no secrets store can be used here (shown by the Credentials step).
        self.secrets_problem = secrets_problem
        self.profile = profile
        #: The name a new profile gets by default (``recontui setup --profile NAME``).
        self.new_name = name
        self.actor = actor
        #: The stand-ins' credentials (``recontui demo --setup``): the Credentials step
        #: offers them, and approves the stand-in's consent page by itself.
        self.demo = demo
        #: A profile already set up (its first sync ran, or made by flags): its settings
        #: are shown from step 4 on to be changed; its progress is left as it is.
        self.revisit = profile is not None and not needs_setup(store, profile)
        #: What step 4 (Accounting lists) read in this session: going Back and returning
        #: shows it again instead of reading both systems again.
        self.lists_read: ListsReport | None = None

    def on_mount(self) -> None:
        if self.revisit:
            self.show(FIRST_REVISITED)
            return
        start = Step.PROFILE if self.profile is None else reached_step(self.store, self.profile)
        self.show(start)

    def show(self, step: Step) -> None:
        """Open ``step``'s screen in place of the current one."""
        screen: StepScreen = STEP_SCREENS[step]()
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_leave(self) -> None:
        self.exit("left")
