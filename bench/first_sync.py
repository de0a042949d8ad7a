"""Benchmark: a first sync as the company grows, with the stand-ins in their own process.

    python bench/first_sync.py [--sizes 1000,10000] [--scenario demo]

For each size N, `recontui sandbox serve --size N` seeds both stand-ins (about N records
per side) in a separate process and creates a profile for them; this process then runs
the sync as `recontui sync` does (real connectors over loopback, real page sizes and the
documented limits, SQLite on disk) and prints the run's time by phase (pull, plan, push:
from the run's own progress events) and the records pulled. Growth is reported as the
ratio of each phase's time from one size to the next against the ratio of records: a
phase whose time grows faster than its records is super-linear (a bug to find).

Figures are ratios measured in this one run (the machine is shared and noisy); the
seconds they come from are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recontui.events import Event
from recontui.run import RunOptions, run_sync
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets

PASSPHRASE = "bench first sync"


@dataclass
class Timed:
    size: int
    pulled: int = 0
    writes: int = 0
    total: float = 0.0
    cpu: float = 0.0
    rss_mb: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    phase_cpu: dict[str, float] = field(default_factory=dict)
    exit_code: int = -1
    #: Writes (POSTs answered, sign-in and sign-out left out) per side: "a" BILL, "b" QBO.
    posts: dict[str, int] = field(default_factory=dict)


class _CountedPosts:
    """The run's event source, counting the POSTs a side's connector got an answer to
    (its own log lines: method, path, status), sign-in and sign-out left out."""

    def __init__(self, inner: Any, counts: dict[str, int], side: str) -> None:
        self.inner = inner
        self.counts = counts
        self.side = side

    def connector_sink(self, label: str) -> Any:
        sink = self.inner.connector_sink(label)

        def counted(level: str, message: str, data: Any) -> None:
            seen = data or {}
            answered = seen.get("method") == "POST" and "status" in seen
            if answered and not str(seen.get("path", "")).endswith(("/login", "/logout")):
                self.counts[self.side] = self.counts.get(self.side, 0) + 1
            sink(level, message, data)

        return counted


def serve(db: Path, size: int, scenario: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RECONTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recontui.cli",
            "--db",
            str(db),
            "sandbox",
            "serve",
            "--size",
            str(size),
            "--scenario",
            scenario,
            "--profile",
            "bench",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the stand-ins did not start for size {size}")
    json.loads(line)
    return proc


def first_sync(db: Path, size: int, *, batches: bool = True, bill_bulk: bool = True) -> Timed:
    store = open_store(db)
    profile = store.get_profile("bench")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    timed = Timed(size)
    marks: list[tuple[float, str]] = []
    cpu: list[float] = []

    def listener(event: Event) -> None:
        # A connector's own events (phase "http": waits, retries) happen inside a run
        # phase and are counted in it.
        if event.phase in ("start", "http"):
            return
        if not marks or marks[-1][1] != event.phase:
            marks.append((time.perf_counter(), event.phase))
            cpu.append(time.process_time())

    base = connector_factory(profile, secrets)

    def factory(side: str, events: Any) -> object:
        conn = base(side, _CountedPosts(events, timed.posts, side))
        if not batches and side == "b":  # QuickBooks creates one request each
            conn.create_batch = 0  # type: ignore[attr-defined]
        if not bill_bulk and side == "a":  # BILL creates one request each, as before bulk
            conn.create_batch = 0  # type: ignore[attr-defined]
        return conn

    started = time.perf_counter()
    cpu_started = time.process_time()
    result = asyncio.run(
        run_sync(
            store,
            profile,
            factory,
            RunOptions(trigger="bench", accept_big_change=True),
            listener=listener,
        )
    )
    timed.total = time.perf_counter() - started
    timed.cpu = time.process_time() - cpu_started
    timed.rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timed.exit_code = result.exit_code
    timed.pulled = int(result.counts.get("pulled", 0))
    timed.writes = int(result.counts.get("pushed", 0))
    ends = [*marks[1:], (started + timed.total, "end")]
    cpu_ends = [*cpu[1:], cpu_started + timed.cpu]
    for (at, phase), (until, _), c0, c1 in zip(marks, ends, cpu, cpu_ends, strict=False):
        if phase != "end":
            timed.phases[phase] = timed.phases.get(phase, 0.0) + (until - at)
            timed.phase_cpu[phase] = timed.phase_cpu.get(phase, 0.0) + (c1 - c0)
    store.close()
    return timed


def fresh_sync(size: int, scenario: str, *, batches: bool, bill_bulk: bool = True) -> Timed:
    """A first sync of a newly seeded company of ``size`` (stand-ins in their process)."""
    with tempfile.TemporaryDirectory(prefix="recontui-bench-") as scratch:
        db = Path(scratch) / "bench.db"
        server = serve(db, size, scenario)
        try:
            return first_sync(db, size, batches=batches, bill_bulk=bill_bulk)
        finally:
            server.terminate()
            server.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--scenario", default="demo")
    parser.add_argument(
        "--compare-batches",
        action="store_true",
        help="also run each size with QuickBooks creates one request each (like for like)",
    )
    parser.add_argument(
        "--compare-bill-bulk",
        action="store_true",
        help="also run each size with BILL creates one request each (like for like)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: list[Timed] = []
    for size in sizes:
        timed = fresh_sync(size, args.scenario, batches=True)
        results.append(timed)
        if args.compare_batches:
            single = fresh_sync(size, args.scenario, batches=False)
            print(
                f"size {size:>8,}: one request per create: total {single.total:7.1f} s "
                f"(push {single.phases.get('push', 0.0):.1f} s); with batches "
                f"x{single.total / max(timed.total, 1e-9):.1f} faster",
                flush=True,
            )
        if args.compare_bill_bulk:
            alone = fresh_sync(size, args.scenario, batches=True, bill_bulk=False)
            push, alone_push = timed.phases.get("push", 0.0), alone.phases.get("push", 0.0)
            print(
                f"size {size:>8,}: BILL creates one request each: total {alone.total:7.1f} s "
                f"(push {alone_push:.1f} s, {alone.posts.get('a', 0)} BILL writes); with BILL "
                f"bulk creates ({timed.posts.get('a', 0)} BILL writes) total "
                f"x{alone.total / max(timed.total, 1e-9):.2f}, push "
                f"x{alone_push / max(push, 1e-9):.2f} faster",
                flush=True,
            )
        phases = "  ".join(
            f"{k} {v:.1f} s (cpu {timed.phase_cpu.get(k, 0.0):.1f})"
            for k, v in timed.phases.items()
        )
        print(
            f"size {size:>8,}: pulled {timed.pulled:>8,}  written {timed.writes:>6,}  "
            f"total {timed.total:7.1f} s  client cpu {timed.cpu:.1f} s  "
            f"peak RSS {timed.rss_mb:,.0f} MB  exit {timed.exit_code}\n    {phases}",
            flush=True,
        )
    for before, after in itertools.pairwise(results):
        grow = after.pulled / max(1, before.pulled)
        wrote = after.writes / max(1, before.writes)
        print(f"{before.size:,} -> {after.size:,}: records x{grow:.1f}, writes x{wrote:.1f}")
        for phase in after.phases:
            if before.phases.get(phase):
                ratio = after.phases[phase] / before.phases[phase]
                # Writes are paced by the documented request limits: push and the
                # connectors' waits (http) follow the writes, every other phase the records.
                base = wrote if phase in ("push", "http") else grow
                verdict = "linear or better" if ratio <= base * 1.5 else "SUPER-LINEAR"
                print(f"  {phase:5} time x{ratio:5.1f}  ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
