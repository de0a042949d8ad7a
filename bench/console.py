"""Console benchmark: the Conflicts screen on a large queue (a script, not a test).

    python bench/console.py [--n 100000] [--small 1000] [--presses 150] [--rounds 2]
                            [--terminal | --no-terminal]

Builds throw-away databases in a temporary directory (N open field conflicts on
customers, plus a small one; names, change times and earlier choices in an order
unrelated to the ids) and drives the console on each with one script of keys: ``2``
(open the Conflicts queue), ``down`` x presses, ``o`` through every sort column and
back, ``O`` twice, ``/`` and, ``--rounds`` times, a filter text most rows match
(FILTER_TEXT) and one no row matches (RARE_FILTER_TEXT, each keystroke reads up to
FILTER_CAP rows), each erased again with backspace.

What is measured, per key. The console itself logs each key it receives and each screen
update it draws (``RECONTUI_KEY_TIMING``, `recontui.tui.keytiming`: Textual's
``post_display_hook``), with the wall clock and the process's CPU time. From that log:

* shown: wall time from the key reaching the App until its result is on screen: the
  first screen update drawn after the last one drawn while the queue still waited for
  the rows it asked for (its ``fetching``): for ``down`` the moved cursor, for ``o`` and
  a filter keystroke the new rows (the queue's length, counted after them, is not
  waited for).
* CPU: the process's CPU time (every thread: a worker reading SQLite counts) from the key
  to the last screen update it caused (the row detail drawn STATUS_DELAY after the cursor
  rests included), i.e. all the work one key costs.

Neither figure contains the harness's waiting: a key is timed from when the App takes it
to when Textual has drawn its result, and the next key is sent only once the console has
gone quiet (no new log line for QUIET seconds). Textual's pilot waits for idle in steps of
1/50 s after every press (``pilot.pause()``), so a wall time taken around
``press + pause`` can never be under ~20-60 ms even for a key that does nothing; that wait
is outside the span measured here. What the span does contain is Textual's own frame
pacing: a screen update waits for the next tick of the screen's update timer (up to
1/60 s), as it does for a person.

Two runs of that script per size:

* harness: ``App.run_test`` in this process (headless: Textual lays out and renders
  every widget but writes no escape sequences), plus the queue opened sorted by record
  name, the time to fill the sort keys and this process's peak memory;
* terminal (``--terminal``, the default when ``tmux`` is installed): the real program,
  ``recontui --db <db> tui``, in a detached tmux session of 80x24 (its own tmux server,
  ``-L``), keys sent with ``tmux send-keys``, the console's log read back. Here Textual
  also renders every update to escape sequences and writes them to a terminal. Besides
  the app's own figures it reports "send -> shown": from just before ``tmux send-keys``
  until that screen update (the same monotonic clock in both processes), i.e. with
  tmux, the pty and Textual's input thread; and the console's peak memory (VmHWM).

Each run prints p50 / p95 / max per key kind, the big/small ratio of the p95s and the
goals of issue 15 (key p95 < 30 ms, filter keystroke < 50 ms at 100k conflicts). The
machine is shared and noisy, so the ratios from one run are the figures to report; the
absolute times are shown against the goals. No network: the harness's connector factory
refuses to build anything, and the terminal run's profile has no address to reach.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recontui.model.codec import dumps
from recontui.store import Store, open_store
from recontui.store.migrations import fill_conflict_keys
from recontui.tui import make_app
from recontui.tui.keytiming import ENV as TIMING_ENV
from recontui.tui.screens.conflicts import SORTS, ConflictsScreen

PROFILE = "bench"
TARGET_OPEN_MS = 1000.0
TARGET_KEY_MS = 30.0
TARGET_FILTER_MS = 50.0
TARGET_MEM_MB = 500.0
FILTER_TEXT = "customer 0"
#: A filter no record matches: every keystroke reads up to FILTER_CAP rows.
RARE_FILTER_TEXT = "zq"
CHUNK = 10_000
#: The console has gone quiet once its log has had no new line for this long (seconds);
#: longer than the queue's STATUS_DELAY, so the deferred row detail belongs to its key.
QUIET = 0.12
#: Longest wait for one key's result, and for the console to start (seconds).
KEY_TIMEOUT = 30.0
START_TIMEOUT = 60.0
PASSPHRASE = "bench console passphrase"
TMUX_SIZE = (80, 24)
#: Textual's key names -> what `tmux send-keys` calls them (others are sent literally).
TMUX_KEYS = {"down": "Down", "backspace": "BSpace", "space": "Space", "escape": "Escape"}
#: Textual's names of keys typed as characters.
CHAR_KEYS = {" ": "space", "/": "slash"}


def peak_rss_mb() -> float:
    """Peak resident set size so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- database ---------------------------------------------------------------
def spread(i: int, n: int, prime: int) -> int:
    """A permutation of 1..n (prime does not divide n): orders unrelated to the ids."""
    return (i * prime) % n


def build_db(path: Path, n: int) -> tuple[float, float]:
    """N customer links, each with one open field conflict on email; returns seconds
    to build, and of that the seconds spent filling the queue's sort keys."""
    t0 = time.perf_counter()
    store = open_store(path)
    try:
        profile = store.save_profile(PROFILE, "bill", "qbo", {"bench": "1"}, {"bench": "1"})
        now = store.now()
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        fields = dumps({"email": {"base": None, "a": "x@a", "b": "y@b", "kind": "no_base"}})
        earlier = dumps({"email": ["b", None]})

        def when(minutes: int) -> str:
            return (start + dt.timedelta(minutes=minutes)).isoformat()

        def links(lo: int, hi: int) -> Iterator[tuple[Any, ...]]:
            for i in range(lo, hi):
                name = f"Customer {spread(i, n, 7919):06d}"
                yield (
                    i,
                    profile.id,
                    "customer",
                    "paired",
                    f"A{i}",
                    "1",
                    dumps({"name": name, "email": "x@a"}),
                    when(spread(i, n, 104729)),
                    f"B{i}",
                    "1",
                    dumps({"name": name, "email": "y@b"}),
                    when(spread(i, n, 1299709)),
                    now,
                    now,
                )

        def conflicts(lo: int, hi: int) -> Iterator[tuple[Any, ...]]:
            for i in range(lo, hi):
                yield (
                    i,
                    profile.id,
                    i,
                    "customer",
                    "field",
                    "open",
                    fields,
                    "1",
                    "1",
                    None,
                    now,
                    now,
                    earlier if i % 10 == 0 else None,
                )

        with store.transaction() as conn:
            for lo in range(1, n + 1, CHUNK):
                hi = min(lo + CHUNK, n + 1)
                conn.executemany(
                    "INSERT INTO links (id, profile_id, entity, state, a_id, a_version, "
                    "a_fields, a_updated_at, b_id, b_version, b_fields, b_updated_at, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    links(lo, hi),
                )
                conn.executemany(
                    "INSERT INTO conflicts (id, profile_id, link_id, entity, kind, status, "
                    "fields, a_version, b_version, opened_run, opened_at, updated_at, "
                    "suggestion) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    conflicts(lo, hi),
                )
            t_keys = time.perf_counter()
            fill_conflict_keys(conn)
            keys_s = time.perf_counter() - t_keys
        count = store.db.conn.execute(
            "SELECT count(*) FROM conflicts WHERE status='open'"
        ).fetchone()[0]
        if count != n:
            raise SystemExit(f"expected {n} open conflicts, found {count}")
    finally:
        store.close()
    return time.perf_counter() - t0, keys_s


# -- the key script -----------------------------------------------------------
OPEN = "open Conflicts (2)"
DOWN = "down"
RESORT = "re-sort (o)"
REVERSE = "reverse (O)"
FOCUS = "to the filter (/)"
FILTER = f"filter {FILTER_TEXT!r}"
RARE = f"filter {RARE_FILTER_TEXT!r}"
ERASE = "filter backspace"
#: Report order, and the goal each kind of key is held to (ms, p95 at the big size).
GOALS: dict[str, float] = {
    OPEN: TARGET_OPEN_MS,
    DOWN: TARGET_KEY_MS,
    RESORT: TARGET_KEY_MS,
    REVERSE: TARGET_KEY_MS,
    FOCUS: TARGET_KEY_MS,
    FILTER: TARGET_FILTER_MS,
    RARE: TARGET_FILTER_MS,
    ERASE: TARGET_FILTER_MS,
}


@dataclass(frozen=True)
class Step:
    phase: str
    #: Textual's name of the key.
    key: str


def key_script(presses: int, rounds: int) -> list[Step]:
    """The keys both runs send, in order (the log's key lines pair with them one to one)."""
    steps = [Step(OPEN, "2")]
    steps += [Step(DOWN, "down") for _ in range(presses)]
    steps += [Step(RESORT, "o") for _ in SORTS]  # every column, back to the conflict number
    steps += [Step(REVERSE, "O"), Step(REVERSE, "O")]
    steps.append(Step(FOCUS, "slash"))
    for _ in range(rounds):
        for phase, text in ((FILTER, FILTER_TEXT), (RARE, RARE_FILTER_TEXT)):
            steps += [Step(phase, CHAR_KEYS.get(ch, ch)) for ch in text]
            steps += [Step(ERASE, "backspace") for _ in text]
    return steps


# -- the console's own log (RECONTUI_KEY_TIMING) ----------------------------------
@dataclass
class KeyTime:
    """One key as the console logged it: when it took it, and what it cost."""

    key: str
    at: float
    cpu_at: float
    #: Until the first screen update drawn with nothing loading after the last one drawn
    #: while loading (ms); None: none yet.
    shown_ms: float | None = None
    #: CPU time to the last screen update before the next key (ms); None: none drawn.
    cpu_ms: float | None = None


class LogWatch:
    """Reads the console's timing log as it grows; says when the console has gone quiet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = ""
        self.keys: list[KeyTime] = []
        self.paints = 0
        self.changed = time.perf_counter()

    def read(self) -> None:
        try:
            with self.path.open(encoding="utf-8") as f:
                f.seek(self.offset)
                chunk = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return
        if not chunk:
            return
        self.changed = time.perf_counter()
        text = self.partial + chunk
        *lines, self.partial = text.split("\n")
        for line in lines:
            self.take(line.split())

    def take(self, fields: list[str]) -> None:
        if len(fields) != 4:
            return
        what, at, cpu = fields[0], float(fields[1]), float(fields[2])
        if what == "key":
            self.keys.append(KeyTime(fields[3], at, cpu))
            return
        self.paints += 1
        if not self.keys:
            return
        last = self.keys[-1]
        if fields[3] == "1":  # still loading: shown is the first paint after this one
            last.shown_ms = None
        elif last.shown_ms is None:
            last.shown_ms = (at - last.at) * 1000
        last.cpu_ms = (cpu - last.cpu_at) * 1000

    def quiet(self, keys_sent: int) -> bool:
        """Every key sent taken and its result shown, then no new line for QUIET seconds."""
        self.read()
        if len(self.keys) < keys_sent or not self.paints:
            return False
        if self.keys and self.keys[-1].shown_ms is None:
            return False
        return time.perf_counter() - self.changed >= QUIET


async def until_quiet_async(watch: LogWatch, keys_sent: int, timeout: float) -> None:
    t0 = time.perf_counter()
    while not watch.quiet(keys_sent):
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"the console did not settle after key {keys_sent}")
        await asyncio.sleep(0.01)


def until_quiet(watch: LogWatch, keys_sent: int, timeout: float) -> None:
    t0 = time.perf_counter()
    while not watch.quiet(keys_sent):
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"the console did not settle after key {keys_sent}")
        time.sleep(0.005)


# -- one run of the script -------------------------------------------------------
@dataclass
class Run:
    """One run of the key script: each step's KeyTime (and, in a terminal, send time)."""

    steps: list[Step]
    times: list[KeyTime]
    sent: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    problem: str = ""

    def phase(self, phase: str) -> list[tuple[KeyTime, float | None]]:
        sent: list[float | None] = list(self.sent) or [None] * len(self.times)
        return [
            (t, s)
            for step, t, s in zip(self.steps, self.times, sent, strict=False)
            if step.phase == phase
        ]

    def shown(self, phase: str) -> list[float]:
        return [t.shown_ms for t, _ in self.phase(phase) if t.shown_ms is not None]

    def cpu(self, phase: str) -> list[float]:
        return [t.cpu_ms for t, _ in self.phase(phase) if t.cpu_ms is not None]

    def send_to_shown(self, phase: str) -> list[float]:
        return [
            t.at * 1000 + t.shown_ms - s * 1000
            for t, s in self.phase(phase)
            if s is not None and t.shown_ms is not None
        ]


def checked(run: Run) -> Run:
    """The log must hold one key line per key sent, with Textual's name of that key."""
    names = [t.key for t in run.times]
    wanted = [s.key for s in run.steps]
    if len(names) != len(wanted):
        run.problem = f"the console logged {len(names)} keys for {len(wanted)} sent"
    elif names != wanted:
        first = next(i for i, (a, b) in enumerate(zip(names, wanted, strict=True)) if a != b)
        run.problem = f"key {first}: sent {wanted[first]!r}, the console took {names[first]!r}"
    return run


# -- the harness: App.run_test in this process -------------------------------------
def make_bench_app(store: Store, log: Path) -> Any:
    """The console with its timing log on (the App reads the variable when it is made)."""
    os.environ[TIMING_ENV] = str(log)
    try:
        return make_app(store, store.get_profile(PROFILE), None, no_network, actor="bench")
    finally:
        os.environ.pop(TIMING_ENV, None)


def no_network(side: str, events: Any) -> Any:
    raise RuntimeError("the console benchmark builds no connectors (no network)")


async def run_harness(db: Path, steps: list[Step], tmp: Path) -> Run:
    store: Store = open_store(db)
    log = tmp / f"harness-{db.stem}.log"
    gc.collect()
    gc.freeze()  # as `recontui tui` does before the console starts
    try:
        app = make_bench_app(store, log)
        watch = LogWatch(log)
        async with app.run_test(size=TMUX_SIZE) as pilot:
            await until_quiet_async(watch, 0, START_TIMEOUT)
            for i, step in enumerate(steps):
                await pilot.press(step.key)
                await until_quiet_async(watch, i + 1, KEY_TIMEOUT)
            peak = peak_rss_mb()
    finally:
        store.close()
        gc.unfreeze()
    return checked(Run(steps, watch.keys, peak_mb=peak))


async def open_by_name(db: Path, tmp: Path) -> tuple[float | None, str]:
    """A console whose queue opens sorted by record name: ms until shown, and its first row."""
    store: Store = open_store(db)
    log = tmp / f"by-name-{db.stem}.log"
    ConflictsScreen.DEFAULT_SORT = "record"
    try:
        app = make_bench_app(store, log)
        watch = LogWatch(log)
        async with app.run_test(size=TMUX_SIZE) as pilot:
            await until_quiet_async(watch, 0, START_TIMEOUT)
            await pilot.press("2")
            await until_quiet_async(watch, 1, KEY_TIMEOUT)
            screen = app.screen
            first = ""
            if isinstance(screen, ConflictsScreen) and screen.ids:
                first = screen.rows[screen.ids[0]]["record"]
    finally:
        ConflictsScreen.DEFAULT_SORT = "id"
        store.close()
    return watch.keys[0].shown_ms, first


# -- the real program in a terminal (tmux) --------------------------------------------
class Tmux:
    """A tmux server of our own (``-L``), one detached session of 80x24."""

    SESSION = "bench"

    def __init__(self, tmp: Path) -> None:
        self.socket = f"recontui-bench-{os.getpid()}-{int(time.time())}"
        self.tmp = tmp

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {done.stderr.strip() or done.returncode}")
        return done.stdout

    def start(self, command: list[str]) -> None:
        width, height = TMUX_SIZE
        session = ["new-session", "-d", "-s", self.SESSION, "-x", str(width), "-y", str(height)]
        keep = ["set-option", "-t", self.SESSION, "remain-on-exit", "on"]  # an error stays shown
        self("-f", "/dev/null", *session, "exec " + shlex.join(command), ";", *keep)

    def send(self, key: str) -> None:
        if key in TMUX_KEYS:
            self("send-keys", "-t", self.SESSION, TMUX_KEYS[key])
        else:
            char = {name: ch for ch, name in CHAR_KEYS.items()}.get(key, key)
            self("send-keys", "-t", self.SESSION, "-l", char)

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.SESSION)

    def pane(self, what: str) -> str:
        return self("display-message", "-p", "-t", self.SESSION, f"#{{{what}}}").strip()

    def stop(self) -> None:
        try:
            self("kill-server")
        except RuntimeError:
            pass


def vm_hwm_mb(pid: str) -> float | None:
    """Peak resident set size of a process (Linux /proc), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def terminal_command(db: Path, log: Path, tmp: Path) -> list[str]:
    recontui = Path(sys.executable).with_name("recontui")
    return [
        "env",
        f"{TIMING_ENV}={log}",
        f"RECONTUI_PASSPHRASE={PASSPHRASE}",
        f"RECONTUI_CONFIG={tmp / 'no-config.toml'}",  # no keymap of the person running it
        str(recontui),
        "--db",
        str(db),
        "tui",
    ]


def run_terminal(db: Path, n: int, steps: list[Step], tmp: Path) -> Run:
    """The key script against ``recontui tui`` in tmux; the console's own log read back."""
    log = tmp / f"terminal-{db.stem}.log"
    tmux, watch, run = Tmux(tmp), LogWatch(log), Run(steps, [])
    #: What the screen must show after these steps (proof the keys did what they should).
    last_filter_key = steps.index(Step(FOCUS, "slash")) + len(FILTER_TEXT)
    expect = {0: f"of {n:,} conflicts shown", last_filter_key: "matching conflicts shown"}
    try:
        tmux.start(terminal_command(db, log, tmp))
        until_quiet(watch, 0, START_TIMEOUT)
        for i, step in enumerate(steps):
            run.sent.append(time.perf_counter())
            tmux.send(step.key)
            until_quiet(watch, i + 1, KEY_TIMEOUT)
            if i in expect and expect[i] not in tmux.screen():
                run.problem = f"after key {i} the screen lacks {expect[i]!r}:\n{tmux.screen()}"
        run.peak_mb = vm_hwm_mb(tmux.pane("pane_pid"))
        tmux.send("escape")
        time.sleep(0.3)
        tmux.send("q")
        t0 = time.perf_counter()
        while tmux.pane("pane_dead") != "1" and time.perf_counter() - t0 < 10:
            time.sleep(0.05)
    except (RuntimeError, TimeoutError) as exc:
        screen = ""
        try:
            screen = tmux.screen()
        except RuntimeError:
            pass
        run.problem = f"{exc}\n{screen}".strip()
    finally:
        tmux.stop()
    run.times = watch.keys[: len(steps)]
    return run if run.problem else checked(run)


# -- both sizes -----------------------------------------------------------------
@dataclass
class Size:
    n: int
    build_s: float
    keys_s: float
    harness: Run
    by_name_ms: float | None
    first_by_name: str
    terminal: Run | None


async def measure(tmp: Path, n: int, args: argparse.Namespace) -> Size:
    db = tmp / f"bench-{n}.db"
    build_s, keys_s = build_db(db, n)
    gc.collect()
    steps = key_script(args.presses, args.rounds)
    harness = await run_harness(db, steps, tmp)
    by_name_ms, first = await open_by_name(db, tmp)
    terminal = run_terminal(db, n, steps, tmp) if args.terminal else None
    db.unlink(missing_ok=True)
    return Size(n, build_s, keys_s, harness, by_name_ms, first, terminal)


# -- report ---------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def spread_of(values: list[float]) -> tuple[float, float, float] | None:
    if not values:
        return None
    return statistics.median(values), percentile(values, 95), max(values)


def cell(values: list[float]) -> str:
    s = spread_of(values)
    return "n/a" if s is None else f"{s[0]:.1f} / {s[1]:.1f} / {s[2]:.1f}"


def ratio(big: float | None, small: float | None) -> str:
    if big is None or small is None or small <= 0:
        return "n/a"
    return f"{big / small:.2f}x"


def p95(values: list[float]) -> float | None:
    return percentile(values, 95) if values else None


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "n/a"
    return f"< {goal:.0f} ms {'OK' if value < goal else 'OVER'}"


def row(label: str, small: list[float], big: list[float], goal: float | None) -> None:
    check = verdict(p95(big), goal) if goal is not None else ""
    print(f"{label:34}{cell(small):>22}{cell(big):>24}{ratio(p95(big), p95(small)):>10}   {check}")


def header(title: str, small: Size, big: Size) -> None:
    print()
    print(title)
    print(
        f"{'ms: p50 / p95 / max':34}{'N=' + format(small.n, ','):>22}"
        f"{'N=' + format(big.n, ','):>24}{'p95 b/s':>10}   goal (p95, big)"
    )


def report_run(small: Run, big: Run, *, terminal: bool) -> None:
    for phase, goal in GOALS.items():
        count = len(big.phase(phase))
        row(f"{phase} ({count}x)", small.shown(phase), big.shown(phase), goal)
        row("  CPU per key", small.cpu(phase), big.cpu(phase), goal)
        if terminal and phase in (DOWN, FILTER, RARE):
            outside = small.send_to_shown(phase), big.send_to_shown(phase)
            row("  send -> shown (tmux, pty)", *outside, None)


def mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} MB"


def report(small: Size, big: Size) -> None:
    print()
    print(f"{'':34}{'N=' + format(small.n, ','):>22}{'N=' + format(big.n, ','):>24}")
    print(f"{'build database':34}{small.build_s:>20.2f} s{big.build_s:>22.2f} s")
    print(f"{'  of it: sort keys (migration v3)':34}{small.keys_s:>20.2f} s{big.keys_s:>22.2f} s")
    header("harness: App.run_test in this process (headless: no escape sequences)", small, big)
    report_run(small.harness, big.harness, terminal=False)
    by_name = (
        [small.by_name_ms] if small.by_name_ms else [],
        [big.by_name_ms] if big.by_name_ms else [],
    )
    row("open sorted by record name", *by_name, TARGET_OPEN_MS)
    print(
        f"{'peak memory (this process)':34}{mb(small.harness.peak_mb):>22}"
        f"{mb(big.harness.peak_mb):>24}{'':10}   < {TARGET_MEM_MB:.0f} MB "
        f"{'OK' if (big.harness.peak_mb or 0) < TARGET_MEM_MB else 'OVER'}"
    )
    print(f"first row sorted by name: {small.first_by_name!r} / {big.first_by_name!r}")
    for size in (small, big):
        if size.harness.problem:
            print(f"WARNING (harness, N={size.n:,}): {size.harness.problem}")
    if small.terminal is None or big.terminal is None:
        print()
        print("terminal: not measured (--no-terminal, or tmux is not installed)")
        return
    header("terminal: `recontui tui` in tmux 80x24, the console's own log", small, big)
    report_run(small.terminal, big.terminal, terminal=True)
    print(
        f"{'peak memory (the console, VmHWM)':34}{mb(small.terminal.peak_mb):>22}"
        f"{mb(big.terminal.peak_mb):>24}"
    )
    for size in (small, big):
        if size.terminal is not None and size.terminal.problem:
            print(f"WARNING (terminal, N={size.n:,}): {size.terminal.problem}")


async def main_async(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="recontui-bench-") as name:
        tmp = Path(name)
        print(f"small database: N={args.small:,} ...", flush=True)
        small = await measure(tmp, args.small, args)
        print(f"big database:   N={args.n:,} ...", flush=True)
        big = await measure(tmp, args.n, args)
    report(small, big)
    print()
    print(
        f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
        f"on {os.cpu_count()} CPUs: wall times stretch with it, CPU times much less."
    )
    runs = [small.harness, big.harness]
    runs += [r for r in (small.terminal, big.terminal) if r is not None]
    return 1 if any(r.problem for r in runs) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="open conflicts in the big database")
    parser.add_argument(
        "--small", type=int, default=1_000, help="open conflicts in the small database"
    )
    parser.add_argument("--presses", type=int, default=150, help="down presses per run")
    parser.add_argument(
        "--rounds", type=int, default=2, help="times each filter text is typed and erased"
    )
    parser.add_argument(
        "--terminal",
        action=argparse.BooleanOptionalAction,
        default=shutil.which("tmux") is not None,
        help="also run `recontui tui` in tmux (default: when tmux is installed)",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.small < 1 or args.presses < 0 or args.rounds < 1:
        parser.error("--n, --small and --rounds must be positive, --presses not negative")
    if args.terminal and shutil.which("tmux") is None:
        parser.error("--terminal needs tmux")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
