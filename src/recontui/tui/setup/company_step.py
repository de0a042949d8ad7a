"""Step 3: the two companies side by side, confirmed explicitly: from here on the profile
refuses any other company (a run checks before it pulls)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Checkbox, Static

from ...model import Side
from ...setup import Step
from ...setup.credentials import company_of, confirm_companies
from ...wiring import SYSTEMS
from .base import StepScreen


class CompanyStep(StepScreen):
    STEP = Step.COMPANY

    def form(self) -> Iterator[Widget]:
        yield Static(self.companies(), id="companies")
        yield Checkbox("These are the right companies", id="confirm", value=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.say("Check the names and ids; space ticks the box, ctrl+n goes on.")
        self.query_one("#confirm", Checkbox).focus()

    def companies(self) -> Text:
        """Each system's company, name and id whole on lines of their own (ids are read
        and compared character by character: never cut)."""
        profile = self.setup.profile
        assert profile is not None
        text = Text()
        sides: tuple[tuple[Side, str], ...] = (("a", "Billing"), ("b", "Accounting"))
        for side, role in sides:
            system = profile.system(side)
            label = SYSTEMS[system].label if system in SYSTEMS else system
            company = company_of(self.setup.store, profile, side) or {}
            text.append(f"{role}: {label}\n", style="bold")
            text.append("  ")
            text.append(str(company.get("name", "? (not connected)")))
            text.append("\n  id ")
            text.append(str(company.get("id", "?")), style="bold")
            text.append("\n\n")
        return text

    async def finish(self) -> str | None:
        if not self.query_one("#confirm", Checkbox).value:
            return "Tick the box (space) to confirm these are the right companies."
        profile = self.setup.profile
        assert profile is not None
        return confirm_companies(self.setup.store, profile, confirmed=True)
