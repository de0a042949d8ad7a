"""Step 7, What syncs: each entity's direction and master, the initial window, whether
inactive records are copied, and the schedule. Headless: the console's step and the
file-driven setup both call :func:`save_syncs`, so they check alike and say the same.

The first time the step is shown for a profile that has no direction yet, it offers the
usual ownership between a billing system (side a) and a ledger (side b): lists both ways;
bills, bill payments and vendor credits billing -> accounting, with billing as the master
of their conflicts and the owner of their edits; invoices both ways, their edits owned by
accounting once they are synced (engine/policy.py ``owners``: the other side's change is
said, never sent). A resumed setup shows what was saved.

The master of an entity is its entity-wide ``prefer`` rule (engine/policy.py): that side
wins the entity's conflicts. Field rules and ``force`` rules stay the Preferences
screen's business; this step only replaces entity-wide ``prefer`` rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..decisions import forget_rule, remember_rule
from ..engine.policy import DIRECTIONS, ONE_WAY, ONE_WAY_OWNER, TRANSACTIONS
from ..engine.window import WindowError, parse_window
from ..model.entities import ENTITIES, SYNCED, Side, other
from ..present import plural_label
from ..schedule import ScheduleError, parse_schedule
from ..store import Profile, Store
from ..store.settings import DIRECTION_PREFIX, OWNER_PREFIX
from ..wiring import system_label
from .one_way import locked_for

#: The usual ownership: every entity both ways but these, copied billing -> accounting.
BILLING_OWNED = ("bill", "bill_payment", "vendor_credit")
PRESET_DIRECTIONS: dict[str, str] = {
    name: "a_to_b" if name in BILLING_OWNED else "both" for name in SYNCED
}
#: ... and billing wins their conflicts; the others ask a person.
PRESET_MASTERS: dict[str, Side | None] = {
    name: "a" if name in BILLING_OWNED else None for name in SYNCED
}
#: ... whose edits, once a record is in both systems, are made in billing; and invoices
#: are edited in accounting (the other side's changes are said, never sent).
PRESET_OWNERS: dict[str, Side | None] = {
    name: "a" if name in BILLING_OWNED else "b" if name == "invoice" else None for name in SYNCED
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
    #: The side owning each entity's edits once synced (None: both sides edit).
    owners: Mapping[str, Side | None] = field(default_factory=dict)
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
            owners=dict(PRESET_OWNERS),
            preset=True,
        )
    return SyncsChoices(
        {name: settings.directions.get(name, "both") for name in SYNCED},
        entity_masters(store.rules(profile.id)),
        settings.initial_window,
        settings.include_inactive,
        settings.schedule,
        owners={name: owner_side(settings.owners.get(name)) for name in SYNCED},
    )


def owner_side(value: object) -> Side | None:
    return "a" if value == "a" else "b" if value == "b" else None


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


def owner_label(side: str | None, a_label: str, b_label: str) -> str:
    """Who edits a synced record, as the tables show it ("QuickBooks", "both")."""
    return {"a": a_label, "b": b_label}.get(side or "", "both")


def check_owner(
    entity: str, side: Side | None, direction: str, a_label: str, b_label: str
) -> str | None:
    """What is wrong with ``side`` owning ``entity``'s edits under ``direction``, in one
    sentence, or None: the owner's edits must be able to reach the other side."""
    if side is None:
        return None
    labels = {"a": a_label, "b": b_label}
    if (side, other(side)) not in flows(direction):
        return (
            f"{plural(entity)} are copied {direction_words(direction, a_label, b_label)}, so "
            f"{labels[side]}'s edits could never reach {labels[other(side)]}: change the "
            f"direction first, or let both sides edit them."
        )
    return None


def owner_change(entity: str, side: Side | None, a_label: str, b_label: str) -> str:
    """What an owner means for ``entity``, in words (said when it changes)."""
    labels = {"a": a_label, "b": b_label}
    what = plural(entity)
    if side is None:
        return f"{what}: edits made in either system are sent to the other."
    return (
        f"{what}: once in both systems, they are edited in {labels[side]}; a change made in "
        f"{labels[other(side)]} is reported on every run, never sent."
    )


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
    for name, side in choices.owners.items():
        if name not in SYNCED:
            return f"{name!r} is not an entity recontui syncs; choose among: {', '.join(SYNCED)}."
        if side not in ("a", "b", None):
            return (
                f"{ENTITIES[name].label}: the owner of edits is a (billing), b (accounting) "
                "or none (both edit)."
            )
        direction = choices.directions.get(name, PRESET_DIRECTIONS[name])
        problem = check_owner(name, side, direction, "billing", "accounting")
        if problem:
            return problem
    try:
        parse_window(choices.window)
        parse_schedule(choices.schedule)
    except (WindowError, ScheduleError) as exc:
        return str(exc)
    return None


def save_syncs(store: Store, profile: Profile, choices: SyncsChoices, actor: str) -> str | None:
    """Check ``choices`` and save them (each change audited), all or nothing; a sentence
    saying what is wrong (nothing saved), or None once saved."""
    problem = check_syncs(choices) or _locked_change(store, profile, choices)
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
    fresh = not has_directions(store, profile)
    for name in SYNCED:  # left out: what it holds, or the preset on a profile never set
        key = OWNER_PREFIX + name
        held = stored.get(key, PRESET_OWNERS[name] if fresh else None)
        wanted[key] = choices.owners.get(name, held)
    with store.transaction():
        for key, value in wanted.items():
            if stored.get(key) != value and (key in stored or value is not None):
                store.set_setting(profile.id, key, value, actor=actor)
                if key.startswith((DIRECTION_PREFIX, OWNER_PREFIX)):  # read again next run
                    store.mark_entity_dirty(profile.id, key.split(".", 1)[1])
                elif key == "include_inactive":
                    _look_again(store, profile)
        save_masters(store, profile, choices.masters, actor)
    return None


def _locked_change(store: Store, profile: Profile, choices: SyncsChoices) -> str | None:
    """The first transaction ``choices`` would move off one-way transactions (locked)."""
    for entity in TRANSACTIONS:
        locked = locked_for(store, profile, entity)
        direction = choices.directions.get(entity, ONE_WAY)
        owner = choices.owners.get(entity, ONE_WAY_OWNER)
        if locked and (direction != ONE_WAY or owner != ONE_WAY_OWNER):
            return locked
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


def save_owner(
    store: Store, profile: Profile, entity: str, side: Side | None, actor: str
) -> str | None:
    """Let ``side`` own ``entity``'s edits once synced (None: both sides edit), checked
    against its direction; a sentence saying what is wrong (nothing saved), or None.
    Every synced record of the entity is looked at again on the next run, so a difference
    the new ownership reads otherwise is said (or sent) then."""
    if entity not in SYNCED:
        return f"{entity!r} is not an entity recontui syncs; choose among: {', '.join(SYNCED)}."
    locked = locked_for(store, profile, entity)
    if locked:
        return locked
    settings = store.profile_settings(profile.id)
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    problem = check_owner(entity, side, settings.directions.get(entity, "both"), a, b)
    if problem:
        return problem
    key = OWNER_PREFIX + entity
    if store.settings(profile.id).get(key) == side:
        return None
    with store.transaction():
        store.set_setting(profile.id, key, side, actor=actor)
        store.mark_entity_dirty(profile.id, entity)
    return None


def save_direction(store: Store, profile: Profile, entity: str, direction: str, actor: str) -> str:
    """Change ``entity``'s direction; an owner whose edits could no longer reach the other
    side is dropped (both sides edit), and said. What changed, in words."""
    settings = store.profile_settings(profile.id)
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    said = f"{ENTITIES[entity].label}: {direction_words(direction, a, b)}"
    owner = owner_side(settings.owners.get(entity))
    with store.transaction():
        store.set_setting(profile.id, DIRECTION_PREFIX + entity, direction, actor=actor)
        if check_owner(entity, owner, direction, a, b):
            store.set_setting(profile.id, OWNER_PREFIX + entity, None, actor=actor)
            said += "; both systems' edits are now sent"
        store.mark_entity_dirty(profile.id, entity)
    return said


def direction_question(store: Store, profile: Profile, entity: str, new: str) -> str:
    """What changing ``entity``'s direction to ``new`` means, asked before it is saved."""
    settings = store.profile_settings(profile.id)
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    old = settings.directions.get(entity, "both")
    question = (
        f"{direction_change(entity, old, new, a, b)} Change the direction of "
        f"{plural(entity).lower()} to {direction_words(new, a, b)}?"
    )
    owner = owner_side(settings.owners.get(entity))
    if owner is not None and check_owner(entity, owner, new, a, b):
        labels = {"a": a, "b": b}
        question += (
            f" {labels[owner]} would no longer own their edits: both systems' edits are sent."
        )
    return question


def apply_usual_ownership(store: Store, profile: Profile, actor: str) -> None:
    """Give a new profile the usual ownership (directions, masters and who edits what;
    its window, schedule and inactive records stay as they are): what `recontui profile
    add` and the demo start from, as the setup's step 7 offers it."""
    if has_directions(store, profile):
        return
    settings = store.profile_settings(profile.id)
    choices = SyncsChoices(
        dict(PRESET_DIRECTIONS),
        dict(PRESET_MASTERS),
        settings.initial_window,
        settings.include_inactive,
        settings.schedule,
        owners=dict(PRESET_OWNERS),
    )
    problem = save_syncs(store, profile, choices, actor)
    assert problem is None, problem  # the preset is checked by the tests


def usual_ownership_words(profile: Profile) -> str:
    """The usual ownership in two sentences, as `recontui profile add` says it."""
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    payables = ", ".join(plural(name).lower() for name in BILLING_OWNED)
    return (
        f"It syncs with the usual ownership: {payables} are copied {a} → {b} and edited in "
        f"{a}; invoices go both ways and, once synced, are edited in {b}; the rest goes both "
        "ways. Change it in `recontui setup` (What syncs) or the console's Preferences."
    )


def _look_again(store: Store, profile: Profile) -> None:
    """Every record of every synced entity is looked at again on the next run (a one-sided
    inactive record left alone before is created once inactive records are copied)."""
    for name in SYNCED:
        store.mark_entity_dirty(profile.id, name)


def save_include_inactive(store: Store, profile: Profile, wanted: bool, actor: str) -> str:
    """Copy records inactive in one system to the other (inactive there too), or not: what
    it now means, in words. The next run looks at every record again."""
    if store.profile_settings(profile.id).include_inactive != wanted:
        with store.transaction():
            store.set_setting(profile.id, "include_inactive", wanted, actor=actor)
            _look_again(store, profile)
    a, b = system_label(profile.a_system), system_label(profile.b_system)
    if wanted:
        return f"a record inactive in {a} or {b} is created in the other too, inactive there"
    return f"a record inactive in {a} or {b} and found there only is left alone"
