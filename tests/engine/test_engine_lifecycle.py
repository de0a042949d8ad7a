"""The conflict lifecycle (engine/lifecycle.py): what happens to a record's conflict, as
typed steps, one behaviour per test."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest

from recontui.engine import Policy, Rule
from recontui.engine.lifecycle import (
    ApplyResolution,
    ChoiceProblem,
    Close,
    DropWaitingOps,
    Open,
    Pair,
    Problem,
    Reason,
    Reopen,
    SettleDeletion,
    Unlink,
    Why,
    check_choices,
    decide_link,
    next_base,
    override_choice,
)
from recontui.model import ENTITIES
from recontui.model.states import (
    IGNORE_KEY,
    MATCH_KEY,
    Choice,
    ConflictKind,
    ConflictStatus,
    EntryKind,
    Pick,
)

CUSTOMER = ENTITIES["customer"]
FIELDS = CUSTOMER.synced_fields
BASE: dict[str, Any] = {f.name: None for f in FIELDS} | {
    "name": "Acme Ltd",
    "city": "Springfield",
    "phone": "+1 555 0100",
    "currency": "USD",
    "active": True,
}
BOTH = Policy()


@dataclass
class FakeConflict:
    id: int = 7
    kind: str = ConflictKind.FIELD
    status: str = ConflictStatus.OPEN
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    choices: dict[str, Any] | None = None
    a_version: str | None = "a1"
    b_version: str | None = "b1"


def pair(a: dict[str, Any] | None = None, b: dict[str, Any] | None = None, **kw: Any) -> Pair:
    values = {"a_version": "a1", "b_version": "b1", **kw}
    return Pair(a={**BASE, **(a or {})}, b={**BASE, **(b or {})}, base=dict(BASE), **values)


def city_conflict(**kw: Any) -> FakeConflict:
    entry = {"base": "Springfield", "a": "Portland", "b": "Salem", "kind": "both_changed"}
    return FakeConflict(**{"fields": {"city": entry}, **kw})


def kinds(decision: Any) -> list[type]:
    return [type(s) for s in decision.steps]


def test_both_sides_changing_a_field_differently_opens_a_field_conflict() -> None:
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Portland"}, {"city": "Salem"}), None, BOTH)
    assert kinds(d) == [DropWaitingOps, Open]
    opened = d.steps[1]
    assert isinstance(opened, Open) and opened.kind == ConflictKind.FIELD
    assert opened.entries["city"]["a"] == "Portland" and opened.entries["city"]["b"] == "Salem"
    assert d.write is not None and d.write.conflict_id is None


def test_a_clean_change_writes_to_the_other_side_and_moves_the_base() -> None:
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Portland"}), None, BOTH)
    assert kinds(d) == [DropWaitingOps]
    assert d.write is not None and d.write.merge.to_b == {"city": "Portland"}
    # The base moves only once both sides hold the value: not yet.
    assert d.write.base is None


def test_a_resolved_record_that_changed_again_reopens_with_its_choice_as_suggestion() -> None:
    live = city_conflict(status=ConflictStatus.RESOLVED, choices={"city": ["a", None]})
    now = pair({"city": "Portland"}, {"city": "Eugene"}, b_version="b2")
    d = decide_link(CUSTOMER, FIELDS, now, live, BOTH)
    reopen = d.steps[-1]
    assert isinstance(reopen, Reopen)
    assert reopen.was_resolved and reopen.suggestion == {"city": ["a", None]}
    assert reopen.reason == Reason(Why.CHANGED_AGAIN, sides=("b",), kept_choice=True)
    assert reopen.entries["city"]["b"] == "Eugene"
    assert d.write is not None and not d.write.merge.conflicts  # the live conflict holds it


def test_a_resolved_record_that_did_not_change_applies_its_choice() -> None:
    live = city_conflict(status=ConflictStatus.RESOLVED, choices={"city": ["b", None]})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Portland"}, {"city": "Salem"}), live, BOTH)
    assert kinds(d) == [DropWaitingOps, ApplyResolution]
    assert d.write is not None and d.write.conflict_id == 7
    assert d.write.resolution is not None and d.write.resolution.to_a == {"city": "Salem"}


def test_a_choice_both_sides_already_hold_is_marked_pushed() -> None:
    live = city_conflict(status=ConflictStatus.RESOLVED, choices={"city": ["a", None]})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Salem"}, {"city": "Salem"}), live, BOTH)
    assert d.steps[-1] == Close(7, ConflictStatus.PUSHED, Reason(Why.ALREADY_HELD))


def test_an_open_conflict_whose_sides_agree_again_is_superseded() -> None:
    now = pair({"city": "Salem"}, {"city": "Salem"}, a_version="a2")
    d = decide_link(CUSTOMER, FIELDS, now, city_conflict(), BOTH)
    assert d.steps[-1] == Close(7, ConflictStatus.SUPERSEDED, Reason(Why.SETTLED))
    assert d.write is not None and d.write.base is not None and d.write.base["city"] == "Salem"


def test_a_rule_saved_since_settles_the_open_conflict_and_says_which() -> None:
    rule = Rule(kind="prefer", side="b", entity="customer", field="city", id=3)
    now = pair({"city": "Portland"}, {"city": "Salem"})
    d = decide_link(CUSTOMER, FIELDS, now, city_conflict(), Policy(rules=(rule,)))
    last = d.steps[-1]
    assert isinstance(last, Close) and last.reason.why == Why.SETTLED_BY_RULE
    assert last.reason.rules == ("rule:3",)


def test_an_open_conflict_with_the_same_values_is_left_as_it_is() -> None:
    now = pair({"city": "Portland"}, {"city": "Salem"})
    d = decide_link(CUSTOMER, FIELDS, now, city_conflict(), BOTH)
    assert kinds(d) == [DropWaitingOps]


def test_a_deletion_on_one_side_makes_other_questions_moot_and_asks_about_it() -> None:
    d = decide_link(CUSTOMER, FIELDS, pair(b_deleted=True), city_conflict(), BOTH)
    assert kinds(d) == [Close, DropWaitingOps, Open]
    assert d.steps[0] == Close(7, ConflictStatus.SUPERSEDED, Reason(Why.DELETED, ("b",)))
    opened = d.steps[2]
    assert isinstance(opened, Open) and opened.kind == ConflictKind.DELETE
    assert opened.entries["deleted"]["kind"] == EntryKind.DELETE
    assert d.write is None


def test_a_decided_deletion_is_carried_out() -> None:
    live = FakeConflict(
        kind=ConflictKind.DELETE, status=ConflictStatus.RESOLVED, choices={"deleted": ["b"]}
    )
    d = decide_link(CUSTOMER, FIELDS, pair(a_deleted=True), live, BOTH)
    assert d.steps == [SettleDeletion(7, "b", "a")]


def test_an_asked_deletion_is_not_asked_twice() -> None:
    live = FakeConflict(kind=ConflictKind.DELETE)
    assert decide_link(CUSTOMER, FIELDS, pair(a_deleted=True), live, BOTH).steps == []


def test_ignore_unlinks_the_record_and_nothing_else_happens() -> None:
    live = city_conflict(status=ConflictStatus.RESOLVED, choices={IGNORE_KEY: ["ignore"]})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "X"}), live, BOTH)
    assert d.steps == [Unlink(7)] and d.write is None


def test_a_refused_create_whose_counterpart_turned_up_is_superseded() -> None:
    refused = {"refused": {"base": None, "a": "x", "b": None, "kind": EntryKind.REFUSED}}
    live = FakeConflict(kind=ConflictKind.MATCH, fields=refused)
    d = decide_link(CUSTOMER, FIELDS, pair(), live, BOTH)
    assert d.steps[0] == Close(7, ConflictStatus.SUPERSEDED, Reason(Why.LINKED))


def test_a_match_question_waits_for_its_answer() -> None:
    live = FakeConflict(kind=ConflictKind.MATCH, fields={"key": {"kind": "match"}})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "X"}), live, BOTH)
    assert kinds(d) == [DropWaitingOps] and d.write is None


def test_an_override_stands_while_both_sides_hold_the_rules_value() -> None:
    entry = {"base": "Springfield", "a": "Old", "b": "Salem", "kind": EntryKind.OVERRIDE}
    live = FakeConflict(fields={"city": {**entry, "side": "a"}})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Salem"}, {"city": "Salem"}), live, BOTH)
    assert not any(isinstance(s, Close) for s in d.steps)  # not settled away
    # ... and falls once a side changes the field: the merge takes over again.
    moved = replace(pair({"city": "Eugene"}, {"city": "Salem"}, a_version="a2"), base=None)
    last = decide_link(CUSTOMER, FIELDS, moved, live, BOTH).steps[-1]
    assert isinstance(last, Reopen) and last.entries["city"]["kind"] == "no_base"


def test_a_side_picked_on_an_override_means_the_value_shown_for_it() -> None:
    entry = {"a": "Old", "b": "Salem", "kind": EntryKind.OVERRIDE, "side": "a"}
    assert override_choice(entry, Choice(Pick.A)) == Choice(Pick.CUSTOM, "Old")
    assert override_choice({"kind": "both_changed"}, Choice(Pick.A)) == Choice(Pick.A)


def test_a_refused_change_stands_and_is_not_written_again() -> None:
    entry = {"base": "Springfield", "a": "Portland", "b": "Springfield"}
    refused = {**entry, "kind": EntryKind.REFUSED, "side": "b", "reason": "no"}
    live = FakeConflict(fields={"city": refused})
    d = decide_link(CUSTOMER, FIELDS, pair({"city": "Portland"}), live, BOTH)
    assert d.write is not None and "city" not in d.write.merge.to_b


def test_the_base_takes_every_field_both_sides_hold_equal() -> None:
    p = replace(pair({"city": "Salem"}, {"city": "Salem"}), base={})
    base = next_base(FIELDS, p)
    assert base is not None and base["city"] == "Salem" and base["name"] == "Acme Ltd"
    assert next_base(FIELDS, pair()) is None  # nothing new to agree on


# -- a person's choices ------------------------------------------------------------------


def test_choices_must_cover_every_field() -> None:
    live = city_conflict(fields={"city": {}, "phone": {}})
    with pytest.raises(ChoiceProblem) as err:
        check_choices(live, {"city": Choice(Pick.A)})
    assert err.value.problem == Problem.STILL_OPEN and err.value.fields == ("phone",)


def test_saved_partial_choices_count_towards_a_complete_choice() -> None:
    live = city_conflict(fields={"city": {}, "phone": {}}, choices={"phone": ["b", None]})
    got = check_choices(live, {"city": Choice(Pick.CUSTOM, Decimal("1"))})
    assert got == {"phone": Choice(Pick.B), "city": Choice(Pick.CUSTOM, Decimal("1"))}


def test_a_field_outside_the_conflict_is_named() -> None:
    with pytest.raises(ChoiceProblem) as err:
        check_choices(city_conflict(), {"town": Choice(Pick.A), "city": Choice(Pick.A)})
    assert err.value.problem == Problem.NOT_IN_CONFLICT and err.value.fields == ("town",)


def test_a_match_answer_links_only_to_a_candidate() -> None:
    live = FakeConflict(kind=ConflictKind.MATCH)
    with pytest.raises(ChoiceProblem) as err:
        check_choices(live, {MATCH_KEY: Choice(Pick.LINK, 99)}, candidates=[3, 4])
    assert err.value.problem == Problem.NOT_A_CANDIDATE and err.value.value == 99
    ok = check_choices(live, {MATCH_KEY: Choice(Pick.LINK, 4)}, candidates=[3, 4])
    assert ok == {MATCH_KEY: Choice(Pick.LINK, 4)}


def test_a_field_pick_does_not_answer_a_match_or_a_deletion() -> None:
    for kind in (ConflictKind.MATCH, ConflictKind.DELETE):
        with pytest.raises(ChoiceProblem) as err:
            check_choices(FakeConflict(kind=kind), {"city": Choice(Pick.A)})
        assert err.value.problem == Problem.WRONG_ANSWER


def test_a_pushed_conflict_takes_no_choice() -> None:
    with pytest.raises(ChoiceProblem) as err:
        check_choices(city_conflict(status=ConflictStatus.PUSHED), {"city": Choice(Pick.A)})
    assert err.value.problem == Problem.NOT_LIVE
