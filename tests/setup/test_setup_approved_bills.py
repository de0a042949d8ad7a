"""Only approved bills is irreversible: the setup file and Preferences turn it on through
one check-and-save (setup/approved_bills.py) that asks for typed words, and once on
neither route can turn it off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_setup_from_file import run, write_setup

from recontui.sandbox import RunningSandbox
from recontui.setup.approved_bills import (
    CONFIRM_WORDS,
    LOCKED,
    UNCONFIRMED,
    only_approved_bills,
    save_only_approved_bills,
    setting_words,
)
from recontui.store import open_store

SYNCS = 'initial_window = "all"\nschedule = "off"\n'


def setting(tmp_path: Path) -> bool:
    store = open_store(tmp_path / "state.db")
    return only_approved_bills(store, store.get_profile("books"))


def test_the_setup_file_asks_for_the_words_then_locks_it(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds: dict[str, Any] = served.credentials()
    path = write_setup(tmp_path, creds, syncs=SYNCS + "only_approved_bills = true")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert f"✘ 7 What syncs: [syncs] {UNCONFIRMED}" in out, out
    assert not setting(tmp_path)

    wrong = SYNCS + 'only_approved_bills = true\nonly_approved_bills_confirm = "yes"'
    write_setup(tmp_path, creds, syncs=wrong)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert UNCONFIRMED in capsys.readouterr().out
    assert not setting(tmp_path)

    words = f'only_approved_bills = true\nonly_approved_bills_confirm = "{CONFIRM_WORDS}"'
    write_setup(tmp_path, creds, syncs=SYNCS + words)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waits: start = false
    assert "✔ 7 What syncs" in capsys.readouterr().out
    assert setting(tmp_path)

    write_setup(tmp_path, creds, syncs=SYNCS + "only_approved_bills = false")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert f"✘ 7 What syncs: [syncs] {LOCKED}" in capsys.readouterr().out
    assert setting(tmp_path)

    # Leaving the key out changes nothing; the headless route refuses alike.
    write_setup(tmp_path, creds)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    capsys.readouterr()
    assert setting(tmp_path)
    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    assert save_only_approved_bills(store, profile, False, CONFIRM_WORDS, "me") == LOCKED
    assert save_only_approved_bills(store, profile, True, "", "me") is None  # already on
    assert only_approved_bills(store, profile)
    assert setting_words(True) == "on (locked)" and setting_words(False) == "off"
