"""The one object every layer holds for the state database: :class:`Store`.

``Store`` is composed from one repository per concern, each owning the SQL of its
tables (:mod:`.profiles`, :mod:`.settings`, :mod:`.audit`, :mod:`.links`,
:mod:`.pulled`, :mod:`.conflicts`, :mod:`.queue`, :mod:`.outbox`, :mod:`.runs`); they share
``self.db``, so callers keep writing ``store.open_conflict(...)`` whatever module
holds it. Operations that span several concerns (pairing two links, forgetting a
company) are composed here from the repositories' own steps.

One transaction style: a method that writes opens its own transaction, and nested
use joins the caller's (through a savepoint, or for a single statement directly).
Callers that need several writes to be atomic wrap them in ``with store.transaction():``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .conflicts import ConflictsRepo, cannot_reopen
from .database import (
    StoreError,
    connect,
    describe_sqlite_error,
    quick_check,
    quick_check_due,
)
from .links import LinksRepo
from .migrations import migrate
from .profiles import ProfileNotFound, ProfilesRepo
from .pulled import PulledRepo
from .queue import CONFLICT_SORTS, QueueRepo
from .rows import Clock, Conflict, Link, Op, Profile, PullCounts, utcnow
from .runs import INTERRUPTED_MESSAGE, LOCKLESS_GRACE, LockHeld, RunsRepo, _pid_alive
from .settings import SettingsRepo
from .summaries import SummariesRepo


class Store(
    ProfilesRepo,
    SettingsRepo,
    LinksRepo,
    PulledRepo,
    ConflictsRepo,
    QueueRepo,
    RunsRepo,
    SummariesRepo,
):
    """All reads and writes of the state database for every layer above it."""

    def pair_links(self, a_link: int, b_link: int) -> int:
        """Join an a-only link and a b-only link into one; returns the surviving id.

        The absorbed row stays behind as an alias (``merged_into``), so references
        stored before the pairing still find their record.
        """
        with self.transaction():
            self._absorb(a_link, b_link)
            self._move_conflicts(b_link, a_link)
            self._move_ops(b_link, a_link)
        return a_link

    def pair_many(self, pairs: Sequence[tuple[int, int]]) -> None:
        """:meth:`pair_links` for many (a link, b link) pairs in one transaction, a few
        statements for all of them (matching a first sync pairs most of a company)."""
        if not pairs:
            return
        with self.transaction() as conn:
            b_rows = {}
            b_links = [b for _a, b in pairs]
            for at in range(0, len(b_links), 500):
                chunk = b_links[at : at + 500]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    "SELECT id, b_id, b_version, b_fields, b_updated_at, b_deleted FROM links "
                    f"WHERE id IN ({marks})",
                    chunk,
                ):
                    b_rows[row[0]] = row[1:]
            missing = [b for b in b_links if b not in b_rows]
            if missing:
                raise StoreError(f"link {missing[0]} vanished during matching")
            self._absorb_rows(conn, [(a, b, b_rows[b]) for a, b in pairs])
            moved = self._links_with_conflicts(b_links)
            for a, b in pairs:
                if b in moved:
                    self._move_conflicts(b, a)
            conn.executemany(
                "UPDATE outbox SET link_id=? WHERE link_id=?", [(a, b) for a, b in pairs]
            )

    def forget_company(self, profile_id: int) -> dict[str, int]:
        """Drop everything a profile learned about its two companies (links, bases,
        conflicts, outbox, cursors, the remembered company ids), keeping its settings,
        rules, run history and audit trail: the profile can then point at other books.
        Refused while a run holds the profile's lock. Returns rows removed per table."""
        with self.transaction():
            holder = self.lock_holder(profile_id)
            if holder is not None:
                raise StoreError(
                    f"A run (pid {holder['pid']} on {holder['host']}) holds this profile; "
                    "wait for it to end, then try again."
                )
            removed = {
                "outbox": self._forget_ops(profile_id),
                "conflicts": self._forget_conflicts(profile_id),
                "cursors": self._forget_cursors(profile_id),
                "links": self._forget_links(profile_id),  # bases go with their links
            }
            self.forget_company_ids(profile_id)
        return removed


def open_store(path: Path | str, *, clock: Clock = utcnow, migrate_schema: bool = True) -> Store:
    """Open the database and bring its schema up to date.

    A file up to ``QUICK_CHECK_MAX_BYTES`` is checked for damaged pages first; a bigger
    one when a run starts (:meth:`Store.check`).
    """
    db = connect(path)
    checked = quick_check_due(path)
    try:
        if checked:
            quick_check(db, path)
        if migrate_schema:
            migrate(db)
    except StoreError:
        db.conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        db.conn.close()
        raise StoreError(describe_sqlite_error(exc, path)) from exc
    store = Store(db, path, clock)
    store.checked = checked
    return store


__all__ = [
    "CONFLICT_SORTS",
    "INTERRUPTED_MESSAGE",
    "LOCKLESS_GRACE",
    "Clock",
    "Conflict",
    "Link",
    "LockHeld",
    "Op",
    "Profile",
    "ProfileNotFound",
    "PullCounts",
    "Store",
    "StoreError",
    "_pid_alive",
    "cannot_reopen",
    "open_store",
    "utcnow",
]
