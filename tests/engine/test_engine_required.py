"""engine/required.py: which part of a planned write its system would refuse for a field it
requires, and so is held instead of sent."""

from __future__ import annotations

from recontui.engine.required import Held, Lack, held_for, split_write
from recontui.model.states import OpKind

BILL_CUSTOMER = ("name", "email")
BILL_VENDOR = ("name", "email", "phone")


def test_a_create_without_a_required_field_is_held_whole() -> None:
    record = {"name": "Acme Ltd", "phone": "(503) 555-0100", "email": None}
    split = split_write(OpKind.CREATE, BILL_CUSTOMER, record)
    assert split.send == {}
    assert split.held == record
    assert split.why == Held(Lack.MISSING, ("email",))


def test_a_create_counts_absent_and_whitespace_as_missing_in_declared_order() -> None:
    split = split_write(OpKind.CREATE, BILL_VENDOR, {"name": "Paper Co", "email": "  "})
    assert split.why == Held(Lack.MISSING, ("email", "phone"))


def test_a_create_with_every_required_field_is_sent_as_planned() -> None:
    record = {"name": "Acme Ltd", "email": "ap@acme.test", "city": None}
    split = split_write(OpKind.CREATE, BILL_CUSTOMER, record)
    assert split.send == record and split.held == {} and split.why is None


def test_an_update_holds_only_the_required_fields_it_would_blank() -> None:
    changes = {"email": None, "phone": "(503) 555-0199", "city": ""}
    split = split_write(OpKind.UPDATE, BILL_CUSTOMER, changes)
    assert split.send == {"phone": "(503) 555-0199", "city": ""}  # city is not required
    assert split.held == {"email": None}
    assert split.why == Held(Lack.BLANKED, ("email",))


def test_an_update_that_leaves_a_required_field_alone_is_not_held() -> None:
    # BILL may hold a vendor without a phone number: an update that does not touch it
    # is not about it.
    assert held_for(OpKind.UPDATE, BILL_VENDOR, {"city": "Portland"}) is None
    assert held_for(OpKind.UPDATE, BILL_VENDOR, {"email": "new@paper.test"}) is None


def test_a_restore_is_held_like_an_update() -> None:
    assert held_for(OpKind.RESTORE, BILL_CUSTOMER, {"name": "Acme Ltd"}) is None
    assert held_for(OpKind.RESTORE, BILL_CUSTOMER, {"email": None}) == Held(
        Lack.BLANKED, ("email",)
    )


def test_nothing_is_held_where_the_system_requires_nothing() -> None:
    assert held_for(OpKind.CREATE, (), {"name": None}) is None
    assert held_for(OpKind.DEACTIVATE, BILL_CUSTOMER, {}) is None
    assert split_write(OpKind.DEACTIVATE, BILL_CUSTOMER, {}).send == {}


def test_false_and_zero_are_values_not_blanks() -> None:
    assert held_for(OpKind.UPDATE, ("active", "rate"), {"active": False, "rate": 0}) is None
