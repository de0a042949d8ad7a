"""engine/approval.py: which BILL records wait for their approval before being copied."""

from __future__ import annotations

import pytest

from recontui.engine.approval import waits_for_approval


@pytest.mark.parametrize("status", ["UNASSIGNED", "ASSIGNED", "APPROVING", "DENIED", "denied"])
def test_an_unapproved_bill_waits_while_the_setting_is_on(status: str) -> None:
    assert waits_for_approval("bill", "a", {"approval": status}, only_approved=True)


def test_an_approved_bill_or_one_without_a_policy_does_not_wait() -> None:
    assert not waits_for_approval("bill", "a", {"approval": "APPROVED"}, only_approved=True)
    assert not waits_for_approval("bill", "a", {"approval": None}, only_approved=True)
    assert not waits_for_approval("bill", "a", {}, only_approved=True)


def test_off_or_elsewhere_nothing_waits() -> None:
    unapproved = {"approval": "ASSIGNED"}
    assert not waits_for_approval("bill", "a", unapproved, only_approved=False)
    assert not waits_for_approval("bill", "b", unapproved, only_approved=True)  # QuickBooks
    assert not waits_for_approval("invoice", "a", unapproved, only_approved=True)
