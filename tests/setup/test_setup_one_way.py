"""The setup file's edit ownership, one-way transactions (irreversible: typed words, then
locked) and two-way AP payments, through the same check-and-save as Preferences
(setup/syncs.py, setup/one_way.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_setup_from_file import run, write_setup

from recontui.engine.policy import TRANSACTIONS
from recontui.sandbox import RunningSandbox
from recontui.setup.one_way import LOCKED, UNCONFIRMED, save_two_way_ap_payments
from recontui.setup.syncs import save_owner
from recontui.store import open_store

SYNCS = 'initial_window = "all"\nschedule = "off"\n'


def settings(tmp_path: Path) -> Any:
    store = open_store(tmp_path / "state.db")
    try:
        return store.profile_settings(store.get_profile("books").id)
    finally:
        store.close()


def test_owners_come_from_the_usual_ownership_and_the_file(
    tmp_path: Path, served: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    creds: dict[str, Any] = served.credentials()
    path = write_setup(tmp_path, creds, syncs=SYNCS)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waits: start = false
    assert settings(tmp_path).owners == {
        "invoice": "b",
        "bill": "a",
        "bill_payment": "a",
        "vendor_credit": "a",
    }
    capsys.readouterr()
    owners = '[syncs.owners]\ninvoice = "both"\ncustomer = "accounting"\n'
    write_setup(tmp_path, creds, syncs=SYNCS + owners)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    assert settings(tmp_path).owners == {
        "customer": "b",
        "bill": "a",
        "bill_payment": "a",
        "vendor_credit": "a",
    }
    capsys.readouterr()
    # Accounting cannot own bills it only receives: its edits could never reach BILL.
    write_setup(tmp_path, creds, syncs=SYNCS + '[syncs.owners]\nbill = "accounting"\n')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "✘ 7 What syncs: Bills are copied billing → accounting, so accounting's edits " in out
    write_setup(tmp_path, creds, syncs=SYNCS + '[syncs.owners]\nbill = "ledger"\n')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert "use one of billing, accounting, both" in capsys.readouterr().out


def test_one_way_transactions_asks_for_the_words_then_locks_them(
    tmp_path: Path, served: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    creds: dict[str, Any] = served.credentials()
    path = write_setup(tmp_path, creds, syncs=SYNCS + "one_way_transactions = true")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert f"✘ 7 What syncs: [syncs] {UNCONFIRMED}" in capsys.readouterr().out
    assert not settings(tmp_path).one_way_transactions

    words = 'one_way_transactions = true\none_way_transactions_confirm = "One-way  transactions"'
    write_setup(tmp_path, creds, syncs=SYNCS + words)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    assert "✔ 7 What syncs" in capsys.readouterr().out
    held = settings(tmp_path)
    assert held.one_way_transactions
    assert {held.directions[t] for t in TRANSACTIONS} == {"a_to_b"}
    assert {held.owners[t] for t in TRANSACTIONS} == {"a"}
    assert held.directions["customer"] == "both"

    write_setup(tmp_path, creds, syncs=SYNCS + "one_way_transactions = false")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert f"✘ 7 What syncs: [syncs] {LOCKED}" in capsys.readouterr().out
    write_setup(tmp_path, creds, syncs=SYNCS + '[syncs.directions]\ninvoice = "both"\n')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert "Invoices are one-way transactions (locked)" in capsys.readouterr().out
    write_setup(tmp_path, creds, syncs=SYNCS + "two_way_ap_payments = true")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert "Bill payments are one-way transactions (locked)" in capsys.readouterr().out

    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    assert "locked" in (save_owner(store, profile, "invoice", "b", "me") or "")
    assert save_two_way_ap_payments(store, profile, False, "me") is None  # already so
    store.close()
    assert settings(tmp_path).one_way_transactions


def test_two_way_ap_payments_sets_the_bill_payment_direction(
    tmp_path: Path, served: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds: dict[str, Any] = served.credentials()
    path = write_setup(tmp_path, creds, syncs=SYNCS + "two_way_ap_payments = true")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    assert settings(tmp_path).directions["bill_payment"] == "both"
    write_setup(tmp_path, creds, syncs=SYNCS + "two_way_ap_payments = false")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    assert settings(tmp_path).directions["bill_payment"] == "a_to_b"
