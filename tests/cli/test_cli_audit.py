"""`recontui audit`: every overwritten value, newest first, filtered by record, run, field
and entity, at most --limit (saying when more exist), --json for scripts. A real sync
against the stand-ins on 127.0.0.1 writes the audit (rules settle bills in run 1, a typed
choice overwrites a customer's phone on both sides in run 2); the CLI as a subprocess."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_state import cli, one_sentence, seed

from recontui.cli import save_sandbox_profile
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup.syncs import apply_usual_ownership
from recontui.store import open_store
from recontui.wiring import open_secrets

TYPED = "+1-555-0199"


@dataclass
class Synced:
    path: Path  # the directory holding cli.db (what `cli` takes)
    customer: str  # the record whose phone was chosen by typing
    first_run: int
    second_run: int


def run_json(path: Path, *args: str) -> Any:
    proc = cli(path, *args, "--json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Synced:
    path = tmp_path_factory.mktemp("audit")
    with RunningSandbox(SandboxConfig(seed=7, scenario="conflicts")) as running:
        store = open_store(path / "cli.db")
        secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": "pp"})
        save_sandbox_profile(store, argparse.Namespace(), "p", running.credentials(), secrets)
        apply_usual_ownership(store, store.get_profile("p"), "tester")
        store.close()
        first = run_json(path, "sync", "--profile", "p")
        queue = run_json(path, "conflicts", "list", "--profile", "p")
        phone = next(c for c in queue if c["entity"] == "customer" and c["fields"] == ["phone"])
        chosen = cli(path, "conflicts", "resolve", str(phone["id"]), "--pick", f"phone=={TYPED}")
        assert chosen.returncode == 0, chosen.stderr
        second = run_json(path, "sync", "--profile", "p")
    assert second["counts"]["resolutions_applied"] == 1
    return Synced(path, phone["record"], first["run_id"], second["run_id"])


def audit(synced: Synced, *args: str) -> dict[str, Any]:
    found = run_json(synced.path, "audit", "--profile", "p", *args)
    assert isinstance(found, dict)
    return found


def test_newest_first_with_when_run_record_field_system_values_and_why(synced: Synced) -> None:
    found = audit(synced, "--limit", "1000")
    entries = found["entries"]
    assert found["more"] is False
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True) and len(ids) > 20
    newest = entries[:2]
    assert {e["system"] for e in newest} == {"BILL", "QuickBooks Online"}
    for e in newest:
        assert (e["run_id"], e["entity"], e["record"], e["field"], e["new"]) == (
            synced.second_run,
            "customer",
            synced.customer,
            "phone",
            TYPED,
        )
        assert e["old"] not in ("", TYPED)
        assert e["by"] == "resolution" and "a person's choice" in e["why"]
        dt.datetime.strptime(e["when"], "%Y-%m-%d %H:%M:%S")  # local time, as history's
    ruled = [e for e in entries if e["by"].startswith("rule:")]
    assert ruled and all(e["why"].startswith("rule ") and "prefer" in e["why"] for e in ruled)
    settings = [e for e in entries if e["entity"] == "settings"]
    assert settings and all(e["run_id"] is None and "tester" in e["why"] for e in settings)


def test_the_text_says_the_same_for_people(synced: Synced) -> None:
    proc = cli(synced.path, "audit", "--profile", "p", "--limit", "2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert f"run {synced.second_run}" in lines[0]
    assert f"customer '{synced.customer}'" in lines[0] and lines[0].endswith(" phone")
    systems = sorted(line.strip().split(":")[0] for line in lines[1:4:2])
    assert systems == ["BILL", "QuickBooks Online"]
    assert f"-> '{TYPED}'" in lines[1]
    assert "a person's choice" in lines[1]
    assert re.fullmatch(r"2 shown; there are more: .*--limit.*\.", lines[-1]), lines[-1]


def test_run_shows_that_run_only(synced: Synced) -> None:
    entries = audit(synced, "--run", str(synced.first_run), "--limit", "1000")["entries"]
    assert entries and {e["run_id"] for e in entries} == {synced.first_run}
    assert all(e["by"].startswith("rule:") for e in entries)


def test_record_matches_part_of_the_name_in_any_case(synced: Synced) -> None:
    part = synced.customer[1:-1].swapcase()
    entries = audit(synced, "--record", part)["entries"]
    assert len(entries) == 2
    assert {e["record"] for e in entries} == {synced.customer}
    assert audit(synced, "--record", "no such record anywhere")["entries"] == []


def test_field_and_entity_narrow_the_list(synced: Synced) -> None:
    phones = audit(synced, "--field", "phone")["entries"]
    assert len(phones) == 2 and {e["field"] for e in phones} == {"phone"}
    settings = audit(synced, "--entity", "settings", "--limit", "1000")["entries"]
    assert settings and {e["entity"] for e in settings} == {"settings"}
    bills = audit(synced, "--entity", "bill", "--limit", "1000")["entries"]
    assert bills and {e["entity"] for e in bills} == {"bill"}


def test_limit_says_when_more_exist(synced: Synced) -> None:
    found = audit(synced, "--limit", "3")
    assert len(found["entries"]) == 3 and found["more"] is True
    assert audit(synced, "--field", "phone", "--limit", "2")["more"] is False


def test_an_unknown_run_or_entity_is_one_sentence(synced: Synced) -> None:
    proc = cli(synced.path, "audit", "--profile", "p", "--run", "999")
    assert proc.returncode == 2 and one_sentence(proc.stderr), proc.stderr
    assert "There is no run 999" in proc.stderr and "recontui history" in proc.stderr
    proc = cli(synced.path, "audit", "--profile", "p", "--entity", "nope")
    assert proc.returncode == 2 and one_sentence(proc.stderr), proc.stderr


def test_nothing_yet_is_said(tmp_path: Path) -> None:
    seed(tmp_path / "cli.db")
    proc = cli(tmp_path, "audit", "--profile", "p")
    assert (proc.returncode, proc.stdout.strip()) == (0, "No audit entries yet.")
    proc = cli(tmp_path, "audit", "--profile", "p", "--field", "phone")
    assert proc.stdout.strip() == "No audit entry matches."


def test_remote_text_is_shown_not_obeyed(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    store = open_store(tmp_path / "cli.db")
    try:
        link = store.placeholder_link(seeded.profile_id, "customer", "a", "x-1")
        entry = {"field": "name", "side": "b", "old": "Acme", "new": "\x1b[2JGone", "by": "merge"}
        store.add_audit(seeded.profile_id, None, "customer", link, [entry], actor="cli")
    finally:
        store.close()
    proc = cli(tmp_path, "audit", "--profile", "p")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    assert "\\x1b[2JGone" in proc.stdout


def test_long_values_are_shown_where_they_differ(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    same = "Deliveries to the loading dock at the back of the building, " * 2
    store = open_store(tmp_path / "cli.db")
    try:
        link = store.placeholder_link(seeded.profile_id, "customer", "a", "x-1")
        entry = {"field": "notes", "side": "a", "old": same + "gate 4", "new": same + "gate 7"}
        store.add_audit(
            seeded.profile_id, None, "customer", link, [{**entry, "by": "merge"}], actor="cli"
        )
    finally:
        store.close()
    proc = cli(tmp_path, "audit", "--profile", "p", "--json")
    assert json.loads(proc.stdout)["entries"][0]["new"] == same + "gate 7"  # whole in JSON
    proc = cli(tmp_path, "audit", "--profile", "p")
    detail = proc.stdout.splitlines()[1]
    assert "BILL: '…lding, gate 4' -> '…lding, gate 7'  (" in detail, detail
