"""`recontui profile remove NAME` asks for `--yes`, as `state forget` does, and says what it
would remove (issue 14, "Loose ends"): without it nothing is removed."""

from __future__ import annotations

import json
from pathlib import Path

from cli_state import cli, one_sentence, seed

from recontui.store import open_store


def two_runs(path: Path, profile_id: int) -> None:
    store = open_store(path)
    try:
        for _ in range(2):
            run = store.start_run(profile_id, trigger="cli", dry_run=False)
            store.finish_run(run, "ok", {}, 0)
    finally:
        store.close()


def profiles(tmp_path: Path) -> list[str]:
    proc = cli(tmp_path, "profile", "list", "--json")
    return [p["name"] for p in json.loads(proc.stdout)]


def test_without_yes_it_says_what_would_go_and_removes_nothing(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    two_runs(tmp_path / "cli.db", seeded.profile_id)
    proc = cli(tmp_path, "profile", "remove", "p")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "recontui: Removing profile 'p' deletes its 5 links, 3 open conflicts and 2 runs "
        "(with its settings, rules, audit trail and stored secrets); add --yes to confirm."
    )
    assert one_sentence(proc.stderr)
    assert profiles(tmp_path) == ["p"]
    conflicts = cli(tmp_path, "conflicts", "list", "--profile", "p", "--json")
    assert len(json.loads(conflicts.stdout)) == 3


def test_with_yes_it_removes_the_profile(tmp_path: Path) -> None:
    seed(tmp_path / "cli.db")
    proc = cli(tmp_path, "profile", "remove", "p", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "Profile 'p' removed" in proc.stdout
    assert profiles(tmp_path) == []


def test_an_unknown_profile_is_named_before_anything_is_asked(tmp_path: Path) -> None:
    seed(tmp_path / "cli.db")
    proc = cli(tmp_path, "profile", "remove", "nope")
    assert proc.returncode == 2
    assert "'nope'" in proc.stderr and "known: p" in proc.stderr
