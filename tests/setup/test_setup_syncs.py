"""Step 7, What syncs, headless: the preset, what `save_syncs` refuses (one sentence, the
same words as the console's Preferences, nothing saved) and what it saves (audited, the
settings and master rules the engine reads)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from recontui.engine.window import WindowError, parse_window
from recontui.model.entities import SYNCED
from recontui.run.settings import policy_from
from recontui.schedule import ScheduleError, parse_schedule
from recontui.setup.syncs import (
    PRESET_DIRECTIONS,
    SyncsChoices,
    current_syncs,
    direction_change,
    save_syncs,
)
from recontui.store import Profile, Store, open_store


@pytest.fixture
def made(tmp_path: Path) -> tuple[Store, Profile]:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("main", "bill", "qbo", {}, {})
    return store, profile


def audited_keys(store: Store, profile: Profile) -> list[str]:
    return [row["field"] for row in store.audit(profile.id) if row["entity"] == "settings"]


def test_a_new_profile_is_offered_the_usual_ownership(made: tuple[Store, Profile]) -> None:
    store, profile = made
    shown = current_syncs(store, profile)
    assert shown.preset
    assert shown.directions["customer"] == shown.directions["invoice"] == "both"
    assert shown.directions["account"] == shown.directions["item"] == "both"
    for name in ("bill", "bill_payment", "vendor_credit"):
        assert shown.directions[name] == "a_to_b"
        assert shown.masters[name] == "a"
    assert shown.masters["customer"] is None
    assert shown.window == "90 days"
    assert shown.include_inactive is False
    assert set(shown.directions) == set(SYNCED)


def test_saving_writes_what_the_engine_reads(made: tuple[Store, Profile]) -> None:
    store, profile = made
    shown = current_syncs(store, profile)
    chosen = replace(
        shown,
        directions={**shown.directions, "vendor": "b_to_a"},
        masters={**shown.masters, "customer": "b"},
        window="from 2026-01-01",
        include_inactive=True,
        schedule="daily at 2:30",
    )
    assert save_syncs(store, profile, chosen, "tester") is None
    settings = store.profile_settings(profile.id)
    assert settings.directions["vendor"] == "b_to_a"
    assert settings.directions["bill"] == "a_to_b"
    assert settings.initial_window == "from 2026-01-01"
    assert settings.schedule == "daily 02:30"  # as Preferences saves it: the parsed form
    assert settings.include_inactive is True
    policy = policy_from(store, profile)
    assert policy.direction("vendor") == "b_to_a"
    customer_rule = policy.master_rule("customer", "email")
    assert customer_rule is not None and customer_rule.side == "b"
    bill_rule = policy.master_rule("bill", "amount")
    assert bill_rule is not None and (bill_rule.kind, bill_rule.side) == ("prefer", "a")
    assert policy.master_rule("invoice", "amount") is None
    keys = audited_keys(store, profile)
    assert "direction.vendor" in keys and "include_inactive" in keys
    again = current_syncs(store, profile)
    assert not again.preset
    assert again == replace(chosen, schedule="daily 02:30")  # what a resumed setup shows


def test_a_changed_master_replaces_the_rule_and_saving_again_changes_nothing(
    made: tuple[Store, Profile],
) -> None:
    store, profile = made
    shown = current_syncs(store, profile)
    assert save_syncs(store, profile, shown, "tester") is None
    before = len(store.audit(profile.id))
    assert save_syncs(store, profile, current_syncs(store, profile), "tester") is None
    assert len(store.audit(profile.id)) == before, "an unchanged choice was written again"
    moved = replace(shown, masters={**shown.masters, "bill": "b", "vendor_credit": None})
    assert save_syncs(store, profile, moved, "tester") is None
    rules = [(r["entity"], r["side"]) for r in store.rules(profile.id)]
    assert sorted(rules) == [("bill", "b"), ("bill_payment", "a")]
    assert current_syncs(store, profile).masters["vendor_credit"] is None


@pytest.mark.parametrize("window", ["90 weeks", "0 days", "from 2026-02-30"])
def test_a_bad_window_is_refused_in_preferences_words(
    made: tuple[Store, Profile], window: str
) -> None:
    store, profile = made
    with pytest.raises(WindowError) as said:
        parse_window(window)
    chosen = replace(current_syncs(store, profile), window=window)
    assert save_syncs(store, profile, chosen, "tester") == str(said.value)
    assert store.settings(profile.id) == {}, "a refused step saved something"
    assert store.rules(profile.id) == []


def test_a_bad_schedule_is_refused_in_preferences_words(made: tuple[Store, Profile]) -> None:
    store, profile = made
    with pytest.raises(ScheduleError) as said:
        parse_schedule("at teatime")
    chosen = replace(current_syncs(store, profile), schedule="at teatime")
    assert save_syncs(store, profile, chosen, "tester") == str(said.value)
    assert store.settings(profile.id) == {}


def test_unknown_directions_entities_and_sides_are_one_sentence(
    made: tuple[Store, Profile],
) -> None:
    store, profile = made
    shown = current_syncs(store, profile)
    bad = [
        replace(shown, directions={**shown.directions, "bill": "sideways"}),
        replace(shown, directions={**shown.directions, "journal_entry": "both"}),
        replace(shown, masters={**shown.masters, "bill": "c"}),  # type: ignore[dict-item]
    ]
    said = [save_syncs(store, profile, choices, "tester") for choices in bad]
    assert said[0] is not None and "'sideways' is not a direction" in said[0]
    assert said[1] is not None and "'journal_entry' is not an entity recontui syncs" in said[1]
    assert said[2] is not None and "master" in said[2]
    for sentence in said:
        assert sentence is not None and sentence.endswith(".") and "\n" not in sentence
    assert store.settings(profile.id) == {}


def test_an_entity_left_out_keeps_its_saved_direction(made: tuple[Store, Profile]) -> None:
    store, profile = made
    store.set_setting(profile.id, "direction.customer", "b_to_a", actor="tester")
    partial = SyncsChoices({"bill": "both"}, {}, "all", False, "off")
    assert save_syncs(store, profile, partial, "tester") is None
    directions = store.profile_settings(profile.id).directions
    assert directions["customer"] == "b_to_a"
    assert directions["bill"] == "both"
    assert directions["vendor"] == PRESET_DIRECTIONS["vendor"]


def test_a_direction_change_says_what_it_means() -> None:
    assert direction_change("bill", "a_to_b", "none", "BILL", "QuickBooks") == (
        "Bills will no longer be copied from BILL to QuickBooks."
    )
    assert direction_change("customer", "both", "a_to_b", "BILL", "QuickBooks") == (
        "Customers will no longer be copied from QuickBooks to BILL."
    )
    assert direction_change("class", "a_to_b", "b_to_a", "BILL", "QuickBooks") == (
        "Classes will no longer be copied from BILL to QuickBooks. "
        "Classes will now be copied from QuickBooks to BILL."
    )
