"""Pair new records across the two sides by their natural keys (email, name, number...).

Matching only ever pairs on an exact, unique, normalised key value: one record
on each side and no other candidate. Anything less certain is *ambiguous* and
goes to a person (the Matches screen) rather than being guessed, and it is not
offered to a weaker key later: a record that has two namesakes by email should
not be paired by name behind the person's back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from recontui.model.entities import EntitySpec
from recontui.model.fields import is_blank, normalize

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One record looking for its counterpart; ``key`` is the caller's id for it."""

    key: int
    fields: Mapping[str, Any]


@dataclass(slots=True)
class MatchResult:
    """Every input record lands in exactly one of the four lists.

    ``ambiguous`` has one entry per a-record that found a key value shared by
    several records: ``(a_key, b_keys, key)``, with all b candidates. A
    b-record that only appears among ambiguous candidates is not listed in
    ``unmatched_b``.
    """

    pairs: list[tuple[int, int, Key]] = field(default_factory=list)
    ambiguous: list[tuple[int, list[int], Key]] = field(default_factory=list)
    unmatched_a: list[int] = field(default_factory=list)
    unmatched_b: list[int] = field(default_factory=list)


def _key_function(entity: EntitySpec, key: Key) -> Callable[[Mapping[str, Any]], Any]:
    """The normalised key value of a record, or None when a part is blank."""
    parts = tuple((name, partial(normalize, entity.field(name))) for name in key)
    if len(parts) == 1:
        ((name, norm),) = parts

        def single(fields: Mapping[str, Any]) -> Any:
            value = fields.get(name)
            return None if is_blank(value) else norm(value)

        return single

    def composite(fields: Mapping[str, Any]) -> Any:
        out = []
        for part, norm in parts:
            value = fields.get(part)
            if is_blank(value):
                return None
            out.append(norm(value))
        return tuple(out)

    return composite


def _index(
    records: Sequence[Candidate], open_: Sequence[bool], value_of: Callable[..., Any]
) -> dict[Any, list[int]]:
    """Key value -> positions of the still-open records holding it, in input order."""
    index: dict[Any, list[int]] = {}
    for pos, record in enumerate(records):
        if not open_[pos]:
            continue
        value = value_of(record.fields)
        if value is None:
            continue
        bucket = index.get(value)
        if bucket is None:
            index[value] = [pos]
        else:
            bucket.append(pos)
    return index


def match_records(
    entity: EntitySpec, a: Sequence[Candidate], b: Sequence[Candidate]
) -> MatchResult:
    """Try ``entity.keys`` in order; pair only where a key value is unique on both sides.

    Output order is deterministic: pairs and ambiguities by key, then by a's
    input order; unmatched records in input order.
    """
    result = MatchResult()
    open_a = [True] * len(a)
    open_b = [True] * len(b)
    for key in entity.keys:
        value_of = _key_function(entity, key)
        index_a = _index(a, open_a, value_of)
        index_b = _index(b, open_b, value_of)
        for value, a_pos in index_a.items():
            b_pos = index_b.get(value)
            if b_pos is None:
                # Duplicates on one side with nothing on the other are not a
                # question yet: a later key may still tell them apart.
                continue
            for pos in a_pos:
                open_a[pos] = False
            for pos in b_pos:
                open_b[pos] = False
            if len(a_pos) == 1 and len(b_pos) == 1:
                result.pairs.append((a[a_pos[0]].key, b[b_pos[0]].key, key))
            else:
                b_keys = [b[pos].key for pos in b_pos]
                for pos in a_pos:
                    result.ambiguous.append((a[pos].key, list(b_keys), key))
    result.unmatched_a = [rec.key for rec, still in zip(a, open_a, strict=True) if still]
    result.unmatched_b = [rec.key for rec, still in zip(b, open_b, strict=True) if still]
    return result
