"""Step 7, What syncs: each entity's direction and master, the initial window, whether
inactive records are copied, and the schedule. Headless: the console's step and the
file-driven setup both call :func:`save_syncs`, so they check alike and say the same.

The first time the step is shown for a profile that has no direction yet, it offers the
usual ownership between a billing system (side a) and a ledger (side b): lists both ways;
bills, bill payments and vendor credits billing -> accounting, with billing as the master
of their conflicts; invoices both ways (who owns an invoice once it is synced is not
chosen here yet). A resumed setup shows what was saved.

The master of an entity is its entity-wide ``prefer`` rule (engine/policy.py): that side
wins the entity's conflicts. Field rules and ``force`` rules stay the Preferences
screen's business; this step only replaces entity-wide ``prefer`` rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..decisions import forget_rule, remember_rule
from ..engine.policy import DIRECTIONS
from ..engine.window import WindowError, parse_window
from ..model.entities import ENTITIES, SYNCED, Side
from ..present import plural_label
from ..schedule import ScheduleError, parse_schedule
from ..store import Profile, Store
from ..store.settings import DIRECTION_PREFIX
from ..wiring import system_label

#: The usual ownership: every entity both ways but these, copied billing -> accounting.
BILLING_OWNED = ("bill", "bill_payment", "vendor_credit")
PRESET_DIRECTIONS: dict[str, str] = {
    name: "a_to_b" if name in BILLING_OWNED else "both" for name in SYNCED
}
#: ... and billing wins their conflicts; the others ask a person.
PRESET_MASTERS: dict[str, Side | None] = {
    name: "a" if name in BILLING_OWNED else None for name in SYNCED
}
PRESET_WINDOW = "90 days"


@dataclass(frozen=True)
class SyncsChoices:
    """What the step asks. Directions and masters by entity (every synced entity)."""

    directions: Mapping[str, str]
    masters: Mapping[str, Side | None]
    window: str = PRESET_WINDOW
    include_inactive: bool = False
    schedule: str = "off"
    #: True when these are the preset, not yet saved for the profile.
    preset: bool = field(default=False, compare=False)


def short_label(system: str) -> str:
    """A system's name as the step's narrow table shows it ("QuickBooks")."""
    return system_label(system).removesuffix(" Online")


def plural(entity: str) -> str:
    return plural_label(entity)


def has_directions(store: Store, profile: Profile) -> bool:
    return any(key.startswith(DIRECTION_PREFIX) for key in store.settings(profile.id))


def entity_masters(rules: list[dict[str, Any]]) -> dict[str, Side | None]:
    """Each synced entity's master: the side of its latest entity-wide ``prefer`` rule."""
    masters: dict[str, Side | None] = dict.fromkeys(SYNCED)
    for rule in rules:  # in the order they were saved: the latest wins, as in Policy
        if rule["kind"] == "prefer" and rule["entity"] in masters and rule["field"] is None:
            masters[rule["entity"]] = rule["side"]
    return masters


def current_syncs(store: Store, profile: Profile) -> SyncsChoices:
    """What the step shows: the preset for a profile without directions, else what it holds."""
    settings = store.profile_settings(profile.id)
    if not has_directions(store, profile):
        return SyncsChoices(
            dict(PRESET_DIRECTIONS),
            dict(PRESET_MASTERS),
            PRESET_WINDOW,
            settings.include_inactive,
            settings.schedule,
            preset=True,
        )
    return SyncsChoices(
        {name: settings.directions.get(name, "both") for name in SYNCED},
        entity_masters(store.rules(profile.id)),
        settings.initial_window,
        settings.include_inactive,
        settings.schedule,
    )


def flows(direction: str) -> set[tuple[Side, Side]]:
    """The copies ``direction`` makes, as (from, to) sides."""
    a_to_b: tuple[Side, Side] = ("a", "b")
    b_to_a: tuple[Side, Side] = ("b", "a")
    return {"both": {a_to_b, b_to_a}, "a_to_b": {a_to_b}, "b_to_a": {b_to_a}}.get(direction, set())


def direction_words(direction: str, a_label: str, b_label: str) -> str:
    return {
        "both": "both ways",
        "a_to_b": f"{a_label} → {b_label}",
        "b_to_a": f"{b_label} → {a_label}",
        "none": "not synced",
    }.get(direction, direction)


def master_words(side: str | None, a_label: str, b_label: str) -> str:
    return {"a": a_label, "b": b_label}.get(side or "", "ask me")


def direction_change(entity: str, old: str, new: str, a_label: str, b_label: str) -> str:
    """What changing ``entity``'s direction from ``old`` to ``new`` means, in words:
    "Bills will no longer be copied from BILL to QuickBooks."."""
    labels = {"a": a_label, "b": b_label}
    what = plural(entity)
    said = [
        f"{what} will no longer be copied from {labels[f]} to {labels[t]}."
        for f, t in sorted(flows(old) - flows(new))
    ]
    said += [
        f"{what} will now be copied from {labels[f]} to {labels[t]}."
        for f, t in sorted(flows(new) - flows(old))
    ]
    return " ".join(said) or f"{what} sync as before."


def check_syncs(choices: SyncsChoices) -> str | None:
    """The first thing wrong with ``choices``, as one sentence, or None."""
    for name in (*choices.directions, *choices.masters):
        if name not in SYNCED:
            return f"{name!r} is not an entity recontui syncs; choose among: {', '.join(SYNCED)}."
    for name, direction in choices.directions.items():
        if direction not in DIRECTIONS:
            return (
                f"{ENTITIES[name].label}: {direction!r} is not a direction; use one of: "
                f"{', '.join(DIRECTIONS)}."
            )
    for name, side in choices.masters.items():
        if side not in ("a", "b", None):
            return f"{ENTITIES[name].label}: the master is a (billing), b (accounting) or none."
    try:
        parse_window(choices.window)
        parse_schedule(choices.schedule)
    except (WindowError, ScheduleError) as exc:
        return str(exc)
    return None


def save_syncs(store: Store, profile: Profile, choices: SyncsChoices, actor: str) -> str | None:
    """Check ``choices`` and save them (each change audited), all or nothing; a sentence
    saying what is wrong (nothing saved), or None once saved."""
    problem = check_syncs(choices)
    if problem:
        return problem
    stored = store.settings(profile.id)
    wanted: dict[str, Any] = {  # an entity left out keeps what it holds, else its preset
        DIRECTION_PREFIX + name: choices.directions.get(name)
        or stored.get(DIRECTION_PREFIX + name, PRESET_DIRECTIONS[name])
        for name in SYNCED
    }
    wanted["initial_window"] = str(parse_window(choices.window))
    wanted["schedule"] = str(parse_schedule(choices.schedule))
    wanted["include_inactive"] = bool(choices.include_inactive)
    with store.transaction():
        for key, value in wanted.items():
            if key not in stored or stored[key] != value:
                store.set_setting(profile.id, key, value, actor=actor)
        save_masters(store, profile, choices.masters, actor)
    return None


def save_masters(
    store: Store, profile: Profile, masters: Mapping[str, Side | None], actor: str
) -> None:
    """Replace the entity-wide ``prefer`` rules of each entity whose master changed."""
    rules = store.rules(profile.id)
    held = entity_masters(rules)
    for name in SYNCED:
        side = masters.get(name, held[name])
        if side == held[name]:
            continue
        for rule in rules:
            if rule["kind"] == "prefer" and rule["entity"] == name and rule["field"] is None:
                forget_rule(store, profile, rule["id"], actor=actor)
        if side is not None:
            remember_rule(store, profile, "prefer", side, name, None, actor=actor)
