"""The database for a thread worker of the console or the setup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..store import Store, open_store


@contextmanager
def thread_store(main: Store) -> Iterator[Store]:
    """The database for a worker thread: its own connection (one SQLite connection is never
    shared across threads; the console's runs do the same), or the one an in-memory
    database has."""
    if str(main.path) == ":memory:":
        yield main
        return
    store = open_store(main.path, migrate_schema=False)
    try:
        yield store
    finally:
        store.close()
