"""Benchmark: `recontui verify` against an independent naive comparison, on sized companies.

    python bench/verify.py [--sizes 1000,10000] [--big] [--edits 25] [--seed 7]

For each size (``--big`` adds 100,000 records per side):

1. A child process serves both stand-ins with a company of about that many records per
   side (``SandboxConfig.size``, the demo's mix) on 127.0.0.1, without rate limits, so
   the stand-ins' own memory and time stay out of the measured processes.
2. This process syncs the books to agreement through the real connectors: full runs until
   one ends with exit 0 (the sized demo company mostly needs its records linked and its
   few one-sided records created; a big one also has a few records whose names match
   several on the other side: each is linked to its first candidate, and any field
   conflict takes BILL's values, as a person clearing the queue would).
3. It makes ``--edits`` random field edits straight through one system's API (names,
   emails, phones, memos, descriptions, on either side) and creates one record in BILL
   only.
4. It runs ``recontui verify --json --limit 0`` as a child process, and then the naive
   comparison (``--naive`` mode of this script, also a child): both systems pulled into
   memory, every linked pair compared field by field with ``same``, every record without
   a counterpart listed. The naive one shares no code with verify's digests, buckets and
   scratch file; it compares the same fields (the synced fields both systems map, and
   the total of records whose lines make it).
5. It checks that both report exactly the same disagreements (record and field, or record
   on one side only) and that every injected edit is among them, then prints: records,
   disagreements, wall time and CPU time of each (the ratios verify / naive; the wall
   time includes waiting for the stand-ins, which are slow to page through a big
   company), and each child's peak resident set size (``VmHWM`` at its exit; a child
   that only imports recontui's modules is the baseline).

The machine is shared and noisy: compare the ratios of one run, not absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

PASSPHRASE = "bench-verify"
PROFILE = "bench"


# -- child: the stand-ins ------------------------------------------------------------------
def serve(size: int, seed: int) -> int:
    from recontui.sandbox import RunningSandbox, Sandbox, SandboxConfig

    config = SandboxConfig(
        seed=seed,
        scenario="demo",
        size=size,
        qbo_per_minute=None,
        bill_per_hour=None,
        qbo_max_concurrent=None,
        bill_max_concurrent=None,
    )
    with RunningSandbox(sandbox=Sandbox(config)) as running:
        print(json.dumps(running.credentials()), flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    return 0


# -- child: the naive comparison -----------------------------------------------------------
class _Quiet:
    def connector_sink(self, label: str) -> Any:
        return lambda *args: None


def naive(db: str) -> int:
    """Everything in memory, compared field by field; prints what differs as JSON."""
    from recontui.cli import make_factory
    from recontui.model import ENTITIES, ORDER, SIDES, RemoteRef, same
    from recontui.model.fields import FieldType
    from recontui.store import open_store
    from recontui.wiring import open_secrets

    store = open_store(db)
    profile = store.get_profile(PROFILE)
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    factory = make_factory(profile, secrets)

    async def pull_all() -> tuple[dict, dict]:
        conns = {side: factory(side, _Quiet()) for side in SIDES}
        data: dict[str, dict[str, dict[str, Any]]] = {"a": {}, "b": {}}
        for side in SIDES:
            await conns[side].__aenter__()
        try:
            entities = [
                e for e in ORDER if ENTITIES[e].synced and all(conns[s].supports(e) for s in SIDES)
            ]
            mapped = {e: conns["a"].fields(e) & conns["b"].fields(e) for e in entities}

            async def read(side: str) -> None:
                for entity in entities:
                    got = data[side].setdefault(entity, {})
                    async for page in conns[side].pull(entity, None):
                        for rec in page.records:
                            if rec.deleted:
                                got.pop(rec.remote_id, None)
                            else:
                                got[rec.remote_id] = rec

            await asyncio.gather(read("a"), read("b"))
        finally:
            for side in SIDES:
                await conns[side].__aexit__(None, None, None)
        return data, mapped

    data, mapped = asyncio.run(pull_all())
    index = {side: store.remote_index(profile.id, side) for side in SIDES}

    def ref(value: Any, side: str) -> Any:
        if not isinstance(value, RemoteRef):
            return ("not a reference", repr(value))
        link = index[side].get((value.entity, value.remote_id))
        return ("link", link) if link is not None else ("unknown", side, value.remote_id)

    def equal(spec: Any, va: Any, vb: Any) -> bool:
        if spec.type is FieldType.REF:
            if va is None or vb is None:
                return va is None and vb is None
            return ref(va, "a") == ref(vb, "b")
        if spec.type is FieldType.LINES:
            la, lb = list(va or []), list(vb or [])
            if len(la) != len(lb):
                return False
            subs = [s for s in spec.line_fields if s.synced]
            return all(
                equal(sub, x.get(sub.name), y.get(sub.name))
                for x, y in zip(la, lb, strict=True)
                for sub in subs
            )
        return same(spec, va, vb)

    fields_out: list[list[Any]] = []
    only: list[list[Any]] = []
    pairs = 0
    for entity, names in mapped.items():
        spec = ENTITIES[entity]
        fields = [f for f in spec.fields if f.synced and f.name in names]
        if "total" in names and spec.has_field("total") and spec.has_field("lines"):
            fields.append(spec.field("total"))
        links = {
            row["id"]: row
            for row in store.iter_table("links")
            if row["profile_id"] == profile.id and row["entity"] == entity
        }
        for link in links.values():
            ra = data["a"][entity].get(link["a_id"]) if link["a_id"] else None
            rb = data["b"][entity].get(link["b_id"]) if link["b_id"] else None
            if ra is not None and rb is not None:
                pairs += 1
                for f in fields:
                    if not equal(f, ra.fields.get(f.name), rb.fields.get(f.name)):
                        fields_out.append([entity, link["id"], f.name])
        for side in ("a", "b"):
            column = f"{side}_id"
            other = "b" if side == "a" else "a"
            by_remote = {row[column]: row for row in links.values() if row[column]}
            for rid, rec in data[side][entity].items():
                link = by_remote.get(rid)
                counterpart = None
                if link is not None and link[f"{other}_id"]:
                    counterpart = data[other][entity].get(link[f"{other}_id"])
                if counterpart is not None:
                    continue
                if link is not None and link["state"] == "ignored":
                    continue
                paired = link is not None and link["state"] == "paired"
                if rec.fields.get("active") is False and not paired:
                    continue
                only.append([entity, side, rid])
    print(json.dumps({"fields": fields_out, "only": only, "pairs": pairs}))
    return 0


# -- parent ----------------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    env = {**os.environ, "RECONTUI_PASSPHRASE": PASSPHRASE}
    env.pop("RECONTUI_PLAINTEXT_SECRETS", None)
    return env


#: Runs a module or script and, at exit, writes its peak resident set size (VmHWM, which
#: exec resets: ``ru_maxrss`` of a child would include this big parent's pages) to a file.
HWM = """
import atexit, os, runpy, sys
def peak():
    cpu = sum(os.times()[:2])
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["BENCH_HWM"], "w").write(f"{line.split()[1]} {cpu}")
atexit.register(peak)
kind, target, *rest = sys.argv[1:]
sys.argv = [target, *rest]
if kind == "-m":
    runpy.run_module(target, run_name="__main__")
elif kind == "-p":
    runpy.run_path(target, run_name="__main__")
else:
    exec(target)
"""
#: What verify and the naive comparison import before reading anything (the baseline).
IMPORTS = "import recontui.cli, recontui.verify, recontui.connectors, recontui.wiring"


def measured(kind: str, target: str, *args: str) -> tuple[str, float, float, float, int]:
    """Run a module (``-m``) or script in a child: its stdout, wall seconds, peak RSS in
    MB, CPU seconds (its own work, not the stand-ins') and exit code."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as hwm:
        proc = subprocess.run(
            [sys.executable, "-c", HWM, kind, target, *args],
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**child_env(), "BENCH_HWM": hwm.name},
        )
        elapsed = time.perf_counter() - began
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{target} {args[:3]} failed ({proc.returncode}): {err.read()!r}")
        peak_kb, cpu = hwm.read().split()
    return proc.stdout.decode(), elapsed, int(peak_kb) / 1024, float(cpu), proc.returncode


EDITABLE = {
    "customer": ("email", "phone", "company_name"),
    "vendor": ("email", "phone", "company_name"),
    "item": ("description",),
    "invoice": ("memo",),
    "bill": ("memo",),
}


def decide_everything(store: Any, profile: Any) -> int:
    """What a person would do with the queue of a big first sync: link each ambiguous
    record to its first candidate nobody else took (else keep both), take BILL's values
    for the rest."""
    from recontui.present import resolve_conflict

    decided = 0
    taken: set[int] = set()
    for conflict in store.conflicts(profile.id, statuses=("open",)):
        if conflict.kind == "match":
            free = [
                c
                for c in conflict.candidates or []
                if c not in taken and (link := store.link(c)) is not None and link.a_id is None
            ]
            if free:
                taken.add(free[0])
                resolve_conflict(store, conflict, link_to=free[0], actor="bench")
            else:
                resolve_conflict(store, conflict, create=True, actor="bench")
        else:
            resolve_conflict(store, conflict, take_all="a", actor="bench")
        decided += 1
    return decided


def sync_to_agreement(store: Any, profile: Any, factory: Any) -> tuple[float, int]:
    from recontui.run import RunOptions, run_sync

    began = time.perf_counter()
    for runs in range(1, 6):
        started = time.perf_counter()
        result = asyncio.run(
            run_sync(store, profile, factory, RunOptions(accept_big_change=True, trigger="bench"))
        )
        counts = {k: v for k, v in result.counts.items() if v and k != "progress"}
        print(
            f"  run {runs}: {result.status}, exit {result.exit_code}, "
            f"{time.perf_counter() - started:.0f} s, {counts}",
            flush=True,
        )
        if result.exit_code == 0:
            return time.perf_counter() - began, runs
        if result.exit_code == 1:
            kinds = Counter(
                f"{c.kind} ({c.note})" if c.note else c.kind
                for c in store.conflicts(profile.id, statuses=("open",))
            )
            print(f"  decided {decide_everything(store, profile)} conflicts: {dict(kinds)}")
    raise SystemExit(f"the books did not come to agree: {result.status} {result.message}")


def inject(store: Any, profile: Any, factory: Any, count: int, rng: random.Random) -> set:
    """``count`` field edits on random linked records, on a random side, and one record
    created in BILL only; returns what a check must find."""
    expected: set[tuple[Any, ...]] = set()
    chosen: list[tuple[str, Any, str, str]] = []
    for entity, names in EDITABLE.items():
        links = store.links(profile.id, entity, where="state='paired'")
        for link in rng.sample(links, min(len(links), count)):
            chosen.append((entity, link, rng.choice(names), rng.choice("ab")))
    chosen = rng.sample(chosen, count)

    async def go() -> None:
        conns = {side: factory(side, _Quiet()) for side in "ab"}
        for conn in conns.values():
            await conn.__aenter__()
        try:
            for entity, link, name, side in chosen:
                rid = link.a_id if side == "a" else link.b_id
                rec = await conns[side].read(entity, rid)
                value = f"bench-{uuid.uuid4().hex[:10]}"
                if name == "email":
                    value += "@example.com"
                elif name == "phone":
                    value = f"(555) {rng.randrange(1000):03d}-{rng.randrange(10000):04d}"
                await conns[side].update(
                    entity, rid, rec.version, {name: value}, idempotency_key=uuid.uuid4().hex
                )
                expected.add(("field", entity, link.id, name))
            made = await conns["a"].create(
                "customer",
                {"name": f"Bench One Sided {uuid.uuid4().hex[:8]}"},
                idempotency_key=uuid.uuid4().hex,
            )
            expected.add(("only", "customer", "a", made.remote_id))
        finally:
            for conn in conns.values():
                await conn.__aexit__(None, None, None)

    asyncio.run(go())
    return expected


def bench_size(size: int, args: argparse.Namespace, here: Path) -> dict[str, Any]:
    import argparse as ap

    from recontui.cli import make_factory, save_sandbox_profile
    from recontui.store import open_store
    from recontui.wiring import open_secrets

    server = subprocess.Popen(
        [sys.executable, str(here), "--serve", str(size), "--seed", str(args.seed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        creds = json.loads(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "bench.db")
            store = open_store(db)
            secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
            save_sandbox_profile(store, ap.Namespace(), PROFILE, creds, secrets)
            profile = store.get_profile(PROFILE)
            unlimited = {"rate_limit": "off"}
            store.save_profile(
                PROFILE,
                "bill",
                "qbo",
                {**profile.a_settings, **unlimited},
                {**profile.b_settings, **unlimited},
            )
            profile = store.get_profile(PROFILE)
            factory = make_factory(profile, secrets)
            synced, runs = sync_to_agreement(store, profile, factory)
            print(f"  synced to agreement in {synced:.1f} s ({runs} runs)", flush=True)
            expected = inject(store, profile, factory, args.edits, random.Random(args.seed))
            store.close()
            check = ["verify", "-p", PROFILE, "--json", "--limit", "0"]
            out, v_time, v_rss, v_cpu, v_code = measured("-m", "recontui.cli", "--db", db, *check)
            report = json.loads(out)
            found_v = {
                ("field", d["entity"], d["link"], d["field"])
                if d["field"] is not None
                else ("only", d["entity"], "a" if d["a_id"] else "b", d["a_id"] or d["b_id"])
                for d in report["disagreements"]
            }
            out, n_time, n_rss, n_cpu, _ = measured("-p", str(here), "--naive", db)
            naive_out = json.loads(out)
            found_n = {("field", *row) for row in naive_out["fields"]} | {
                ("only", *row) for row in naive_out["only"]
            }
            _, _, base_rss, _, _ = measured("-c", IMPORTS)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=60)
    records = {side: sum(c[side] for c in report["checked"].values()) for side in "ab"}
    pairs = sum(c["pairs"] for c in report["checked"].values())
    return {
        "size": size,
        "records": records,
        "pairs": pairs,
        "naive_pairs": naive_out["pairs"],
        "disagreements": report["disagreement_count"],
        "exit": v_code,
        "same": found_v == found_n,
        "missed_by_verify": sorted(map(str, found_n - found_v)),
        "missed_by_naive": sorted(map(str, found_v - found_n)),
        "injected_found": expected <= found_v,
        "verify_s": v_time,
        "naive_s": n_time,
        "verify_rss": v_rss,
        "verify_cpu": v_cpu,
        "naive_cpu": n_cpu,
        "naive_rss": n_rss,
        "base_rss": base_rss,
        "sync_s": synced,
    }


def main(args: argparse.Namespace) -> int:
    if args.serve:
        return serve(args.serve, args.seed)
    if args.naive:
        return naive(args.naive)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.big:
        sizes.append(100_000)
    here = Path(__file__).resolve()
    ok = True
    for size in sizes:
        print(f"size {size:,} records per side, {args.edits} edits + 1 one-sided record")
        r = bench_size(size, args, here)
        ok = ok and r["same"] and r["injected_found"] and r["exit"] == 1
        print(
            f"  read {r['records']['a']:,} BILL + {r['records']['b']:,} QuickBooks records, "
            f"{r['pairs']:,} pairs (naive: {r['naive_pairs']:,}); "
            f"{r['disagreements']} disagreements, verify exit {r['exit']}"
        )
        print(
            f"  same disagreements as the naive comparison: {r['same']}; every injected edit "
            f"found: {r['injected_found']}"
        )
        for label in ("missed_by_verify", "missed_by_naive"):
            if r[label]:
                print(f"  {label}: {r[label][:10]}")
        print(
            f"  time   verify {r['verify_s']:.1f} s, naive {r['naive_s']:.1f} s "
            f"(verify / naive = {r['verify_s'] / r['naive_s']:.2f}); CPU of their own "
            f"verify {r['verify_cpu']:.1f} s, naive {r['naive_cpu']:.1f} s "
            f"({r['verify_cpu'] / r['naive_cpu']:.2f})"
        )
        print(
            f"  peak   verify {r['verify_rss']:.0f} MB, naive {r['naive_rss']:.0f} MB "
            f"(one that only imports them: {r['base_rss']:.0f} MB)",
            flush=True,
        )
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,10000", help="records per side, comma-separated")
    p.add_argument("--big", action="store_true", help="also 100,000 records per side")
    p.add_argument("--edits", type=int, default=25, help="random field edits to inject")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--naive", default="", help=argparse.SUPPRESS)
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse(sys.argv[1:])))
