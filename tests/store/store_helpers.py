"""Shared helpers for the store tests (a plain module; fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from recontui.model import RemoteRecord, RemoteRef
from recontui.store import Store

START = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


class TickingClock:
    """A clock that moves one second on every reading, so timestamps are distinct."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.start = start
        self.ticks = itertools.count()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=next(self.ticks))


def customer_fields(name: str = "Acme Ltd", **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": name,
        "company_name": name.split()[0],
        "email": f"ap@{name.split()[0].lower()}.test",
        "currency": "USD",
        "balance": Decimal("1250.40"),
        "active": True,
    }
    fields.update(changes)
    return fields


def invoice_fields(number: str = "INV-1001", customer_id: str = "0cu01") -> dict[str, Any]:
    return {
        "number": number,
        "customer": RemoteRef("customer", customer_id),
        "date": dt.date(2026, 3, 1),
        "due_date": dt.date(2026, 3, 31),
        "total": Decimal("1085.25"),
        "lines": [
            {
                "item": RemoteRef("item", "it-7"),
                "qty": Decimal("3"),
                "rate": Decimal("300.00"),
                "amount": Decimal("900.00"),
            },
            {
                "item": RemoteRef("item", "it-9"),
                "qty": Decimal("0.5"),
                "rate": Decimal("370.50"),
                "amount": Decimal("185.25"),
            },
        ],
    }


def record(
    remote_id: str,
    version: str,
    fields: dict[str, Any] | None = None,
    *,
    entity: str = "customer",
    deleted: bool = False,
    updated_at: dt.datetime | None = START,
) -> RemoteRecord:
    return RemoteRecord(
        entity=entity,
        remote_id=remote_id,
        version=version,
        fields=customer_fields() if fields is None else fields,
        updated_at=updated_at,
        deleted=deleted,
    )


def pull_one(
    store: Store, profile_id: int, side: str, rec: RemoteRecord, cursor: str | None = None
) -> int:
    """Pull a single record and return the id of its link."""
    counts = store.store_pulled(profile_id, side, rec.entity, [rec], cursor)  # type: ignore[arg-type]
    if counts.link_ids:
        return counts.link_ids[0]
    column = "a_id" if side == "a" else "b_id"
    return int(
        store.db.execute(
            f"SELECT id FROM links WHERE profile_id=? AND entity=? AND {column}=?",
            (profile_id, rec.entity, rec.remote_id),
        ).fetchone()[0]
    )


def open_field_conflict(
    store: Store,
    profile_id: int,
    link_id: int,
    *,
    entity: str = "customer",
    run_id: int | None = None,
    field: str = "email",
    suggestion: dict[str, Any] | None = None,
) -> int:
    fields = {
        field: {
            "base": "ap@acme.test",
            "a": "billing@acme.test",
            "b": "accounts@acme.test",
            "kind": "both_changed",
        }
    }
    with store.transaction():
        return store.open_conflict(
            profile_id,
            link_id,
            entity,
            "field",
            fields,
            "3",
            "17",
            run_id,
            suggestion=suggestion,
        )


def count(store: Store, table: str, where: str = "1", params: tuple[Any, ...] = ()) -> int:
    return int(
        store.db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    )
