"""Steps the console tests share: settle after a key, press keys, find a conflict."""

from __future__ import annotations

from typing import Any

from recontui.present import conflict_summary


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def conflict_for(world: Any, record: str) -> Any:
    for c in world.store.conflicts(world.profile.id):
        if conflict_summary(world.store, world.profile, c)["record"] == record:
            return c
    raise AssertionError(record)
