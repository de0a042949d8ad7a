"""Per-entity update fields (import only, or updates that replace only some fields) and
field subsets: what the engine lets a merge write, and how a person's values are checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recontui.engine import Policy, Rule, merge_record
from recontui.engine.lifecycle import Close, Pair, Reason, Why, decide_link, next_base
from recontui.engine.policy import (
    allowed_updates,
    check_field_subset,
    check_update_fields,
    must_sync,
)
from recontui.model import ENTITIES
from recontui.model.states import ConflictKind, ConflictStatus

CUSTOMER = ENTITIES["customer"]
C_FIELDS = CUSTOMER.synced_fields
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
IMPORT_ONLY = Policy(update_fields={"customer": frozenset()})
ADDRESS_PHONE = Policy(update_fields={"customer": frozenset({"address_line1", "phone"})})


def rec(**changes: object) -> dict[str, object]:
    return {**BASE, **changes}


def test_import_only_sends_no_clean_change_and_keeps_the_old_base() -> None:
    m = merge_record(CUSTOMER, C_FIELDS, BASE, rec(phone="+1 555 0199"), rec(), IMPORT_ONLY)
    assert m.to_a == {} and m.to_b == {} and m.audit == []
    assert m.conflicts == {} and m.forbidden == []
    assert m.not_sent == ["phone"]
    assert "phone" not in m.agreed  # not written, so not agreed: the change is not lost
    pair = Pair(a=rec(phone="+1 555 0199"), b=rec(), base=BASE, a_version="1", b_version="1")
    assert (next_base(C_FIELDS, pair) or BASE)["phone"] == "+1 555 0100"


def test_import_only_opens_no_conflict_when_both_sides_changed() -> None:
    m = merge_record(
        CUSTOMER, C_FIELDS, BASE, rec(email="x@acme.test"), rec(email="y@acme.test"), IMPORT_ONLY
    )
    assert m.conflicts == {} and m.not_sent == ["email"] and not m.changes


def test_import_only_opens_no_conflict_without_a_base() -> None:
    m = merge_record(CUSTOMER, C_FIELDS, None, rec(city="Chicago"), rec(), IMPORT_ONLY)
    assert m.conflicts == {} and m.not_sent == ["city"] and not m.changes


def test_a_rule_does_not_override_import_only() -> None:
    forced = Policy(
        update_fields={"customer": frozenset()}, rules=(Rule("force", "b", "customer"),)
    )
    m = merge_record(CUSTOMER, C_FIELDS, BASE, rec(), rec(phone="+1 555 0199"), forced)
    assert not m.changes and m.not_sent == ["phone"]


def test_restricted_updates_write_only_their_fields() -> None:
    a = rec(phone="+1 555 0199", address_line1="2 Oak Ave", email="new@acme.test")
    m = merge_record(CUSTOMER, C_FIELDS, BASE, a, rec(), ADDRESS_PHONE)
    assert m.to_b == {"phone": "+1 555 0199", "address_line1": "2 Oak Ave"}
    assert m.not_sent == ["email"] and m.conflicts == {}
    assert m.agreed["phone"] == "+1 555 0199" and "email" not in m.agreed


def test_restricted_updates_still_open_conflicts_on_their_fields() -> None:
    m = merge_record(
        CUSTOMER, C_FIELDS, BASE, rec(phone="+1 555 0101"), rec(phone="+1 555 0102"), ADDRESS_PHONE
    )
    assert set(m.conflicts) == {"phone"} and m.not_sent == []


def test_equal_sides_are_agreed_whatever_the_update_fields() -> None:
    m = merge_record(CUSTOMER, C_FIELDS, BASE, rec(city="X"), rec(city="X"), IMPORT_ONLY)
    assert m.not_sent == [] and m.agreed["city"] == "X"


def test_not_sent_is_symmetric() -> None:
    a, b = rec(phone="+1 555 0199"), rec()
    m = merge_record(CUSTOMER, C_FIELDS, BASE, a, b, IMPORT_ONLY)
    mirror = merge_record(CUSTOMER, C_FIELDS, BASE, b, a, IMPORT_ONLY.swapped())
    assert mirror.not_sent == m.not_sent and mirror.mirrored().to_a == m.to_a


def test_the_lifecycle_opens_nothing_for_a_change_not_sent() -> None:
    pair = Pair(
        a=rec(phone="+1 555 0199"),
        b=rec(phone="+1 555 0100"),
        base=BASE,
        a_version="1",
        b_version="1",
    )
    decision = decide_link(CUSTOMER, C_FIELDS, pair, None, IMPORT_ONLY)
    assert decision.write is not None
    assert decision.write.merge.not_sent == ["phone"] and not decision.write.merge.changes
    assert [type(s).__name__ for s in decision.steps] == ["DropWaitingOps"]


def test_a_field_subset_cuts_the_synced_fields() -> None:
    policy = Policy(field_subsets={"customer": frozenset({"name", "email"})})
    assert [f.name for f in policy.synced_subset("customer", C_FIELDS)] == ["name", "email"]
    assert policy.synced_subset("vendor", C_FIELDS) == C_FIELDS
    # A field outside the subset is not compared at all: no write, no conflict, no word.
    fields = policy.synced_subset("customer", C_FIELDS)
    m = merge_record(CUSTOMER, fields, BASE, rec(phone="1"), rec(phone="2"), policy)
    assert not m.changes and m.conflicts == {} and m.not_sent == []


def test_policy_words_and_swap_keep_the_settings() -> None:
    assert IMPORT_ONLY.update_words("customer") == "import only"
    assert ADDRESS_PHONE.update_words("customer") == "updates replace only address_line1, phone"
    assert IMPORT_ONLY.swapped().update_fields == IMPORT_ONLY.update_fields
    assert not IMPORT_ONLY.may_update("customer", "name") and IMPORT_ONLY.may_update("vendor", "x")


def test_stored_values_as_the_policy_takes_them() -> None:
    assert allowed_updates("all") is None and allowed_updates(None) is None
    assert allowed_updates("none") == frozenset()
    assert allowed_updates(["phone"]) == frozenset({"phone"})


def test_checks_say_one_sentence() -> None:
    assert check_update_fields("customer", "none") is None
    assert check_update_fields("customer", ["address_line1", "phone"]) is None
    assert check_update_fields("customer", ["fax"]) == (
        "Customer: 'fax' is not a field recontui syncs; choose among: name, company_name, "
        "email, phone, address_line1, city, region, postal_code, country, currency, active."
    )
    assert "import only" in (check_update_fields("customer", []) or "")
    assert "list of field names" in (check_update_fields("customer", "some") or "")
    assert "not an entity" in (check_update_fields("widget", "all") or "")
    assert check_field_subset("customer", ["name", "email"]) is None
    assert check_field_subset("customer", ["email"]) == (
        "Customer: the fields synced must include name, without which a record cannot be "
        "created or named."
    )
    assert "list of field names" in (check_field_subset("customer", "none") or "")
    assert must_sync(ENTITIES["invoice"])[:2] == ("number", "customer")


@dataclass
class OpenConflict:
    fields: dict[str, dict[str, Any]]
    id: int = 7
    kind: str = ConflictKind.FIELD
    status: str = ConflictStatus.OPEN
    choices: dict[str, Any] | None = None
    a_version: str | None = "1"
    b_version: str | None = "1"


def test_a_conflict_on_a_field_updates_no_longer_replace_is_closed_as_such() -> None:
    a, b = rec(phone="+1 555 0101"), rec(phone="+1 555 0102")
    live = OpenConflict({"phone": {"base": BASE["phone"], "a": a["phone"], "b": b["phone"]}})
    pair = Pair(a=a, b=b, base=BASE, a_version="2", b_version="1")
    decision = decide_link(CUSTOMER, C_FIELDS, pair, live, IMPORT_ONLY)
    assert Close(7, ConflictStatus.SUPERSEDED, Reason(Why.NOT_SENT)) in decision.steps
    # Without the setting it stays a conflict (reopened with the new values).
    kept = decide_link(CUSTOMER, C_FIELDS, pair, live, Policy())
    assert not any(isinstance(step, Close) for step in kept.steps)
