"""Schema versions and the forward migrations between them.

``PRAGMA user_version`` holds the version. Each migration runs in its own
transaction, so a crash leaves the file at the last complete version. A file
newer than this program is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson
import sqlite_utils

from ..model import ENTITIES
from ..model.codec import decode_value
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


# Version 3: the conflict queue sorts by any column, a keyset page at a time, so the
# record's name, the fields in conflict and when each side changed are copied onto
# the conflict (kept by `fill_conflict_keys` whenever a conflict opens or reopens), with
# one index per sort order over the live (open or resolved) conflicts only. And the
# audit trail is read by who or which rule made a change.
V3_COLUMNS = """
ALTER TABLE conflicts ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE conflicts ADD COLUMN field_names TEXT NOT NULL DEFAULT '';
ALTER TABLE conflicts ADD COLUMN a_changed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE conflicts ADD COLUMN b_changed_at TEXT NOT NULL DEFAULT '';
"""
LIVE = "WHERE status IN ('open','resolved')"
V3_INDEXES = f"""
CREATE INDEX conflicts_live_id ON conflicts(profile_id, id) {LIVE};
CREATE INDEX conflicts_live_entity ON conflicts(profile_id, entity, id) {LIVE};
CREATE INDEX conflicts_live_title ON conflicts(profile_id, title COLLATE NOCASE, id) {LIVE};
CREATE INDEX conflicts_live_fields ON conflicts(profile_id, field_names, id) {LIVE};
CREATE INDEX conflicts_live_a_changed ON conflicts(profile_id, a_changed_at, id) {LIVE};
CREATE INDEX conflicts_live_b_changed ON conflicts(profile_id, b_changed_at, id) {LIVE};
CREATE INDEX conflicts_live_status ON conflicts(profile_id, status, id) {LIVE};
CREATE INDEX conflicts_live_suggestion
    ON conflicts(profile_id, (suggestion IS NOT NULL), id) {LIVE};
CREATE INDEX audit_by ON audit(profile_id, by, id);
"""


def record_title(entity: str, a_fields: Any, b_fields: Any, link_id: int) -> str:
    """A record's name as lists show it (``present.Names`` reads it the same way)."""
    spec = ENTITIES.get(entity)
    for fields in (a_fields, b_fields):
        title = spec.title(fields) if spec is not None else ""
        if title:
            return title
    return f"{entity} #{link_id}"


def field_names_text(kind: str, fields: Any) -> str:
    """What the queue's "fields in conflict" column shows: the names, or the kind.

    A change a system refused (an entry of kind ``refused``, see
    :mod:`recontui.engine.refusals`) says so, so the queue tells it from a disagreement.
    """
    fields = fields or {}
    refused = [k for k, v in sorted(fields.items()) if (v or {}).get("kind") == REFUSED]
    if kind != "field":
        return "refused create" if refused else kind
    others = sorted(k for k in fields if k not in refused)
    return ", ".join([*others, *(f"{k} (refused)" for k in refused)])


#: The kind of a conflict entry holding a refused change (``engine.refusals.REFUSED``).
REFUSED = "refused"


def _title_value(fields_json: str | None, entity: str) -> dict[str, Any] | None:
    """Only the title field of stored link fields (the rest is not decoded)."""
    if not fields_json:
        return None
    spec = ENTITIES.get(entity)
    raw = orjson.loads(fields_json)
    if spec is None or not isinstance(raw, dict) or spec.title_field not in raw:
        return None
    return {spec.title_field: decode_value(raw[spec.title_field])}


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def fill_conflict_keys(
    conn: sqlite3.Connection, *, ids: Sequence[int] | None = None, link_id: int | None = None
) -> int:
    """Copy the queue's sort keys onto conflicts from their links; returns rows updated.

    ``ids`` or ``link_id`` pick the conflicts (every conflict when neither is given).
    A link absorbed by matching is followed to the link that absorbed it.
    """
    select = (
        "SELECT c.id, c.entity, c.kind, c.fields, c.link_id, l.id, l.entity, l.a_fields, "
        "l.b_fields, l.a_updated_at, l.b_updated_at FROM conflicts c "
        "LEFT JOIN links l0 ON l0.id = c.link_id "
        "LEFT JOIN links l ON l.id = coalesce(l0.merged_into, l0.id)"
    )
    if ids is not None:
        batches: list[tuple[str, Sequence[Any]]] = [
            (f"{select} WHERE c.id IN ({','.join('?' * len(chunk))})", chunk)
            for chunk in _chunks(list(ids))
        ]
    elif link_id is not None:
        batches = [(f"{select} WHERE c.link_id = ?", (link_id,))]
    else:
        batches = [(select, ())]
    updates = []
    for sql, params in batches:
        for row in conn.execute(sql, params):
            cid, c_entity, kind, fields, c_link, lid, l_entity = row[:7]
            a_json, b_json, a_at, b_at = row[7:]
            entity = l_entity or c_entity
            title = record_title(
                entity, _title_value(a_json, entity), _title_value(b_json, entity), lid or c_link
            )
            names = field_names_text(kind, orjson.loads(fields) if fields else None)
            updates.append((title, names, a_at or "", b_at or "", cid))
    conn.executemany(
        "UPDATE conflicts SET title=?, field_names=?, a_changed_at=?, b_changed_at=? WHERE id=?",
        updates,
    )
    return len(updates)


def _v3(db: sqlite_utils.Database) -> None:
    _script(V3_COLUMNS)(db)
    fill_conflict_keys(db.conn)
    _script(V3_INDEXES)(db)


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def apply(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.conn.execute(statement)

    return apply


# Version 4: `recontui verify` results (counts and when, not the disagreements
# themselves), so the console's Home can show the last one.
V4_VERIFICATIONS = """
CREATE TABLE verifications (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    run_id INTEGER,
    entity TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    agree INTEGER NOT NULL,
    pairs INTEGER NOT NULL,
    disagreements INTEGER NOT NULL,
    excluded INTEGER NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX verifications_profile ON verifications(profile_id, id);
"""


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_script(V1), _script(V2), _v3]
MIGRATIONS.append(_script(V4_VERIFICATIONS))

# Version 5: what each summarised journal entry covers (store/summaries.py; issue 13,
# summarised journal entry mode). A claim goes with its outbox op.
V5_SUMMARY_CLAIMS = """
CREATE TABLE summary_claims (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    op_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    link_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    amount TEXT NOT NULL,
    parts TEXT NOT NULL,
    version TEXT
);
CREATE INDEX summary_claims_doc ON summary_claims(profile_id, link_id, day, id);
CREATE INDEX summary_claims_op ON summary_claims(op_id);
"""
MIGRATIONS.append(_script(V5_SUMMARY_CLAIMS))

# Version 6: `recontui audit --run ID` finds a run's audit entries by index, newest first.
V6_AUDIT_RUN = """
CREATE INDEX audit_run ON audit(run_id, id);
"""
MIGRATIONS.append(_script(V6_AUDIT_RUN))

# Version 7: the outbox is looked up by link (every merged pair: its live ops; a link
# merged into another moves its ops), by conflict and by run; without these each look-up
# scanned every op ever queued, which made the plan step grow with the square of the
# records (issue 15).
V7_OUTBOX_LOOKUPS = """
CREATE INDEX outbox_link ON outbox(link_id, state);
CREATE INDEX outbox_conflict ON outbox(conflict_id) WHERE conflict_id IS NOT NULL;
CREATE INDEX outbox_run ON outbox(run_id, side, state);
"""
MIGRATIONS.append(_script(V7_OUTBOX_LOOKUPS))
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
