"""Summarised journal entries, the engine's decisions (engine/summary.py): which billing
documents the mode takes, each document's share of the ledger, and the day's entries
(new documents, then the difference for documents edited, moved or removed since they
were posted). Property: for random days of activity and random edits, every entry
balances and the entries of each day add up, account by account, to the documents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from recontui.engine.summary import (
    Accounts,
    Doc,
    Entry,
    Posted,
    Problem,
    SummaryScope,
    plan_entries,
    problem,
    share,
)

D = Decimal
DAY = dt.date(2026, 3, 2)
BOOKS = Accounts(receivable="AR", deposit="UF", tax="TAX")


def invoice(key: int, number: str, *lines: tuple[str, str], tax: str = "0", day=DAY) -> Doc:
    rows = tuple((account, D(amount)) for account, amount in lines)
    total = sum((a for _k, a in rows), D(tax))
    return Doc("invoice", key, number, day, total, rows, D(tax))


def payment(key: int, amount: str, day=DAY) -> Doc:
    return Doc("payment", key, f"{amount} on {day}", day, D(amount))


def posted_from(entries: list[Entry]) -> dict[tuple[int, dt.date], Posted]:
    """What the entries claim, as the store hands it back (latest claim wins)."""
    out: dict[tuple[int, dt.date], Posted] = {}
    for entry in entries:
        for c in entry.covers:
            out[(c.key, entry.day)] = Posted(c.kind, c.number, c.amount, c.parts)
    return out


# -- the scope -----------------------------------------------------------------------


def test_the_mode_takes_billing_documents_from_its_first_day_only() -> None:
    scope = SummaryScope.of(True, "2026-03-02")
    assert scope.takes("invoice", "a", DAY)
    assert scope.takes("credit_memo", "a", DAY + dt.timedelta(days=3))
    assert scope.takes("payment", "a", DAY)
    assert not scope.takes("invoice", "a", DAY - dt.timedelta(days=1))  # before it was on
    assert not scope.takes("invoice", "b", DAY)  # the ledger's own invoices
    assert not scope.takes("bill", "a", DAY)  # bills are not summarised
    assert not scope.takes("invoice", "a", None)
    # A payment of invoices the ledger holds as records is created as a payment.
    assert not scope.takes("payment", "a", DAY, in_ledger=True)


def test_off_or_without_a_first_day_it_takes_nothing() -> None:
    assert not SummaryScope.of(False, "2026-03-02").takes("invoice", "a", DAY)
    assert not SummaryScope.of(True, "").takes("invoice", "a", DAY)
    assert not SummaryScope.of(True, "not a date").takes("invoice", "a", DAY)


# -- a document's share --------------------------------------------------------------


def test_an_invoice_debits_receivable_and_credits_income_and_tax() -> None:
    doc = invoice(1, "INV-1", ("SALES", "100.00"), ("TRAIN", "50.00"), tax="13.13")
    assert problem(doc, BOOKS) is None
    assert share(doc, BOOKS) == (
        ("AR", "debit", D("163.13")),
        ("SALES", "credit", D("100.00")),
        ("TRAIN", "credit", D("50.00")),
        ("TAX", "credit", D("13.13")),
    )


def test_a_credit_memo_and_a_payment_credit_receivable() -> None:
    memo = Doc("credit_memo", 2, "CM-1", DAY, D("20.00"), (("SALES", D("20.00")),))
    assert share(memo, BOOKS) == (("AR", "credit", D("20.00")), ("SALES", "debit", D("20.00")))
    assert share(payment(3, "70.00"), BOOKS) == (
        ("UF", "debit", D("70.00")),
        ("AR", "credit", D("70.00")),
    )


def test_what_cannot_be_summarised_says_why() -> None:
    short = Doc("invoice", 1, "INV-9", DAY, D("120.00"), (("SALES", D("100.00")),))
    assert problem(short, BOOKS) == (
        Problem.LINES_SHORT,
        "its lines add up to 100.00 but its total is 120.00",
    )
    taxed = invoice(1, "INV-8", ("SALES", "100.00"), tax="8.00")
    assert problem(taxed, Accounts("AR", "UF", None))[0] is Problem.NO_TAX_ACCOUNT  # type: ignore[index]
    assert problem(payment(2, "5.00"), Accounts("AR"))[0] is Problem.NO_DEPOSIT  # type: ignore[index]


# -- the day's entries -----------------------------------------------------------------


def test_one_balanced_entry_per_day_covering_its_documents() -> None:
    docs = [
        invoice(1, "INV-1", ("SALES", "100.00")),
        invoice(2, "INV-2", ("SALES", "40.00"), ("TRAIN", "10.00")),
        payment(3, "60.00"),
        invoice(4, "INV-4", ("TRAIN", "5.00"), day=DAY + dt.timedelta(days=1)),
    ]
    first, second = plan_entries(docs, {}, BOOKS)
    assert first.day == DAY and second.day == DAY + dt.timedelta(days=1)
    assert [(ln.account, ln.posting, ln.amount) for ln in first.lines] == [
        ("AR", "debit", D("150.00")),
        ("UF", "debit", D("60.00")),
        ("AR", "credit", D("60.00")),
        ("SALES", "credit", D("140.00")),
        ("TRAIN", "credit", D("10.00")),
    ]
    assert first.debits == first.credits == D("210.00")
    assert [(c.number, c.change) for c in first.covers] == [
        ("INV-1", "new"),
        ("INV-2", "new"),
        ("60.00 on 2026-03-02", "new"),
    ]
    assert first.lines[0].kinds == ("invoice",) and first.lines[2].kinds == ("payment",)


def test_nothing_new_and_nothing_changed_plans_nothing() -> None:
    docs = [invoice(1, "INV-1", ("SALES", "100.00"))]
    entries = plan_entries(docs, {}, BOOKS)
    assert plan_entries(docs, posted_from(entries), BOOKS) == []


def test_an_edited_document_posts_its_difference_on_its_own_day() -> None:
    before = [invoice(1, "INV-1", ("SALES", "100.00")), invoice(2, "INV-2", ("SALES", "30.00"))]
    posted = posted_from(plan_entries(before, {}, BOOKS))
    after = [invoice(1, "INV-1", ("SALES", "80.00"), ("TRAIN", "40.00")), before[1]]
    (entry,) = plan_entries(after, posted, BOOKS)
    assert entry.day == DAY
    assert {(ln.account, ln.posting, ln.amount) for ln in entry.lines} == {
        ("AR", "debit", D("20.00")),
        ("SALES", "debit", D("20.00")),
        ("TRAIN", "credit", D("40.00")),
    }
    assert [(c.number, c.change, c.was, c.amount) for c in entry.covers] == [
        ("INV-1", "changed", D("100.00"), D("120.00"))
    ]


def test_a_removed_document_is_reversed_and_a_moved_one_changes_days() -> None:
    before = [invoice(1, "INV-1", ("SALES", "100.00")), payment(2, "25.00")]
    posted = posted_from(plan_entries(before, {}, BOOKS))
    moved = payment(2, "25.00", day=DAY + dt.timedelta(days=2))
    old_day, new_day = plan_entries([moved], posted, BOOKS)
    assert {(ln.account, ln.posting, ln.amount) for ln in old_day.lines} == {
        ("AR", "credit", D("100.00")),
        ("SALES", "debit", D("100.00")),
        ("UF", "credit", D("25.00")),
        ("AR", "debit", D("25.00")),
    }
    assert [(c.number, c.change) for c in old_day.covers] == [
        ("INV-1", "removed"),
        ("25.00 on 2026-03-02", "removed"),
    ]
    assert new_day.day == moved.day and [c.change for c in new_day.covers] == ["new"]


def test_differences_that_cancel_out_post_nothing() -> None:
    before = [invoice(1, "INV-1", ("SALES", "100.00"))]
    posted = posted_from(plan_entries(before, {}, BOOKS))
    swapped = [invoice(1, "INV-1", ("SALES", "100.00")), Doc("invoice", 9, "Z", DAY, D(0), ())]
    assert plan_entries(swapped, posted, BOOKS) == []


# -- the property ------------------------------------------------------------------------

ACCOUNTS = ("SALES", "TRAIN", "OTHER")
money = st.integers(min_value=-5_000, max_value=500_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=0, max_value=4).map(lambda n: DAY + dt.timedelta(days=n))


@st.composite
def documents(draw: st.DrawFn, key: int) -> Doc:
    kind = draw(st.sampled_from(("invoice", "credit_memo", "payment")))
    day = draw(days)
    if kind == "payment":
        return Doc(kind, key, f"P{key}", day, abs(draw(money)))
    lines = tuple(
        (draw(st.sampled_from(ACCOUNTS)), draw(money))
        for _ in range(draw(st.integers(min_value=0, max_value=4)))
    )
    tax = abs(draw(money)) if kind == "invoice" and draw(st.booleans()) else D(0)
    return Doc(kind, key, f"N{key}", day, sum((a for _k, a in lines), tax), lines, tax)


@st.composite
def activity(draw: st.DrawFn) -> tuple[list[Doc], list[Doc]]:
    """Some days of documents, then the same books after edits, moves and deletions."""
    before = [draw(documents(key)) for key in range(draw(st.integers(0, 12)))]
    after = []
    for doc in before:
        fate = draw(st.sampled_from(("keep", "keep", "edit", "delete")))
        if fate == "keep":
            after.append(doc)
        elif fate == "edit":
            after.append(draw(documents(doc.key)))
    after += [draw(documents(100 + key)) for key in range(draw(st.integers(0, 4)))]
    return before, after


def ledger(entries: list[Entry]) -> dict[tuple[dt.date, str], Decimal]:
    """(day, account) -> debits less credits, over every entry posted."""
    out: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        for ln in entry.lines:
            out[(entry.day, ln.account)] += ln.amount if ln.posting == "debit" else -ln.amount
    return {k: v for k, v in out.items() if v}


def books_of(docs: list[Doc]) -> dict[tuple[dt.date, str], Decimal]:
    """(day, account) -> debits less credits the documents stand for, by their own terms:
    invoices raise A/R by their totals, credit memos and payments lower it, and so on."""
    out: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
    for doc in docs:
        sign = {"invoice": 1, "credit_memo": -1, "payment": -1}[doc.kind]
        out[(doc.day, "AR")] += sign * doc.total
        if doc.kind == "payment":
            out[(doc.day, "UF")] += doc.total
            continue
        for account, amount in doc.lines:
            out[(doc.day, account)] -= sign * amount
        out[(doc.day, "TAX")] -= sign * doc.tax
    return {k: v for k, v in out.items() if v}


@settings(max_examples=300, deadline=None)
@given(activity())
def test_entries_balance_and_reconcile_with_the_documents_to_the_cent(
    books: tuple[list[Doc], list[Doc]],
) -> None:
    before, after = books
    first = plan_entries(before, {}, BOOKS)
    second = plan_entries(after, posted_from(first), BOOKS)
    for entry in first + second:
        assert entry.debits == entry.credits  # every entry balances
        assert all(ln.amount > 0 for ln in entry.lines)
        assert all(ln.amount == ln.amount.quantize(D("0.01")) for ln in entry.lines)
        assert len({c.key for c in entry.covers}) == len(entry.covers)
    assert len({e.day for e in first}) == len(first)  # one entry per day per run
    assert len({e.day for e in second}) == len(second)
    assert ledger(first) == books_of(before)
    assert ledger(first + second) == books_of(after)
    # Nothing left to post once the second run's entries are posted too.
    assert plan_entries(after, posted_from(first + second), BOOKS) == []
