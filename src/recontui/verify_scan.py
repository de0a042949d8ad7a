"""Reading for `recontui verify`: each record a system gives, reduced to a digest of its
checked fields in canonical form and written to a scratch SQLite file
(:class:`~recontui.store.scan.Scratch`); digests folded into buckets of link ids so that
agreeing buckets are settled without their records.

The scratch file lives in the temporary directory and is deleted afterwards; it is never
the state database. Memory stays bounded: one page of records at a time, a capped cache
of references, and one small fold per bucket of link ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from .engine.compare import UNSYNCED_STATES, digest, remote_refs, translate
from .engine.filters import CREATED_FIELD, TYPE_FIELD
from .model import ENTITIES, FieldSpec, RemoteRecord, Side
from .model.codec import dumps
from .store import Profile, Store
from .store.scan import ScanRow, Scratch

#: Values a record's filters read (engine/filters.py), kept beside its checked values.
FACTS = (TYPE_FIELD, CREATED_FIELD)

#: Link ids per bucket: a bucket whose two sides agree is settled without its records.
BUCKET = 1024
#: Most references (remote id -> link id) remembered while reading.
REF_CACHE = 100_000

# Flags of a record read (scratch column ``flags``).
MOVED = 1  # its version is not the one the last sync stored
GONE_KNOWN = 2  # the last sync saw it deleted on the other side


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
        rows: list[ScanRow] = []
        for rec in live:
            key = keys.get(rec.remote_id)
            values = {f.name: translate(rec.fields.get(f.name), side, link_of) for f in fields}
            dig = digest(fields, values)
            # Kept beside the checked values, never compared: what the filters read.
            values.update({k: rec.fields.get(k) for k in FACTS if spec.has_field(k)})
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
            shown = spec.title(rec.fields) or rec.remote_id
            rows.append(
                (entity, side, rec.remote_id, link, state, flags, dig, shown, dumps(values))
            )
        self.scratch.put(rows)
        return len(rows)
