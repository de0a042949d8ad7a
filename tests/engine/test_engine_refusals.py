"""What a refused write becomes (engine/refusals.py): which conflict takes it, and the
question a refused create asks. One behaviour per test."""

from __future__ import annotations

from recontui.engine.refusals import (
    REFUSED,
    REFUSED_CREATE,
    is_refused_create,
    live_conflict_takes_refusal,
    refused_create_entries,
)
from recontui.model.states import ConflictKind

WHY = "QuickBooks Online refused customer 'Acme': the name is taken."


def test_a_refused_create_asks_about_the_record_the_other_side_holds() -> None:
    entries = refused_create_entries("b", "Acme", WHY)
    assert entries == {
        REFUSED_CREATE: {
            "base": None,
            "a": "Acme",
            "b": None,
            "kind": REFUSED,
            "side": "b",
            "reason": WHY,
        }
    }
    assert is_refused_create(entries)


def test_a_create_refused_by_the_billing_side_names_the_ledger_record() -> None:
    entry = refused_create_entries("a", "Acme", WHY)[REFUSED_CREATE]
    assert (entry["a"], entry["b"], entry["side"]) == (None, "Acme", "a")


def test_a_refused_update_joins_the_records_field_conflict() -> None:
    field = {"email": {"a": "x@acme.test", "b": "y@acme.test", "kind": "both_changed"}}
    assert live_conflict_takes_refusal(ConflictKind.FIELD, field, create=False)


def test_a_refused_update_waits_behind_a_question_about_the_whole_record() -> None:
    match = {"key": {"a": "Acme", "b": None, "kind": "match"}}
    assert not live_conflict_takes_refusal(ConflictKind.MATCH, match, create=False)
    deleted = {"deleted": {"a": True, "b": False, "kind": "delete"}}
    assert not live_conflict_takes_refusal(ConflictKind.DELETE, deleted, create=False)


def test_a_refused_create_renews_the_question_an_earlier_refusal_asked() -> None:
    earlier = refused_create_entries("b", "Acme", WHY)
    assert live_conflict_takes_refusal(ConflictKind.MATCH, earlier, create=True)


def test_a_refused_create_waits_behind_any_other_question() -> None:
    match = {"key": {"a": "Acme", "b": None, "kind": "match"}}
    assert not live_conflict_takes_refusal(ConflictKind.MATCH, match, create=True)
    field = {"email": {"a": "x@acme.test", "b": "y@acme.test", "kind": "both_changed"}}
    assert not live_conflict_takes_refusal(ConflictKind.FIELD, field, create=True)
