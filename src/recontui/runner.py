"""One sync run, in the order DESIGN.md "A run" gives. The only place that sequences IO.

1. take the profile lock; 2. replay what an earlier run left in the outbox;
3. pull both sides concurrently, page by page (each page and its cursor in one
transaction); 4. match new records and merge dirty pairs (pure engine calls);
5. persist conflicts and outbox ops in one transaction, hold them if the change
is unusually big; 6. push, read each record back and compare, update bases.

Every step leaves the database consistent, so the run can die anywhere: the
next one finds dirty links, pending ops and unmoved cursors and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .connectors.base import (
    AuthError,
    Connector,
    ConnectorError,
    NotFoundError,
    ProtocolError,
    RejectedError,
    StaleVersionError,
    UnreachableError,
)
from .engine import (
    Audit,
    Candidate,
    MatchResult,
    Policy,
    Rule,
    apply_resolution,
    big_change,
    match_records,
    merge_record,
)
from .engine.amounts import Gap, gap, totals_differ
from .engine.fuzzy import find_twins
from .engine.merge import Merge
from .engine.refusals import (
    REFUSED,
    REFUSED_CREATE,
    is_refused_create,
    refusal_entries,
    standing_refusals,
)
from .engine.window import WindowError, in_window, parse_window
from .events import EventLog, Listener, Progress, ProgressBoard, ProgressListener
from .model import (
    ENTITIES,
    ORDER,
    SIDES,
    EntitySpec,
    FieldSpec,
    Ref,
    RemoteRecord,
    RemoteRef,
    Side,
    display,
    is_blank,
    other,
    same,
)
from .model.codec import dumps
from .store import Conflict, Link, LockHeld, Op, Profile, Store, StoreError
from .store.store import IGNORE, OVERRIDE
from .wiring import system_label

EXIT_OK, EXIT_WAITING, EXIT_PARTIAL, EXIT_FATAL = 0, 1, 2, 3

#: Seconds between progress snapshots stored on the run row (for a console following it).
PROGRESS_EVERY = 1.0

#: How far a remote system's clock may be behind ours when a record's creation time is
#: compared with when a create was planned. Every record recontui has pulled is already
#: ruled out by its link, so this only guards against a namesake someone made between the
#: pull and a lost create; it is wide so that a server clock hours off never makes the
#: look-up pass over our own record (which would then be created a second time).
CLOCK_MARGIN = dt.timedelta(hours=24)

#: How an op that waits for a person's decision on the record it refers to says so.
WAITING_ON_DECISION = "waiting for your decision"

DEFAULT_SETTINGS: dict[str, Any] = {
    "on_forbidden": "queue",
    "big_change.share": 0.25,
    "big_change.min": 20,
    "schedule": "off",
    "initial_window": "all",
}


class Interrupted(Exception):
    """The run was asked to stop; it stopped at a safe point."""


class MissingDependency(Exception):
    """A record refers to one that does not exist on the target side yet."""

    def __init__(self, ref: Ref) -> None:
        super().__init__(f"{ref.entity} #{ref.link}")
        self.ref = ref


class _DryRunRollback(Exception):
    pass


@dataclass
class RunOptions:
    dry_run: bool = False
    accept_big_change: bool = False
    trigger: str = "cli"
    actor: str = "recontui"
    keep_debug: bool = False
    cancel: threading.Event | None = None
    #: Called with each progress report, in the run's thread.
    progress: ProgressListener | None = None


@dataclass
class RunResult:
    run_id: int | None
    status: str
    exit_code: int
    counts: dict[str, int]
    message: str | None = None
    plan: list[dict[str, Any]] = field(default_factory=list)
    #: The run was refused because another run holds the profile's lock.
    lock_held: bool = False


COUNT_KEYS = (
    "pulled",
    "linked",
    "created",
    "updated",
    "auto_merged",
    "conflicts_opened",
    "conflicts_reopened",
    "auto_resolved",
    "resolutions_applied",
    "pushed",
    "push_failed",
    "held",
    "deferred",
    "rejected",
    "not_carried",
    "totals_differ",
    "read_back_mismatch",
    "open_conflicts",
)


def profile_settings(store: Store, profile: Profile) -> dict[str, Any]:
    """The profile's settings over the defaults."""
    return {**DEFAULT_SETTINGS, **store.settings(profile.id)}


def policy_from(
    store: Store, profile: Profile, settings: Mapping[str, Any] | None = None
) -> Policy:
    settings = profile_settings(store, profile) if settings is None else settings
    directions = {
        key.split(".", 1)[1]: value
        for key, value in settings.items()
        if key.startswith("direction.")
    }
    rules = tuple(
        Rule(kind=r["kind"], side=r["side"], entity=r["entity"], field=r["field"], id=r["id"])
        for r in store.rules(profile.id)
    )
    return Policy(directions=directions, rules=rules, on_forbidden=settings["on_forbidden"])


def first_synced_date(
    store: Store, profile: Profile, settings: Mapping[str, Any] | None = None
) -> dt.date | None:
    """The earliest transaction date the profile syncs (None: all), from its window."""
    settings = profile_settings(store, profile) if settings is None else settings
    try:
        window = parse_window(settings.get("initial_window"))
    except WindowError as exc:
        raise StoreError(f"{exc} Fix the initial window in Preferences (key 5).") from None
    first = store.first_run_started(profile.id)
    return window.first_date(first.date() if first else None)


def _audit_dict(entry: Audit) -> dict[str, Any]:
    return {
        "field": entry.field,
        "side": entry.side,
        "old": entry.old,
        "new": entry.new,
        "by": entry.by,
    }


def standing_overrides(
    live: Conflict | None,
    fields: Iterable[FieldSpec],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
) -> dict[str, Any]:
    """The overridden rule decisions in ``live`` that still stand, as its field entries.

    An override (``present.override_rule_decision``) offers the value a rule
    overwrote (on ``entry["side"]``) against the value the rule kept, which both
    sides still hold: the merge sees no difference, so without this the
    conflict would be settled away. It stands while both sides hold the kept
    value; once either side changes that field, the merge takes over again.
    """
    if live is None or live.kind != "field":
        return {}
    specs = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    for name, entry in live.fields.items():
        loser = entry.get("side")
        if entry.get("kind") != OVERRIDE or name not in specs or loser not in SIDES:
            continue
        kept = entry.get(other(loser))
        if same(specs[name], a.get(name), kept) and same(specs[name], b.get(name), kept):
            out[name] = entry
    return out


def override_choice(entry: Mapping[str, Any] | None, choice: tuple[str, Any]) -> tuple[str, Any]:
    """A person's pick on a field: on an override, a side means the value shown for it.

    Elsewhere a side's value in a conflict is what that side holds (the
    versions hold), but an overridden field shows the value a rule overwrote,
    which neither side holds any more: it is written back as that value.
    """
    pick = choice[0]
    if entry is not None and entry.get("kind") == OVERRIDE and pick in SIDES:
        return ("custom", entry.get(pick))
    return choice


class SyncRun:
    """The state of one run in progress; :func:`run_sync` is the way in."""

    def __init__(
        self,
        store: Store,
        profile: Profile,
        connectors: Mapping[Side, Connector],
        options: RunOptions,
        events: EventLog,
        run_id: int,
    ) -> None:
        self.store = store
        self.profile = profile
        self.pid = profile.id
        self.conns = dict(connectors)
        self.options = options
        self.events = events
        self.run_id = run_id
        self.counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
        settings = profile_settings(store, profile)
        self.policy = policy_from(store, profile, settings)
        self.big_share = float(settings["big_change.share"])
        self.big_min = int(settings["big_change.min"])
        self.first_date = first_synced_date(store, profile, settings)
        self.index: dict[Side, dict[tuple[str, str], int]] = {}
        self.synced_fields: dict[str, tuple[FieldSpec, ...]] = {}
        self.unreachable: set[Side] = set()
        self.plan: list[dict[str, Any]] = []
        self.labels = {side: system_label(profile.system(side)) for side in SIDES}
        self.board = ProgressBoard()
        self.progress_saved = 0.0
        self.progress_unsaved = False
        #: Entities pulled so far (both sides together) and how many there are.
        self.pulled = [0, 0]

    # -- helpers ----------------------------------------------------------
    def check_cancel(self) -> None:
        if self.options.cancel is not None and self.options.cancel.is_set():
            raise Interrupted("The run was cancelled; it stopped at a safe point.")

    def emit(self, level: str, phase: str, message: str, **kw: Any) -> None:
        self.events.emit(level, phase, message, **kw)

    def progress(
        self,
        phase: str,
        done: int,
        total: int | None = None,
        *,
        entity: str | None = None,
        side: Side | None = None,
    ) -> None:
        """Report progress; store a snapshot on the run row at most every PROGRESS_EVERY s."""
        item = Progress(phase, done, total, entity, side)
        self.board.update(item)
        if self.options.progress is not None:
            self.options.progress(item)
        self.progress_unsaved = True
        if time.monotonic() - self.progress_saved >= PROGRESS_EVERY:
            self.save_progress()

    def save_progress(self) -> None:
        self.progress_saved = time.monotonic()
        self.progress_unsaved = False
        self.store.update_run_counts(
            self.run_id, {**self.counts, "progress": self.board.snapshot()}
        )

    async def keep_progress_saved(self) -> None:
        """Store the latest progress while the run waits (on the network, say)."""
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            if self.progress_unsaved:
                with contextlib.suppress(StoreError):  # the next report tries again
                    self.save_progress()

    def fields_for(self, entity: str) -> tuple[FieldSpec, ...]:
        """The synced set: fields the model syncs and both connectors map."""
        if entity not in self.synced_fields:
            spec = ENTITIES[entity]
            mapped = self.conns["a"].fields(entity) & self.conns["b"].fields(entity)
            self.synced_fields[entity] = tuple(f for f in spec.synced_fields if f.name in mapped)
        return self.synced_fields[entity]

    def syncs(self, entity: str) -> bool:
        spec = ENTITIES[entity]
        return spec.synced and all(self.conns[s].supports(entity) for s in SIDES)

    def canon(self, value: Any, side: Side) -> Any:
        """A side's stored value with its remote references turned into link ids."""
        if isinstance(value, RemoteRef):
            key = (value.entity, value.remote_id)
            link_id = self.index[side].get(key)
            if link_id is None:
                link_id = self.store.placeholder_link(self.pid, value.entity, side, value.remote_id)
                self.index[side][key] = link_id
            return Ref(value.entity, link_id)
        if isinstance(value, list):
            return [self.canon(v, side) for v in value]
        if isinstance(value, dict):
            return {k: self.canon(v, side) for k, v in value.items()}
        return value

    def side_fields(self, link: Link, side: Side, fields: Iterable[FieldSpec]) -> dict[str, Any]:
        raw = link.fields(side) or {}
        return {f.name: self.canon(raw.get(f.name), side) for f in fields}

    def to_remote(self, value: Any, side: Side) -> Any:
        if isinstance(value, Ref):
            target = self.store.link(self.store.canonical_link_id(value.link))
            remote_id = None if target is None else target.remote_id(side)
            if remote_id is None:
                raise MissingDependency(value)
            return RemoteRef(value.entity, remote_id)
        if isinstance(value, list):
            return [self.to_remote(v, side) for v in value]
        if isinstance(value, dict):
            return {k: self.to_remote(v, side) for k, v in value.items()}
        return value

    def record_name(
        self, entity: str, fields: Mapping[str, Any] | None, remote_id: str | None = None
    ) -> str:
        spec = ENTITIES[entity]
        value = (fields or {}).get(spec.title_field)
        text = display(spec.field(spec.title_field), value) if not is_blank(value) else ""
        return text or (remote_id or "?")

    def ref_words(self, ref: Ref) -> str:
        """A referenced record as people know it: "customer 'Acme'"."""
        link = self.store.link(self.store.canonical_link_id(ref.link))
        label = ENTITIES[ref.entity].label.lower() if ref.entity in ENTITIES else ref.entity
        if link is None:
            return f"{label} #{ref.link}"
        side: Side = "a" if link.a_fields else "b"
        return f"{label} {self.record_name(ref.entity, link.fields(side), link.remote_id(side))!r}"

    def agreed_base(self, link: Link, fields: Iterable[FieldSpec]) -> dict[str, Any] | None:
        """The base with every field both sides now hold equally brought up to date."""
        if link.a_fields is None or link.b_fields is None:
            return None
        fields = tuple(fields)
        a = self.side_fields(link, "a", fields)
        b = self.side_fields(link, "b", fields)
        base = dict(self.store.base(link.id) or {})
        before = dict(base)
        for spec in fields:
            if same(spec, a[spec.name], b[spec.name]):
                base[spec.name] = a[spec.name]
        return None if base == before and before else base

    # -- the run ----------------------------------------------------------
    async def execute(self) -> RunResult:
        await self.check_companies()
        if self.options.accept_big_change and not self.options.dry_run:
            released = self.store.release_held(self.pid)
            if released:
                self.emit("info", "push", f"Released {released} held changes, as asked.")
        for side in SIDES:
            self.index[side] = self.store.remote_index(self.pid, side)
        if not self.options.dry_run:
            # Ops waiting for a record to exist elsewhere are retried after this
            # run's matching, which may be what they wait for.
            leftovers = [
                op
                for op in self.store.ops(self.pid, ("pending", "sent"))
                if not (op.last_error or "").startswith("waiting for")
            ]
            if leftovers:
                self.emit(
                    "info",
                    "replay",
                    f"Replaying {len(leftovers)} changes left "
                    "pending by an earlier run, with their original idempotency keys.",
                )
                await self.push_ops(leftovers, phase="replay")
                for side in SIDES:
                    self.index[side] = self.store.remote_index(self.pid, side)
        await self.pull()
        for side in SIDES:
            self.index[side] = self.store.remote_index(self.pid, side)
        self.plan_changes()
        if not self.options.dry_run:
            await self.push_ops(self.store.ops(self.pid, ("pending", "sent")))
        return self.finish()

    async def check_companies(self) -> None:
        """Never apply one company's links, bases and cursors to another."""
        ids: dict[Side, str] = {}
        for side in SIDES:
            company = await self.conns[side].company()
            ids[side] = company.company_id
            known = self.profile.a_company_id if side == "a" else self.profile.b_company_id
            if known and known != company.company_id:
                raise ConnectorError(
                    f"{self.labels[side]} answered for company {company.company_id}, but profile "
                    f"{self.profile.name!r} was set up with {known}; check the profile's "
                    "settings, or make a new profile for the other company (or, to move this "
                    "profile to it, `recontui state forget`)."
                )
            self.emit(
                "info",
                "connect",
                f"Connected to {self.labels[side]}: {company.name} ({company.company_id}).",
            )
        if not self.options.dry_run:
            self.store.set_company_ids(self.pid, ids["a"], ids["b"])

    # -- pull -------------------------------------------------------------
    async def pull(self) -> None:
        self.emit("info", "pull", "Pulling changes from both sides.")
        total = sum(1 for side in SIDES for entity in ORDER if self.conns[side].supports(entity))
        self.pulled = [0, total]
        self.progress("pull", 0, total)
        try:
            async with asyncio.TaskGroup() as group:
                for side in SIDES:
                    group.create_task(self.pull_side(side))
        except* (ConnectorError, Interrupted, StoreError) as grouped:
            raise grouped.exceptions[0] from None

    async def pull_side(self, side: Side) -> None:
        conn = self.conns[side]
        for entity in ORDER:
            if not conn.supports(entity):
                continue
            cursor = self.store.cursor(self.pid, side, entity)
            new = changed = read = 0
            self.progress("pull", 0, entity=entity, side=side)
            async for page in conn.pull(entity, cursor):
                self.check_cancel()
                got = self.store.store_pulled(self.pid, side, entity, page.records, page.cursor)
                new += got.new
                changed += got.changed
                self.counts["pulled"] += got.new + got.changed
                read += len(page.records)
                self.progress("pull", read, entity=entity, side=side)
                self.emit(
                    "debug",
                    "pull",
                    f"{self.labels[side]}: page of {len(page.records)} {entity} records",
                    entity=entity,
                )
            if new or changed:
                self.emit(
                    "info",
                    "pull",
                    f"{self.labels[side]}: {new} new and {changed} changed "
                    f"{ENTITIES[entity].label.lower()} records.",
                    entity=entity,
                    side=side,
                    new=new,
                    changed=changed,
                )
            self.progress("pull", read, read, entity=entity, side=side)
            self.pulled[0] += 1
            self.progress("pull", *self.pulled)

    # -- plan: match, merge, persist --------------------------------------
    def plan_changes(self) -> None:
        self.events.hold()
        planned_ids: list[int] = []
        try:
            with self.store.transaction() as conn:
                total = sum(1 for entity in ORDER if self.syncs(entity))
                planned = 0
                self.progress("plan", 0, total)
                for entity in ORDER:
                    self.check_cancel()
                    if not self.syncs(entity):
                        continue
                    self.match_entity(conn, entity)
                    self.merge_entity(conn, entity)
                    planned += 1
                    self.progress("plan", planned, total)
                self.guard(conn)
                planned_ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM outbox WHERE run_id=? ORDER BY id", (self.run_id,)
                    )
                ]
                if self.options.dry_run:
                    self.plan = self.describe_plan(planned_ids)
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        finally:
            self.events.flush()
        if self.options.dry_run:
            self.emit(
                "info",
                "plan",
                f"Dry run: {len(self.plan)} writes would be made; nothing "
                "was written to either side.",
            )

    def describe_plan(self, op_ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for op in self.store.ops(self.pid, ("pending", "held")):
            if op.id not in op_ids:
                continue
            out.append(
                {
                    "entity": op.entity,
                    "side": op.side,
                    "system": self.labels[op.side],
                    "op": op.op,
                    "link": op.link_id,
                    "state": op.state,
                    "fields": sorted(op.payload.get("changes", {})),
                }
            )
        for c in self.store.conflicts(self.pid, statuses=("open",)):
            item = {
                "entity": c.entity,
                "op": "conflict" if c.opened_run == self.run_id else "decision",
                "kind": c.kind,
                "link": c.link_id,
                "fields": sorted(c.fields),
            }
            if c.opened_run != self.run_id:  # outstanding from an earlier run: still owed
                item.update(conflict=c.id, note=c.note)
            out.append(item)
        return out

    def apply_match_resolutions(self, conn: Any, entity: str) -> list[int]:
        """Carry out what a person decided about ambiguous matches.

        Returns the links to create on the other side ("create, keep both").
        """
        to_create: list[int] = []
        for c in self.store.conflicts(self.pid, statuses=("resolved",), entity=entity):
            if c.kind != "match":
                continue
            how, arg = (c.choices or {}).get("$match", [None, None])
            candidates = list(c.candidates or [])
            mine = self.store.link(c.link_id)
            # A match conflict asks about a record one side holds; a refused create may be
            # about either side's record, its candidates on the other side.
            held: Side = "b" if mine is not None and mine.a_id is None else "a"
            there = other(held)
            if how == "link":
                target = self.store.link(int(arg))
                if (
                    target is None
                    or target.remote_id(there) is None
                    or target.remote_id(held) is not None
                ):
                    self.store.reopen_conflict(
                        conn,
                        c.id,
                        c.fields,
                        c.a_version,
                        c.b_version,
                        suggestion=c.choices,
                        note="the chosen record is no longer available",
                    )
                    continue
                a_link, b_link = (c.link_id, target.id) if held == "a" else (target.id, c.link_id)
                b_id = target.b_id if held == "a" else (mine.b_id if mine else None)
                survivor = self.store.pair_links(conn, a_link, b_link)
                if b_id is not None:
                    self.index["b"][(entity, b_id)] = survivor
                self.counts["linked"] += 1
                others = [x for x in candidates if x != target.id]
                note = f"linked to {self.labels[there]} record {target.remote_id(there)}"
            elif how == "create" and is_refused_create(c.fields):
                # Try again: the record goes back to matching, and is created unless a
                # counterpart turned up meanwhile (someone entered it by hand).
                self.store.set_link_state(conn, c.link_id, "unpaired")
                self.store.mark_dirty(c.link_id, held, conn)
                others = candidates
                note = f"trying again to create it in {self.labels[there]}"
            elif how == "create":
                self.store.set_link_state(conn, c.link_id, "single")
                self.store.mark_dirty(c.link_id, "a", conn)
                to_create.append(c.link_id)
                others = candidates
                note = f"kept apart: created in {self.labels['b']}"
            else:
                self.store.set_link_state(conn, c.link_id, "ignored")
                others = candidates
                note = "ignored: never synced"
            for link_id in others:
                self.store.set_link_state(conn, link_id, "unpaired")
                self.store.mark_dirty(link_id, there, conn)
            self.store.set_conflict_status(conn, c.id, "pushed", note=note)
            self.emit("info", "match", f"Match conflict {c.id}: {note}.", entity=entity)
        return to_create

    def match_entity(self, conn: Any, entity: str) -> None:
        spec = ENTITIES[entity]
        fields = spec.fields
        singles = self.apply_match_resolutions(conn, entity)
        singles += [
            link.id
            for link in self.store.links(
                self.pid, entity, where="state='single' AND b_id IS NULL AND dirty != 0"
            )
            if link.id not in singles
        ]
        unpaired = {
            side: self.store.links(
                self.pid,
                entity,
                where=f"state='unpaired' AND {side}_id IS NOT NULL AND {other(side)}_id IS NULL "
                f"AND {side}_fields IS NOT NULL",
            )
            for side in SIDES
        }
        for link_id in singles:
            link = self.store.link(link_id)
            if link is not None:
                unpaired["a"].append(link)
        self.drop_out_of_window(spec, unpaired)
        if not unpaired["a"] and not unpaired["b"]:
            return
        single_set = set(singles)
        candidates = {
            side: [
                Candidate(link.id, self.side_fields(link, side, fields))
                for link in unpaired[side]
                if not link.deleted(side) and link.id not in single_set
            ]
            for side in SIDES
        }
        has_refs = any(True for _ in spec.refs())
        undecided = self.store.link_ids_in_state(self.pid, "matching") if has_refs else set()
        result = match_records(spec, candidates["a"], candidates["b"])
        if undecided:
            _wait_for_parties(spec, result, candidates, undecided)
        by_id = {link.id: link for side in SIDES for link in unpaired[side]}
        for a_id, b_id, _key in result.pairs:
            self.store.pair_links(conn, a_id, b_id)
            b_link = by_id[b_id]
            if b_link.b_id is not None:
                self.index["b"][(entity, b_link.b_id)] = a_id
            self.counts["linked"] += 1
        if result.pairs:
            self.emit(
                "info",
                "match",
                f"Linked {len(result.pairs)} {spec.label.lower()} records found on both sides.",
                entity=entity,
            )
        for a_id, b_ids, key in result.ambiguous:
            fields_a = candidates_fields(candidates["a"], a_id)
            name = self.record_name(entity, fields_a)
            self.store.open_conflict(
                conn,
                self.pid,
                a_id,
                entity,
                "match",
                {"key": {"base": None, "a": "+".join(key), "b": None, "kind": "match"}},
                by_id[a_id].a_version,
                None,
                self.run_id,
                candidates=b_ids,
                note=f"{len(b_ids)} {self.labels['b']} records share its {'+'.join(key)}",
            )
            for link_id in (a_id, *b_ids):
                self.store.set_link_state(conn, link_id, "matching")
            self.counts["conflicts_opened"] += 1
            self.emit(
                "warning",
                "match",
                f"{spec.label} {name!r} could be any of {len(b_ids)} "
                f"{self.labels['b']} records with the same {'+'.join(key)}; choose in the "
                "conflict queue.",
                entity=entity,
                record=name,
            )
        # Near-duplicates: a record whose plausible twin (a similar name) waits unmatched
        # on the other side is a question for a person, never a copy on the other side.
        # Records an open match conflict asks about or lists wait for its answer.
        asked: set[int] = set()
        listed: set[int] = set()
        if result.unmatched_a or result.unmatched_b:
            for c in self.store.conflicts(self.pid, statuses=("open",), entity=entity):
                if c.kind == "match":
                    asked.add(c.link_id)
                    listed.update(c.candidates or ())
        left = {"a": set(result.unmatched_a), "b": set(result.unmatched_b)}
        changed = {i for side in SIDES for i in left[side] if by_id[i].dirty}
        twins = (
            find_twins(
                spec,
                *(
                    [c for c in candidates[side] if c.key in left[side] and c.key not in asked]
                    for side in SIDES
                ),
                involving=changed,
            )
            if changed
            else {}
        )
        label_b = f"{self.labels['b']} {spec.label.lower()}"
        opened: set[int] = set()
        for a_id, found in twins.items():
            name = self.record_name(entity, candidates_fields(candidates["a"], a_id))
            shown = ", ".join(
                f"{self.record_name(entity, candidates_fields(candidates['b'], t.b))[:80]!r} "
                f"({t.describe()})"
                for t in found[:3]
            )
            b_ids = [t.b for t in found]
            self.store.open_conflict(
                conn,
                self.pid,
                a_id,
                entity,
                "match",
                {"key": {"base": None, "a": "similar name", "b": None, "kind": "match"}},
                by_id[a_id].a_version,
                None,
                self.run_id,
                candidates=b_ids,
                note=(
                    f"a {label_b} with a similar name: {shown}"
                    if len(found) == 1
                    else f"{len(found)} {label_b} records with similar names: {shown}"
                ),
            )
            for link_id in (a_id, *b_ids):
                self.store.set_link_state(conn, link_id, "matching")
                opened.add(link_id)
            self.counts["conflicts_opened"] += 1
            self.emit(
                "warning",
                "match",
                f"{spec.label} {name!r} may be the {label_b} "
                f"{self.record_name(entity, candidates_fields(candidates['b'], found[0].b))!r} "
                f"({found[0].describe()}); nothing is created until you decide in the "
                "conflict queue.",
                entity=entity,
                record=name,
            )
        for unmatched in (result.unmatched_a, result.unmatched_b):
            for link_id in [i for i in unmatched if i in opened or i in listed]:
                unmatched.remove(link_id)
                if link_id not in opened:  # released by another decision, still listed here
                    self.store.set_link_state(conn, link_id, "matching")
        direction = self.policy.direction(entity)
        result.unmatched_a.extend(singles)
        for side, unmatched in (("a", result.unmatched_a), ("b", result.unmatched_b)):
            target: Side = other(side)
            for link_id in unmatched:
                link = by_id[link_id]
                if not link.dirty:
                    continue
                fields_side = self.side_fields(link, side, self.fields_for(entity))
                waiting = self.undecided_refs(fields_side)
                if waiting:
                    # It may be the counterpart of a record on the other side once the
                    # referenced record is matched: creating it now could duplicate it.
                    self.emit(
                        "info",
                        "match",
                        f"{spec.label} "
                        f"{self.record_name(entity, fields_side)!r} waits until "
                        f"{self.ref_words(waiting[0])} is matched (see the conflict queue).",
                        entity=entity,
                    )
                    continue
                self.store.clear_dirty(conn, link_id)
                if fields_side.get("active") is False:
                    continue
                if direction not in ("both", f"{side}_to_{target}"):
                    self.emit(
                        "info",
                        "match",
                        f"{spec.label} "
                        f"{self.record_name(entity, fields_side)!r} exists only in "
                        f"{self.labels[side]}; the direction does not allow creating it "
                        f"in {self.labels[target]}.",
                        entity=entity,
                    )
                    continue
                if any(op.op == "create" for op in self.store.live_ops_for_link(link_id)):
                    continue
                held = gap(spec, link.fields(side))
                if held is not None:
                    self.not_carried(conn, spec, link, side, held, create=True)
                    continue
                payload = {k: v for k, v in fields_side.items() if not is_blank(v)}
                self.plan_op(conn, link_id, entity, target, "create", payload, [])

    def drop_out_of_window(self, spec: EntitySpec, unpaired: dict[Side, list[Link]]) -> None:
        """Transactions dated before the initial window are never created or updated.

        Those found on both sides are still linked, as *references* (state ``reference``:
        never merged, never written), so a payment inside the window that applies to an
        older invoice finds the same invoice on both sides instead of two strangers.
        """
        if self.first_date is None or spec.kind != "transaction" or not spec.has_field("date"):
            return
        old: dict[Side, list[Link]] = {"a": [], "b": []}
        for side in SIDES:
            kept = []
            for link in unpaired[side]:
                if in_window((link.fields(side) or {}).get("date"), self.first_date):
                    kept.append(link)
                else:
                    old[side].append(link)
            unpaired[side] = kept
        dropped = len(old["a"]) + len(old["b"])
        linked = self.link_references(spec, old)
        if dropped:
            self.emit(
                "info",
                "match",
                f"{dropped} {spec.label.lower()} records dated before "
                f"{self.first_date.isoformat()} are outside the initial window and left alone"
                + (f"; {linked} found on both sides are linked as references." if linked else "."),
                entity=spec.name,
            )

    def link_references(self, spec: EntitySpec, old: dict[Side, list[Link]]) -> int:
        """Link records outside the window that both sides hold, by their exact keys."""
        if not old["a"] or not old["b"]:
            return 0
        candidates = {
            side: [
                Candidate(link.id, self.side_fields(link, side, spec.fields))
                for link in old[side]
                if not link.deleted(side)
            ]
            for side in SIDES
        }
        result = match_records(spec, candidates["a"], candidates["b"])
        b_ids = {link.id: link.b_id for link in old["b"]}
        with self.store.transaction() as conn:
            for a_link, b_link, _key in result.pairs:
                survivor = self.store.pair_links(conn, a_link, b_link)
                self.store.set_link_state(conn, survivor, "reference")
                self.store.clear_dirty(conn, survivor)
                if b_ids.get(b_link) is not None:
                    self.index["b"][(spec.name, b_ids[b_link])] = survivor
        return len(result.pairs)

    def plan_op(
        self,
        conn: Any,
        link: Link | int,
        entity: str,
        side: Side,
        op: str,
        changes: Mapping[str, Any],
        audit: list[dict[str, Any]],
        *,
        conflict_id: int | None = None,
    ) -> None:
        """Queue one write in the outbox, with a fresh idempotency key.

        The read-back after the push expects exactly ``changes``.
        """
        record = link if isinstance(link, Link) else None
        self.store.add_op(
            conn,
            self.pid,
            self.run_id,
            record.id if record else int(link),
            entity,
            side,
            op,
            record.remote_id(side) if record and op != "create" else None,
            record.version(side) if record and op != "create" else None,
            {"changes": dict(changes), "expect": dict(changes), "audit": audit},
            uuid.uuid4().hex,
            conflict_id=conflict_id,
        )

    def undecided_refs(self, fields: Mapping[str, Any]) -> list[Ref]:
        """References to records whose counterpart is not settled yet.

        A record pointing at a customer still waiting for a person's match
        decision must not be created on the other side: once the customer is
        matched, the two records may turn out to be the same one.
        """
        out = []
        for ref in _refs_in(fields):
            link = self.store.link(self.store.canonical_link_id(ref.link))
            if link is None or link.paired or link.state in ("single", "ignored"):
                continue
            if any(op.op == "create" for op in self.store.live_ops_for_link(link.id)):
                continue
            if link.state == "unpaired" and link.dirty:
                continue  # about to be created (or matched) in this very run
            out.append(ref)
        return out

    def merge_entity(self, conn: Any, entity: str) -> None:
        spec = ENTITIES[entity]
        fields = self.fields_for(entity)
        links = self.store.links(
            self.pid,
            entity,
            where="state='paired' AND (dirty != 0 OR id IN (SELECT link_id FROM conflicts "
            "WHERE status IN ('open','resolved') AND kind != 'match'))",
        )
        self.progress("plan", 0, len(links), entity=entity)
        for done, link in enumerate(links, 1):
            self.merge_link(conn, spec, fields, link)
            self.progress("plan", done, len(links), entity=entity)

    def merge_link(
        self, conn: Any, spec: EntitySpec, fields: tuple[FieldSpec, ...], link: Link
    ) -> None:
        entity = spec.name
        self.store.clear_dirty(conn, link.id)
        a = self.side_fields(link, "a", fields)
        b = self.side_fields(link, "b", fields)
        name = self.record_name(entity, a, link.a_id)
        live = self.store.live_conflict_for_link(link.id)
        if live is not None and live.status == "resolved" and IGNORE in (live.choices or {}):
            self.unlink(conn, spec, link, live, name)
            return
        if live is not None and live.kind == "match" and is_refused_create(live.fields):
            # Its counterpart turned up (matched, or linked by a person): nothing to create.
            self.store.set_conflict_status(
                conn, live.id, "superseded", note="linked to its counterpart"
            )
            live = None
        if link.a_deleted and link.b_deleted:
            return  # gone on both sides: nothing left to agree on
        if link.a_deleted or link.b_deleted:
            if live is not None and live.kind == "delete" and live.status == "resolved":
                self.plan_delete_resolution(conn, spec, link, live, a, b)
                return
            gone = "a" if link.a_deleted else "b"
            if live is not None and live.kind != "delete":
                # The record's other question (which value, which record) is moot now that
                # one side deleted it: the deletion is what a person decides next.
                self.store.set_conflict_status(
                    conn,
                    live.id,
                    "superseded",
                    note=f"deleted in {self.labels[gone]}: decide the deletion instead",
                )
                for op in self.store.live_ops_for_link(link.id):
                    if op.state in ("pending", "held"):
                        self.store.set_op_state(
                            op.id, "superseded", conn=conn, error="the record was deleted"
                        )
                live = None
            if live is None:
                self.store.open_conflict(
                    conn,
                    self.pid,
                    link.id,
                    entity,
                    "delete",
                    {
                        "deleted": {
                            "base": None,
                            "a": link.a_deleted,
                            "b": link.b_deleted,
                            "kind": "delete",
                        }
                    },
                    link.a_version,
                    link.b_version,
                    self.run_id,
                    note=f"deleted in {self.labels[gone]}",
                )
                self.counts["conflicts_opened"] += 1
            return
        for op in self.store.live_ops_for_link(link.id):
            if op.state in ("pending", "held"):
                self.store.set_op_state(
                    op.id, "superseded", conn=conn, error="replanned after newer changes"
                )
        base = self.store.base(link.id)
        versions_hold = live is not None and (live.a_version, live.b_version) == (
            link.a_version,
            link.b_version,
        )
        conflict_id: int | None = None
        resolution_writes: dict[Side, dict[str, Any]] = {"a": {}, "b": {}}
        resolution_audit: list[Audit] = []
        if live is not None and live.kind != "field":
            return
        if live is not None and live.status == "resolved" and versions_hold:
            choices = {
                k: (v[0], v[1] if len(v) > 1 else None) for k, v in (live.choices or {}).items()
            }
            choices = {k: v for k, v in choices.items() if any(f.name == k for f in fields)}
            choices = {k: override_choice(live.fields.get(k), v) for k, v in choices.items()}
            res = apply_resolution(fields, a, b, choices)
            rest = tuple(f for f in fields if f.name not in choices)
            merge = merge_record(spec, rest, base, a, b, self.policy)
            resolution_writes = {"a": res.to_a, "b": res.to_b}
            resolution_audit = res.audit
            conflict_id = live.id
            self.counts["resolutions_applied"] += 1
            if not res.changes and not merge.changes:
                self.store.set_conflict_status(
                    conn, live.id, "pushed", note="both sides already held the chosen values"
                )
            self.emit(
                "info",
                "merge",
                f"Applying the saved resolution of conflict {live.id} ({spec.label} {name!r}).",
                entity=entity,
                record=name,
            )
        else:
            merge = merge_record(spec, fields, base, a, b, self.policy)
            overrides = standing_overrides(live, fields, a, b)
            if live is not None:
                overrides.update(standing_refusals(live.fields, fields, a, b))
            _hold_back(merge, overrides)
            if live is not None and (merge.conflicts or overrides):
                fresh = {**self.conflict_fields(merge), **overrides}
                if not versions_hold or dumps(fresh) != dumps(live.fields):
                    resolved = live.status == "resolved"
                    changed = [
                        self.labels[s]
                        for s in SIDES
                        if link.version(s) != (live.a_version if s == "a" else live.b_version)
                    ]
                    why = (
                        f"changed again in {' and '.join(changed)}"
                        if changed
                        else "the values in conflict changed"
                    )
                    self.store.reopen_conflict(
                        conn,
                        live.id,
                        fresh,
                        link.a_version,
                        link.b_version,
                        # Choices saved on an open conflict (a partial choice) are kept too.
                        suggestion=live.choices or None,
                        note=why
                        + ("; your earlier choice is kept as a suggestion" if live.choices else ""),
                    )
                    if resolved:
                        self.counts["conflicts_reopened"] += 1
                        self.emit(
                            "warning",
                            "merge",
                            f"Conflict {live.id} ({spec.label} "
                            f"{name!r}) was reopened: the record changed again before "
                            "its resolution was pushed.",
                            entity=entity,
                            record=name,
                        )
                merge.conflicts.clear()
            elif live is not None:
                # A rule saved since the conflict opened may be what settles it.
                rules = sorted({e.by for e in merge.audit if e.by.startswith("rule")})
                settled = (
                    f"decided by {', '.join(rules)}" if rules else "settled: both sides now agree"
                )
                self.store.set_conflict_status(conn, live.id, "superseded", note=settled)
                self.emit(
                    "info",
                    "merge",
                    f"Conflict {live.id} ({spec.label} {name!r}) "
                    + (f"was {settled}." if rules else "settled itself: both sides now agree."),
                    entity=entity,
                    record=name,
                )
            elif merge.conflicts:
                # The fields that merge cleanly are still pushed; they are not part of
                # the conflict, so their ops carry no conflict id.
                self.store.open_conflict(
                    conn,
                    self.pid,
                    link.id,
                    entity,
                    "field",
                    self.conflict_fields(merge),
                    link.a_version,
                    link.b_version,
                    self.run_id,
                )
                self.counts["conflicts_opened"] += 1
                self.emit(
                    "info",
                    "merge",
                    f"Conflict on {spec.label.lower()} {name!r}: "
                    f"{', '.join(sorted(merge.conflicts))}.",
                    entity=entity,
                    record=name,
                )
        if self.hold_lines(conn, spec, link, merge, resolution_writes, live, conflict_id):
            return
        self.plan_writes(
            conn, spec, link, merge, resolution_writes, resolution_audit, conflict_id, name
        )
        base_now = dict(base or {})
        changed = False
        for spec_f in fields:
            if same(spec_f, a[spec_f.name], b[spec_f.name]) and (
                spec_f.name not in base_now
                or not same(spec_f, base_now[spec_f.name], a[spec_f.name])
            ):
                base_now[spec_f.name] = a[spec_f.name]
                changed = True
        if changed or base is None:
            self.store.set_base(
                conn, link.id, base_now, link.a_version, link.b_version, self.run_id
            )

    def unlink(self, conn: Any, spec: EntitySpec, link: Link, live: Conflict, name: str) -> None:
        """A person chose never to sync this record again: nothing more is written to
        either side, and its waiting writes are dropped (said in the log)."""
        self.store.set_link_state(conn, link.id, "ignored")
        for op in self.store.live_ops_for_link(link.id):
            if op.state in ("pending", "held"):
                self.store.set_op_state(op.id, "superseded", conn=conn, error="unlinked")
        self.store.set_conflict_status(conn, live.id, "pushed", note="unlinked: never synced")
        self.emit(
            "info",
            "merge",
            f"{spec.label} {name!r} is unlinked, as chosen in conflict {live.id}: it is "
            "never synced again.",
            entity=spec.name,
            record=name,
        )

    def not_carried(
        self, conn: Any, spec: EntitySpec, link: Link, side: Side, held: Gap, *, create: bool
    ) -> None:
        """Say that a record's lines, which do not carry its total, are not copied from
        ``side``; the link is looked at again on every run until they do."""
        target = other(side)
        src, dst = self.labels[side], self.labels[target]
        name = self.record_name(spec.name, link.fields(side), link.remote_id(side))
        why = f"{held.words()} (a discount, tax, shipping or bundle line recontui does not carry)"
        if create:
            key = " and ".join(spec.keys[0]) if spec.keys else "its fields"
            text = (
                f"{spec.label} {name!r} in {src} is not copied to {dst}: {why}. Enter it in "
                f"{dst} by hand (recontui links the two by {key}), or change it in {src} so "
                "its lines carry the whole amount."
            )
        else:
            there = (link.fields(target) or {}).get("total")
            where = f", where its total is {there:,.2f}" if isinstance(there, Decimal) else ""
            text = (
                f"The lines of {spec.label.lower()} {name!r} in {src} do not carry its total: "
                f"{why}. They are not copied to {dst}{where}. Change its lines in one system "
                "so both carry the same amount; the rest of the record is synced as usual."
            )
        self.counts["not_carried"] += 1
        self.store.mark_dirty(link.id, side, conn)
        self.emit("error", "merge" if not create else "match", text, entity=spec.name, record=name)

    def hold_lines(
        self,
        conn: Any,
        spec: EntitySpec,
        link: Link,
        merge: Merge,
        resolution_writes: dict[Side, dict[str, Any]],
        live: Conflict | None,
        conflict_id: int | None,
    ) -> bool:
        """Where one side's lines do not carry the record's total
        (:func:`~recontui.engine.amounts.gap`) and the two sides' totals differ, or those
        lines are about to be copied, say so (on every run until it changes) and take the
        copy out of the plan.

        A saved resolution that chose those lines goes back to the queue, its choice kept
        as a suggestion: nothing of it is written, and True is returned.
        """
        for source in SIDES:
            held = gap(spec, link.fields(source))
            if held is None:
                continue
            target = other(source)
            writes = merge.to_a if target == "a" else merge.to_b
            chosen = "lines" in resolution_writes.get(target, {})
            apart = totals_differ(spec, link.a_fields, link.b_fields) is not None
            if "lines" not in writes and not chosen and not apart:
                continue
            self.not_carried(conn, spec, link, source, held, create=False)
            if chosen and live is not None and conflict_id is not None:
                self.store.reopen_conflict(
                    conn,
                    conflict_id,
                    live.fields,
                    link.a_version,
                    link.b_version,
                    suggestion=live.choices or None,
                    note=f"the chosen lines from {self.labels[source]} do not carry its total",
                )
                self.counts["resolutions_applied"] -= 1
                return True
            writes.pop("lines", None)
        return False

    def plan_delete_resolution(
        self,
        conn: Any,
        spec: EntitySpec,
        link: Link,
        live: Conflict,
        a: dict[str, Any],
        b: dict[str, Any],
    ) -> None:
        """One side deleted the record: delete it on the other too, or bring it back."""
        winner = (live.choices or {}).get("deleted", ["a"])[0]
        gone: Side = "a" if link.a_deleted else "b"
        survivor: Side = other(gone)
        if winner == gone:
            side, op, changes, old, new = survivor, "deactivate", {}, "exists", "deleted"
        else:
            values = a if survivor == "a" else b
            changes = {k: v for k, v in values.items() if not is_blank(v)}
            side, old, new = gone, "deleted", "restored"
            # An archived record comes back as itself (its id, number and history); only a
            # record its system cannot bring back is created anew.
            op = "restore" if self.conns[gone].can_restore(spec.name) else "create"
        audit = [{"field": "(record)", "side": side, "old": old, "new": new, "by": "resolution"}]
        self.plan_op(conn, link, spec.name, side, op, changes, audit, conflict_id=live.id)

    def conflict_fields(self, merge: Merge) -> dict[str, Any]:
        return {
            name: {"base": c.base, "a": c.a, "b": c.b, "kind": c.kind}
            for name, c in merge.conflicts.items()
        }

    def plan_writes(
        self,
        conn: Any,
        spec: EntitySpec,
        link: Link,
        merge: Merge,
        resolution_writes: Mapping[Side, Mapping[str, Any]],
        resolution_audit: list[Audit],
        conflict_id: int | None,
        name: str,
    ) -> None:
        audits = list(merge.audit) + list(resolution_audit)
        rule_decisions = [e for e in merge.audit if e.by not in ("merge", "revert", "resolution")]
        if rule_decisions:
            self.counts["auto_resolved"] += len(rule_decisions)
            for entry in rule_decisions:
                self.emit(
                    "info",
                    "merge",
                    f"{spec.label} {name!r}: {entry.field} decided by {entry.by}.",
                    entity=spec.name,
                    record=name,
                    field=entry.field,
                    rule=entry.by,
                    link=link.id,
                )
        wrote = False
        for side in SIDES:
            changes = dict(merge.to_a if side == "a" else merge.to_b)
            changes.update(resolution_writes.get(side, {}))
            if not changes:
                continue
            side_audit = [_audit_dict(e) for e in audits if e.side == side]
            self.plan_op(
                conn,
                link,
                spec.name,
                side,
                "update",
                changes,
                side_audit,
                conflict_id=conflict_id,
            )
            wrote = True
        if wrote and conflict_id is None:
            self.counts["auto_merged"] += 1
        if merge.forbidden:
            self.emit(
                "warning",
                "merge",
                f"{spec.label} {name!r}: a change to "
                f"{', '.join(merge.forbidden)} goes against the sync direction "
                f"({self.policy.direction(spec.name)}); see the conflict queue.",
                entity=spec.name,
                record=name,
            )

    def guard(self, conn: Any) -> None:
        """Hold a run that would change an unusual share of one side's records."""
        planned: dict[Side, int] = {"a": 0, "b": 0}
        for side, n in conn.execute(
            "SELECT side, count(*) FROM outbox WHERE run_id=? AND state='pending' "
            "AND op IN ('update','deactivate') GROUP BY side",
            (self.run_id,),
        ):
            planned[side] = n
        records = {side: self.store.count_links(self.pid, side) for side in SIDES}
        sides = big_change(planned, records, self.big_share, self.big_min)
        if not sides or self.options.accept_big_change:
            return
        for side in sides:
            cur = conn.execute(
                "UPDATE outbox SET state='held' WHERE run_id=? AND side=? AND state='pending' "
                "AND op IN ('update','deactivate')",
                (self.run_id, side),
            )
            self.counts["held"] += cur.rowcount
            self.emit(
                "warning",
                "guard",
                f"Held {cur.rowcount} changes to "
                f"{self.labels[side]}: they would change more than "
                f"{self.big_share:.0%} of its {records[side]} records. Review them with "
                "`recontui sync --dry-run`, then run `recontui sync --accept-big-change` "
                "to push them.",
                side=side,
                count=cur.rowcount,
            )

    # -- push -------------------------------------------------------------
    async def push_ops(self, ops: list[Op], phase: str = "push") -> None:
        rank = {name: i for i, name in enumerate(ORDER)}
        kind_rank = {"create": 0, "restore": 0, "update": 1, "deactivate": 2}
        ops = sorted(ops, key=lambda o: (rank.get(o.entity, 99), kind_rank.get(o.op, 3), o.id))
        if ops:
            self.emit("info", "push", f"Pushing {len(ops)} changes.")
        totals = Counter(op.entity for op in ops)
        done: Counter[str] = Counter()
        self.progress(phase, 0, len(ops))
        for op in ops:
            self.check_cancel()
            if op.side in self.unreachable:
                self.counts["push_failed"] += 1
            else:
                await self.push_one(op)
            done[op.entity] += 1
            self.progress(phase, done[op.entity], totals[op.entity], entity=op.entity)
            self.progress(phase, done.total(), len(ops))

    async def push_one(self, op: Op) -> None:
        conn = self.conns[op.side]
        label = self.labels[op.side]
        link = self.store.link(self.store.canonical_link_id(op.link_id))
        if link is None:
            self.store.set_op_state(op.id, "rejected", error="its record is gone")
            return
        changes = op.payload.get("changes", {})
        # Named by its title: from the change itself, else from what either side holds.
        title = ENTITIES[op.entity].title_field
        known = next(
            (
                f
                for f in (changes, link.a_fields, link.b_fields)
                if f and not is_blank(f.get(title))
            ),
            changes,
        )
        name = self.record_name(op.entity, known, link.remote_id(other(op.side)))
        try:
            remote_changes = self.to_remote(changes, op.side)
        except MissingDependency as missing:
            never = self.never_there(missing.ref, label)
            if never is not None:
                self.refused(op, link, name, never)
                return
            words = self.ref_words(missing.ref)
            parent = self.store.live_conflict_for_link(
                self.store.canonical_link_id(missing.ref.link)
            )
            if parent is not None and parent.status == "open":
                # Only a person can settle it: the run waits on them, it did not fail.
                error = f"{WAITING_ON_DECISION} on {words} (conflict {parent.id})"
                text = (
                    f"{ENTITIES[op.entity].label} {name!r} waits for your decision on "
                    f"{words} (conflict {parent.id}) before it can be sent to {label}."
                )
            else:
                error = f"waiting for {missing} to exist in {label}"
                text = (
                    f"{ENTITIES[op.entity].label} {name!r} waits for {words} to exist in "
                    f"{label}; it will be pushed once that record is."
                )
            self.store.set_op_state(op.id, "pending", error=error)
            self.emit("warning", "push", text, entity=op.entity, record=name)
            return
        try:
            rec: RemoteRecord | None = None
            if op.op == "create" and op.state == "sent":
                rec = await conn.find_existing(
                    op.entity, remote_changes, skip=self.not_made_by(op, link)
                )
                if rec is not None:
                    self.emit(
                        "info",
                        "push",
                        f"{label} already has {op.entity} {name!r} from "
                        "an earlier attempt; linking it instead of creating it again.",
                        entity=op.entity,
                        record=name,
                    )
            if rec is None:
                self.store.set_op_state(op.id, "sent", count_attempt=True)
                if op.op == "create":
                    rec = await conn.create(op.entity, remote_changes, idempotency_key=op.idem_key)
                elif op.op == "restore":
                    rec = await conn.restore(
                        op.entity,
                        op.remote_id or link.remote_id(op.side) or "",
                        remote_changes,
                        idempotency_key=op.idem_key,
                    )
                elif op.op == "update":
                    rec = await conn.update(
                        op.entity,
                        op.remote_id or link.remote_id(op.side),
                        op.expected_version or "",
                        remote_changes,
                        idempotency_key=op.idem_key,
                    )
                else:
                    rec = await conn.deactivate(
                        op.entity,
                        op.remote_id or "",
                        op.expected_version or "",
                        idempotency_key=op.idem_key,
                    )
        except StaleVersionError as exc:
            await self.on_stale(op, link, name, exc)
            return
        except (RejectedError, NotFoundError) as exc:
            self.refused(op, link, name, str(exc), said=True)
            return
        except UnreachableError as exc:
            self.counts["push_failed"] += 1
            state = (
                "sent" if getattr(exc, "outcome_unknown", False) or op.op != "create" else "pending"
            )
            self.store.set_op_state(op.id, state, error=str(exc))
            self.unreachable.add(op.side)
            self.emit(
                "error",
                "push",
                f"{exc} The remaining changes to {label} stay in the "
                "outbox and are sent on the next run.",
                entity=op.entity,
                record=name,
            )
            return
        except ProtocolError as exc:
            self.counts["push_failed"] += 1
            self.store.set_op_state(op.id, "sent", error=str(exc))
            self.emit("error", "push", str(exc), entity=op.entity, record=name)
            return
        await self.on_pushed(op, link, rec, name)

    def never_there(self, ref: Ref, label: str) -> str | None:
        """Why a referenced record will never exist on the target side by itself (a
        person chose never to sync it; it is dated before the initial window and only one
        side has it), or None while it may still come (a decision or a create pending)."""
        parent = self.store.link(self.store.canonical_link_id(ref.link))
        if parent is None:
            return None
        words = self.ref_words(ref)
        if parent.state == "ignored":
            return f"it refers to {words}, which was chosen never to be synced."
        spec = ENTITIES.get(ref.entity)
        held: Side = "a" if parent.a_fields else "b"
        date = (parent.fields(held) or {}).get("date")
        if (
            self.first_date is not None
            and spec is not None
            and spec.kind == "transaction"
            and isinstance(date, dt.date)
            and not in_window(date, self.first_date)
        ):
            return (
                f"it refers to {words}, dated {date.isoformat()}, before the initial window "
                f"({self.first_date.isoformat()}), which {label} does not have. Enter it in "
                f"{label} by hand (recontui links the two), or widen the initial window in "
                "the preferences."
            )
        return None

    def not_made_by(self, op: Op, link: Link) -> Callable[[RemoteRecord], bool]:
        """What rules a found record out as the result of ``op``, a create whose answer
        was lost: another link holds it, or the system made it before the op was planned
        (less a margin for the two clocks)."""
        planned = _parse_iso(op.created_at)
        since = None if planned is None else planned - CLOCK_MARGIN

        def skip(rec: RemoteRecord) -> bool:
            holder = self.holder(op.entity, op.side, rec.remote_id)
            if holder is not None and holder != link.id:
                return True
            return since is not None and rec.created_at is not None and rec.created_at < since

        return skip

    def holder(self, entity: str, side: Side, remote_id: str) -> int | None:
        """The live link that holds one side's record, if any."""
        found = self.store.link_for_remote(self.pid, entity, side, remote_id)
        return None if found is None else self.store.canonical_link_id(found)

    def mismatched(self, op: Op, rec: RemoteRecord) -> list[str]:
        """The expected fields of ``op`` that ``rec`` does not hold."""
        if rec.deleted:
            return []
        expect = op.payload.get("expect", {})
        fields = {f.name: f for f in ENTITIES[op.entity].fields}
        held = self.canon(rec.fields, op.side)
        return [
            key
            for key, value in expect.items()
            if key in fields and not same(fields[key], value, held.get(key))
        ]

    async def on_stale(self, op: Op, link: Link, name: str, exc: Exception) -> None:
        label = self.labels[op.side]
        remote_id = op.remote_id or link.remote_id(op.side)
        fresh = await self.conns[op.side].read(op.entity, remote_id) if remote_id else None
        if (
            fresh is not None
            and op.op == "update"
            and op.state == "sent"
            and not self.mismatched(op, fresh)
        ):
            # Replayed after a lost answer: the first attempt had landed, which is
            # why the version moved. That is success, not a conflict.
            await self.on_pushed(op, link, fresh, name)
            return
        self.counts["push_failed"] += 1
        self.counts["rejected"] += 1
        # One transaction: the op is never rejected without the record being looked at again.
        with self.store.transaction() as tx:
            self.store.set_op_state(op.id, "rejected", error=f"stale: {exc}", conn=tx)
            if fresh is not None:
                self.store.set_link_side(link.id, op.side, fresh, clear_dirty=False)
            self.store.mark_dirty(link.id, op.side, tx)
            if op.conflict_id:
                self.reopen_after_push(
                    op.conflict_id,
                    f"changed in {label} before the resolution was pushed; review it again",
                )
        self.emit(
            "warning",
            "push",
            f"{ENTITIES[op.entity].label} {name!r} changed in {label} "
            "while we were writing it; it will be merged again with the fresh values.",
            entity=op.entity,
            record=name,
        )

    def refused(self, op: Op, link: Link, name: str, reason: str, *, said: bool = False) -> None:
        """A write that cannot land as planned: the op is rejected, and the question goes to
        a person as a decision that stays open until it is answered or the record changes."""
        label = self.labels[op.side]
        self.counts["push_failed"] += 1
        self.counts["rejected"] += 1
        conflict_id: int | None = None
        # The connector's sentence already names the system and the record.
        why = (
            reason
            if said
            else f"{ENTITIES[op.entity].label} {name!r} was not written to {label}: {reason}"
        )
        # One transaction: a run killed here leaves the op as it was (it is sent again and
        # refused again), never rejected without the decision that keeps it visible.
        with self.store.transaction() as tx:
            self.store.set_op_state(op.id, "rejected", error=reason, conn=tx)
            if op.conflict_id:
                self.reopen_after_push(op.conflict_id, f"{label} refused the change: {reason}")
            else:
                conflict_id = self.ask_after_refusal(op, link, why)
        self.emit("error", "push", why, entity=op.entity, record=name)
        if conflict_id is not None:
            self.emit(
                "warning",
                "push",
                f"{ENTITIES[op.entity].label} {name!r} waits for your decision in conflict "
                f"{conflict_id}.",
                entity=op.entity,
                record=name,
                conflict=conflict_id,
            )

    def ask_after_refusal(self, op: Op, link: Link, reason: str) -> int | None:
        """Open (or extend) the conflict that holds a refused write; returns its id.

        ``reason`` is the sentence that says which system refused what, and why.

        A refused update becomes ``refused`` entries of the record's field conflict (see
        :mod:`recontui.engine.refusals`); a refused create a question about the record.
        """
        label, source = self.labels[op.side], self.labels[other(op.side)]
        fresh = self.store.link(link.id) or link
        live = self.store.live_conflict_for_link(link.id)
        changes = op.payload.get("changes", {})
        with self.store.transaction() as tx:
            if op.op == "update" and fresh.paired:
                fields = self.fields_for(op.entity)
                entries = refusal_entries(
                    fields,
                    changes,
                    self.store.base(link.id),
                    self.side_fields(fresh, "a", fields),
                    self.side_fields(fresh, "b", fields),
                    op.side,
                    reason,
                )
                if not entries:
                    return None
                note = (
                    f"{reason} Once that is fixed, choose {source}'s value to send it again; "
                    f"or choose {label}'s value to keep it on both sides."
                )
                if live is not None and live.kind == "field":
                    self.store.reopen_conflict(
                        tx,
                        live.id,
                        {**live.fields, **entries},
                        fresh.a_version,
                        fresh.b_version,
                        suggestion=live.choices or None,
                        note=note,
                    )
                    return live.id
                if live is not None:
                    return live.id  # a question about the whole record comes first
                kind = "field"
            elif op.op == "create":
                held = other(op.side)
                entries = {
                    REFUSED_CREATE: {
                        "base": None,
                        held: self.record_name(op.entity, fresh.fields(held)),
                        op.side: None,
                        "kind": REFUSED,
                        "side": op.side,
                        "reason": reason,
                    }
                }
                note = (
                    f"{reason} Once that is fixed, create it again; or link it to a {label} "
                    "record, or never sync it."
                )
                if live is not None and is_refused_create(live.fields):
                    self.store.reopen_conflict(
                        tx,
                        live.id,
                        entries,
                        fresh.a_version,
                        fresh.b_version,
                        suggestion=None,
                        note=note,
                    )
                    return live.id
                if live is not None:
                    return live.id
                kind = "match"
            else:
                return None
            conflict_id = self.store.open_conflict(
                tx,
                self.pid,
                link.id,
                op.entity,
                kind,
                entries,
                fresh.a_version,
                fresh.b_version,
                self.run_id,
                candidates=[] if kind == "match" else None,
                note=note,
            )
        self.counts["conflicts_opened"] += 1
        return conflict_id

    def reopen_after_push(self, conflict_id: int, note: str) -> None:
        conflict = self.store.conflict(conflict_id)
        if conflict is None or conflict.status not in ("resolved", "pushed"):
            return
        with self.store.transaction() as conn:
            self.store.reopen_conflict(
                conn,
                conflict_id,
                conflict.fields,
                conflict.a_version,
                conflict.b_version,
                suggestion=conflict.choices,
                note=note,
            )
        self.counts["conflicts_reopened"] += 1

    async def on_pushed(self, op: Op, link: Link, rec: RemoteRecord, name: str) -> None:
        """Read the record back, compare with what was chosen, then settle the books."""
        conn = self.conns[op.side]
        label = self.labels[op.side]
        readback = rec
        if not rec.deleted:
            got = await conn.read(op.entity, rec.remote_id)
            if got is not None:
                readback = got
        holder = self.holder(op.entity, op.side, readback.remote_id)
        if holder is not None and holder != link.id:
            self.refused(
                op,
                link,
                name,
                f"{label} answered with {ENTITIES[op.entity].label.lower()} "
                f"{readback.remote_id}, which is already linked to another record; nothing "
                "was linked.",
            )
            return
        expect = op.payload.get("expect", {})
        mismatched = self.mismatched(op, readback)
        moved = readback.version != rec.version
        with self.store.transaction() as tx:
            live = self.store.live_conflict_for_link(link.id)
            if op.op == "create" and live is not None and is_refused_create(live.fields):
                self.store.set_conflict_status(tx, live.id, "superseded", note="created")
            self.store.set_op_state(op.id, "done", result_version=readback.version, conn=tx)
            self.store.set_link_side(
                link.id, op.side, readback, clear_dirty=not mismatched and not moved
            )
            if op.op == "update" and op.expected_version:
                # Our own write moves the version an open conflict remembers; it is
                # not "the record changed again".
                self.store.follow_own_write(
                    tx, link.id, op.side, op.expected_version, readback.version
                )
            self.index[op.side][(op.entity, readback.remote_id)] = link.id
            self.store.add_audit(
                tx,
                self.pid,
                self.run_id,
                op.entity,
                link.id,
                op.payload.get("audit", []),
                actor=self.options.actor,
            )
            fresh_link = self.store.link(link.id)
            if fresh_link is not None:
                base = self.agreed_base(fresh_link, self.fields_for(op.entity))
                if base is not None:
                    self.store.set_base(
                        tx, link.id, base, fresh_link.a_version, fresh_link.b_version, self.run_id
                    )
        self.counts["pushed"] += 1
        self.counts["created" if op.op == "create" else "updated"] += 1
        verb = {
            "create": "Created",
            "restore": "Restored",
            "update": "Updated",
            "deactivate": "Deactivated",
        }[op.op]
        self.emit(
            "info",
            "push",
            f"{verb} {ENTITIES[op.entity].label.lower()} {name!r} in {label}.",
            entity=op.entity,
            record=name,
            side=op.side,
            fields=sorted(expect),
        )
        if "lines" in expect and fresh_link is not None:
            self.check_totals(op, fresh_link, name)
        if mismatched:
            self.counts["read_back_mismatch"] += 1
            self.store.mark_dirty(link.id, op.side)
            self.emit(
                "error",
                "verify",
                f"{label} accepted the change to "
                f"{ENTITIES[op.entity].label.lower()} {name!r} but reading it back shows "
                f"different {', '.join(mismatched)}; the record will be merged again.",
                entity=op.entity,
                record=name,
                fields=mismatched,
            )
            if op.conflict_id:
                self.reopen_after_push(
                    op.conflict_id, f"the chosen {', '.join(mismatched)} did not land in {label}"
                )
                return
        if op.conflict_id:
            remaining = [
                o
                for o in self.store.ops_for_conflict(op.conflict_id)
                if o.state in ("pending", "sent", "held")
            ]
            conflict = self.store.conflict(op.conflict_id)
            if not remaining and conflict is not None and conflict.status == "resolved":
                with self.store.transaction() as tx:
                    self.store.set_conflict_status(tx, op.conflict_id, "pushed")
                self.emit(
                    "info",
                    "push",
                    f"Conflict {op.conflict_id} ({name!r}) is pushed: "
                    "both sides hold the chosen values.",
                    entity=op.entity,
                    record=name,
                )

    def check_totals(self, op: Op, link: Link, name: str) -> None:
        """After lines were written, both sides should hold the same total; a system that
        adds tax or rounds differently is named, and the difference is never hidden."""
        differ = totals_differ(ENTITIES[op.entity], link.a_fields, link.b_fields)
        if differ is None:
            return
        mine = differ[0] if op.side == "a" else differ[1]
        theirs = differ[1] if op.side == "a" else differ[0]
        label, there = self.labels[op.side], self.labels[other(op.side)]
        self.counts["totals_differ"] += 1
        self.store.mark_dirty(link.id, op.side)  # said again on every run until it changes
        self.emit(
            "error",
            "verify",
            f"{label} computed a total of {mine:,.2f} for "
            f"{ENTITIES[op.entity].label.lower()} {name!r} where {there} holds "
            f"{theirs:,.2f}: the lines agree, so {label} added tax, a discount or rounding. "
            f"Check the record's tax settings in {label}; recontui does not change totals.",
            entity=op.entity,
            record=name,
        )

    # -- the end ----------------------------------------------------------
    def finish(self) -> RunResult:
        counts = self.store.conflict_counts(self.pid)
        self.counts["open_conflicts"] = sum(counts.get("open", {}).values())
        waiting_resolved = sum(counts.get("resolved", {}).values())
        ops = self.store.op_counts(self.pid)
        on_people = self.store.count_waiting_ops(self.pid, reason=WAITING_ON_DECISION)
        if self.options.dry_run:
            waiting = self.plan or self.counts["open_conflicts"] or ops.get("held", 0)
            status, code = "dry-run", EXIT_WAITING if waiting else EXIT_OK
        elif (
            self.counts["rejected"]
            or self.counts["not_carried"]
            or self.counts["totals_differ"]
            or ops.get("pending", 0) > on_people
            or ops.get("sent", 0)
        ):
            status, code = "partial", EXIT_PARTIAL
        elif self.counts["open_conflicts"] or ops.get("held", 0) or waiting_resolved or on_people:
            status, code = "waiting", EXIT_WAITING
        else:
            status, code = "ok", EXIT_OK
        self.counts["held"] = ops.get("held", 0)
        self.counts["deferred"] = self.store.count_waiting_ops(self.pid)
        return RunResult(self.run_id, status, code, dict(self.counts), plan=self.plan)


def _wait_for_parties(
    spec: EntitySpec,
    result: MatchResult,
    candidates: Mapping[Side, list[Candidate]],
    undecided: set[int],
) -> None:
    """Undo pairs made by a fallback key without the party (reference + date + amount)
    where a party still waits for a person's match decision: that decision may pair them,
    and then the records' own key pairs them without a conflict on the party. Until then
    they stay unmatched, and wait for the decision like any record that refers to it."""
    refs = {f.name for f in spec.refs()}
    fields = {c.key: c.fields for side in SIDES for c in candidates[side]}

    def waits(key: int) -> bool:
        return any(r.link in undecided for r in _refs_in(fields.get(key, {})))

    kept = []
    for a_id, b_id, key in result.pairs:
        fallback = key != spec.keys[0] and not refs.intersection(key)
        if fallback and (waits(a_id) or waits(b_id)):
            result.unmatched_a.append(a_id)
            result.unmatched_b.append(b_id)
        else:
            kept.append((a_id, b_id, key))
    result.pairs[:] = kept


def _hold_back(merge: Merge, standing: Mapping[str, Any]) -> None:
    """Take the fields a standing conflict entry holds out of the merge's writes."""
    if not standing:
        return
    for name in standing:
        merge.to_a.pop(name, None)
        merge.to_b.pop(name, None)
    merge.audit[:] = [e for e in merge.audit if e.field not in standing]


def _parse_iso(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _refs_in(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _refs_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs_in(v)]
    return []


def candidates_fields(candidates: list[Candidate], key: int) -> Mapping[str, Any]:
    for cand in candidates:
        if cand.key == key:
            return cand.fields
    return {}


ConnectorFactory = Callable[[Side, EventLog], Connector]


async def run_sync(
    store: Store,
    profile: Profile,
    connector_factory: ConnectorFactory,
    options: RunOptions | None = None,
    *,
    listener: Listener | None = None,
) -> RunResult:
    """One whole run: lock, connect, sync, record the outcome. Never raises for
    user-caused failures: they end the run with exit code 3 and one clear message.

    A database file too big to check when it was opened is checked first; a damaged one
    ends here, before a run is recorded (``run_id`` None). A run that ends early still
    counts what waits in the store (open conflicts, held and deferred changes).
    """
    import sqlite3

    from .store.database import describe_sqlite_error

    options = options or RunOptions()
    try:
        store.check()
    except StoreError as exc:
        return RunResult(None, "failed", EXIT_FATAL, {}, str(exc))
    run_id = store.start_run(profile.id, trigger=options.trigger, dry_run=options.dry_run)
    events = EventLog(store, run_id, listener=listener, keep_debug=options.keep_debug)
    events.emit(
        "info",
        "start",
        f"Run {run_id} of profile {profile.name!r} started"
        + (" (dry run: nothing is written to either side)." if options.dry_run else "."),
    )
    result: RunResult
    locked = False
    try:
        store.acquire_lock(profile.id, run_id)
        locked = True
        connectors = {side: connector_factory(side, events) for side in SIDES}
        async with contextlib.AsyncExitStack() as stack:
            for side in SIDES:
                await stack.enter_async_context(connectors[side])
            run = SyncRun(store, profile, connectors, options, events, run_id)
            saver = asyncio.create_task(run.keep_progress_saved())
            try:
                result = await run.execute()
            except Interrupted as exc:
                result = RunResult(run_id, "interrupted", EXIT_FATAL, dict(run.counts), str(exc))
            except (ConnectorError, StoreError) as exc:
                result = RunResult(run_id, "failed", EXIT_FATAL, dict(run.counts), str(exc))
            finally:
                saver.cancel()
    except LockHeld as exc:
        result = RunResult(
            run_id, "failed", EXIT_FATAL, dict.fromkeys(COUNT_KEYS, 0), str(exc), lock_held=True
        )
    except AuthError as exc:
        result = RunResult(run_id, "failed", EXIT_FATAL, dict.fromkeys(COUNT_KEYS, 0), str(exc))
    except (ConnectorError, StoreError) as exc:
        result = RunResult(run_id, "failed", EXIT_FATAL, dict.fromkeys(COUNT_KEYS, 0), str(exc))
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
            raise  # a bug, not the file: keep the traceback
        result = RunResult(
            run_id,
            "failed",
            EXIT_FATAL,
            dict.fromkeys(COUNT_KEYS, 0),
            describe_sqlite_error(exc, store.path),
        )
    except (asyncio.CancelledError, KeyboardInterrupt):
        result = RunResult(
            run_id,
            "interrupted",
            EXIT_FATAL,
            dict.fromkeys(COUNT_KEYS, 0),
            "The run was interrupted; it stopped at a safe point and the next "
            "run carries on from there.",
        )
        _finish(store, events, result, profile.id, release=locked)
        raise
    _finish(store, events, result, profile.id, release=locked)
    return result


def _finish(
    store: Store, events: EventLog, result: RunResult, profile_id: int, *, release: bool
) -> None:
    """Record the run's end and let go of the lock (``release``). A run that ended early
    (exit 3) counts what waits in the store, so it never reports 0 open conflicts while
    some are open. A database that fails here leaves the run to be closed as interrupted
    later (``Store.close_abandoned_runs``); the caller returns the result all the same."""
    import sqlite3

    try:
        if result.exit_code == EXIT_FATAL:
            counts = store.conflict_counts(profile_id)
            result.counts["open_conflicts"] = sum(counts.get("open", {}).values())
            result.counts["held"] = store.op_counts(profile_id).get("held", 0)
            result.counts["deferred"] = store.count_waiting_ops(profile_id)
        if result.message:
            level = "error" if result.exit_code == EXIT_FATAL else "info"
            events.emit(level, "end", result.message)
        c = result.counts
        events.emit(
            "info",
            "end",
            f"Run {result.run_id} finished: {result.status}. Pulled "
            f"{c.get('pulled', 0)}, linked {c.get('linked', 0)}, created "
            f"{c.get('created', 0)}, updated {c.get('updated', 0)}, conflicts opened "
            f"{c.get('conflicts_opened', 0)}, open {c.get('open_conflicts', 0)}.",
            status=result.status,
            exit_code=result.exit_code,
        )
        store.finish_run(
            result.run_id or 0, result.status, result.counts, result.exit_code, result.message
        )
    except (StoreError, sqlite3.Error):
        pass
    if release:
        with contextlib.suppress(StoreError, sqlite3.Error):
            store.release_lock(profile_id, result.run_id or 0)


def summary_lines(result: RunResult, conflicts_note: bool = True) -> list[str]:
    if result.run_id is None:  # stopped before a run was recorded: nothing was counted
        return [f"No run started: {result.status} (exit {result.exit_code})"] + (
            [result.message] if result.message else []
        )
    c = result.counts
    lines = [
        f"Run {result.run_id}: {result.status} (exit {result.exit_code})",
        f"  pulled {c.get('pulled', 0)}, linked {c.get('linked', 0)}, created "
        f"{c.get('created', 0)}, updated {c.get('updated', 0)}, auto-merged "
        f"{c.get('auto_merged', 0)}",
        f"  conflicts opened {c.get('conflicts_opened', 0)}, reopened "
        f"{c.get('conflicts_reopened', 0)}, auto-resolved by rule {c.get('auto_resolved', 0)}, "
        f"resolutions applied {c.get('resolutions_applied', 0)}",
        f"  pushed {c.get('pushed', 0)}, failed {c.get('push_failed', 0)}, held "
        f"{c.get('held', 0)}, waiting on dependencies {c.get('deferred', 0)}",
        f"  open conflicts {c.get('open_conflicts', 0)}",
    ]
    if c.get("not_carried") or c.get("totals_differ"):
        lines.append(
            f"  not carried (lines short of the total) {c.get('not_carried', 0)}, totals "
            f"that differ after a write {c.get('totals_differ', 0)}: see "
            f"`recontui log {result.run_id}`"
        )
    if result.message:
        lines.append(result.message)
    elif conflicts_note and c.get("open_conflicts"):
        lines.append("  Review them with `recontui conflicts list`.")
    return lines


__all__ = [
    "EXIT_FATAL",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_WAITING",
    "Conflict",
    "RunOptions",
    "RunResult",
    "SyncRun",
    "policy_from",
    "run_sync",
    "summary_lines",
]
