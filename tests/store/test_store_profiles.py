"""Profiles, settings with their audit trail, rules, and what removing a profile takes."""

from __future__ import annotations

import pytest
from store_helpers import count, open_field_conflict, pull_one, record

from recontui.store import Profile, ProfileNotFound, Store

A_SETTINGS = {"api_base": "https://api.bill.test", "organization_id": "00801ORG"}
B_SETTINGS = {"api_base": "https://qbo.test", "realm_id": "9130350000001"}


def test_first_profile_saved_becomes_the_default(store: Store) -> None:
    acme = store.save_profile("acme", "bill", "qbo", A_SETTINGS, B_SETTINGS)
    globex = store.save_profile("globex", "bill", "qbo", {}, {})

    assert acme.is_default and not globex.is_default
    assert store.get_profile().name == "acme"
    got = store.get_profile("acme")
    assert got == acme
    assert (got.system("a"), got.system("b")) == ("bill", "qbo")
    assert got.side_settings("a") == A_SETTINGS and got.side_settings("b") == B_SETTINGS


def test_making_another_profile_default_moves_the_flag(store: Store) -> None:
    store.save_profile("acme", "bill", "qbo", A_SETTINGS, B_SETTINGS)
    store.save_profile("globex", "bill", "qbo", {}, {}, make_default=True)

    assert store.get_profile().name == "globex"
    assert [(p.name, p.is_default) for p in store.list_profiles()] == [
        ("acme", False),
        ("globex", True),
    ]


def test_saving_an_existing_name_updates_it_in_place(store: Store) -> None:
    first = store.save_profile("acme", "bill", "qbo", A_SETTINGS, B_SETTINGS)
    store.set_company_ids(first.id, "00801ORG", "9130350000001")

    updated = store.save_profile(
        "acme", "bill", "qbo", {**A_SETTINGS, "username": "ap"}, {"api_base": "https://qbo2.test"}
    )

    assert updated.id == first.id and updated.is_default
    assert updated.a_settings == {**A_SETTINGS, "username": "ap"}
    assert updated.b_settings == {"api_base": "https://qbo2.test"}
    assert (updated.a_company_id, updated.b_company_id) == ("00801ORG", "9130350000001")
    assert len(store.list_profiles()) == 1


def test_company_ids_given_as_none_are_kept(store: Store, profile: Profile) -> None:
    store.set_company_ids(profile.id, "00801ORG", "9130350000001")
    store.set_company_ids(profile.id, None, "9130350000002")
    got = store.get_profile("acme")
    assert (got.a_company_id, got.b_company_id) == ("00801ORG", "9130350000002")


def test_unknown_profile_name_lists_the_known_ones(store: Store) -> None:
    store.save_profile("acme", "bill", "qbo", {}, {})
    store.save_profile("globex", "bill", "qbo", {}, {})
    with pytest.raises(ProfileNotFound, match=r"'initech'.*known: acme, globex") as caught:
        store.get_profile("initech")
    assert str(store.path) in str(caught.value)
    assert "recontui profile add" in str(caught.value)


def test_no_profile_yet_is_said_plainly(store: Store) -> None:
    with pytest.raises(ProfileNotFound, match="No profile exists yet"):
        store.get_profile()
    with pytest.raises(ProfileNotFound, match="known: none yet"):
        store.get_profile("acme")


def test_removing_a_profile_cascades_to_everything_it_owns(store: Store, profile: Profile) -> None:
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    other = store.save_profile("globex", "bill", "qbo", {}, {})

    def populate(p: Profile) -> None:
        run = store.start_run(p.id, trigger="cli", dry_run=False)
        store.add_event(run, "info", "pull", "pulled")
        store.acquire_lock(p.id, run)
        link = pull_one(store, p.id, "a", record("0cu01", "v1"), cursor="c1")
        open_field_conflict(store, p.id, link, run_id=run)
        with store.transaction():
            store.set_base(link, {"name": "Acme Ltd"}, "v1", None, run)
            store.add_op(
                p.id,
                run,
                link,
                "customer",
                "b",
                "create",
                None,
                None,
                {"name": "Acme Ltd"},
                f"idem-{p.name}",
            )
        store.set_setting(p.id, "merge.prefer", "a", actor="alice")
        store.add_rule(p.id, "prefer", "b", "customer", "email", actor="alice")
        store.release_lock(p.id, run)
        store.acquire_lock(p.id, run)

    populate(profile)
    populate(other)
    owned = [
        "links",
        "conflicts",
        "outbox",
        "settings",
        "rules",
        "runs",
        "audit",
        "cursors",
        "locks",
    ]
    assert all(count(store, t, "profile_id=?", (profile.id,)) == 1 for t in owned)

    store.remove_profile("acme")

    for table in owned:
        assert count(store, table, "profile_id=?", (profile.id,)) == 0, table
        assert count(store, table, "profile_id=?", (other.id,)) == 1, table
    assert count(store, "bases") == 1 and count(store, "events") == 1
    assert [p.name for p in store.list_profiles()] == ["globex"]
    with pytest.raises(ProfileNotFound):
        store.get_profile("acme")


def test_removing_an_unknown_profile_is_profile_not_found(store: Store, profile: Profile) -> None:
    with pytest.raises(ProfileNotFound, match="known: acme"):
        store.remove_profile("initech")
    assert [p.name for p in store.list_profiles()] == ["acme"]


def test_set_setting_writes_an_audit_row_with_old_and_new(store: Store, profile: Profile) -> None:
    store.set_setting(profile.id, "schedule.minutes", 15, actor="alice")
    store.set_setting(profile.id, "schedule.minutes", 30, actor="bob")
    store.set_setting(profile.id, "entities", ["customer", "vendor"], actor="bob")

    assert store.settings(profile.id) == {
        "schedule.minutes": 30,
        "entities": ["customer", "vendor"],
    }
    trail = [(a["field"], a["old"], a["new"], a["actor"]) for a in store.audit(profile.id)]
    assert trail == [
        ("entities", None, ["customer", "vendor"], "bob"),
        ("schedule.minutes", 15, 30, "bob"),
        ("schedule.minutes", None, 15, "alice"),
    ]
    assert {(a["entity"], a["by"], a["link_id"]) for a in store.audit(profile.id)} == {
        ("settings", "settings", None)
    }


def test_audit_old_value_is_the_one_actually_replaced_under_a_concurrent_writer(
    store: Store, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recontui.store import open_store

    store.set_setting(profile.id, "schedule.minutes", 15, actor="alice")
    other = open_store(store.path)  # e.g. the console, while the CLI changes the setting
    real_transaction = store.transaction

    def other_writes_first():  # type: ignore[no-untyped-def]
        monkeypatch.setattr(store, "transaction", real_transaction)
        other.set_setting(profile.id, "schedule.minutes", 60, actor="carol")
        return real_transaction()

    monkeypatch.setattr(store, "transaction", other_writes_first)
    try:
        store.set_setting(profile.id, "schedule.minutes", 30, actor="bob")
    finally:
        other.close()

    latest = store.audit(profile.id, limit=1)[0]
    assert (latest["actor"], latest["old"], latest["new"]) == ("bob", 60, 30)


def test_rules_keep_their_note_and_can_be_deleted(store: Store, profile: Profile) -> None:
    keep = store.add_rule(
        profile.id,
        "prefer",
        "b",
        "customer",
        "email",
        actor="alice",
        note="the ledger owns contact details",
    )
    drop = store.add_rule(profile.id, "ignore", None, "vendor", "phone", actor="alice")

    assert [(r["id"], r["note"]) for r in store.rules(profile.id)] == [
        (keep, "the ledger owns contact details"),
        (drop, None),
    ]
    assert store.delete_rule(profile.id, drop) is True
    assert store.delete_rule(profile.id, drop) is False
    assert [r["id"] for r in store.rules(profile.id)] == [keep]
