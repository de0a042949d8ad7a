"""Helpers for verify tests: a synced demo world, direct edits through one system's API."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from runner_world import World, make_world

from recontui.model import RemoteRecord, Side
from recontui.verify import DEFAULT_LIMIT, VerifyResult, verify


def agreed_world(tmp_path: Path, scenario: str = "demo") -> World:
    """The demo books after a full sync that ended with exit 0 (they agree)."""
    world = make_world(tmp_path, scenario=scenario)
    result = world.sync()
    assert result.exit_code == 0, result
    return world


def check(world: World, *, entity: str | None = None, limit: int = DEFAULT_LIMIT) -> VerifyResult:
    world.profile = world.store.get_profile(world.profile.name)
    return asyncio.run(
        verify(world.store, world.profile, world.factory(), entity=entity, limit=limit)
    )


def connector(world: World, side: Side) -> Any:
    return world.connectors()[0 if side == "a" else 1]


def edit(world: World, side: Side, entity: str, remote_id: str, **changes: Any) -> RemoteRecord:
    """Change a record straight through one system's API (as a person would there)."""

    async def go() -> RemoteRecord:
        async with connector(world, side) as conn:
            rec = await conn.read(entity, remote_id)
            return await conn.update(
                entity, remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex
            )

    return asyncio.run(go())


def create(world: World, side: Side, entity: str, **fields: Any) -> RemoteRecord:
    async def go() -> RemoteRecord:
        async with connector(world, side) as conn:
            return await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)

    return asyncio.run(go())


def deactivate(world: World, side: Side, entity: str, remote_id: str) -> RemoteRecord:
    async def go() -> RemoteRecord:
        async with connector(world, side) as conn:
            rec = await conn.read(entity, remote_id)
            return await conn.deactivate(
                entity, remote_id, rec.version, idempotency_key=uuid.uuid4().hex
            )

    return asyncio.run(go())


def a_paired(world: World, entity: str) -> Any:
    return world.store.links(world.profile.id, entity, where="state='paired'")[0]
