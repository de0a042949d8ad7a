from __future__ import annotations

import pytest

from recontui.engine import Policy, Rule, may_write


def test_missing_direction_means_both() -> None:
    assert Policy().direction("customer") == "both"
    assert Policy(directions={"invoice": "a_to_b"}).direction("invoice") == "a_to_b"


@pytest.mark.parametrize(
    ("direction", "to_a", "to_b"),
    [
        ("both", True, True),
        ("a_to_b", False, True),
        ("b_to_a", True, False),
        ("none", False, False),
    ],
)
def test_may_write_follows_the_direction(direction: str, to_a: bool, to_b: bool) -> None:
    assert may_write(direction, "a") is to_a  # type: ignore[arg-type]
    assert may_write(direction, "b") is to_b  # type: ignore[arg-type]


def test_master_rule_is_the_most_specific() -> None:
    profile = Rule("prefer", "a", id=1)
    ent = Rule("force", "b", "customer", id=2)
    fld = Rule("prefer", "a", "customer", "email", id=3)
    policy = Policy(rules=(fld, profile, ent))
    assert policy.master_rule("customer", "email") == fld
    assert policy.master_rule("customer", "name") == ent
    assert policy.master_rule("vendor", "email") == profile


def test_later_rule_wins_at_equal_specificity() -> None:
    first, second = Rule("prefer", "a", "customer", id=1), Rule("prefer", "b", "customer", id=2)
    assert Policy(rules=(first, second)).master_rule("customer", "name") == second


def test_fill_blanks_rules_are_separate_from_master_rules() -> None:
    fill = Rule("fill_blanks", None, "customer", id=9)
    policy = Policy(rules=(fill,))
    assert policy.master_rule("customer", "name") is None
    assert policy.fills_blanks("customer", "name") == fill
    assert policy.fills_blanks("vendor", "name") is None


def test_swapped_exchanges_sides_everywhere() -> None:
    policy = Policy(
        directions={"customer": "a_to_b", "vendor": "none", "item": "b_to_a"},
        rules=(Rule("force", "a", "customer", id=1), Rule("fill_blanks", None)),
        on_forbidden="revert",
    )
    swapped = policy.swapped()
    assert dict(swapped.directions) == {"customer": "b_to_a", "vendor": "none", "item": "a_to_b"}
    assert swapped.rules == (Rule("force", "b", "customer", id=1), Rule("fill_blanks", None))
    assert swapped.on_forbidden == "revert"
    assert swapped.swapped() == policy


def test_policy_does_not_follow_later_changes_to_the_callers_dict() -> None:
    directions = {"customer": "a_to_b"}
    policy = Policy(directions=directions)  # type: ignore[arg-type]
    directions["customer"] = "none"
    assert policy.direction("customer") == "a_to_b"


@pytest.mark.parametrize(
    ("rule", "label"),
    [
        (Rule("prefer", "a", "customer", "email", id=3), "rule 3: prefer a for customer.email"),
        (Rule("force", "b", "invoice"), "force b for invoice"),
        (Rule("fill_blanks", None, id=5), "rule 5: fill blanks for everything"),
    ],
)
def test_rule_label(rule: Rule, label: str) -> None:
    assert rule.label() == label


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "prefer", "side": None},
        {"kind": "fill_blanks", "side": "a"},
        {"kind": "force", "side": "c"},
        {"kind": "prefer", "side": "a", "field": "email"},
        {"kind": "win", "side": "a"},
    ],
)
def test_malformed_rules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Rule(**kwargs)  # type: ignore[arg-type]


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError):
        Policy(directions={"customer": "sideways"})  # type: ignore[dict-item]
