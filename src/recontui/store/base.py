"""What every repository of the store shares: the database, the clock, transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from .database import quick_check, transaction
from .migrations import schema_version
from .rows import Clock, utcnow


class StoreBase:
    """The state database's connection and clock; each repository mixin builds on it."""

    def __init__(self, db: sqlite_utils.Database, path: Path | str, clock: Clock = utcnow):
        self.db = db
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.clock = clock
        #: ``PRAGMA quick_check`` passed since the file was opened (see :meth:`check`).
        self.checked = False

    def now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat()

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One atomic unit of work; nested use joins the caller's through a savepoint."""
        return transaction(self.db)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """The connection for ONE write statement: the caller's transaction if one is
        open (a single statement is atomic by itself, so no savepoint is needed: this
        keeps per-link writes in the plan loop cheap), else a transaction of its own."""
        conn = self.db.conn
        if conn.in_transaction:
            yield conn
            return
        with transaction(self.db) as tx:
            yield tx

    def close(self) -> None:
        self.db.conn.close()

    def check(self) -> None:
        """``PRAGMA quick_check`` unless it passed since the file was opened; a damaged
        file is a :class:`StoreError` naming it and the next step."""
        if not self.checked and str(self.path) != ":memory:":
            quick_check(self.db, self.path)
        self.checked = True

    @property
    def schema_version(self) -> int:
        return schema_version(self.db)

    def iter_table(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of a table (tests and doctor use this to inspect state)."""
        cursor = self.db.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))
