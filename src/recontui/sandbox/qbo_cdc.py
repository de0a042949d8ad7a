"""QBO change data capture: everything changed since a moment, deletes as stubs.

The 30-day look-back and the shared 1,000-object cap are enforced because a connector's
window-splitting and fallback-to-query logic only runs when they bite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .clock import QBO_TZ, parse_instant, qbo_meta_time
from .qbo_entities import BY_NAME
from .qbo_faults import QboFault, required
from .qbo_store import QboCompany

CDC_CAP = 1000


def changed_since(
    company: QboCompany,
    entities_param: str | None,
    since_param: str | None,
    now: datetime,
    *,
    max_days: int = 30,
    cap: int = CDC_CAP,
) -> list[dict[str, Any]]:
    """The ``CDCResponse`` list: current records and deletion stubs changed since then.

    Over ``cap`` objects in all, the oldest ``cap`` are answered (what Intuit returns then
    is not documented; a client cannot tell which ones are missing either way).
    """
    if not entities_param:
        raise required("entities")
    if not since_param:
        raise required("changedSince")
    names = _entity_names(entities_param)
    since = _since(since_param, now, max_days)
    changes: list[tuple[datetime, int, str, dict[str, Any]]] = []
    for order, name in enumerate(names):
        changes += [(stamp, order, name, rec) for stamp, rec in _changes(company, name, since)]
    changes.sort(key=lambda c: (c[0], c[1]))
    kept = changes[:cap]
    by_entity: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _, _, name, rec in kept:
        by_entity[name].append(rec)
    responses: list[dict[str, Any]] = []
    for name in names:
        rows = by_entity[name]
        if rows:
            responses.append({name: rows, "startPosition": 1, "maxResults": len(rows)})
        else:
            responses.append({})
    return [{"QueryResponse": responses}]


def _entity_names(entities_param: str) -> list[str]:
    """The entities asked for, in the order first named; a fault for one CDC does not know."""
    names: list[str] = []
    lowered = {name.lower(): name for name in BY_NAME}
    for raw in entities_param.split(","):
        name = lowered.get(raw.strip().lower())
        if name is None:
            raise QboFault(
                "2170",
                "Invalid Enumeration",
                f"Invalid entity in entities: {raw.strip()}",
                element="entities",
            )
        if not BY_NAME[name].cdc:
            raise QboFault(
                "4001",
                "Invalid query",
                f"CDC is not supported for {name}; query it instead",
                element="entities",
            )
        if name not in names:
            names.append(name)
    return names


def _since(since_param: str, now: datetime, max_days: int) -> datetime:
    """``changedSince`` as an instant, within the look-back; a fault otherwise."""
    try:
        since = parse_instant(since_param, QBO_TZ)
    except ValueError:
        raise QboFault(
            "2010",
            "Request has invalid or unsupported property",
            f"changedSince is not an ISO 8601 date or date-time: {since_param}",
            element="changedSince",
        ) from None
    if since < now - timedelta(days=max_days):
        raise QboFault(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: changedSince must be within the last {max_days} days",
            element="changedSince",
        )
    return since


def _changes(
    company: QboCompany, name: str, since: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    """(when, object) of each record of ``name`` changed since then, and a stub for each
    one deleted since then."""
    out: list[tuple[datetime, dict[str, Any]]] = []
    for ident, rec in company.rows(name):
        stamp = company.updated_at(name, ident)
        if stamp >= since:
            out.append((stamp, company.render(rec)))
    for ident, stamp in company.tombstones[name].items():
        if stamp >= since:
            stub = {
                "Id": ident,
                "status": "Deleted",
                "domain": "QBO",
                "MetaData": {"LastUpdatedTime": qbo_meta_time(stamp)},
            }
            out.append((stamp, stub))
    return out
