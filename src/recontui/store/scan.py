"""The scratch database of `recontui verify`: each record a system gives, as a digest
of its checked fields, in a throw-away SQLite file.

It is never the state database: the file lives in the temporary directory and is
deleted afterwards. Journal and sync are off (a lost scratch file is simply read again),
and records are written a page at a time.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..model import SIDES, Side, other

#: A record read: entity, side, remote id, link id (None: no link pairs it), the link's
#: state, flags, digest of its checked fields, title as shown, values (canonical JSON).
ScanRow = tuple[str, str, str, int | None, str | None, int, bytes, str, str]
#: A pair whose digests differ: link id, a's remote id, b's remote id, title, a's flags,
#: b's flags, a's values, b's values.
DifferingPair = tuple[int, str, str, str, int, int, str, str]
#: A record the other side does not hold: remote id, link id, state, flags, title, values.
OneSided = tuple[str, int | None, str | None, int, str, str]


class Scratch:
    """A throw-away SQLite file holding each record read: digest, flags, values."""

    def __init__(self, directory: str | Path | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix="recontui-verify-", suffix=".db", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self.db = sqlite3.connect(name, isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "temp_store = FILE",
            "cache_size = -16000",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(
            "CREATE TABLE rec (entity TEXT NOT NULL, side TEXT NOT NULL, remote_id TEXT NOT "
            "NULL, link INTEGER, state TEXT, flags INTEGER NOT NULL, digest BLOB NOT NULL, "
            "title TEXT NOT NULL, blob TEXT NOT NULL)"
        )
        self.db.execute("CREATE UNIQUE INDEX rec_id ON rec(entity, side, remote_id)")
        self.db.execute("CREATE INDEX rec_link ON rec(entity, side, link)")

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def previous(
        self, entity: str, side: Side, ids: Sequence[str]
    ) -> dict[str, tuple[int | None, bytes]]:
        """Rows already held for these ids (a record edited during the read comes twice)."""
        out: dict[str, tuple[int | None, bytes]] = {}
        for at in range(0, len(ids), 500):
            chunk = list(ids[at : at + 500])
            marks = ",".join("?" * len(chunk))
            for rid, link, dig in self.db.execute(
                f"SELECT remote_id, link, digest FROM rec WHERE entity=? AND side=? "
                f"AND remote_id IN ({marks})",
                (entity, side, *chunk),
            ):
                out[rid] = (link, dig)
        return out

    def put(self, rows: list[ScanRow]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR REPLACE INTO rec (entity, side, remote_id, link, state, flags, digest, "
            "title, blob) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        self.db.execute("COMMIT")

    def drop(self, entity: str, side: Side, remote_id: str) -> None:
        self.db.execute(
            "DELETE FROM rec WHERE entity=? AND side=? AND remote_id=?", (entity, side, remote_id)
        )

    def counts(self, entity: str) -> dict[str, int]:
        got = dict(
            self.db.execute(
                "SELECT side, count(*) FROM rec WHERE entity=? GROUP BY side", (entity,)
            )
        )
        return {side: int(got.get(side, 0)) for side in SIDES}

    def pairs(self, entity: str, lo: int, hi: int) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM rec a JOIN rec b ON b.entity=a.entity AND b.side='b' "
                "AND b.link=a.link WHERE a.entity=? AND a.side='a' AND a.link BETWEEN ? AND ?",
                (entity, lo, hi),
            ).fetchone()[0]
        )

    def differing_pairs(self, entity: str, lo: int, hi: int) -> Iterator[DifferingPair]:
        yield from self.db.execute(
            "SELECT a.link, a.remote_id, b.remote_id, a.title, a.flags, b.flags, a.blob, b.blob "
            "FROM rec a JOIN rec b ON b.entity=a.entity AND b.side='b' AND b.link=a.link "
            "WHERE a.entity=? AND a.side='a' AND a.link BETWEEN ? AND ? "
            "AND a.digest != b.digest ORDER BY a.link",
            (entity, lo, hi),
        )

    def one_sided(
        self, entity: str, side: Side, lo: int | None, hi: int | None
    ) -> Iterator[OneSided]:
        """Rows of ``side`` whose link the other side's records do not hold (lo is None:
        the rows no link knows)."""
        select = "SELECT r.remote_id, r.link, r.state, r.flags, r.title, r.blob FROM rec r "
        if lo is None:
            yield from self.db.execute(
                select + "WHERE r.entity=? AND r.side=? AND r.link IS NULL ORDER BY r.rowid",
                (entity, side),
            )
            return
        yield from self.db.execute(
            select + "WHERE r.entity=? AND r.side=? AND r.link BETWEEN ? AND ? AND NOT EXISTS "
            "(SELECT 1 FROM rec o WHERE o.entity=r.entity AND o.side=? AND o.link=r.link) "
            "ORDER BY r.link",
            (entity, side, lo, hi, other(side)),
        )
