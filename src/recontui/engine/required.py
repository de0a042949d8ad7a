"""Which fields a planned write lacks that its target system requires. Pure.

Each connector declares the canonical fields its system requires a record of an entity to
hold (``Connector.required_fields``): a create without one of them, or an update that
would blank one, is refused by that system, and would be refused again on every run. Such
a write is *held* instead, naming the fields: a create is held whole (there is nothing to
create without them), an update only in the fields it would blank (the rest of the record
syncs as usual). A held write waits until the record changes, and is planned afresh then.

A required field may be a part of every line, named ``<lines>.<part>`` (QuickBooks
Online's ``lines.account``: an expense line without its account is refused): a write
lacks it when one of its lines does, and :attr:`Held.rows` says which (1-based).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..model import is_blank
from ..model.states import OpKind


class Lack(StrEnum):
    """Why a write is held; the run layer words it."""

    MISSING = "missing"  # a create without fields its system requires
    BLANKED = "blanked"  # an update that would blank fields its system requires


@dataclass(frozen=True)
class Held:
    """A write held for want of ``fields`` (in the order the system declares them)."""

    lack: Lack
    fields: tuple[str, ...]
    #: The lines (1-based) that lack a required line part (``lines.account``), in order.
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class Split:
    """A planned write cut in two: what may be sent now, and what is held (and why)."""

    send: dict[str, Any]
    held: dict[str, Any] = field(default_factory=dict)
    why: Held | None = None


def lacking(name: str, changes: Mapping[str, Any]) -> tuple[int, ...] | None:
    """Whether ``changes`` lack the required field ``name``: None when they do not, else
    the lines that lack it (``()`` for a field of the record itself)."""
    top, _, part = name.partition(".")
    if not part:
        return () if is_blank(changes.get(top)) else None
    rows = changes.get(top)
    if not isinstance(rows, list):
        return None
    lines = tuple(
        n for n, row in enumerate(rows, 1) if isinstance(row, Mapping) and is_blank(row.get(part))
    )
    return lines or None


def _held(lack: Lack, found: Mapping[str, tuple[int, ...]]) -> Held:
    return Held(lack, tuple(found), tuple(sorted({n for rows in found.values() for n in rows})))


def split_write(kind: str, required: Sequence[str], changes: Mapping[str, Any]) -> Split:
    """The part of a write of ``kind`` its system accepts, and the part it would refuse.

    ``changes`` are what the write carries in canonical values (a create: the whole
    record). A create that lacks a required field is held whole; an update (or a restore,
    which writes over the archived record) holds back only the required fields it would
    blank (a line part: the whole lines field). A deactivation carries no fields.
    """
    if kind == OpKind.CREATE:
        missing = {n: rows for n in required if (rows := lacking(n, changes)) is not None}
        if missing:
            return Split({}, dict(changes), _held(Lack.MISSING, missing))
        return Split(dict(changes))
    if kind in (OpKind.UPDATE, OpKind.RESTORE):
        blanked = {
            n: rows
            for n in required
            if n.partition(".")[0] in changes and (rows := lacking(n, changes)) is not None
        }
        if blanked:
            tops = {n.partition(".")[0] for n in blanked}
            send = {k: v for k, v in changes.items() if k not in tops}
            held = {k: v for k, v in changes.items() if k in tops}
            return Split(send, held, _held(Lack.BLANKED, blanked))
    return Split(dict(changes))


def held_for(kind: str, required: Sequence[str], changes: Mapping[str, Any]) -> Held | None:
    """Why a write as it stands would be refused for a required field (None: it would not)."""
    return split_write(kind, required, changes).why


__all__ = ["Held", "Lack", "Split", "held_for", "lacking", "split_write"]
