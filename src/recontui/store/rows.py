"""The rows callers get from the store, typed, and how a row becomes one.

Values of canonical fields are stored with :mod:`recontui.model.codec`, which keeps
Decimal, dates and references exact across a round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ..model import Side
from ..model.codec import loads
from ..model.states import (
    Choices,
    ConflictKind,
    ConflictStatus,
    LinkState,
    OpKind,
    OpState,
    choices_of,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Clock = Callable[[], dt.datetime]
T = TypeVar("T", bound="DataclassInstance")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Profile:
    id: int
    name: str
    a_system: str
    b_system: str
    a_settings: dict[str, str]
    b_settings: dict[str, str]
    a_company_id: str | None
    b_company_id: str | None
    is_default: bool

    def system(self, side: Side) -> str:
        return self.a_system if side == "a" else self.b_system

    def side_settings(self, side: Side) -> dict[str, str]:
        return self.a_settings if side == "a" else self.b_settings


@dataclass
class Link:
    id: int
    entity: str
    state: LinkState
    a_id: str | None
    b_id: str | None
    a_version: str | None
    b_version: str | None
    a_fields: dict[str, Any] | None
    b_fields: dict[str, Any] | None
    a_deleted: bool
    b_deleted: bool
    dirty: int
    merged_into: int | None = None

    def remote_id(self, side: Side) -> str | None:
        return self.a_id if side == "a" else self.b_id

    def version(self, side: Side) -> str | None:
        return self.a_version if side == "a" else self.b_version

    def fields(self, side: Side) -> dict[str, Any] | None:
        return self.a_fields if side == "a" else self.b_fields

    def deleted(self, side: Side) -> bool:
        return self.a_deleted if side == "a" else self.b_deleted

    @property
    def paired(self) -> bool:
        return self.a_id is not None and self.b_id is not None


@dataclass
class Conflict:
    id: int
    profile_id: int
    link_id: int
    entity: str
    kind: ConflictKind
    status: ConflictStatus
    fields: dict[str, dict[str, Any]]
    #: What a person chose, per field (partly filled while open): ``Choice(pick, value)``.
    choices: Choices | None
    #: The earlier choice, kept when the conflict reopened.
    suggestion: Choices | None
    candidates: list[int] | None
    a_version: str | None
    b_version: str | None
    opened_run: int | None
    opened_at: str
    updated_at: str
    resolved_at: str | None
    resolved_by: str | None
    pushed_at: str | None
    note: str | None
    #: Copies kept for sorting the queue (schema v3): the record's name, the fields
    #: in conflict as shown, and when each side last changed (ISO UTC, "" if unknown).
    title: str = ""
    field_names: str = ""
    a_changed_at: str = ""
    b_changed_at: str = ""


@dataclass
class Op:
    id: int
    profile_id: int
    run_id: int | None
    link_id: int
    entity: str
    side: Side
    op: OpKind
    remote_id: str | None
    expected_version: str | None
    payload: dict[str, Any]
    idem_key: str
    state: OpState
    attempts: int
    last_error: str | None
    conflict_id: int | None
    #: When the op was planned (ISO UTC): a record created before it is not its result.
    created_at: str = ""


@dataclass
class PullCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    link_ids: list[int] = field(default_factory=list)


def from_row(
    cls: type[T],
    row: Mapping[str, Any],
    *,
    codec: Sequence[str] = (),
    flags: Sequence[str] = (),
    typed: Mapping[str, Callable[[Any], Any]] | None = None,
) -> T:
    """A dataclass from a row whose column names are its field names.

    ``codec`` columns hold canonical JSON (:mod:`recontui.model.codec`);
    ``flags`` are 0/1 integers; ``typed`` columns go through their function
    (a state's text becomes its member) after decoding.
    """
    typed = typed or {}
    values = {}
    for f in dataclasses.fields(cls):
        value = row.get(f.name)
        if f.name in codec:
            value = loads(value)
        elif f.name in flags:
            value = bool(value)
        if f.name in typed:
            value = typed[f.name](value)
        values[f.name] = value
    return cls(**values)


def link_of(row: Mapping[str, Any]) -> Link:
    """A :class:`Link` from its row (spelt out rather than through :func:`from_row`:
    the plan step reads every link of a run, some of them twice)."""
    get = row.get
    return Link(
        id=row["id"],
        entity=row["entity"],
        state=LinkState(row["state"]),
        a_id=get("a_id"),
        b_id=get("b_id"),
        a_version=get("a_version"),
        b_version=get("b_version"),
        a_fields=loads(get("a_fields")),
        b_fields=loads(get("b_fields")),
        a_deleted=bool(get("a_deleted")),
        b_deleted=bool(get("b_deleted")),
        dirty=row["dirty"],
        merged_into=get("merged_into"),
    )


def conflict_of(row: Mapping[str, Any]) -> Conflict:
    """A :class:`Conflict` from its row (choices as :class:`~recontui.model.states.Choice`)."""
    return from_row(
        Conflict,
        row,
        codec=("fields", "choices", "suggestion", "candidates"),
        typed={
            "kind": ConflictKind,
            "status": ConflictStatus,
            "choices": choices_of,
            "suggestion": choices_of,
        },
    )


def op_of(row: Mapping[str, Any]) -> Op:
    """An :class:`Op` from its row."""
    return from_row(Op, row, codec=("payload",), typed={"state": OpState, "op": OpKind})


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()
