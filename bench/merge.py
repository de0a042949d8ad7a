"""Benchmark: the merge against the store's own decoder and against a table-compare library.

    python bench/merge.py [--n 10000,100000,1000000] [--chunk 10000] [--seed 1]
                          [--changed-a 0.30] [--changed-b 0.30] [--moved 0.10] [--both 0.05]
                          [--conflicting 0.05] [--touched 0.20] [--untouched 0]
                          [--no-library] [--keep-db DIR]

For each size N (each in a process of its own, so each peak RSS is its own):

1. **The records, as the store holds them.** N linked customer pairs: the BILL record and
   the QuickBooks record as the connectors map them (every field each system maps, the
   day it was created as a date, a sub-customer's parent as a remote reference), and the
   base both last agreed on. They are written to a real SQLite file opened by the store
   (``open_store``: its schema and pragmas), laid out as ``store/pulled.py`` lays them out:
   a ``links`` row per pair (state paired, each side's fields as ``codec.dumps`` text,
   ``dirty`` bits of the sides that changed) and a ``bases`` row. The rows are inserted in
   bulk (``store_pulled`` and ``set_base`` row by row take minutes at 1M: same rows).

2. **The merge.** Keyset pages of ``--chunk`` links (the runner's ``links_to_merge``
   condition) joined to their bases are read back, and timed separately, in CPU seconds:
   *sqlite* (the rows fetched), *decoder* (``recontui.model.codec.loads``, the store's own,
   of the three texts of each pair), *project* (each side's record to the synced fields, as
   ``RunContext.side_fields`` does) and *merge* (``merge_record``, default policy, every
   pair; each Merge consumed as the runner does). ``orjson.loads`` of the same texts is
   printed as a yardstick (fast, but floats and no tags).

3. **The library, on the same tables.** datacompy (``PandasCompare``, pandas) compares the
   base table with the BILL table and with the QuickBooks table (the same N pairs and
   synced fields, built from the same decoded records: *frames*, timed apart), ignoring
   case and the spaces around values as the merge's normalisers do, and then names, per
   pair, the fields that changed on each side: the merge's comparison, with the merge's
   decisions left out. Its answer is checked against what was generated, pair by pair.

The mix is that of the pairs a delta run merges (``links_to_merge``: only links a pull
marked dirty): each has a new version on at least one side. Most carry a real change to
one field (one in five only in case and spacing, which must write nothing); some a moved
address (three fields); some the same change on both sides, or different ones (a
conflict); and *touched* ones a new version whose synced fields did not change (QuickBooks
counts any edit, e.g. a customer's type). ``--untouched`` adds pairs no one changed (a
first run after matching reads more of those). Merge and library see the same pairs: the
merge may not skip a pair the library compares, nor the library one the merge reads.

Goals: merge <= 3x the decoder; merge <= 0.5x the library. Growth: each phase's cost per
pair at each size (super-linear is a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from recontui.engine import Policy, merge_record
from recontui.model import ENTITIES
from recontui.model.codec import dumps, loads
from recontui.model.refs import RemoteRef
from recontui.model.states import LinkState
from recontui.store import open_store

CUSTOMER = ENTITIES["customer"]
#: The synced set of a BILL + QuickBooks profile (both connectors map them: no currency,
#: which BILL does not hold on a customer, no parent, which is QuickBooks' alone).
FIELDS = tuple(
    f
    for f in CUSTOMER.synced_fields
    if f.name
    in {
        "name",
        "company_name",
        "email",
        "phone",
        "address_line1",
        "city",
        "region",
        "postal_code",
        "country",
        "active",
    }
)
NAMES = tuple(f.name for f in FIELDS)
TEXT_FIELDS = ("name", "company_name", "email", "phone", "address_line1", "city")
ADDRESS = ("address_line1", "city", "postal_code")
CITIES = ("Springfield", "Shelbyville", "Capital City", "Ogdenville", "North Haverbrook")
KINDS = ("changed_a", "changed_b", "moved", "both", "conflicting", "touched", "untouched")
#: The goals of issue 15: merge <= 3x the store's decoder, <= 0.5x the library.
GOAL_DECODER = 3.0
GOAL_LIBRARY = 0.5
STAMP = "2026-01-05T10:00:00+00:00"


# -- the records ------------------------------------------------------------------------------


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
        "active": True,
    }


def bill_side(base: dict[str, Any], i: int) -> dict[str, Any]:
    """As ``bill_map.from_bill`` maps a customer: its fields, the day it was created."""
    return {**base, "created": dt.date(2024, 1, 1) + dt.timedelta(days=i % 700), "type": None}


def qbo_side(base: dict[str, Any], i: int) -> dict[str, Any]:
    """As ``qbo_map.from_qbo`` maps one: currency, parent (a sub-customer in 20), type."""
    parent = RemoteRef("customer", str(i // 20 + 1)) if i % 20 == 7 else None
    return {
        **base,
        "currency": "USD",
        "parent": parent,
        "type": "Retail" if i % 3 == 0 else None,
        "created": dt.date(2024, 1, 1) + dt.timedelta(days=i % 700),
    }


def changed(record: dict[str, Any], name: str, tag: str) -> dict[str, Any]:
    """A real change (a phone's normaliser keeps only digits, so it gets digits)."""
    if name == "phone":
        return {**record, name: f"{record[name]}{len(tag)}"}
    return {**record, name: f"{record[name]} {tag}"}


def cosmetic(record: dict[str, Any]) -> dict[str, Any]:
    """A change the normalisers see through (case and the spaces around the name)."""
    return {**record, "name": "  " + record["name"].upper()}


@dataclass
class Truth:
    """What was generated, per pair: its kind and the fields each side really changed."""

    kinds: dict[str, int] = field(default_factory=dict)
    changed: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    def add(self, kind: str, a: tuple[str, ...], b: tuple[str, ...]) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.changed.append((a, b))


def pick(shares: dict[str, float], roll: float) -> str:
    for kind, share in shares.items():
        if roll < share:
            return kind
        roll -= share
    return "untouched"


def pairs(n: int, seed: int, shares: dict[str, float], truth: Truth) -> Iterator[tuple[Any, ...]]:
    """(base, bill record, QuickBooks record, dirty bits) per pair, the truth kept aside."""
    rng = random.Random(seed)
    for i in range(n):
        base = base_record(i, rng)
        a, b = base, base
        kind = pick(shares, rng.random())
        fld = rng.choice(TEXT_FIELDS)
        a_changed: tuple[str, ...] = ()
        b_changed: tuple[str, ...] = ()
        if kind == "conflicting":
            a, b = changed(base, fld, "(billing)"), changed(base, fld, "(ledger)")
            a_changed = b_changed = (fld,)
        elif kind == "both":
            a = b = changed(base, fld, "(both)")
            a_changed = b_changed = (fld,)
        elif kind == "moved":
            moved = base
            for name in ADDRESS:
                moved = changed(moved, name, "(moved)")
            if rng.random() < 0.5:
                a, a_changed, kind = moved, ADDRESS, "moved_a"
            else:
                b, b_changed, kind = moved, ADDRESS, "moved_b"
        elif kind in ("changed_a", "changed_b"):
            one = cosmetic(base) if rng.random() < 0.2 else changed(base, fld, f"({kind})")
            real = () if one["name"].startswith("  ") else (fld,)
            if kind == "changed_a":
                a, a_changed = one, real
            else:
                b, b_changed = one, real
            kind = kind if real else "cosmetic"
        truth.add(kind, tuple(sorted(a_changed)), tuple(sorted(b_changed)))
        qbo = qbo_side(b, i)
        if kind == "touched":
            qbo["type"] = "Wholesale"  # an unsynced field: a new version, nothing to merge
        dirty = (1 if a is not base else 0) | (2 if b is not base or kind == "touched" else 0)
        if kind == "untouched":
            dirty = 1  # read again (an overlap, a first run): nothing changed
        yield base, bill_side(a, i), qbo, dirty


LINKS = (
    "INSERT INTO links (id, profile_id, entity, state, a_id, a_version, a_fields, a_updated_at, "
    "b_id, b_version, b_fields, b_updated_at, dirty, created_at, updated_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
BASES = (
    "INSERT INTO bases (link_id, fields, a_version, b_version, agreed_at, run_id) "
    "VALUES (?,?,?,?,?,NULL)"
)


def write_store(path: Path, args: argparse.Namespace, truth: Truth) -> int:
    """The pairs in a store's database file, 10,000 at a time; returns the profile id."""
    store = open_store(path)
    pid = store.save_profile("bench", "bill", "qbo", {}, {}).id
    now = dt.datetime.now(dt.UTC).isoformat()
    shares = {k: getattr(args, k) for k in KINDS}
    links: list[tuple[Any, ...]] = []
    bases: list[tuple[Any, ...]] = []

    def flush() -> None:
        with store.transaction() as conn:
            conn.executemany(LINKS, links)
            conn.executemany(BASES, bases)
        links.clear()
        bases.clear()

    for i, (base, a, b, dirty) in enumerate(pairs(args.n, args.seed, shares, truth), 1):
        a_side = (f"0c{i}", STAMP, dumps(a), STAMP)
        b_side = (f"{i}", "3", dumps(b), STAMP)
        links.append((i, pid, "customer", LinkState.PAIRED, *a_side, *b_side, dirty, now, now))
        bases.append((i, dumps(base), STAMP, "3", now))
        if len(links) >= 10_000:
            flush()
    flush()
    store.close()
    return pid


# -- the merge ----------------------------------------------------------------------------------

#: The runner's links_to_merge condition (paired, dirty), joined to each link's base.
READ = (
    "SELECT l.id, l.a_fields, l.b_fields, b.fields FROM links l "
    "LEFT JOIN bases b ON b.link_id = l.id "
    "WHERE l.profile_id = ? AND l.entity = ? AND l.state = ? AND l.dirty != 0 AND l.id > ? "
    "ORDER BY l.id LIMIT ?"
)


@dataclass
class Figures:
    n: int = 0
    pairs: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    writes_a: int = 0
    writes_b: int = 0
    conflicts: int = 0
    library_pairs: int = 0
    library_ok: bool = True
    mix: dict[str, int] = field(default_factory=dict)
    expected: list[int] = field(default_factory=list)
    peak_mb: int = 0

    def add(self, phase: str, seconds: float) -> None:
        self.cpu[phase] = self.cpu.get(phase, 0.0) + seconds


@contextlib.contextmanager
def timed(figures: Figures, phase: str) -> Iterator[None]:
    """The CPU seconds of the block, added to ``phase``."""
    start = time.process_time()
    yield
    figures.add(phase, time.process_time() - start)


def project(record: dict[str, Any]) -> dict[str, Any]:
    """A side's stored record as the merge gets it: the synced fields (side_fields)."""
    return {name: record.get(name) for name in NAMES}


class Columns:
    """The library's tables, grown chunk by chunk from the same projected records."""

    def __init__(self) -> None:
        self.frames: list[tuple[Any, ...]] = []

    def add(self, ids: list[int], triples: list[tuple[dict, dict, dict]]) -> None:
        import pandas as pd

        cols = [{name: [t[k][name] for t in triples] for name in NAMES} for k in range(3)]
        self.frames.append(tuple(pd.DataFrame({"id": ids, **c}) for c in cols))

    def tables(self) -> tuple[Any, Any, Any]:
        import pandas as pd

        out = tuple(pd.concat([f[k] for f in self.frames], ignore_index=True) for k in range(3))
        self.frames = []
        return out  # type: ignore[return-value]


def merge_phase(
    path: Path, pid: int, chunk: int, figures: Figures, columns: Columns | None
) -> None:
    store = open_store(path)
    conn = store.db.conn
    policy = Policy()
    after = 0
    gc.collect()
    gc.freeze()  # the generator's leftovers are not the merge's garbage to walk
    while True:
        with timed(figures, "sqlite"):
            rows = conn.execute(READ, (pid, "customer", LinkState.PAIRED, after, chunk)).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        with timed(figures, "decoder"):
            decoded = [(loads(c), loads(a), loads(b)) for _, a, b, c in rows]
        with timed(figures, "orjson"):  # each parsed and dropped: the parse alone
            for _, a, b, c in rows:
                orjson.loads(a), orjson.loads(b), orjson.loads(c)
        with timed(figures, "project"):
            triples = [(base, project(a), project(b)) for base, a, b in decoded]
        del decoded
        with timed(figures, "merge"):
            counts = merge_all(triples, policy)
        figures.writes_a += counts[0]
        figures.writes_b += counts[1]
        figures.conflicts += counts[2]
        figures.pairs += len(triples)
        if columns is not None:
            with timed(figures, "frames"):
                columns.add([row[0] for row in rows], triples)
    gc.unfreeze()
    store.close()


def merge_all(triples: list[tuple[dict, dict, dict]], policy: Policy) -> tuple[int, int, int]:
    """merge_record over every pair, each Merge consumed as the runner consumes it (its
    writes and conflicts into SQLite; here into counters), none kept alive."""
    writes_a = writes_b = conflicts = 0
    for base, a, b in triples:
        m = merge_record(CUSTOMER, FIELDS, base, a, b, policy)
        if m.to_a:
            writes_a += len(m.to_a)
        if m.to_b:
            writes_b += len(m.to_b)
        if m.conflicts:
            conflicts += len(m.conflicts)
    return writes_a, writes_b, conflicts


# -- the library --------------------------------------------------------------------------------


def library_phase(columns: Columns, truth: Truth, figures: Figures) -> None:
    import datacompy
    import numpy as np

    with timed(figures, "frames"):
        base, a, b = columns.tables()
    gc.collect()

    def compare(other: Any) -> dict[int, tuple[str, ...]]:
        """The fields that changed from the base, per pair (pairs with none left out)."""
        result = datacompy.PandasCompare(
            base, other, join_columns="id", ignore_spaces=True, ignore_case=True
        )
        rows = result.intersect_rows
        differs = np.column_stack([~rows[f"{name}_match"].to_numpy(dtype=bool) for name in NAMES])
        ids = rows["id"].to_numpy()
        names = np.array(NAMES)
        return {
            int(ids[r]): tuple(sorted(names[differs[r]].tolist()))
            for r in np.flatnonzero(differs.any(axis=1))
        }

    with timed(figures, "library"):
        changed_a = compare(a)
        changed_b = compare(b)
    figures.library_pairs = len(base)
    for link_id, (want_a, want_b) in enumerate(truth.changed, 1):
        if changed_a.get(link_id, ()) != want_a or changed_b.get(link_id, ()) != want_b:
            figures.library_ok = False
            print(
                f"library disagrees on pair {link_id}: a {changed_a.get(link_id)} "
                f"(want {want_a}), b {changed_b.get(link_id)} (want {want_b})",
                file=sys.stderr,
            )
            break


# -- one size -------------------------------------------------------------------------------------


def run_size(args: argparse.Namespace) -> Figures:
    truth = Truth()
    figures = Figures(n=args.n)
    with tempfile.TemporaryDirectory(dir=args.keep_db) as tmp:
        path = Path(tmp) / "bench.db"
        pid = write_store(path, args, truth)
        figures.mix = dict(truth.kinds)
        figures.expected = expected(truth.kinds)
        columns = None if args.no_library else Columns()
        merge_phase(path, pid, args.chunk, figures, columns)
        if columns is not None:
            library_phase(columns, truth, figures)
    figures.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return figures


def expected(mix: dict[str, int]) -> list[int]:
    """The writes to each side and the conflicts the generated pairs call for."""
    moved = len(ADDRESS)
    return [
        mix.get("changed_b", 0) + moved * mix.get("moved_b", 0),
        mix.get("changed_a", 0) + moved * mix.get("moved_a", 0),
        mix.get("conflicting", 0),
    ]


def report(all_figures: list[Figures], library: bool) -> int:
    ok = True
    first = all_figures[0]
    print(f"mix (each size): {describe_mix(first)}")
    for f in all_figures:
        per = 1e6 / f.pairs
        cpu = f.cpu
        print(f"\n{f.n:,} pairs (peak RSS {f.peak_mb:,} MB)")
        print(f"  {'phase':34} {'CPU s':>8} {'us/pair':>9}")
        phases = (
            ("sqlite (rows fetched)", "sqlite"),
            ("orjson.loads (yardstick)", "orjson"),
            ("decoder (codec.loads, the store's)", "decoder"),
            ("project (to the synced fields)", "project"),
            ("merge (merge_record)", "merge"),
            ("frames (the library's tables)", "frames"),
            ("library (datacompy, both sides)", "library"),
        )
        for words, key in phases:
            if key in cpu:
                print(f"  {words:34} {cpu[key]:8.2f} {cpu[key] * per:9.2f}")
        ratio = cpu["merge"] / cpu["decoder"]
        print(f"  merge / decoder  {ratio:6.2f}  {verdict(ratio, GOAL_DECODER)}")
        if library and "library" in cpu:
            lib = cpu["merge"] / cpu["library"]
            print(f"  merge / library  {lib:6.2f}  {verdict(lib, GOAL_LIBRARY)}")
            whole = (cpu["merge"] + cpu["project"]) / (cpu["library"] + cpu["frames"])
            print(f"  merge + project / library + frames  {whole:6.2f}  (their inputs included)")
        sane = [f.writes_a, f.writes_b, f.conflicts] == f.expected
        print(
            f"  writes to a {f.writes_a:,}, to b {f.writes_b:,}, conflicts {f.conflicts:,} "
            f"({'as generated' if sane else f'EXPECTED {f.expected}'})"
        )
        if library and "library" in cpu:
            print(f"  library: {'every pair as generated' if f.library_ok else 'DISAGREES'}")
        ok = ok and sane and (f.library_ok or not library)
    if len(all_figures) > 1:
        print("\ngrowth per pair against the smallest size (super-linear is a bug):")
        for key in ("sqlite", "decoder", "merge", "library"):
            if key in first.cpu:
                base = first.cpu[key] / first.pairs
                steps = ", ".join(
                    f"{f.n:,}: {f.cpu[key] / f.pairs / base:.2f}x" for f in all_figures[1:]
                )
                print(f"  {key:8} {steps}")
    if not ok:
        print("SANITY CHECK FAILED: counts differ from what was generated", file=sys.stderr)
    return 0 if ok else 1


def verdict(ratio: float, goal: float) -> str:
    return f"(goal <= {goal:g}) {'met' if ratio <= goal else 'MISSED'}"


def describe_mix(f: Figures) -> str:
    total = sum(f.mix.values())
    return ", ".join(
        f"{kind} {count / total:.0%}"
        for kind, count in sorted(f.mix.items(), key=lambda kv: -kv[1])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="10000,100000,1000000", help="sizes, comma separated")
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--changed-a", type=float, default=0.30)
    parser.add_argument("--changed-b", type=float, default=0.30)
    parser.add_argument("--moved", type=float, default=0.10)
    parser.add_argument("--both", type=float, default=0.05)
    parser.add_argument("--conflicting", type=float, default=0.05)
    parser.add_argument("--touched", type=float, default=0.20)
    parser.add_argument("--untouched", type=float, default=0.0)
    parser.add_argument("--no-library", action="store_true", help="leave datacompy out")
    parser.add_argument("--keep-db", default=None, help="where the database files go")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in str(args.n).split(",")]
    if args.one:
        args.n = sizes[0]
        print(json.dumps(asdict(run_size(args))))
        return 0
    results = []
    for size in sizes:
        command = [sys.executable, __file__, "--one", "--n", str(size)]
        command += [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--one"]
        command = _with_size(command, size)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return done.returncode
        if done.stderr:
            print(done.stderr, file=sys.stderr, end="")
        results.append(Figures(**json.loads(done.stdout.strip().splitlines()[-1])))
    return report(results, library=not args.no_library)


def _with_size(command: list[str], size: int) -> list[str]:
    """``command`` with one ``--n`` (this size), whatever the caller passed."""
    out: list[str] = []
    skip = False
    for part in command:
        if skip:
            skip = False
            continue
        if part == "--n":
            skip = True
            continue
        if part.startswith("--n="):
            continue
        out.append(part)
    return [*out, "--n", str(size)]


if __name__ == "__main__":
    raise SystemExit(main())
