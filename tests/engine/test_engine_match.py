from __future__ import annotations

from recontui.engine import Candidate, match_records
from recontui.model import ENTITIES, Ref

CUSTOMER = ENTITIES["customer"]
BILL = ENTITIES["bill"]


def cust(key: int, name: str | None = None, email: str | None = None) -> Candidate:
    return Candidate(key, {"name": name, "email": email})


def test_pairs_by_email_first() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme", "ap@acme.test")],
        [cust(10, "Acme Corporation", "AP@acme.test ")],
    )
    assert result.pairs == [(1, 10, ("email",))]
    assert result.ambiguous == result.unmatched_a == result.unmatched_b == []


def test_falls_back_to_name_when_email_does_not_match() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme  Ltd", "ap@acme.test")],
        [cust(10, "acme ltd", "billing@acme.test")],
    )
    assert result.pairs == [(1, 10, ("name",))]


def test_blank_key_is_skipped_for_that_record() -> None:
    result = match_records(
        CUSTOMER, [cust(1, "Acme", None), cust(2, "Bolt", "")], [cust(10, "ACME", None)]
    )
    assert result.pairs == [(1, 10, ("name",))]
    assert result.unmatched_a == [2]


def test_two_candidates_on_b_are_ambiguous_never_guessed() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme", "ap@acme.test")],
        [cust(10, "Acme", "ap@acme.test"), cust(11, "Acme East", "ap@acme.test")],
    )
    assert result.pairs == []
    assert result.ambiguous == [(1, [10, 11], ("email",))]
    assert result.unmatched_a == result.unmatched_b == []


def test_two_a_records_wanting_the_same_b_are_ambiguous() -> None:
    result = match_records(CUSTOMER, [cust(1, "Acme"), cust(2, "ACME")], [cust(10, "acme")])
    assert result.pairs == []
    assert result.ambiguous == [(1, [10], ("name",)), (2, [10], ("name",))]


def test_ambiguous_records_are_not_paired_by_a_later_key() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme", "ap@acme.test")],
        [cust(10, "Acme", "ap@acme.test"), cust(11, "Other", "ap@acme.test"), cust(12, "Acme")],
    )
    assert result.pairs == []
    assert result.ambiguous == [(1, [10, 11], ("email",))]
    assert result.unmatched_b == [12]


def test_duplicates_without_counterpart_can_still_match_by_a_later_key() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme", "shared@x.test"), cust(2, "Bolt", "shared@x.test")],
        [cust(10, "bolt", None)],
    )
    assert result.pairs == [(2, 10, ("name",))]
    assert result.unmatched_a == [1]


def test_a_record_matched_by_an_earlier_key_is_not_reconsidered() -> None:
    result = match_records(
        CUSTOMER,
        [cust(1, "Acme", "ap@acme.test"), cust(2, "Acme", None)],
        [cust(10, "Other", "ap@acme.test"), cust(11, "Acme", None)],
    )
    assert result.pairs == [(1, 10, ("email",)), (2, 11, ("name",))]


def bill(key: int, number: str | None, vendor: int | None) -> Candidate:
    return Candidate(
        key, {"number": number, "vendor": None if vendor is None else Ref("vendor", vendor)}
    )


def test_composite_key_needs_every_part() -> None:
    result = match_records(
        BILL,
        [bill(1, "INV-7", 3), bill(2, "INV-7", 4), bill(3, "inv-8", None)],
        [bill(10, "inv-7", 4), bill(11, "INV-7", 3), bill(12, "INV-8", 5)],
    )
    assert result.pairs == [(1, 11, ("number", "vendor")), (2, 10, ("number", "vendor"))]
    assert result.unmatched_a == [3]
    assert result.unmatched_b == [12]


def test_output_is_deterministic_and_every_record_lands_once() -> None:
    a = [cust(i, f"Name {i % 7}", f"e{i % 5}@x.test" if i % 3 else None) for i in range(60)]
    b = [cust(100 + i, f"name {i % 11}", f"E{i % 4}@x.test" if i % 2 else "") for i in range(60)]
    first, second = match_records(CUSTOMER, a, b), match_records(CUSTOMER, a, b)
    assert first == second
    seen_a = [p[0] for p in first.pairs] + [x[0] for x in first.ambiguous] + first.unmatched_a
    assert sorted(seen_a) == sorted(c.key for c in a)
    seen_b = {p[1] for p in first.pairs} | {k for x in first.ambiguous for k in x[1]}
    assert seen_b.isdisjoint(first.unmatched_b)
    assert seen_b | set(first.unmatched_b) == {c.key for c in b}


def test_many_records_pair_by_email_then_by_name() -> None:
    """Speed and growth are measured by bench/match.py; here, that every record pairs."""
    n = 5_000
    a = [cust(i, f"Customer {i}", f"c{i}@example.test" if i % 2 else None) for i in range(n)]
    b = [cust(n + i, f"CUSTOMER  {i}", f"C{i}@example.test" if i % 3 else None) for i in range(n)]
    result = match_records(CUSTOMER, a, b)
    assert len(result.pairs) == n
    assert {key for _a, _b, key in result.pairs} == {("email",), ("name",)}


def test_a_payment_whose_customer_was_split_is_paired_not_copied() -> None:
    """Issue 9: after "keep both" on a customer, the same $258 payment referred to two
    different customers and was created a second time in QuickBooks against one invoice.
    Same reference, date and amount pair it; the differing customer is then a conflict."""
    import datetime as dt
    from decimal import Decimal

    payment = ENTITIES["payment"]
    fields = {"reference": "ACH-258", "date": dt.date(2026, 8, 1), "amount": Decimal("258.00")}
    result = match_records(
        payment,
        [Candidate(1, {**fields, "customer": Ref("customer", 65)})],
        [Candidate(10, {**fields, "customer": Ref("customer", 762)})],
    )
    assert result.pairs == [(1, 10, ("reference", "date", "amount"))]


def test_a_bill_whose_vendor_was_split_is_paired_by_number_date_and_total() -> None:
    import datetime as dt
    from decimal import Decimal

    fields = {"number": "INV-9", "date": dt.date(2026, 8, 1), "total": Decimal("99.50")}
    result = match_records(
        BILL,
        [Candidate(1, {**fields, "vendor": Ref("vendor", 5)})],
        [
            Candidate(10, {**fields, "vendor": Ref("vendor", 6)}),
            Candidate(11, {**fields, "vendor": Ref("vendor", 7), "total": Decimal("10.00")}),
        ],
    )
    assert result.pairs == [(1, 10, ("number", "date", "total"))]
