"""A field one system sets itself (BILL's check number on a bill payment) flows out of that
system only (engine/merge.py ``SET_BY``; BILL's sync matrix for QuickBooks Online: "Check
numbers 1-way from Bill.com")."""

from __future__ import annotations

import datetime as dt

from recontui.engine import Policy, merge_record
from recontui.engine.merge import MERGE, SET_BY, set_by_system, unset_by_system
from recontui.model import ENTITIES

PAYMENT = ENTITIES["bill_payment"]
FIELDS = set_by_system(
    [f for f in PAYMENT.synced_fields if f.name in ("vendor", "date", "reference", "memo")],
    {"a": frozenset({"reference"}), "b": frozenset()},
)
BASE = {"vendor": None, "date": dt.date(2026, 11, 2), "reference": None, "memo": "November"}
TWO_WAY = Policy()
#: The usual ownership: billing (a) owns bill payments, copied to accounting only.
USUAL = Policy(directions={"bill_payment": "a_to_b"}, owners={"bill_payment": "a"})


def rec(**changes: object) -> dict[str, object]:
    return {**BASE, **changes}


def test_only_the_field_the_connector_names_is_marked() -> None:
    marked = {f.name: f.extra.get(SET_BY) for f in FIELDS}
    assert marked == {"vendor": None, "date": None, "reference": "a", "memo": None}
    unmarked = set_by_system(PAYMENT.synced_fields, {"a": frozenset(), "b": frozenset()})
    assert all(SET_BY not in f.extra for f in unmarked)


def test_a_check_number_set_in_bill_is_written_to_quickbooks() -> None:
    for policy in (TWO_WAY, USUAL):
        m = merge_record(PAYMENT, FIELDS, BASE, rec(reference="10234"), rec(), policy)
        assert m.to_b == {"reference": "10234"} and m.to_a == {}
        assert [(e.field, e.side, e.by) for e in m.audit] == [("reference", "b", MERGE)]
        assert m.conflicts == {} and m.agreed["reference"] == "10234"


def test_without_a_base_bills_number_stands_no_conflict() -> None:
    m = merge_record(PAYMENT, FIELDS, None, rec(reference="10234"), rec(reference="77"), TWO_WAY)
    assert m.to_b == {"reference": "10234"} and m.conflicts == {}


def test_no_check_number_in_bill_is_nothing_to_say() -> None:
    """A payment recorded outside BILL, or not yet sent as a check, has no number there:
    what QuickBooks holds stands (no write to BILL, no conflict), with or without a base."""
    for base in (None, BASE):
        for policy in (TWO_WAY, USUAL):
            m = merge_record(PAYMENT, FIELDS, base, rec(), rec(reference="Ref 88"), policy)
            assert m.to_a == {} and m.to_b == {} and m.conflicts == {}
            assert m.not_owned == [] and m.forbidden == []
            assert m.agreed["reference"] == "Ref 88"


def test_an_edit_in_quickbooks_of_a_number_bill_set_goes_through_the_table() -> None:
    """BILL's number unchanged since the base, QuickBooks edited: the usual rules say what
    happens (the owner's rule here: said, not sent), never a silent overwrite."""
    base = rec(reference="10234")
    m = merge_record(PAYMENT, FIELDS, base, rec(reference="10234"), rec(reference="X"), USUAL)
    assert m.not_owned == ["reference"] and m.to_a == {} and m.to_b == {}


def test_import_only_keeps_the_number_back() -> None:
    policy = Policy(update_fields={"bill_payment": frozenset()})
    m = merge_record(PAYMENT, FIELDS, BASE, rec(reference="10234"), rec(), policy)
    assert m.to_b == {} and m.not_sent == ["reference"]


def test_verify_excuses_a_number_bill_has_not_set() -> None:
    (reference,) = [f for f in FIELDS if f.name == "reference"]
    assert unset_by_system(reference, {"a": {"reference": None}, "b": {"reference": "9"}})
    assert not unset_by_system(reference, {"a": {"reference": "1"}, "b": {"reference": "9"}})
    (memo,) = [f for f in FIELDS if f.name == "memo"]
    assert not unset_by_system(memo, {"a": {"memo": None}, "b": {"memo": "x"}})
