"""The settings a run reads: the merge policy and the first synced date of the window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..engine import (
    Policy,
    Rule,
)
from ..engine.policy import allowed_updates, one_way
from ..engine.window import WindowError, parse_window
from ..store import Profile, Store, StoreError
from ..store.settings import ProfileSettings


def policy_from(store: Store, profile: Profile, settings: ProfileSettings | None = None) -> Policy:
    settings = store.profile_settings(profile.id) if settings is None else settings
    rules = tuple(
        Rule(kind=r["kind"], side=r["side"], entity=r["entity"], field=r["field"], id=r["id"])
        for r in store.rules(profile.id)
    )
    directions: dict[str, Any] = dict(settings.directions)
    owners: dict[str, Any] = dict(settings.owners)
    if settings.one_way_transactions:  # locked on: whatever else the settings hold
        directions, owners = one_way(directions, owners)
    return Policy(
        directions=directions,  # Policy checks each value
        rules=rules,
        on_forbidden=settings.on_forbidden,  # type: ignore[arg-type]  # Policy checks it
        update_fields={
            entity: allowed
            for entity, value in settings.update_fields.items()
            if (allowed := allowed_updates(value)) is not None
        },
        field_subsets={
            entity: frozenset(names) for entity, names in settings.field_subsets.items()
        },
        owners=owners,  # Policy checks each side
    )


def first_synced_date(
    store: Store, profile: Profile, settings: ProfileSettings | None = None
) -> dt.date | None:
    """The earliest transaction date the profile syncs (None: all), from its window."""
    settings = store.profile_settings(profile.id) if settings is None else settings
    try:
        window = parse_window(settings.initial_window)
    except WindowError as exc:
        # Said by `recontui sync` too, whose reader (a cron mail) has no console keys;
        # no CLI command sets the window.
        raise StoreError(
            f"{exc} Fix the initial window in the console's Preferences (`recontui tui`)."
        ) from None
    first = store.first_run_started(profile.id)
    return window.first_date(first.date() if first else None)
