"""Setup steps 4 (Accounting lists) and 5 (Default accounts) by keys at 80x24, against the
stand-ins on 127.0.0.1. The profile is made in the store as steps 1-3 leave it
(`setup_lists_world`); tests/tui/test_tui_setup.py drives those steps themselves.

Step 4 reads both systems and writes nothing, shows each side's counts, blocks Next on a
failed read (ctrl+r reads again) and does not read again when a person comes Back to it.
Step 5 blocks Next while a required account is unset, takes choices made by keys, and keeps
them when the setup is left (ctrl+q) and resumed there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from setup_lists_world import ENV, open_world
from textual.widgets import Select, Static

from recontui.engine.defaults import Account
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup import Step, reached_step, set_reached
from recontui.setup.accounts import account_choices
from recontui.setup.lists import read_lists
from recontui.store import Profile, Store
from recontui.tui.setup import SetupApp
from recontui.tui.setup.accounts_step import select_id
from recontui.wiring import open_secrets


@pytest.fixture(scope="module")
def running() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as served:
        yield served


def app_for(store: Store, secrets: Any, profile: Profile) -> SetupApp:
    return SetupApp(store, secrets, profile=profile, actor="test")


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def status(app: SetupApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


def select(app: SetupApp, account: Account) -> Select[str]:
    return app.screen.query_one(f"#{select_id(account)}", Select)


async def choose(pilot: Any, app: SetupApp, account: Account, search: str) -> None:
    """Move the focus to ``account``'s list with tab, open it, type to search, take it."""
    for _ in range(12):
        if app.focused is select(app, account):
            break
        await pilot.press("tab")
    assert app.focused is select(app, account), app.focused
    await pilot.press("enter", *search, "enter")
    await pilot.pause()


async def at_accounts(tmp_path: Path, running: RunningSandbox) -> tuple[Store, Any, Profile]:
    """A setup standing at step 5 with both systems read (as step 4 leaves it)."""
    store, secrets, profile = open_world(tmp_path, running)
    assert (await read_lists(store, profile, secrets)).ok
    set_reached(store, profile, Step.ACCOUNTS, actor="test")
    return store, secrets, profile


async def test_step_4_reads_both_systems_shows_counts_and_writes_nothing(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    before = running.sandbox.snapshot()
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        shown = screen_text(app)
        accounts = store.count_links(profile.id, "b", "account")
        assert accounts > 0
        row = next(line for line in shown.splitlines() if "Chart of accounts" in line)
        assert row.split()[-2:] == [
            str(store.count_links(profile.id, "a", "account")),
            str(accounts),
        ]
        customers = next(line for line in shown.splitlines() if "Customers" in line)
        assert customers.split()[-2:] == [
            str(store.count_links(profile.id, "a", "customer")),
            str(store.count_links(profile.id, "b", "customer")),
        ]
        assert "Tax codes" in shown and "Both systems read" in status(app)
        assert running.sandbox.snapshot() == before, "step 4 wrote to a system"
        runs = len(store.runs(profile.id, limit=50))
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        await pilot.press("escape")  # Back: shown again, not read again
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        assert "Read earlier in this session" in status(app)
        assert len(store.runs(profile.id, limit=50)) == runs
        assert "Chart of accounts" in screen_text(app)
    assert running.sandbox.snapshot() == before


async def test_step_4_a_failed_read_blocks_next_until_ctrl_r_reads_again(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    password = secrets.get(profile.name, "password")
    secrets.set(profile.name, "password", "not the password")
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        why = str(app.screen.query_one("#problems", Static).render())
        assert why.startswith("The lists were not read: BILL refused the sign-in"), why
        assert status(app).endswith("ctrl+r reads again."), status(app)
        assert "ctrl+r reads again." in screen_text(app)  # not cut off at 80x24
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        assert status(app).startswith("The lists were not read"), status(app)
        secrets.set(profile.name, "password", password)  # fixed, e.g. in another terminal
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Both systems read" in status(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS


async def test_step_5_blocks_next_until_the_required_accounts_are_chosen_by_keys(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = await at_accounts(tmp_path, running)
    offered = account_choices(store, profile)
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        for account in Account:  # all four fit at 80x24, above the status line
            region = select(app, account).region
            assert region.height >= 1 and region.bottom <= 24 - 3, (account, region)
        assert select(app, Account.INCOME).is_blank()  # never chosen for the person
        assert select(app, Account.DEPOSIT).value == ""  # Undeposited Funds, said so
        assert "Undeposited Funds" in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        assert status(app).startswith("Choose the income account"), status(app)
        await choose(pilot, app, Account.INCOME, "consult")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        assert status(app) == (
            "Choose the expense account for bill lines that have none: QuickBooks refuses a "
            "bill line without an account."
        )
        await choose(pilot, app, Account.EXPENSE, "office")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.TAX, status(app)
    settings = store.profile_settings(profile.id)
    names = {c.id: c.name for choices in offered.values() for c in choices}
    assert names[settings.default_income_account] == "Consulting Income"
    assert names[settings.default_expense_account] == "Office Supplies"
    assert settings.default_deposit_account == settings.default_bank_account == ""


async def test_escape_closes_an_open_list_before_it_goes_back(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = await at_accounts(tmp_path, running)
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert select(app, Account.INCOME).expanded
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.STEP == Step.ACCOUNTS
        assert not select(app, Account.INCOME).expanded
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS


async def test_leaving_at_step_5_resumes_there_with_the_choices_kept(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = await at_accounts(tmp_path, running)
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, app, Account.INCOME, "design")
        await choose(pilot, app, Account.BANK, "savings")
        chosen = str(select(app, Account.INCOME).value)
        bank = str(select(app, Account.BANK).value)
        await pilot.press("ctrl+q")
    assert app.return_value == "left"
    assert reached_step(store, profile) == Step.ACCOUNTS
    again = app_for(store, open_secrets(store, env=ENV), profile)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.screen.STEP == Step.ACCOUNTS
        assert str(select(again, Account.INCOME).value) == chosen
        assert str(select(again, Account.BANK).value) == bank
        assert select(again, Account.EXPENSE).is_blank()
        assert again.focused is select(again, Account.EXPENSE)  # the one still to choose
    settings = store.profile_settings(profile.id)
    assert (settings.default_income_account, settings.default_bank_account) == (chosen, bank)


async def test_a_saved_account_quickbooks_no_longer_holds_is_said_and_refused(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = await at_accounts(tmp_path, running)
    store.set_setting(profile.id, "default.expense_account", "999", actor="test")
    app = app_for(store, secrets, profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = status(app)
        assert said.startswith("The saved expense account for bill lines that have none"), said
        assert "QuickBooks id 999" in said
        assert select(app, Account.EXPENSE).is_blank()  # not shown as if it were chosen
        await choose(pilot, app, Account.INCOME, "consult")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        assert status(app).startswith("QuickBooks has no account with id 999"), status(app)
    assert store.profile_settings(profile.id).default_expense_account == "999"  # untouched
