"""The profile setting ``only_approved_bills``, end to end against the stand-ins: a bill
in BILL that is not approved there is not created in QuickBooks Online while it is on (the
run log says so once, the dry-run plan lists it), and the sync after it is approved in
BILL creates it. Off (the default), approval does not matter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from runner_world import World, act, create, make_world

from recontui.model import RemoteRef
from recontui.present import Names, plan_lines
from recontui.setup.approved_bills import CONFIRM_WORDS, save_only_approved_bills

TODAY = dt.date(2026, 3, 2)
WAITING = "Bill 'B-1001' waits for approval in BILL: only approved bills are copied (Preferences)."


def numbers(world: World, side: str) -> dict[str, dict[str, Any]]:
    """The bills one system holds now, by number."""

    async def how(conn: Any) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        async for page in conn.pull("bill", None):
            found.update({rec.fields["number"]: dict(rec.fields) for rec in page.records})
        return found

    return dict(act(world, side, how))


def office(world: World) -> RemoteRef:
    async def how(conn: Any) -> RemoteRef:
        async for page in conn.pull("account", None):
            for rec in page.records:
                if rec.fields.get("name") == "Office Expenses":
                    return RemoteRef("account", rec.remote_id)
        raise AssertionError("BILL has no Office Expenses account")

    return act(world, "a", how)  # type: ignore[no-any-return]


def set_approval(world: World, bill_id: str, status: str) -> None:
    """BILL's approval flow, as the stand-in plays it (sandbox only)."""
    with world.sandbox.lock:
        world.sandbox.bill_org.set_approval(bill_id, status)


def said(world: World, text: str) -> list[str]:
    return [e.message for e in world.events if text in getattr(e, "message", "")]


@pytest.fixture
def books(tmp_path: Path) -> tuple[World, str]:
    """Empty books but for a BILL vendor and its bill B-1001, not approved yet."""
    world = make_world(tmp_path, scenario="empty")
    vendor = create(
        world,
        "a",
        "vendor",
        {"name": "Paper Co", "email": "ap@paper.test", "phone": "(503) 555-0100"},
    )
    bill = create(
        world,
        "a",
        "bill",
        {
            "number": "B-1001",
            "vendor": RemoteRef("vendor", vendor),
            "date": TODAY,
            "due_date": TODAY + dt.timedelta(days=30),
            "lines": [
                {"amount": Decimal("40.00"), "description": "Paper", "account": office(world)}
            ],
        },
    )
    set_approval(world, bill, "APPROVING")
    return world, bill


def turn_on(world: World) -> None:
    assert save_only_approved_bills(world.store, world.profile, True, CONFIRM_WORDS, "me") is None


def test_the_connector_reads_the_approval_status(books: tuple[World, str]) -> None:
    world, _bill = books
    assert numbers(world, "a")["B-1001"]["approval"] == "APPROVING"


def test_off_by_default_an_unapproved_bill_is_copied(books: tuple[World, str]) -> None:
    world, _bill = books
    result = world.sync()
    assert result.exit_code == 0, result.message
    assert "B-1001" in numbers(world, "b")
    assert not said(world, "waits for approval")


def test_an_unapproved_bill_waits_and_is_created_once_approved(
    books: tuple[World, str],
) -> None:
    world, bill = books
    turn_on(world)
    plan = world.sync(dry_run=True).plan
    lines = plan_lines(plan, Names(world.store).link_name)
    assert (
        "  not sent   (neither)          'B-1001': approval (not sent: waits for approval "
        "in BILL)" in lines
    ), lines
    assert lines[0].endswith(", 1 waiting for approval."), lines[0]
    assert "not sent by your sync settings" not in lines[0]
    assert not [ln for ln in lines if "create" in ln and "B-1001" in ln]

    world.events.clear()
    first = world.sync()
    assert first.exit_code == 0, first.message
    assert "B-1001" not in numbers(world, "b")
    assert said(world, "waits for approval") == [WAITING]

    world.events.clear()
    again = world.sync()  # nothing changed in BILL: not said again, still not created
    assert again.exit_code == 0, again.message
    assert "B-1001" not in numbers(world, "b")
    assert not said(world, "waits for approval")

    set_approval(world, bill, "APPROVED")
    world.events.clear()
    approved = world.sync()
    assert approved.exit_code == 0, approved.message
    assert numbers(world, "b")["B-1001"]["total"] == Decimal("40.00")
    assert not said(world, "waits for approval")


def test_a_denied_bill_is_not_created_either(books: tuple[World, str]) -> None:
    world, bill = books
    set_approval(world, bill, "DENIED")
    turn_on(world)
    assert world.sync().exit_code == 0
    assert "B-1001" not in numbers(world, "b")
    assert said(world, "waits for approval") == [WAITING]
