"""Benchmark: the client's CPU per pulled record: JSON with exact Decimals, then the mapping.

    python bench/decode.py [--size N] [--rounds 3]

Seeds both stand-ins (the demo companies, or ``SandboxConfig(size=N)``), serves them on
loopback (``RunningSandbox``) and pulls every entity of both sides once through the real
connectors at their real page sizes (QuickBooks 1,000 a query, BILL 100 a list page),
keeping each list answer's body exactly as it came over the wire (a recording transport).
The servers are then stopped; only the kept bodies are timed, so no server shares the
measured CPU:

- parse: ``connectors.http.loads_json`` (the client's decoder: every fractional number a
  Decimal with its literal's digits), beside ``json.loads(parse_float=Decimal)`` (the
  standard library's exact decoder) and ``orjson.loads`` (a yardstick: fast, but floats);
- map: ``qbo_map.from_qbo`` / ``bill_map.from_bill`` over every record of every page.

It prints microseconds per record and, since the machine is shared and noisy, each
figure as a ratio to ``orjson.loads`` of the same bodies in the same run. It checks that
the client's decoder gives exactly what the standard library's does (type, value, and a
Decimal's exponent) on every body.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import orjson

from recontui.connectors import BillConnector, QboConnector, bill_map, qbo_map
from recontui.connectors.http import loads_json
from recontui.model.entities import ORDER
from recontui.sandbox import RunningSandbox, Sandbox, SandboxConfig
from recontui.wiring import HeldSecrets


class Recording(httpx.AsyncBaseTransport):
    """A loopback transport that keeps the body of every answer to a list request."""

    def __init__(self, keep: Callable[[httpx.Request], str | None]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.keep = keep
        self.bodies: list[tuple[str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        entity = self.keep(request)
        if entity is not None and response.status_code == 200:
            self.bodies.append((entity, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


QBO_TABLES = {s.name: s.entity for s in qbo_map.QBO_ENTITIES.values()}
BILL_PATHS = {s.resource: s.entity for s in bill_map.BILL_ENTITIES.values()}


def qbo_entity(request: httpx.Request) -> str | None:
    if not request.url.path.endswith("/query"):
        return None
    statement = request.url.params.get("query") or request.content.decode()
    table = statement.split(" FROM ", 1)[1].split(" ", 1)[0]
    return QBO_TABLES.get(table)


def bill_entity(request: httpx.Request) -> str | None:
    if request.method != "GET" or "max" not in request.url.params:
        return None
    return BILL_PATHS.get(request.url.path.rstrip("/").rsplit("/", 1)[-1])


async def drain(connector: Any, entities: list[str]) -> int:
    records = 0
    async with connector:
        for entity in entities:
            async for page in connector.pull(entity, None):
                records += len(page.records)
    return records


async def record_bodies(
    running: RunningSandbox,
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    creds = running.credentials()
    q, b = creds["qbo"], creds["bill"]
    qbo_rec, bill_rec = Recording(qbo_entity), Recording(bill_entity)
    qbo = QboConnector(
        {k: q[k] for k in ("api_base", "token_url", "realm_id")},
        HeldSecrets({k: q[k] for k in ("client_id", "client_secret", "refresh_token")}),
        transport=qbo_rec,
    )
    bill = BillConnector(
        {k: b[k] for k in ("api_base", "organization_id", "username")},
        HeldSecrets({k: b[k] for k in ("dev_key", "password")}),
        transport=bill_rec,
    )
    await drain(qbo, [e for e in ORDER if qbo.supports(e)])
    await drain(bill, [e for e in ORDER if bill.supports(e)])
    return qbo_rec.bodies, bill_rec.bodies


def qbo_rows(entity: str, data: Any) -> list[Any]:
    return data["QueryResponse"].get(qbo_map.spec(entity).name, [])


def bill_rows(entity: str, data: Any) -> list[Any]:
    return [row for row in data["results"] if bill_map.keeps(entity, row)]


def same_exactly(x: Any, y: Any) -> bool:
    """Equal, of the same types throughout, every Decimal with the same digits and exponent."""
    if type(x) is not type(y):
        return False
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(same_exactly(v, y[k]) for k, v in x.items())
    if isinstance(x, list):
        return len(x) == len(y) and all(same_exactly(v, w) for v, w in zip(x, y, strict=True))
    if isinstance(x, Decimal):
        return x.as_tuple() == y.as_tuple()
    return bool(x == y)


def stdlib_exact(body: bytes) -> Any:
    return json.loads(body, parse_float=Decimal)


@dataclass
class Side:
    label: str
    bodies: list[tuple[str, bytes]]
    rows: Callable[[str, Any], list[Any]]
    mapper: Callable[[str, Any], Any]
    records: int = 0
    times: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        for _, body in self.bodies:
            if not same_exactly(loads_json(body), stdlib_exact(body)):
                raise SystemExit(f"{self.label}: loads_json differs from the standard library")
        self.records = sum(len(self.rows(e, loads_json(body))) for e, body in self.bodies)

    def time_all(self, parsers: dict[str, Callable[[bytes], Any]], rounds: int) -> None:
        """Each parser over every body, then the mapping, ``rounds`` times interleaved (so
        the machine's noise falls on all alike); the best round of each counts."""
        parsed = [(entity, self.rows(entity, loads_json(body))) for entity, body in self.bodies]
        gc.collect()
        gc.freeze()  # what the setup left is not the decoders' garbage to walk
        for _ in range(rounds):
            for name, parse in parsers.items():
                start = time.process_time()
                for _, body in self.bodies:
                    parse(body)
                self.best(name, time.process_time() - start)
            start = time.process_time()
            mapper = self.mapper
            for entity, rows in parsed:
                for row in rows:
                    mapper(entity, row)
            self.best("map", time.process_time() - start)
        gc.unfreeze()

    def best(self, name: str, seconds: float) -> None:
        self.times[name] = min(seconds, self.times.get(name, float("inf")))

    def report(self) -> None:
        us = 1e6 / max(1, self.records)
        yard = self.times["orjson"]
        print(f"\n{self.label}: {self.records:,} records in {len(self.bodies):,} pages")
        print(f"  {'':34} {'us/record':>10} {'x orjson':>9}")
        rows = (
            ("orjson.loads (floats: yardstick)", "orjson"),
            ("json.loads(parse_float=Decimal)", "stdlib"),
            ("loads_json (the client's)", "client"),
            ("map (from_qbo / from_bill)", "map"),
        )
        for words, key in rows:
            t = self.times[key]
            print(f"  {words:34} {t * us:10.2f} {t / yard:9.2f}")
        total = self.times["client"] + self.times["map"]
        before = self.times["stdlib"] + self.times["map"]
        print(f"  {'parse + map':34} {total * us:10.2f} {total / yard:9.2f}")
        print(f"  {'parse + map, stdlib parse':34} {before * us:10.2f} {before / yard:9.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=None, help="records per side (default: demo)")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many timings")
    args = parser.parse_args(argv)

    config = SandboxConfig() if args.size is None else SandboxConfig(size=args.size)
    sandbox = Sandbox(config)
    with RunningSandbox(sandbox=sandbox) as running:
        qbo_bodies, bill_bodies = asyncio.run(record_bodies(running))
    del sandbox
    sides = (
        Side("QuickBooks Online", qbo_bodies, qbo_rows, qbo_map.from_qbo),
        Side("BILL", bill_bodies, bill_rows, bill_map.from_bill),
    )
    for side in sides:
        side.check()
        parsers = {"orjson": orjson.loads, "stdlib": stdlib_exact, "client": loads_json}
        side.time_all(parsers, args.rounds)
        side.report()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"\nloads_json gives exactly the standard library's values on every page; "
        f"peak RSS {peak:,} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
