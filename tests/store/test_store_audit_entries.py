"""The audit trail as `recontui audit` reads it: newest first, one profile's, narrowed by
run, field, entity and records, a page at a time; a run's entries are found by index."""

from __future__ import annotations

from recontui.store import Profile, Store


def add(
    store: Store,
    profile: Profile,
    *,
    run: int | None,
    link: int | None = 1,
    field: str = "email",
    entity: str = "customer",
) -> int:
    entry = {"field": field, "side": "a", "old": "old", "new": "new", "by": "merge"}
    store.add_audit(profile.id, run, entity, link, [entry], actor="recontui")
    return max(r["id"] for r in store.audit(profile.id, limit=1))


def ids(rows: list[dict]) -> list[int]:
    return [r["id"] for r in rows]


def test_newest_first_narrowed_by_each_filter(store: Store, profile: Profile) -> None:
    other = store.save_profile("other", "bill", "qbo", {}, {})
    a = add(store, profile, run=1, link=10)
    b = add(store, profile, run=2, link=11, field="phone")
    c = add(store, profile, run=2, link=12, entity="vendor")
    d = add(store, profile, run=None, link=None, field="schedule", entity="settings")
    add(store, other, run=2, link=13)
    assert ids(store.audit_entries(profile.id)) == [d, c, b, a]
    assert ids(store.audit_entries(profile.id, run_id=2)) == [c, b]
    assert ids(store.audit_entries(profile.id, field="phone")) == [b]
    assert ids(store.audit_entries(profile.id, entity="settings")) == [d]
    assert ids(store.audit_entries(profile.id, link_ids=[10, 12, 13])) == [c, a]
    assert store.audit_entries(profile.id, link_ids=[]) == []
    assert ids(store.audit_entries(profile.id, run_id=2, entity="customer")) == [b]
    assert ids(store.audit_entries(profile.id, limit=2)) == [d, c]
    assert ids(store.audit_entries(profile.id, before_id=c, limit=2)) == [b, a]
    row = store.audit_entries(profile.id, field="phone")[0]
    assert (row["old"], row["new"], row["by"], row["actor"]) == ("old", "new", "merge", "recontui")


def plan_of(store: Store, call: object) -> str:
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        call()  # type: ignore[operator]
    finally:
        store.db.conn.set_trace_callback(None)
    sql = next(s for s in statements if "FROM audit" in s)
    return " ".join(str(row[-1]) for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql))


def test_a_run_is_found_by_index_not_by_scanning_the_audit(store: Store, profile: Profile) -> None:
    for i in range(40):
        add(store, profile, run=i % 4, link=i)
    plan = plan_of(store, lambda: store.audit_entries(profile.id, run_id=3, limit=5))
    assert "USING INDEX audit_run (run_id=?)" in plan, plan
    assert "SCAN audit" not in plan, plan


def test_records_are_found_by_their_links(store: Store, profile: Profile) -> None:
    for i in range(40):
        add(store, profile, run=1, link=i)
    plan = plan_of(store, lambda: store.audit_entries(profile.id, link_ids=[3, 5], limit=5))
    assert "USING INDEX audit_link (link_id=?)" in plan, plan
    assert "SCAN audit" not in plan, plan
