"""One sync run: take the lock, then the phases in order (pull, match, plan, guard, push)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from ..connectors.base import ConnectorError
from ..engine.defaults import Account
from ..events import EventLog, Listener
from ..model import (
    ORDER,
    SIDES,
)
from ..model.states import OpState
from ..store import LockHeld, Profile, Store, StoreError
from .chosen import link_chosen
from .context import (
    COUNT_KEYS,
    ConnectorFactory,
    Interrupted,
    RunOptions,
    RunResult,
    TakesDefaultAccounts,
    _DryRunRollback,
)
from .guard import Guard
from .matching import Matching
from .ops import WAITING_ON_DECISION, WAITING_ON_HELD
from .plan import Plan
from .pull import Pull
from .push import Push
from .summary_push import Summaries

EXIT_OK, EXIT_WAITING, EXIT_PARTIAL, EXIT_FATAL = 0, 1, 2, 3

#: What a run stopped by Ctrl+C (or a cancelled console worker) says.
INTERRUPTED = (
    "The run was interrupted; it stopped at a safe point and the next run carries on from there."
)


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

    from ..store.database import describe_sqlite_error

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
        + (
            " (dry run: nothing is written to either side)."
            if options.dry_run
            else " (reading both systems only)."
            if options.pull_only
            else "."
        ),
    )
    locked = False
    try:
        store.acquire_lock(profile.id, run_id)
        locked = True
        result = await _run_connected(store, profile, connector_factory, options, events, run_id)
    except (ConnectorError, StoreError) as exc:  # LockHeld, AuthError among them
        result = _ended_early(run_id, "failed", str(exc), lock_held=isinstance(exc, LockHeld))
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
            _stopped_by_a_bug(store, events, run_id, profile.id, exc, release=locked)
            raise  # a bug, not the file: keep the traceback
        result = _ended_early(run_id, "failed", describe_sqlite_error(exc, store.path))
    except (asyncio.CancelledError, KeyboardInterrupt):
        result = _ended_early(run_id, "interrupted", INTERRUPTED)
        _finish(store, events, result, profile.id, release=locked)
        raise
    except Exception as exc:
        _stopped_by_a_bug(store, events, run_id, profile.id, exc, release=locked)
        raise  # a bug: keep the traceback
    _finish(store, events, result, profile.id, release=locked)
    return result


def _stopped_by_a_bug(
    store: Store,
    events: EventLog,
    run_id: int,
    profile_id: int,
    exc: BaseException,
    *,
    release: bool,
) -> None:
    """A run an unexpected error stopped still ends as one: recorded as failed, with what
    waits counted, and its lock released, so the next run is not refused for ever."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # the error itself, not the task group that carried it
    message = (
        f"The run stopped on an unexpected error ({type(exc).__name__}: {exc}); what it "
        "wrote is kept and the next run carries on from there."
    )
    with contextlib.suppress(Exception):  # the original error is the one to see
        _finish(store, events, _ended_early(run_id, "failed", message), profile_id, release=release)


async def _run_connected(
    store: Store,
    profile: Profile,
    connector_factory: ConnectorFactory,
    options: RunOptions,
    events: EventLog,
    run_id: int,
) -> RunResult:
    """Open both connectors, run the phases, close the connectors. A run stopped by a
    connector or store error, or interrupted, ends with what it counted so far."""
    connectors = {side: connector_factory(side, events) for side in SIDES}
    _give_default_accounts(store, profile, connectors.values())
    async with contextlib.AsyncExitStack() as stack:
        for side in SIDES:
            await stack.enter_async_context(connectors[side])
        run = SyncRun(store, profile, connectors, options, events, run_id)
        saver = asyncio.create_task(run.keep_progress_saved())
        try:
            return await run.execute()
        except Interrupted as exc:
            return RunResult(run_id, "interrupted", EXIT_FATAL, dict(run.counts), str(exc))
        except (ConnectorError, StoreError) as exc:
            return RunResult(run_id, "failed", EXIT_FATAL, dict(run.counts), str(exc))
        finally:
            saver.cancel()


def _give_default_accounts(store: Store, profile: Profile, connectors: Iterable[object]) -> None:
    """The profile's default accounts (settings ``default.*``) go to each connector that
    writes one itself (QuickBooks: a bill payment's bank, a payment's deposit account)."""
    settings = store.profile_settings(profile.id)
    accounts = {account.value: getattr(settings, f"default_{account.value}") for account in Account}
    for conn in connectors:
        if isinstance(conn, TakesDefaultAccounts):
            conn.use_default_accounts(accounts)


def _ended_early(run_id: int, status: str, message: str, *, lock_held: bool = False) -> RunResult:
    """A run that ended before its phases counted anything (``_finish`` then counts what
    waits in the store)."""
    return RunResult(
        run_id, status, EXIT_FATAL, dict.fromkeys(COUNT_KEYS, 0), message, lock_held=lock_held
    )


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
    if c.get("held"):
        lines.append(
            f"  held changes wait for you: `recontui log {result.run_id}` says why each is "
            "held and what to do"
        )
    if c.get("not_owned"):
        lines.append(
            f"  changed where the edits are not owned {c['not_owned']} (not sent): "
            f"`recontui log {result.run_id}` says where to make each change"
        )
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


# Summaries (run/summary.py, summary_push.py: summarised journal entries) comes first: it
# sends its own ops and shows them in the plan, and leaves every other op to Push.
class SyncRun(Summaries, Pull, Matching, Plan, Guard, Push):
    """One sync run."""

    # -- the run ----------------------------------------------------------
    async def execute(self) -> RunResult:
        await self.check_companies()
        if self.options.accept_big_change and not self.options.dry_run:
            released = self.store.release_held(self.pid)
            if released:
                self.emit("info", "push", f"Released {released} held changes, as asked.")
        for side in SIDES:
            self.index[side] = self.store.remote_index(self.pid, side)
        if not (self.options.dry_run or self.options.pull_only):
            # Ops waiting for a record to exist elsewhere are retried after this
            # run's matching, which may be what they wait for.
            leftovers = [
                op
                for op in self.store.ops(self.pid, (OpState.PENDING, OpState.SENT))
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
        if self.options.pull_only:
            self.emit("info", "pull", "Read both systems; nothing was planned or written.")
            return RunResult(self.run_id, "read", EXIT_OK, dict(self.counts))
        for side in SIDES:
            self.index[side] = self.store.remote_index(self.pid, side)
        self.plan_changes()
        self.remind_held()
        if not self.options.dry_run:
            await self.push_ops(self.store.ops(self.pid, (OpState.PENDING, OpState.SENT)))
        return self.finish()

    # -- plan: match, merge, persist --------------------------------------
    def plan_changes(self) -> None:
        self.events.hold()
        planned_ids: list[int] = []
        try:
            with self.store.transaction():
                total = sum(1 for entity in ORDER if self.syncs(entity))
                planned = 0
                self.replan_filled()
                link_chosen(self)  # the setup's match review, before matching
                self.progress("plan", 0, total)
                for entity in ORDER:
                    self.check_cancel()
                    if not self.syncs(entity):
                        continue
                    self.match_entity(entity)
                    self.merge_entity(entity)
                    planned += 1
                    self.progress("plan", planned, total)
                self.plan_summaries()  # summarised journal entries (run/summary.py)
                self.guard()
                planned_ids = self.store.run_op_ids(self.run_id)
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
                f"Dry run: {sum(i['op'] != 'not_sent' for i in self.plan)} writes would be "
                "made; nothing "
                "was written to either side.",
            )

    # -- the end ----------------------------------------------------------
    def finish(self) -> RunResult:
        counts = self.store.conflict_counts(self.pid)
        self.counts["open_conflicts"] = sum(counts.get("open", {}).values())
        waiting_resolved = sum(counts.get("resolved", {}).values())
        ops = self.store.op_counts(self.pid)
        on_people = self.store.count_waiting_ops(
            self.pid, reason=WAITING_ON_DECISION
        ) + self.store.count_waiting_ops(self.pid, reason=WAITING_ON_HELD)
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
        elif (
            self.counts["open_conflicts"]
            or ops.get("held", 0)
            or waiting_resolved
            or on_people
            or self.counts["not_owned"]
            or self.summary_waits  # documents the summary mode cannot post yet
        ):
            status, code = "waiting", EXIT_WAITING
        else:
            status, code = "ok", EXIT_OK
        self.counts["held"] = ops.get("held", 0)
        self.counts["deferred"] = self.store.count_waiting_ops(self.pid)
        return RunResult(self.run_id, status, code, dict(self.counts), plan=self.plan)
