"""One-way transactions and two-way AP payments. Headless: the console's Preferences and
the file-driven setup (``[syncs] one_way_transactions = true`` with
``one_way_transactions_confirm = "one-way transactions"``; ``two_way_ap_payments``) call
these functions, so they check alike and say the same.

One-way transactions (irreversible): every transaction (invoices, credit memos, payments
received, bills, bill payments, vendor credits) is copied billing -> accounting only and
edited in billing once synced (engine/policy.py owners); lists (accounts, items, customers,
vendors...) stay two-way. Once on it is locked: a transaction made in accounting while it
was on was never copied to billing, so turning it off would copy a backlog of them at once.

Two-way AP payments: bill payments made in accounting (a bill paid by cheque in
QuickBooks) are recorded in billing too, and those made in billing are copied to
accounting; off, bill payments go billing -> accounting only, as in the usual ownership.
"""

from __future__ import annotations

from ..engine.policy import ONE_WAY, ONE_WAY_OWNER, TRANSACTIONS
from ..model.entities import ENTITIES
from ..store import Profile, Store
from ..store.settings import DIRECTION_PREFIX, OWNER_PREFIX
from ..wiring import system_label
from .confirm import said_the_words

SETTING = "one_way_transactions"
#: The words a person types to turn it on.
CONFIRM_WORDS = "one-way transactions"
LOCKED = (
    "One-way transactions is on and locked: it cannot be turned off once set "
    "(start a new profile to copy transactions both ways)."
)
UNCONFIRMED = (
    f'Type "{CONFIRM_WORDS}" to turn on one-way transactions; once on, it cannot be turned off.'
)


def one_way_transactions(store: Store, profile: Profile) -> bool:
    """Whether the profile copies transactions one way only (then it is locked on)."""
    return store.profile_settings(profile.id).one_way_transactions


def locked_for(store: Store, profile: Profile, entity: str) -> str | None:
    """Why ``entity``'s direction and owner cannot be changed (one-way transactions), in
    one sentence, or None."""
    if entity in TRANSACTIONS and one_way_transactions(store, profile):
        a, b = system_label(profile.a_system), system_label(profile.b_system)
        return (
            f"{ENTITIES[entity].label}s are one-way transactions (locked): copied from "
            f"{a} to {b} and edited in {a}."
        )
    return None


def setting_words(on: bool) -> str:
    """How Preferences shows it: "on (locked)" or "off"."""
    return "on (locked)" if on else "off"


def save_one_way_transactions(
    store: Store, profile: Profile, wanted: bool, typed: str, actor: str
) -> str | None:
    """Turn one-way transactions on (``typed`` must be :data:`CONFIRM_WORDS`) or leave it
    as it is: one sentence saying what is wrong (nothing saved), or None once saved. On, it
    also stores each transaction's direction and owner (so every screen shows them) and has
    every synced transaction looked at again. Turning it off once on is refused."""
    if one_way_transactions(store, profile):
        return None if wanted else LOCKED
    if not wanted:
        return None
    if not said_the_words(typed, CONFIRM_WORDS):
        return UNCONFIRMED
    with store.transaction():
        store.set_setting(profile.id, SETTING, True, actor=actor)
        for entity in TRANSACTIONS:
            store.set_setting(profile.id, DIRECTION_PREFIX + entity, ONE_WAY, actor=actor)
            store.set_setting(profile.id, OWNER_PREFIX + entity, ONE_WAY_OWNER, actor=actor)
            store.mark_entity_dirty(profile.id, entity)
    return None


# -- two-way AP payments --------------------------------------------------------------------

AP_PAYMENTS = "bill_payment"


def two_way_ap_payments(store: Store, profile: Profile) -> bool:
    """Whether bill payments are copied both ways."""
    return store.profile_settings(profile.id).directions.get(AP_PAYMENTS, "both") == "both"


def save_two_way_ap_payments(
    store: Store, profile: Profile, wanted: bool, actor: str
) -> str | None:
    """Copy bill payments both ways (on) or billing -> accounting only (off): one sentence
    saying why not (one-way transactions), or None once saved. Who edits a synced bill
    payment is left as it is (billing, in the usual ownership)."""
    if wanted == two_way_ap_payments(store, profile):
        return None
    locked = locked_for(store, profile, AP_PAYMENTS)
    if locked:
        return locked
    with store.transaction():
        store.set_setting(
            profile.id, DIRECTION_PREFIX + AP_PAYMENTS, "both" if wanted else ONE_WAY, actor=actor
        )
        store.mark_entity_dirty(profile.id, AP_PAYMENTS)
    return None
