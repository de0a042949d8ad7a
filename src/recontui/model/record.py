"""What a connector hands the runner: one remote record in canonical terms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RemoteRecord:
    """One record as one side holds it.

    ``fields`` use canonical names and types; references inside them are
    :class:`~recontui.model.refs.RemoteRef` in this side's ids. ``version`` is
    the side's concurrency token (QBO ``SyncToken``, BILL ``updatedTime``).
    ``deleted`` marks a tombstone (a deleted transaction); a deactivated list
    record is not deleted: it has ``active=False``.
    """

    entity: str
    remote_id: str
    version: str
    fields: dict[str, Any]
    updated_at: dt.datetime | None = None
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: When the system created the record (BILL ``createdTime``, QBO ``MetaData.CreateTime``),
    #: if it says: a record created before a lost create was sent cannot be its result.
    created_at: dt.datetime | None = None
