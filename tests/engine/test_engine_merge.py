"""The merge table of DESIGN.md, one behaviour per test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from recontui.engine import Audit, FieldConflict, Merge, Policy, Rule, merge_record
from recontui.model import ENTITIES, Ref

CUSTOMER = ENTITIES["customer"]
C_FIELDS = CUSTOMER.synced_fields
INVOICE = ENTITIES["invoice"]
I_FIELDS = INVOICE.synced_fields

BASE = {
    "name": "Acme Ltd",
    "company_name": "Acme",
    "email": "ap@acme.test",
    "phone": "+1 555 0100",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
    "currency": "USD",
    "active": True,
}
BOTH = Policy()


def rec(**changes: object) -> dict[str, object]:
    return {**BASE, **changes}


def merge(
    base: dict[str, object] | None,
    a: dict[str, object],
    b: dict[str, object],
    policy: Policy = BOTH,
) -> Merge:
    return merge_record(CUSTOMER, C_FIELDS, base, a, b, policy)


def assert_nothing(m: Merge) -> None:
    assert m.to_a == {} and m.to_b == {} and m.conflicts == {} and m.audit == []
    assert m.forbidden == []


# -- the table ------------------------------------------------------------------------------


def test_unchanged_on_both_sides_does_nothing() -> None:
    m = merge(BASE, rec(), rec())
    assert_nothing(m)
    assert m.agreed == BASE
    assert m.clean and not m.changes


def test_one_sided_change_on_a_is_pushed_to_b() -> None:
    m = merge(BASE, rec(email="new@acme.test"), rec())
    assert m.to_b == {"email": "new@acme.test"}
    assert m.to_a == {}
    assert m.audit == [Audit("email", "b", "ap@acme.test", "new@acme.test", "merge")]
    assert m.agreed["email"] == "new@acme.test"
    assert m.clean and m.changes


def test_one_sided_change_on_b_is_pushed_to_a() -> None:
    m = merge(BASE, rec(), rec(phone="+1 555 0199"))
    assert m.to_a == {"phone": "+1 555 0199"}
    assert m.to_b == {}
    assert m.audit == [Audit("phone", "a", "+1 555 0100", "+1 555 0199", "merge")]


def test_both_changed_to_the_same_value_writes_nothing_and_records_new_base() -> None:
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Shelbyville"))
    assert_nothing(m)
    assert m.agreed["city"] == "Shelbyville"


def test_both_changed_differently_is_a_conflict() -> None:
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"))
    assert m.conflicts == {
        "city": FieldConflict("Springfield", "Shelbyville", "Capital City", "both_changed")
    }
    assert m.to_a == {} and m.to_b == {} and m.audit == []
    assert "city" not in m.agreed
    assert not m.clean


def test_changes_to_different_fields_merge_independently() -> None:
    m = merge(BASE, rec(city="Shelbyville"), rec(email="new@acme.test"))
    assert m.to_b == {"city": "Shelbyville"}
    assert m.to_a == {"email": "new@acme.test"}
    assert m.clean


def test_fields_outside_the_synced_set_are_ignored() -> None:
    only_name = (CUSTOMER.field("name"),)
    m = merge_record(CUSTOMER, only_name, BASE, rec(city="X", balance=1), rec(city="Y"), BOTH)
    assert_nothing(m)
    assert m.agreed == {"name": "Acme Ltd"}


# -- no base (first sync of a pair) -------------------------------------------------------------


def test_no_base_and_equal_values_agree() -> None:
    m = merge(None, rec(), rec(name="ACME  ltd"))
    assert_nothing(m)
    assert m.agreed == BASE


def test_no_base_and_different_values_are_conflicts_never_guessed() -> None:
    m = merge(None, rec(city="Shelbyville"), rec())
    assert m.conflicts == {"city": FieldConflict(None, "Shelbyville", "Springfield", "no_base")}
    assert not m.changes


def test_no_base_even_when_one_side_is_blank_without_a_rule() -> None:
    m = merge(None, rec(phone=None), rec())
    assert m.conflicts["phone"].kind == "no_base"
    assert not m.changes


def test_field_missing_from_base_is_treated_as_no_base() -> None:
    base = {k: v for k, v in BASE.items() if k != "city"}
    m = merge(base, rec(city="Shelbyville"), rec())
    assert m.conflicts["city"].kind == "no_base"


def test_no_base_difference_decided_by_master_rule() -> None:
    policy = Policy(rules=(Rule("prefer", "b", "customer", id=7),))
    m = merge(None, rec(city="Shelbyville"), rec(), policy)
    assert m.to_a == {"city": "Springfield"}
    assert m.audit == [Audit("city", "a", "Shelbyville", "Springfield", "rule:7")]
    assert m.clean


# -- rules ----------------------------------------------------------------------------------


def test_fill_blanks_takes_the_other_side_when_exactly_one_is_blank() -> None:
    policy = Policy(rules=(Rule("fill_blanks", None, id=2),))
    m = merge(None, rec(phone=""), rec(), policy)
    assert m.to_a == {"phone": "+1 555 0100"}
    assert m.audit == [Audit("phone", "a", "", "+1 555 0100", "rule:2")]


def test_fill_blanks_on_a_both_changed_conflict() -> None:
    policy = Policy(rules=(Rule("fill_blanks", None, "customer", id=2),))
    m = merge(BASE, rec(city=None), rec(city="Shelbyville"), policy)
    assert m.to_a == {"city": "Shelbyville"}
    assert m.clean


def test_fill_blanks_does_not_decide_two_filled_values() -> None:
    policy = Policy(rules=(Rule("fill_blanks", None),))
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), policy)
    assert m.conflicts["city"].kind == "both_changed"


def test_fill_blanks_comes_before_the_master_rule() -> None:
    policy = Policy(rules=(Rule("force", "a", id=1), Rule("fill_blanks", None, id=2)))
    m = merge(None, rec(email=None), rec(), policy)
    assert m.to_a == {"email": "ap@acme.test"}
    assert m.audit[0].by == "rule:2"


def test_a_clean_change_to_blank_is_a_change_not_a_blank_to_fill() -> None:
    policy = Policy(rules=(Rule("fill_blanks", None),))
    m = merge(BASE, rec(phone=None), rec(), policy)
    assert m.to_b == {"phone": None}


def test_prefer_decides_a_conflict_and_is_audited() -> None:
    rule = Rule("prefer", "a", "customer", "city", id=3)
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), Policy(rules=(rule,)))
    assert m.to_b == {"city": "Shelbyville"}
    assert m.audit == [Audit("city", "b", "Capital City", "Shelbyville", "rule:3")]
    assert m.agreed["city"] == "Shelbyville"
    assert m.clean


def test_prefer_does_not_override_a_clean_one_sided_change() -> None:
    policy = Policy(rules=(Rule("prefer", "a", id=1),))
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert m.to_a == {"city": "Capital City"}
    assert m.audit[0].by == "merge"


def test_force_overrides_a_clean_change_on_the_other_side() -> None:
    policy = Policy(rules=(Rule("force", "a", "customer", id=4),))
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert m.to_b == {"city": "Springfield"}
    assert m.to_a == {}
    assert m.audit == [Audit("city", "b", "Capital City", "Springfield", "rule:4")]
    assert m.agreed["city"] == "Springfield"


def test_force_decides_a_conflict() -> None:
    policy = Policy(rules=(Rule("force", "b", id=4),))
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), policy)
    assert m.to_a == {"city": "Capital City"}


def test_force_lets_a_clean_change_on_its_own_side_through_as_a_merge() -> None:
    policy = Policy(rules=(Rule("force", "a", id=4),))
    m = merge(BASE, rec(city="Shelbyville"), rec(), policy)
    assert m.to_b == {"city": "Shelbyville"}
    assert m.audit[0].by == "merge"


def test_rule_without_id_is_audited_by_its_label() -> None:
    rule = Rule("prefer", "b", "customer", "city")
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), Policy(rules=(rule,)))
    assert m.audit[0].by == "prefer b for customer.city"


@pytest.mark.parametrize(
    ("rules", "winner"),
    [
        ((Rule("prefer", "a", id=1), Rule("prefer", "b", "customer", id=2)), "b"),
        ((Rule("prefer", "b", "customer", id=2), Rule("prefer", "a", id=1)), "b"),
        (
            (
                Rule("prefer", "b", "customer", id=2),
                Rule("prefer", "a", "customer", "city", id=3),
                Rule("prefer", "b", id=1),
            ),
            "a",
        ),
        ((Rule("prefer", "a", "vendor", id=5), Rule("prefer", "b", id=1)), "b"),
        ((Rule("prefer", "a", "customer", "email", id=6),), None),
    ],
)
def test_rule_precedence_field_over_entity_over_profile(
    rules: tuple[Rule, ...], winner: str | None
) -> None:
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), Policy(rules=rules))
    if winner is None:
        assert m.conflicts["city"].kind == "both_changed"
    elif winner == "a":
        assert m.to_b == {"city": "Shelbyville"}
    else:
        assert m.to_a == {"city": "Capital City"}


def test_a_field_prefer_rule_shadows_an_entity_force_rule() -> None:
    policy = Policy(
        rules=(Rule("force", "a", "customer", id=1), Rule("prefer", "a", "customer", "city", id=2))
    )
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert m.to_a == {"city": "Capital City"}  # prefer does not override a clean change


# -- directions -----------------------------------------------------------------------------


def test_direction_lets_an_allowed_change_through() -> None:
    policy = Policy(directions={"customer": "a_to_b"})
    m = merge(BASE, rec(city="Shelbyville"), rec(), policy)
    assert m.to_b == {"city": "Shelbyville"}
    assert m.forbidden == []


def test_forbidden_change_is_queued() -> None:
    policy = Policy(directions={"customer": "a_to_b"}, on_forbidden="queue")
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert m.conflicts == {
        "city": FieldConflict("Springfield", "Springfield", "Capital City", "forbidden")
    }
    assert m.forbidden == ["city"]
    assert not m.changes
    assert "city" not in m.agreed


def test_forbidden_change_is_reverted() -> None:
    policy = Policy(directions={"customer": "a_to_b"}, on_forbidden="revert")
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert m.to_b == {"city": "Springfield"}
    assert m.to_a == {}
    assert m.audit == [Audit("city", "b", "Capital City", "Springfield", "revert")]
    assert m.forbidden == ["city"]
    assert m.agreed["city"] == "Springfield"
    assert m.clean


def test_forbidden_change_is_ignored_but_reported() -> None:
    policy = Policy(directions={"customer": "a_to_b"}, on_forbidden="ignore")
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert not m.changes and m.clean
    assert m.forbidden == ["city"]
    assert "city" not in m.agreed


@pytest.mark.parametrize("on_forbidden", ["queue", "revert", "ignore"])
def test_direction_none_forbids_both_ways(on_forbidden: str) -> None:
    policy = Policy(directions={"customer": "none"}, on_forbidden=on_forbidden)  # type: ignore[arg-type]
    m = merge(BASE, rec(city="Shelbyville"), rec(email="x@y.test"), policy)
    assert not m.changes  # not even a revert: it would write to a side "none" forbids
    assert m.forbidden == ["email", "city"]
    if on_forbidden == "ignore":
        assert m.conflicts == {}
    else:
        assert {c.kind for c in m.conflicts.values()} == {"forbidden"}


def test_rule_decision_against_the_direction_is_not_written() -> None:
    policy = Policy(
        directions={"customer": "a_to_b"},
        rules=(Rule("prefer", "b", id=1),),
        on_forbidden="revert",
    )
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), policy)
    assert not m.changes
    assert m.forbidden == ["city"]
    assert m.conflicts["city"].kind == "forbidden"  # no single change to revert: queued


def test_force_against_the_direction_is_not_written() -> None:
    policy = Policy(
        directions={"customer": "b_to_a"}, rules=(Rule("force", "a", id=1),), on_forbidden="ignore"
    )
    m = merge(BASE, rec(), rec(city="Capital City"), policy)
    assert not m.changes
    assert m.forbidden == ["city"]


def test_direction_does_not_turn_a_plain_conflict_into_a_decision() -> None:
    policy = Policy(directions={"customer": "a_to_b"})
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"), policy)
    assert m.conflicts["city"].kind == "both_changed"
    assert m.forbidden == []


def test_directions_are_per_entity() -> None:
    policy = Policy(directions={"vendor": "none"})
    m = merge(BASE, rec(city="Shelbyville"), rec(), policy)
    assert m.to_b == {"city": "Shelbyville"}


# -- normalised equality ----------------------------------------------------------------------


def test_names_differing_in_case_and_spacing_are_not_different() -> None:
    m = merge(BASE, rec(name="  ACME   ltd "), rec(company_name="acme"))
    assert_nothing(m)


def test_cosmetic_change_against_the_base_is_not_a_change() -> None:
    m = merge(BASE, rec(email="AP@ACME.test", phone="+1 (555) 0100"), rec(city="Shelbyville"))
    assert m.to_a == {"city": "Shelbyville"}
    assert m.to_b == {}


def test_cosmetic_difference_with_no_base_is_not_a_conflict() -> None:
    m = merge(None, rec(phone="+1-555-0100"), rec())
    assert_nothing(m)


def _invoice(**changes: object) -> dict[str, object]:
    return {
        "number": "INV-1",
        "customer": Ref("customer", 1),
        "date": dt.date(2024, 1, 31),
        "due_date": dt.date(2024, 2, 29),
        "currency": "USD",
        "memo": "January",
        "lines": [
            {"item": Ref("item", 4), "description": "Hours", "amount": Decimal("10.00")},
        ],
        **changes,
    }


def test_money_below_the_cent_is_not_a_difference() -> None:
    lines = [{"item": Ref("item", 4), "description": "Hours", "amount": Decimal("10.001")}]
    m = merge_record(INVOICE, I_FIELDS, _invoice(), _invoice(lines=lines), _invoice(), BOTH)
    assert_nothing(m)


def test_lines_with_equal_amounts_written_differently_are_equal() -> None:
    lines = [{"item": Ref("item", 4), "description": " Hours ", "amount": Decimal("10")}]
    m = merge_record(INVOICE, I_FIELDS, None, _invoice(lines=lines), _invoice(), BOTH)
    assert_nothing(m)


def test_lines_field_is_compared_and_written_as_a_whole() -> None:
    base_lines = _invoice()["lines"]
    a_lines = [*base_lines, {"item": Ref("item", 5), "amount": Decimal("5.00")}]  # type: ignore[misc]
    m = merge_record(INVOICE, I_FIELDS, _invoice(), _invoice(lines=a_lines), _invoice(), BOTH)
    assert m.to_b == {"lines": a_lines}
    assert [e.field for e in m.audit] == ["lines"]


def test_changes_to_different_lines_on_both_sides_are_one_conflict() -> None:
    line = {"item": Ref("item", 4), "description": "Hours", "amount": Decimal("10.00")}
    a_lines = [{**line, "amount": Decimal("12.00")}]
    b_lines = [{**line, "description": "Hours (Jan)"}]
    m = merge_record(
        INVOICE, I_FIELDS, _invoice(), _invoice(lines=a_lines), _invoice(lines=b_lines), BOTH
    )
    assert list(m.conflicts) == ["lines"]
    assert m.conflicts["lines"].kind == "both_changed"


def test_unsynced_total_is_never_merged() -> None:
    m = merge_record(
        INVOICE, I_FIELDS, _invoice(total=1), _invoice(total=2), _invoice(total=3), BOTH
    )
    assert_nothing(m)
    assert "total" not in m.agreed


def test_date_change_is_pushed() -> None:
    m = merge_record(
        INVOICE, I_FIELDS, _invoice(), _invoice(), _invoice(due_date=dt.date(2024, 3, 15)), BOTH
    )
    assert m.to_a == {"due_date": dt.date(2024, 3, 15)}


def test_mirrored_merge_swaps_sides() -> None:
    m = merge(BASE, rec(city="Shelbyville"), rec(city="Capital City"))
    assert m.mirrored().conflicts["city"] == FieldConflict(
        "Springfield", "Capital City", "Shelbyville", "both_changed"
    )


def test_a_field_list_changed_between_calls_is_not_served_from_cache() -> None:
    fields = [CUSTOMER.field("name")]
    assert merge(BASE, rec(), rec(city="X")).to_a == {"city": "X"}
    first = merge_record(CUSTOMER, fields, BASE, rec(), rec(city="X"), BOTH)
    fields.append(CUSTOMER.field("city"))
    second = merge_record(CUSTOMER, fields, BASE, rec(), rec(city="X"), BOTH)
    assert first.to_a == {} and second.to_a == {"city": "X"}
