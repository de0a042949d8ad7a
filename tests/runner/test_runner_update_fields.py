"""Per-entity update fields and field subsets, end to end against the stand-ins: import
only creates new records and never changes existing ones; restricted updates replace only
their fields; a field subset syncs only its fields. Both systems are read afterwards."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, make_world

from recontui.present import Names, plan_lines
from recontui.setup.sync_fields import save_update_fields
from recontui.verify import verify

ACME = "Acme Anvils"
ZED = "Zed Zeppelins"
CONTACT = {"email": "ap@acme.example.com", "phone": "(503) 555-0100", "city": "Portland"}


def add(world: World, side: str, name: str, **fields: Any) -> None:
    """A record made as a person would, through its system's API."""

    async def go() -> None:
        conn = world.connectors()[0 if side == "a" else 1]
        async with conn:
            await conn.create(
                "customer", {"name": name, **fields}, idempotency_key=uuid.uuid4().hex
            )

    asyncio.run(go())


def edit(world: World, side: str, name: str, **changes: Any) -> None:
    """Change a customer in one system, as a person would."""

    async def go() -> None:
        conn = world.connectors()[0 if side == "a" else 1]
        async with conn:
            async for page in conn.pull("customer", None):
                for rec in page.records:
                    if rec.fields["name"] == name:
                        await conn.update(
                            "customer", rec.remote_id, rec.version, changes,
                            idempotency_key=uuid.uuid4().hex,
                        )  # fmt: skip
                        return
        raise AssertionError(f"no customer {name!r} on side {side}")

    asyncio.run(go())


def held(world: World, side: str) -> dict[str, Any]:
    """Every customer one system holds now, by name."""

    async def go() -> dict[str, Any]:
        conn = world.connectors()[0 if side == "a" else 1]
        found: dict[str, Any] = {}
        async with conn:
            async for page in conn.pull("customer", None):
                found.update({rec.fields["name"]: rec.fields for rec in page.records})
        return found

    return asyncio.run(go())


def disagreements(world: World) -> int:
    """What `recontui verify` finds between the two systems now."""
    world.profile = world.store.get_profile(world.profile.name)
    return int(asyncio.run(verify(world.store, world.profile, world.factory())).count)


def log(world: World) -> list[str]:
    return [e.message for e in world.events if getattr(e, "message", None)]


@pytest.fixture
def books(tmp_path: Path) -> World:
    """Empty books but for one customer made in BILL."""
    world = make_world(tmp_path, scenario="empty")
    add(world, "a", ACME, **CONTACT)
    return world


def setting(world: World, key: str, value: Any) -> None:
    world.store.set_setting(world.profile.id, key, value, actor="tester")


def test_import_only_creates_new_records_and_never_changes_existing_ones(books: World) -> None:
    setting(books, "update_fields.customer", "none")
    first = books.sync()
    assert first.exit_code == 0, first.message
    created = held(books, "b")[ACME]  # a create carries every synced field
    assert created["phone"] == "(503) 555-0100" and created["city"] == "Portland"

    edit(books, "a", ACME, phone="(503) 555-0199")
    add(books, "a", ZED, email="ap@zed.example.com")
    books.events.clear()
    second = books.sync()
    assert second.exit_code == 0, second.message
    assert held(books, "a")[ACME]["phone"] == "(503) 555-0199"
    assert held(books, "b")[ACME]["phone"] == "(503) 555-0100"  # existing: left alone
    assert held(books, "b")[ZED]["email"] == "ap@zed.example.com"  # new: created
    said = [m for m in log(books) if ACME in m and "not sent" in m]
    assert said == [
        "Customer 'Acme Anvils': phone differ between the two systems and are not sent "
        "(import only); each side keeps its value."
    ]
    assert books.store.conflict_counts(books.profile.id).get("open", 0) == 0

    # Never lost: the base did not take the unsent phone, so once updates may replace
    # every field, the record's next change carries the phone along with it.
    setting(books, "update_fields.customer", "all")
    edit(books, "a", ACME, city="Salem")
    third = books.sync()
    assert third.exit_code == 0, third.message
    assert held(books, "b")[ACME]["phone"] == "(503) 555-0199"
    assert held(books, "b")[ACME]["city"] == "Salem"


def test_restricted_updates_replace_only_their_fields(books: World) -> None:
    setting(books, "update_fields.customer", ["address_line1", "phone"])
    assert books.sync().exit_code == 0
    edit(books, "a", ACME, phone="(503) 555-0199", email="new@acme.example.com")
    books.events.clear()
    result = books.sync()
    assert result.exit_code == 0, result.message
    bill, qbo = held(books, "a")[ACME], held(books, "b")[ACME]
    assert (bill["phone"], qbo["phone"]) == ("(503) 555-0199", "(503) 555-0199")
    assert (bill["email"], qbo["email"]) == ("new@acme.example.com", "ap@acme.example.com")
    assert any(
        "email differ" in m and "(updates replace only address_line1, phone)" in m
        for m in log(books)
    )


def test_a_field_subset_syncs_only_its_fields(books: World) -> None:
    setting(books, "fields.customer", ["email", "name"])
    assert books.sync().exit_code == 0
    qbo = held(books, "b")[ACME]
    assert qbo["email"] == "ap@acme.example.com" and not qbo.get("phone")
    assert not qbo.get("city")
    edit(books, "b", ACME, phone="(971) 555-0123")  # outside the subset: not compared
    books.events.clear()
    result = books.sync()
    assert result.exit_code == 0, result.message
    assert held(books, "a")[ACME]["phone"] == "(503) 555-0100"
    assert not [m for m in log(books) if "not sent" in m or "Conflict" in m]
    assert disagreements(books) == 0  # phone and city are not synced, so not checked


def test_the_dry_run_plan_says_what_is_not_sent(books: World) -> None:
    setting(books, "update_fields.customer", ["address_line1", "phone"])
    assert books.sync().exit_code == 0
    edit(books, "a", ACME, phone="(503) 555-0199", email="new@acme.example.com")
    add(books, "a", ZED, email="ap@zed.example.com")
    add(books, "b", "Yew Yachts", email="ap@yew.example.com")
    plan = books.sync(dry_run=True).plan
    lines = plan_lines(plan, Names(books.store).link_name)
    assert lines == [
        "Plan (nothing was written): 3 writes, 1 not sent by your sync settings.",
        "Customers: 1 to create in BILL, 1 to create in QuickBooks Online, "
        "1 to update in QuickBooks Online, 1 not sent",
        "  create     BILL               'Yew Yachts'",
        "  create     QuickBooks Online  'Zed Zeppelins'",
        "  update     QuickBooks Online  'Acme Anvils': phone",
        "  not sent   (neither)          'Acme Anvils': email (not sent: updates replace "
        "only address_line1, phone)",
    ]
    setting(books, "update_fields.customer", "none")
    plan = books.sync(dry_run=True).plan
    lines = plan_lines(plan, Names(books.store).link_name)
    assert (
        "  not sent   (neither)          'Acme Anvils': email, phone (not sent: import only)"
        in (lines)
    )
    assert not any("update" in line for line in lines[2:])


def test_allowing_updates_again_sends_what_was_not_sent(books: World) -> None:
    """The setting saved through its one check-and-save (Preferences, the setup file)
    has every pair compared again: the held-back phone goes over without another edit."""
    assert save_update_fields(books.store, books.profile, "customer", "none", "me") is None
    assert books.sync().exit_code == 0
    edit(books, "a", ACME, phone="(503) 555-0199")
    assert books.sync().exit_code == 0
    assert held(books, "b")[ACME]["phone"] == "(503) 555-0100"
    books.events.clear()
    assert books.sync().exit_code == 0  # nothing changed: nothing said, nothing sent
    assert held(books, "b")[ACME]["phone"] == "(503) 555-0100"
    assert not [m for m in log(books) if "not sent" in m]
    assert save_update_fields(books.store, books.profile, "customer", "all", "me") is None
    result = books.sync()
    assert result.exit_code == 0, result.message
    assert held(books, "b")[ACME]["phone"] == "(503) 555-0199"
    assert disagreements(books) == 0


def test_verify_counts_a_field_updates_may_not_replace_as_left_out_on_purpose(
    books: World,
) -> None:
    """The sync says such a difference and exits 0; `recontui verify` agrees with it: the
    difference is the profile's choice, counted apart, not a disagreement."""
    from recontui.verify import excluded_line

    setting(books, "update_fields.customer", "none")
    assert books.sync().exit_code == 0
    edit(books, "a", ACME, phone="(503) 555-0199")
    assert books.sync().exit_code == 0
    books.profile = books.store.get_profile(books.profile.name)
    result = asyncio.run(verify(books.store, books.profile, books.factory()))
    assert result.count == 0
    assert result.excluded["customer"]["update_fields"] == 1
    line = excluded_line(result) or ""
    assert "1 field differences your update settings do not send" in line
    setting(books, "update_fields.customer", "all")  # allowed again: a disagreement again
    assert disagreements(books) == 1
