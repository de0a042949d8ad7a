"""Step 3: the two companies side by side, confirmed explicitly: from here on the profile
refuses any other company (a run checks before it pulls)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.table import Table
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Checkbox, Static

from ...setup import Step
from ...setup.credentials import company_of, confirm_companies
from .base import StepScreen


class CompanyStep(StepScreen):
    STEP = Step.COMPANY

    def form(self) -> Iterator[Widget]:
        yield Static(self.companies(), id="companies")
        yield Checkbox(
            "These are the two sets of books to keep in agreement", id="confirm", value=False
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.say("Check the names and ids; space ticks the box, ctrl+n goes on.")
        self.query_one("#confirm", Checkbox).focus()

    def companies(self) -> Table:
        profile = self.setup.profile
        assert profile is not None
        table = Table(box=None, pad_edge=False)
        for column in ("", "system", "company"):
            table.add_column(column)
        table.add_column("id", no_wrap=True)  # an id is read and compared whole
        for side, role, label in (("a", "Billing", "BILL"), ("b", "Accounting", "QuickBooks")):
            company = company_of(self.setup.store, profile, side) or {}
            table.add_row(
                role, label, Text(str(company.get("name", "?"))), Text(str(company.get("id", "?")))
            )
        return table

    async def finish(self) -> str | None:
        if not self.query_one("#confirm", Checkbox).value:
            return "Tick the box (space) to confirm these are the right companies."
        profile = self.setup.profile
        assert profile is not None
        return confirm_companies(self.setup.store, profile, confirmed=True)
