"""Benchmark: a full QBO pull through the rate governor, against a rate-limited stand-in.

    python bench/pull.py [--size 200000] [--page 100] [--in-flight 10] [--window 10]
                         [--budget N | --share 0.6] [--no-compare]

Seeds a QBO company of ``--size`` records (``SandboxConfig.size``) and serves it over
real loopback (``RunningSandbox``) with QBO's limits scaled to this machine:
``--in-flight`` requests at once and ``--budget`` requests per ``--window`` seconds.
Without ``--budget`` the budget is ``--share`` of the request rate a short unpaced burst
reaches here: the burst's requests are cheaper than the whole pull's (the big entities
have the heavier records), and a budget the machine cannot serve would measure the
machine, not the governor. Then it pulls every entity, all at once, through the real QBO
connector (``connector.pull``) with the connector's governor set to the same limits, and
prints: requests made, elapsed time, the achieved request rate as a share of the ceiling
(budget / window), the 429s the stand-in sent, and records per second. The same pull
follows with the governor off (``--no-compare`` skips it).

Targets: achieved >= 90% of the ceiling, 0 x 429 with the governor. The machine is
shared and noisy: compare the ratios of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from recontui.connectors import ConnectorError, QboConnector
from recontui.model.entities import ORDER
from recontui.sandbox import RunningSandbox, Sandbox, SandboxConfig
from recontui.sandbox.limits import ConcurrencyLimiter, WindowBudget
from recontui.sandbox.sandbox import QBO_ENTITIES
from recontui.wiring import HeldSecrets


@dataclass
class Pull:
    label: str
    records: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    waits: int = 0
    elapsed: float = 0.0
    error: str = ""
    served: int = 0
    throttled: int = 0
    peak_in_flight: int = 0
    #: When each request went out (perf_counter), from the connector's request events.
    starts: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def on_event(self, level: str, message: str, data: Any) -> None:
        if level == "debug" and "status" in data and "duration_ms" in data:  # one per answer
            status = int(data["status"])
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.starts.append(time.perf_counter() - data["duration_ms"] / 1000)
        if "rate_waits" in data:
            self.waits += int(data["rate_waits"])


def rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def arm(sandbox: Sandbox, in_flight: int, budget: int | None, window: float) -> None:
    """Fresh stand-in limits (and counters) for the next pull."""
    sandbox.qbo.limiter = ConcurrencyLimiter(in_flight)
    sandbox.qbo.budget = WindowBudget(budget, window, sandbox.clock.now)


async def pull_all(
    running: RunningSandbox,
    pull: Pull,
    *,
    page: int,
    in_flight: int,
    budget: int | None,
    window: float,
    stop_after: float | None = None,
) -> Pull:
    """Every QBO entity at once through the connector; after ``stop_after`` seconds each
    entity stops at the end of its current page."""
    creds = running.credentials()["qbo"]
    settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
    settings.update(
        max_in_flight=str(in_flight),
        rate_limit=str(budget) if budget else "off",
        rate_window_seconds=str(window),
    )
    secrets = HeldSecrets({k: creds[k] for k in ("client_id", "client_secret", "refresh_token")})
    connector = QboConnector(settings, secrets, on_event=pull.on_event, page_size=page)
    entities = [e for e in ORDER if connector.supports(e)]

    began = time.perf_counter()
    deadline = began + stop_after if stop_after is not None else None

    async def drain(entity: str) -> None:
        async for got in connector.pull(entity, None):
            pull.records += len(got.records)
            if deadline is not None and time.perf_counter() > deadline:
                return

    governors: tuple[Any, ...] = ()
    try:
        async with connector:
            governors = connector.http.governors
            await asyncio.gather(*(drain(e) for e in entities))
    except ConnectorError as exc:
        pull.error = str(exc)
    pull.peak_in_flight = max((g.peak_in_flight for g in governors), default=0)
    pull.elapsed = time.perf_counter() - began
    qbo = running.sandbox.qbo
    pull.served = qbo.budget.granted
    pull.throttled = qbo.budget.rejected + qbo.limiter.rejected
    return pull


def report(pull: Pull, budget: int, window: float) -> None:
    ceiling = budget / window
    rate = pull.requests / pull.elapsed if pull.elapsed else 0.0
    print(f"\n{pull.label}")
    print(f"  requests made        {pull.requests:,} (stand-in served {pull.served:,})")
    print(f"  elapsed              {pull.elapsed:.1f} s")
    print(
        f"  achieved rate        {rate:.2f} req/s = {rate / ceiling:.0%} of the ceiling "
        f"({budget:,} per {window:g} s = {ceiling:.2f} req/s)"
    )
    print(f"  429s received        {pull.throttled:,} (answers by status: {pull.statuses})")
    if pull.elapsed > window and pull.starts:
        # After the first window the budget is a steady rate; the first allows a burst.
        first = min(pull.starts)
        later = sorted(s for s in pull.starts if s >= first + window)
        if len(later) > 1:
            steady = (len(later) - 1) / (later[-1] - later[0])
            print(
                f"  after the 1st window {steady:.2f} req/s = {steady / ceiling:.0%} of the "
                f"ceiling ({pull.elapsed / window:.1f} windows in all)"
            )
    print(f"  records pulled       {pull.records:,} = {pull.records / pull.elapsed:,.0f} per s")
    print(f"  most in flight       {pull.peak_in_flight} (the connector's governor)")
    if pull.waits:
        print(f"  governor waits       {pull.waits:,} requests waited for their turn")
    if pull.error:
        print(f"  pull failed:         {pull.error}")


async def main(args: argparse.Namespace) -> int:
    seeded = time.perf_counter()
    cpu = time.process_time()
    config = SandboxConfig(size=args.size, qbo_max_concurrent=args.in_flight)
    sandbox = Sandbox(config)
    records = sum(sandbox.qbo_company.count(n) for n in QBO_ENTITIES)
    print(
        f"seeded {records:,} QBO records (size {args.size:,}) in "
        f"{time.perf_counter() - seeded:.1f} s wall, {time.process_time() - cpu:.1f} s CPU; "
        f"peak RSS {rss_mb():,} MB"
    )
    with RunningSandbox(sandbox=sandbox) as running:
        budget = args.budget
        if budget is None:
            arm(sandbox, args.in_flight, None, args.window)
            probe = await pull_all(
                running,
                Pull("calibration"),
                page=args.page,
                in_flight=args.in_flight,
                budget=None,
                window=args.window,
                stop_after=args.calibrate,
            )
            rate = probe.requests / probe.elapsed
            budget = max(1, int(args.share * rate * args.window))
            print(
                f"unpaced burst: {rate:.1f} req/s over {probe.elapsed:.0f} s -> budget "
                f"{budget:,} per {args.window:g} s ({args.share:.0%})"
            )
        runs = [("governor on", budget)]
        if args.compare:
            runs.append(("governor off", None))
        for label, governed in runs:
            arm(sandbox, args.in_flight, budget, args.window)
            pull = await pull_all(
                running,
                Pull(f"{label}: {args.in_flight} in flight, pages of {args.page}"),
                page=args.page,
                in_flight=args.in_flight,
                budget=governed,
                window=args.window,
            )
            report(pull, budget, args.window)
    print(f"\npeak RSS {rss_mb():,} MB")
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", type=int, default=200_000, help="records per side to seed")
    p.add_argument("--page", type=int, default=100, help="records per page (1..1000)")
    p.add_argument("--in-flight", type=int, default=10, help="requests at once (QBO: 10)")
    p.add_argument("--window", type=float, default=10.0, help="budget window, s (QBO: 60)")
    p.add_argument("--budget", type=int, default=None, help="requests per window")
    p.add_argument(
        "--share", type=float, default=0.6, help="without --budget: this share of a burst's rate"
    )
    p.add_argument("--calibrate", type=float, default=10.0, help="seconds of unpaced burst")
    p.add_argument("--no-compare", dest="compare", action="store_false", help="skip governor off")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
