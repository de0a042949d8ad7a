"""Plausible twins among records exact matching left unmatched (engine/fuzzy.py)."""

from __future__ import annotations

import random

import pytest

from recontui.engine.fuzzy import MIN_CONFIDENCE, find_twins, name_words, twin_of
from recontui.engine.match import Candidate
from recontui.model import ENTITIES

CUSTOMER = ENTITIES["customer"]
VENDOR = ENTITIES["vendor"]
ACCOUNT = ENTITIES["account"]
INVOICE = ENTITIES["invoice"]


def name_twin(a: str, b: str) -> int | None:
    """The score of a proposed pair of customer names, or None when not proposed."""
    twin = twin_of(CUSTOMER, {"name": a}, {"name": b})
    return None if twin is None else twin.score


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("Northwind Traders, Inc.", ("northwind", "traders")),
        ("Northwind  Traders INC", ("northwind", "traders")),
        ("Eriksen & Rossi", ("eriksen", "and", "rossi")),
        ("Smith & Co.", ("smith",)),
        ("A.B.C. Supply L.L.C.", ("abc", "supply")),
        ("The Crème Company GmbH", ("creme",)),
        ("O'Neil Bakery", ("oneil", "bakery")),
        ("The Company", ("the", "company")),  # nothing but suffixes: kept whole
        ("", ()),
    ],
)
def test_names_are_normalised_before_scoring(raw: str, words: tuple[str, ...]) -> None:
    assert name_words(raw) == words


def test_a_legal_suffix_and_punctuation_do_not_make_another_company() -> None:
    assert name_twin("Northwind Traders, Inc.", "Northwind Traders Inc") == 100
    assert name_twin("Crème & Co.", "Creme and Company") == 100


def test_a_qualifier_word_is_a_plausible_twin() -> None:
    score = name_twin("Eriksen & Rossi", "Eriksen & Rossi (Annex)")
    assert score is not None and score >= MIN_CONFIDENCE


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Northwind Tarders", "Northwind Traders"),
        ("Jonson Plumbing", "Johnson Plumbing"),
        ("Blue Birch Landscaping", "Blue Birch Landscape"),
        ("Alvarez & Becker", "Becker and Alvarez"),
    ],
)
def test_typos_and_word_order_are_plausible(a: str, b: str) -> None:
    assert name_twin(a, b) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Supply", "Apex Supply"),
        ("Acme Industrial Supply", "Apex Industrial Supply"),  # ratio 91, yet another word
        ("Oak Bay Cafe 2", "Oak Bay Cafe 3"),
        ("Golden Fern Cafe", "Golden Fern Bakery"),
        ("Golden Fern Cafe", "Silver Fern Cafe"),
        ("Blue Birch", "Blue Birch Landscaping"),  # the extra word is most of the name
        ("Retail", "Rental"),
    ],
)
def test_different_businesses_are_not_proposed(a: str, b: str) -> None:
    assert name_twin(a, b) is None


def test_a_shared_phone_or_domain_raises_confidence() -> None:
    alone = twin_of(CUSTOMER, {"name": "Acme Supply"}, {"name": "Apex Supply"})
    assert alone is None
    phoned = twin_of(
        CUSTOMER,
        {"name": "Acme Supply", "phone": "503 555 0100"},
        {"name": "Apex Supply", "phone": "+1 (503) 555-0100"},
    )
    assert phoned is not None and phoned.reasons == ("same phone",)
    assert phoned.confidence > phoned.score
    domain = twin_of(
        CUSTOMER,
        {"name": "Eriksen & Rossi", "email": "ap@eriksenrossi.test"},
        {"name": "Eriksen & Rossi (Annex)", "email": "annex@eriksenrossi.test"},
    )
    assert domain is not None and "same e-mail domain" in domain.reasons


def test_a_free_mail_domain_proves_nothing() -> None:
    twin = twin_of(
        CUSTOMER,
        {"name": "Acme Supply", "email": "acme@gmail.com"},
        {"name": "Apex Supply", "email": "apex@gmail.com"},
    )
    assert twin is None


def test_different_emails_lower_confidence() -> None:
    plain = twin_of(CUSTOMER, {"name": "Eriksen & Rossi"}, {"name": "Eriksen & Rossi (Annex)"})
    assert plain is not None
    apart = twin_of(
        CUSTOMER,
        {"name": "Eriksen & Rossi", "email": "ap@eriksen.test"},
        {"name": "Eriksen & Rossi (Annex)", "email": "ap@annex.test"},
    )
    assert apart is None  # a qualifier and two unrelated addresses: two businesses
    same_name = twin_of(
        CUSTOMER,
        {"name": "Northwind Traders, Inc.", "email": "ap@northwind.test"},
        {"name": "Northwind Traders Inc", "email": "billing@nwtraders.test"},
    )
    assert same_name is not None and same_name.confidence < same_name.score
    assert same_name.reasons == ("different e-mails",)


def test_fields_that_tell_records_apart_rule_a_twin_out() -> None:
    tax = ({"tax_id": "12-3456789"}, {"tax_id": "98-7654321"})
    assert twin_of(VENDOR, {"name": "Acme", **tax[0]}, {"name": "Acme Inc", **tax[1]}) is None
    money = ({"currency": "USD"}, {"currency": "EUR"})
    assert twin_of(CUSTOMER, {"name": "Acme", **money[0]}, {"name": "Acme", **money[1]}) is None
    a = {"name": "Office Supplies", "type": "expense"}
    b = {"name": "Office Supply", "type": "expense"}
    assert twin_of(ACCOUNT, a, b) is not None
    assert twin_of(ACCOUNT, {**a, "number": "6000"}, {**b, "number": "6100"}) is None
    assert twin_of(ACCOUNT, a, {**b, "type": "other_expense"}) is None


def test_transactions_are_never_fuzzy_matched() -> None:
    a = [Candidate(1, {"number": "1001"})]
    b = [Candidate(2, {"number": "1007"})]
    assert find_twins(INVOICE, a, b) == {}


def cust(key: int, name: str, **fields: str) -> Candidate:
    return Candidate(key, {"name": name, **fields})


def test_find_twins_ranks_candidates_and_skips_the_unrelated() -> None:
    a = [cust(1, "Northwind Traders, Inc."), cust(2, "Acme Supply"), cust(3, "Zeta Books")]
    b = [
        cust(10, "Northwind Trader"),
        cust(11, "Northwind Traders Inc", phone="555 0100 22"),
        cust(12, "Apex Supply"),
        cust(13, "Quiet River Chiropractic"),
    ]
    a[0] = cust(1, "Northwind Traders, Inc.", phone="555-0100-22")
    found = find_twins(CUSTOMER, a, b)
    assert list(found) == [1]
    assert [t.b for t in found[1]] == [11, 10]
    assert found[1][0].reasons == ("same phone",)


def test_a_shared_phone_finds_a_twin_whose_name_is_written_differently() -> None:
    a = [cust(1, "NW Traders", phone="(503) 555-0100")]
    b = [cust(10, "Northwind Traders", phone="503.555.0100"), cust(11, "Northwind Traders 2")]
    found = find_twins(CUSTOMER, a, b)
    assert [t.b for t in found[1]] == [10]


def test_only_pairs_involving_changed_records_are_looked_at() -> None:
    a = [cust(1, "Northwind Traders, Inc."), cust(2, "Eriksen & Rossi")]
    b = [cust(10, "Northwind Traders Inc"), cust(11, "Eriksen and Rossi (Annex)")]
    assert set(find_twins(CUSTOMER, a, b)) == {1, 2}
    assert set(find_twins(CUSTOMER, a, b, involving={1})) == {1}
    assert set(find_twins(CUSTOMER, a, b, involving={11})) == {2}  # a change on side b
    assert find_twins(CUSTOMER, a, b, involving=set()) == {}


def _names(rng: random.Random, n: int, start: int) -> list[Candidate]:
    first = ["Blue", "Golden", "Silver", "Maple", "Cedar", "Harbor", "Summit", "Quiet"]
    second = ["Fern", "Oak", "River", "Bay", "Lantern", "Anchor", "Sparrow", "Meadow"]
    kinds = ["Studio", "Cafe", "Bakery", "Dental", "Books", "Florist", "Market", "Salon"]
    return [
        cust(
            start + i,
            f"{rng.choice(first)} {rng.choice(second)} {rng.choice(kinds)} {start + i}",
            email=f"ap{start + i}@example{start + i}.test",
            phone=f"(503) 555-{rng.randint(0, 9999):04d}",
        )
        for i in range(n)
    ]


def test_only_changed_records_look_for_twins_among_many() -> None:
    """Speed is measured by bench/match.py; here, what the fast path must still find."""
    rng = random.Random(5)
    a, b = _names(rng, 2_000, 0), _names(rng, 2_000, 100_000)
    a.append(cust(-1, "Northwind Traders, Inc."))
    b.append(cust(-2, "Northwind Traders Inc"))
    changed = {c.key for c in a[:100]} | {c.key for c in b[:100]} | {-1}
    found = find_twins(CUSTOMER, a, b, involving=changed)
    assert [t.b for t in found[-1]] == [-2]
    assert set(found) == {-1}


def test_numbered_names_are_never_each_others_twins() -> None:
    rng = random.Random(6)
    a, b = _names(rng, 1_000, 0), _names(rng, 1_000, 100_000)
    assert find_twins(CUSTOMER, a, b) == {}
