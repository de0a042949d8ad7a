"""Opening the state database: location, permissions, pragmas, transactions.

One SQLite file holds everything recontui remembers (never a secret). It runs in
WAL mode so a console can read while a headless run writes, with a busy timeout
so a second writer waits instead of failing at once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import platformdirs
import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
ENV_DB = "RECONTUI_DB"
#: Files up to this size are checked (``PRAGMA quick_check``) whenever they are opened;
#: the check reads the whole file (about 1.3 s per GB measured warm), so a bigger file is
#: checked once per run instead, before the run starts (:func:`quick_check`).
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024


class StoreError(Exception):
    """A problem with the state database, phrased for the person running recontui."""


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """``RECONTUI_DB`` if set, else ``recontui.db`` in the user data directory."""
    env = os.environ if env is None else env
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    return Path(platformdirs.user_data_dir("recontui", appauthor=False)) / "recontui.db"


def _create_private(path: Path) -> None:
    """Create the file with mode 0600 before SQLite does (SQLite would use the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database with our pragmas; no migration."""
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    else:
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path} is a directory; give --db the path of a database file.")
        if not path.exists():
            try:
                _create_private(path)
            except FileExistsError:
                if not path.exists():  # a parent is a file, not a lost creation race
                    raise StoreError(
                        f"Cannot create the database at {path} (a part of that path is a "
                        "file); choose another place with --db or RECONTUI_DB."
                    ) from None
            except OSError as exc:
                raise StoreError(
                    f"Cannot create the database at {path} ({exc.strerror}); "
                    "choose another place with --db or RECONTUI_DB."
                ) from exc
        try:
            conn = sqlite3.connect(
                str(path),
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the database at {path}: {exc}.") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Touch the schema so a file that is not a database fails here, clearly.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(describe_sqlite_error(exc, path)) from exc
    return sqlite_utils.Database(conn)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting out a first opener doing the same.

    Changing the journal mode needs an exclusive lock and SQLite does not call
    the busy handler for it, so several processes opening a new file at once
    would otherwise fail with "database is locked".
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def quick_check_due(path: Path | str) -> bool:
    """Whether opening ``path`` checks it (a file up to :data:`QUICK_CHECK_MAX_BYTES`)."""
    if str(path) == ":memory:":
        return False
    try:
        return Path(path).stat().st_size <= QUICK_CHECK_MAX_BYTES
    except OSError:
        return True


def quick_check(db: sqlite_utils.Database, path: Path | str | None = None) -> None:
    """``PRAGMA quick_check``: a damaged page becomes a :class:`StoreError` now, before a
    run starts, rather than a traceback halfway through one."""
    try:
        found = [str(row[0]) for row in db.conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        raise StoreError(describe_sqlite_error(exc, path)) from exc
    if found != ["ok"]:
        raise StoreError(damaged(path, f"quick_check found {len(found)} problem(s)"))


def damaged(path: Path | str | None, reason: str) -> str:
    """One sentence for a damaged file: which file, and what to do next."""
    where = f" at {path}" if path else ""
    aside = f"move it aside (for example to {path}.damaged)" if path else "move it aside"
    return (
        f"The database{where} is damaged or is not a recontui database ({reason}): restore "
        f"it from a backup, or {aside} and run recontui again to start a new, empty one."
    )


def describe_sqlite_error(exc: BaseException, path: Path | str | None = None) -> str:
    text = str(exc).lower()
    where = f" at {path}" if path else ""
    if "locked" in text or "busy" in text:
        return (
            f"The database{where} is locked by another recontui process; "
            "wait for it to finish (see `recontui doctor`) and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return damaged(path, str(exc).rstrip("."))
    if "readonly" in text or "read-only" in text:
        return f"The database{where} is read-only; check its permissions."
    return f"The database{where} failed: {exc}."


@contextlib.contextmanager
def transaction(
    db: sqlite_utils.Database, *, immediate: bool = True
) -> Iterator[sqlite3.Connection]:
    """One atomic unit of work (``BEGIN IMMEDIATE`` takes the write lock up front).

    Nested use joins the outer transaction through a savepoint, so helpers can
    open their own without caring who called them.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"sp_{id(object())}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    try:
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    except sqlite3.OperationalError as exc:
        raise StoreError(describe_sqlite_error(exc)) from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise StoreError(describe_sqlite_error(exc)) from exc


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT through ``cursor`` made."""
    if cursor.lastrowid is None:  # only if the statement inserted nothing
        raise StoreError("The database did not say which row it inserted.")
    return cursor.lastrowid


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(db: sqlite_utils.Database, sql: str, params: Any = ()) -> dict[str, Any] | None:
    cursor = db.conn.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def scalar(db: sqlite_utils.Database, sql: str, params: Any = ()) -> Any:
    row = db.conn.execute(sql, params).fetchone()
    return None if row is None else row[0]
