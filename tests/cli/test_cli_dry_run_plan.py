"""`recontui sync --dry-run` prints its plan for people: by entity with counts, then one
line per record naming it, the system written and the kind of write (an update's fields
too), long lists cut with how many more; `--json` keeps every item for scripts, each with
its record's name. Against the stand-ins on 127.0.0.1, the CLI as a subprocess."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_state import cli

from recontui.cli import save_sandbox_profile
from recontui.present import plan_lines
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets

ENV = {"RECONTUI_PASSPHRASE": "pp"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as running:
        store = open_store(tmp_path / "cli.db")
        secrets = open_secrets(store, env=ENV)
        save_sandbox_profile(store, argparse.Namespace(), "p", running.credentials(), secrets)
        store.close()
        yield running


def plan_part(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Plan ("))
    return lines[start:]


def change_in_quickbooks(tmp_path: Path, name: str, changes: dict[str, Any]) -> None:
    """What a person does in QuickBooks Online: change one customer."""
    store = open_store(tmp_path / "cli.db")
    profile = store.get_profile("p")

    class Quiet:
        def connector_sink(self, label: str) -> Any:
            return lambda *a: None

    async def go() -> None:
        qbo = connector_factory(profile, open_secrets(store, env=ENV))("b", Quiet())
        async with qbo:
            async for page in qbo.pull("customer", None):
                for rec in page.records:
                    if rec.fields.get("name") == name:
                        await qbo.update(
                            "customer", rec.remote_id, rec.version, changes, idempotency_key="t"
                        )
                        return
        raise AssertionError(f"no customer {name!r} in QuickBooks Online")

    try:
        asyncio.run(go())
    finally:
        store.close()


def test_the_plan_names_records_by_entity(tmp_path: Path, served: RunningSandbox) -> None:
    before = served.sandbox.snapshot()
    proc = cli(tmp_path, "sync", "--dry-run", "--profile", "p")
    assert proc.returncode == 1, proc.stderr  # writes wait: not "the books agree"
    assert served.sandbox.snapshot() == before, "a dry run wrote to a system"
    assert plan_part(proc.stdout) == [
        "Plan (nothing was written): 14 writes.",
        "Customers: 3 to create in QuickBooks Online",
        "  create     QuickBooks Online  'Becker Landscaping'",
        "  create     QuickBooks Online  'Quiet River Chiropractic'",
        "  create     QuickBooks Online  'Summit Pine Realty'",
        "Vendors: 2 to create in BILL",
        "  create     BILL               'Blue Birch Office Supply'",
        "  create     BILL               'Old Town Tide Print & Media'",
        "Invoices: 5 to create in QuickBooks Online",
        *[f"  create     QuickBooks Online  '{n}'" for n in range(1201, 1206)],
        "Bills: 4 to create in BILL",
        "  create     BILL               '438913'",
        "  create     BILL               'INV-14645'",
        "  create     BILL               'INV-43602'",
        "  create     BILL               'OLD-6994'",
    ]
    assert '"link"' not in proc.stdout  # no raw plan items any more

    as_json = cli(tmp_path, "sync", "--dry-run", "--json", "--profile", "p")
    plan = json.loads(as_json.stdout)["plan"]
    assert len(plan) == 14 and all(isinstance(item["link"], int) for item in plan)
    assert {item["name"] for item in plan if item["entity"] == "vendor"} == {
        "Blue Birch Office Supply",
        "Old Town Tide Print & Media",
    }


def test_an_update_names_its_fields(tmp_path: Path, served: RunningSandbox) -> None:
    assert cli(tmp_path, "sync", "--profile", "p").returncode in (0, 1)
    change_in_quickbooks(tmp_path, "Becker Landscaping", {"phone": "(503) 555-0199"})
    proc = cli(tmp_path, "sync", "--dry-run", "--profile", "p")
    assert plan_part(proc.stdout)[:3] == [
        "Plan (nothing was written): 1 write.",
        "Customers: 1 to update in BILL",
        "  update     BILL               'Becker Landscaping': phone",
    ], proc.stdout


def test_the_help_says_how_to_get_every_item() -> None:
    proc = cli(Path("."), "sync", "--help")
    assert "--json" in proc.stdout and "record name" in proc.stdout


def test_long_lists_are_cut_and_say_how_many_more() -> None:
    plan: list[dict[str, Any]] = [
        {"entity": "customer", "op": "create", "system": "BILL", "link": n, "state": "pending"}
        for n in range(30)
    ]
    plan += [
        {"entity": "customer", "op": "update", "system": "BILL", "link": 99, "state": "held"},
        {"entity": "invoice", "op": "conflict", "kind": "field", "link": 100, "fields": ["date"]},
        {"entity": "customer", "op": "decision", "kind": "match", "link": 101, "conflict": 7},
    ]
    names = {n: f"Customer {n:02}" for n in range(30)}
    names.update({99: "Zed & Co", 100: "INV-9", 101: "Acme"})
    lines = plan_lines(plan, names.__getitem__, per_entity=5)
    assert lines == [
        "Plan (nothing was written): 31 writes, 2 for you to decide.",
        "Customers: 30 to create in BILL, 1 to update in BILL, 1 for you to decide",
        *[f"  create     BILL               'Customer {n:02}'" for n in range(5)],
        "  ... and 27 more (`recontui sync --dry-run --json` lists every one)",
        "Invoices: 1 for you to decide",
        "  decide     (you)              'INV-9': date",
    ]
    everything = plan_lines(plan, names.__getitem__, per_entity=100)
    assert "  update     BILL               'Zed & Co' (held)" in everything
    assert "  decide     (you)              'Acme': which record it is (conflict 7)" in everything
