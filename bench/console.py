"""Console benchmark: the Conflicts screen on a large queue (a script, not a test).

    python bench/console.py [--n 100000] [--small 1000] [--presses 200]

Builds throw-away databases in a temporary directory (N open field conflicts on
customers, plus a small one), runs the Textual console headless on each with
``App.run_test`` and prints, for both sizes measured in this one run:

* open:   from pressing "2" (Conflicts mode) until the queue's DataTable shows rows
* key:    mean and p95 time per ``down`` press (each followed by ``pilot.pause()``)
* filter: time per keystroke in the screen's filter Input, when there is one
* memory: peak resident set size of this process (``ru_maxrss``), in MB

and the big/small ratios. The machine is shared and noisy, so the ratios from
one run are the figures to report; absolute times are shown against the targets.
No network: the connector factory refuses to build anything.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recontui.model.codec import dumps
from recontui.store import Store, open_store
from recontui.tui import make_app
from recontui.tui.screens.conflicts import ConflictsScreen

PROFILE = "bench"
TARGET_OPEN_S = 1.0
TARGET_KEY_MS = 30.0
TARGET_MEM_MB = 500.0
OPEN_TIMEOUT_S = 60.0
FILTER_TEXT = "customer 0"
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
def build_db(path: Path, n: int) -> float:
    """N customer links, each with one open field conflict on email; returns seconds."""
    t0 = time.perf_counter()
    store = open_store(path)
    try:
        profile = store.save_profile(PROFILE, "bill", "qbo", {"bench": "1"}, {"bench": "1"})
        now = store.now()
        fields = dumps({"email": {"base": None, "a": "x@a", "b": "y@b", "kind": "no_base"}})

        def links(lo: int, hi: int) -> Iterator[tuple[Any, ...]]:
            for i in range(lo, hi):
                name = f"Customer {i:06d}"
                yield (
                    i,
                    profile.id,
                    "customer",
                    "paired",
                    f"A{i}",
                    "1",
                    dumps({"name": name, "email": "x@a"}),
                    now,
                    f"B{i}",
                    "1",
                    dumps({"name": name, "email": "y@b"}),
                    now,
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
                    "fields, a_version, b_version, opened_run, opened_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    conflicts(lo, hi),
                )
        count = store.db.conn.execute(
            "SELECT count(*) FROM conflicts WHERE status='open'"
        ).fetchone()[0]
        if count != n:
            raise SystemExit(f"expected {n} open conflicts, found {count}")
    finally:
        store.close()
    return time.perf_counter() - t0


# -- measurement ------------------------------------------------------------
@dataclass
class Figures:
    n: int
    build_s: float
    open_s: float | None
    rows_shown: int
    key_ms: list[float]
    floor_ms: list[float]
    filter_ms: list[float] | None
    peak_mb: float
    rss_mb: float | None

    @property
    def key_mean(self) -> float:
        return statistics.fmean(self.key_ms) if self.key_ms else float("nan")

    @property
    def key_p95(self) -> float:
        return percentile(self.key_ms, 95)

    @property
    def filter_mean(self) -> float | None:
        return statistics.fmean(self.filter_ms) if self.filter_ms else None


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


async def measure(path: Path, n: int, build_s: float, presses: int) -> Figures:
    from textual.widgets import Input

    store: Store = open_store(path)
    try:
        profile = store.get_profile(PROFILE)
        app = make_app(store, profile, None, no_network, actor="bench")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()

            # 0. harness floor: an unbound key on Home, same press + pause as below
            floor_ms: list[float] = []
            for _ in range(FLOOR_PRESSES):
                t = time.perf_counter()
                await pilot.press("f12")
                await pilot.pause()
                floor_ms.append((time.perf_counter() - t) * 1000)

            # 1. open the Conflicts screen until its table has rows
            open_s: float | None = None
            t0 = time.perf_counter()
            await pilot.press("2")
            while time.perf_counter() - t0 < OPEN_TIMEOUT_S:
                table = queue_table(app)
                if table is not None and table.row_count > 0:
                    open_s = time.perf_counter() - t0
                    break
                await pilot.pause()
            table = queue_table(app)
            rows_shown = table.row_count if table is not None else 0

            # 2. cursor key presses
            key_ms: list[float] = []
            if open_s is not None and table is not None:
                table.focus()
                await pilot.pause()
                for _ in range(presses):
                    t = time.perf_counter()
                    await pilot.press("down")
                    await pilot.pause()
                    key_ms.append((time.perf_counter() - t) * 1000)
                rows_shown = table.row_count

            # 3. filter keystrokes, when the screen has a filter Input
            filter_ms: list[float] | None = None
            inputs = list(app.screen.query(Input)) if open_s is not None else []
            if inputs:
                inputs[0].focus()
                await pilot.pause()
                filter_ms = []
                for ch in FILTER_TEXT:
                    t = time.perf_counter()
                    await pilot.press("space" if ch == " " else ch)
                    await pilot.pause()
                    filter_ms.append((time.perf_counter() - t) * 1000)

            rss = current_rss_mb()
            peak = peak_rss_mb()
            await pilot.press("q")
    finally:
        store.close()
    return Figures(n, build_s, open_s, rows_shown, key_ms, floor_ms, filter_ms, peak, rss)


async def run_one(tmp: Path, n: int, presses: int) -> Figures:
    path = tmp / f"bench-{n}.db"
    build_s = build_db(path, n)
    gc.collect()
    figures = await measure(path, n, build_s, presses)
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


def report(small: Figures, big: Figures) -> None:
    print()
    print(
        f"{'':22}{'N=' + format(small.n, ','):>16}{'N=' + format(big.n, ','):>16}"
        f"{'big/small':>11}   target (big)"
    )
    print(
        f"{'build database':22}{fmt(small.build_s, 's', 2):>16}{fmt(big.build_s, 's', 2):>16}"
        f"{ratio(big.build_s, small.build_s):>11}"
    )
    s_open = None if small.open_s is None else small.open_s * 1000
    b_open = None if big.open_s is None else big.open_s * 1000
    print(
        f"{'open Conflicts':22}{fmt(s_open, 'ms'):>16}{fmt(b_open, 'ms'):>16}"
        f"{ratio(b_open, s_open):>11}   < 1000 ms  "
        f"{verdict(big.open_s, TARGET_OPEN_S)}"
    )
    print(
        f"{'key press mean':22}{fmt(small.key_mean, 'ms', 2):>16}"
        f"{fmt(big.key_mean, 'ms', 2):>16}{ratio(big.key_mean, small.key_mean):>11}"
        f"   < 30 ms    {verdict(big.key_mean, TARGET_KEY_MS)}"
    )
    print(
        f"{'key press p95':22}{fmt(small.key_p95, 'ms', 2):>16}"
        f"{fmt(big.key_p95, 'ms', 2):>16}{ratio(big.key_p95, small.key_p95):>11}"
        f"   < 30 ms    {verdict(big.key_p95, TARGET_KEY_MS)}"
    )
    s_floor, b_floor = statistics.fmean(small.floor_ms), statistics.fmean(big.floor_ms)
    print(
        f"{'harness floor (f12)':22}{fmt(s_floor, 'ms', 2):>16}{fmt(b_floor, 'ms', 2):>16}"
        f"{ratio(b_floor, s_floor):>11}   unbound key on Home, same press + pause"
    )
    if small.filter_ms is None and big.filter_ms is None:
        print(f"{'filter':22}not available (the Conflicts screen has no Input)")
    else:
        print(
            f"{'filter keystroke mean':22}{fmt(small.filter_mean, 'ms', 2):>16}"
            f"{fmt(big.filter_mean, 'ms', 2):>16}"
            f"{ratio(big.filter_mean, small.filter_mean):>11}"
        )
    print(
        f"{'peak memory (maxrss)':22}{fmt(small.peak_mb, 'MB'):>16}{fmt(big.peak_mb, 'MB'):>16}"
        f"{ratio(big.peak_mb, small.peak_mb):>11}   < 500 MB   "
        f"{verdict(big.peak_mb, TARGET_MEM_MB)}"
    )
    print(
        f"{'rss after run':22}{fmt(small.rss_mb, 'MB'):>16}{fmt(big.rss_mb, 'MB'):>16}"
        f"{ratio(big.rss_mb, small.rss_mb):>11}"
    )
    print(f"{'rows loaded in table':22}{small.rows_shown:>16,}{big.rows_shown:>16,}")
    print()
    print(
        f"key presses: {len(big.key_ms)} x down per size, each followed by pilot.pause(); "
        "peak memory is the process peak so far (small is measured first)."
    )
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
