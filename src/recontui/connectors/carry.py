"""Keeping what a remote holds on the lines recontui rewrites.

Both systems take a record's line array whole (QBO ``Line``, BILL ``billLineItems`` and
friends): a line left out is deleted, a part of a line left out is cleared. The canonical
model maps only some parts of a line, so before the lines are rewritten each new
canonical row is paired with the line it continues on the remote (:func:`pair_rows`),
and the parts of that line recontui does not map are carried over onto it
(:func:`unmapped_parts`): line ids, tax codes, departments, service dates. Which lines
may be kept at all is each mapping module's decision; a write it refuses names the record
as a person knows it (:func:`record_name`). Pure functions, no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model.entities import ENTITIES
from ..model.fields import FieldSpec, is_blank, same
from .common import MappedEntity
from .values import Codec, MappingError, get_path


def pair_rows(
    spec: FieldSpec, new: Sequence[Mapping[str, Any]], held: Sequence[Mapping[str, Any]]
) -> list[int | None]:
    """For each row of ``new``, the index of the ``held`` row it continues, or None.

    ``spec`` is the canonical LINES field; rows are canonical (references in the same
    side's ids). A new row equal to a held row on every field the held rows carry takes
    it first (an unchanged line, even if moved). Each remaining new row, in order, then
    takes the remaining held row that shares the most non-blank values with it (an
    edited line); a row that shares none with any is a new line.
    """
    names = [sub for sub in spec.line_fields if any(sub.name in row for row in held)]
    free = list(range(len(held)))
    pairs: list[int | None] = [None] * len(new)

    def alike(row: Mapping[str, Any], other: Mapping[str, Any]) -> int:
        return sum(
            1
            for sub in names
            if not is_blank(row.get(sub.name)) and same(sub, row.get(sub.name), other.get(sub.name))
        )

    for at, row in enumerate(new):
        for index in free:
            if all(same(sub, row.get(sub.name), held[index].get(sub.name)) for sub in names):
                pairs[at] = index
                free.remove(index)
                break
    for at, row in enumerate(new):
        if pairs[at] is not None or not free:
            continue
        best = max(free, key=lambda index: (alike(row, held[index]), -index))
        if alike(row, held[best]) > 0:
            pairs[at] = best
            free.remove(best)
    return pairs


def unmapped_parts(line: Mapping[str, Any], paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """A deep copy of ``line`` without the values at ``paths`` (what recontui writes
    itself); an object left empty by that is removed too."""
    out = copy.deepcopy(dict(line))
    for path in paths:
        _remove(out, path)
    return out


def _remove(obj: dict[str, Any], path: tuple[str, ...]) -> None:
    head, rest = path[0], path[1:]
    if head not in obj:
        return
    if not rest:
        del obj[head]
        return
    inner = obj[head]
    if isinstance(inner, dict):
        _remove(inner, rest)
        if not inner:
            del obj[head]


def record_name(codec: Codec, s: MappedEntity, remote: Mapping[str, Any] | None) -> str | None:
    """The record as a person knows it ("Invoice 1045", "Vendor 'Acme'") from the object
    the remote holds, or None when it holds no title."""
    if remote is None:
        return None
    canonical = ENTITIES[s.entity]
    title = next((f for f in s.fields if f.name == canonical.title_field), None)
    if title is None:
        return None
    try:
        value = codec.value_in(title, get_path(remote, title.path))
    except MappingError:
        return None
    if is_blank(value):
        return None
    return (
        f"{canonical.label} '{value}'" if canonical.kind == "list" else f"{canonical.label} {value}"
    )
