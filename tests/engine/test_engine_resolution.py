from __future__ import annotations

from decimal import Decimal

import pytest

from recontui.engine import Audit, apply_resolution
from recontui.model import ENTITIES

CUSTOMER = ENTITIES["customer"]
FIELDS = CUSTOMER.synced_fields
A = {"name": "Acme Ltd", "email": "ap@acme.test", "city": "Springfield", "phone": "555 0100"}
B = {"name": "ACME LTD", "email": "billing@acme.test", "city": "Shelbyville", "phone": None}


def test_choosing_a_writes_a_value_to_b_only() -> None:
    r = apply_resolution(FIELDS, A, B, {"email": ("a", None)})
    assert r.result == {"email": "ap@acme.test"}
    assert r.to_a == {}
    assert r.to_b == {"email": "ap@acme.test"}
    assert r.audit == [Audit("email", "b", "billing@acme.test", "ap@acme.test", "resolution")]


def test_choosing_b_writes_b_value_to_a_only() -> None:
    r = apply_resolution(FIELDS, A, B, {"city": ("b", None), "phone": ("b", None)})
    assert r.to_a == {"city": "Shelbyville", "phone": None}
    assert r.to_b == {}
    assert [e.side for e in r.audit] == ["a", "a"]


def test_custom_value_is_written_to_both_sides() -> None:
    r = apply_resolution(FIELDS, A, B, {"city": ("custom", "Capital City")})
    assert r.result == {"city": "Capital City"}
    assert r.to_a == r.to_b == {"city": "Capital City"}
    assert {(e.side, e.old) for e in r.audit} == {("a", "Springfield"), ("b", "Shelbyville")}


def test_sides_already_holding_the_value_normalised_are_not_written() -> None:
    r = apply_resolution(FIELDS, A, B, {"name": ("custom", " acme ltd")})
    assert r.result == {"name": " acme ltd"}
    assert not r.changes and r.audit == []


def test_fields_without_a_choice_are_untouched() -> None:
    r = apply_resolution(FIELDS, A, B, {})
    assert (r.result, r.to_a, r.to_b, r.audit) == ({}, {}, {}, [])


def test_money_custom_value_compared_to_the_cent() -> None:
    payment = ENTITIES["payment"]
    a, b = {"amount": Decimal("10.00")}, {"amount": Decimal("12")}
    r = apply_resolution(payment.synced_fields, a, b, {"amount": ("custom", Decimal("10.001"))})
    assert r.to_a == {}
    assert r.to_b == {"amount": Decimal("10.001")}


def test_choice_for_a_field_outside_the_synced_set_is_refused() -> None:
    with pytest.raises(ValueError, match="balance"):
        apply_resolution(FIELDS, A, B, {"balance": ("a", None)})


def test_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError):
        apply_resolution(FIELDS, A, B, {"city": ("both", None)})  # type: ignore[dict-item]
