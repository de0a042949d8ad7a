"""Step 1: the profile's name, and which system keeps the billing and which the books."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Input, Label, Select

from ...setup import Step
from ...setup.profile import save_profile_step, systems_for
from .base import StepScreen


def _choices(side: str) -> list[tuple[str, str]]:
    return [(label, name) for name, label in systems_for(side).items()]


class ProfileStep(StepScreen):
    STEP = Step.PROFILE

    def form(self) -> Iterator[Widget]:
        profile = self.setup.profile
        yield Label("Name of this profile (one pair of books kept in agreement)")
        name = profile.name if profile else (self.setup.new_name or "main")
        yield Input(name, id="name", disabled=profile is not None)
        yield Label("Billing system", classes="section")
        billing = _choices("a")
        yield Select(billing, value=profile.a_system if profile else billing[0][1], id="billing")
        yield Label("Accounting system", classes="section")
        accounting = _choices("b")
        yield Select(
            accounting, value=profile.b_system if profile else accounting[0][1], id="accounting"
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.say(
            "Nothing is written to either system before the last step. ctrl+n goes on; esc leaves."
        )
        if self.setup.profile is None:
            self.query_one("#name", Input).focus()

    async def on_input_submitted(self) -> None:
        await self.action_next()

    async def finish(self) -> str | None:
        billing = self.query_one("#billing", Select).value
        accounting = self.query_one("#accounting", Select).value
        saved = save_profile_step(
            self.setup.store,
            self.setup.profile,
            self.query_one("#name", Input).value,
            billing if isinstance(billing, str) else "",
            accounting if isinstance(accounting, str) else "",
        )
        if isinstance(saved, str):
            return saved
        self.setup.profile = saved
        return None
