"""The Auto-resolved list in the store: rule decisions newest first, keyset paged, overrides."""

from __future__ import annotations

import pytest

from recontui.store import Profile, Store, StoreError


def add(store: Store, profile: Profile, by: str, link: int = 1, field: str = "email") -> int:
    with store.transaction():
        store.add_audit(
            profile.id,
            7,
            "customer",
            link,
            [{"field": field, "side": "a", "old": f"old {by}", "new": f"new {by}", "by": by}],
            actor="recontui",
        )
    return max(r["id"] for r in store.audit(profile.id, limit=1))


def test_only_rule_decisions_newest_first_in_keyset_pages(store: Store, profile: Profile) -> None:
    kinds = ["merge", "rule:1", "resolution", "rule:12", "override", "rules", "revert", "rule:2"]
    rule_ids = []
    for i in range(150):
        by = kinds[i % len(kinds)]
        audit_id = add(store, profile, by, link=i)
        if by.startswith("rule:"):
            rule_ids.append(audit_id)
    seen: list[int] = []
    before = None
    while True:
        page = store.rule_decisions(profile.id, before_id=before, limit=20)
        seen += [r["id"] for r in page]
        if len(page) < 20:
            break
        before = page[-1]["id"]
    assert seen == sorted(rule_ids, reverse=True)
    first = store.rule_decisions(profile.id, limit=1)[0]
    assert (first["id"], first["by"], first["old"]) == (rule_ids[-1], "rule:12", "old rule:12")


def test_another_profiles_decisions_are_not_listed(store: Store, profile: Profile) -> None:
    other = store.save_profile("other", "bill", "qbo", {}, {})
    add(store, other, "rule:1")
    mine = add(store, profile, "rule:1")
    assert [r["id"] for r in store.rule_decisions(profile.id)] == [mine]
    assert store.rule_decision(other.id, mine) is None


def test_an_override_belongs_to_the_last_decision_before_it(store: Store, profile: Profile) -> None:
    older = add(store, profile, "rule:1")
    newer = add(store, profile, "rule:1")
    other_field = add(store, profile, "rule:1", field="phone")
    override = add(store, profile, "override")
    rows = {r["id"]: r for r in store.rule_decisions(profile.id)}
    assert rows[newer]["override_id"] == override and rows[newer]["next_id"] is None
    # The older one was replaced before the override: the override is not its own.
    assert rows[older]["next_id"] == newer and rows[older]["override_id"] == override
    assert rows[other_field]["override_id"] is None
    assert store.rule_decision(profile.id, override) is None, "an override is no decision"


def test_the_page_is_served_by_the_audit_by_index(store: Store, profile: Profile) -> None:
    """Schema V3 adds this index; the query must use it rather than scan the audit table."""
    store.db.conn.execute("CREATE INDEX IF NOT EXISTS audit_by ON audit(profile_id, by, id)")
    for i in range(30):
        add(store, profile, "merge" if i % 3 else "rule:1", link=i)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        store.rule_decisions(profile.id, before_id=25, limit=5)
    finally:
        store.db.conn.set_trace_callback(None)
    sql = next(s for s in statements if "WITH page" in s)
    plan = " ".join(str(row[-1]) for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "INDEX audit_by (profile_id=? AND by>? AND by<?)" in plan, plan


def test_record_override_opens_a_conflict_and_audits_it(store: Store, profile: Profile) -> None:
    link = store.placeholder_link(profile.id, "customer", "a", "42")
    decision_id = add(store, profile, "rule:1", link=link)
    decision = store.rule_decision(profile.id, decision_id)
    entry = {"base": "b@x", "a": "a@x", "b": "b@x", "kind": "override", "side": "a"}
    cid = store.record_override(
        profile.id, decision, link, entry, "va", "vb", conflict_id=None, note="n", actor="alice"
    )
    conflict = store.conflict(cid)
    assert (conflict.status, conflict.kind, conflict.fields) == ("open", "field", {"email": entry})
    assert (conflict.a_version, conflict.b_version) == ("va", "vb")
    audit = store.audit(profile.id, limit=1)[0]
    assert (audit["by"], audit["actor"], audit["side"]) == ("override", "alice", "a")
    assert (audit["old"], audit["new"]) == (decision["new"], decision["old"])
    assert store.rule_decision(profile.id, decision_id)["override_id"] == audit["id"]


def test_record_override_into_a_conflict_no_longer_open_is_refused(
    store: Store, profile: Profile
) -> None:
    link = store.placeholder_link(profile.id, "customer", "a", "42")
    decision = store.rule_decision(profile.id, add(store, profile, "rule:1", link=link))
    with store.transaction():
        cid = store.open_conflict(
            profile.id, link, "customer", "field", {"phone": {}}, None, None, None
        )
    store.resolve_conflict(cid, {"phone": ["a", None]}, actor="alice")
    before = len(store.audit(profile.id))
    with pytest.raises(StoreError, match="no longer open"):
        store.record_override(
            profile.id, decision, link, {}, None, None, conflict_id=cid, note="n", actor="alice"
        )
    assert len(store.audit(profile.id)) == before, "nothing half-written"
