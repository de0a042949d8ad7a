"""The profile's filters and the window's edits, carried out during matching.

engine/filters.py decides whether a record one system holds alone is copied (its type,
its created-date range, the records it refers to); engine/window.py whether a transaction
dated before the initial window was changed after the first run, which brings it in.
This module asks them for the links matching meets and says what they decided: in the run
log (a few records by name, then how many more, once per run) and in the dry-run plan
(one ``not_sent`` item of kind ``filter`` per record). Records a filter keeps out stay
marked changed, so every run looks at them again: a filter changed in Preferences, or a
record now inside it, is copied by the next run with no edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from ..engine.filters import Filters, KeptOut, kept_out, party_kept_out
from ..engine.window import edited_after_first_run
from ..model import ENTITIES, SIDES, EntitySpec, Ref, RemoteRef, Side, other
from ..model.states import LinkState
from ..store import Link, Profile, Store
from .context import RunContext
from .ops import _refs_in, parse_iso

#: Records a run names one by one per entity and system, before it only counts the rest.
NAMED = 5
#: How deep a chain of references is followed (payment -> invoice -> customer).
DEPTH = 3


class Filtering(RunContext):
    """What matching asks about filters and the window's edits."""

    @cached_property
    def filters(self) -> Filters:
        settings = self.store.profile_settings(self.pid)
        return Filters.from_settings(settings.include_types, settings.created_ranges)

    @cached_property
    def first_run_at(self) -> dt.datetime | None:
        """When the profile's first (not dry) run started: changes after it are new."""
        return self.store.first_run_started(self.pid)

    @cached_property
    def kept_out_now(self) -> dict[tuple[str, Side], list[tuple[Link, KeptOut]]]:
        """The records kept out and not said yet, by (entity, side holding them)."""
        return {}

    @cached_property
    def _reasons(self) -> dict[tuple[int, Side], KeptOut | None]:
        return {}

    # -- the initial window: editing an older record brings it in --------------------
    def edited_after_first_run(self, link: Link, side: Side) -> bool:
        """Whether ``side``'s record of ``link`` was edited in its system after the first
        run (engine/window.py decides, from when its system last changed it and when a
        pull first stored it)."""
        return edited_after_first_run(
            parse_iso(self.store.updated_at(link.id, side)),
            parse_iso(self.store.first_seen(link.id)),
            self.first_run_at,
        )

    def bring_in_edited_references(self, spec: EntitySpec) -> int:
        """Transactions before the window that both systems hold are linked as references,
        never synced; one changed in either system after the first run is new activity:
        it becomes a pair again, merged like any other (a deleted one stays a reference)."""
        if self.first_run_at is None:
            return 0
        brought = 0
        for link in self.store.links(
            self.pid, spec.name, where="state=? AND dirty != 0", params=(LinkState.REFERENCE,)
        ):
            if link.a_deleted or link.b_deleted:
                continue
            if any(self.edited_after_first_run(link, side) for side in SIDES):
                self.store.set_link_state(link.id, LinkState.PAIRED)
                brought += 1
        return brought

    def agree_reference(self, spec: EntitySpec, link_id: int) -> None:
        """What both systems hold alike when a reference is linked is its base, so a change
        one of them makes after the first run, which brings it in, is sent as a change
        rather than asked about."""
        link = self.store.link(link_id)
        if link is None:
            return
        base = self.agreed_base(link, self.fields_for(spec.name))
        if base is not None:
            self.store.set_base(link.id, base, link.a_version, link.b_version, self.run_id)

    def say_brought_in(self, spec: EntitySpec, count: int) -> None:
        if count and self.first_date is not None:
            self.emit(
                "info",
                "match",
                f"{count} {spec.label.lower()} records dated before "
                f"{self.first_date.isoformat()} were changed after the first sync, so they "
                "are synced (editing an older record brings it into the initial window).",
                entity=spec.name,
            )

    # -- filters --------------------------------------------------------------------
    def filtered_out(
        self, spec: EntitySpec, link: Link, side: Side, fields: Mapping[str, Any]
    ) -> bool:
        """Whether the profile's filters keep ``side``'s record (``fields``: canonical,
        references as link ids) from being created in the other system; if so, the link
        stays marked changed (looked at again every run) and the run says it."""
        if not self.filters.active:
            return False
        reason = self.reason_kept_out(spec, link, side, fields)
        if reason is None:
            return False
        self.store.mark_dirty(link.id, side)
        self.kept_out_now.setdefault((spec.name, side), []).append((link, reason))
        self.not_sent.append(
            {
                "entity": spec.name,
                "op": "not_sent",
                "kind": "filter",
                "link": link.id,
                "fields": [reason.field],
                "why": f"not copied: {reason.why}",
            }
        )
        return True

    def reason_kept_out(
        self, spec: EntitySpec, link: Link, side: Side, fields: Mapping[str, Any], depth: int = 0
    ) -> KeptOut | None:
        """Why the filters keep the record out: its own type or day, else a record it
        refers to that the other system lacks and the filters keep out."""
        key = (link.id, side)
        if key not in self._reasons:
            system = self.profile.system(side)
            found = kept_out(self.filters, spec, system, link.fields(side) or {})
            if found is None and depth < DEPTH:
                found = self.party_reason(link, side, fields, depth)
            self._reasons[key] = found
        return self._reasons[key]

    def party_reason(
        self, link: Link, side: Side, fields: Mapping[str, Any], depth: int
    ) -> KeptOut | None:
        for ref in _refs_in(fields):
            party = self.store.link(self.store.canonical_link_id(ref.link))
            if party is None or party.id == link.id or party.fields(side) is None:
                continue
            if party.remote_id(other(side)) is not None or ref.entity not in ENTITIES:
                continue  # the other system has it: nothing waits
            party_spec = ENTITIES[ref.entity]
            party_fields = self.side_fields(party, side, self.fields_for(ref.entity))
            why = self.reason_kept_out(party_spec, party, side, party_fields, depth + 1)
            if why is not None:
                return party_kept_out(ref.entity, self.ref_words(ref), why)
        return None

    def say_filtered(self, spec: EntitySpec) -> None:
        """Once per run and entity: the records the filters kept out (a few by name, then
        how many more)."""
        for side in SIDES:
            kept = self.kept_out_now.pop((spec.name, side), [])
            for link, reason in kept[:NAMED]:
                name = self.record_name(spec.name, link.fields(side), link.remote_id(side))
                self.emit(
                    "info",
                    "match",
                    f"{spec.label} {name!r} is not copied to {self.labels[other(side)]}: "
                    f"{reason.why} (Preferences, filters).",
                    entity=spec.name,
                    record=name,
                )
            if len(kept) > NAMED:
                self.emit(
                    "info",
                    "match",
                    f"{len(kept) - NAMED} more {spec.label.lower()} records found only in "
                    f"{self.labels[side]} are not copied to {self.labels[other(side)]} by the "
                    "profile's filters (`recontui sync --dry-run` lists them).",
                    entity=spec.name,
                )

    def say_linked_outside(self, spec: EntitySpec) -> None:
        """A linked record whose type changed to one its include list leaves out stays
        linked and keeps syncing (a filter never unlinks or deletes): said when it changes."""
        listed = {system for entity, system in self.filters.types if entity == spec.name}
        if not listed:
            return
        for link in self.store.links(
            self.pid, spec.name, where="state=? AND dirty != 0", params=(LinkState.PAIRED,)
        ):
            for side in SIDES:
                system = self.profile.system(side)
                if not link.dirty & (1 if side == "a" else 2) or system not in listed:
                    continue
                reason = kept_out(self.filters, spec, system, link.fields(side) or {})
                if reason is None or reason.kind != "type":
                    continue
                name = self.record_name(spec.name, link.fields(side), link.remote_id(side))
                self.emit(
                    "info",
                    "match",
                    f"{spec.label} {name!r} stays linked and keeps syncing ({reason.why}): "
                    "a filter decides only what is copied; it never unlinks or deletes.",
                    entity=spec.name,
                    record=name,
                )


class FilterCheck:
    """The same decision for ``recontui verify``, outside a run: whether a record one
    system holds alone (its values as verify read them, references as link ids) is kept
    out by the profile's filters, so its absence from the other system is on purpose. A
    record it refers to is judged on what the store last pulled of it."""

    def __init__(self, store: Store, profile: Profile) -> None:
        settings = store.profile_settings(profile.id)
        self.filters = Filters.from_settings(settings.include_types, settings.created_ranges)
        self.store = store
        self.profile = profile

    def kept_out(
        self, spec: EntitySpec, side: Side, values: Mapping[str, Any], depth: int = 0
    ) -> KeptOut | None:
        if not self.filters.active:
            return None
        found = kept_out(self.filters, spec, self.profile.system(side), values)
        if found is not None or depth >= DEPTH:
            return found
        for party in self.parties(values, side):
            stored = party.fields(side) or {}
            why = self.kept_out(ENTITIES[party.entity], side, stored, depth + 1)
            if why is not None:
                words = f"{ENTITIES[party.entity].label.lower()} {spec_name(party, side)!r}"
                return party_kept_out(party.entity, words, why)
        return None

    def parties(self, values: Mapping[str, Any], side: Side) -> list[Link]:
        """The records ``values`` refers to that only ``side`` holds (link ids, or remote
        ids of ``side`` as the store holds them)."""
        out = []
        for value in _all_refs(values):
            if isinstance(value, RemoteRef):
                link_id = self.store.link_for_remote(
                    self.profile.id, value.entity, side, value.remote_id
                )
            else:
                link_id = value.link
            if link_id is None:
                continue
            party = self.store.link(self.store.canonical_link_id(link_id))
            if party is not None and party.entity in ENTITIES and not party.paired:
                out.append(party)
        return out


def spec_name(link: Link, side: Side) -> str:
    return ENTITIES[link.entity].title(link.fields(side)) or (link.remote_id(side) or "?")


def _all_refs(value: Any) -> list[Ref | RemoteRef]:
    if isinstance(value, Ref | RemoteRef):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _all_refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _all_refs(v)]
    return []
