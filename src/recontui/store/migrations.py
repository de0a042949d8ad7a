"""Schema versions and the forward migrations between them.

``PRAGMA user_version`` holds the version. Each migration runs in its own
transaction, so a crash leaves the file at the last complete version. A file
newer than this program is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from .database import StoreError, transaction

V1 = """
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    a_system TEXT NOT NULL,
    b_system TEXT NOT NULL,
    a_settings TEXT NOT NULL DEFAULT '{}',
    b_settings TEXT NOT NULL DEFAULT '{}',
    a_company_id TEXT,
    b_company_id TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE settings (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (profile_id, key)
);
CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    side TEXT,
    entity TEXT,
    field TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'unpaired',
    a_id TEXT, a_version TEXT, a_fields TEXT, a_updated_at TEXT,
    a_deleted INTEGER NOT NULL DEFAULT 0,
    b_id TEXT, b_version TEXT, b_fields TEXT, b_updated_at TEXT,
    b_deleted INTEGER NOT NULL DEFAULT 0,
    dirty INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX links_a ON links(profile_id, entity, a_id) WHERE a_id IS NOT NULL;
CREATE UNIQUE INDEX links_b ON links(profile_id, entity, b_id) WHERE b_id IS NOT NULL;
CREATE INDEX links_dirty ON links(profile_id, entity, dirty) WHERE dirty != 0;
CREATE INDEX links_state ON links(profile_id, entity, state);
CREATE TABLE bases (
    link_id INTEGER PRIMARY KEY REFERENCES links(id) ON DELETE CASCADE,
    fields TEXT NOT NULL,
    a_version TEXT,
    b_version TEXT,
    agreed_at TEXT NOT NULL,
    run_id INTEGER
);
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    fields TEXT NOT NULL,
    choices TEXT,
    a_version TEXT,
    b_version TEXT,
    opened_run INTEGER,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    pushed_at TEXT,
    note TEXT
);
CREATE INDEX conflicts_status ON conflicts(profile_id, status, id);
CREATE INDEX conflicts_link ON conflicts(link_id);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    run_id INTEGER,
    link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    side TEXT NOT NULL,
    op TEXT NOT NULL,
    remote_id TEXT,
    expected_version TEXT,
    payload TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    conflict_id INTEGER,
    result_version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_state ON outbox(profile_id, state, id);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER REFERENCES profiles(id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    dry_run INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',
    exit_code INTEGER,
    pid INTEGER,
    host TEXT,
    message TEXT
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    ts TEXT NOT NULL,
    level TEXT NOT NULL,
    phase TEXT NOT NULL,
    entity TEXT,
    record TEXT,
    message TEXT NOT NULL,
    data TEXT
);
CREATE INDEX events_run ON events(run_id, id);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    run_id INTEGER,
    ts TEXT NOT NULL,
    entity TEXT NOT NULL,
    link_id INTEGER,
    field TEXT NOT NULL,
    side TEXT NOT NULL,
    old TEXT,
    new TEXT,
    by TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX audit_link ON audit(link_id);
CREATE TABLE cursors (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    entity TEXT NOT NULL,
    value TEXT,
    moved_at TEXT,
    pulled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (profile_id, side, entity)
);
CREATE TABLE locks (
    profile_id INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    run_id INTEGER,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
"""

# Version 2: a reopened conflict keeps the earlier choice as a suggestion, a
# link absorbed by matching points at the link that absorbed it (so references
# held in stored values still resolve), and rules can carry a note.
V2 = """
ALTER TABLE conflicts ADD COLUMN suggestion TEXT;
ALTER TABLE conflicts ADD COLUMN candidates TEXT;
ALTER TABLE links ADD COLUMN merged_into INTEGER;
ALTER TABLE rules ADD COLUMN note TEXT;
CREATE INDEX conflicts_entity ON conflicts(profile_id, status, entity);
"""


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def apply(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.conn.execute(statement)

    return apply


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_script(V1), _script(V2)]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to ``target``; returns the version it was at before."""
    before = schema_version(db)
    if before > SCHEMA_VERSION:
        raise StoreError(
            f"The database is at schema version {before}, newer than this recontui "
            f"understands ({SCHEMA_VERSION}); upgrade recontui."
        )
    for version in range(before, target):
        with transaction(db):
            if schema_version(db) != version:  # another process migrated meanwhile
                continue
            MIGRATIONS[version](db)
            db.conn.execute(f"PRAGMA user_version = {version + 1}")
    return before
