"""Summarised journal entries are irreversible: the setup file and Preferences turn them on
through one check-and-save (setup/summary_mode.py) that asks for the master customer (a
QuickBooks customer, by name or id) and typed words, and once on neither route turns
them off or moves them to another customer; a sales tax account may still be named
while none is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_setup_from_file import run, write_setup

from recontui.sandbox import RunningSandbox
from recontui.setup.summary_mode import (
    CONFIRM_WORDS,
    LOCKED,
    UNCONFIRMED,
    save_summary_mode,
    setting_words,
    summary_state,
    what_changes,
)
from recontui.store import open_store

SYNCS = 'initial_window = "all"\nschedule = "off"\n'


def master(served: RunningSandbox) -> tuple[str, str]:
    """A customer QuickBooks holds: (id, name)."""
    with served.sandbox.lock:
        ident, rec = next(iter(served.sandbox.qbo_company.rows("Customer")))
    return str(ident), str(rec["DisplayName"])


def settings_of(tmp_path: Path) -> Any:
    store = open_store(tmp_path / "state.db")
    return store.profile_settings(store.get_profile("books").id)


def test_the_setup_file_asks_for_a_customer_and_the_words_then_locks_it(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds: dict[str, Any] = served.credentials()
    ident, name = master(served)
    path = write_setup(tmp_path, creds, syncs=SYNCS + f'summary_customer = "{name}"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert "[syncs] summary_customer and the other summary_ keys need summary_mode = true." in (
        capsys.readouterr().out
    )

    on = SYNCS + "summary_mode = true\n"
    write_setup(tmp_path, creds, syncs=on + f'summary_customer = "{name}"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert f"✘ 7 What syncs: [syncs] {UNCONFIRMED}" in capsys.readouterr().out
    assert not settings_of(tmp_path).summary_mode

    words = f'summary_confirm = "{CONFIRM_WORDS}"\n'
    write_setup(tmp_path, creds, syncs=on + words + 'summary_customer = "Nobody At All"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "QuickBooks Online has no active customer 'Nobody At All'" in out, out
    assert not settings_of(tmp_path).summary_mode

    write_setup(tmp_path, creds, syncs=on + words + f'summary_customer = "{name.upper()}"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waits: start = false
    assert "✔ 7 What syncs" in capsys.readouterr().out
    settings = settings_of(tmp_path)
    assert settings.summary_mode and settings.summary_customer == ident
    assert settings.summary_start == dt.date.today().isoformat()
    assert settings.summary_ar_account == ""  # the company's only A/R account

    write_setup(tmp_path, creds, syncs=SYNCS + "summary_mode = false")
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert f"✘ 7 What syncs: [syncs] {LOCKED}" in capsys.readouterr().out
    assert settings_of(tmp_path).summary_mode


def test_once_on_only_a_missing_tax_account_may_be_named(
    tmp_path: Path, served: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds: dict[str, Any] = served.credentials()
    assert run(tmp_path, monkeypatch, "--from-file", str(write_setup(tmp_path, creds))) == 1
    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    ident, name = master(served)
    day = dt.date(2026, 3, 2)

    def save(wanted: bool, customer: str, typed: str = "", **accounts: str) -> str | None:
        return save_summary_mode(
            store, profile, wanted, customer, typed, "me", today=day, **accounts
        )

    assert save(True, name, "summarise weekly") == UNCONFIRMED
    assert save(True, name, CONFIRM_WORDS, tax_account="Nope") == (
        "QuickBooks Online has no active account 'Nope' for sales tax (summary_tax_account): "
        "name one by its name or id."
    )
    assert not summary_state(store, profile).on
    assert save(True, ident, CONFIRM_WORDS) is None  # by its id this time
    state = summary_state(store, profile)
    assert (state.on, state.start, state.customer, state.customer_name) == (
        True,
        "2026-03-02",
        ident,
        name,
    )
    assert setting_words(state) == f"on (locked) since 2026-03-02, customer {name!r}"
    audit = [r["field"] for r in store.audit(profile.id) if r["field"].startswith("summary_")]
    assert sorted(audit) == [
        "summary_ar_account",
        "summary_customer",
        "summary_mode",
        "summary_start",
        "summary_tax_account",
    ]

    assert save(False, "") == LOCKED
    other = next(
        str(rec["DisplayName"])
        for _i, rec in served.sandbox.qbo_company.rows("Customer")
        if rec["DisplayName"] != name
    )
    assert save(True, other) == LOCKED
    assert save(True, name) is None  # the same choice again changes nothing
    assert save(True, "", tax_account="Sales Tax Payable") is None  # none was named yet
    assert store.profile_settings(profile.id).summary_tax_account
    assert save(True, "", tax_account="Business Checking") == LOCKED
    assert summary_state(store, profile).customer == ident


def test_the_words_say_exactly_what_changes(tmp_path: Path, served: RunningSandbox) -> None:
    store = open_store(tmp_path / "state.db")
    import argparse

    from recontui.cli import save_sandbox_profile
    from recontui.wiring import open_secrets

    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": "pp"})
    save_sandbox_profile(store, argparse.Namespace(), "p", served.credentials(), secrets)
    text = what_changes(store.get_profile("p"), "Daily Sales", dt.date(2026, 3, 2))
    assert text == (
        "From 2026-03-02, BILL invoices, credit memos and payments received dated from that "
        "day that QuickBooks Online does not already hold are no longer created in "
        "QuickBooks Online one by one: each day's are posted as one journal entry against "
        "customer 'Daily Sales', and a document edited later gets an adjusting entry. "
        "Documents already in QuickBooks Online, and those dated before 2026-03-02, stay as "
        "they are. It cannot be turned off."
    )
