"""The profile's filters in `recontui setup --from-file` (``[syncs.include_types.<entity>]``,
``[syncs.created_range]``) and the one headless check-and-save Preferences calls too
(setup/filters.py): refused with one sentence and nothing saved, or saved with an audit
entry; "all" clears a filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_setup_from_file import run, write_setup

from recontui.sandbox import RunningSandbox
from recontui.setup.filters import (
    created_ranges,
    list_words,
    save_created_range,
    save_type_list,
    type_lists,
)
from recontui.setup.first_sync import change_detail, plan_counts
from recontui.store import open_store

SYNCS = 'initial_window = "all"\nschedule = "off"\n\n'


def test_the_setup_file_sets_the_filters(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    bad = SYNCS + '[syncs.include_types.vendor]\nqbo = ["Retail"]'
    path = write_setup(tmp_path, creds, syncs=bad)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert (
        "[syncs] include_types.vendor.qbo: Vendors in QuickBooks Online carry no type, so "
        "they take no include list." in out
    ), out

    bad = SYNCS + '[syncs.created_range]\nbill = "2026-03-31 to 2026-01-01"'
    write_setup(tmp_path, creds, syncs=bad)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "[syncs] created_range.bill: '2026-03-31 to 2026-01-01': the range ends" in out, out

    good = (
        SYNCS + '[syncs.include_types.customer]\nqbo = ["Retail", "Wholesale"]\nbill = "all"\n\n'
        '[syncs.include_types.vendor]\nbill = ["BUSINESS"]\n\n'
        '[syncs.created_range]\nbill = "from 2026-01-01"\nqbo = "2026-01-01 to 2026-03-31"'
    )
    write_setup(tmp_path, creds, syncs=good)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waits for start
    out = capsys.readouterr().out
    assert "✔ 7 What syncs" in out, out
    store = open_store(tmp_path / "state.db")
    settings = store.profile_settings(store.get_profile("books").id)
    assert settings.include_types == {
        "customer.qbo": ("Retail", "Wholesale"),
        "vendor.bill": ("BUSINESS",),
    }
    assert settings.created_ranges == {
        "bill": ("2026-01-01", ""),
        "qbo": ("2026-01-01", "2026-03-31"),
    }


def test_one_check_and_save_refuses_audits_and_clears(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("p", "bill", "qbo", {}, {})
    assert save_type_list(store, profile, "customer", "xero", "Retail", "me") is not None
    assert save_type_list(store, profile, "customer", "qbo", [], "me") is not None
    assert save_created_range(store, profile, "qbo", "last spring", "me") == (
        "'last spring' is not a date range; write one of: all, 2026-01-01 to 2026-03-31, "
        "from 2026-01-01, or to 2026-03-31."
    )
    assert store.profile_settings(profile.id).include_types == {}  # nothing refused is saved

    assert save_type_list(store, profile, "customer", "qbo", "Retail, (no type)", "me") is None
    assert save_created_range(store, profile, "bill", "to 2026-03-31", "me") is None
    lists = {(t.entity, t.system): t for t in type_lists(store, profile)}
    assert set(lists) == {("customer", "qbo"), ("customer", "bill"), ("vendor", "bill")}
    assert lists[("customer", "qbo")].label() == "Customer types from QuickBooks Online"
    assert lists[("vendor", "bill")].label() == "Vendor account types from BILL"
    assert list_words(lists[("customer", "qbo")].names) == "Retail, (no type)"
    assert list_words(lists[("vendor", "bill")].names) == "all"
    ranges = {r.system: r for r in created_ranges(store, profile)}
    assert str(ranges["bill"].range) == "to 2026-03-31" and str(ranges["qbo"].range) == "all"
    assert ranges["bill"].label() == "Created in BILL (copied to QuickBooks Online)"

    assert save_type_list(store, profile, "customer", "qbo", "all", "me") is None
    assert save_created_range(store, profile, "bill", "all", "me") is None
    settings = store.profile_settings(profile.id)
    assert settings.include_types == {} and settings.created_ranges == {}
    audit = [e for e in store.audit(profile.id) if e["field"].startswith(("include_", "created_"))]
    assert [(e["field"], e["new"]) for e in reversed(audit)] == [
        ("include_types.customer.qbo", ["Retail", "(no type)"]),
        ("created_range.bill", ["", "2026-03-31"]),
        ("include_types.customer.qbo", None),
        ("created_range.bill", None),
    ]


def test_the_setups_plan_counts_what_the_filters_keep_out_as_one_kind_of_change() -> None:
    """Step 9's plan (setup/first_sync.py) counts records by what happens to them: records
    kept out for different days are still one kind, not one row per day."""
    items = [
        {
            "entity": "customer",
            "op": "not_sent",
            "kind": "filter",
            "link": day,
            "fields": ["created"],
            "why": f"not copied: created 2025-12-0{day}, outside the created-date range "
            "from 2026-01-01",
        }
        for day in (1, 2, 3)
    ]
    assert plan_counts(items) == {("customer", "not copied by your filters"): 3}
    assert change_detail(items[0]) == (
        "not copied: created 2025-12-01, outside the created-date range from 2026-01-01"
    )
