"""Which fields each entity syncs, and which of them an update may replace. Headless: the
console's Preferences screen and the file-driven setup (``[syncs.update_fields]``,
``[syncs.fields]``) both call :func:`save_update_fields` and :func:`save_field_subset`,
so they check alike and say the same (the checks themselves: engine/policy.py).

* Update fields, per entity: ``"all"`` (the default: an update replaces every synced
  field), ``"none"`` (import only: new records are created on the other side with every
  synced field, existing ones are never changed) or a list of field names (an update
  replaces only those, e.g. a customer's address and phone).
* Field subset, per entity: ``"all"`` (the default) or a list of field names synced at
  all, creates and updates alike; it must keep the entity's required fields (its name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.policy import (
    UPDATE_ALL,
    UPDATE_NONE,
    allowed_updates,
    check_field_subset,
    check_update_fields,
)
from ..model.entities import ENTITIES, SYNCED
from ..store import Profile, Store
from ..store.settings import FIELDS_PREFIX, UPDATE_FIELDS_PREFIX


@dataclass(frozen=True)
class FieldSettings:
    """One entity's field settings as stored: "all", "none" or a tuple of names."""

    entity: str
    update_fields: str | tuple[str, ...]
    fields: str | tuple[str, ...]


def field_settings(store: Store, profile: Profile) -> list[FieldSettings]:
    """Every synced entity's update fields and field subset (the defaults where unset)."""
    settings = store.profile_settings(profile.id)
    return [
        FieldSettings(
            name,
            settings.update_fields.get(name, UPDATE_ALL),
            settings.field_subsets.get(name, UPDATE_ALL),
        )
        for name in SYNCED
    ]


def setting_words(value: str | tuple[str, ...] | list[str]) -> str:
    """A stored value as the Preferences screen shows it: "all", "none (import only)",
    "address_line1, phone"."""
    if value == UPDATE_ALL:
        return "all"
    if value == UPDATE_NONE:
        return "none (import only)"
    return ", ".join(value)


def parse_choice(text: str) -> str | list[str]:
    """What a person typed ("all", "none", "address_line1, phone") as a setting value."""
    words = text.strip()
    if words.casefold() in (UPDATE_ALL, UPDATE_NONE):
        return words.casefold()
    return [name.strip() for name in words.replace(",", " ").split() if name.strip()]


def _stored_value(value: Any) -> Any:
    return value if isinstance(value, str) else sorted(dict.fromkeys(value))


def save_update_fields(
    store: Store, profile: Profile, entity: str, value: Any, actor: str
) -> str | None:
    """Check and save which fields updates of ``entity`` may replace (audited); a sentence
    saying what is wrong (nothing saved), or None once saved (or already so)."""
    problem = check_update_fields(entity, value)
    if problem:
        return problem
    subset = store.profile_settings(profile.id).field_subsets.get(entity)
    allowed = allowed_updates(value) or frozenset()
    outside = sorted(allowed - set(subset)) if subset is not None else []
    if outside:
        return (
            f"{ENTITIES[entity].label}: {', '.join(outside)} is not synced at all (the "
            "entity's fields synced leave it out); add it to those fields first."
        )
    _save(store, profile, UPDATE_FIELDS_PREFIX + entity, _stored_value(value), actor)
    return None


def save_field_subset(
    store: Store, profile: Profile, entity: str, value: Any, actor: str
) -> str | None:
    """Check and save the fields ``entity`` syncs at all (audited); a sentence saying what
    is wrong (nothing saved), or None once saved (or already so)."""
    problem = check_field_subset(entity, value)
    if problem:
        return problem
    _save(store, profile, FIELDS_PREFIX + entity, _stored_value(value), actor)
    return None


def _save(store: Store, profile: Profile, key: str, value: Any, actor: str) -> None:
    if store.settings(profile.id).get(key, UPDATE_ALL) != value:
        with store.transaction():
            store.set_setting(profile.id, key, value, actor=actor)
            # Every pair of the entity is compared again under the new setting on the next
            # run, so a difference an earlier setting did not send is sent once allowed.
            store.mark_entity_dirty(profile.id, key.split(".", 1)[1])
