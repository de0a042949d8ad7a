"""Summarised journal entries (issue 13): which billing documents a run summarises, and
the entries it plans for them.

With the profile's ``summary_mode`` on (setup/summary_mode.py), a BILL invoice, credit
memo or payment received that the mode takes (engine/summary.py ``SummaryScope.takes``)
is never created in QuickBooks Online as its own record: run/matching.py asks
:func:`summary_takes` before it plans a create. After matching and merging,
:meth:`SummaryPlan.plan_summaries` reads every such document, its share of the ledger
(engine/summary.py) and what earlier entries posted for it (store/summaries.py), and
plans one journal entry per day that brings the ledger to the documents as they are
now: the new documents, and the difference for each one posted before and changed since
(edited, deleted in BILL, or now in QuickBooks as its own record). Each entry is one
outbox op (a ``journal_entry`` create) whose claims, recorded in the same transaction,
say which documents it covers; run/summary_push.py sends it.

Exactly once: a document counts as posted while the op of its latest claim is live or
done. A crash between the write and its answer leaves the op ``sent``; the next run looks
the entry up by its number (``DocNumber``) before sending it again. A refused entry
voids its claims, so its documents are summarised again by the next run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..engine.defaults import Account
from ..engine.summary import (
    KINDS,
    ZERO,
    Accounts,
    Covered,
    Doc,
    Entry,
    EntryLine,
    Posted,
    Posting,
    Problem,
    plan_entries,
    problem,
)
from ..engine.window import in_window
from ..model import ENTITIES, Ref, RemoteRef, Side
from ..model.states import OpKind
from ..store import Link, Store
from ..store.settings import ProfileSettings
from ..store.summaries import SummaryClaim
from .context import RunContext
from .ops import SETUP_STEP, Ops

#: How a run names each kind of document (one, many).
KIND_WORDS: Mapping[str, tuple[str, str]] = {
    "invoice": ("invoice", "invoices"),
    "credit_memo": ("credit memo", "credit memos"),
    "payment": ("payment received", "payments received"),
}
#: QuickBooks' own account for payments not yet deposited ("If you do not specify this
#: account, payment is applied to the Undeposited Funds account": .../all-entities/payment).
UNDEPOSITED = "Undeposited Funds"
#: A DocNumber holds at most 21 characters (the stand-in's 2050, docs/remote-shapes.md).
DOC_NUMBER_MAX = 21
#: How long a PrivateNote recontui writes may be (no page found says QuickBooks' limit [U]).
MEMO_MAX = 4000
#: What to do about a document the mode cannot summarise as it is, by why.
NEXT_STEP: Mapping[Problem | str, str] = {
    Problem.NO_DEPOSIT: f"set a default deposit account {SETUP_STEP}",
    Problem.LINES_SHORT: "correct its lines in BILL",
    Problem.NO_TAX_ACCOUNT: (
        "name the account sales tax is posted to: summary_tax_account in the setup file's "
        "[syncs] (`recontui setup --from-file`)"
    ),
    "no_income": f"give its item an income account, or set a default income account {SETUP_STEP}",
}


def summary_takes(ctx: RunContext, entity: str, side: Side, link: Link) -> bool:
    """Whether a record found on ``side`` only is summarised rather than created in the
    ledger (run/matching.py asks before it plans a create). A payment already summarised
    stays so, whatever the invoices it pays became since."""
    scope = ctx.summary
    if not scope.on or side != "a" or entity not in KINDS:
        return False
    if ctx.policy.direction(entity) not in ("both", "a_to_b"):
        return False
    fields = link.a_fields or {}
    day = fields.get("date")
    if not in_window(day, ctx.first_date):
        return False
    in_ledger = (
        entity == "payment"
        and pays_ledger_invoices(ctx.store, ctx.pid, fields)
        and not ctx.store.summary_claimed(ctx.pid, link.id)
    )
    return scope.takes(entity, side, day, in_ledger=in_ledger)


def pays_ledger_invoices(store: Store, profile_id: int, fields: Mapping[str, Any]) -> bool:
    """Whether a BILL payment applies only to invoices the ledger holds as their own records
    (then it is created as a payment against them, as before the mode)."""
    applied = [row.get("invoice") for row in fields.get("applied") or () if isinstance(row, dict)]
    if not applied:
        return False
    for ref in applied:
        if not isinstance(ref, RemoteRef):
            return False
        found = store.link_for_remote(profile_id, "invoice", "a", ref.remote_id)
        link = None if found is None else store.link(store.canonical_link_id(found))
        if link is None or link.b_id is None:
            return False
    return True


def ledger_record(store: Store, profile_id: int, entity: str, text: str) -> Link | None:
    """The QuickBooks (side b) record of ``entity`` a person names by its id or its name
    (case and spaces aside), active and not deleted; None when there is none."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    found = None
    for link in store.side_records(profile_id, entity, "b"):
        fields = link.b_fields or {}
        if fields.get("active") is False:
            continue
        if link.b_id == text.strip():
            return link
        if found is None and " ".join(str(fields.get("name") or "").split()).casefold() == wanted:
            found = link
    return found


def receivable_accounts(store: Store, profile_id: int) -> list[Link]:
    """QuickBooks' active Accounts Receivable accounts."""
    return [
        link
        for link in store.side_records(profile_id, "account", "b")
        if (link.b_fields or {}).get("type") == "accounts_receivable"
        and (link.b_fields or {}).get("active") is not False
    ]


@dataclass(frozen=True)
class Books:
    """The ledger's side of the mode: its accounts (keys: account link ids as text), the
    master customer's link and how each is named."""

    accounts: Accounts
    customer: int


class SummaryPlan(Ops):
    """Plans the day's journal entries (part of the plan phase)."""

    #: Documents the mode could not summarise this run (the run then waits on a person).
    summary_waits = 0

    def plan_summaries(self) -> None:
        """Plan the journal entries that bring the ledger to the billing documents the
        mode takes; say what waits and why."""
        if not self.summary.on:
            return
        books = self.summary_books(self.store.profile_settings(self.pid))
        if isinstance(books, str):
            self.summary_waits += 1
            self.emit("warning", "plan", books, entity="journal_entry")
            return
        claims = self.store.summary_claims(self.pid)
        docs, alone = self.summary_docs(books, claims)
        posted = {
            (link, dt.date.fromisoformat(day)): _posted(c)
            for (link, day), c in claims.items()
            if link not in alone
        }
        for entry in plan_entries(docs, posted, books.accounts):
            self.plan_entry(entry, books)

    # -- the ledger's side ------------------------------------------------------------
    def summary_books(self, settings: ProfileSettings) -> Books | str:
        """The master customer and the accounts, or the sentence saying what is missing."""
        label = self.labels["b"]
        customer = self.store.link_for_remote(self.pid, "customer", "b", settings.summary_customer)
        held = None if customer is None else self.store.link(customer)
        if held is None or held.b_deleted or (held.b_fields or {}).get("active") is False:
            return (
                f"Summarised journal entries wait: the master customer (id "
                f"{settings.summary_customer or '?'}) is no longer an active customer in "
                f"{label}. Make it active again in {label}; the next sync posts the entries."
            )
        receivable = self.receivable(settings)
        if isinstance(receivable, str):
            return receivable
        keys = {}
        for role, link in (
            ("receivable", receivable),
            ("deposit", self.deposit_account()),
            ("tax", ledger_record(self.store, self.pid, "account", settings.summary_tax_account)),
        ):
            if link is not None:
                keys[role] = str(link.id)
        accounts = Accounts(keys["receivable"], keys.get("deposit"), keys.get("tax"))
        return Books(accounts, held.id)

    def receivable(self, settings: ProfileSettings) -> Link | str:
        """The A/R account entries post to: the one the profile names, else the ledger's
        only Accounts Receivable account."""
        label = self.labels["b"]
        if settings.summary_ar_account:
            named = ledger_record(self.store, self.pid, "account", settings.summary_ar_account)
            if named is None:
                return (
                    f"Summarised journal entries wait: {label} has no active account "
                    f"{settings.summary_ar_account!r} (summary_ar_account). Name another in "
                    "the setup file's [syncs]; the next sync posts the entries."
                )
            return named
        found = receivable_accounts(self.store, self.pid)
        if len(found) == 1:
            return found[0]
        return (
            f"Summarised journal entries wait: {label} has {len(found) or 'no'} active "
            "Accounts Receivable accounts, so recontui cannot tell which one the entries "
            "post to. Name it as summary_ar_account in the setup file's [syncs] "
            "(`recontui setup --from-file`); the next sync posts the entries."
        )

    def deposit_account(self) -> Link | None:
        """Where payments received go: the default deposit account, else QuickBooks'
        Undeposited Funds."""
        ref = self.default_refs("b").get(Account.DEPOSIT)
        if ref is not None:
            return self.store.link(self.store.canonical_link_id(ref.link))
        return ledger_record(self.store, self.pid, "account", UNDEPOSITED)

    def account_name(self, key: str) -> str:
        """An account (its link id as text) by the name the ledger gives it."""
        link = self.store.link(int(key))
        for fields in (link.b_fields, link.a_fields) if link else ():
            name = (fields or {}).get("name")
            if name:
                return str(name)
        return f"account #{key}"

    # -- the documents ----------------------------------------------------------------
    def summary_docs(
        self, books: Books, claims: Mapping[tuple[int, str], SummaryClaim]
    ) -> tuple[list[Doc], set[int]]:
        """The documents to post or adjust, and those left as they are: unchanged since
        their entry (same version), or not to be summarised as they are now (each said,
        with what to do), or of an entity the profile no longer copies to the ledger."""
        versions = {link: c.version for (link, _day), c in sorted(claims.items(), key=_by_id)}
        docs: list[Doc] = []
        alone: set[int] = set()
        income: dict[str, str | None] = {}
        for kind in KINDS:
            if not self.syncs(kind) or self.policy.direction(kind) not in ("both", "a_to_b"):
                alone.update(link for (link, _day), c in claims.items() if c.kind == kind)
                continue
            for link in self.store.summary_candidates(self.pid, kind):
                if link.id in versions and versions[link.id] == link.a_version:
                    alone.add(link.id)  # posted as it is: nothing to adjust
                    continue
                doc = self.takes_doc(kind, link, link.id in versions, books, income)
                if isinstance(doc, Doc):
                    docs.append(doc)
                elif doc:
                    alone.add(link.id)
        return docs, alone

    def takes_doc(
        self, kind: str, link: Link, claimed: bool, books: Books, income: dict[str, str | None]
    ) -> Doc | bool:
        """The document as the mode posts it; False when the mode does not take it (an
        earlier entry's share is then reversed), True when it waits (said)."""
        fields = link.a_fields or {}
        day = fields.get("date")
        if not isinstance(day, dt.date) or not in_window(day, self.first_date):
            return False
        in_ledger = (
            kind == "payment" and not claimed and pays_ledger_invoices(self.store, self.pid, fields)
        )
        if not self.summary.takes(kind, "a", day, in_ledger=in_ledger):
            return False
        doc = self.summary_doc(kind, link, fields, day, income)
        why = doc if isinstance(doc, tuple) else problem(doc, books.accounts)
        if why is None and isinstance(doc, Doc):
            return doc
        assert why is not None
        self.summary_held(kind, link, fields, day, why)
        return True

    def summary_doc(
        self,
        kind: str,
        link: Link,
        fields: Mapping[str, Any],
        day: dt.date,
        income: dict[str, str | None],
    ) -> Doc | tuple[str, str]:
        """The document as the mode reads it, or why a line cannot be posted."""
        number = self.record_name(kind, fields, link.a_id)
        if kind == "payment":
            return Doc(kind, link.id, number, day, _money(fields.get("amount")))
        lines: list[tuple[str, Decimal]] = []
        for at, row in enumerate(fields.get("lines") or (), 1):
            amount = _money(row.get("amount")) if isinstance(row, dict) else ZERO
            if not amount:
                continue
            item = row.get("item")
            key = self.income_key(item if isinstance(item, RemoteRef) else None, income)
            if key is None:
                return "no_income", f"its line {at} has no income account"
            lines.append((key, amount))
        tax = _money(fields.get("tax")) if kind == "invoice" else ZERO
        total = fields.get("total")
        whole = _money(total) if total is not None else sum((a for _k, a in lines), tax)
        return Doc(kind, link.id, number, day, whole, tuple(lines), tax)

    def income_key(self, item: RemoteRef | None, cache: dict[str, str | None]) -> str | None:
        """The income account a line posts to: its item's in the ledger, else the
        item's in BILL (once the ledger holds that account, or is about to), else the
        default income account; None when there is none."""
        remote = item.remote_id if item is not None else ""
        if remote not in cache:
            cache[remote] = self.item_account(remote) if remote else None
            if cache[remote] is None:
                ref = self.default_refs("b").get(Account.INCOME)
                cache[remote] = None if ref is None else str(ref.link)
        return cache[remote]

    def item_account(self, item_id: str) -> str | None:
        found = self.store.link_for_remote(self.pid, "item", "a", item_id)
        item = None if found is None else self.store.link(self.store.canonical_link_id(found))
        if item is None:
            return None
        sides: tuple[tuple[Side, dict[str, Any] | None], ...] = (
            ("b", item.b_fields),
            ("a", item.a_fields),
        )
        for side, fields in sides:
            ref = (fields or {}).get("income_account")
            if not isinstance(ref, RemoteRef):
                continue
            at = self.store.link_for_remote(self.pid, "account", side, ref.remote_id)
            account = None if at is None else self.store.link(self.store.canonical_link_id(at))
            if account is not None and (
                account.b_id is not None
                or any(op.side == "b" for op in self.store.live_ops_for_link(account.id))
            ):
                return str(account.id)
        return None

    def summary_held(
        self,
        kind: str,
        link: Link,
        fields: Mapping[str, Any],
        day: dt.date,
        why: tuple[str, str],
    ) -> None:
        """Say (on every run, until it changes) that a document waits, why, what to do."""
        self.summary_waits += 1
        name = self.record_name(kind, fields, link.a_id)
        label = ENTITIES[kind].label
        self.emit(
            "warning",
            "plan",
            f"{label} {name!r} is not summarised into the {self.labels['b']} journal entry "
            f"of {day.isoformat()}: {why[1]}. To post it, {NEXT_STEP.get(why[0], 'fix it')}; "
            "the next sync posts it.",
            entity=kind,
            record=name,
        )

    # -- an entry ---------------------------------------------------------------------
    def plan_entry(self, entry: Entry, books: Books) -> None:
        """One outbox op for the entry, and its claims, in the plan's transaction."""
        day = entry.day.isoformat()
        number = self.entry_number(entry.day)
        link_id = self.store.new_summary_link(self.pid)
        customer = Ref("customer", books.customer)
        changes = {
            "number": number,
            "date": entry.day,
            "memo": self.entry_memo(entry),
            "lines": [
                {
                    "account": Ref("account", int(line.account)),
                    "posting": line.posting,
                    "amount": line.amount,
                    "description": self.line_words(line),
                    "class": None,
                    "customer": customer if line.account == books.accounts.receivable else None,
                }
                for line in entry.lines
            ],
        }
        shown = entry_shown(
            entry,
            number,
            books,
            self.record_name("customer", self.customer_fields(books)),
            {ln.account: self.account_name(ln.account) for ln in entry.lines},
        )
        op_id = self.store.add_op(
            self.pid,
            self.run_id,
            link_id,
            "journal_entry",
            "b",
            OpKind.CREATE,
            None,
            None,
            {"changes": changes, "expect": {}, "audit": [], "summary": shown},
            uuid.uuid4().hex,
        )
        self.store.add_summary_claims(
            self.pid,
            op_id,
            [
                SummaryClaim(
                    op_id, c.key, day, c.kind, c.number, c.amount, c.parts, self.version_of(c.key)
                )
                for c in entry.covers
            ],
        )
        self.emit(
            "info",
            "plan",
            f"Journal entry {number!r} of {day} for {self.labels['b']}: "
            f"{covers_words(entry.covers)}; debits {entry.debits:,.2f} = credits "
            f"{entry.credits:,.2f}.",
            entity="journal_entry",
            record=number,
        )

    def version_of(self, link_id: int) -> str | None:
        """The document's version in BILL now (what its claim was read from)."""
        link = self.store.link(link_id)
        return None if link is None else link.a_version

    def customer_fields(self, books: Books) -> dict[str, Any]:
        link = self.store.link(books.customer)
        return dict((link.b_fields if link else None) or {})

    def entry_number(self, day: dt.date) -> str:
        """``BILL-2026-03-02``, then ``BILL-2026-03-02-2`` for the day's second entry (an
        adjustment): unique, so a lost answer is found again by it."""
        seq = self.store.summary_entries_on(self.pid, day.isoformat()) + 1
        prefix = "".join(ch for ch in self.labels["a"] if ch.isalnum())[:4].upper() or "DAY"
        number = f"{prefix}-{day.isoformat()}" + (f"-{seq}" if seq > 1 else "")
        return number[:DOC_NUMBER_MAX]

    def entry_memo(self, entry: Entry) -> str:
        """The entry's note in the ledger: what it summarises, by number."""
        parts = []
        for kind in KINDS:
            numbers = [c.number for c in entry.covers if c.kind == kind]
            if numbers:
                words = KIND_WORDS[kind][0 if len(numbers) == 1 else 1]
                parts.append(f"{words} {', '.join(numbers)}")
        memo = (
            f"{self.labels['a']} documents of {entry.day.isoformat()}, summarised by recontui: "
            + "; ".join(parts)
        )
        return memo if len(memo) <= MEMO_MAX else memo[: MEMO_MAX - 1] + "…"

    def line_words(self, line: EntryLine) -> str:
        kinds = [KIND_WORDS[k][1] for k in line.kinds if k in KIND_WORDS]
        joined = (
            " and ".join(kinds) if len(kinds) < 3 else f"{', '.join(kinds[:-1])} and {kinds[-1]}"
        )
        return f"{self.labels['a']} {joined}".strip()


def _by_id(item: tuple[tuple[int, str], SummaryClaim]) -> int:
    return item[1].op_id


def _posted(claim: SummaryClaim) -> Posted:
    """A stored claim as the engine reads what was posted."""
    parts = tuple((account, _posting(posting), amount) for account, posting, amount in claim.parts)
    return Posted(claim.kind, claim.number, claim.amount, parts)


def _posting(text: str) -> Posting:
    return "credit" if text == "credit" else "debit"


def _money(value: Any) -> Decimal:
    return Decimal(value) if isinstance(value, Decimal | int) else ZERO


def covers_words(covers: tuple[Covered, ...]) -> str:
    """ "2 invoices, 1 payment received (1 changed)"."""
    counts = []
    for kind in KINDS:
        n = sum(1 for c in covers if c.kind == kind)
        if n:
            counts.append(f"{n} {KIND_WORDS[kind][0 if n == 1 else 1]}")
    changed = sum(1 for c in covers if c.change != "new")
    return ", ".join(counts) + (f" ({changed} changed since posted)" if changed else "")


def entry_shown(
    entry: Entry, number: str, books: Books, customer: str, names: Mapping[str, str]
) -> dict[str, Any]:
    """The entry as the dry-run plan and the run log show it (plain data)."""
    return {
        "number": number,
        "day": entry.day.isoformat(),
        "debits": format(entry.debits, "f"),
        "credits": format(entry.credits, "f"),
        "lines": [
            {
                "account": names[line.account],
                "posting": line.posting,
                "amount": format(line.amount, "f"),
                "customer": customer if line.account == books.accounts.receivable else None,
            }
            for line in entry.lines
        ],
        "covers": [
            {
                "kind": c.kind,
                "number": c.number,
                "amount": format(c.amount, "f"),
                "was": None if c.was is None else format(c.was, "f"),
                "change": c.change,
            }
            for c in entry.covers
        ],
    }
