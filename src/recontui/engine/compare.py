"""Comparing what two systems hold, in canonical form: digests, field differences, and
which records found on one side only are left out of the comparison on purpose.

Pure: no IO, no clock. ``recontui verify`` (``verify.py``) reads both systems and feeds
their records through here.

A record's *digest* is a hash of its checked fields in canonical form: each value is
first normalised exactly as :func:`recontui.model.same` compares it (so two values
``same`` calls equal always hash equal: money to the cent, names without case and
spacing, ...), then written in a byte form in which equal normalised values are equal
bytes (``Decimal("1.10")`` and ``Decimal("1.1")`` both ``1.1``). References must be
translated to link ids first (:func:`translate`), since each system spells them in its
own ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Context, Decimal
from enum import StrEnum
from typing import Any

import orjson

from ..model import EntitySpec, FieldSpec, FieldType, Ref, RemoteRef, normalize, same
from ..model.entities import Side, other
from ..model.states import LinkState
from .amounts import carries_total
from .window import in_window

#: Bytes of a record digest.
DIGEST_SIZE = 16

#: Read-only fields compared although never synced: the total each system computed from
#: the lines (QuickBooks adds sales tax, a discount line lowers it).
CHECKED_READ_ONLY = ("total",)


def checked_fields(spec: EntitySpec, mapped: frozenset[str]) -> tuple[FieldSpec, ...]:
    """The fields compared for ``spec``: its synced fields that both systems map
    (``mapped``: the intersection of both connectors' fields), then its total when both
    hold one computed from the lines."""
    fields = [f for f in spec.synced_fields if f.name in mapped]
    if carries_total(spec):
        fields += [
            spec.field(name)
            for name in CHECKED_READ_ONLY
            if name in mapped and spec.has_field(name)
        ]
    return tuple(fields)


# -- canonical bytes -----------------------------------------------------------------


#: Wide enough that normalising never rounds a number recontui meets.
_WIDE = Context(prec=200)


def _number(value: Decimal) -> bytes:
    """Equal numbers, one spelling: no trailing zeros, no sign on zero."""
    if not value:
        return b"0"
    if not value.is_finite():
        return str(value).encode()
    return str(value.normalize(_WIDE)).encode()


def _text(tag: bytes, text: str, out: bytearray) -> None:
    data = text.encode("utf-8", "surrogatepass")
    out += b"%s%d:%s" % (tag, len(data), data)


def _encode(value: Any, out: bytearray) -> None:
    kind = type(value)
    if kind is str:
        _text(b"S", value, out)
    elif value is None:
        out += b"N"
    elif kind is bool:
        out += b"T" if value else b"F"
    elif kind is Decimal or kind is int:
        data = _number(Decimal(value))
        out += b"#%d:%s" % (len(data), data)
    elif isinstance(value, (tuple, list)):
        # A list never equals a tuple in Python, so they are told apart here too.
        out += b"%s%d:" % (b"(" if isinstance(value, tuple) else b"[", len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dt.datetime):
        _text(b"W", value.isoformat(), out)
    elif isinstance(value, dt.date):
        _text(b"D", value.isoformat(), out)
    elif isinstance(value, str):
        _text(b"S", str(value), out)
    elif isinstance(value, bool):
        out += b"T" if value else b"F"
    elif isinstance(value, (int, Decimal)):
        data = _number(Decimal(value))
        out += b"#%d:%s" % (len(data), data)
    elif isinstance(value, float):
        data = _number(Decimal(repr(value)))
        out += b"#%d:%s" % (len(data), data)
    elif isinstance(value, Mapping):
        out += b"{%d:" % len(value)
        for key in sorted(value, key=str):
            _encode(str(key), out)
            _encode(value[key], out)
    else:
        _text(b"?", f"{type(value).__name__}:{value!r}", out)


def canonical_bytes(spec: FieldSpec, value: Any) -> bytes:
    """``value`` of ``spec`` as bytes: equal exactly when :func:`same` says the values are."""
    out = bytearray()
    _encode(normalize(spec, value), out)
    return bytes(out)


def _tagged(value: Any) -> Any:
    """orjson's hook: numbers and dates as tagged objects, so no string can pass for one."""
    if isinstance(value, Decimal):
        return {"#": _number(value).decode()}
    if isinstance(value, dt.datetime):
        return {"W": value.isoformat()}
    if isinstance(value, dt.date):
        return {"D": value.isoformat()}
    raise TypeError(type(value).__name__)


def digest(fields: Sequence[FieldSpec], values: Mapping[str, Any]) -> bytes:
    """The digest of a record's ``fields`` (references already translated), in order.

    The normalised values are written by orjson (a tenth of the time of
    :func:`canonical_bytes`; normalised values hold only strings, tagged numbers and
    dates, booleans, None, link ids and tuples of those, so equal ones are equal
    JSON); anything orjson refuses (text with a lone surrogate, say) is written by the
    tagged encoder instead, after a byte JSON never starts with.
    """
    normal = [normalize(spec, values.get(spec.name)) for spec in fields]
    try:
        data = orjson.dumps(normal, default=_tagged, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except (orjson.JSONEncodeError, TypeError):
        out = bytearray(b"\x00")
        for value in normal:
            _encode(value, out)
        data = bytes(out)
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).digest()


def differing(
    fields: Sequence[FieldSpec], a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[FieldSpec]:
    """The fields whose values differ, as :func:`same` compares them."""
    return [spec for spec in fields if not same(spec, a.get(spec.name), b.get(spec.name))]


# -- references ----------------------------------------------------------------------


def remote_refs(fields: Sequence[FieldSpec], values: Mapping[str, Any]) -> Iterator[RemoteRef]:
    """Every reference a record's ``fields`` hold, in its system's ids."""
    for spec in fields:
        value = values.get(spec.name)
        if spec.type is FieldType.REF and isinstance(value, RemoteRef):
            yield value
        elif spec.type is FieldType.LINES and isinstance(value, list):
            subs = [sub.name for sub in spec.line_fields if sub.type is FieldType.REF]
            for line in value:
                if isinstance(line, Mapping):
                    for name in subs:
                        ref = line.get(name)
                        if isinstance(ref, RemoteRef):
                            yield ref


def unlinked(ref: RemoteRef, side: Side) -> RemoteRef:
    """A reference to a record no link knows: kept in its system's ids, marked with the
    side, so it never equals a reference from the other system."""
    return RemoteRef(ref.entity, f"{side}:{ref.remote_id}")


def unlinked_id(ref: RemoteRef) -> tuple[str, str]:
    """(side, remote id) of a reference :func:`unlinked` made."""
    side, _, remote_id = ref.remote_id.partition(":")
    return side, remote_id


def translate(value: Any, side: Side, link_of: Callable[[str, str], int | None]) -> Any:
    """``value`` with each reference turned into the link id of the record it points at
    (``link_of(entity, remote_id)``), or :func:`unlinked` when no link knows it."""
    if isinstance(value, RemoteRef):
        link = link_of(value.entity, value.remote_id)
        return unlinked(value, side) if link is None else Ref(value.entity, link)
    if isinstance(value, list):
        return [translate(v, side, link_of) for v in value]
    if isinstance(value, dict):
        return {k: translate(v, side, link_of) for k, v in value.items()}
    return value


# -- records on one side only --------------------------------------------------------


class Excluded(StrEnum):
    """Why a record found on one side only is not a disagreement."""

    #: A person chose never to sync it (a match conflict decided "ignore").
    IGNORED = "ignored"
    #: Inactive (archived) in its system: the sync does not copy retired records.
    INACTIVE = "inactive"
    #: A transaction dated before the profile's initial window.
    BEFORE_WINDOW = "before_window"
    #: The profile's direction for the entity does not copy from its side.
    DIRECTION = "direction"
    #: The profile's filters keep it from being copied (engine/filters.py).
    FILTERED = "filtered"
    #: A billing document posted in a day's summarised journal entry (engine/summary.py).
    SUMMARISED = "summarised"
    #: A field of a linked pair that the profile's update settings never let a sync
    #: replace (import only, or updates that replace only some fields): counted per field.
    UPDATE_FIELDS = "update_fields"


EXCLUDED_WORDS: dict[Excluded, str] = {
    Excluded.IGNORED: "ignored by a person's decision",
    Excluded.INACTIVE: "inactive on one side only",
    Excluded.BEFORE_WINDOW: "dated before the initial window",
    Excluded.DIRECTION: "not copied in this direction",
    Excluded.FILTERED: "kept out by the profile's filters",
    Excluded.SUMMARISED: "posted in a summarised journal entry",
    Excluded.UPDATE_FIELDS: "field differences your update settings do not send",
}


#: Link states whose records are never compared, even when both sides hold them: a
#: person unlinked the pair, or it is a transaction before the initial window linked only
#: so that references to it translate.
UNSYNCED_STATES = frozenset({"ignored", "reference"})


def copies_from(direction: str, side: Side) -> bool:
    """Whether ``direction`` copies records from ``side`` to the other side."""
    return direction in ("both", f"{side}_to_{other(side)}")


def exclusion(
    spec: EntitySpec,
    side: Side,
    fields: Mapping[str, Any],
    *,
    state: str | None,
    first_date: dt.date | None,
    direction: str,
    include_inactive: bool = False,
) -> Excluded | None:
    """Why a record on ``side`` only, whose link is in ``state`` (None: no link yet), is
    left out on purpose, or None when the other side should hold it too.

    Only records the sync would never copy are left out, in the order the runner
    decides them: ignored links, inactive records (unless the profile's
    ``include_inactive`` copies them too), transactions before the initial window,
    directions that do not copy from ``side``. A record whose link is in one of
    :data:`UNSYNCED_STATES` is left out even when both sides hold it.
    """
    if state == "ignored":
        return Excluded.IGNORED
    if state == "reference":  # linked only so that references translate: never synced
        return Excluded.BEFORE_WINDOW
    if state == LinkState.PAIRED:
        return None  # its counterpart was there once: gone now, which needs deciding
    if fields.get("active") is False and not include_inactive:
        return Excluded.INACTIVE
    if (
        spec.kind == "transaction"
        and spec.has_field("date")
        and not in_window(fields.get("date"), first_date)
    ):
        return Excluded.BEFORE_WINDOW
    if not copies_from(direction, side):
        return Excluded.DIRECTION
    return None
