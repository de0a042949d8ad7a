"""The profile setting ``include_inactive`` (setup, step What syncs): off (the default), a
record inactive in one system and absent from the other is left alone; on, it is created
in the other system too, inactive there. Either way `recontui verify` agrees with the run,
and the next run plans nothing."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.verify import verify

CUSTOMER = "Dormant Dairy Ltd"  # inactive in QuickBooks Online
VENDOR = "Retired Rivets Co"  # archived in BILL
CONTACT = {"email": "ap@example.com", "phone": "(503) 555-0100"}


@pytest.fixture
def dormant(tmp_path: Path) -> World:
    """Empty books but for one inactive customer in QuickBooks Online and one archived
    vendor in BILL, each made as a person would, through its system's API."""
    world = make_world(tmp_path, scenario="empty")

    async def go() -> None:
        bill, qbo = world.connectors()
        async with qbo:
            await qbo.create(
                "customer",
                {"name": CUSTOMER, **CONTACT, "active": False},
                idempotency_key=uuid.uuid4().hex,
            )
        async with bill:
            await bill.create(
                "vendor", {"name": VENDOR, **CONTACT, "active": False}, idempotency_key="v"
            )

    asyncio.run(go())
    return world


def held(world: World, side: str, entity: str) -> dict[str, Any]:
    """Every record one system holds now, active or not, by name."""

    async def go() -> dict[str, Any]:
        conn = world.connectors()[0 if side == "a" else 1]
        found: dict[str, Any] = {}
        async with conn:
            async for page in conn.pull(entity, None):
                found.update({rec.fields["name"]: rec.fields for rec in page.records})
        return found

    return asyncio.run(go())


def books_agree(world: World) -> bool:
    world.profile = world.store.get_profile(world.profile.name)
    return bool(asyncio.run(verify(world.store, world.profile, world.factory())).count == 0)


def test_inactive_records_are_left_alone_by_default(dormant: World) -> None:
    assert held(dormant, "b", "customer")[CUSTOMER]["active"] is False
    assert held(dormant, "a", "vendor")[VENDOR]["active"] is False
    result = dormant.sync()
    assert result.exit_code == 0, result.message
    assert CUSTOMER not in held(dormant, "a", "customer")
    assert VENDOR not in held(dormant, "b", "vendor")
    assert books_agree(dormant)  # left out on purpose: inactive


def test_with_the_setting_on_they_are_created_inactive_on_the_other_side(
    dormant: World,
) -> None:
    store, profile = dormant.store, dormant.profile
    store.set_setting(profile.id, "include_inactive", True, actor="tester")
    result = dormant.sync()
    assert result.exit_code == 0, result.message
    assert result.counts["pushed"] == 2, result.counts
    customer = held(dormant, "a", "customer")[CUSTOMER]
    vendor = held(dormant, "b", "vendor")[VENDOR]
    assert customer["active"] is False and customer["email"] == CONTACT["email"]
    assert vendor["active"] is False
    assert books_agree(dormant)
    again = dormant.sync(dry_run=True)
    assert again.plan == [], again.plan  # our own creates are not echoed back


def test_turned_on_later_verify_names_the_inactive_record_it_has_not_copied(
    dormant: World,
) -> None:
    """Verify follows the setting: a one-sided inactive record is no longer excused."""
    assert dormant.sync().exit_code == 0
    dormant.store.set_setting(dormant.profile.id, "include_inactive", True, actor="tester")
    assert not books_agree(dormant)


def test_turned_on_later_the_next_sync_copies_what_was_left_alone(dormant: World) -> None:
    """Turned on after a sync left them alone (Preferences or the setup, one headless
    save): the records are looked at again, so the next sync creates them, no edit
    needed."""
    from recontui.setup.syncs import save_include_inactive

    assert dormant.sync().exit_code == 0
    assert CUSTOMER not in held(dormant, "a", "customer")
    said = save_include_inactive(dormant.store, dormant.profile, True, "tester")
    assert said.startswith("a record inactive in BILL or QuickBooks Online is created")
    assert dormant.sync().exit_code == 0
    assert held(dormant, "a", "customer")[CUSTOMER]["active"] is False
    assert held(dormant, "b", "vendor")[VENDOR]["active"] is False
    assert books_agree(dormant)
