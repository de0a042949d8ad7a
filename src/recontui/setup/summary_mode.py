"""Summarised journal entries: an irreversible setting, turned on by naming the master
customer and typing words. Headless: the console's Preferences (``j``) and the
file-driven setup (``[syncs] summary_mode = true`` with ``summary_customer`` and
``summary_confirm = "summarise daily"``) both call :func:`save_summary_mode`, so they
check alike and say the same.

On, BILL invoices, credit memos and payments received dated from the day it is turned
on, that QuickBooks Online does not hold as records already, are no longer created there
one by one: each day's are posted as one journal entry against the master customer
(engine/summary.py, run/summary.py). Documents QuickBooks already holds, and those dated
before that day, stay as they are, so nothing is counted twice. Once on it is locked:
turning it off would leave days half summarised and stop the adjusting entries that keep
the ledger equal to the documents, so a person starts a new profile instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..run.summary import ledger_record, receivable_accounts
from ..store import Link, Profile, Store
from ..wiring import system_label
from .confirm import said_the_words

SETTING = "summary_mode"
#: The words a person types to turn it on.
CONFIRM_WORDS = "summarise daily"
LOCKED = (
    "Summarised journal entries are on and locked: they cannot be turned off or moved to "
    "another customer once set (start a new profile to copy documents one by one again)."
)
UNCONFIRMED = (
    f'Type "{CONFIRM_WORDS}" to turn on summarised journal entries; once on, they cannot '
    "be turned off."
)


@dataclass(frozen=True)
class SummaryState:
    """The setting as a person reads it."""

    on: bool
    start: str
    customer: str
    #: The master customer's name in the ledger ("" when it is not known there).
    customer_name: str


def summary_state(store: Store, profile: Profile) -> SummaryState:
    settings = store.profile_settings(profile.id)
    link = store.link_for_remote(profile.id, "customer", "b", settings.summary_customer)
    held = None if link is None else store.link(link)
    name = str(((held.b_fields if held else None) or {}).get("name") or "")
    return SummaryState(
        settings.summary_mode, settings.summary_start, settings.summary_customer, name
    )


def setting_words(state: SummaryState) -> str:
    """How Preferences shows it: "off", or "on (locked) since ..., customer '...'"."""
    if not state.on:
        return "off"
    who = state.customer_name or f"id {state.customer}"
    return f"on (locked) since {state.start}, customer {who!r}"


def what_changes(profile: Profile, customer: str, start: dt.date) -> str:
    """The sentence a person reads before typing the words: exactly what changes."""
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    return (
        f"From {start.isoformat()}, {a} invoices, credit memos and payments received "
        f"dated from that day that {b} does not already hold are no longer created in {b} "
        f"one by one: each day's are posted as one journal entry against customer "
        f"{customer!r}, and a document edited later gets an adjusting entry. Documents "
        f"already in {b}, and those dated before {start.isoformat()}, stay as they are. "
        "It cannot be turned off."
    )


def find_customer(store: Store, profile: Profile, text: str) -> Link | str:
    """The QuickBooks customer a person names (its id or its name), or the sentence
    saying why there is none."""
    b = system_label(profile.b_system)
    if not text.strip():
        return f"Name the master customer: a {b} customer's name or id."
    found = ledger_record(store, profile.id, "customer", text)
    if found is not None:
        return found
    if not store.side_records(profile.id, "customer", "b"):
        return (
            f"recontui has not read {b}'s customers yet: sync once (or run `recontui "
            "setup`, step Accounting lists), then name the master customer."
        )
    return (
        f"{b} has no active customer {text.strip()!r}: create it in {b}, sync, then name "
        "it here (its name or its id)."
    )


def _account(store: Store, profile: Profile, text: str, what: str) -> str | None:
    """Check an account named for the mode: None when it is fine (or not named)."""
    if not text.strip() or ledger_record(store, profile.id, "account", text) is not None:
        return None
    b = system_label(profile.b_system)
    return f"{b} has no active account {text.strip()!r} for {what}: name one by its name or id."


def _receivable(store: Store, profile: Profile, text: str) -> str | None:
    problem = _account(store, profile, text, "Accounts Receivable (summary_ar_account)")
    if problem or text.strip():
        return problem
    found = len(receivable_accounts(store, profile.id))
    if found == 1:
        return None
    b = system_label(profile.b_system)
    return (
        f"{b} has {found or 'no'} active Accounts Receivable accounts: name the one the "
        "entries post to (summary_ar_account in the setup file's [syncs])."
    )


def _account_id(store: Store, profile: Profile, text: str) -> str:
    found = ledger_record(store, profile.id, "account", text) if text.strip() else None
    return "" if found is None or found.b_id is None else found.b_id


def save_summary_mode(
    store: Store,
    profile: Profile,
    wanted: bool,
    customer: str,
    typed: str,
    actor: str,
    *,
    today: dt.date | None = None,
    ar_account: str = "",
    tax_account: str = "",
) -> str | None:
    """Turn summarised journal entries on from ``today`` (``typed`` must be
    :data:`CONFIRM_WORDS`; ``customer`` names the master customer, by name or id) or leave
    them as they are: one sentence saying what is wrong (nothing saved), or None once
    saved. Turning them off, or moving them to another customer or A/R account, once on
    is refused; a sales tax account may still be named while none is."""
    settings = store.profile_settings(profile.id)
    if settings.summary_mode:
        return _while_on(store, profile, wanted, (customer, ar_account, tax_account), actor)
    if not wanted:
        return None
    found = find_customer(store, profile, customer)
    if isinstance(found, str):
        return found
    problem = _receivable(store, profile, ar_account) or _account(
        store, profile, tax_account, "sales tax (summary_tax_account)"
    )
    if problem:
        return problem
    if not said_the_words(typed, CONFIRM_WORDS):
        return UNCONFIRMED
    start = today or dt.date.today()
    with store.transaction():
        for key, value in (
            ("summary_customer", found.b_id or ""),
            ("summary_start", start.isoformat()),
            ("summary_ar_account", _account_id(store, profile, ar_account)),
            ("summary_tax_account", _account_id(store, profile, tax_account)),
            (SETTING, True),
        ):
            store.set_setting(profile.id, key, value, actor=actor)
    return None


#: The setup file's keys (``[syncs]``) for the mode, besides ``summary_mode``.
FILE_TEXT_KEYS = (
    "summary_customer",
    "summary_confirm",
    "summary_ar_account",
    "summary_tax_account",
)


def file_summary_mode(
    store: Store, profile: Profile, given: Mapping[str, Any], actor: str
) -> str | None:
    """``[syncs] summary_mode = true`` of the setup file, with ``summary_customer`` and
    ``summary_confirm`` (and the accounts): Preferences' own check, lock and words."""
    if "summary_mode" not in given:
        if any(key in given for key in FILE_TEXT_KEYS):
            return "summary_customer and the other summary_ keys need summary_mode = true."
        return None
    wanted = given["summary_mode"]
    if not isinstance(wanted, bool):
        return "summary_mode is true or false."
    text = {key: given.get(key, "") for key in FILE_TEXT_KEYS}
    for key, value in text.items():
        if not isinstance(value, str):
            return f"{key} is text."
    return save_summary_mode(
        store,
        profile,
        wanted,
        text["summary_customer"],
        text["summary_confirm"],
        actor,
        ar_account=text["summary_ar_account"],
        tax_account=text["summary_tax_account"],
    )


def _while_on(
    store: Store, profile: Profile, wanted: bool, given: tuple[str, str, str], actor: str
) -> str | None:
    """Once on: the same choices again change nothing; a sales tax account may be named
    while none is; anything else is refused."""
    settings = store.profile_settings(profile.id)
    customer, ar, tax = given
    if not wanted:
        return LOCKED
    if customer.strip():
        found = find_customer(store, profile, customer)
        if isinstance(found, str) or found.b_id != settings.summary_customer:
            return LOCKED
    if ar.strip() and _account_id(store, profile, ar) != settings.summary_ar_account:
        return LOCKED
    if not tax.strip():
        return None
    problem = _account(store, profile, tax, "sales tax (summary_tax_account)")
    if problem:
        return problem
    wanted_tax = _account_id(store, profile, tax)
    if settings.summary_tax_account and wanted_tax != settings.summary_tax_account:
        return LOCKED
    if not settings.summary_tax_account:
        store.set_setting(profile.id, "summary_tax_account", wanted_tax, actor=actor)
    return None
