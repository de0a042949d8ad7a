"""API clients for the two systems recontui keeps in agreement.

``make_connector("bill" | "qbo", settings, secrets)`` returns a
:class:`~recontui.connectors.base.Connector`; the runner needs nothing else
from this package. Modules:

- ``base``: the protocol, the exception classes, ``Page``/``Company``.
- ``http``: the one HTTP layer (timeouts, retries, concurrency, redacted logs).
- ``qbo_map`` / ``bill_map``: canonical fields <-> remote JSON (pure functions).
- ``values``: value conversions and the per-kind dispatch both mappings use.
- ``common``: natural keys, error context, entity tables, ``ConnectorBase``.
- ``qbo`` / ``bill``: the connectors.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from .base import (
    AuthError,
    Company,
    Connector,
    ConnectorError,
    EventSink,
    NotFoundError,
    Page,
    PermissionDeniedError,
    ProtocolError,
    RejectedError,
    SecretAccess,
    StaleVersionError,
    UnreachableError,
)
from .bill import BillConnector
from .common import DEFAULT_OVERLAP_SECONDS
from .qbo import QboConnector

_CONNECTORS: dict[str, type[BillConnector] | type[QboConnector]] = {
    "bill": BillConnector,
    "qbo": QboConnector,
}
SYSTEMS = tuple(_CONNECTORS)

__all__ = [
    "SYSTEMS",
    "AuthError",
    "BillConnector",
    "Company",
    "Connector",
    "ConnectorError",
    "EventSink",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "ProtocolError",
    "QboConnector",
    "RejectedError",
    "SecretAccess",
    "StaleVersionError",
    "UnreachableError",
    "make_connector",
]


def make_connector(
    system: str,
    settings: Mapping[str, str],
    secrets: SecretAccess,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_event: EventSink | None = None,
    page_size: int | None = None,
    overlap_seconds: float = DEFAULT_OVERLAP_SECONDS,
) -> Connector:
    """The connector for ``system`` ("bill" or "qbo"), not yet opened.

    ``transport`` lets tests and the demo route requests to the in-process
    stand-ins; ``overlap_seconds`` is how far before the saved cursor the next
    pull starts, so records committed late are not skipped.
    """
    connector = _CONNECTORS.get(system)
    if connector is None:
        raise ConnectorError(
            f"recontui has no connector for {system!r}: use one of {', '.join(SYSTEMS)}."
        )
    return connector(
        settings,
        secrets,
        transport=transport,
        on_event=on_event,
        page_size=page_size,
        overlap_seconds=overlap_seconds,
    )
