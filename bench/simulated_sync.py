"""Benchmark: a first sync's time against the real services, on a simulated clock, beside
the floor the documented limits allow.

    python bench/simulated_sync.py [--sizes 10000,100000,1000000] [--network-ms 100]
                                   [--service-ms 150] [--jitter 0.2]

What runs. For each size N the stand-ins are seeded with about N records per side and
served in this process through ``httpx.ASGITransport`` (no socket) on one event loop
whose clock is simulated (``recontui.sandbox.simulated``): the clock stands still while
code runs and jumps to the next timer when every task waits. The sync is ``run_sync``
as ``recontui sync`` runs it (real connectors with their governors, SQLite on disk).
Every request costs a round trip on that clock: ``--network-ms`` on the wire (half each
way, each leg varied by ``--jitter``) plus ``--service-ms`` in the stand-in while the
request holds one of the company's in-flight slots. The stand-ins enforce the documented
limits on the same clock and answer 429 past them. So the simulated time at the end is
how long the first sync would take against services answering in that round trip; CPU
time (ours and the stand-ins') is not in it at all.

The round trip is an assumption, not a measurement: neither vendor publishes response
times. 100 ms on the wire (a US cross-country round trip) plus 150 ms of service is 250
ms a request, inside the 150-300 ms usually seen for small REST answers; change both
with the flags. The floor below grows with it only where the in-flight caps bind.

The documented limits (the stand-ins' defaults, sandbox/config.py):

- QuickBooks Online (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles):
  500 requests per minute per realm ID; batch: "Recommended maximum number of payloads in
  a single batch request is 30", "Throttled at 40 Batch requests per minute, per realm ID
  and app" (each batch request counts against the 500 too); at most 10 requests in flight
  per realm and app ("Applications making more than 10 concurrent ... requests to the
  same realmId will get a 429",
  https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon).
  A query answers at most 1000 rows (``MAXRESULTS``, api-contracts 1.5).
- BILL v3 (https://developer.bill.com/docs/api-rate-limits): 20,000 requests per
  developer key per hour; 3 requests in flight per developer key per organisation. A list
  answers at most 100 ("Set max in your request to get up to 100 results on one page",
  https://developer.bill.com/reference/listvendors). Bulk creates: up to 20 vendors per
  ``POST /v3/vendors/bulk`` (https://developer.bill.com/reference/createbulkvendor), 100
  bills per ``POST /v3/bills/bulk`` (https://developer.bill.com/reference/createbulkbills)
  and 50 vendor credits per ``POST /v3/vendor-credits/bulk``
  (https://developer.bill.com/reference/bulkcreatevendorcredit), each all-or-nothing;
  customers and invoices have none. Updates are counted one request each.

The floor. Per side, the fewest requests the documented limits allow for the same work:
for every entity the side holds, one list request per full page at the largest page
size (at least one, to learn that a list is empty); for every entity written, its
creates in as few requests as the largest documented batch or bulk takes (QuickBooks:
30 per batch, creates and updates alike, the batch's answer being the record, so no
read back; BILL: the bulk caps above, else one request each, updates one each); plus
the requests that open the connection, as made. Those R requests take at least

    t(R) = max( floor((R - 1) / B) * W + T,    the budget: B per window of W seconds
                ceil(R / C) * T,                the in-flight cap C, each request T long
                floor((Rb - 1) / Bb) * Wb + T ) QuickBooks' batch budget, Rb batches

where T = network + service (the server counts a request when it arrives, so request
number k*B may start no sooner than k windows after the first). Both sides run at once,
but nothing is written before both sides are read (the plan decides every write from both
sides whole: matching, references; a sync that wrote an entity as soon as it and what it
refers to were read could go under this floor, by at most the shorter phase), so

    floor = max( max over sides of t(all of the side's requests),
                 max over sides of t(its pull) + max over sides of t(its writes) ).

Beside it the bench prints the same formula over the requests the sync actually made
(``floor at the sync's requests``): the simulated time over that one says how well the
sync paces the requests it sends; that one over the floor, how many more requests it
sends than it needs. The floor lets every page of a list go at once; recontui reads one
list's pages in a chain (each starts where the last ended), so a side whose biggest list
outlasts the others ends on one slot of its cap: that is most of the gap at 1,000,000.
Goal: simulated first sync within 1.2x of the floor, 0 throttling answers (429:
QuickBooks' throttle and BILL's BDC_1322/BDC_1144 alike).
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from recontui.cli import save_sandbox_profile
from recontui.events import Event, Progress
from recontui.model.states import OpKind, OpState
from recontui.run import RunOptions, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.sandbox import InProcessTransport
from recontui.sandbox.simulated import RoundTrip, VirtualTimeLoop, virtual_clock
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets

PASSPHRASE = "bench simulated sync"
GOAL = 1.2


@dataclass(frozen=True)
class Limits:
    """One system's documented limits (see the module's docstring for the pages)."""

    system: str
    side: str
    page: int
    in_flight: int
    budget: int
    window: float
    #: Creates one request may carry, per entity (default 1).
    bulk: dict[str, int] = field(default_factory=dict)
    #: Updates one request may carry (default 1).
    bulk_update: int = 1
    #: A batch budget of its own: (batches, window) (QuickBooks), else None.
    batches: tuple[int, float] | None = None


QBO = Limits("qbo", "b", 1000, 10, 500, 60.0, bulk={"*": 30}, bulk_update=30, batches=(40, 60.0))
BILL = Limits(
    "bill", "a", 100, 3, 20_000, 3600.0, bulk={"vendor": 20, "bill": 100, "vendor_credit": 50}
)
LIMITS = (BILL, QBO)


def span(requests: int, limits: Limits, each: float, batches: int = 0) -> float:
    """The least time ``requests`` (``batches`` of them batch requests) can take."""
    if requests <= 0:
        return 0.0
    times = [
        (requests - 1) // limits.budget * limits.window + each,
        math.ceil(requests / limits.in_flight) * each,
    ]
    if batches and limits.batches:
        most, window = limits.batches
        times.append((batches - 1) // most * window + each)
    return max(times)


@dataclass
class Work:
    """What one side did or had to do: requests by phase, and batch requests."""

    pull: int = 0
    write: int = 0
    other: int = 0
    batches: int = 0


def fewest(limits: Limits, held: dict[str, int], writes: Counter[tuple[str, str]]) -> Work:
    """The fewest requests the documented limits allow for this side's work."""
    work = Work(pull=sum(max(1, math.ceil(n / limits.page)) for n in held.values()))
    for (kind, entity), n in writes.items():
        if kind == OpKind.CREATE:
            per = limits.bulk.get(entity, limits.bulk.get("*", 1))
        else:
            per = limits.bulk_update
        requests = math.ceil(n / per)
        work.write += requests
        if limits.batches and per > 1:
            work.batches += requests
    return work


def floor_of(works: dict[str, Work], each: float) -> tuple[float, dict[str, float]]:
    """The floor of the module's docstring, and each side's own t(all)."""
    alone = {}
    pulls, pushes = [], []
    for limits in LIMITS:
        w = works[limits.system]
        total = w.pull + w.write + w.other
        alone[limits.system] = span(total, limits, each, w.batches)
        pulls.append(span(w.pull + w.other, limits, each))
        pushes.append(span(w.write, limits, each, w.batches))
    return max(max(alone.values()), max(pulls) + max(pushes)), alone


@dataclass
class Simulated:
    size: int
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    exit_code: int = -1
    pulled: int = 0
    #: (system, kind, status, phase) -> requests
    requests: Counter[tuple[str, str, int, str]] = field(default_factory=Counter)
    #: side -> entity -> records read in the pull
    held: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    #: side -> (op kind, entity) -> writes queued
    writes: dict[str, Counter[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    real_seconds: float = 0.0
    seed_seconds: float = 0.0


PULL_KINDS = {"query", "cdc", "list"}
CONNECT_KINDS = {"login", "session", "auth", "info"}
WRITE_PHASES = {"push", "replay"}


def actual(sim: Simulated) -> dict[str, Work]:
    """The requests the sync made, per system: pull (lists in the pull phase), writes
    (everything sent in the push but signing in and out: writes, reads back, look-ups),
    connecting (signing in, tokens, the company's own record, signing out)."""
    works = {limits.system: Work() for limits in LIMITS}
    for (system, kind, _status, phase), n in sim.requests.items():
        if system not in works:
            continue
        w = works[system]
        if kind in CONNECT_KINDS:
            w.other += n
        elif phase == "pull" and kind in PULL_KINDS:
            w.pull += n
        elif phase in WRITE_PHASES:
            w.write += n
        else:
            w.other += n
        if kind == "batch":
            w.batches += n
    return works


def simulate(size: int, network: float, service: float, jitter: float) -> Simulated:
    sim = Simulated(size)
    real = time.perf_counter()
    loop = VirtualTimeLoop()
    config = SandboxConfig(size=size, latency_seconds=service)
    sandbox = Sandbox(config, clock=virtual_clock(loop))
    gc.collect()
    gc.freeze()  # the seeded companies: as `sandbox serve` does
    sim.seed_seconds = time.perf_counter() - real
    phase = ["connect"]
    marks: list[tuple[float, str]] = []
    wire = RoundTrip(sandbox.app, network, jitter=jitter, seed=size, tag=lambda: phase[0])

    def listener(event: Event) -> None:
        if event.phase not in ("start", "http", phase[0]):
            phase[0] = event.phase
            marks.append((loop.time(), event.phase))

    def progress(item: Progress) -> None:
        if item.phase == "pull" and item.entity and item.side and item.total is not None:
            sim.held[item.side][item.entity] = item.total

    with tempfile.TemporaryDirectory(prefix="recontui-sim-") as scratch:
        store = open_store(Path(scratch) / "sim.db")
        secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
        save_sandbox_profile(
            store, argparse.Namespace(), "sim", sandbox.credentials("http://sim"), secrets
        )
        profile = store.get_profile("sim")
        factory = connector_factory(profile, secrets, transport=InProcessTransport(wire))
        started = loop.time()
        real = time.perf_counter()
        try:
            result = loop.run_until_complete(
                run_sync(
                    store,
                    profile,
                    factory,
                    RunOptions(trigger="bench", accept_big_change=True, progress=progress),
                    listener=listener,
                )
            )
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        sim.real_seconds = time.perf_counter() - real
        sim.seconds = loop.time() - started
        sim.exit_code = result.exit_code
        sim.pulled = int(result.counts.get("pulled", 0))
        for op in store.ops(profile.id, tuple(OpState)):
            sim.writes[op.side][(str(op.op), op.entity)] += 1
        store.close()
    ends = [*marks[1:], (started + sim.seconds, "end")]
    for (at, name), (until, _) in zip(marks, ends, strict=False):
        sim.phases[name] = sim.phases.get(name, 0.0) + (until - at)
    sim.requests = wire.counts
    return sim


def report(sim: Simulated, each: float) -> float:
    """Print one size's figures; answer its ratio to the floor."""
    works = actual(sim)
    minimal = {}
    for limits in LIMITS:
        writes = sim.writes.get(limits.side, Counter())
        need = fewest(limits, sim.held.get(limits.side, {}), writes)
        need.other = works[limits.system].other  # connecting: as made
        minimal[limits.system] = need
    floor, alone = floor_of(minimal, each)
    at_sync, _ = floor_of(works, each)
    throttled = sum(n for (_s, _k, status, _p), n in sim.requests.items() if status == 429)
    ratio = sim.seconds / floor
    verdict = "meets it" if ratio <= GOAL and throttled == 0 else "MISSES it"
    print(
        f"size {sim.size:>9,}: simulated first sync {_hms(sim.seconds)}, floor {_hms(floor)}: "
        f"x{ratio:.2f} of the floor with {throttled} throttled (429) "
        f"(goal: <= {GOAL}x with 0: {verdict}); exit {sim.exit_code}",
        flush=True,
    )
    print(
        f"  floor at the sync's own requests {_hms(at_sync)}: simulated / that "
        f"x{sim.seconds / at_sync:.2f} (pacing), that / floor x{at_sync / floor:.2f} "
        f"(requests); real time {sim.real_seconds:.0f} s (seeding {sim.seed_seconds:.0f} s), "
        f"peak RSS {_rss_mb():,} MB"
    )
    phases = "  ".join(f"{k} {_hms(v)}" for k, v in sim.phases.items())
    print(f"  simulated phases: {phases}")
    for limits in LIMITS:
        made, need = works[limits.system], minimal[limits.system]
        print(
            f"  {limits.system:4} requests: pull {made.pull:,} (fewest {need.pull:,}), "
            f"writes {made.write:,} (fewest {need.write:,}), batches {made.batches:,} "
            f"(fewest {need.batches:,}), connecting {made.other:,}; its floor alone "
            f"{_hms(alone[limits.system])}"
        )
        kinds: Counter[str] = Counter()
        for (system, kind, status, phase), n in sim.requests.items():
            if system == limits.system:
                kinds[f"{phase} {kind}" + (f" [{status}]" if status >= 400 else "")] += n
        print(
            "       by phase and kind: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items()))
        )
        queued = sim.writes.get(limits.side, Counter())
        done = ", ".join(f"{k} {e} {n:,}" for (k, e), n in sorted(queued.items()))
        print(f"       records written: {done or 'none'}")
    return ratio


def fits(size: int) -> str | None:
    """Why ``size`` cannot run here (None: it can): both companies and the client's store
    in this process took about 12 KB per record of the size at 100,000."""
    need = size * 12 * 1024
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None
    if need > available * 0.9:
        return (
            f"it needs about {need / 2**30:.1f} GB of memory and {available / 2**30:.1f} GB "
            "is available"
        )
    return None


def _hms(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--network-ms", type=float, default=100.0, help="time on the wire, both ways"
    )
    parser.add_argument(
        "--service-ms", type=float, default=150.0, help="time in the service, in its slot"
    )
    parser.add_argument("--jitter", type=float, default=0.2, help="share each leg varies by")
    args = parser.parse_args(argv)
    network, service = args.network_ms / 1000, args.service_ms / 1000
    each = network + service
    print(
        f"Simulated first sync at the documented limits: {each * 1000:.0f} ms a request "
        f"({args.network_ms:.0f} ms network, each leg +-{args.jitter:.0%}; "
        f"{args.service_ms:.0f} ms in the service: assumptions, see the docstring)",
        flush=True,
    )
    for size in (int(s) for s in args.sizes.split(",")):
        reason = fits(size)
        if reason is not None:
            print(f"size {size:>9,}: skipped: {reason}", flush=True)
            continue
        sim = simulate(size, network, service, args.jitter)
        report(sim, each)
        del sim
        gc.unfreeze()
        gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
