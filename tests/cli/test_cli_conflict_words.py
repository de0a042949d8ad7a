"""How `recontui conflicts` words what it shows (issue 14, "Loose ends"): a choice reads as a
person says it, never in the `--pick` syntax; a record name too long for its column is cut
with a trailing "…"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cli_state import cli, seed

from recontui.cli import cut
from recontui.model.record import RemoteRecord
from recontui.store import open_store

LONG = "Hidden Anchor Property Management Group"


def name_customer(path: Path, conflict_id: int, name: str) -> None:
    """BILL's side of the conflict's customer, as a pull leaves it, named ``name``."""
    store = open_store(path)
    try:
        conflict = store.conflict(conflict_id)
        assert conflict is not None
        record = RemoteRecord("customer", "cu-1", "2", {"name": name}, dt.datetime.now(dt.UTC))
        store.set_link_side(conflict.link_id, "a", record)
    finally:
        store.close()


def field_lines(out: str, field: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(f"  {field}:")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), None)
    return [line.strip() for line in lines[start + 1 : end]]


def test_a_choice_reads_as_a_person_says_it(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    cid = str(seeded.customer_conflict)
    picks = ["--pick", "phone==+1-555-0199", "--pick", "email=b"]
    picked = cli(tmp_path, "conflicts", "resolve", cid, *picks)
    assert picked.returncode == 0, picked.stderr
    shown = cli(tmp_path, "conflicts", "show", cid)
    assert shown.returncode == 0, shown.stderr
    assert "chosen     +1-555-0199 (typed)" in field_lines(shown.stdout, "phone")
    assert "chosen     c@x.test (from QuickBooks Online)" in field_lines(shown.stdout, "email")
    assert "=+1-555-0199" not in shown.stdout


def test_a_long_record_name_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    name_customer(tmp_path / "cli.db", seeded.customer_conflict, LONG)
    listed = cli(tmp_path, "conflicts", "list")
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    row = next(line for line in rows if line.startswith(f"{seeded.customer_conflict:>5}"))
    assert "Hidden Anchor Property Manage… email, phone" in row, row


def test_a_name_that_fits_is_not_cut(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    fits = "Blue Heron Property Management"  # exactly 30 characters
    name_customer(tmp_path / "cli.db", seeded.customer_conflict, fits)
    listed = cli(tmp_path, "conflicts", "list")
    assert f"{fits} email, phone" in listed.stdout


def test_cut_keeps_short_text_and_marks_what_it_cuts() -> None:
    assert cut("Acme", 30) == "Acme"
    assert cut("x" * 30, 30) == "x" * 30
    assert cut("x" * 31, 30) == "x" * 29 + "…"
    assert len(cut(LONG, 12)) == 12
