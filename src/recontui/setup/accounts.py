"""Step 5, Default accounts: the QuickBooks Online accounts a write needs that BILL may
not hold (engine/defaults.py fills them), chosen from the chart of accounts step 4 read.

Each is a setting ``default.<account>`` holding a QuickBooks account id ("" when unset),
saved with :meth:`Store.set_setting` (audited). Which accounts fit each comes from
Intuit's pages (docs/remote-shapes.md, "Default accounts"): only active accounts of a
fitting ``AccountType`` are offered, and a saved id that is gone, inactive or of another
type is refused with a sentence, so a write never meets QuickBooks' refusal instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..connectors.qbo_map import ACCOUNT_TYPES
from ..engine.defaults import Account
from ..store import Profile, Store
from ..store.settings import stored_key

#: The order the step asks in: the sales side, then the purchases side.
ACCOUNTS: tuple[Account, ...] = (Account.INCOME, Account.DEPOSIT, Account.EXPENSE, Account.BANK)

#: The ones a write cannot do without (QuickBooks refuses it): no default, no write.
REQUIRED: frozenset[Account] = frozenset({Account.INCOME, Account.EXPENSE})

#: The canonical account types each may be (Intuit: an item's ``IncomeAccountRef`` an
#: income account, an expense line's ``AccountRef`` an expense account, a payment's
#: ``DepositToAccountRef`` "Other Current Asset or Bank", a check bill payment's
#: ``CheckPayment.BankAccountRef`` a bank account).
FITTING: Mapping[Account, tuple[str, ...]] = {
    Account.INCOME: ("income", "other_income"),
    Account.DEPOSIT: ("bank", "other_current_asset"),
    Account.EXPENSE: ("expense", "other_expense", "cost_of_goods_sold"),
    Account.BANK: ("bank",),
}

#: What each is for, as the step and its sentences name it.
PURPOSE: Mapping[Account, str] = {
    Account.INCOME: "income account for items that have none",
    Account.DEPOSIT: "deposit-to account for customer payments",
    Account.EXPENSE: "expense account for bill lines that have none",
    Account.BANK: "bank account bill payments are paid from",
}

#: Why a required one cannot stay unset.
_WHY_REQUIRED: Mapping[Account, str] = {
    Account.INCOME: "QuickBooks refuses an item without an income account",
    Account.EXPENSE: "QuickBooks refuses a bill line without an account",
}

#: What an optional one left unset means (Intuit's Payment page: "If you do not specify
#: this account, payment is applied to the Undeposited Funds account").
UNSET_MEANS: Mapping[Account, str] = {
    Account.DEPOSIT: "Undeposited Funds (QuickBooks' default)",
    Account.BANK: "the first active Bank account",
}


def type_label(kind: str) -> str:
    """A canonical account type in QuickBooks' words ("other_income" -> "Other Income")."""
    return ACCOUNT_TYPES.get(kind, kind or "untyped")


@dataclass(frozen=True)
class AccountChoice:
    """One QuickBooks account as the step offers it."""

    id: str
    name: str
    type: str  # canonical ("other_income")
    number: str = ""
    active: bool = True

    @property
    def label(self) -> str:
        """ "Consulting Income (Income)"."""
        return f"{self.name} ({type_label(self.type)})"


def chart(store: Store, profile: Profile) -> dict[str, AccountChoice]:
    """QuickBooks' chart of accounts as step 4 read it, by account id (every account,
    inactive ones and every type included)."""
    out: dict[str, AccountChoice] = {}
    for link in store.side_records(profile.id, "account", "b"):
        fields = link.b_fields or {}
        assert link.b_id is not None  # side_records holds only records b holds
        out[link.b_id] = AccountChoice(
            id=link.b_id,
            name=str(fields.get("name") or link.b_id),
            type=str(fields.get("type") or ""),
            number=str(fields.get("number") or ""),
            active=fields.get("active") is not False,
        )
    return out


def account_choices(store: Store, profile: Profile) -> dict[Account, list[AccountChoice]]:
    """Per default account, the active accounts of a fitting type, by name."""
    accounts = sorted(chart(store, profile).values(), key=lambda c: (c.name.casefold(), c.id))
    return {
        account: [c for c in accounts if c.active and c.type in FITTING[account]]
        for account in ACCOUNTS
    }


def current_accounts(store: Store, profile: Profile) -> dict[Account, str]:
    """The saved default accounts ("" for one unset)."""
    settings = store.profile_settings(profile.id)
    return {account: getattr(settings, f"default_{account.value}") for account in ACCOUNTS}


def account_problem(
    account: Account, value: str, accounts: Mapping[str, AccountChoice], *, partial: bool = False
) -> str | None:
    """Why ``value`` (an account id, "" for none) cannot be the default ``account``, in one
    sentence with what to do; None when it can. ``partial`` lets a required one stay
    unset (a choice kept while the person is still choosing)."""
    what = PURPOSE[account]
    if not value:
        if account not in REQUIRED or partial:
            return None
        if not any(c.active and c.type in FITTING[account] for c in accounts.values()):
            kinds = " or ".join(type_label(kind) for kind in FITTING[account])
            return (
                f"QuickBooks holds no active {kinds} account for the {what}: add one in "
                "QuickBooks, then read the lists again (step Accounting lists)."
            )
        return f"Choose the {what}: {_WHY_REQUIRED[account]}."
    chosen = accounts.get(value)
    if chosen is None:
        return (
            f"QuickBooks has no account with id {value} (the chart of accounts read at step "
            f"Accounting lists does not hold it): choose the {what} again."
        )
    if not chosen.active:
        return (
            f"'{chosen.name}' is inactive in QuickBooks, which posts nothing to an inactive "
            f"account: choose an active {what}, or make it active and read the lists again."
        )
    if chosen.type not in FITTING[account]:
        kinds = " or ".join(type_label(kind) for kind in FITTING[account])
        return (
            f"'{chosen.name}' is {_a(type_label(chosen.type))} account; the {what} must be "
            f"{_a(kinds)} account: choose another."
        )
    return None


def _a(words: str) -> str:
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def save_default_accounts(
    store: Store,
    profile: Profile,
    chosen: Mapping[Account, str],
    actor: str,
    *,
    partial: bool = False,
) -> str | None:
    """Check ``chosen`` (account ids, "" for none; an account not given keeps its saved
    value) against QuickBooks' chart as step 4 read it, and save the settings that
    changed, all or none. The first problem as one sentence, or None once saved.
    ``partial``: a required account may stay unset (the step keeps each choice as it is
    made; Next saves without it)."""
    accounts = chart(store, profile)
    wanted = {**current_accounts(store, profile), **chosen}
    wanted = {account: str(value or "").strip() for account, value in wanted.items()}
    for account in ACCOUNTS:
        if partial and account not in chosen:
            continue  # a saved value the person did not touch now is checked at Next
        problem = account_problem(account, wanted[account], accounts, partial=partial)
        if problem:
            return problem
    saved = store.settings(profile.id)
    with store.transaction():
        for account in ACCOUNTS:
            key = stored_key(f"default_{account.value}")
            if saved.get(key, "") != wanted[account]:
                store.set_setting(profile.id, key, wanted[account], actor=actor)
    return None
