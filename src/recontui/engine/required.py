"""Which fields a planned write lacks that its target system requires. Pure.

Each connector declares the canonical fields its system requires a record of an entity to
hold (``Connector.required_fields``): a create without one of them, or an update that
would blank one, is refused by that system, and would be refused again on every run. Such
a write is *held* instead, naming the fields: a create is held whole (there is nothing to
create without them), an update only in the fields it would blank (the rest of the record
syncs as usual). A held write waits until the record changes, and is planned afresh then.
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


@dataclass(frozen=True)
class Split:
    """A planned write cut in two: what may be sent now, and what is held (and why)."""

    send: dict[str, Any]
    held: dict[str, Any] = field(default_factory=dict)
    why: Held | None = None


def split_write(kind: str, required: Sequence[str], changes: Mapping[str, Any]) -> Split:
    """The part of a write of ``kind`` its system accepts, and the part it would refuse.

    ``changes`` are what the write carries in canonical values (a create: the whole
    record). A create that lacks a required field is held whole; an update (or a restore,
    which writes over the archived record) holds back only the required fields it would
    blank. A deactivation carries no fields.
    """
    if kind == OpKind.CREATE:
        missing = tuple(name for name in required if is_blank(changes.get(name)))
        if missing:
            return Split({}, dict(changes), Held(Lack.MISSING, missing))
        return Split(dict(changes))
    if kind in (OpKind.UPDATE, OpKind.RESTORE):
        blanked = tuple(name for name in required if name in changes and is_blank(changes[name]))
        if blanked:
            send = {k: v for k, v in changes.items() if k not in blanked}
            return Split(send, {k: changes[k] for k in blanked}, Held(Lack.BLANKED, blanked))
    return Split(dict(changes))


def held_for(kind: str, required: Sequence[str], changes: Mapping[str, Any]) -> Held | None:
    """Why a write as it stands would be refused for a required field (None: it would not)."""
    return split_write(kind, required, changes).why


__all__ = ["Held", "Lack", "Split", "held_for", "split_write"]
