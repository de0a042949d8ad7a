"""Summarised journal entries: what each day of billing documents posts to the ledger.

With the profile's ``summary_mode`` on, BILL (side "a") invoices, credit memos and payments
received are not created in QuickBooks Online one by one: each day's are posted as one
balanced journal entry against a master customer (run/summary.py carries it out). This
module is the pure part: which documents the mode takes, the share of the ledger each
document is (its *parts*: account, debit or credit, amount), and the entries that bring
the ledger from what was posted so far to what the documents hold now.

The share of one document (accounts are opaque keys; the runner uses account link ids):

- invoice: debit A/R its total; credit each line's income account its amount; credit the
  sales tax account its tax. A credit memo is the same, the other way round.
- payment received: debit the deposit account (Undeposited Funds unless the profile names
  one) its amount; credit A/R.

Every share balances on its own, so every entry does. QuickBooks requires a customer on a
line posted to Accounts Receivable (docs/remote-shapes.md, QuickBooks, Journal entry):
each A/R line names the master customer.

An entry for a day covers the documents new that day and the difference for those posted
before and changed since (edited, deleted, or gone to the ledger as their own record): so
for every day the entries posted add up, account by account and to the cent, to the
documents as they are now. A day whose differences cancel out posts nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

Posting = Literal["debit", "credit"]
#: The documents the mode takes, in the order an entry lists them.
KINDS: tuple[str, ...] = ("invoice", "credit_memo", "payment")
ZERO = Decimal(0)
CENT = Decimal("0.01")

#: One part of a document's share: (account key, posting, amount; may be negative).
Part = tuple[str, Posting, Decimal]


@dataclass(frozen=True)
class SummaryScope:
    """The profile's setting: on, and the first day whose documents it takes."""

    on: bool = False
    start: dt.date | None = None

    @classmethod
    def of(cls, on: bool, start: str) -> SummaryScope:
        """From the stored settings (``summary_mode``, ``summary_start`` as ISO text)."""
        try:
            day = dt.date.fromisoformat(start.strip()) if start.strip() else None
        except ValueError:
            day = None
        return cls(on=bool(on) and day is not None, start=day)

    def takes(self, entity: str, side: str, day: object, *, in_ledger: bool = False) -> bool:
        """Whether a billing document that exists in BILL (side "a") only is summarised
        rather than created in the ledger: the mode is on, it is an invoice, a credit memo
        or a payment received, it is dated on or after the day the mode was turned on, and
        (a payment) the invoices it pays are not all held in the ledger as their own
        records (``in_ledger``: then it is created record by record, as before)."""
        if not self.on or self.start is None or side != "a" or entity not in KINDS:
            return False
        if not isinstance(day, dt.date) or day < self.start:
            return False
        return not (entity == "payment" and in_ledger)


@dataclass(frozen=True)
class Accounts:
    """The ledger's accounts a share posts to (keys as the runner gives them)."""

    receivable: str
    #: Where a payment received is debited (None: payments cannot be summarised).
    deposit: str | None = None
    #: Where an invoice's sales tax is credited (None: a taxed invoice cannot be).
    tax: str | None = None


@dataclass(frozen=True)
class Doc:
    """A billing document as the mode reads it."""

    kind: str
    key: int
    number: str
    day: dt.date
    #: An invoice's or credit memo's total (tax included), a payment's amount.
    total: Decimal
    #: (income account key, amount) per line of an invoice or credit memo.
    lines: tuple[tuple[str, Decimal], ...] = ()
    tax: Decimal = ZERO


@dataclass(frozen=True)
class Posted:
    """What earlier entries posted for one document on one day."""

    kind: str
    number: str
    amount: Decimal
    parts: tuple[Part, ...]


class Problem(StrEnum):
    """Why a document cannot be summarised as it is (the runner says what to do)."""

    #: A payment, and no account to deposit it to.
    NO_DEPOSIT = "no_deposit"
    #: Its lines and tax do not add up to its total.
    LINES_SHORT = "lines_short"
    #: It charges sales tax, and no account takes the tax.
    NO_TAX_ACCOUNT = "no_tax_account"


def problem(doc: Doc, accounts: Accounts) -> tuple[Problem, str] | None:
    """Why the document cannot be summarised as it is (and one clause saying so), or
    None: then its share balances and reconciles with its total to the cent."""
    if doc.kind == "payment":
        if accounts.deposit is None:
            return Problem.NO_DEPOSIT, "there is no account to deposit payments received to"
        return None
    lines = sum((amount for _account, amount in doc.lines), ZERO)
    if lines + doc.tax != doc.total:
        tax = f" and its tax {doc.tax:,.2f}" if doc.tax else ""
        return (
            Problem.LINES_SHORT,
            f"its lines{tax} add up to {lines + doc.tax:,.2f} but its total is {doc.total:,.2f}",
        )
    if doc.tax and accounts.tax is None:
        return (
            Problem.NO_TAX_ACCOUNT,
            f"it charges {doc.tax:,.2f} sales tax and no account is set to take it",
        )
    return None


def share(doc: Doc, accounts: Accounts) -> tuple[Part, ...]:
    """The document's parts (check :func:`problem` first): they balance."""
    if doc.kind == "payment":
        assert accounts.deposit is not None
        return (
            (accounts.deposit, "debit", doc.total),
            (accounts.receivable, "credit", doc.total),
        )
    inward: Posting = "debit" if doc.kind == "invoice" else "credit"
    outward: Posting = "credit" if inward == "debit" else "debit"
    parts: list[Part] = [(accounts.receivable, inward, doc.total)]
    parts += [(account, outward, amount) for account, amount in doc.lines]
    if doc.tax:
        assert accounts.tax is not None
        parts.append((accounts.tax, outward, doc.tax))
    return tuple(parts)


def _flip(posting: Posting) -> Posting:
    return "credit" if posting == "debit" else "debit"


def totals(parts: Iterable[Part]) -> dict[tuple[str, Posting], Decimal]:
    """Parts summed per (account, posting), a negative sum moved to the other posting,
    zeros dropped: two shares are the same when these are."""
    signed: dict[str, dict[Posting, Decimal]] = {}
    for account, posting, amount in parts:
        both = signed.setdefault(account, {"debit": ZERO, "credit": ZERO})
        both[posting] += amount
    out: dict[tuple[str, Posting], Decimal] = {}
    for account, both in signed.items():
        for posting, amount in both.items():
            if amount < 0:
                key = (account, _flip(posting))
                out[key] = out.get(key, ZERO) - amount
            elif amount > 0:
                out[(account, posting)] = out.get((account, posting), ZERO) + amount
    return {key: amount for key, amount in out.items() if amount}


@dataclass(frozen=True)
class Covered:
    """A document an entry covers: what it is now (``parts`` are its whole share of the
    day, what the entry's claim records) and what was posted for it before (``was``:
    None when it is new)."""

    key: int
    kind: str
    number: str
    amount: Decimal
    was: Decimal | None
    parts: tuple[Part, ...]

    @property
    def change(self) -> str:
        """ "new", "changed" or "removed" (a removed one posts its reversal)."""
        if self.was is None:
            return "new"
        return "removed" if not self.parts else "changed"


@dataclass(frozen=True)
class EntryLine:
    account: str
    posting: Posting
    amount: Decimal
    #: The kinds of documents behind the line (for its description).
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One day's journal entry: its lines and the documents it covers."""

    day: dt.date
    lines: tuple[EntryLine, ...]
    covers: tuple[Covered, ...] = field(default=())

    @property
    def debits(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.posting == "debit"), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.posting == "credit"), ZERO)


def _delta(new: tuple[Part, ...], old: tuple[Part, ...]) -> list[Part]:
    """The parts that bring ``old`` to ``new`` (empty when the two are the same)."""
    now, before = totals(new), totals(old)
    if now == before:
        return []
    parts: list[Part] = [(a, p, amount) for (a, p), amount in now.items()]
    parts += [(a, p, -amount) for (a, p), amount in before.items()]
    return parts


def _lines(parts: Sequence[tuple[Part, str]]) -> tuple[EntryLine, ...]:
    """Entry lines: parts summed per (account, posting), negatives moved to the other
    posting, zeros dropped; debits first, each in the order its account first appears,
    with the kinds of documents behind it."""
    summed = totals(part for part, _kind in parts)
    order: dict[str, int] = {}
    kinds: dict[tuple[str, Posting], list[str]] = {}
    by_account: dict[str, list[str]] = {}
    for (account, posting, amount), kind in parts:
        order.setdefault(account, len(order))
        key = (account, posting if amount >= 0 else _flip(posting))
        for found in (kinds.setdefault(key, []), by_account.setdefault(account, [])):
            if kind not in found:
                found.append(kind)
    keys = sorted(summed, key=lambda k: (k[1] != "debit", order[k[0]]))
    return tuple(
        EntryLine(
            account,
            posting,
            summed[(account, posting)],
            tuple(sorted(kinds.get((account, posting)) or by_account[account], key=_kind_rank)),
        )
        for account, posting in keys
    )


def _kind_rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def plan_entries(
    docs: Sequence[Doc],
    posted: Mapping[tuple[int, dt.date], Posted],
    accounts: Accounts,
) -> list[Entry]:
    """The entries to post, one per day at most, in date order: each document of ``docs``
    (check :func:`problem` first) whose share differs from what ``posted`` holds for it
    on that day (new ones hold nothing), and the reversal of each posted document that
    is no longer among ``docs`` on that day (deleted, moved to another day, or in the
    ledger as its own record now). A day whose parts cancel out gets no entry."""
    now: dict[tuple[int, dt.date], tuple[Doc, tuple[Part, ...]]] = {
        (doc.key, doc.day): (doc, share(doc, accounts)) for doc in docs
    }
    days: dict[dt.date, tuple[list[tuple[Part, str]], list[Covered]]] = {}
    for key in sorted(set(now) | set(posted), key=lambda k: _order(now, posted, k)):
        doc, parts = now.get(key, (None, ()))
        before = posted.get(key)
        delta = _delta(parts, before.parts if before else ())
        if not delta:
            continue
        kind = doc.kind if doc else before.kind if before else ""
        deltas, covers = days.setdefault(key[1], ([], []))
        deltas += [(part, kind) for part in delta]
        covers.append(
            Covered(
                key=key[0],
                kind=kind,
                number=doc.number if doc else before.number if before else "",
                amount=doc.total if doc else ZERO,
                was=before.amount if before else None,
                parts=parts,
            )
        )
    entries = []
    for day in sorted(days):
        deltas, covers = days[day]
        lines = _lines(deltas)
        if lines:
            entries.append(Entry(day, lines, tuple(covers)))
    return entries


def _order(
    now: Mapping[tuple[int, dt.date], tuple[Doc, tuple[Part, ...]]],
    posted: Mapping[tuple[int, dt.date], Posted],
    key: tuple[int, dt.date],
) -> tuple[dt.date, int, str, int]:
    """How an entry lists its documents: by day, kind, then number."""
    found = now.get(key)
    kind, number = (
        (found[0].kind, found[0].number) if found else (posted[key].kind, posted[key].number)
    )
    return key[1], _kind_rank(kind), number, key[0]
