"""A sync sends its QuickBooks creates in batches (issue 15: every write was one request and
each create was read back, so a first sync's push was held to ~250 creates a minute by the
500 requests a minute per company). Each item is settled as a single create would be: a
refused one is said and stays outstanding while the others land; the batch's answer is
the record, so nothing is read back; the books agree afterwards."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from runner_world import World, Wrapped, act

from recontui.model.states import OpState
from recontui.verify import verify


class Batching(Wrapped):
    """The QuickBooks connector as it is (batches on), counting its batches and reads."""

    create_batch = 30

    def __init__(self, inner: Any, seen: dict[str, int]) -> None:
        super().__init__(inner)
        self.seen = seen

    async def create_many(self, entity: str, items: Any) -> Any:
        self.seen["batches"] += 1
        self.seen["items"] += len(items)
        return await self.inner.create_many(entity, items)

    async def create(self, entity: str, fields: Any, *, idempotency_key: str) -> Any:
        self.seen["single"] += 1
        return await super().create(entity, fields, idempotency_key=idempotency_key)

    async def read(self, entity: str, remote_id: str) -> Any:
        self.seen["reads"] += 1
        return await super().read(entity, remote_id)


def bill_customers(world: World, names: list[str]) -> None:
    async def how(conn: Any) -> None:
        for name in names:
            fields = {"name": name, "email": f"{uuid.uuid4().hex[:8]}@example.test"}
            await conn.create("customer", fields, idempotency_key=uuid.uuid4().hex)

    act(world, "a", how)


def test_creates_go_in_batches_and_a_refused_one_stays_outstanding(world: World) -> None:
    tag = uuid.uuid4().hex[:6]
    # One name QuickBooks refuses ("DisplayName cannot contain a colon"), among 45.
    taken = f"Batched {tag}: 07"
    names = [f"Batched {tag} {i:02d}" for i in range(45) if i != 7] + [taken]
    bill_customers(world, names)
    seen = {"batches": 0, "items": 0, "single": 0, "reads": 0}
    world.wrap = lambda side, conn: Batching(conn, seen) if side == "b" else conn
    result = world.sync()

    assert seen["batches"] >= 2 and seen["items"] >= 45, seen
    assert seen["single"] == 0, "no create went alone"
    assert seen["reads"] == 0, "the batch's answer is the record: nothing read back"
    refused = [
        e for e in world.events if e.level in ("warning", "error") and taken in str(e.message)
    ]
    assert refused, "the refused create is said"
    created = {
        link.a_fields.get("name")
        for link in world.store.links(world.profile.id, "customer", where="state='paired'")
        if link.a_fields
    }
    assert set(names) - {taken} <= created
    assert taken not in created
    assert result.exit_code != 0, "a refused create waits for a person"
    assert not world.store.ops(world.profile.id, (OpState.SENT,)), "no create left unsettled"

    world.wrap = None
    report = asyncio.run(verify(world.store, world.profile, world.factory(), entity="customer"))
    ours = [d for d in report.disagreements if d.record.startswith(f"Batched {tag} ")]
    assert not ours, ours
