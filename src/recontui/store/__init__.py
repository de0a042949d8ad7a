"""recontui's state in SQLite: profiles, links, bases, conflicts, outbox, runs.

The runner and the console go through :class:`~recontui.store.store.Store`; no
other module writes SQL.
"""

from .database import StoreError, connect, default_db_path, transaction
from .migrations import SCHEMA_VERSION, migrate, schema_version
from .store import (
    Conflict,
    Link,
    LockHeld,
    Op,
    Profile,
    ProfileNotFound,
    Store,
    cannot_reopen,
    open_store,
)

__all__ = [
    "SCHEMA_VERSION",
    "Conflict",
    "Link",
    "LockHeld",
    "Op",
    "Profile",
    "ProfileNotFound",
    "Store",
    "StoreError",
    "cannot_reopen",
    "connect",
    "default_db_path",
    "migrate",
    "open_store",
    "schema_version",
    "transaction",
]
