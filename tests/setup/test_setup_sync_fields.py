"""The per-entity field settings: ``[syncs.update_fields]`` and ``[syncs.fields]`` of
`recontui setup --from-file`, and the one headless check-and-save the Preferences screen
calls too (setup/sync_fields.py): refused with one sentence, saved with an audit entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_setup_from_file import run, write_setup

from recontui.sandbox import RunningSandbox
from recontui.setup.sync_fields import (
    field_settings,
    parse_choice,
    save_field_subset,
    save_update_fields,
    setting_words,
)
from recontui.store import open_store

SYNCS = 'initial_window = "all"\nschedule = "off"\n\n'


def test_the_setup_file_sets_update_fields_and_field_subsets(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    bad = SYNCS + '[syncs.fields]\ncustomer = ["email", "phone"]'
    path = write_setup(tmp_path, creds, syncs=bad)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert (
        "[syncs] fields: Customer: the fields synced must include name, without which a "
        "record cannot be created or named." in out
    ), out

    good = (
        SYNCS + '[syncs.update_fields]\ncustomer = ["address_line1", "phone"]\nvendor = "none"\n\n'
        '[syncs.fields]\ncustomer = ["name", "email", "phone", "address_line1"]'
    )
    write_setup(tmp_path, creds, syncs=good)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waits for start
    out = capsys.readouterr().out
    assert "✔ 7 What syncs" in out, out
    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    settings = store.profile_settings(profile.id)
    assert settings.update_fields == {"customer": ("address_line1", "phone"), "vendor": "none"}
    assert settings.field_subsets == {"customer": ("address_line1", "email", "name", "phone")}


def test_one_check_and_save_refuses_and_audits(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("p", "bill", "qbo", {}, {})
    assert save_update_fields(store, profile, "customer", ["fax"], "me") is not None
    assert save_field_subset(store, profile, "customer", ["name", "email"], "me") is None
    assert save_update_fields(store, profile, "customer", ["phone"], "me") == (
        "Customer: phone is not synced at all (the entity's fields synced leave it out); "
        "add it to those fields first."
    )
    assert save_update_fields(store, profile, "customer", "none", "me") is None
    audit = [e for e in store.audit(profile.id) if e["field"] == "update_fields.customer"]
    assert [e["new"] for e in audit] == ["none"]  # the refused values were never saved
    rows = {s.entity: s for s in field_settings(store, profile)}
    assert rows["customer"].update_fields == "none"
    assert rows["customer"].fields == ("email", "name")
    assert rows["vendor"].update_fields == "all"
    assert setting_words(rows["customer"].update_fields) == "none (import only)"
    assert parse_choice(" Address_line1, phone ") == ["Address_line1", "phone"]
    assert parse_choice("NONE") == "none"
