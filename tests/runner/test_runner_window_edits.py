"""Editing an older record brings it into the initial window, end to end against the
stand-ins: a transaction dated before the window is left alone by the first sync, and a
sync after someone changed it in its system copies it (one held alone) or sends the change
(one both systems hold, linked as a reference). One nobody touched stays left alone."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, act, create, make_world

from recontui.model import RemoteRef

TODAY = dt.datetime.now(dt.UTC).date()
OLD = TODAY - dt.timedelta(days=400)
WINDOW = f"from {(TODAY - dt.timedelta(days=30)).isoformat()}"
CONTACT = {"email": "ap@paper.test", "phone": "(503) 555-0100"}


def edit(
    world: World,
    side: str,
    entity: str,
    remote_id: str,
    changes: dict[str, Any],
    *,
    later: bool = True,
) -> None:
    """A person changes the record in its own system (``later``: some minutes after the
    first sync; the stand-in's clock moves on, as the real one does meanwhile)."""
    if later:
        world.sandbox.clock.advance(180)

    async def how(conn: Any) -> None:
        rec = await conn.read(entity, remote_id)
        await conn.update(entity, remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex)

    act(world, side, how)


def bills(world: World, side: str) -> dict[str, dict[str, Any]]:
    async def how(conn: Any) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        async for page in conn.pull("bill", None):
            found.update({rec.fields["number"]: dict(rec.fields) for rec in page.records})
        return found

    return dict(act(world, side, how))


def account(world: World, side: str, name: str) -> RemoteRef:
    async def how(conn: Any) -> RemoteRef:
        async for page in conn.pull("account", None):
            for rec in page.records:
                if rec.fields.get("name") == name:
                    return RemoteRef("account", rec.remote_id)
        raise AssertionError(f"no account {name!r}")

    return act(world, side, how)  # type: ignore[no-any-return]


def bill_fields(number: str, vendor: str, office: RemoteRef, memo: str) -> dict[str, Any]:
    return {
        "number": number,
        "vendor": RemoteRef("vendor", vendor),
        "date": OLD,
        "due_date": OLD + dt.timedelta(days=30),
        "memo": memo,
        "lines": [{"amount": Decimal("40.00"), "description": "Paper", "account": office}],
    }


@pytest.fixture
def books(tmp_path: Path) -> tuple[World, dict[str, str]]:
    """One vendor in both systems; bill OLD-1 (old) in BILL only, OLD-2 (old) in both,
    OLD-3 (old) in BILL only and never touched; the window starts 30 days back."""
    world = make_world(tmp_path, scenario="empty")
    name = {"name": "Paper Co", **CONTACT}
    a_vendor, b_vendor = create(world, "a", "vendor", name), create(world, "b", "vendor", name)
    a_office = account(world, "a", "Office Expenses")
    b_office = account(world, "b", "Office Expenses")
    ids = {
        "OLD-1": create(world, "a", "bill", bill_fields("OLD-1", a_vendor, a_office, "March")),
        "OLD-2": create(world, "a", "bill", bill_fields("OLD-2", a_vendor, a_office, "April")),
        "OLD-3": create(world, "a", "bill", bill_fields("OLD-3", a_vendor, a_office, "May")),
    }
    create(world, "b", "bill", bill_fields("OLD-2", b_vendor, b_office, "April"))
    world.store.set_setting(world.profile.id, "initial_window", WINDOW, actor="test")
    return world, ids


def said(world: World, text: str) -> list[str]:
    return [e.message for e in world.events if text in getattr(e, "message", "")]


def test_an_old_bill_edited_after_the_first_sync_is_synced(
    books: tuple[World, dict[str, str]],
) -> None:
    world, ids = books
    first = world.sync()
    assert first.exit_code == 0, first.message
    assert set(bills(world, "b")) == {"OLD-2"}  # nothing older than the window was copied
    assert said(world, "outside the initial window")

    # Entered after the first sync but dated before the window: history entered late.
    vendor = world.store.links(world.profile.id, "vendor")[0].a_id
    office = account(world, "a", "Office Expenses")
    create(world, "a", "bill", bill_fields("OLD-4", vendor, office, "Late"))
    edit(world, "a", "bill", ids["OLD-1"], {"memo": "March, corrected"})
    edit(world, "a", "bill", ids["OLD-2"], {"memo": "April, corrected"})
    world.events.clear()
    second = world.sync()
    assert second.exit_code == 0, second.message
    held = bills(world, "b")
    assert held["OLD-1"]["memo"] == "March, corrected"  # held alone: created
    assert held["OLD-2"]["memo"] == "April, corrected"  # held by both: the change sent
    assert "OLD-3" not in held  # untouched: still left alone
    assert "OLD-4" not in held  # entered late, never changed since: left alone
    assert said(world, "changed after the first sync")

    world.events.clear()
    again = world.sync(dry_run=True)
    assert again.plan == [], again.plan  # settled: nothing more to do


def test_before_any_sync_an_old_bill_is_left_alone_whatever_its_edits(
    books: tuple[World, dict[str, str]],
) -> None:
    """Changes made before the first sync are history: the window still holds them out."""
    world, ids = books
    edit(world, "a", "bill", ids["OLD-1"], {"memo": "March, corrected"}, later=False)
    assert world.sync().exit_code == 0
    assert set(bills(world, "b")) == {"OLD-2"}
    assert world.sync().exit_code == 0  # and the runs after the first do not change that
    assert set(bills(world, "b")) == {"OLD-2"}
