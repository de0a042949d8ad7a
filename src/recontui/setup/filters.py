"""The profile's filters (engine/filters.py): which records found in one system only are
copied to the other. Headless: the console's Preferences (keys ``i`` and ``c``) and the
file-driven setup (``[syncs.include_types.<entity>]``, ``[syncs.created_range]``) both call
:func:`save_type_list` and :func:`save_created_range`, so they check alike and say the same.

* Type include list, per entity and per system the records come from: ``all`` (the
  default) or the types copied, in that system's words (QuickBooks Online customer types
  such as ``Retail``; BILL account types ``BUSINESS``, ``PERSON``, ``NONE``); ``(no type)``
  lets records without one through too.
* Created-date range, per system the records come from: ``all`` (the default),
  ``2026-01-01 to 2026-03-31``, ``from 2026-01-01`` or ``to 2026-03-31``. Records created
  in BILL outside it are not copied to QuickBooks Online (the exports), records created in
  QuickBooks Online outside it not to BILL (the imports).

Saving needs no edit of any record to take effect: a record a filter keeps out is looked at
again by every run, so the next sync copies what a changed filter lets through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.filters import (
    ALL,
    NO_TYPE,
    RANGE_FORMS,
    TYPE_NOUNS,
    CreatedRange,
    FilterError,
    check_type_list,
    has_types,
    parse_range,
    parse_type_list,
    stored_range,
    type_key,
)
from ..model.entities import ENTITIES
from ..store import Profile, Store
from ..store.settings import CREATED_RANGE_PREFIX, INCLUDE_TYPES_PREFIX
from ..wiring import system_label

#: The file's tables (``[syncs.include_types.<entity>]``, ``[syncs.created_range]``).
FILE_TYPES = "include_types"
FILE_RANGE = "created_range"


@dataclass(frozen=True)
class TypeList:
    """One include list: the records of ``entity`` that ``system`` holds alone."""

    entity: str
    system: str
    names: tuple[str, ...] | None  # None: every type

    def label(self) -> str:
        """ "Customer types from QuickBooks Online", "Vendor account types from BILL" (its
        system's word for them)."""
        noun = TYPE_NOUNS[self.entity][self.system]
        what = ENTITIES[self.entity].label
        words = noun.capitalize() if noun.startswith(what.lower()) else f"{what} {noun}"
        return f"{words}s from {system_label(self.system)}"


@dataclass(frozen=True)
class RangeSetting:
    """One created-date range: the records ``system`` holds alone, copied to ``to``."""

    system: str
    to: str
    range: CreatedRange

    def label(self) -> str:
        return f"Created in {system_label(self.system)} (copied to {system_label(self.to)})"


def _systems(profile: Profile) -> tuple[str, str]:
    return profile.a_system, profile.b_system


def type_lists(store: Store, profile: Profile) -> list[TypeList]:
    """Every include list the profile's two systems can have, set or not."""
    held = store.profile_settings(profile.id).include_types
    return [
        TypeList(entity, system, held.get(type_key(entity, system)))
        for entity in TYPE_NOUNS
        for system in _systems(profile)
        if has_types(entity, system)
    ]


def created_ranges(store: Store, profile: Profile) -> list[RangeSetting]:
    """The created-date range of each of the profile's systems (all where unset)."""
    held = store.profile_settings(profile.id).created_ranges
    a, b = _systems(profile)
    return [
        RangeSetting(system, to, stored_range(held.get(system))) for system, to in ((a, b), (b, a))
    ]


def list_words(names: tuple[str, ...] | None) -> str:
    """An include list as Preferences shows it: "all", or "Retail, Wholesale"."""
    return ALL if not names else ", ".join(names)


def type_hint(entity: str, system: str) -> str:
    """What a line of types takes, in a line of the dialog."""
    if system == "bill":
        return f"all, or some of: BUSINESS, PERSON, NONE, {NO_TYPE}"
    return f"all, or {TYPE_NOUNS[entity][system]} names: Retail, Wholesale, {NO_TYPE}"


def range_hint() -> str:
    return RANGE_FORMS


def save_type_list(
    store: Store, profile: Profile, entity: str, system: str, value: Any, actor: str
) -> str | None:
    """Check and save which types of ``entity`` records from ``system`` are copied
    (``value``: "all", "Retail, Wholesale" as typed, or a list of names); a sentence saying
    what is wrong (nothing saved), or None once saved (or already so)."""
    if system not in _systems(profile):
        return f"{system!r} is not one of this profile's systems ({', '.join(_systems(profile))})."
    names = parse_type_list(value) if isinstance(value, str) else value
    if isinstance(names, list):
        names = tuple(names)
    problem = check_type_list(entity, system, system_label(system), names)
    if problem:
        return problem
    key = INCLUDE_TYPES_PREFIX + type_key(entity, system)
    stored = None if names is None else list(names)
    if store.settings(profile.id).get(key) != stored:
        store.set_setting(profile.id, key, stored, actor=actor)
    return None


def save_created_range(
    store: Store, profile: Profile, system: str, text: str, actor: str
) -> str | None:
    """Check and save the created-date range of the records ``system`` holds alone (as
    typed: "all", "2026-01-01 to 2026-03-31", ...); a sentence, or None once saved."""
    if system not in _systems(profile):
        return f"{system!r} is not one of this profile's systems ({', '.join(_systems(profile))})."
    try:
        found = parse_range(text)
    except FilterError as exc:
        return str(exc)
    key = CREATED_RANGE_PREFIX + system
    if store.settings(profile.id).get(key) != found.stored():
        store.set_setting(profile.id, key, found.stored(), actor=actor)
    return None


def save_file_filters(
    store: Store, profile: Profile, given: Mapping[str, Any], actor: str
) -> str | None:
    """``[syncs.include_types.<entity>] <system> = "all" | [names]`` and
    ``[syncs.created_range] <system> = "<range>"`` of the setup file, checked and saved
    with Preferences' own functions; the first problem as a sentence, or None."""
    types = given.get(FILE_TYPES, {})
    if not isinstance(types, Mapping):
        return f'{FILE_TYPES} is a table: [syncs.{FILE_TYPES}.customer] qbo = ["Retail"].'
    for entity, lists in types.items():
        if not isinstance(lists, Mapping):
            return f'{FILE_TYPES}.{entity} is a table of systems, e.g. qbo = ["Retail"].'
        for system, value in lists.items():
            if not isinstance(value, str | list):
                return f'{FILE_TYPES}.{entity}.{system} is "all" or a list of type names.'
            problem = save_type_list(store, profile, entity, system, value, actor)
            if problem:
                return f"{FILE_TYPES}.{entity}.{system}: {problem}"
    ranges = given.get(FILE_RANGE, {})
    if not isinstance(ranges, Mapping):
        return f'{FILE_RANGE} is a table: [syncs.{FILE_RANGE}] bill = "from 2026-01-01".'
    for system, text in ranges.items():
        if not isinstance(text, str):
            return f"{FILE_RANGE}.{system} is text: {RANGE_FORMS}."
        problem = save_created_range(store, profile, system, text, actor)
        if problem:
            return f"{FILE_RANGE}.{system}: {problem}"
    return None
