"""QuickBooks creates in one batch request (issue 15: every write was one request, and the
push of a first sync was held to ~250 creates a minute by the 500 requests a minute per
company). One answer per item, in order; a refused item never sinks the others; the same
batch sent again after a lost answer is answered, not carried out twice."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from test_connector_qbo_sandbox import World

from recontui.connectors import RejectedError
from recontui.connectors.qbo import BATCH_ITEMS
from recontui.model import RemoteRecord


def customer(name: str) -> dict[str, Any]:
    return {"name": name, "email": f"{name.lower().replace(' ', '.')}@example.test"}


async def test_creates_go_in_one_request_each_answered_in_order() -> None:
    world = World()
    tag = uuid.uuid4().hex[:6]
    items = [(customer(f"Batch {tag} {i}"), uuid.uuid4().hex) for i in range(5)]
    async with world.connector() as qbo:
        before = world.sb.qbo_company.count("Customer")
        results = await qbo.create_many("customer", items)
        assert [r.fields["name"] for r in results] == [f["name"] for f, _ in items]
        assert all(isinstance(r, RemoteRecord) for r in results)
        assert world.sb.qbo_company.count("Customer") == before + 5
        writes = [d for _l, _m, d in world.events if d.get("method") == "POST"]
        assert [d["path"].rsplit("/", 1)[-1] for d in writes][-1:] == ["batch"]
        assert sum(1 for d in writes if d["path"].endswith("/customer")) == 0
        # The same batch again (its answer lost): answered from the first, nothing new.
        again = await qbo.create_many("customer", items)
        assert [r.remote_id for r in again] == [r.remote_id for r in results]
        assert world.sb.qbo_company.count("Customer") == before + 5


async def test_a_refused_item_never_sinks_the_others() -> None:
    world = World()
    tag = uuid.uuid4().hex[:6]
    taken = customer(f"Taken {tag}")
    async with world.connector() as qbo:
        await qbo.create("customer", taken, idempotency_key=uuid.uuid4().hex)
        items = [
            (customer(f"Fine {tag} 1"), uuid.uuid4().hex),
            (taken, uuid.uuid4().hex),  # a name QuickBooks already has: 6240
            (customer(f"Fine {tag} 2"), uuid.uuid4().hex),
        ]
        first, refused, last = await qbo.create_many("customer", items)
    assert isinstance(first, RemoteRecord) and isinstance(last, RemoteRecord)
    assert isinstance(refused, RejectedError) and "6240" in str(refused)


async def test_a_batch_holds_at_most_the_documented_items() -> None:
    world = World()
    async with world.connector() as qbo:
        with pytest.raises(ValueError, match="1 to 30"):
            await qbo.create_many(
                "customer", [(customer(f"X{i}"), str(i)) for i in range(BATCH_ITEMS + 1)]
            )
