"""Edit ownership: once a record is synced, one side owns its edits (engine/policy.py
``owners``). The owner's changes are sent; the other side's are said, never sent and never
a conflict; when both changed, the owner's value stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from recontui.engine import Policy, Rule, merge_record
from recontui.engine.lifecycle import Close, Pair, Reason, Why, decide_link, next_base
from recontui.engine.merge import MERGE, OWNER
from recontui.engine.policy import owner_words
from recontui.model import ENTITIES
from recontui.model.states import ConflictKind, ConflictStatus

INVOICE = ENTITIES["invoice"]
I_FIELDS = tuple(f for f in INVOICE.synced_fields if f.name != "lines")
BILL = ENTITIES["bill"]
BASE = {
    "number": "INV-1001",
    "customer": None,
    "date": dt.date(2026, 11, 2),
    "due_date": dt.date(2026, 12, 2),
    "currency": "USD",
    "memo": "November retainer",
}
#: The usual ownership: accounting (b) owns invoices, billing (a) owns payables.
USUAL = Policy(
    directions={"bill": "a_to_b"},
    owners={"invoice": "b", "bill": "a"},
)


def rec(**changes: object) -> dict[str, object]:
    return {**BASE, **changes}


def test_a_change_on_the_side_not_owning_the_edits_is_said_never_sent() -> None:
    m = merge_record(INVOICE, I_FIELDS, BASE, rec(memo="edited in BILL"), rec(), USUAL)
    assert m.to_a == {} and m.to_b == {} and m.audit == []
    assert m.conflicts == {} and m.forbidden == []
    assert m.not_owned == ["memo"]
    assert "memo" not in m.agreed  # kept back, not agreed: said again until both agree
    pair = Pair(a=rec(memo="edited in BILL"), b=rec(), base=BASE, a_version="2", b_version="1")
    assert (next_base(I_FIELDS, pair) or BASE)["memo"] == "November retainer"


def test_the_owners_change_is_sent_as_usual() -> None:
    m = merge_record(INVOICE, I_FIELDS, BASE, rec(), rec(due_date=dt.date(2026, 12, 9)), USUAL)
    assert m.to_a == {"due_date": dt.date(2026, 12, 9)} and m.to_b == {}
    assert [(e.field, e.side, e.by) for e in m.audit] == [("due_date", "a", MERGE)]
    assert m.not_owned == [] and m.conflicts == {}


def test_both_changed_the_owners_value_stands_and_the_replaced_one_is_audited() -> None:
    m = merge_record(INVOICE, I_FIELDS, BASE, rec(memo="from BILL"), rec(memo="from QBO"), USUAL)
    assert m.conflicts == {} and m.to_a == {"memo": "from QBO"} and m.to_b == {}
    [entry] = m.audit
    assert (entry.side, entry.old, entry.new, entry.by) == ("a", "from BILL", "from QBO", OWNER)
    assert m.agreed["memo"] == "from QBO"


def test_without_a_base_it_is_a_first_match_not_an_edit_so_a_person_decides() -> None:
    m = merge_record(INVOICE, I_FIELDS, None, rec(memo="x"), rec(memo="y"), USUAL)
    assert set(m.conflicts) == {"memo"} and m.conflicts["memo"].kind == "no_base"
    assert m.not_owned == []
    ruled = Policy(owners={"invoice": "b"}, rules=(Rule("prefer", "a", "invoice"),))
    m = merge_record(INVOICE, I_FIELDS, None, rec(memo="x"), rec(memo="y"), ruled)
    assert m.to_b == {"memo": "x"}  # a master rule still settles a first match


def test_a_payable_edited_in_accounting_is_said_not_queued_as_a_forbidden_conflict() -> None:
    base = {"number": "B-7", "memo": "paper", "due_date": dt.date(2026, 12, 1)}
    fields = tuple(f for f in BILL.synced_fields if f.name in base)
    queued = Policy(directions={"bill": "a_to_b"}, on_forbidden="queue")
    before = merge_record(BILL, fields, base, base, {**base, "memo": "ink"}, queued)
    assert before.conflicts["memo"].kind == "forbidden"  # the old, unexplained conflict
    after = merge_record(BILL, fields, base, base, {**base, "memo": "ink"}, USUAL)
    assert after.conflicts == {} and after.forbidden == [] and after.not_owned == ["memo"]
    sent = merge_record(BILL, fields, base, {**base, "memo": "ink"}, base, USUAL)
    assert sent.to_b == {"memo": "ink"}


def test_ownership_is_symmetric() -> None:
    a, b = rec(memo="from BILL", due_date=dt.date(2027, 1, 1)), rec(memo="from QBO")
    m = merge_record(INVOICE, I_FIELDS, BASE, a, b, USUAL)
    mirrored = merge_record(INVOICE, I_FIELDS, BASE, b, a, USUAL.swapped())
    assert mirrored.to_a == m.to_b and mirrored.to_b == m.to_a
    assert mirrored.not_owned == m.not_owned == ["due_date"]
    assert USUAL.swapped().owner("invoice") == "a"


def test_an_unowned_entity_merges_as_before() -> None:
    m = merge_record(INVOICE, I_FIELDS, BASE, rec(memo="x"), rec(), Policy())
    assert m.to_b == {"memo": "x"} and m.not_owned == []


def test_an_owner_is_a_side() -> None:
    with pytest.raises(ValueError, match="side 'a' or 'b'"):
        Policy(owners={"invoice": "qbo"})  # type: ignore[dict-item]


def test_owner_words_name_the_owner_and_the_records() -> None:
    assert owner_words("bill_payment", "QuickBooks Online", "BILL") == (
        "BILL owns bill payments once they are synced"
    )


@dataclass
class OpenConflict:
    fields: dict[str, dict[str, Any]]
    id: int = 9
    kind: str = ConflictKind.FIELD
    status: str = ConflictStatus.OPEN
    choices: dict[str, Any] | None = None
    a_version: str | None = "1"
    b_version: str | None = "2"


def test_a_conflict_opened_before_ownership_was_set_is_closed_as_such() -> None:
    a, b = rec(), rec(memo="ink")
    live = OpenConflict({"memo": {"base": BASE["memo"], "a": BASE["memo"], "b": "ink"}})
    pair = Pair(a=a, b=b, base=BASE, a_version="1", b_version="2")
    decision = decide_link(INVOICE, I_FIELDS, pair, live, Policy(owners={"invoice": "a"}))
    assert Close(9, ConflictStatus.SUPERSEDED, Reason(Why.NOT_OWNED)) in decision.steps
    assert decision.write is not None and decision.write.merge.not_owned == ["memo"]


def test_a_both_changed_conflict_is_closed_once_the_owner_decides_it() -> None:
    a, b = rec(memo="x"), rec(memo="y")
    live = OpenConflict({"memo": {"base": BASE["memo"], "a": "x", "b": "y"}}, a_version="2")
    pair = Pair(a=a, b=b, base=BASE, a_version="2", b_version="2")
    decision = decide_link(INVOICE, I_FIELDS, pair, live, USUAL)
    assert Close(9, ConflictStatus.SUPERSEDED, Reason(Why.SETTLED_BY_OWNER)) in decision.steps
    assert decision.write is not None and decision.write.merge.to_a == {"memo": "y"}
