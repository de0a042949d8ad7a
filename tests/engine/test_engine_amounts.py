"""Whether a record's lines carry its whole total (engine/amounts.py)."""

from __future__ import annotations

from decimal import Decimal

from recontui.engine.amounts import Gap, carries_total, gap, lines_sum, totals_differ
from recontui.model.entities import ENTITIES

D = Decimal


def test_only_entities_with_money_lines_and_a_total_carry_one() -> None:
    assert {name for name, spec in ENTITIES.items() if carries_total(spec)} == {
        "invoice",
        "credit_memo",
        "bill",
        "vendor_credit",
    }


def test_lines_that_add_up_to_the_total_leave_no_gap() -> None:
    fields = {"lines": [{"amount": D("10.00")}, {"amount": D("2.50")}], "total": D("12.50")}
    assert lines_sum(fields["lines"]) == D("12.50")
    assert gap(ENTITIES["invoice"], fields) is None


def test_a_discount_is_a_gap_named_to_the_cent() -> None:
    fields = {"lines": [{"amount": D("50.00")}, {"amount": None}], "total": D("45.00")}
    found = gap(ENTITIES["invoice"], fields)
    assert found == Gap(D("50.00"), D("45.00"))
    assert found.missing == D("-5.00")
    assert found.words() == "its lines add up to 50.00 but its total is 45.00"
    one_cent = {"lines": [{"amount": D("1000.00")}], "total": D("1000.01")}
    assert gap(ENTITIES["bill"], one_cent) == Gap(D("1000.00"), D("1000.01"))


def test_an_unknown_total_or_an_entity_without_one_is_no_gap() -> None:
    assert gap(ENTITIES["invoice"], {"lines": [{"amount": D(1)}], "total": None}) is None
    assert gap(ENTITIES["invoice"], None) is None
    assert gap(ENTITIES["payment"], {"amount": D(5), "applied": []}) is None
    assert gap(ENTITIES["journal_entry"], {"lines": [{"amount": D(5)}]}) is None


def test_totals_differ_only_when_both_are_known() -> None:
    spec = ENTITIES["invoice"]
    assert totals_differ(spec, {"total": D("45.00")}, {"total": D("50.00")}) == (
        D("45.00"),
        D("50.00"),
    )
    assert totals_differ(spec, {"total": D("45.00")}, {"total": D("45.0")}) is None
    assert totals_differ(spec, {"total": None}, {"total": D("50.00")}) is None
    assert totals_differ(spec, None, {"total": D("50.00")}) is None
