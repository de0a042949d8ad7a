"""recontui's state in SQLite: profiles, links, bases, conflicts, outbox, runs.

The runner and the console go through :class:`~recontui.store.store.Store`, composed
from one repository per concern (see :mod:`recontui.store.store`); no other module
writes SQL.
"""

from .database import StoreError, connect, default_db_path, transaction
from .migrations import SCHEMA_VERSION, migrate, schema_version
from .rows import Conflict, Link, Op, Profile, PullCounts
from .settings import DEFAULT_SETTINGS, ProfileSettings
from .store import (
    LockHeld,
    ProfileNotFound,
    Store,
    cannot_reopen,
    open_store,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "SCHEMA_VERSION",
    "Conflict",
    "Link",
    "LockHeld",
    "Op",
    "Profile",
    "ProfileNotFound",
    "ProfileSettings",
    "PullCounts",
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
