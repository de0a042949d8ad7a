"""Schema migrations and opening the state file: versions, refusals, permissions."""

from __future__ import annotations

import json
import os
import stat
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from recontui.model.codec import dumps
from recontui.store import SCHEMA_VERSION, StoreError, connect, migrate, open_store
from recontui.store import migrations as migrations_mod
from recontui.store.database import transaction
from recontui.store.migrations import MIGRATIONS, V1, V2, schema_version

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

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def schema_of(db: sqlite_utils.Database) -> list[tuple[str, str, str | None]]:
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def test_schema_version_counts_the_migrations() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == 2
    assert "CREATE TABLE links" in V1
    assert "merged_into" in V2


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
