"""Where a profile's setup stands: the step it reached, and whether it is done.

Kept in the profile's settings (audited like every setting): ``setup.step`` is the step to
go on from, ``setup.done`` is true once the first sync was started from the last step. A
profile made by `recontui profile add`, `sandbox serve` or `demo` never started the setup
and holds neither key: it counts as set up (its maker chose everything by flags).
"""

from __future__ import annotations

from enum import IntEnum

from ..store import Profile, Store

STEP_KEY = "setup.step"
DONE_KEY = "setup.done"


class Step(IntEnum):
    """The steps, in order. Nothing is written to either system before :attr:`SYNC`."""

    PROFILE = 1
    CREDENTIALS = 2
    COMPANY = 3
    LISTS = 4
    ACCOUNTS = 5
    TAX = 6
    SYNCS = 7
    MATCHES = 8
    SYNC = 9

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Step.PROFILE: "Profile",
    Step.CREDENTIALS: "Credentials",
    Step.COMPANY: "Confirm companies",
    Step.LISTS: "Accounting lists",
    Step.ACCOUNTS: "Default accounts",
    Step.TAX: "Tax mapping",
    Step.SYNCS: "What syncs",
    Step.MATCHES: "Match review",
    Step.SYNC: "Plan and first sync",
}

STEPS: tuple[Step, ...] = tuple(Step)

#: Where the setup of a profile already set up opens, to change its settings: its
#: companies are tied to it (`recontui state forget` moves it to others) and its
#: credentials are changed with `recontui profile add` / `profile connect`.
FIRST_REVISITED = Step.LISTS


def reached_step(store: Store, profile: Profile) -> Step:
    """The step the profile's setup goes on from (the first for a new one)."""
    raw = store.settings(profile.id).get(STEP_KEY)
    try:
        return Step(int(str(raw)))
    except (TypeError, ValueError):
        return Step.PROFILE


def set_reached(store: Store, profile: Profile, step: Step, *, actor: str) -> None:
    """Remember that ``step`` is where the setup goes on from (never moves back: Back
    shows an earlier step without forgetting what later ones checked)."""
    if step > reached_step(store, profile) or STEP_KEY not in store.settings(profile.id):
        store.set_setting(profile.id, STEP_KEY, int(step), actor=actor)
    if DONE_KEY not in store.settings(profile.id):
        store.set_setting(profile.id, DONE_KEY, False, actor=actor)


def setup_done(store: Store, profile: Profile, *, actor: str) -> None:
    store.set_setting(profile.id, DONE_KEY, True, actor=actor)


def needs_setup(store: Store, profile: Profile) -> bool:
    """Whether the profile's setup was started and not finished."""
    return store.settings(profile.id).get(DONE_KEY) is False
