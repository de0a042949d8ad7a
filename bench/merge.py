"""Benchmark: the merge stage against parsing the same records from JSON.

    python bench/merge.py [--n 1000000] [--changed-a 0.05] [--changed-b 0.05]
                          [--both 0.02] [--conflicting 0.01] [--chunk 50000]

Generates N linked customer pairs (base, a, b as canonical dicts), serialised
the way the store holds them (``recontui.model.codec.dumps``). For each chunk it
times ``orjson.loads`` of the three records of every pair, then
``merge_record`` over the parsed pairs (default policy), so the merge sees
fresh objects exactly as the runner would. Chunks keep the peak memory flat.
Each Merge is consumed as it is made, as the runner does; ``--keep-results``
keeps a chunk's Merges alive instead, which mostly measures Python's cyclic
garbage collector walking them.

Target: merge <= 3x parse, peak RSS < 2 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from recontui.engine import Merge, Policy, merge_record
from recontui.model import ENTITIES
from recontui.model.codec import dumps

CUSTOMER = ENTITIES["customer"]
FIELDS = CUSTOMER.synced_fields
TEXT_FIELDS = ("name", "company_name", "email", "phone", "address_line1", "city")
CITIES = ("Springfield", "Shelbyville", "Capital City", "Ogdenville", "North Haverbrook")


@dataclass
class Tally:
    pairs: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    writes_a: int = 0
    writes_b: int = 0
    conflicts: int = 0
    parse_s: float = 0.0
    merge_s: float = 0.0
    keep: bool = False


def base_record(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "name": f"Customer {i}",
        "company_name": f"Company {i // 3} LLC",
        "email": f"ap{i}@customer{i}.example",
        "phone": f"+1 555 {i % 10_000:04d}",
        "address_line1": f"{i % 997 + 1} Main St",
        "city": rng.choice(CITIES),
        "region": "IL",
        "postal_code": f"{60000 + i % 5000}",
        "country": "US",
        "currency": "USD",
        "active": True,
    }


def changed(record: dict[str, Any], name: str, tag: str) -> dict[str, Any]:
    """A real change (a phone's normaliser keeps only digits, so it gets digits)."""
    if name == "phone":
        return {**record, name: f"{record[name]}{len(tag)}"}
    return {**record, name: f"{record[name]} {tag}"}


def cosmetic(record: dict[str, Any]) -> dict[str, Any]:
    """A change the normalisers see through (case and spacing of the name)."""
    return {**record, "name": "  " + record["name"].upper()}


def pairs(args: argparse.Namespace, tally: Tally) -> Iterator[tuple[dict, dict, dict]]:
    rng = random.Random(args.seed)
    bounds = (
        ("conflicting", args.conflicting),
        ("both", args.both),
        ("changed_a", args.changed_a),
        ("changed_b", args.changed_b),
    )
    for i in range(args.n):
        base = base_record(i, rng)
        a, b = base, base
        roll = rng.random()
        kind = "untouched"
        for name, share in bounds:
            if roll < share:
                kind = name
                break
            roll -= share
        fld = rng.choice(TEXT_FIELDS)
        if kind == "conflicting":
            a, b = changed(base, fld, "(billing)"), changed(base, fld, "(ledger)")
        elif kind == "both":
            a = b = changed(base, fld, "(both)")
        elif kind == "changed_a":
            # One one-sided change in five is cosmetic: it must write nothing.
            a = cosmetic(base) if rng.random() < 0.2 else changed(base, fld, "(billing)")
            kind = "cosmetic" if a["name"].startswith("  ") else kind
        elif kind == "changed_b":
            b = cosmetic(base) if rng.random() < 0.2 else changed(base, fld, "(ledger)")
            kind = "cosmetic" if b["name"].startswith("  ") else kind
        tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
        yield base, a, b


def run_chunk(blobs: list[bytes], policy: Policy, tally: Tally) -> None:
    loads = orjson.loads
    start = time.perf_counter()
    parsed = [loads(blob) for blob in blobs]
    tally.parse_s += time.perf_counter() - start

    triples = list(zip(parsed[0::3], parsed[1::3], parsed[2::3], strict=True))
    # The runner consumes each merge (conflicts and outbox ops into SQLite) as it
    # goes; the timed loop does the same with counters rather than keeping a
    # million Merge objects alive.
    writes_a = writes_b = conflicts = 0
    kept: list[Merge] = []
    keep = kept.append if tally.keep else None
    start = time.perf_counter()
    for base, a, b in triples:
        m = merge_record(CUSTOMER, FIELDS, base, a, b, policy)
        if keep is not None:
            keep(m)
        if m.to_a:
            writes_a += len(m.to_a)
        if m.to_b:
            writes_b += len(m.to_b)
        if m.conflicts:
            conflicts += len(m.conflicts)
    tally.merge_s += time.perf_counter() - start
    tally.writes_a += writes_a
    tally.writes_b += writes_b
    tally.conflicts += conflicts
    tally.pairs += len(triples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--changed-a", type=float, default=0.05)
    parser.add_argument("--changed-b", type=float, default=0.05)
    parser.add_argument("--both", type=float, default=0.02)
    parser.add_argument("--conflicting", type=float, default=0.01)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep-results",
        action="store_true",
        help="keep every Merge of a chunk alive while timing (shows the garbage collector's toll)",
    )
    args = parser.parse_args(argv)

    policy = Policy()
    tally = Tally(keep=args.keep_results)
    blobs: list[bytes] = []
    wall = time.perf_counter()
    for base, a, b in pairs(args, tally):
        # Serialised outside the timings, as the store holds them.
        blobs += (dumps(base).encode(), dumps(a).encode(), dumps(b).encode())
        if len(blobs) >= 3 * args.chunk:
            run_chunk(blobs, policy, tally)
            blobs = []
    if blobs:
        run_chunk(blobs, policy, tally)
    wall = time.perf_counter() - wall

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    ratio = tally.merge_s / tally.parse_s if tally.parse_s else float("inf")
    kinds = ", ".join(f"{k}={v}" for k, v in sorted(tally.kinds.items()))
    expected_a = tally.kinds.get("changed_b", 0)
    expected_b = tally.kinds.get("changed_a", 0)
    print(f"pairs            {tally.pairs:,}  ({kinds})")
    per_pair = 1e6 / tally.pairs
    print(f"merge            {tally.merge_s:8.2f} s  ({tally.merge_s * per_pair:.2f} us/pair)")
    print(f"parse (orjson)   {tally.parse_s:8.2f} s  ({tally.parse_s * per_pair:.2f} us/pair)")
    print(f"ratio            {ratio:8.2f}  (target <= 3)")
    print(f"peak memory      {peak_mb:8.0f} MB (target < 2048)")
    print(f"writes to a      {tally.writes_a:,} (expected {expected_a:,})")
    print(f"writes to b      {tally.writes_b:,} (expected {expected_b:,})")
    print(f"conflicts        {tally.conflicts:,} (expected {tally.kinds.get('conflicting', 0):,})")
    print(f"wall (incl. gen) {wall:8.2f} s")
    sane = (
        tally.writes_a == expected_a
        and tally.writes_b == expected_b
        and tally.conflicts == tally.kinds.get("conflicting", 0)
    )
    if not sane:
        print("SANITY CHECK FAILED: counts differ from what was generated", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
