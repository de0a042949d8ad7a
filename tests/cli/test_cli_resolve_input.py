"""`conflicts resolve` and the commands taking an entity: what a person types is checked,
and a refusal is one sentence (issue 9, finding 4a and 4f)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_state import Seeded, cli, one_sentence, seed

from recontui.store import open_store


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    return seed(tmp_path / "cli.db")


def status_of(tmp_path: Path, conflict_id: int) -> tuple[str, object]:
    store = open_store(tmp_path / "cli.db")
    try:
        conflict = store.conflict(conflict_id)
        assert conflict is not None
        return conflict.status, conflict.choices
    finally:
        store.close()


@pytest.mark.parametrize("typed", ["1e30", "1e400", "NaN", "sNaN", "-Infinity", "0.001", "-5"])
def test_a_typed_amount_out_of_bounds_is_one_sentence(
    tmp_path: Path, seeded: Seeded, typed: str
) -> None:
    proc = cli(
        tmp_path, "conflicts", "resolve", str(seeded.payment_conflict), "--pick", f"amount=={typed}"
    )
    assert proc.returncode == 2, proc.stderr
    assert one_sentence(proc.stderr), proc.stderr
    assert "Amount must be an amount of money from 0 to 999,999,999,999.99" in proc.stderr
    assert status_of(tmp_path, seeded.payment_conflict) == ("open", None)


def test_a_typed_amount_in_bounds_is_saved(tmp_path: Path, seeded: Seeded) -> None:
    proc = cli(
        tmp_path,
        "conflicts",
        "resolve",
        str(seeded.payment_conflict),
        "--pick",
        "amount==1,234.5",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["choices"] == {"amount": ["custom", "1234.50"]}


def test_ignore_with_picks_on_a_field_conflict_is_refused(tmp_path: Path, seeded: Seeded) -> None:
    proc = cli(
        tmp_path, "conflicts", "resolve", str(seeded.customer_conflict), "--ignore", "--all", "a"
    )
    assert proc.returncode == 2 and one_sentence(proc.stderr), proc.stderr
    assert "--ignore" in proc.stderr and "--all" in proc.stderr
    assert status_of(tmp_path, seeded.customer_conflict) == ("open", None)


@pytest.mark.parametrize("option", [["--link", "LINK"], ["--create"]])
def test_match_options_on_a_field_conflict_are_refused(
    tmp_path: Path, seeded: Seeded, option: list[str]
) -> None:
    option = [str(seeded.candidates[0]) if o == "LINK" else o for o in option]
    proc = cli(tmp_path, "conflicts", "resolve", str(seeded.customer_conflict), *option)
    assert proc.returncode == 2, proc.stdout
    assert "resolved" not in proc.stdout
    assert one_sentence(proc.stderr), proc.stderr
    assert "field conflict" in proc.stderr and "--pick" in proc.stderr
    assert option[0] in proc.stderr
    assert status_of(tmp_path, seeded.customer_conflict) == ("open", None)


@pytest.mark.parametrize("option", [["--pick", "name=a"], ["--all", "b"]])
def test_field_options_on_a_match_conflict_are_refused(
    tmp_path: Path, seeded: Seeded, option: list[str]
) -> None:
    proc = cli(tmp_path, "conflicts", "resolve", str(seeded.match_conflict), *option)
    assert proc.returncode == 2
    assert one_sentence(proc.stderr), proc.stderr
    assert option[0] in proc.stderr and "--link" in proc.stderr
    assert status_of(tmp_path, seeded.match_conflict) == ("open", None)


def test_pick_with_all_is_refused_not_half_applied(tmp_path: Path, seeded: Seeded) -> None:
    proc = cli(
        tmp_path,
        "conflicts",
        "resolve",
        str(seeded.customer_conflict),
        "--pick",
        "phone=a",
        "--all",
        "b",
    )
    assert proc.returncode == 2
    assert one_sentence(proc.stderr), proc.stderr
    assert "--pick" in proc.stderr and "--all" in proc.stderr
    assert status_of(tmp_path, seeded.customer_conflict) == ("open", None)


def test_two_match_decisions_are_refused(tmp_path: Path, seeded: Seeded) -> None:
    proc = cli(tmp_path, "conflicts", "resolve", str(seeded.match_conflict), "--create", "--ignore")
    assert proc.returncode == 2
    assert one_sentence(proc.stderr), proc.stderr
    assert status_of(tmp_path, seeded.match_conflict) == ("open", None)


@pytest.mark.parametrize(
    "args",
    [
        ["conflicts", "list", "--entity", "nosuch"],
        ["conflicts", "resolve-all", "--side", "a", "--entity", "nosuch"],
        ["state", "reset", "nosuch"],
    ],
)
def test_an_unknown_entity_is_refused_naming_the_known_ones(
    tmp_path: Path, seeded: Seeded, args: list[str]
) -> None:
    proc = cli(tmp_path, *args)
    assert proc.returncode == 2
    assert one_sentence(proc.stderr), proc.stderr
    assert "'nosuch'" in proc.stderr and "customer" in proc.stderr and "invoice" in proc.stderr
    assert status_of(tmp_path, seeded.customer_conflict) == ("open", None)


def test_a_known_entity_still_filters(tmp_path: Path, seeded: Seeded) -> None:
    proc = cli(tmp_path, "conflicts", "list", "--entity", "payment", "--json")
    assert proc.returncode == 0
    assert [r["id"] for r in json.loads(proc.stdout)] == [seeded.payment_conflict]
