"""The outbox is looked up by link, conflict and run through indexes, never by scanning
every op ever queued (issue 15: `live_ops_for_link` took 761 µs a call at 100k ops without
an index on `outbox(link_id)`, 6.6 µs with one, and the plan step calls it once per pair)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from recontui.model.states import OpKind, OpState
from recontui.store import Profile, Store


def queue(store: Store, profile: Profile, n: int) -> list[int]:
    run = store.start_run(profile.id, trigger="test", dry_run=False)
    links = [store.placeholder_link(profile.id, "customer", "a", f"c{i}") for i in range(n)]
    for i, link in enumerate(links):
        store.add_op(
            profile.id,
            run,
            link,
            "customer",
            "b",
            OpKind.UPDATE,
            f"r{i}",
            "1",
            {"changes": {"email": "x@y.test"}},
            uuid.uuid4().hex,
            state=OpState.DONE if i % 2 else OpState.PENDING,
        )
    return links


def plans(store: Store, call: Callable[[], object]) -> list[str]:
    """The query plan of every statement ``call`` sends that reads or updates the outbox."""
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.db.conn.set_trace_callback(None)
    out = []
    for sql in statements:
        if "outbox" not in sql or sql.lstrip().upper().startswith("INSERT"):
            continue
        rows = store.db.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        out.append(" | ".join(str(row[-1]) for row in rows))
    assert out, "the call sent no outbox statement"
    return out


@pytest.mark.parametrize(
    "name",
    [
        "live_ops_for_link",
        "ops_for_conflict",
        "count_live_ops_for_conflict",
        "run_op_ids",
        "planned_changes",
        "hold_planned_changes",
    ],
)
def test_each_look_up_uses_an_index(store: Store, profile: Profile, name: str) -> None:
    links = queue(store, profile, 200)
    run = store.runs(profile.id, limit=1)[0]["id"]
    calls: dict[str, Callable[[], object]] = {
        "live_ops_for_link": lambda: store.live_ops_for_link(links[7]),
        "ops_for_conflict": lambda: store.ops_for_conflict(3),
        "count_live_ops_for_conflict": lambda: store.count_live_ops_for_conflict(3),
        "run_op_ids": lambda: store.run_op_ids(run),
        "planned_changes": lambda: store.planned_changes(run),
        "hold_planned_changes": lambda: store.hold_planned_changes(run, "b"),
    }
    for plan in plans(store, calls[name]):
        assert "SCAN outbox" not in plan, plan
        assert "USING INDEX outbox_" in plan or "USING COVERING INDEX outbox_" in plan, plan
