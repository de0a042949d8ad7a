from __future__ import annotations

from decimal import Decimal

from recontui.engine import big_change


def test_no_side_held_for_ordinary_changes() -> None:
    assert big_change({"a": 5, "b": 3}, {"a": 1000, "b": 1000}, 0.2, 50) == []


def test_side_held_when_both_thresholds_are_crossed() -> None:
    assert big_change({"a": 5, "b": 400}, {"a": 1000, "b": 1000}, 0.2, 50) == ["b"]


def test_small_book_is_protected_by_the_minimum() -> None:
    assert big_change({"a": 8}, {"a": 10}, 0.2, 50) == []


def test_large_book_is_protected_by_the_share() -> None:
    assert big_change({"a": 900}, {"a": 100_000}, 0.2, 50) == []


def test_thresholds_are_exclusive_and_exact() -> None:
    assert big_change({"a": 3, "b": 4}, {"a": 30, "b": 30}, 0.1, 2) == ["b"]
    assert big_change({"a": 3}, {"a": 30}, Decimal("0.1"), 2) == []


def test_both_sides_can_be_held_and_missing_counts_are_zero() -> None:
    assert big_change({"a": 60, "b": 60}, {"a": 100, "b": 100}, 0.5, 50) == ["a", "b"]
    assert big_change({}, {}, 0.2, 0) == []
    assert big_change({"a": 1}, {}, 0.2, 0) == ["a"]
