"""Benchmark: matching as the company grows: exact keys (engine/match.py) and the
near-duplicate search (engine/fuzzy.py).

    python bench/match.py [--sizes 1000,10000,100000] [--changed 200]

For each size N it times ``match_records`` on N customers per side that all pair (half by
e-mail, the rest by name), then builds N unmatched customers per side (numbered names, so
none is a twin, plus one planted pair) and times ``find_twins`` in one process:

- *changed*: only ``--changed`` records per side changed since the last run (what a
  daily sync sees); cost should grow linearly with N (each changed record is scored
  against the whole other side in C++),
- *all pairs* at N up to 10,000: every record looks for twins (a first sync); this is
  N x N by nature and is printed to show it.

Figures are ratios measured in this one run (the machine is shared and noisy), plus the
seconds they come from.
"""

from __future__ import annotations

import argparse
import random
import time

from recontui.engine.fuzzy import find_twins
from recontui.engine.match import Candidate, match_records
from recontui.model import ENTITIES

CUSTOMER = ENTITIES["customer"]
FIRST = ["Blue", "Golden", "Silver", "Maple", "Cedar", "Harbor", "Summit", "Quiet"]
SECOND = ["Fern", "Oak", "River", "Bay", "Lantern", "Anchor", "Sparrow", "Meadow"]
KINDS = ["Studio", "Cafe", "Bakery", "Dental", "Books", "Florist", "Market", "Salon"]


def customers(rng: random.Random, n: int, start: int) -> list[Candidate]:
    return [
        Candidate(
            start + i,
            {
                "name": f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(KINDS)} {start + i}",
                "email": f"ap{start + i}@example{start + i}.test",
                "phone": f"(503) 555-{rng.randint(0, 9999):04d}",
            },
        )
        for i in range(n)
    ]


def timed(a: list[Candidate], b: list[Candidate], changed: set[int] | None) -> tuple[float, dict]:
    start = time.perf_counter()
    out = find_twins(CUSTOMER, a, b, involving=changed)
    return time.perf_counter() - start, out


def exact(n: int) -> float:
    a = [
        Candidate(i, {"name": f"Customer {i}", "email": f"c{i}@x.test" if i % 2 else None})
        for i in range(n)
    ]
    b = [
        Candidate(n + i, {"name": f"CUSTOMER  {i}", "email": f"C{i}@x.test" if i % 3 else None})
        for i in range(n)
    ]
    start = time.perf_counter()
    result = match_records(CUSTOMER, a, b)
    seconds = time.perf_counter() - start
    assert len(result.pairs) == n
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--changed", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    previous: tuple[int, float] | None = None
    print(f"{'N per side':>11} {'exact s':>8} {'changed s':>10} {'growth':>8} {'all pairs s':>12}")
    for n in (int(x) for x in args.sizes.split(",")):
        a, b = customers(rng, n, 0), customers(rng, n, 10_000_000)
        a.append(Candidate(-1, {"name": "Northwind Traders, Inc."}))
        b.append(Candidate(-2, {"name": "Northwind Traders Inc"}))
        changed = {c.key for c in a[: args.changed]} | {c.key for c in b[: args.changed]} | {-1}
        seconds, found = timed(a, b, changed)
        assert [t.b for t in found[-1]] == [-2], "the planted pair must be found"
        growth = ""
        if previous is not None:
            growth = f"x{seconds / previous[1]:.1f}/x{n / previous[0]:.0f}"
        every = ""
        if n <= 10_000:
            every = f"{timed(a, b, None)[0]:.2f}"
        print(f"{n:>11,} {exact(n):>8.2f} {seconds:>10.2f} {growth:>8} {every:>12}")
        previous = (n, seconds)


if __name__ == "__main__":
    main()
