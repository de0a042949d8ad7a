"""The state one run shares across its phases: options, counters, events, cancel, canonical
values.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from ..connectors.base import (
    Connector,
)
from ..engine.defaults import DEFAULTED, Account, booked_sides
from ..engine.merge import set_by_system
from ..engine.summary import SummaryScope
from ..events import EventLog, Progress, ProgressBoard, ProgressListener
from ..model import (
    ENTITIES,
    SIDES,
    FieldSpec,
    Ref,
    RemoteRef,
    Side,
    same,
)
from ..store import Link, Profile, Store, StoreError
from ..wiring import system_label
from .settings import first_synced_date, policy_from

#: Seconds between progress snapshots stored on the run row (for a console following it).
PROGRESS_EVERY = 1.0


#: Value types :meth:`RunContext.canon` returns unchanged (no reference can be inside).
_PLAIN = frozenset({str, int, bool, Decimal, dt.date, type(None)})


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
    #: Only read both systems into the store (the setup's Accounting lists step): no
    #: replay, no plan, no write to either system.
    pull_only: bool = False
    #: The setup's Match review (setup/matches.py): pairs a person chose to link, as
    #: (billing link id, accounting link id), linked at the start of the plan (a dry run
    #: rolls them back with it) while both records are still unpaired (run/chosen.py) ...
    links: tuple[tuple[int, int], ...] = ()
    #: ... and billing records of exact pairs kept apart ("create, keep both").
    apart: tuple[int, ...] = ()
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
    #: Records changed on the side that does not own their edits (said, not sent).
    "not_owned",
    "open_conflicts",
)


ConnectorFactory = Callable[[Side, EventLog], Connector]


@runtime_checkable
class TakesDefaultAccounts(Protocol):
    """A connector that writes accounts of the profile's default accounts itself (the
    QuickBooks connector: a bill payment's bank account, a payment's deposit account)."""

    def use_default_accounts(self, accounts: Mapping[str, str]) -> None: ...


#: The system whose account ids the default accounts are (``default.*`` settings).
ACCOUNTS_SYSTEM = "qbo"


class RunContext:
    """The state one run shares across its phases."""

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
        settings = store.profile_settings(profile.id)
        self.policy = policy_from(store, profile, settings)
        self.big_share = settings.big_change_share
        self.big_min = settings.big_change_min
        self.first_date = first_synced_date(store, profile, settings)
        #: Create a record inactive on one side on the other too (``include_inactive``).
        self.include_inactive = settings.include_inactive
        #: Create a BILL bill in QuickBooks only once approved (``only_approved_bills``).
        self.only_approved_bills = settings.only_approved_bills
        #: Summarised journal entries (``summary_mode``, run/summary.py).
        self.summary = SummaryScope.of(settings.summary_mode, settings.summary_start)
        #: The default accounts (QuickBooks ids, "" when unset), by engine.defaults.Account.
        self.default_ids: dict[Account, str] = {
            account: getattr(settings, f"default_{account.value}") for account in Account
        }
        self._default_refs: dict[Side, dict[Account, Ref]] = {}
        #: The tax map: billing sales tax id -> accounting tax code id (engine/taxes.py).
        self.tax_map: dict[str, str] = dict(settings.tax_map)
        self.index: dict[Side, dict[tuple[str, str], int]] = {}
        self.synced_fields: dict[str, tuple[FieldSpec, ...]] = {}
        self.unreachable: set[Side] = set()
        self.plan: list[dict[str, Any]] = []
        #: Records whose differing fields updates may not replace (engine/policy.py
        #: ``may_update``): what a dry run's plan lists as "not sent".
        self.not_sent: list[dict[str, Any]] = []
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
        """The synced set: fields the model syncs, both connectors map and the profile's
        field subset keeps."""
        if entity not in self.synced_fields:
            spec = ENTITIES[entity]
            mapped = self.conns["a"].fields(entity) & self.conns["b"].fields(entity)
            both = tuple(f for f in spec.synced_fields if f.name in mapped)
            # The profile's field subset of the entity (engine/policy.py), if it has one;
            # a field one system sets itself marked with its side (engine/merge.py).
            sets = {side: self.conns[side].sets_itself(entity) for side in SIDES}
            kept = self.policy.synced_subset(entity, both)
            self.synced_fields[entity] = set_by_system(kept, sets)
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
        out = {}
        for f in fields:
            value = raw.get(f.name)
            # Most values are plain (text, amounts, dates): only a reference, or lines
            # holding them, needs translating, and the walk costs the plan step.
            out[f.name] = value if type(value) in _PLAIN else self.canon(value, side)
        return out

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
        return ENTITIES[entity].title(fields) or (remote_id or "?")

    def ref_words(self, ref: Ref) -> str:
        """A referenced record as people know it: "customer 'Acme'"."""
        link = self.store.link(self.store.canonical_link_id(ref.link))
        label = ENTITIES[ref.entity].label.lower() if ref.entity in ENTITIES else ref.entity
        if link is None:
            return f"{label} #{ref.link}"
        side: Side = "a" if link.a_fields else "b"
        return f"{label} {self.record_name(ref.entity, link.fields(side), link.remote_id(side))!r}"

    def default_refs(self, side: Side) -> dict[Account, Ref]:
        """The default accounts that are set, as references, for writes to ``side`` (none
        unless ``side``'s system is the one whose account ids they are)."""
        if side not in self._default_refs:
            ids = self.default_ids if self.profile.system(side) == ACCOUNTS_SYSTEM else {}
            self._default_refs[side] = {
                account: self.canon(RemoteRef("account", remote_id), side)
                for account, remote_id in ids.items()
                if remote_id
            }
        return self._default_refs[side]

    def booked_pair(
        self, entity: str, a: dict[str, Any], b: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Both sides' fields as the merge and the base compare them: where one side's
        system requires an account a default fills and the other's does not, a blank the
        other holds reads as the account its copy is booked to (engine/defaults.py)."""
        if entity not in DEFAULTED:
            return a, b
        required = {side: self.conns[side].required_fields(entity) for side in SIDES}
        both = booked_sides(entity, required, {"a": a, "b": b})
        return both["a"], both["b"]

    def agreed_base(self, link: Link, fields: Iterable[FieldSpec]) -> dict[str, Any] | None:
        """The base with every field both sides now hold equally brought up to date."""
        if link.a_fields is None or link.b_fields is None:
            return None
        fields = tuple(fields)
        a, b = self.booked_pair(
            link.entity, self.side_fields(link, "a", fields), self.side_fields(link, "b", fields)
        )
        base = dict(self.store.base(link.id) or {})
        before = dict(base)
        for spec in fields:
            if same(spec, a[spec.name], b[spec.name]):
                base[spec.name] = a[spec.name]
        return None if base == before and before else base
