"""The Run screen: a sync run started here, or one started elsewhere followed live.

A run started here (`s` on any screen) runs `run_sync` in a thread worker with its own
store connection. Its events and progress are gathered in that thread and posted as one
`RunBatch` at most every `BATCH_EVERY` seconds, however fast the run emits them.

While the screen is shown it polls the profile's lock every `FOLLOW_EVERY` seconds (in a
worker, on its own read connection). When a live run this console did not start holds it
(cron, `recontui sync`), the screen follows that run: it tails the run's events from
SQLite by event id and shows the progress snapshot the runner keeps on the run row; `s`
then starts nothing.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Container, Mapping, Sequence
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, RichLog, Static

from ...events import Event, Progress, ProgressBoard
from ...run import RunOptions, RunResult, run_sync
from ...store import Store, StoreError, open_store
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..messages import FollowUpdate, OtherRunFound, RunBatch, RunFinished, RunRefused
from ..text import plain
from .plan import PlanScreen

LOG_LINES = 2000
#: Seconds between two batches of a console run's events and progress.
BATCH_EVERY = 0.1
#: Seconds between two looks at the lock and the followed run's new events.
FOLLOW_EVERY = 0.5
#: Entity lines in the progress panel (the current ones first).
PANEL_ENTITIES = 4
BAR_WIDTH = 12
PHASES = ("replay", "pull", "plan", "push")
UNITS = {"pull": "read", "plan": "merged", "push": "done", "replay": "done"}
LEVEL_WORD = {"debug": "debug", "info": "info", "warning": "warn", "error": "ERROR"}
LEVEL_STYLE = {"info": "green", "warning": "yellow", "error": "bold red", "debug": "dim"}
#: How a finished run's status is marked (a symbol, and a colour).
STATUS_MARK = {
    "ok": ("✓", "green"),
    "dry-run": ("✓", "green"),
    "waiting": ("!", "yellow"),
    "partial": ("!", "yellow"),
}


# -- pure helpers ---------------------------------------------------------------------


def event_line(
    level: str,
    phase: str,
    message: str,
    *,
    entity: str | None = None,
    record: str | None = None,
) -> Text:
    """One log line: the level as a word (and a colour), the phase, entity and record."""
    line = Text(no_wrap=False)
    line.append(f"{LEVEL_WORD.get(level, level)[:5]:5} ", LEVEL_STYLE.get(level, ""))
    line.append(f"{phase:7} ", "bold")
    if entity:
        line.append_text(plain(entity, "cyan"))
        line.append(" ")
    if record:
        line.append("«")
        line.append_text(plain(record, "italic"))
        line.append("» ")
    line.append_text(plain(message))
    return line


def other_run(store: Store, profile_id: int, own: Container[int]) -> dict[str, Any] | None:
    """The run row of a live run holding the profile's lock that this console did not start."""
    holder = store.live_lock(profile_id)
    if holder is None or holder["run_id"] is None or holder["run_id"] in own:
        return None
    run = store.run(holder["run_id"])
    if run is None or run["status"] != "running":
        return None
    return run


def started_by(run: Mapping[str, Any]) -> str:
    """'started by cron, pid 4242 on host ledger-1' (who started a run, from its row)."""
    words = {"cli": "CLI", "tui": "a console", "schedule": "a console's schedule"}
    trigger = words.get(run.get("trigger") or "", run.get("trigger"))
    return f"started by {trigger}, pid {run.get('pid')} on host {run.get('host')}"


def following_note(run: Mapping[str, Any]) -> str:
    return (
        f"Run #{run['id']} ({started_by(run)}) is already in progress on this profile; "
        "it is followed here, on the Run screen."
    )


def bar(done: int, total: int | None, width: int = BAR_WIDTH) -> Text:
    """A text bar: filled cells for the share done (none when the total is unknown)."""
    if not total:
        return Text("·" * width, style="dim")
    filled = min(width, math.floor(width * done / total))
    return Text.assemble(("█" * filled, "bold"), ("░" * (width - filled), "dim"))


def _finished(done: int, total: int | None) -> bool:
    return total is not None and done >= total


def _mark(done: int, total: int | None) -> Text:
    return Text("✓ ", "green") if _finished(done, total) else Text("▶ ", "bold yellow")


def phase_line(snapshot: Mapping[str, Any]) -> Text:
    """Every phase on one line: ✓ done, ▶ under way (with done/total), · not reached."""
    rows = {r[0]: r for r in snapshot.get("rows", []) if r[1] is None and r[2] is None}
    line = Text()
    for phase in [p for p in PHASES if p != "replay" or p in rows] + [
        p for p in rows if p not in PHASES
    ]:
        if line:
            line.append("   ")
        row = rows.get(phase)
        if row is None:
            line.append(f"· {phase}", "dim")
            continue
        done, total = row[3], row[4]
        line.append_text(_mark(done, total))
        line.append(phase, "bold")
        line.append(f" {done}/{total}" if total is not None else f" {done}")
    return line


def entity_lines(
    snapshot: Mapping[str, Any], sides: Mapping[str, str], limit: int = PANEL_ENTITIES
) -> list[Text]:
    """A line per (phase, entity), the ones under way first, then the latest finished.

    A pull line shows both sides' counts (their totals are not known in advance); plan
    and push lines show a bar of done of total. Entities with nothing to do are left out.
    """
    groups: dict[tuple[str, str], dict[str | None, tuple[int, int | None]]] = {}
    for phase, side, entity, done, total in reversed(snapshot.get("rows", [])):
        if entity is None or total == 0:
            continue
        groups.setdefault((phase, entity), {})[side] = (done, total)
    ordered = sorted(
        groups.items(),
        key=lambda kv: all(_finished(*v) for v in kv[1].values()),  # stable: recency kept
    )
    lines = []
    for (phase, entity), by_side in ordered[:limit]:
        done_all = all(_finished(*v) for v in by_side.values())
        line = Text.assemble(
            Text("✓ ", "green") if done_all else Text("▶ ", "bold yellow"),
            (f"{phase:7}", "bold"),
            plain(f"{entity:14.14}"),
            " ",
        )
        if None in by_side:
            done, total = by_side[None]
            line.append_text(bar(done, total))
            line.append(f" {done:>5}/{total if total is not None else '?'} {UNITS.get(phase, '')}")
        else:
            for side in sorted(s for s in by_side if s is not None):
                done, total = by_side[side]
                line.append_text(plain(sides.get(side, side), "bold"))
                line.append(f" {done:>5} {UNITS.get(phase, '')} ")
                line.append("✓   " if _finished(done, total) else "…   ")
        lines.append(line)
    return lines


class RunBuffer:
    """A run's events and progress, gathered in its thread and handed over in batches.

    `take()` gives a batch at most every `every` seconds (always when forced), so a run
    emitting thousands of events a second still posts only about ten messages a second.
    """

    def __init__(self, every: float = BATCH_EVERY, clock: Callable[[], float] = time.monotonic):
        self.every = every
        self.clock = clock
        self.lock = threading.Lock()
        self.events: list[Event] = []
        self.board = ProgressBoard()
        self.moved = False
        self.last = -math.inf

    def add(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def progress(self, item: Progress) -> None:
        with self.lock:
            self.board.update(item)
            self.moved = True

    def take(self, force: bool = False) -> tuple[list[Event], dict[str, Any] | None] | None:
        with self.lock:
            if not (self.events or self.moved):
                return None
            now = self.clock()
            if not force and now - self.last < self.every:
                return None
            self.last = now
            events, self.events = self.events, []
            snapshot = self.board.snapshot() if self.moved else None
            self.moved = False
            return events, snapshot


class Reader:
    """The follower's own read connection, opened on first use (in a worker)."""

    def __init__(self, store: Store) -> None:
        self.main = store
        self.store: Store | None = None

    def get(self) -> Store:
        if self.store is None:
            path = self.main.path
            in_memory = str(path) == ":memory:"  # one connection only: share it
            self.store = self.main if in_memory else open_store(path, migrate_schema=False)
        return self.store

    def close(self) -> None:
        if self.store is not None and self.store is not self.main:
            self.store.close()
        self.store = None


async def run_in_batches(
    store: Store,
    app: ConsoleApp,
    cancel: threading.Event,
    buffer: RunBuffer,
    flush: Callable[[], None],
    trigger: str = "tui",
    dry_run: bool = False,
) -> RunResult:
    """A console run on `store` (in the worker's thread): its events (but debug) and
    progress go into `buffer`, and `flush` hands a batch over on each of them and every
    `BATCH_EVERY` seconds while the run waits on the network. ``dry_run``: both systems
    read, the plan made, nothing written."""

    def listener(event: Event) -> None:
        if event.level != "debug":
            buffer.add(event)
        flush()

    def progress(item: Progress) -> None:
        buffer.progress(item)
        flush()

    async def tick() -> None:
        while True:
            await asyncio.sleep(BATCH_EVERY)
            flush()

    ticker = asyncio.create_task(tick())
    try:
        profile = store.get_profile(app.profile.name)
        options = RunOptions(
            trigger=trigger, actor=app.actor, cancel=cancel, progress=progress, dry_run=dry_run
        )
        return await run_sync(store, profile, app.connector_factory, options, listener=listener)
    finally:
        ticker.cancel()


# -- the screen -----------------------------------------------------------------------


class RunScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start sync", id="run.start"),
        Binding("d", "dry_run", "Dry run", id="run.dry_run"),
        Binding("c", "cancel", "Cancel run", id="run.cancel"),
        Binding("escape", "app.switch_mode('home')", "Home", id="run.home"),
    ]

    #: A run started by this console is in progress (`s` hides, `c` shows).
    running: var[bool] = var(False, bindings=True)
    #: The run row of the run started elsewhere that is being followed (`s` hides).
    followed: var[dict[str, Any] | None] = var(None, bindings=True)
    #: The last finished run shown (its id, status, exit_code, counts, message).
    outcome: var[dict[str, Any] | None] = var(None)
    #: The progress of the run shown (a `ProgressBoard.snapshot()`; empty: no panel).
    snapshot: var[dict[str, Any]] = var(dict)

    def __init__(self) -> None:
        super().__init__()
        #: Set while a run started here is in progress; `c` sets it to cancel the run.
        self.cancel_event: threading.Event | None = None
        self.levels: Counter[str] = Counter()
        self.last_result: RunResult | None = None
        #: Runs this console started: never "followed".
        self.own_runs: set[int] = set()
        self.run_id: int | None = None
        #: The followed run's last event shown (None: start at the tail of its log).
        self.follow_after: int | None = None
        self.polling = False
        self.poll_timer: Timer | None = None
        self.reader: Reader | None = None

    def watch_running(self) -> None:
        self.show_state()

    def watch_followed(self) -> None:
        self.show_state()

    def watch_outcome(self) -> None:
        self.show_state()

    def watch_snapshot(self) -> None:
        self.show_progress()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="run-counts")
        yield Static(id="run-progress")
        yield RichLog(id="run-log", max_lines=LOG_LINES, markup=False, wrap=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.reader = Reader(self.app.store)

    def on_screen_resume(self) -> None:
        if self.poll_timer is None:
            self.poll_timer = self.set_interval(FOLLOW_EVERY, self.poll)
        else:
            self.poll_timer.resume()
        self.poll()

    def on_screen_suspend(self) -> None:
        if self.poll_timer is not None:
            self.poll_timer.pause()

    def on_unmount(self) -> None:
        if self.reader is not None and not self.polling:
            self.reader.close()

    # -- what the screen shows --------------------------------------------------------
    def show_state(self) -> None:
        counts = (
            f"events {sum(self.levels.values())} · warnings {self.levels['warning']} · "
            f"errors {self.levels['error']}"
        )
        if self.running:
            state = Text("▶ ", "bold yellow")
            state.append(f"Running run #{self.run_id}" if self.run_id else "Starting a run", "bold")
            if self.cancel_event is not None and self.cancel_event.is_set():
                state.append(" (cancelling at the next safe point)")
            state.append(f" · {counts}")
        elif self.followed is not None:
            state = Text("▶ ", "bold yellow")
            state.append(f"Following run #{self.followed['id']}", "bold")
            state.append_text(plain(f" ({started_by(self.followed)})"))
            state.append(f" · {counts}")
        elif self.outcome is not None:
            o = self.outcome
            mark, style = STATUS_MARK.get(o["status"], ("✗", "bold red"))
            state = Text(f"{mark} ", style)
            state.append(f"Run #{o['id']} finished: ", "bold")
            state.append_text(plain(o["status"], "bold"))
            if o.get("exit_code") is not None:
                state.append(f" (exit {o['exit_code']})")
            state.append(f" · {counts}")
            c = o["counts"]
            state.append(
                f"\npulled {c.get('pulled', 0)} · pushed {c.get('pushed', 0)} · conflicts "
                f"{c.get('open_conflicts', 0)} open · failed {c.get('push_failed', 0)}"
            )
            short = c.get("not_carried", 0) + c.get("totals_differ", 0)
            if short:
                state.append(f" · totals to check {short}", "bold red")
            if c.get("not_owned"):  # said in the log: where to make each change
                state.append(f" · edited where not owned {c['not_owned']}", "bold yellow")
            if o.get("message"):
                state.append("\n")
                state.append_text(plain(o["message"]))
        else:
            state = Text(f"Idle: press {self.app.key('run.start')} to start a sync run.")
        self.query_one("#run-counts", Static).update(state)

    def show_progress(self) -> None:
        panel = self.query_one("#run-progress", Static)
        if not self.snapshot.get("rows"):
            panel.display = False
            return
        app = self.app
        sides = {side: app.profile.system(side).upper() for side in ("a", "b")}
        panel.update(Group(phase_line(self.snapshot), *entity_lines(self.snapshot, sides)))
        panel.display = True

    def write_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        for e in events:
            self.levels[e["level"]] += 1
        log = self.query_one(RichLog)
        for e in events[-LOG_LINES:]:
            log.write(
                event_line(
                    e["level"],
                    e["phase"],
                    e["message"],
                    entity=e.get("entity"),
                    record=e.get("record"),
                )
            )

    def reset(self) -> None:
        self.levels.clear()
        self.snapshot = {}
        self.outcome = None
        self.query_one(RichLog).clear()

    # -- keys -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":  # hidden while busy: `s` then reaches the app, which explains
            return not self.running and self.followed is None
        if action == "dry_run":
            return not self.running and self.followed is None
        if action == "cancel":
            return self.running
        return True

    def action_start(self) -> None:
        self.request_start()

    def action_dry_run(self) -> None:
        """`d`: read both systems and show what a sync would do, writing nothing."""
        self.request_start(dry_run=True)

    def request_start(self, trigger: str = "tui", *, dry_run: bool = False) -> None:
        """Start a run here, unless one is in progress (here or elsewhere): then say so.
        ``trigger`` is what History says started it ("schedule": the console's timer);
        ``dry_run``: the plan only, shown when it is made."""
        if self.running:
            cancels = self.app.key("run.cancel")
            self.notify(
                f"A sync run is already in progress here; {cancels} cancels it.", severity="warning"
            )
            return
        if self.followed is not None:
            self.notify(following_note(self.followed), severity="warning", markup=False)
            return
        self.cancel_event = threading.Event()
        self.last_result = None
        self.run_id = None
        self.reset()
        self.running = True
        self.sync(self.cancel_event, frozenset(self.own_runs), trigger, dry_run)

    def action_cancel(self) -> None:
        if self.cancel_event is not None and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.query_one(RichLog).write(
                Text("Cancelling: the run stops at the next safe point…", style="bold")
            )
            self.show_state()

    # -- a run started here -----------------------------------------------------------
    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def sync(
        self,
        cancel: threading.Event,
        own: frozenset[int],
        trigger: str = "tui",
        dry_run: bool = False,
    ) -> None:
        app = self.app
        buffer = RunBuffer()

        def flush(force: bool = False) -> None:
            batch = buffer.take(force)
            if batch is not None:
                self.post_message(RunBatch(*batch))

        store: Store | None = None
        try:
            # The run gets its own connection: its transactions must not take in the UI's.
            store = open_store(app.store.path)
            other = other_run(store, app.profile.id, own)
            if other is not None:
                self.post_message(RunRefused(other))
                return
            result = asyncio.run(
                run_in_batches(store, app, cancel, buffer, flush, trigger, dry_run)
            )
            flush(force=True)
            self.post_message(RunFinished(result))
        except StoreError as exc:  # the database itself: its message says what to do
            flush(force=True)
            self.post_message(RunFinished(None, str(exc)))
        except Exception as exc:  # a bug: keep the console alive
            flush(force=True)
            self.post_message(
                RunFinished(
                    None,
                    f"The run stopped on an unexpected error ({type(exc).__name__}: {exc}); "
                    "what it wrote is kept and the next run carries on from there.",
                )
            )
        finally:
            if store is not None:
                store.close()

    @on(RunBatch)
    def got_batch(self, message: RunBatch) -> None:
        if message.events and self.run_id is None:
            self.run_id = message.events[0].run_id
            self.own_runs.add(self.run_id)
        self.write_events([vars(e) for e in message.events])
        if message.progress is not None:
            self.snapshot = message.progress
        self.show_state()

    @on(RunRefused)
    def refused(self, message: RunRefused) -> None:
        self.cancel_event = None
        self.running = False
        self.notify(following_note(message.other), severity="warning", markup=False)
        self.follow(message.other)

    @on(RunFinished)
    def finished(self, message: RunFinished) -> None:
        self.cancel_event = None
        self.running = False
        result = message.result
        self.last_result = result
        app = self.app
        if result is not None:
            if result.run_id is not None:
                self.own_runs.add(result.run_id)
            app.runs_finished += 1
            self.outcome = {**vars(result), "id": result.run_id}
            self.snapshot = {}
            if result.lock_held:
                self.notify(
                    "A run is already in progress on this profile, so none was started here; "
                    "the Run screen follows it as soon as it shows up.",
                    severity="warning",
                )
                self.poll()
            elif result.exit_code == 3 and result.message:
                self.notify(result.message, title="The run stopped", severity="error", markup=False)
            elif result.status == "dry-run":
                self.app.push_screen(PlanScreen(result))
        if message.error:
            line = Text(no_wrap=False)
            line.append_text(plain(message.error, "bold red"))
            self.query_one(RichLog).write(line)
            self.notify(message.error, title="The run stopped", severity="error", markup=False)

    # -- a run started elsewhere ------------------------------------------------------
    def follow(self, run: dict[str, Any], *, look: bool = True) -> None:
        self.reset()
        self.follow_after = None
        self.followed = run
        if look:
            self.poll()

    def poll(self) -> None:
        """Look for (or at) a run started elsewhere, unless a look is already under way."""
        if self.running or self.polling or self.reader is None or not self.is_attached:
            return
        self.polling = True
        followed = None if self.followed is None else self.followed["id"]
        self.follow_poll(self.reader, followed, self.follow_after, frozenset(self.own_runs))

    @work(thread=True, group="run-follow", exit_on_error=False)
    def follow_poll(
        self, reader: Reader, run_id: int | None, after: int | None, own: frozenset[int]
    ) -> None:
        app = self.app
        try:
            self.post_message(look_at_run(reader.get(), app.profile.id, run_id, after, own))
        except Exception:  # the next look tries again; the database reports its own errors
            self.post_message(FollowUpdate(None, []))

    @on(FollowUpdate)
    def followed_update(self, message: FollowUpdate) -> None:
        self.polling = False
        run = message.run
        if run is None or self.running:
            return
        if message.first:
            if self.followed is None or self.followed["id"] != run["id"]:
                self.follow(run, look=False)  # this answer holds its first events
        elif self.followed is None or self.followed["id"] != run["id"]:
            return  # an answer about a run no longer followed
        self.followed = run
        after = self.follow_after or 0
        new = [e for e in message.events if e["id"] > after]
        if new:
            self.follow_after = new[-1]["id"]
            self.write_events(new)
        progress = (run.get("counts") or {}).get("progress")
        if progress:
            self.snapshot = progress
        if message.ended:
            self.end_follow(run)
        self.show_state()  # the counts of the events just written

    def end_follow(self, run: dict[str, Any]) -> None:
        app = self.app
        self.followed = None
        self.follow_after = None
        self.snapshot = {}
        app.runs_finished += 1
        if run["status"] == "running":
            run = {**run, "status": "stopped", "exit_code": None}
            run["message"] = (
                "The run's process is gone without finishing; the next run carries on "
                "from where it stopped."
            )
        counts = {k: v for k, v in (run.get("counts") or {}).items() if k != "progress"}
        self.outcome = {**run, "counts": counts}
        note = f"Run #{run['id']} ({started_by(run)}) finished: {run['status']}."
        if run.get("message"):
            note += f" {run['message']}"
        failed = run["status"] in ("failed", "stopped", "interrupted")
        self.notify(note, severity="error" if failed else "information", markup=False)


def look_at_run(
    store: Store, profile_id: int, run_id: int | None, after: int | None, own: Container[int]
) -> FollowUpdate:
    """One poll: find a run started elsewhere (when none is followed), read its new events.

    A run has ended once it no longer holds the lock (it records its outcome, then lets go;
    a dead process on this host holds nothing). The run row is read before the events, so
    the events of a run seen ended are all read.
    """
    first = run_id is None
    if run_id is None:
        other = other_run(store, profile_id, own)
        if other is None:
            return FollowUpdate(None, [])
        run_id = other["id"]
    run = store.run(run_id)
    if run is None:
        return FollowUpdate(None, [])
    holder = store.live_lock(profile_id)
    holds = holder is not None and holder["run_id"] == run_id
    if run["status"] == "running" and not holds:
        run = store.run(run_id) or run  # it may have finished between the two reads
    if after is None:
        after = store.events_tail_after(run_id, LOG_LINES)
    events = store.events(run_id, after_id=after, limit=LOG_LINES)
    ended = not holds and len(events) < LOG_LINES
    return FollowUpdate(run, events, first=first, ended=ended)


def look_for_other_run(app: ConsoleApp) -> None:
    """At start-up, once and cheaply: say so when a run started elsewhere is in progress."""

    def look() -> None:
        other = other_run(app.store, app.profile.id, ())
        if other is not None:
            app.post_message(OtherRunFound(other))

    app.run_worker(look, thread=True, group="other-run", exit_on_error=False)


def other_run_note(run: Mapping[str, Any], run_key: str = "3") -> str:
    """Said at start-up, naming the key of the Run screen (`app.run`)."""
    return (
        f"Run #{run['id']} ({started_by(run)}) is in progress on this profile; "
        f"press {run_key} to follow it on the Run screen."
    )
