"""What every step's screen has: the steps down the left (done, here, to come), its form,
one status line, and the keys Back (Escape) and Next (ctrl+n), which work in every field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from ...setup import STEPS, Step, reached_step, set_reached
from ...setup.progress import FIRST_REVISITED
from ..footer import ConsoleFooter

if TYPE_CHECKING:
    from .app import SetupApp


class StepScreen(Screen[None]):
    """One step. Subclasses give :attr:`STEP`, :meth:`form` and :meth:`finish`."""

    STEP: ClassVar[Step]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", priority=True, id="setup.back"),
        Binding("ctrl+n", "next", "Next", priority=True, id="setup.next"),
    ]

    @property
    def setup(self) -> SetupApp:
        return cast("SetupApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="columns"):
            yield Static(self.rail(), id="rail")
            with VerticalScroll(id="body"):
                yield from self.form()
        yield Static(id="status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.title = "recontui setup" + (" (settings)" if self.setup.revisit else "")
        self.sub_title = f"step {int(self.STEP)} of {len(STEPS)}: {self.STEP.title}"

    def form(self) -> Iterator[Widget]:
        raise NotImplementedError

    def rail(self) -> Text:
        """The steps, the one shown marked, those reached before it ticked."""
        profile = self.setup.profile
        reached = reached_step(self.setup.store, profile) if profile else Step.PROFILE
        if self.setup.revisit:
            reached = STEPS[-1]
        text = Text()
        for step in STEPS:
            mark = "▶" if step == self.STEP else ("✔" if step < reached else " ")
            style = "bold" if step == self.STEP else ("" if step <= reached else "dim")
            text.append(f"{mark} {int(step)} {step.title}\n", style=style)
        text.append("\nesc back · ctrl+n next\nctrl+q leave: resume\nlater where you were", "dim")
        return text

    def say(self, message: str, *, error: bool = False) -> None:
        """The status line (remote text is data: it goes in as plain text)."""
        status = self.query_one("#status", Static)
        status.update(Text(message))
        status.set_class(error, "error")

    def action_back(self) -> None:
        first = FIRST_REVISITED if self.setup.revisit else STEPS[0]
        if first == self.STEP:
            self.setup.exit("left")
        else:
            self.setup.show(Step(self.STEP - 1))

    async def action_next(self) -> None:
        """Check this step and save it; go on only when it holds."""
        problem = await self.finish()
        if problem:
            self.say(problem, error=True)
            return
        following = Step(self.STEP + 1)
        profile = self.setup.profile
        assert profile is not None  # the first step makes it
        if not self.setup.revisit:  # a profile set up keeps its progress as it is
            set_reached(self.setup.store, profile, following, actor=self.setup.actor)
        self.setup.show(following)

    async def finish(self) -> str | None:
        """Check and save the step; a sentence saying what blocks Next, or None."""
        raise NotImplementedError
