"""What every connector promises the runner: errors, pages, the protocol itself.

The runner talks to BILL and QuickBooks Online only through :class:`Connector`,
so everything a user may have to act on is expressed here as an exception whose
``str()`` is one sentence naming the system and what to do next. The runner
shows that sentence as-is; it never needs to understand HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self, runtime_checkable

from ..model.record import RemoteRecord

__all__ = [
    "AuthError",
    "Company",
    "Connector",
    "ConnectorError",
    "EventSink",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "ProtocolError",
    "RejectedError",
    "SecretAccess",
    "StaleVersionError",
    "UnreachableError",
]


class ConnectorError(Exception):
    """A remote system could not do what was asked; ``str(e)`` is fit for a user.

    ``retryable`` tells the runner whether trying the same thing later may work
    without anybody changing anything (a network blip, a busy server).
    """

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class AuthError(ConnectorError):
    """Credentials are wrong or the saved authorisation is gone: a person must act."""


class PermissionDeniedError(ConnectorError):
    """Signed in, but the signed-in user's role in the system lacks a permission (HTTP 403
    after sign-in): the credentials are right, so "check the password" would send a person
    after the wrong fix. ``entity`` is what was refused ("" when not one list), ``roles``
    the roles that have the permission, as the system names them."""

    def __init__(self, message: str, *, system: str, entity: str, roles: tuple[str, ...]) -> None:
        super().__init__(message)
        self.system = system
        self.entity = entity
        self.roles = roles


class UnreachableError(ConnectorError):
    """The system could not be reached, or did not answer, even after retries.

    ``outcome_unknown`` is True when a write may have reached the server before
    the connection failed: the runner must call ``find_existing`` before sending
    it again, because BILL has no idempotency key.
    """

    retryable = True

    def __init__(
        self, message: str, *, retryable: bool | None = None, outcome_unknown: bool = False
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.outcome_unknown = outcome_unknown


class ProtocolError(ConnectorError):
    """The answer was malformed, truncated or not what the API documents."""


class StaleVersionError(ConnectorError):
    """The record changed on the server since the version the write was based on."""


class RejectedError(ConnectorError):
    """The server refused a write; ``code``/``entity``/``record`` say which and why.

    ``record`` is the remote id when there is one, else the natural key (name,
    number) of the record that was being created.
    """

    def __init__(self, message: str, *, code: str, entity: str, record: str) -> None:
        super().__init__(message)
        self.code = code
        self.entity = entity
        self.record = record


class NotFoundError(ConnectorError):
    """The record or endpoint does not exist on the server."""


@dataclass(frozen=True)
class Page:
    """One page of a pull.

    ``cursor`` is the position after this page: persisting it once the page's
    records are stored means a crash never skips anything.
    """

    records: list[RemoteRecord]
    cursor: str | None


@dataclass(frozen=True)
class Company:
    """Which company (QBO realm, BILL organisation) a profile is connected to."""

    system: str
    company_id: str
    name: str


class SecretAccess(Protocol):
    """The caller's secret store, already bound to one profile."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


#: ``(level, message, data)``; level is debug/info/warning/error. Never carries secrets.
EventSink = Callable[[str, str, Mapping[str, Any]], None]


@runtime_checkable
class BatchCreates(Protocol):
    """A connector whose system takes several creates in one request (QuickBooks' batch,
    BILL's bulk creates): ``create_many`` answers each item in order, the record created or
    the error that refused that one (a refused item never sinks the others); a failure of
    the request itself is raised. ``create_batch`` is the most items any one request may
    carry (0: every create goes alone), ``batch_size(entity)`` how many a request creating
    ``entity`` records carries (below 2: they go one at a time; BILL has bulk creates for
    some entities only)."""

    create_batch: int

    def batch_size(self, entity: str) -> int: ...

    async def create_many(
        self, entity: str, items: Sequence[tuple[Mapping[str, Any], str]]
    ) -> list[RemoteRecord | ConnectorError]: ...


@runtime_checkable
class Connector(Protocol):
    """One remote system, seen in canonical terms. Use as an async context manager."""

    system: str
    label: str

    def supports(self, entity: str) -> bool: ...

    def fields(self, entity: str) -> frozenset[str]: ...

    def sets_itself(self, entity: str) -> frozenset[str]:
        """The canonical fields (among :meth:`fields`) the system sets itself and takes
        from no one (BILL's check number): their values flow out of it only. Default:
        none."""
        return frozenset()

    def required_fields(self, entity: str) -> tuple[str, ...]:
        """The canonical fields (among :meth:`fields`) the system requires a record of
        ``entity`` to hold: it refuses a create without them and an update that blanks
        them. The runner holds such a write instead of sending it (engine/required.py).
        Default: none."""
        return ()

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def company(self) -> Company: ...

    def pull(self, entity: str, cursor: str | None) -> AsyncIterator[Page]: ...

    async def read(self, entity: str, remote_id: str) -> RemoteRecord | None: ...

    async def create(
        self, entity: str, fields: Mapping[str, Any], *, idempotency_key: str
    ) -> RemoteRecord: ...

    async def update(
        self,
        entity: str,
        remote_id: str,
        version: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord: ...

    async def deactivate(
        self, entity: str, remote_id: str, version: str, *, idempotency_key: str
    ) -> RemoteRecord: ...

    def can_restore(self, entity: str) -> bool:
        """Whether a deleted (archived) record of ``entity`` can be brought back as it was."""
        ...

    async def restore(
        self,
        entity: str,
        remote_id: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord:
        """Bring an archived record back, with ``changes`` written over it."""
        ...

    async def find_existing(
        self,
        entity: str,
        fields: Mapping[str, Any],
        *,
        skip: Callable[[RemoteRecord], bool] | None = None,
    ) -> RemoteRecord | None:
        """The record a create whose answer was lost may have made, by natural key.

        ``skip`` rules out records that cannot be its result (one another link already
        holds, one created before the create was first sent); the first one left is it.
        """
        ...
