"""`conflicts resolve ID --candidate N`: a match conflict decided by the candidate's number as
`conflicts show` lists it (the README's walkthrough named a link id of another seed)."""

from __future__ import annotations

from pathlib import Path

from cli_state import cli, one_sentence, seed

from recontui.store import open_store


def test_show_numbers_the_candidates_and_candidate_n_links_that_one(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    shown = cli(tmp_path, "conflicts", "show", str(seeded.match_conflict))
    assert shown.returncode == 0, shown.stderr
    assert f"candidate 2: link {seeded.candidates[1]}" in shown.stdout
    assert "--candidate N" in shown.stdout
    done = cli(tmp_path, "conflicts", "resolve", str(seeded.match_conflict), "--candidate", "2")
    assert done.returncode == 0, done.stderr
    store = open_store(tmp_path / "cli.db")
    try:
        choices = store.conflict(seeded.match_conflict).choices
    finally:
        store.close()
    assert str(seeded.candidates[1]) in str(choices)


def test_a_number_it_does_not_have_is_one_sentence(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "cli.db")
    cid = str(seeded.match_conflict)
    for args, words in (
        (("--candidate", "3"), "has 2 candidates: --candidate takes 1 to 2."),
        (("--candidate", "1", "--link", "5"), "Give --link or --candidate, not both."),
    ):
        proc = cli(tmp_path, "conflicts", "resolve", cid, *args)
        assert proc.returncode == 2 and one_sentence(proc.stderr) and words in proc.stderr
    field = cli(tmp_path, "conflicts", "resolve", str(seeded.customer_conflict), "--candidate", "1")
    assert field.returncode == 2 and "is not a match conflict" in field.stderr
