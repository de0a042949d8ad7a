"""`recontui verify`: read both systems in full and check, record by record and field by
field, that they agree.

Independent of the sync's own bookkeeping: no cursor, no outbox and no stored field
value is used. Each system is paged through from its first record (``pull(entity,
None)``); from the state database only the links (which record is which, and what a
person decided about them), the open conflicts and waiting writes (to say what to do)
and the profile's settings (initial window, directions) are read.

Memory stays bounded whatever the size of the books. Each page's records are reduced
to a digest of their checked fields in canonical form (``engine/compare.py``) and
written, with their values, to a scratch SQLite file in the temporary directory (never
the state database). Digests are also folded into buckets of link ids per side, so
once both systems are read, every bucket whose two sides hold the same (link, digest)
pairs is settled without looking at its records; only the buckets that differ are
compared row by row, by a join on the link id, and only the pairs whose digests differ
are decoded again to name the fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .connectors.base import Connector, ConnectorError
from .engine.amounts import gap
from .engine.compare import (
    EXCLUDED_WORDS,
    Excluded,
    checked_fields,
    differing,
    exclusion,
    unlinked_id,
)
from .engine.defaults import booked_sides
from .engine.merge import set_by_system, unset_by_system
from .engine.required import held_for
from .model import (
    ENTITIES,
    ORDER,
    SIDES,
    EntitySpec,
    FieldSpec,
    FieldType,
    Ref,
    RemoteRef,
    Side,
    display,
    other,
)
from .model.codec import loads
from .model.states import ConflictStatus, LinkState, OpState
from .present import Names
from .run import first_synced_date, policy_from
from .run.filters import FilterCheck
from .run.taxes import held_for_tax
from .store import Profile, Store, StoreError
from .verify_scan import BUCKET, GONE_KNOWN, MOVED, Buckets, Reader, Scratch
from .wiring import system_label

#: Disagreements described in full by default; the rest are counted.
DEFAULT_LIMIT = 1000

ConnectorFactory = Callable[[Side, Any], Connector]


class VerifyError(Exception):
    """The check could not be made; ``str()`` is one sentence saying what to do."""


@dataclass(frozen=True)
class Disagreement:
    """One field of a linked pair that differs, or a record one system lacks."""

    entity: str
    record: str
    link_id: int | None
    #: None: the record is on one side only.
    field: str | None
    a_id: str | None
    b_id: str | None
    #: The values as people see them ("" when that side lacks the record).
    a: str
    b: str
    #: sync | decide | accept | fix
    action: str
    todo: str
    conflict_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["link"] = out.pop("link_id")
        out["conflict"] = out.pop("conflict_id")
        out["what_to_do"] = out.pop("todo")
        return out


@dataclass
class VerifyResult:
    started_at: dt.datetime
    finished_at: dt.datetime
    labels: dict[str, str]
    #: entity -> {"pairs": compared pairs, "a": records read in a, "b": ... in b}
    checked: dict[str, dict[str, int]]
    #: entity -> {reason: records left out on purpose}
    excluded: dict[str, dict[str, int]]
    #: The first ``limit`` disagreements, in entity order.
    disagreements: list[Disagreement]
    #: Every disagreement found (the list may stop short of it).
    count: int
    entity: str | None = None
    run_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return self.count == 0

    @property
    def pairs(self) -> int:
        return sum(c["pairs"] for c in self.checked.values())

    @property
    def excluded_total(self) -> int:
        return sum(sum(by.values()) for by in self.excluded.values())

    def summary(self) -> dict[str, Any]:
        """What is kept in the state database (no record values)."""
        return {
            "checked": self.checked,
            "excluded": self.excluded,
            "disagreements": self.count,
            "by_entity": dict(Counter(d.entity for d in self.disagreements)),
            "systems": self.labels,
            "warnings": self.warnings,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "agree": self.agree,
            "run_at": self.finished_at.isoformat(),
            "started_at": self.started_at.isoformat(),
            "entity": self.entity,
            "run_id": self.run_id,
            "systems": self.labels,
            "checked": self.checked,
            "excluded": self.excluded,
            "disagreement_count": self.count,
            "disagreements": [d.to_json() for d in self.disagreements],
            "warnings": self.warnings,
        }


class _Quiet:
    """Connector log lines of a check go nowhere (there is no run to attach them to)."""

    def connector_sink(self, label: str) -> Any:
        return lambda *args: None


# -- what to do ------------------------------------------------------------------------


class Advisor:
    """Says, for each disagreement, what settles it (from the queue and the outbox)."""

    def __init__(
        self,
        store: Store,
        profile: Profile,
        labels: Mapping[str, str],
        required: Mapping[Side, Mapping[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self.store = store
        self.profile = profile
        self.labels = labels
        #: Per side and entity, the fields its system requires (Connector.required_fields).
        self.required = required or {}
        self._match: dict[int, int] | None = None

    def match_conflict(self, link_id: int) -> int | None:
        """The live match conflict that names ``link_id`` (as the record or a candidate)."""
        if self._match is None:
            self._match = {}
            for c in self.store.conflicts(self.profile.id):
                if c.kind == "match":
                    for lid in (c.link_id, *(c.candidates or [])):
                        self._match.setdefault(int(lid), c.id)
        return self._match.get(link_id)

    def waiting(self, link_id: int) -> tuple[str, str, int | None] | None:
        """A conflict or write already waiting for the link, as (action, words, conflict)."""
        live = self.store.live_conflict_for_link(link_id)
        if live is not None and live.status == ConflictStatus.OPEN:
            return (
                "decide",
                f"Waiting for your decision in conflict {live.id} "
                f"(`recontui conflicts show {live.id}`).",
                live.id,
            )
        if live is not None:
            return (
                "sync",
                f"Decided in conflict {live.id}, not written yet: run `recontui sync`.",
                live.id,
            )
        ops = self.store.live_ops_for_link(link_id)
        held = [op for op in ops if op.state == OpState.HELD]
        for op in held:
            required = self.required.get(op.side, {}).get(op.entity, ())
            if held_for(op.op, required, op.payload.get("changes", {})) and op.last_error:
                # Held for a field its system requires: the run's words say what to fill.
                return "fix", op.last_error, None
            if held_for_tax(op) and op.last_error:
                # Held for an unmapped sales tax: the run's words say which to map.
                return "fix", op.last_error, None
        if held:
            return (
                "accept",
                "A change to it is held by the big-change guard: review it with `recontui sync "
                "--dry-run`, then run `recontui sync --accept-big-change`.",
                None,
            )
        if ops:
            return "sync", "A change to it waits to be written: run `recontui sync`.", None
        return None

    def pair(
        self,
        spec: EntitySpec,
        link_id: int,
        names: list[str],
        flags: Mapping[Side, int],
        values: Mapping[Side, Mapping[str, Any]],
    ) -> tuple[str, str, int | None]:
        waiting = self.waiting(link_id)
        if waiting is not None:
            return waiting
        a, b = self.labels["a"], self.labels["b"]
        for side in SIDES:
            held = gap(spec, values[side])
            if held is not None and ("lines" in names or "total" in names):
                return (
                    "fix",
                    f"Its lines in {self.labels[side]} do not carry its total ({held.words()}):"
                    " change its lines in one system so both carry the same amount.",
                    None,
                )
        moved = [self.labels[s] for s in SIDES if flags[s] & MOVED]
        if moved:
            return (
                "sync",
                f"Changed in {' and '.join(moved)} since the last sync: run `recontui sync` "
                "(it copies the change, or asks you when both sides changed).",
                None,
            )
        if names == ["total"]:
            return (
                "fix",
                "The two systems computed different totals from the same lines (sales tax, "
                f"rounding): correct it in {a} or {b}.",
                None,
            )
        return (
            "fix",
            f"The last sync left it like this: correct it in {a} or {b}, whichever is wrong; "
            "the next sync copies it across.",
            None,
        )

    def one_sided(
        self,
        spec: EntitySpec,
        side: Side,
        link_id: int | None,
        state: str | None,
        flags: int,
        values: Mapping[str, Any],
    ) -> tuple[str, str, int | None]:
        here, there = self.labels[side], self.labels[other(side)]
        if link_id is None:
            return (
                "sync",
                f"New in {here} since the last sync: run `recontui sync` to copy it to {there}.",
                None,
            )
        if state == "matching":
            found = self.match_conflict(link_id)
            if found is not None:
                return (
                    "decide",
                    f"Waiting for your decision in conflict {found}: which {there} record it is "
                    f"(`recontui conflicts show {found}`).",
                    found,
                )
        waiting = self.waiting(link_id)
        if waiting is not None:
            return waiting
        if state == LinkState.PAIRED:
            return self.gone(side, flags)
        unmatched = self.unmatched_reference(values)
        if unmatched is not None:
            return unmatched
        held = gap(spec, values)
        if held is not None:
            return (
                "fix",
                f"Not copied: {held.words()} (a discount, tax, shipping or bundle line recontui "
                f"does not carry): enter it in {there} by hand, or change it in {here} so its "
                "lines carry the whole amount.",
                None,
            )
        return "sync", f"Only in {here}: run `recontui sync` to copy it to {there}.", None

    def gone(self, side: Side, flags: int) -> tuple[str, str, int | None]:
        """A linked record that vanished from the other side."""
        here, there = self.labels[side], self.labels[other(side)]
        if flags & GONE_KNOWN:
            return (
                "sync",
                f"Deleted in {there}: run `recontui sync`; it asks whether to delete it in "
                f"{here} too or to bring it back.",
                None,
            )
        return (
            "fix",
            f"No longer found in {there}, and no sync saw it deleted there: create it "
            f"again in {there}, or delete it in {here}.",
            None,
        )

    def unmatched_reference(self, values: Mapping[str, Any]) -> tuple[str, str, int] | None:
        """A record it refers to waits for a match decision: the record waits for it."""
        for ref in _refs(values):
            target = self.store.link(self.store.canonical_link_id(ref.link))
            found = self.match_conflict(target.id) if target is not None else None
            if target is not None and target.state == "matching" and found is not None:
                name = Names(self.store).link_name(target.id)
                return (
                    "decide",
                    f"Not copied until {ENTITIES[ref.entity].label.lower()} {name!r} is "
                    f"matched: decide conflict {found} (`recontui conflicts show {found}`).",
                    found,
                )
        return None


def _refs(value: Any) -> Iterator[Ref]:
    """Every link reference a record's values hold (lines included)."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


# -- the check -------------------------------------------------------------------------


class Check:
    """Compares what :class:`Reader` stored, entity by entity, into a result."""

    def __init__(
        self,
        store: Store,
        profile: Profile,
        scratch: Scratch,
        buckets: Buckets,
        fields: Mapping[str, tuple[FieldSpec, ...]],
        labels: dict[str, str],
        limit: int,
        required: Mapping[Side, Mapping[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self.store = store
        self.profile = profile
        self.scratch = scratch
        self.buckets = buckets
        self.fields = fields
        self.labels = labels
        self.limit = limit
        self.first_date = first_synced_date(store, profile)
        self.include_inactive = store.profile_settings(profile.id).include_inactive
        self.filter_check = FilterCheck(store, profile)
        #: Billing documents the ledger holds in a summarised journal entry (run/summary.py).
        self.summarised = store.summarised_link_ids(profile.id)
        self.policy = policy_from(store, profile)
        self.advisor = Advisor(store, profile, labels, required)
        self.names = Names(store)
        self.found: list[Disagreement] = []
        self.count = 0
        self.checked: dict[str, dict[str, int]] = {}
        self.excluded: dict[str, dict[str, int]] = {}

    def room(self) -> bool:
        return self.limit <= 0 or len(self.found) < self.limit

    def shown(self, spec: FieldSpec, a: Any, b: Any) -> tuple[str, str]:
        """Both values as people read them: references by the names of the records they
        point at, with the link ids too when the names alone would look the same."""
        pair = (self._display(spec, a), self._display(spec, b))
        if pair[0] == pair[1]:
            pair = (self._display(spec, a, ids=True), self._display(spec, b, ids=True))
        return pair

    def _display(self, spec: FieldSpec, value: Any, *, ids: bool = False) -> str:
        """Lines one per row (newline-separated); anything else as one string."""
        named = self._named(value, ids=ids)
        if spec.type is FieldType.LINES and isinstance(named, list):
            return "\n".join(display(spec, [line])[1:-1] for line in named)
        return display(spec, named)

    def _named(self, value: Any, *, ids: bool = False) -> Any:
        if isinstance(value, Ref):
            name = self.names.link_name(value.link)
            return f"{name} (link {value.link})" if ids else name
        if isinstance(value, RemoteRef):
            side, remote_id = unlinked_id(value)
            label = self.labels.get(side, side)
            return f"{value.entity} {remote_id} in {label} (not linked)"
        if isinstance(value, list):
            return [self._named(v, ids=ids) for v in value]
        if isinstance(value, dict):
            return {k: self._named(v, ids=ids) for k, v in value.items()}
        return value

    def run(self, entities: Sequence[str]) -> None:
        for entity in entities:
            self.entity(entity)

    def entity(self, entity: str) -> None:
        spec = ENTITIES[entity]
        counts = self.scratch.counts(entity)
        settled, unsettled = self.buckets.split(entity)
        direction = self.policy.direction(entity)
        excluded: Counter[str] = Counter()
        pairs = settled
        for number in unsettled:
            first, last = number * BUCKET, (number + 1) * BUCKET - 1
            pairs += self.scratch.pairs(entity, first, last)
            if direction != "none":
                self.differing(spec, first, last)
        ranges: list[tuple[int | None, int | None]] = [(None, None)]
        ranges += [(n * BUCKET, (n + 1) * BUCKET - 1) for n in unsettled]
        for side in SIDES:
            for lo, hi in ranges:
                for row in self.scratch.one_sided(entity, side, lo, hi):
                    why = self.single(spec, side, direction, row)
                    if why is not None:
                        excluded[why] += 1
        if direction == "none":
            excluded[Excluded.DIRECTION] += pairs
        self.checked[entity] = {"pairs": pairs if direction != "none" else 0, **counts}
        if excluded or entity in self.excluded:
            merged = {**self.excluded.get(entity, {}), **{str(k): v for k, v in excluded.items()}}
            self.excluded[entity] = dict(sorted(merged.items()))

    def differing(self, spec: EntitySpec, lo: int, hi: int) -> None:
        fields = self.fields[spec.name]
        for (
            link,
            a_id,
            b_id,
            title,
            a_flags,
            b_flags,
            a_blob,
            b_blob,
        ) in self.scratch.differing_pairs(spec.name, lo, hi):
            values: dict[Side, dict[str, Any]] = {"a": loads(a_blob), "b": loads(b_blob)}
            # A copy booked to a default account its source lacks agrees (engine/defaults.py).
            required = {s: self.advisor.required.get(s, {}).get(spec.name, ()) for s in SIDES}
            booked = booked_sides(spec.name, required, values)
            diffs = differing(fields, booked["a"], booked["b"])
            # A field a system sets itself and has not set yet (no check printed) is no
            # disagreement: the sync says nothing about it either (engine/merge.py).
            diffs = [f for f in diffs if not unset_by_system(f, values)]
            # A field updates may not replace differs by the profile's choice, as the sync
            # says it ("not sent"): left out on purpose, counted apart.
            kept = [f for f in diffs if not self.policy.may_update(spec.name, f.name)]
            if kept:
                by = self.excluded.setdefault(spec.name, {})
                key = str(Excluded.UPDATE_FIELDS)
                by[key] = by.get(key, 0) + len(kept)
                diffs = [f for f in diffs if f not in kept]
            self.count += len(diffs)
            if not diffs or not self.room():
                continue
            action, todo, conflict = self.advisor.pair(
                spec, link, [f.name for f in diffs], {"a": a_flags, "b": b_flags}, values
            )
            for f in diffs:
                if not self.room():
                    break
                a, b = self.shown(f, values["a"].get(f.name), values["b"].get(f.name))
                self.found.append(
                    Disagreement(
                        spec.name, title, link, f.name, a_id, b_id, a, b, action, todo, conflict
                    )
                )

    def single(self, spec: EntitySpec, side: Side, direction: str, row: tuple) -> str | None:
        """Classify one record on ``side`` only: the reason it is left out, or None once it
        is counted (and maybe listed) as a disagreement."""
        remote_id, link, state, flags, title, blob = row
        values = loads(blob)
        if direction == "none":
            return Excluded.DIRECTION
        why = exclusion(
            spec,
            side,
            values,
            state=state,
            first_date=self.first_date,
            direction=direction,
            include_inactive=self.include_inactive,
        )
        if why is not None:
            return why
        if state != LinkState.PAIRED and self.filter_check.kept_out(spec, side, values):
            return Excluded.FILTERED  # the profile's filters keep it (run/filters.py)
        if side == "a" and link in self.summarised:
            return Excluded.SUMMARISED  # in a day's journal entry, not as its own record
        self.count += 1
        if self.room():
            action, todo, conflict = self.advisor.one_sided(spec, side, link, state, flags, values)
            here = f"in {self.labels[side]} ({remote_id})"
            self.found.append(
                Disagreement(
                    spec.name,
                    title,
                    link,
                    None,
                    remote_id if side == "a" else None,
                    remote_id if side == "b" else None,
                    here if side == "a" else "",
                    here if side == "b" else "",
                    action,
                    todo,
                    conflict,
                )
            )
        return None


def verified_entities(connectors: Mapping[Side, Connector], entity: str | None = None) -> list[str]:
    """The entities both systems hold and recontui syncs, in dependency order."""
    out = [
        name
        for name in ORDER
        if ENTITIES[name].synced and all(connectors[s].supports(name) for s in SIDES)
    ]
    if entity is not None:
        if entity not in out:
            raise VerifyError(
                f"{entity!r} is not an entity both systems hold; check one of: {', '.join(out)}."
            )
        out = [entity]
    return out


async def check_companies(
    profile: Profile, connectors: Mapping[Side, Connector], labels: Mapping[str, str]
) -> None:
    """The systems must be the books the profile's links belong to."""
    for side in SIDES:
        company = await connectors[side].company()
        known = profile.a_company_id if side == "a" else profile.b_company_id
        if known and known != company.company_id:
            raise VerifyError(
                f"{labels[side]} answered for company {company.company_id}, but profile "
                f"{profile.name!r} keeps the links of {known}: check the profile's settings."
            )


async def verify(
    store: Store,
    profile: Profile,
    connector_factory: ConnectorFactory,
    *,
    entity: str | None = None,
    limit: int = DEFAULT_LIMIT,
    run_id: int | None = None,
    scratch_dir: str | Path | None = None,
    progress: Callable[[Side, str, int], None] | None = None,
) -> VerifyResult:
    """Read both systems in full and compare them. Raises :class:`VerifyError` (one
    sentence) when they cannot be read or the profile cannot be checked yet."""
    labels: dict[str, str] = {side: system_label(profile.system(side)) for side in SIDES}
    _refuse_unless_checkable(store, profile)
    started = store.clock()
    last_run = store.runs(profile.id, limit=1)
    before = last_run[0]["id"] if last_run else 0
    scratch = Scratch(scratch_dir)
    try:
        connectors = {side: connector_factory(side, _Quiet()) for side in SIDES}
        async with contextlib.AsyncExitStack() as stack:
            for side in SIDES:
                await stack.enter_async_context(connectors[side])
            await check_companies(profile, connectors, labels)
            entities = verified_entities(connectors, entity)
            policy = policy_from(store, profile)
            fields = {  # a field the profile's field subset leaves out is not synced: not checked
                name: set_by_system(
                    [
                        f
                        for f in checked_fields(
                            ENTITIES[name],
                            connectors["a"].fields(name) & connectors["b"].fields(name),
                        )
                        if policy.syncs_field(name, f.name) or not f.synced
                    ],
                    {side: connectors[side].sets_itself(name) for side in SIDES},
                )
                for name in entities
            }
            required = {
                side: {name: tuple(connectors[side].required_fields(name)) for name in entities}
                for side in SIDES
            }
            reader = Reader(store, profile, scratch, fields)
            await _read_both(connectors, entities, reader, progress)
        check = Check(store, profile, scratch, reader.buckets, fields, labels, limit, required)
        check.run(entities)
    except (ConnectorError, StoreError) as exc:
        raise VerifyError(str(exc)) from None
    except sqlite3.Error as exc:
        raise VerifyError(
            f"The check's scratch file {scratch.path} could not be used ({exc}): free some "
            "space there, or point TMPDIR at a roomier directory, and verify again."
        ) from None
    finally:
        scratch.close()
    return VerifyResult(
        started_at=started,
        finished_at=store.clock(),
        labels=labels,
        checked=check.checked,
        excluded=check.excluded,
        disagreements=check.found,
        count=check.count,
        entity=entity,
        run_id=run_id,
        warnings=_runs_meanwhile(store, profile, before),
    )


def _refuse_unless_checkable(store: Store, profile: Profile) -> None:
    """VerifyError while a run syncs the profile, or before its first run."""
    holder = store.live_lock(profile.id)
    if holder is not None:
        raise VerifyError(
            f"Run {holder['run_id']} is syncing profile {profile.name!r} now: verify once it "
            "has finished."
        )
    if not store.has_links(profile.id):
        raise VerifyError(
            f"Profile {profile.name!r} has not synced yet: run `recontui sync` first, then "
            "verify what it keeps in agreement."
        )


async def _read_both(
    connectors: Mapping[Side, Connector],
    entities: Sequence[str],
    reader: Reader,
    progress: Callable[[Side, str, int], None] | None,
) -> None:
    """Page through both systems at once, every record of ``entities`` into ``reader``."""

    async def read(side: Side) -> None:
        for name in entities:
            done = 0
            async for page in connectors[side].pull(name, None):
                done += reader.add(side, name, page.records)
                if progress is not None:
                    progress(side, name, done)

    try:
        async with asyncio.TaskGroup() as group:
            for side in SIDES:
                group.create_task(read(side))
    except* (ConnectorError, StoreError, sqlite3.Error) as grouped:
        raise grouped.exceptions[0] from None


def _runs_meanwhile(store: Store, profile: Profile, before: int) -> list[str]:
    """A warning when a run started while the books were read (after run ``before``)."""
    latest = store.runs(profile.id, limit=1)
    if latest and latest[0]["id"] != before:
        return [
            f"Run {latest[0]['id']} started while the books were read: some of these "
            "disagreements may be its work in progress; verify again once it has finished."
        ]
    return []


def save_result(store: Store, profile: Profile, result: VerifyResult) -> int:
    """Keep the result's counts (the console's Home shows the last one)."""
    return store.save_verification(
        profile.id,
        started_at=result.started_at,
        agree=result.agree,
        pairs=result.pairs,
        disagreements=result.count,
        excluded=result.excluded_total,
        summary=result.summary(),
        entity=result.entity,
        run_id=result.run_id,
    )


# -- words -----------------------------------------------------------------------------


def headline(result: VerifyResult) -> str:
    """One sentence: do the books agree, and on how much."""
    a, b = result.labels["a"], result.labels["b"]
    read = {side: sum(c[side] for c in result.checked.values()) for side in SIDES}
    scope = f" ({ENTITIES[result.entity].label.lower()} records only)" if result.entity else ""
    what = (
        f"{result.pairs:,} linked pairs compared field by field; {read['a']:,} {a} and "
        f"{read['b']:,} {b} records read in full"
    )
    if result.agree:
        return f"The books agree{scope}: {what}."
    noun = "disagreement" if result.count == 1 else "disagreements"
    return f"The books do not agree{scope}: {result.count:,} {noun}; {what}."


def excluded_line(result: VerifyResult) -> str | None:
    totals: Counter[str] = Counter()
    for by in result.excluded.values():
        totals.update(by)
    fields = totals.pop(str(Excluded.UPDATE_FIELDS), 0)
    said = []
    if totals:
        parts = [f"{n:,} {EXCLUDED_WORDS[Excluded(k)]}" for k, n in sorted(totals.items())]
        said.append("Left out on purpose (records): " + ", ".join(parts) + ".")
    if fields:
        said.append(
            f"Left out on purpose: {fields:,} "
            f"{EXCLUDED_WORDS[Excluded.UPDATE_FIELDS]} (`recontui sync` says each)."
        )
    return " ".join(said) or None


def report_lines(result: VerifyResult) -> list[str]:
    """The human report: a headline, then the disagreements by entity and record, each
    field with both systems' values, and what to do about the record."""
    lines = [headline(result)]
    a, b = result.labels["a"], result.labels["b"]
    width = max(len(a), len(b)) + 2
    entity = None
    record: tuple[Any, ...] | None = None
    todo = ""
    for d in result.disagreements:
        if d.entity != entity:
            if todo:
                lines.append(f"    -> {todo}")
                todo = ""
            entity, record = d.entity, None
            lines += ["", ENTITIES[d.entity].label]
        key = (d.link_id, d.a_id, d.b_id, d.field is None)
        if key != record:
            if todo:
                lines.append(f"    -> {todo}")
            record, todo = key, d.todo
            link = f" (link {d.link_id})" if d.link_id is not None else ""
            if d.field is None:
                where = a if d.a else b
                lines.append(f"  {d.record!r}{link}: only in {where} ({d.a_id or d.b_id})")
                continue
            lines.append(f"  {d.record!r}{link}")
        if d.field is not None:
            lines.append(f"    {ENTITIES[d.entity].field(d.field).title}")
            lines += _values(a, d.a, d.b, width)
            lines += _values(b, d.b, d.a, width)
    if todo:
        lines.append(f"    -> {todo}")
    if result.count > len(result.disagreements):
        more = result.count - len(result.disagreements)
        lines += [
            "",
            f"... and {more:,} more not listed: `recontui verify --limit 0` lists them all "
            "(--entity checks one entity).",
        ]
    extra = excluded_line(result)
    if extra:
        lines += ["", extra]
    lines += [f"Note: {w}" for w in result.warnings]
    return lines


def _values(label: str, value: str, other_value: str, width: int) -> list[str]:
    """One system's value under a field; lines one per row, those that differ from the
    other system's line at the same place marked with a "≠"."""
    if "\n" not in value and "\n" not in other_value:
        return [f"      {label.ljust(width)}{value or '(blank)'}"]
    rows, others = value.split("\n") if value else [], other_value.split("\n")
    if not rows:
        return [f"      {label.ljust(width)}(no lines)"]
    out = []
    for i, row in enumerate(rows):
        mark = "  " if i < len(others) and others[i] == row else "≠ "
        head = label.ljust(width) if i == 0 else " " * width
        out.append(f"      {head}{mark}{i + 1}. {row}")
    return out


def check_line(row: Mapping[str, Any] | None, when: str) -> str:
    """The console's line about the last check (``when`` already in local time)."""
    if row is None:
        return "Not checked yet: `recontui verify` compares both systems in full."
    scope = ""
    if row.get("entity"):
        spec = ENTITIES.get(row["entity"])
        scope = f" ({spec.label.lower() if spec else row['entity']} only)"
    if row["agree"]:
        return f"Last check {when}{scope}: the books agree ({row['pairs']:,} pairs)."
    n = int(row["disagreements"])
    noun = "disagreement" if n == 1 else "disagreements"
    return f"Last check {when}{scope}: {n:,} {noun}: run `recontui verify`."


__all__ = [
    "DEFAULT_LIMIT",
    "Disagreement",
    "VerifyError",
    "VerifyResult",
    "check_line",
    "headline",
    "report_lines",
    "save_result",
    "verify",
]
