"""Pieces both connectors use that are about the runner contract, not the wire.

Natural keys (what ``find_existing`` looks for), how a record is named in an
error sentence, and how a pull cursor is turned into a query bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model.entities import ENTITIES
from ..model.refs import RemoteRef
from .values import shift_timestamp

DEFAULT_OVERLAP_SECONDS = 60


@dataclass(frozen=True)
class Ctx:
    """What a request was for, so an error can name the record in a sentence."""

    action: str  # "read" | "query" | "create" | "update" | "deactivate" | "delete" | ...
    entity: str
    record: str  # remote id, natural key, or "" for list operations
    #: Quote ``record`` in sentences (a name, as opposed to an id or a number).
    quoted: bool = False

    @property
    def what(self) -> str:
        label = ENTITIES[self.entity].label.lower() if self.entity in ENTITIES else self.entity
        if not self.record:
            return f"{label} records"
        return f"{label} '{self.record}'" if self.quoted else f"{label} {self.record}"

    @classmethod
    def for_fields(cls, action: str, entity: str, fields: Mapping[str, Any]) -> Ctx:
        """A context naming a record that has no remote id yet, by its natural key."""
        spec = ENTITIES.get(entity)
        return cls(
            action,
            entity,
            natural_key(entity, fields),
            quoted=bool(
                spec and spec.kind == "list" and fields.get(spec.title_field) not in (None, "")
            ),
        )


def natural_key(entity: str, fields: Mapping[str, Any]) -> str:
    """A short human name for a record being created (used in error sentences)."""
    spec = ENTITIES.get(entity)
    if spec is None:
        return ""
    title = fields.get(spec.title_field)
    if title not in (None, ""):
        return str(title)
    for key in spec.keys:
        parts = [fields.get(k) for k in key]
        if all(p not in (None, "") for p in parts):
            return " / ".join(_show(p) for p in parts)
    return "(new)"


def _show(value: Any) -> str:
    if isinstance(value, RemoteRef):
        return f"{value.entity} {value.remote_id}"
    return str(value)


def query_bound(cursor: str | None, overlap_seconds: float) -> str | None:
    """The lower bound of the next pull: the cursor minus the overlap window.

    Records committed late (their timestamp is earlier than the greatest one
    already seen) still fall inside the overlap; the runner drops re-read
    records whose version it already holds.
    """
    if not cursor:
        return None
    return shift_timestamp(cursor, -overlap_seconds) if overlap_seconds else cursor


def text_key(value: Any) -> str | None:
    """How two names/numbers are compared when looking a record up: trimmed, casefolded."""
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def ref_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, RemoteRef):
        return value.remote_id
    if isinstance(value, str):
        return value or None
    return None
