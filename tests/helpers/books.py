"""Both systems read afresh through their APIs, and the records a person would call duplicates.

Used by the model-based test, the kill -9 loop and its bench: each reads the stand-ins through
the connectors (never through the store or the stand-ins' internals), then asks
``agreement.disagreements`` whether the books agree and ``duplicates`` whether any natural key
is held by more records than anybody made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agreement import pull_everything

from recontui.model import ENTITIES, SYNCED, RemoteRecord, is_blank, normalize

#: Natural keys counted per entity, each field on its own (a bill's number is counted
#: across vendors: the books' own repeats are in the baseline).
KEYS: dict[str, tuple[str, ...]] = {
    "account": ("name",),
    "class": ("name",),
    "item": ("name",),
    "customer": ("email", "name"),
    "vendor": ("email", "name"),
    "invoice": ("number",),
    "bill": ("number",),
    "vendor_credit": ("number",),
}

#: (entity, field, normalised value) on one side.
Key = tuple[str, str, Any]


@dataclass
class Books:
    """Everything both systems hold now: entity -> remote id -> record, per side."""

    a: dict[str, dict[str, RemoteRecord]]
    b: dict[str, dict[str, RemoteRecord]]
    #: entity -> the fields both connectors map (what a sync keeps in agreement).
    synced: dict[str, tuple[str, ...]]

    def side(self, side: str) -> dict[str, dict[str, RemoteRecord]]:
        return self.a if side == "a" else self.b


def synced_fields(conn_a: Any, conn_b: Any) -> dict[str, tuple[str, ...]]:
    return {
        e: tuple(
            f.name
            for f in ENTITIES[e].synced_fields
            if f.name in (conn_a.fields(e) & conn_b.fields(e))
        )
        for e in SYNCED
    }


async def read_books(conn_a: Any, conn_b: Any) -> Books:
    """Read every record of both sides; the connectors must be open."""
    return Books(
        await pull_everything(conn_a), await pull_everything(conn_b), synced_fields(conn_a, conn_b)
    )


def live(rec: RemoteRecord | None) -> bool:
    """The record exists for a bookkeeper: not deleted (or archived) and not inactive."""
    return rec is not None and not rec.deleted and rec.fields.get("active", True) is not False


def record_keys(entity: str, rec: RemoteRecord) -> list[Key]:
    """The natural keys ``rec`` holds (blank parts are no key)."""
    return field_keys(entity, rec.fields)


def field_keys(entity: str, fields: Mapping[str, Any]) -> list[Key]:
    """The natural keys a record with these canonical fields holds."""
    out: list[Key] = []
    spec = ENTITIES[entity]
    for name in KEYS.get(entity, ()):
        value = fields.get(name)
        if is_blank(value):
            continue
        out.append((entity, name, normalize(spec.field(name), value)))
    return out


def key_counts(data: Mapping[str, Mapping[str, RemoteRecord]]) -> Counter[Key]:
    """How many live records hold each natural key on one side."""
    counts: Counter[Key] = Counter()
    for entity in KEYS:
        for rec in data.get(entity, {}).values():
            if live(rec):
                counts.update(record_keys(entity, rec))
    return counts


def holders(data: Mapping[str, Mapping[str, RemoteRecord]], key: Key) -> list[str]:
    entity = key[0]
    return sorted(
        rid
        for rid, rec in data.get(entity, {}).items()
        if live(rec) and key in record_keys(entity, rec)
    )


def duplicates(books: Books, allowed: Mapping[Key, int] | None = None) -> list[str]:
    """Natural keys held by more live records on one side than ``allowed`` says (1 where
    it says nothing), as readable lines; empty when there is no duplicate."""
    problems = []
    for side in ("a", "b"):
        data = books.side(side)
        for key, n in sorted(key_counts(data).items(), key=repr):
            limit = (allowed or {}).get(key, 1)
            if n > limit:
                problems.append(
                    f"side {side}: {n} live {key[0]} records hold {key[1]} {key[2]!r} "
                    f"(at most {limit} expected): {', '.join(holders(data, key))}"
                )
    return problems


def baseline(books: Books, extra: Iterable[Key] = ()) -> Counter[Key]:
    """What the books may hold per key when only their owners made records: the larger
    side's count (a record made on one side is copied to the other), plus ``extra``."""
    a, b = key_counts(books.a), key_counts(books.b)
    out: Counter[Key] = Counter({k: max(a[k], b[k]) for k in a.keys() | b.keys()})
    out.update(extra)
    return out
