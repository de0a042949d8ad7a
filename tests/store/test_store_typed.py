"""The store's API: one transaction style, typed rows, typed settings."""

from __future__ import annotations

import datetime as dt
import inspect
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from store_helpers import open_field_conflict, pull_one, record

from recontui.model import Ref
from recontui.model.states import (
    Choice,
    ConflictKind,
    ConflictStatus,
    LinkState,
    OpKind,
    OpState,
    Pick,
)
from recontui.store import Profile, ProfileSettings, Store


def test_no_public_store_method_takes_a_connection() -> None:
    takes_conn = [
        name
        for name, method in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_") and "conn" in inspect.signature(method).parameters
    ]
    assert takes_conn == []


def test_writes_inside_a_callers_transaction_roll_back_with_it(
    store: Store, profile: Profile
) -> None:
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    with pytest.raises(RuntimeError), store.transaction():
        store.clear_dirty(link_id)
        store.set_link_state(link_id, LinkState.IGNORED)
        open_field_conflict(store, profile.id, link_id)
        raise RuntimeError("the caller fails after the writes")

    link = store.link(link_id)
    assert link is not None and link.dirty == 1 and link.state == LinkState.UNPAIRED
    assert store.conflicts(profile.id) == []


def test_a_failed_multi_statement_write_leaves_the_callers_earlier_writes(
    store: Store, profile: Profile
) -> None:
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    with store.transaction():
        store.clear_dirty(link_id)
        with pytest.raises(Exception, match="vanished"):
            store.pair_links(link_id, 9999)
    link = store.link(link_id)
    assert link is not None and link.dirty == 0


def test_rows_read_back_with_their_states_typed(store: Store, profile: Profile) -> None:
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    cid = open_field_conflict(store, profile.id, link_id)
    op_id = store.add_op(
        profile.id, None, link_id, "customer", "b", OpKind.CREATE, None, None, {}, "k1"
    )

    link = store.link(link_id)
    conflict = store.conflict(cid)
    (op,) = [o for o in store.ops(profile.id, [OpState.PENDING]) if o.id == op_id]
    assert link is not None and conflict is not None
    assert type(link.state) is LinkState and link.state is LinkState.UNPAIRED
    assert type(conflict.kind) is ConflictKind and conflict.kind is ConflictKind.FIELD
    assert type(conflict.status) is ConflictStatus and conflict.status is ConflictStatus.OPEN
    assert type(op.state) is OpState and type(op.op) is OpKind and op.op is OpKind.CREATE


@pytest.mark.parametrize(
    "value",
    [Decimal("1250.40"), Decimal("0.001"), dt.date(2026, 3, 1), Ref("customer", 7), "text", None],
)
def test_a_choice_reads_back_exactly_as_written(
    store: Store, profile: Profile, value: object
) -> None:
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    cid = open_field_conflict(store, profile.id, link_id)
    store.resolve_conflict(cid, {"email": Choice(Pick.CUSTOM, value)}, actor="bob")

    conflict = store.conflict(cid)
    assert conflict is not None and conflict.choices is not None
    choice = conflict.choices["email"]
    assert type(choice) is Choice and type(choice.pick) is Pick
    assert choice == Choice(Pick.CUSTOM, value) and type(choice.value) is type(value)
    # On disk the choice stays the pair [pick, value] it always was.
    stored = store.db.execute("SELECT choices FROM conflicts WHERE id=?", (cid,)).fetchone()[0]
    assert stored.startswith('{"email":["custom",')


def test_a_choice_saved_as_a_plain_pair_reads_back_equal_to_it(
    store: Store, profile: Profile
) -> None:
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    cid = open_field_conflict(store, profile.id, link_id)
    store.resolve_conflict(cid, {"email": ["b", None]}, actor="bob")  # type: ignore[dict-item]
    conflict = store.conflict(cid)
    assert conflict is not None and conflict.choices == {"email": ["b", None]}
    assert conflict.choices == {"email": Choice(Pick.B)}


def test_settings_read_typed_over_their_defaults(store: Store, profile: Profile) -> None:
    assert store.profile_settings(profile.id) == ProfileSettings()
    store.set_setting(profile.id, "big_change.share", 0.5, actor="bob")
    store.set_setting(profile.id, "direction.customer", "a_to_b", actor="bob")
    store.set_setting(profile.id, "initial_window", "from 2026-01-01", actor="bob")

    settings = store.profile_settings(profile.id)
    assert settings.big_change_share == 0.5 and settings.big_change_min == 20
    assert settings.directions == {"customer": "a_to_b"}
    assert settings.initial_window == "from 2026-01-01" and settings.on_forbidden == "queue"


def test_live_conflict_lookups_read_the_live_partial_indexes(
    store: Store, profile: Profile
) -> None:
    """Typed states are bound as values, except where a query must state the live
    conflicts' condition literally for SQLite to use its partial index."""
    link_id = pull_one(store, profile.id, "a", record("cu1", "1"))
    open_field_conflict(store, profile.id, link_id)
    conn = store.db.conn
    statements: list[tuple[str, Any]] = []

    class Recording:  # the connection, noting each statement as written (marks unbound)
        def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
            statements.append((sql, params))
            return conn.execute(sql, params)

        def __getattr__(self, name: str) -> Any:
            return getattr(conn, name)

    store.db.conn = Recording()  # type: ignore[assignment]
    try:
        store.links_to_merge(profile.id, "customer")
        store.conflict_page(profile.id, sort="record")
        store.count_live_conflicts(profile.id)
    finally:
        store.db.conn = conn

    assert len(statements) == 3
    for sql, params in statements:
        plan = [str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert any("conflicts_live_" in step for step in plan), (sql, plan)
        assert "SCAN conflicts" not in plan, (sql, plan)
