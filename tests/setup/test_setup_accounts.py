"""Step 5, Default accounts, headless: which QuickBooks accounts are offered for each
default (active, of a fitting type, by name), what `save_default_accounts` refuses (one
sentence, nothing saved) and what it saves (the settings the engine reads, audited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recontui.engine.defaults import Account
from recontui.model import RemoteRecord
from recontui.setup.accounts import (
    account_choices,
    current_accounts,
    save_default_accounts,
)
from recontui.store import Profile, Store, open_store

#: QuickBooks' chart as a pull leaves it in the store: id -> (name, type, active).
CHART = {
    "1": ("Business Checking", "bank", True),
    "2": ("Undeposited Funds", "other_current_asset", True),
    "3": ("Accounts Receivable", "accounts_receivable", True),
    "4": ("Services Income", "income", True),
    "5": ("Office Expenses", "expense", True),
    "6": ("Old Sales", "income", False),
    "7": ("Interest Income", "other_income", True),
    "8": ("Subcontractors", "cost_of_goods_sold", True),
    "9": ("Bank Charges", "other_expense", True),
    "10": ("Savings", "bank", True),
    "11": ("Closed Bank", "bank", False),
    "12": ("Credit Card", "credit_card", True),
}


def pulled(
    store: Store, profile: Profile, chart: dict[str, tuple[str, str, bool]], version: str = "0"
) -> None:
    records = [
        RemoteRecord("account", rid, version, {"name": name, "type": kind, "active": active})
        for rid, (name, kind, active) in chart.items()
    ]
    store.store_pulled(profile.id, "b", "account", records, "cursor")


@pytest.fixture
def made(tmp_path: Path) -> tuple[Store, Profile]:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("main", "bill", "qbo", {}, {})
    pulled(store, profile, CHART)
    return store, profile


def ids(choices: list) -> list[str]:  # type: ignore[type-arg]
    return [c.id for c in choices]


def test_only_active_accounts_of_a_fitting_type_are_offered_by_name(
    made: tuple[Store, Profile],
) -> None:
    store, profile = made
    offered = account_choices(store, profile)
    assert ids(offered[Account.INCOME]) == ["7", "4"]  # Interest, Services; not Old Sales
    assert ids(offered[Account.EXPENSE]) == ["9", "5", "8"]  # Bank Charges, Office, Subcon.
    assert ids(offered[Account.DEPOSIT]) == ["1", "10", "2"]  # banks and other current assets
    assert ids(offered[Account.BANK]) == ["1", "10"]  # not the closed one
    assert offered[Account.INCOME][0].label == "Interest Income (Other Income)"
    assert offered[Account.EXPENSE][2].label == "Subcontractors (Cost of Goods Sold)"


def test_a_required_account_unset_is_refused_with_why(made: tuple[Store, Profile]) -> None:
    store, profile = made
    problem = save_default_accounts(store, profile, {Account.INCOME: "4"}, "test")
    assert problem == (
        "Choose the expense account for bill lines that have none: QuickBooks refuses a "
        "bill line without an account."
    )
    assert current_accounts(store, profile)[Account.INCOME] == ""  # all or nothing
    problem = save_default_accounts(store, profile, {Account.EXPENSE: "5"}, "test")
    assert problem is not None and problem.startswith("Choose the income account")


@pytest.mark.parametrize(
    ("account", "value", "words"),
    [
        (Account.EXPENSE, "4", "'Services Income' is an Income account; the expense account"),
        (Account.INCOME, "6", "'Old Sales' is inactive in QuickBooks"),
        (Account.BANK, "2", "must be a Bank account"),
        (Account.DEPOSIT, "12", "must be a Bank or Other Current Asset account"),
        (Account.INCOME, "404", "QuickBooks has no account with id 404"),
    ],
)
def test_a_wrong_choice_is_refused_in_one_sentence_and_nothing_is_saved(
    made: tuple[Store, Profile], account: Account, value: str, words: str
) -> None:
    store, profile = made
    chosen = {Account.INCOME: "4", Account.EXPENSE: "5", account: value}
    problem = save_default_accounts(store, profile, chosen, "test")
    assert problem is not None and words in problem, problem
    assert "\n" not in problem and problem.endswith(".")
    assert store.profile_settings(profile.id).default_income_account == ""


def test_chosen_accounts_are_saved_audited_and_read_back(made: tuple[Store, Profile]) -> None:
    store, profile = made
    chosen = {Account.INCOME: "4", Account.EXPENSE: "8", Account.DEPOSIT: "", Account.BANK: "10"}
    assert save_default_accounts(store, profile, chosen, "test") is None
    settings = store.profile_settings(profile.id)
    assert settings.default_income_account == "4"
    assert settings.default_expense_account == "8"
    assert settings.default_deposit_account == ""  # QuickBooks' Undeposited Funds
    assert settings.default_bank_account == "10"
    audited = {r["field"]: (r["new"], r["actor"]) for r in store.audit(profile.id)}
    assert audited["default.income_account"] == ("4", "test")
    assert audited["default.bank_account"] == ("10", "test")
    # Saving the same again changes nothing, so it audits nothing.
    count = len(store.audit(profile.id))
    assert save_default_accounts(store, profile, chosen, "test") is None
    assert len(store.audit(profile.id)) == count


def test_a_saved_account_that_went_inactive_is_refused_at_next(
    made: tuple[Store, Profile],
) -> None:
    store, profile = made
    both = {Account.INCOME: "4", Account.EXPENSE: "5"}
    assert save_default_accounts(store, profile, both, "test") is None
    pulled(store, profile, {"5": ("Office Expenses", "expense", False)}, "1")  # inactive now
    problem = save_default_accounts(store, profile, {}, "test")
    assert problem is not None and problem.startswith("'Office Expenses' is inactive"), problem


def test_a_partial_save_keeps_one_choice_without_the_others(
    made: tuple[Store, Profile],
) -> None:
    store, profile = made
    assert save_default_accounts(store, profile, {Account.EXPENSE: "5"}, "t", partial=True) is None
    assert store.profile_settings(profile.id).default_expense_account == "5"
    problem = save_default_accounts(store, profile, {Account.BANK: "5"}, "t", partial=True)
    assert problem is not None and "Bank" in problem
    assert store.profile_settings(profile.id).default_bank_account == ""


def test_no_fitting_account_says_to_add_one_in_quickbooks(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("main", "bill", "qbo", {}, {})
    pulled(store, profile, {"1": ("Business Checking", "bank", True)})
    problem = save_default_accounts(store, profile, {}, "test")
    assert problem == (
        "QuickBooks holds no active Income or Other Income account for the income account "
        "for items that have none: add one in QuickBooks, then read the lists again (step "
        "Accounting lists)."
    )
