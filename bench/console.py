"""Console benchmark: the Conflicts screen on a large queue (a script, not a test).

    python bench/console.py [--n 100000] [--small 1000] [--presses 200]

Builds throw-away databases in a temporary directory (N open field conflicts on
customers, plus a small one; names, change times and earlier choices in an order
unrelated to the ids), runs the Textual console headless on each with
``App.run_test`` and prints, for both sizes measured in this one run:

* keys:   the time to fill the queue's sort keys of every conflict (what migration
          v3 does to an existing file)
* open:   from pressing "2" (Conflicts mode) until the queue's DataTable shows rows,
          in id order and (a second app) sorted by record name
* key:    mean and p95 time per ``down`` press (each followed by ``pilot.pause()``)
* re-sort: per press of ``o`` (every sort column in turn) and of ``O``, until the
          first page in the new order is shown
* filter: time per keystroke in the screen's filter Input (press and pause), and
          until the filtered rows are shown: for a text most rows match, and for
          one no row matches (each keystroke examines up to FILTER_CAP rows)
* memory: peak resident set size of this process (``ru_maxrss``), in MB

and the big/small ratios. The machine is shared and noisy, so the ratios from
one run are the figures to report; absolute times are shown against the targets.
No network: the connector factory refuses to build anything.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import resource
import statistics
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
from recontui.tui.screens.conflicts import SORTS, ConflictsScreen

PROFILE = "bench"
TARGET_OPEN_S = 1.0
TARGET_KEY_MS = 30.0
TARGET_MEM_MB = 500.0
OPEN_TIMEOUT_S = 60.0
FILTER_TEXT = "customer 0"
#: A filter no record matches: every keystroke reads up to FILTER_CAP rows.
RARE_FILTER_TEXT = "zq"
CHUNK = 10_000
FLOOR_PRESSES = 30


def peak_rss_mb() -> float:
    """Peak resident set size so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * resource.getpagesize() / (1024 * 1024)


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


# -- measurement ------------------------------------------------------------
@dataclass
class Figures:
    n: int
    build_s: float
    keys_s: float
    open_s: float | None
    rows_shown: int
    key_ms: list[float]
    floor_ms: list[float]
    filter_ms: list[float] | None
    peak_mb: float
    rss_mb: float | None
    #: Per keystroke until the filtered page is shown: most rows match / none does.
    filter_shown_ms: list[float] = field(default_factory=list)
    rare_filter_ms: list[float] = field(default_factory=list)
    #: Per press of o (each sort column in turn) and of O, until the new first page shows.
    resort_ms: list[float] = field(default_factory=list)
    reverse_ms: list[float] = field(default_factory=list)
    open_by_name_s: float | None = None
    first_by_name: str = ""
    #: CPU time of this process per down press (steadier than wall time on a busy machine).
    key_cpu_ms: list[float] = field(default_factory=list)
    floor_cpu_ms: list[float] = field(default_factory=list)

    @property
    def key_mean(self) -> float:
        return mean(self.key_ms)

    @property
    def key_p95(self) -> float:
        return percentile(self.key_ms, 95)

    @property
    def filter_mean(self) -> float | None:
        return statistics.fmean(self.filter_ms) if self.filter_ms else None


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def no_network(side: str, events: Any) -> Any:
    raise RuntimeError("the console benchmark builds no connectors (no network)")


def queue_table(app: Any) -> Any | None:
    from textual.widgets import DataTable

    screen = app.screen
    if not isinstance(screen, ConflictsScreen):
        return None
    try:
        return screen.query_one(DataTable)
    except Exception:  # not composed yet
        return None


async def open_queue(app: Any, pilot: Any) -> float | None:
    """Press "2" and wait until the queue's table shows rows; seconds, or None."""
    t0 = time.perf_counter()
    await pilot.press("2")
    while time.perf_counter() - t0 < OPEN_TIMEOUT_S:
        table = queue_table(app)
        if table is not None and table.row_count > 0:
            return time.perf_counter() - t0
        await pilot.pause()
    return None


async def until_shown(app: Any, pilot: Any, t0: float) -> float:
    """Wait for the queue's loads to finish; milliseconds since t0."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    while isinstance(screen, ConflictsScreen) and screen.fetching:
        if time.perf_counter() - t0 > OPEN_TIMEOUT_S:
            break
        await pilot.pause()
    return (time.perf_counter() - t0) * 1000


async def type_timed(app: Any, pilot: Any, text: str, *, wait: bool) -> list[float]:
    out = []
    for ch in text:
        t = time.perf_counter()
        await pilot.press("space" if ch == " " else ch)
        await pilot.pause()
        out.append(await until_shown(app, pilot, t) if wait else (time.perf_counter() - t) * 1000)
    return out


async def clear_filter(app: Any, pilot: Any, text: str) -> None:
    await pilot.press(*["backspace"] * len(text))
    await until_shown(app, pilot, time.perf_counter())


async def measure(path: Path, n: int, build_s: float, keys_s: float, presses: int) -> Figures:
    from textual.widgets import Input

    store: Store = open_store(path)
    try:
        profile = store.get_profile(PROFILE)
        app = make_app(store, profile, None, no_network, actor="bench")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()

            # 0. harness floor: an unbound key on Home, same press + pause as below
            floor_ms: list[float] = []
            floor_cpu_ms: list[float] = []
            for _ in range(FLOOR_PRESSES):
                t, cpu = time.perf_counter(), time.process_time()
                await pilot.press("f12")
                await pilot.pause()
                floor_ms.append((time.perf_counter() - t) * 1000)
                floor_cpu_ms.append((time.process_time() - cpu) * 1000)

            # 1. open the Conflicts screen until its table has rows
            open_s = await open_queue(app, pilot)
            table = queue_table(app)
            rows_shown = table.row_count if table is not None else 0

            # 2. cursor key presses
            key_ms: list[float] = []
            key_cpu_ms: list[float] = []
            if open_s is not None and table is not None:
                table.focus()
                await pilot.pause()
                for _ in range(presses):
                    t, cpu = time.perf_counter(), time.process_time()
                    await pilot.press("down")
                    await pilot.pause()
                    key_ms.append((time.perf_counter() - t) * 1000)
                    key_cpu_ms.append((time.process_time() - cpu) * 1000)
                rows_shown = table.row_count

            # 3. re-sort: o through every column (back to id), then O
            resort_ms: list[float] = []
            reverse_ms: list[float] = []
            if open_s is not None:
                for _ in SORTS:
                    t = time.perf_counter()
                    await pilot.press("o")
                    resort_ms.append(await until_shown(app, pilot, t))
                t = time.perf_counter()
                await pilot.press("O")
                reverse_ms.append(await until_shown(app, pilot, t))
                await pilot.press("O")
                await until_shown(app, pilot, time.perf_counter())

            # 4. filter keystrokes, when the screen has a filter Input
            filter_ms: list[float] | None = None
            filter_shown_ms: list[float] = []
            rare_filter_ms: list[float] = []
            inputs = list(app.screen.query(Input)) if open_s is not None else []
            if inputs:
                inputs[0].focus()
                await pilot.pause()
                filter_ms = await type_timed(app, pilot, FILTER_TEXT, wait=False)
                await clear_filter(app, pilot, FILTER_TEXT)
                filter_shown_ms = await type_timed(app, pilot, FILTER_TEXT, wait=True)
                await clear_filter(app, pilot, FILTER_TEXT)
                rare_filter_ms = await type_timed(app, pilot, RARE_FILTER_TEXT, wait=True)
                await clear_filter(app, pilot, RARE_FILTER_TEXT)

            rss = current_rss_mb()
            peak = peak_rss_mb()
            await pilot.press("q")

        # 5. a second console that opens the queue sorted by record name
        ConflictsScreen.DEFAULT_SORT = "record"
        try:
            app = make_app(store, profile, None, no_network, actor="bench")
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                open_by_name_s = await open_queue(app, pilot)
                screen = app.screen
                first = ""
                if isinstance(screen, ConflictsScreen) and screen.ids:
                    first = screen.rows[screen.ids[0]]["record"]
                await pilot.press("q")
        finally:
            ConflictsScreen.DEFAULT_SORT = "id"
    finally:
        store.close()
    return Figures(
        n,
        build_s,
        keys_s,
        open_s,
        rows_shown,
        key_ms,
        floor_ms,
        filter_ms,
        peak,
        rss,
        filter_shown_ms=filter_shown_ms,
        rare_filter_ms=rare_filter_ms,
        resort_ms=resort_ms,
        reverse_ms=reverse_ms,
        open_by_name_s=open_by_name_s,
        first_by_name=first,
        key_cpu_ms=key_cpu_ms,
        floor_cpu_ms=floor_cpu_ms,
    )


async def run_one(tmp: Path, n: int, presses: int) -> Figures:
    path = tmp / f"bench-{n}.db"
    build_s, keys_s = build_db(path, n)
    gc.collect()
    figures = await measure(path, n, build_s, keys_s, presses)
    path.unlink(missing_ok=True)
    return figures


# -- report -----------------------------------------------------------------
def verdict(value: float | None, target: float) -> str:
    if value is None or value != value:
        return "n/a"
    return "OK" if value < target else "OVER"


def fmt(value: float | None, unit: str, digits: int = 1) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}f} {unit}"


def ratio(big: float | None, small: float | None) -> str:
    if big is None or small is None or not small or big != big or small != small:
        return "n/a"
    return f"{big / small:.2f}x"


def line(label: str, small: float | None, big: float | None, unit: str, note: str = "") -> None:
    digits = 1 if unit == "MB" else 2
    print(
        f"{label:22}{fmt(small, unit, digits):>16}{fmt(big, unit, digits):>16}"
        f"{ratio(big, small):>11}{'   ' + note if note else ''}"
    )


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def report(small: Figures, big: Figures) -> None:
    print()
    print(
        f"{'':22}{'N=' + format(small.n, ','):>16}{'N=' + format(big.n, ','):>16}"
        f"{'big/small':>11}   target (big)"
    )
    line("build database", small.build_s, big.build_s, "s")
    line("  of it: sort keys", small.keys_s, big.keys_s, "s", "what migration v3 backfills")
    line(
        "open Conflicts",
        ms(small.open_s),
        ms(big.open_s),
        "ms",
        f"< 1000 ms  {verdict(big.open_s, TARGET_OPEN_S)}",
    )
    line(
        "open sorted by name",
        ms(small.open_by_name_s),
        ms(big.open_by_name_s),
        "ms",
        f"< 1000 ms  {verdict(big.open_by_name_s, TARGET_OPEN_S)}",
    )
    line(
        "key press mean",
        small.key_mean,
        big.key_mean,
        "ms",
        f"< 30 ms    {verdict(big.key_mean, TARGET_KEY_MS)}",
    )
    line(
        "key press p95",
        small.key_p95,
        big.key_p95,
        "ms",
        f"< 30 ms    {verdict(big.key_p95, TARGET_KEY_MS)}",
    )
    line(
        "key press CPU mean",
        mean(small.key_cpu_ms),
        mean(big.key_cpu_ms),
        "ms",
        "process CPU time per press (all threads)",
    )
    line(
        "harness floor (f12)",
        mean(small.floor_ms),
        mean(big.floor_ms),
        "ms",
        "unbound key on Home, same press + pause",
    )
    line(
        "harness floor CPU",
        mean(small.floor_cpu_ms),
        mean(big.floor_cpu_ms),
        "ms",
        "process CPU time of that unbound key",
    )
    own = [
        None if k is None or f is None else k - f
        for k, f in ((small.key_mean, mean(small.floor_ms)), (big.key_mean, mean(big.floor_ms)))
    ]
    line(
        "key press, the app's own",
        own[0],
        own[1],
        "ms",
        f"< 30 ms    {verdict(own[1], TARGET_KEY_MS)}  key press mean minus the floor",
    )
    line("re-sort (o) mean", mean(small.resort_ms), mean(big.resort_ms), "ms", "until shown")
    line(
        "re-sort (o) max",
        max(small.resort_ms, default=None),
        max(big.resort_ms, default=None),
        "ms",
        f"slowest of {len(big.resort_ms)} columns",
    )
    line("reverse (O)", mean(small.reverse_ms), mean(big.reverse_ms), "ms", "until shown")
    if small.filter_ms is None and big.filter_ms is None:
        print(f"{'filter':22}not available (the Conflicts screen has no Input)")
    else:
        line("filter keystroke mean", small.filter_mean, big.filter_mean, "ms", "press + pause")
        line(
            "filter, until shown",
            mean(small.filter_shown_ms),
            mean(big.filter_shown_ms),
            "ms",
            f"per keystroke of {FILTER_TEXT!r} (most rows match)",
        )
        line(
            "filter, no match",
            mean(small.rare_filter_ms),
            mean(big.rare_filter_ms),
            "ms",
            f"per keystroke of {RARE_FILTER_TEXT!r} (reads up to the cap)",
        )
    line(
        "peak memory (maxrss)",
        small.peak_mb,
        big.peak_mb,
        "MB",
        f"< 500 MB   {verdict(big.peak_mb, TARGET_MEM_MB)}",
    )
    line("rss after run", small.rss_mb, big.rss_mb, "MB")
    print(f"{'rows loaded in table':22}{small.rows_shown:>16,}{big.rows_shown:>16,}")
    print()
    print(
        f"key presses: {len(big.key_ms)} x down per size, each followed by pilot.pause(); "
        "peak memory is the process peak so far (small is measured first)."
    )
    print(f"first row sorted by name: {small.first_by_name!r} / {big.first_by_name!r}")
    if big.open_s is None or small.open_s is None:
        print(f"WARNING: a queue showed no rows within {OPEN_TIMEOUT_S:.0f} s.")


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="recontui-bench-") as tmp:
        print(f"small database: N={args.small:,} ...", flush=True)
        small = await run_one(Path(tmp), args.small, args.presses)
        print(f"big database:   N={args.n:,} ...", flush=True)
        big = await run_one(Path(tmp), args.n, args.presses)
    report(small, big)
    return 0 if big.open_s is not None and small.open_s is not None else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="open conflicts in the big database")
    parser.add_argument(
        "--small", type=int, default=1_000, help="open conflicts in the small database"
    )
    parser.add_argument("--presses", type=int, default=200, help="down presses per size")
    args = parser.parse_args(argv)
    if args.n < 1 or args.small < 1 or args.presses < 0:
        parser.error("--n and --small must be positive, --presses not negative")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
