"""Reading for `recontui verify`: each record a system gives, reduced to a digest of its
checked fields in canonical form and written to a scratch SQLite file; digests folded
into buckets of link ids so that agreeing buckets are settled without their records.

The scratch file lives in the temporary directory and is deleted afterwards; it is never
the state database. Memory stays bounded: one page of records at a time, a capped cache
of references, and one small fold per bucket of link ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from .engine.compare import UNSYNCED_STATES, digest, remote_refs, translate
from .model import ENTITIES, SIDES, FieldSpec, RemoteRecord, Side, display, is_blank, other
from .model.codec import dumps
from .store import Profile, Store

#: Link ids per bucket: a bucket whose two sides agree is settled without its records.
BUCKET = 1024
#: Most references (remote id -> link id) remembered while reading.
REF_CACHE = 100_000

# Flags of a record read (scratch column ``flags``).
MOVED = 1  # its version is not the one the last sync stored
GONE_KNOWN = 2  # the last sync saw it deleted on the other side


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

    def previous(self, entity: str, side: Side, ids: Sequence[str]) -> dict[str, tuple]:
        """Rows already held for these ids (a record edited during the read comes twice)."""
        out: dict[str, tuple] = {}
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

    def put(self, rows: list[tuple]) -> None:
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

    def differing_pairs(self, entity: str, lo: int, hi: int) -> Iterator[tuple]:
        yield from self.db.execute(
            "SELECT a.link, a.remote_id, b.remote_id, a.title, a.flags, b.flags, a.blob, b.blob "
            "FROM rec a JOIN rec b ON b.entity=a.entity AND b.side='b' AND b.link=a.link "
            "WHERE a.entity=? AND a.side='a' AND a.link BETWEEN ? AND ? "
            "AND a.digest != b.digest ORDER BY a.link",
            (entity, lo, hi),
        )

    def one_sided(self, entity: str, side: Side, lo: int | None, hi: int | None) -> Iterator[tuple]:
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


def _mark(link: int, dig: bytes) -> int:
    """What a (link, digest) pair adds to its bucket's fold (XOR: order-free, removable)."""
    data = hashlib.blake2b(link.to_bytes(8, "big", signed=True) + dig, digest_size=8).digest()
    return int.from_bytes(data, "big")


class Buckets:
    """Per (entity, side, bucket of link ids): the XOR of every (link, digest) and a count.

    Two sides whose buckets fold to the same value and count hold the same pairs of
    (link, digest), so they agree on every record of that bucket.
    """

    def __init__(self) -> None:
        self.folds: dict[tuple[str, str, int], list[int]] = {}

    def toggle(self, entity: str, side: Side, link: int, dig: bytes, step: int) -> None:
        key = (entity, side, link // BUCKET)
        slot = self.folds.setdefault(key, [0, 0])
        slot[0] ^= _mark(link, dig)
        slot[1] += step

    def split(self, entity: str) -> tuple[int, list[int]]:
        """(pairs in the buckets that agree, the buckets that do not)."""
        numbers = sorted({b for (e, _s, b) in self.folds if e == entity})
        settled, unsettled = 0, []
        for number in numbers:
            a = self.folds.get((entity, "a", number), [0, 0])
            b = self.folds.get((entity, "b", number), [0, 0])
            if a == b:
                settled += a[1]
            else:
                unsettled.append(number)
        return settled, unsettled


class Reader:
    """Turns each page a system gives into scratch rows, with references as link ids."""

    def __init__(
        self,
        store: Store,
        profile: Profile,
        scratch: Scratch,
        fields: Mapping[str, tuple[FieldSpec, ...]],
    ) -> None:
        self.store = store
        self.pid = profile.id
        self.scratch = scratch
        self.fields = fields
        self.buckets = Buckets()
        self.refs: dict[Side, dict[tuple[str, str], int | None]] = {"a": {}, "b": {}}

    def link_of(self, side: Side) -> Callable[[str, str], int | None]:
        known = self.refs[side]
        return lambda entity, remote_id: known.get((entity, remote_id))

    def learn_refs(self, side: Side, fields: tuple[FieldSpec, ...], records: list) -> None:
        known = self.refs[side]
        wanted: dict[str, set[str]] = {}
        for rec in records:
            for ref in remote_refs(fields, rec.fields):
                if (ref.entity, ref.remote_id) not in known:
                    wanted.setdefault(ref.entity, set()).add(ref.remote_id)
        if not wanted:
            return
        if len(known) + sum(len(ids) for ids in wanted.values()) > REF_CACHE:
            known.clear()  # bounded: the next pages ask again for what they need
            for rec in records:
                for ref in remote_refs(fields, rec.fields):
                    wanted.setdefault(ref.entity, set()).add(ref.remote_id)
        for entity, ids in wanted.items():
            found = self.store.link_keys(self.pid, entity, side, sorted(ids))
            for rid in ids:
                key = found.get(rid)
                known[(entity, rid)] = None if key is None else key[0]

    def add(self, side: Side, entity: str, records: Sequence[RemoteRecord]) -> int:
        """Store one page; returns how many live records it held (tombstones are not)."""
        latest: dict[str, RemoteRecord] = {}
        for rec in records:
            latest[rec.remote_id] = rec
        # A record read again (edited, or deleted, while the system was paged through)
        # replaces what was read of it before.
        for rid, (link, dig) in self.scratch.previous(entity, side, list(latest)).items():
            if link is not None:
                self.buckets.toggle(entity, side, link, dig, -1)
            if latest[rid].deleted:
                self.scratch.drop(entity, side, rid)
        live = [rec for rec in latest.values() if not rec.deleted]
        if not live:
            return 0
        spec = ENTITIES[entity]
        fields = self.fields[entity]
        keys = self.store.link_keys(self.pid, entity, side, [rec.remote_id for rec in live])
        self.learn_refs(side, fields, live)
        link_of = self.link_of(side)
        title = spec.field(spec.title_field)
        rows = []
        for rec in live:
            key = keys.get(rec.remote_id)
            values = {f.name: translate(rec.fields.get(f.name), side, link_of) for f in fields}
            dig = digest(fields, values)
            flags = 0
            link = state = None
            if key is not None:
                link, state, version, gone = key
                if version != rec.version:
                    flags |= MOVED
                if gone:
                    flags |= GONE_KNOWN
                if state in UNSYNCED_STATES:
                    link = None  # never paired: counted as left out, on each side
                else:
                    self.buckets.toggle(entity, side, link, dig, 1)
            name = rec.fields.get(spec.title_field)
            shown = display(title, name) if not is_blank(name) else rec.remote_id
            rows.append(
                (entity, side, rec.remote_id, link, state, flags, dig, shown, dumps(values))
            )
        self.scratch.put(rows)
        return len(rows)
