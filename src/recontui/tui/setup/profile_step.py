"""Step 1: the profile's name, and which system keeps the billing and which the books."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Input, Label, Select

from ...setup import Step
from ...store import ProfileNotFound
from ...wiring import SYSTEMS
from .base import StepScreen


def _choices(side: str) -> list[tuple[str, str]]:
    return [(info.label, name) for name, info in SYSTEMS.items() if info.side == side]


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
        store = self.setup.store
        billing = self.query_one("#billing", Select).value
        accounting = self.query_one("#accounting", Select).value
        if not isinstance(billing, str) or not isinstance(accounting, str):
            return "Choose the billing system and the accounting system."
        if self.setup.profile is not None:
            profile = self.setup.profile
            self.setup.profile = store.save_profile(
                profile.name, billing, accounting, profile.a_settings, profile.b_settings
            )
            return None
        name = self.query_one("#name", Input).value.strip()
        if not name:
            return "Give the profile a name (for example the company's), then ctrl+n."
        try:
            store.get_profile(name)
        except ProfileNotFound:
            self.setup.profile = store.save_profile(name, billing, accounting, {}, {})
            return None
        return (
            f"A profile named {name!r} exists already: choose another name, or leave and "
            f"run `recontui setup --profile {name}` to go on with it."
        )
