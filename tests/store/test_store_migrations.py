"""Schema migrations and opening the state file: versions, refusals, permissions."""

from __future__ import annotations

import json
import os
import stat
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from recontui.model.codec import dumps
from recontui.store import SCHEMA_VERSION, StoreError, connect, migrate, open_store
from recontui.store import migrations as migrations_mod
from recontui.store.database import transaction
from recontui.store.migrations import MIGRATIONS, V1, V2, V3_COLUMNS, V3_INDEXES, schema_version

TABLES = {
    "profiles",
    "settings",
    "rules",
    "links",
    "bases",
    "conflicts",
    "outbox",
    "runs",
    "events",
    "audit",
    "cursors",
    "locks",
}
V2_COLUMNS = {
    "conflicts": {"suggestion", "candidates"},
    "links": {"merged_into"},
    "rules": {"note"},
}

V3_COLUMNS_BY_TABLE = {"conflicts": {"title", "field_names", "a_changed_at", "b_changed_at"}}
V3_INDEX_NAMES = {
    "conflicts": {
        "conflicts_live_id",
        "conflicts_live_entity",
        "conflicts_live_title",
        "conflicts_live_fields",
        "conflicts_live_a_changed",
        "conflicts_live_b_changed",
        "conflicts_live_status",
        "conflicts_live_suggestion",
    },
    "audit": {"audit_by"},
}

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def schema_of(db: sqlite_utils.Database) -> list[tuple[str, str, str | None]]:
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def test_schema_version_counts_the_migrations() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == 7
    assert "CREATE TABLE links" in V1
    assert "merged_into" in V2
    assert "title" in V3_COLUMNS and "audit_by ON audit(profile_id, by, id)" in V3_INDEXES


def test_empty_file_is_migrated_to_the_current_version(tmp_path: Path) -> None:
    db = connect(tmp_path / "new.db")
    assert schema_version(db) == 0

    assert migrate(db) == 0

    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert schema_version(db) == SCHEMA_VERSION
    assert set(db.table_names()) >= TABLES
    for table, columns in V2_COLUMNS.items():
        assert columns <= set(db[table].columns_dict), table
    assert "conflicts_entity" in {index.name for index in db["conflicts"].indexes}
    for table, columns in V3_COLUMNS_BY_TABLE.items():
        assert columns <= set(db[table].columns_dict), table
    for table, names in V3_INDEX_NAMES.items():
        assert names <= {index.name for index in db[table].indexes}, table
    db.conn.close()


def test_open_store_on_a_new_path_creates_and_migrates_it(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "still" / "recontui.db"
    store = open_store(path)
    try:
        assert path.is_file()
        assert store.schema_version == SCHEMA_VERSION
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        store.close()


def test_version_1_file_keeps_its_rows_and_gains_the_v2_columns_as_null(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    db = connect(path)
    assert migrate(db, target=1) == 0
    assert schema_version(db) == 1
    assert "merged_into" not in db["links"].columns_dict
    assert "suggestion" not in db["conflicts"].columns_dict

    created = "2025-11-02T09:15:00+00:00"
    a_fields = {"name": "Acme Ltd", "email": "ap@acme.test", "balance": Decimal("1250.40")}
    b_fields = {"name": "Acme Ltd", "email": "accounts@acme.test", "balance": Decimal("1250.40")}
    choices = {"email": ["b", "accounts@acme.test"]}
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO profiles (id, name, a_system, b_system, a_settings, b_settings, "
            "a_company_id, b_company_id, is_default, created_at) "
            "VALUES (1, 'acme', 'bill', 'qbo', ?, ?, '00801ORG', '9130350000001', 1, ?)",
            (
                json.dumps({"api_base": "https://api.bill.test", "organization_id": "00801ORG"}),
                json.dumps({"api_base": "https://qbo.test", "realm_id": "9130350000001"}),
                created,
            ),
        )
        conn.execute(
            "INSERT INTO links (id, profile_id, entity, state, a_id, a_version, a_fields, "
            "a_updated_at, b_id, b_version, b_fields, b_updated_at, dirty, created_at, "
            "updated_at) VALUES (1, 1, 'customer', 'paired', '0cu01AAA', "
            "'2025-11-01T10:00:00.000Z', ?, '2025-11-01T10:00:00+00:00', '58', '4', ?, "
            "'2025-11-01T11:00:00+00:00', 3, ?, ?)",
            (dumps(a_fields), dumps(b_fields), created, created),
        )
        conn.execute(
            "INSERT INTO links (id, profile_id, entity, state, a_id, a_version, a_fields, "
            "created_at, updated_at) VALUES (2, 1, 'vendor', 'unpaired', '0ve02BBB', '1', ?, "
            "?, ?)",
            (dumps({"name": "Paper Co"}), created, created),
        )
        conn.execute(
            "INSERT INTO conflicts (id, profile_id, link_id, entity, kind, status, fields, "
            "choices, a_version, b_version, opened_run, opened_at, updated_at, resolved_at, "
            "resolved_by) VALUES (1, 1, 1, 'customer', 'field', 'resolved', ?, ?, "
            "'2025-11-01T10:00:00.000Z', '4', NULL, ?, ?, ?, 'alice')",
            (
                dumps(
                    {
                        "email": {
                            "base": "x@acme.test",
                            "a": "ap@acme.test",
                            "b": "accounts@acme.test",
                            "kind": "both_changed",
                        }
                    }
                ),
                dumps(choices),
                created,
                created,
                created,
            ),
        )
        conn.execute(
            "INSERT INTO rules (id, profile_id, kind, side, entity, field, created_at, "
            "created_by) VALUES (1, 1, 'prefer', 'b', 'customer', 'email', ?, 'alice')",
            (created,),
        )
    before = {t: list(db[t].rows) for t in ("profiles", "links", "conflicts", "rules")}
    db.conn.close()

    store = open_store(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        for table, old_rows in before.items():
            new_rows = list(store.db[table].rows)
            assert [
                {k: row[k] for k in old} for row, old in zip(new_rows, old_rows, strict=True)
            ] == old_rows, table
            for column in V2_COLUMNS.get(table, ()):
                assert all(row[column] is None for row in new_rows), (table, column)

        profile = store.get_profile("acme")
        assert profile.is_default and profile.b_company_id == "9130350000001"
        link = store.link(1)
        assert link is not None and link.merged_into is None
        assert link.a_fields == a_fields and link.b_fields == b_fields
        assert store.canonical_link_id(1) == 1
        conflict = store.conflict(1)
        assert conflict is not None
        assert conflict.status == "resolved" and conflict.choices == choices
        assert conflict.suggestion is None and conflict.candidates is None
        assert store.rules(1)[0]["note"] is None
        # v3 backfilled the queue's sort keys from the link.
        assert conflict.title == "Acme Ltd" and conflict.field_names == "email"
        assert conflict.a_changed_at == "2025-11-01T10:00:00+00:00"
        assert conflict.b_changed_at == "2025-11-01T11:00:00+00:00"
    finally:
        store.close()


def test_version_2_file_gets_the_queue_sort_keys_backfilled(tmp_path: Path) -> None:
    """Names come from either side (following a link absorbed by matching), the fields
    column says the kind for match and delete conflicts, a missing time sorts first."""
    path = tmp_path / "v2.db"
    db = connect(path)
    assert migrate(db, target=2) == 0
    assert "title" not in db["conflicts"].columns_dict
    now = "2025-12-01T08:00:00+00:00"
    b_time = "2025-12-02T09:00:00.250000+00:00"
    links: list[dict[str, Any]] = [
        {"id": 1, "entity": "customer", "state": "paired", "a_id": "a1", "b_id": "b1"},
        {"id": 2, "entity": "invoice", "state": "paired", "a_id": "a2", "b_id": "b2"},
        {"id": 3, "entity": "customer", "state": "unpaired", "b_id": "b3"},
        {"id": 4, "entity": "customer", "state": "merged", "merged_into": 3},
        {"id": 5, "entity": "vendor", "state": "unpaired", "a_id": "a5"},
    ]
    links[0].update(a_fields={"name": "Zeta Corp"}, a_updated_at=now, b_fields={"name": "Zeta"})
    links[1].update(a_fields={"number": "INV-7", "total": Decimal("10.00")}, b_updated_at=b_time)
    links[2].update(b_fields={"name": "alpha & co"}, b_updated_at=now)
    links[4].update(a_fields={"email": "x@y.test"})
    fields = {"email": {"base": None, "a": "a@x", "b": "b@x", "kind": "no_base"}}
    conflicts = [
        (1, 1, "customer", "field", {**fields, "phone": fields["email"]}),
        (2, 2, "invoice", "delete", {"deleted": {"a": True, "b": False, "kind": "delete"}}),
        (3, 4, "customer", "match", {"key": {"a": "alpha", "kind": "match"}}),
        (4, 5, "vendor", "field", fields),
    ]
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO profiles (id, name, a_system, b_system, created_at) "
            "VALUES (1, 'acme', 'bill', 'qbo', ?)",
            (now,),
        )
        for link in links:
            for side in ("a", "b"):
                if f"{side}_fields" in link:
                    link[f"{side}_fields"] = dumps(link[f"{side}_fields"])
            columns = ", ".join(link)
            conn.execute(
                f"INSERT INTO links (profile_id, created_at, updated_at, {columns}) "
                f"VALUES (1, ?, ?, {','.join('?' * len(link))})",
                (now, now, *link.values()),
            )
        for cid, lid, entity, kind, f in conflicts:
            conn.execute(
                "INSERT INTO conflicts (id, profile_id, link_id, entity, kind, status, fields, "
                "opened_at, updated_at) VALUES (?,1,?,?,?,'open',?,?,?)",
                (cid, lid, entity, kind, dumps(f), now, now),
            )
    db.conn.close()

    store = open_store(path)
    try:
        keys = {
            c.id: (c.title, c.field_names, c.a_changed_at, c.b_changed_at)
            for c in store.conflicts(1)
        }
        assert keys == {
            1: ("Zeta Corp", "email, phone", now, ""),
            2: ("INV-7", "delete", "", b_time),
            3: ("alpha & co", "match", "", now),
            4: ("vendor #5", "email", "", ""),
        }
        by_name = [c.id for _, c in store.conflict_page(1, sort="record", limit=10)]
        assert by_name == [3, 2, 4, 1]  # case-insensitive: alpha, INV-7, vendor, Zeta
    finally:
        store.close()


def test_migrating_an_up_to_date_file_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    db = connect(path)
    migrate(db)
    schema = schema_of(db)

    assert migrate(db) == SCHEMA_VERSION
    assert schema_version(db) == SCHEMA_VERSION
    assert schema_of(db) == schema
    db.conn.close()

    store = open_store(path)  # and opening it the usual way is just as quiet
    try:
        assert schema_of(store.db) == schema
    finally:
        store.close()


def test_failed_migration_leaves_the_file_at_the_last_complete_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = connect(tmp_path / "crash.db")
    migrate(db, target=1)

    def half_of_v2(d: sqlite_utils.Database) -> None:
        d.conn.execute("ALTER TABLE conflicts ADD COLUMN suggestion TEXT")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations_mod, "MIGRATIONS", [MIGRATIONS[0], half_of_v2])
    with pytest.raises(RuntimeError, match="power cut"):
        migrate(db)

    assert schema_version(db) == 1
    assert "suggestion" not in db["conflicts"].columns_dict
    monkeypatch.undo()
    assert migrate(db) == 1
    assert schema_version(db) == SCHEMA_VERSION
    db.conn.close()


def open_at_once(path: Path, openers: int) -> tuple[list[BaseException], list[int]]:
    """Open (creating and migrating) ``path`` from ``openers`` connections at the same moment."""
    start = threading.Barrier(openers)
    errors: list[BaseException] = []
    versions: list[int] = []

    def open_it() -> None:
        start.wait()
        try:
            store = open_store(path)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            return
        versions.append(store.schema_version)
        store.close()

    threads = [threading.Thread(target=open_it) for _ in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors, versions


def test_many_connections_opening_a_new_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    for trial in range(3):
        errors, versions = open_at_once(tmp_path / f"race{trial}.db", 8)
        assert errors == []
        assert versions == [SCHEMA_VERSION] * 8


def test_file_from_a_newer_recontui_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = connect(path)
    migrate(db)
    db.execute("PRAGMA user_version = 99")
    db.conn.close()

    with pytest.raises(StoreError, match="upgrade") as caught:
        open_store(path)
    assert "99" in str(caught.value)

    db = connect(path)
    with pytest.raises(StoreError, match="newer than this recontui"):
        migrate(db)
    assert schema_version(db) == 99  # refused, not touched
    db.conn.close()


def test_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    junk = bytes(range(256)) * 64  # random-looking, deterministic, not an SQLite header
    path.write_bytes(junk)

    with pytest.raises(StoreError, match="damaged or is not a recontui database"):
        open_store(path)
    with pytest.raises(StoreError, match="damaged or is not a recontui database") as caught:
        connect(path)

    assert str(path) in str(caught.value)
    assert path.read_bytes() == junk


@posix_only
def test_new_database_file_is_private_to_its_owner(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        store = open_store(tmp_path / "private" / "recontui.db")
    finally:
        os.umask(old_umask)
    try:
        store.save_profile("acme", "bill", "qbo", {}, {})  # a write, so -wal/-shm exist
        for suffix in ("", "-wal", "-shm"):
            file = tmp_path / "private" / f"recontui.db{suffix}"
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
        assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700
    finally:
        store.close()


def test_directory_given_as_database_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="is a directory"):
        connect(tmp_path)


def test_database_path_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="database at"):
        open_store(blocker / "recontui.db")
    assert blocker.read_text() == "not a directory"


def test_database_path_under_a_regular_file_gets_the_choose_another_place_advice(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match=r"Cannot create the database.*choose another place"):
        open_store(blocker / "recontui.db")


def test_in_memory_database_is_migrated_too() -> None:
    store = open_store(":memory:")
    try:
        assert store.schema_version == SCHEMA_VERSION
        assert set(store.db.table_names()) >= TABLES
    finally:
        store.close()
