"""Step 5: the QuickBooks accounts a write needs that BILL may not hold, chosen from the
chart of accounts step 4 read. Each choice is kept as it is made (ctrl+q and resume finds
it); Next checks all four (the two required ones set, each active and of a fitting type)
with the same function `recontui setup --from-file` uses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rich.text import Text
from textual import events, on
from textual.widget import Widget
from textual.widgets import Label, Select, Static
from textual.widgets.select import NoSelection

from ...engine.defaults import Account
from ...setup import Step
from ...setup.accounts import (
    ACCOUNTS,
    PURPOSE,
    REQUIRED,
    UNSET_MEANS,
    AccountChoice,
    account_choices,
    current_accounts,
    save_default_accounts,
)
from .base import StepScreen

INTRO = (
    "QuickBooks needs accounts BILL may not give (* required). enter opens a list; type to "
    "search it."
)

#: Each account's title on screen (short enough for 80 columns).
TITLES: Mapping[Account, str] = {
    Account.INCOME: "Income account for items without one",
    Account.DEPOSIT: "Deposit-to account for customer payments",
    Account.EXPENSE: "Expense account for bill lines without one",
    Account.BANK: "Bank account bill payments are paid from",
}

#: What the status line says while a choice has the focus.
HINTS: Mapping[Account, str] = {
    Account.INCOME: (
        "Required: an item copied to QuickBooks without an income account is booked here "
        "(QuickBooks refuses an item without one)."
    ),
    Account.DEPOSIT: (
        "Where a customer payment copied to QuickBooks is deposited. Unset, QuickBooks puts "
        "it in Undeposited Funds, to group into a bank deposit there."
    ),
    Account.EXPENSE: (
        "Required: a bill line copied from BILL without an account is booked here "
        "(QuickBooks refuses a bill line without one)."
    ),
    Account.BANK: (
        "What a bill payment copied to QuickBooks is paid from. Unset: the first active Bank "
        "account, which the run log names."
    ),
}


def select_id(account: Account) -> str:
    return f"default-{account.value}"


class AccountsStep(StepScreen):
    STEP = Step.ACCOUNTS

    def __init__(self) -> None:
        super().__init__()
        self.stale: list[str] = []

    def form(self) -> Iterator[Widget]:
        profile = self.setup.profile
        assert profile is not None  # the first step makes it
        choices = account_choices(self.setup.store, profile)
        saved = current_accounts(self.setup.store, profile)
        yield Static(Text(INTRO), id="intro")
        for account in ACCOUNTS:
            mark = " *" if account in REQUIRED else ""
            yield Label(f"{TITLES[account]}{mark}", classes="section")
            yield self.chooser(account, choices[account], saved[account])

    def chooser(self, account: Account, choices: list[AccountChoice], saved: str) -> Select[str]:
        """One account's list, on its saved value when that is still offered; a required
        one never starts on a value nobody chose."""
        options: list[tuple[Text, str]] = [(Text(c.label), c.id) for c in choices]
        optional = account not in REQUIRED
        if optional:
            options.insert(0, (Text(f"Not set: {UNSET_MEANS[account]}"), ""))
        offered = {value for _, value in options}
        value: str | NoSelection = Select.NULL
        if saved in offered:
            value = saved
        elif saved:
            self.stale.append(
                f"The saved {PURPOSE[account]} (QuickBooks id {saved}) is no longer offered "
                "(gone, inactive or of another type): choose it again."
            )
        prompt = f"Choose the {PURPOSE[account].split(' ')[0]} account"
        return Select(
            options,
            prompt=prompt,
            allow_blank=True,
            value=value,
            id=select_id(account),
            compact=True,
        )

    def on_mount(self) -> None:
        super().on_mount()
        if self.stale:
            self.say(self.stale[0], error=True)
        else:
            self.say("Choose each account (enter opens its list); ctrl+n goes on.")
        unset = [s for s in self.selects().values() if s.is_blank()]
        (unset or list(self.selects().values()))[0].focus()

    def selects(self) -> dict[Account, Select[str]]:
        return {account: self.query_one(f"#{select_id(account)}", Select) for account in ACCOUNTS}

    def chosen(self) -> dict[Account, str]:
        """The accounts chosen on screen (one left on its prompt is not given: its saved
        value stands, and is checked)."""
        return {
            account: str(select.value)
            for account, select in self.selects().items()
            if not select.is_blank()
        }

    @on(Select.Changed)
    def keep_choice(self, event: Select.Changed) -> None:
        """Keep each choice as it is made, so leaving (ctrl+q) and resuming finds it."""
        account = next((a for a, s in self.selects().items() if s is event.select), None)
        if account is None or event.select.is_blank():
            return
        profile = self.setup.profile
        assert profile is not None
        if current_accounts(self.setup.store, profile)[account] == event.value:
            return  # shown as saved (a list posts its first value when it is mounted)
        problem = save_default_accounts(
            self.setup.store,
            profile,
            {account: str(event.value)},
            self.setup.actor,
            partial=True,
        )
        if problem:
            self.say(problem, error=True)
        elif self.stale:
            self.stale.clear()
            self.say(HINTS[account])

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self.stale:
            return  # a saved account to choose again is said until a choice is made
        for account, select in self.selects().items():
            if event.widget is select:
                self.say(HINTS[account])

    def action_back(self) -> None:
        """Escape closes an open list first; then it goes Back."""
        for select in self.selects().values():
            if select.expanded:
                select.expanded = False
                select.focus()
                return
        super().action_back()

    async def finish(self) -> str | None:
        profile = self.setup.profile
        assert profile is not None
        return save_default_accounts(self.setup.store, profile, self.chosen(), self.setup.actor)
