"""Only approved bills: an irreversible setting, turned on by typing words. Headless: the
console's Preferences screen and the file-driven setup (``[syncs] only_approved_bills =
true`` with ``only_approved_bills_confirm = "only approved bills"``) both call
:func:`save_only_approved_bills`, so they check alike and say the same.

On, a bill in BILL that is not approved there is not created in QuickBooks until it is
(engine/approval.py). Once on it is locked: it cannot be turned off again, because bills
copied while it was off and bills held while it was on would otherwise mix unseen.
"""

from __future__ import annotations

from ..store import Profile, Store
from .confirm import said_the_words

SETTING = "only_approved_bills"
#: The words a person types to turn it on.
CONFIRM_WORDS = "only approved bills"
LOCKED = (
    "Only approved bills is on and locked: it cannot be turned off once set "
    "(start a new profile to copy unapproved bills)."
)
UNCONFIRMED = (
    f'Type "{CONFIRM_WORDS}" to turn on only approved bills; once on, it cannot be turned off.'
)


def only_approved_bills(store: Store, profile: Profile) -> bool:
    """Whether the profile copies only approved bills (then it is locked on)."""
    return store.profile_settings(profile.id).only_approved_bills


def setting_words(on: bool) -> str:
    """How Preferences shows it: "on (locked)" or "off"."""
    return "on (locked)" if on else "off"


def save_only_approved_bills(
    store: Store, profile: Profile, wanted: bool, typed: str, actor: str
) -> str | None:
    """Turn only approved bills on (``typed`` must be :data:`CONFIRM_WORDS`) or leave it
    as it is: one sentence saying what is wrong (nothing saved), or None once saved.
    Turning it off once on is refused."""
    current = only_approved_bills(store, profile)
    if current:
        return None if wanted else LOCKED
    if not wanted:
        return None
    if not said_the_words(typed, CONFIRM_WORDS):
        return UNCONFIRMED
    store.set_setting(profile.id, SETTING, True, actor=actor)
    return None
