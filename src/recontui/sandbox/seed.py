"""Deterministic seeded companies: the same small business kept by hand in both systems.

Generation produces a neutral plan of events (create / update / deactivate, per side,
canonical field names, references by key); ``seed_load`` replays it through each
stand-in's own write path, so seeded data obeys the same rules as API writes.
Only ``random.Random(seed)``, the anchor date and the size feed the content: same seed,
anchor and size, same companies.

``size`` (records per side, roughly) scales the demo's mix of parties and transactions
over a longer history; the lists (accounts, classes, items, taxes) stay as they are.
Without a size every scenario seeds exactly what it always has.
"""

from __future__ import annotations

import functools
import gc
import itertools
import random
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import seed_words as W
from .jsonio import clone

CENT = Decimal("0.01")
SIDES = ("qbo", "bill")
#: ``size`` bounds (records per side) and the smallest size the conflicts scenario fits in.
MIN_SIZE = 10
MAX_SIZE = 1_000_000
CONFLICTS_MIN_SIZE = 1_000
#: Days of history in the demo company.
DEMO_HISTORY_DAYS = 120
#: The demo's mix per side: customers, vendors, invoices, payments, bills, bill payments,
#: vendor credits, journal entries.
DEMO_MIX = {
    "customers": 40,
    "vendors": 30,
    "invoices": 200,
    "payments": 120,
    "bills": 150,
    "bill_payments": 100,
    "vendor_credits": 10,
    "journal_entries": 10,
}


@dataclass(slots=True)
class SeedEvent:
    at: datetime
    seq: int
    side: str  # qbo | bill
    op: str  # create | update | deactivate
    entity: str  # canonical entity name
    key: str
    fields: dict[str, Any]


@dataclass
class SeedPlan:
    anchor: date
    events: list[SeedEvent] = field(default_factory=list)

    def ordered(self) -> list[SeedEvent]:
        return sorted(self.events, key=lambda e: (e.at, e.seq))


@dataclass
class Identity:
    """Made-up credentials, stable per seed."""

    realm_id: str
    client_id: str
    client_secret: str
    refresh_token: str
    organization_id: str
    dev_key: str
    username: str
    password: str
    user_id: str


def identity(seed: int) -> Identity:
    rng = random.Random(f"identity-{seed}")
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def pick(n: int, alphabet: str = alnum) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return Identity(
        realm_id="93414530" + pick(8, "0123456789"),
        client_id="AB" + pick(48),
        client_secret=pick(40),
        refresh_token="AB11" + pick(44, "0123456789abcdef"),
        organization_id="00802" + pick(15),
        dev_key="01" + pick(34, "0123456789ABCDEF"),
        username="demo@example.com",
        password="Sandbox-" + pick(12),
        user_id="00601" + pick(15),
    )


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class _Builder:
    def __init__(self, seed: int, anchor: date, *, sized: bool = False) -> None:
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.plan = SeedPlan(anchor)
        self._seq = 0
        #: A sized company: numbered names when the word lists run out, stamps to the second,
        #: lists created on a clock that ``size_lists`` sets.
        self.sized = sized
        #: Days of history; the demo's day ranges are scaled from its 120 days.
        self.history = DEMO_HISTORY_DAYS
        self._list_clock = datetime.combine(anchor - timedelta(days=150), time(15), UTC)
        self._list_step = timedelta(minutes=3)
        self._numbered: dict[str, itertools.count[int]] = {}
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.accounts: dict[str, dict[str, Any]] = {}  # name -> record
        self.customers: list[dict[str, Any]] = []
        self.vendors: list[dict[str, Any]] = []
        self.invoices: list[dict[str, Any]] = []
        self.bills: list[dict[str, Any]] = []

    # --- event plumbing ---------------------------------------------------------------

    def emit(
        self,
        at: datetime,
        side: str,
        op: str,
        entity: str,
        key: str,
        fields: dict[str, Any],
        *,
        copied: bool = False,
    ) -> None:
        """Add one event; ``copied`` says ``fields`` is already a private copy."""
        self._seq += 1
        body = fields if copied else clone(fields)
        self.plan.events.append(SeedEvent(at, self._seq, side, op, entity, key, body))

    def create(
        self,
        at: datetime,
        entity: str,
        key: str,
        fields: dict[str, Any],
        sides: tuple[str, ...] = SIDES,
    ) -> None:
        # One copy serves both sides: the loaders only read event fields. A sized company
        # skips even that: its builder never changes a record's fields once created.
        body = fields if self.sized else clone(fields)
        for side in sides:
            self.emit(at, side, "create", entity, key, body, copied=True)

    def list_time(self) -> datetime:
        self._list_clock += self._list_step
        return self._list_clock

    def size_lists(self, history: int, list_records: int) -> None:
        """Stretch the history to ``history`` days and create the lists (``list_records``
        of them) in the month before it, so every party exists before its first use."""
        self.history = history
        self._list_clock = datetime.combine(
            self.anchor - timedelta(days=history + 30), time(15), UTC
        )
        seconds = min(180.0, 25 * 86_400 / max(1, list_records))
        self._list_step = timedelta(seconds=seconds)

    def days(self, demo_days: int) -> int:
        """A day count of the demo's 120-day history scaled to this company's history."""
        if self.history == DEMO_HISTORY_DAYS:
            return demo_days
        return max(1, round(demo_days * self.history / DEMO_HISTORY_DAYS))

    def day(self, lo: int, hi: int) -> date:
        """A date ``lo``..``hi`` days before the anchor (never the anchor itself)."""
        return self.anchor - timedelta(days=self.rng.randint(max(lo, 1), max(hi, 1)))

    def stamp(self, on: date) -> datetime:
        """An instant during that day's (US) business hours, always before the anchor."""
        at = datetime.combine(on, time(14), UTC) + timedelta(minutes=self.rng.randint(0, 479))
        if self.sized:
            at += timedelta(seconds=self.rng.randint(0, 59))
        return at

    # --- lists ------------------------------------------------------------------------

    def chart(self, rows: tuple[tuple[str, str, str, str], ...]) -> None:
        for number, name, kind, description in rows:
            rec = {"number": number, "name": name, "type": kind, "description": description}
            self.accounts[name] = rec
            self.create(self.list_time(), "account", f"acct:{number}", rec)

    def classes_and_departments(self) -> None:
        for name in W.CLASSES:
            self.create(self.list_time(), "class", f"class:{name}", {"name": name})
        for name in W.DEPARTMENTS:
            self.create(self.list_time(), "department", f"dept:{name}", {"name": name})

    def items(self) -> None:
        for name, description, price, income, _cls, _hourly in W.ITEMS:
            number = self.accounts[income]["number"]
            self.create(
                self.list_time(),
                "item",
                f"item:{name}",
                {
                    "name": name,
                    "description": description,
                    "unit_price": money(price),
                    "income_account": f"acct:{number}",
                },
            )

    def tax_rates(self) -> None:
        for name, rate, description in W.TAX_RATES:
            self.create(
                self.list_time(),
                "tax_rate",
                f"tax:{name}",
                {"name": name, "rate": Decimal(rate), "description": description},
                sides=("qbo",),
            )
        self.create(
            self.list_time(),
            "tax_code",
            "taxcode:California",
            {
                "name": "California",
                "description": "California + San Francisco",
                "rates": ["tax:California State", "tax:San Francisco County"],
            },
            sides=("qbo",),
        )

    def _unique_name(self, make: Callable[[], str]) -> str:
        name = ""
        for _ in range(4 if self.sized else 200):
            name = make()
            if name.casefold() not in self.names:
                self.names.add(name.casefold())
                return name
        if not self.sized:
            raise RuntimeError("ran out of names")
        # The word lists hold some ten thousand names: number the rest ("Oak Bay Cafe 2").
        numbers = self._numbered.setdefault(name.casefold(), itertools.count(2))
        while True:
            numbered = f"{name} {next(numbers)}"
            if numbered.casefold() not in self.names:
                self.names.add(numbered.casefold())
                return numbered

    def _contact(self, name: str) -> dict[str, Any]:
        rng = self.rng
        base = slug(name) or "contact"
        domain = f"{base}.{rng.choice(W.EMAIL_TLDS)}"
        email = f"{rng.choice(W.EMAIL_LOCALS)}@{domain}"
        tries = 0
        while email in self.emails:
            tries += 1
            if self.sized and tries > 20:
                email = f"{rng.choice(W.EMAIL_LOCALS)}{len(self.emails) + tries}@{domain}"
                continue
            email = f"{rng.choice(W.EMAIL_LOCALS)}{rng.randint(2, 99)}@{domain}"
        self.emails.add(email)
        city, region, zip_prefix, area = rng.choice(W.CITIES)
        return {
            "email": email,
            "phone": f"({area}) 555-01{rng.randint(0, 99):02d}",
            "address_line1": f"{rng.randint(10, 9999)} {rng.choice(W.STREETS)}",
            "city": city,
            "region": region,
            "postal_code": f"{zip_prefix}{rng.randint(1, 99):02d}",
            "country": "US",
        }

    def _customer_name(self) -> str:
        rng = self.rng
        pattern = rng.random()
        if pattern < 0.55:
            adjective, noun = rng.choice(W.ADJECTIVES), rng.choice(W.NOUNS)
            return f"{adjective} {noun} {rng.choice(W.CUSTOMER_KINDS)}"
        if pattern < 0.8:
            return f"{rng.choice(W.SURNAMES)} {rng.choice(W.CUSTOMER_KINDS)}"
        return f"{rng.choice(W.SURNAMES)} & {rng.choice(W.SURNAMES)}"

    def customers_(self, count: int, bill_only: int) -> None:
        specials = list(W.SPECIAL_CUSTOMERS)
        for index in range(count):
            if specials and index % 5 == 0:
                name = self._unique_name(lambda: specials.pop(0))
            else:
                name = self._unique_name(self._customer_name)
            suffix = self.rng.choice(("LLC", "Inc."))
            legal = name if self.rng.random() < 0.6 else f"{name} {suffix}"
            rec = {"name": name, "company_name": legal, **self._contact(name)}
            sides = ("bill",) if index >= count - bill_only else SIDES
            key = f"cust:{index + 1}"
            self.customers.append({"key": key, "fields": rec, "sides": sides})
            self.create(self.list_time(), "customer", key, rec, sides)

    def _vendor_name(self, kind: tuple[Any, ...]) -> str:
        return f"{self.rng.choice(W.ADJECTIVES)} {self.rng.choice(W.NOUNS)} {kind[0]}"

    def vendors_(self, count: int, qbo_only: int) -> None:
        specials = list(W.SPECIAL_VENDORS)
        for index in range(count):
            if specials and index % 4 == 0:
                special, kind_index = specials.pop(0)
                name = self._unique_name(functools.partial(str, special))  # that name itself
                kind = W.VENDOR_KINDS[kind_index]
            else:
                kind = self.rng.choice(W.VENDOR_KINDS)
                name = self._unique_name(functools.partial(self._vendor_name, kind))
            rec = {
                "name": name,
                "company_name": name if self.rng.random() < 0.5 else f"{name} LLC",
                **self._contact(name),
                "tax_id": f"{self.rng.randint(10, 99)}-{self.rng.randint(1000000, 9999999)}",
                "account_number": f"C{self.rng.randint(10000, 99999)}",
                "currency": "USD",
            }
            sides = ("qbo",) if index >= count - qbo_only else SIDES
            key = f"vend:{index + 1}"
            self.vendors.append(
                {"key": key, "fields": rec, "sides": sides, "kind": kind, "numbers": set()}
            )
            self.create(self.list_time(), "vendor", key, rec, sides)

    def deactivate(self, entity: str, key: str, sides: tuple[str, ...] = SIDES) -> None:
        at = self.list_time() + timedelta(days=20)
        for side in sides:
            self.emit(at, side, "deactivate", entity, key, {})

    # --- sales ------------------------------------------------------------------------

    def _sales_lines(self) -> list[dict[str, Any]]:
        rng = self.rng
        lines = []
        # The last item is retired in the demo company, so it is never sold.
        for name, description, price, _income, cls, hourly in rng.sample(
            W.ITEMS[:-1], rng.choice((1, 1, 2, 2, 3, 4))
        ):
            if hourly:
                qty = Decimal(rng.randint(2, 40)) / 2
            else:
                qty = Decimal(rng.choice((1, 1, 1, 2, 3)))
            unit = money(price)
            lines.append(
                {
                    "item": f"item:{name}",
                    "description": description,
                    "quantity": qty,
                    "unit_price": unit,
                    "amount": money(qty * unit),
                    "class": f"class:{cls}",
                }
            )
        return lines

    def invoice(
        self, number: int, customer: dict[str, Any], on: date, sides: tuple[str, ...]
    ) -> dict[str, Any]:
        rng = self.rng
        lines = self._sales_lines()
        rec = {
            "number": str(number),
            "customer": customer["key"],
            "date": on.isoformat(),
            "due_date": (on + timedelta(days=rng.choice((15, 30, 30, 45)))).isoformat(),
            "lines": lines,
        }
        if rng.random() < 0.35:
            rec["memo"] = rng.choice(W.INVOICE_MEMOS)
        inv = {
            "key": f"inv:{number}",
            "fields": rec,
            "sides": sides,
            "date": on,
            "total": sum((ln["amount"] for ln in lines), Decimal(0)),
            "customer": customer["key"],
            "paid": Decimal(0),
            "at": self.stamp(on),
        }
        self.invoices.append(inv)
        self.create(inv["at"], "invoice", inv["key"], rec, sides)
        return inv

    def invoices_(self, count: int, bill_only: int) -> None:
        both = [c for c in self.customers if c["sides"] == SIDES and c.get("active", True)]
        only = [c for c in self.customers if c["sides"] == ("bill",)]
        weights = [self.rng.choice((1, 1, 2, 3, 5)) for _ in both]
        # Cumulative weights once (what ``choices`` would build on every call).
        cumulative = list(itertools.accumulate(weights))
        dates = sorted(self.day(1, self.days(120)) for _ in range(count))
        for index, on in enumerate(dates):
            customer = self.rng.choices(both, cum_weights=cumulative)[0]
            self.invoice(1001 + index, customer, on, SIDES)
        for index in range(bill_only):
            customer = only[index] if index < len(only) else self.rng.choice(both)
            self.invoice(1001 + count + index, customer, self.day(1, self.days(60)), ("bill",))

    def payments(self, count: int) -> None:
        rng = self.rng
        eligible = [
            i
            for i in self.invoices
            if i["sides"] == SIDES and i["date"] <= self.anchor - timedelta(days=6)
        ]
        rng.shuffle(eligible)
        by_customer = _queues(eligible, "customer")
        made = 0
        for inv in eligible:
            if made >= count:
                break
            if inv["paid"]:
                continue
            group = [inv]
            if rng.random() < 0.12:
                mate = _first_unpaid(by_customer[inv["customer"]], inv)
                if mate is not None:
                    group.append(mate)
            applied = []
            for target in group:
                amount = target["total"]
                if len(group) == 1 and rng.random() < 0.15:
                    amount = money(target["total"] * Decimal(rng.choice((25, 40, 50))) / 100)
                target["paid"] = amount
                applied.append({"invoice": target["key"], "amount": amount})
            latest = max(t["date"] for t in group)
            on = min(latest + timedelta(days=rng.randint(3, 40)), self.anchor - timedelta(days=1))
            total = sum((a["amount"] for a in applied), Decimal(0))
            made += 1
            rec = {
                "customer": inv["customer"],
                "date": on.isoformat(),
                "amount": total,
                "reference": f"{rng.choice(('CHK', 'ACH', 'WIRE'))}-{rng.randint(10000, 99999)}",
                "applied": applied,
            }
            if rng.random() < 0.2:
                rec["memo"] = "Thank you"
            at = max(self.stamp(on), max(t["at"] for t in group) + timedelta(minutes=5))
            self.create(at, "payment", f"pay:{made}", rec)

    # --- purchases --------------------------------------------------------------------

    def _expense_lines(self, vendor: dict[str, Any], count: int) -> list[dict[str, Any]]:
        rng = self.rng
        _suffix, account, low, high = vendor["kind"]
        lines = []
        for index in range(count):
            name = (
                account
                if index == 0 or rng.random() < 0.6
                else rng.choice(
                    ("Office Supplies", "Travel", "Software Subscriptions", "Bank Charges")
                )
            )
            line = {
                "account": f"acct:{self.accounts[name]['number']}",
                "description": f"{name} - {rng.choice(W.BILL_MEMOS).lower()}",
                "amount": money(Decimal(rng.randint(low * 100, high * 100)) / 100),
            }
            if rng.random() < 0.5:
                line["class"] = f"class:{rng.choice(W.CLASSES)}"
            lines.append(line)
        return lines

    def _bill_number(self, vendor: dict[str, Any]) -> str:
        rng = self.rng
        while True:
            initials = slug(vendor["fields"]["name"])[:3].upper()
            number = rng.choice(
                (
                    f"INV-{rng.randint(1000, 99999)}",
                    f"{rng.randint(100000, 999999)}",
                    f"{initials}-{rng.randint(100, 9999)}",
                )
            )
            if number not in vendor["numbers"]:
                vendor["numbers"].add(number)
                return number

    def bills_(self, count: int, qbo_only_per_vendor: int) -> None:
        rng = self.rng
        both = [v for v in self.vendors if v["sides"] == SIDES and v.get("active", True)]
        weights = [rng.choice((1, 2, 3, 4)) for _ in both]
        cumulative = list(itertools.accumulate(weights))
        plans: list[tuple[dict[str, Any], date, tuple[str, ...]]] = [
            (rng.choices(both, cum_weights=cumulative)[0], self.day(1, self.days(120)), SIDES)
            for _ in range(count)
        ]
        for vendor in self.vendors:
            if vendor["sides"] == ("qbo",):
                plans += [
                    (vendor, self.day(1, self.days(90)), ("qbo",))
                    for _ in range(qbo_only_per_vendor)
                ]
        plans.sort(key=lambda p: p[1])
        for index, (vendor, on, sides) in enumerate(plans):
            lines = self._expense_lines(vendor, rng.choice((1, 1, 2, 3)))
            rec = {
                "number": self._bill_number(vendor),
                "vendor": vendor["key"],
                "date": on.isoformat(),
                "due_date": (on + timedelta(days=rng.choice((15, 30, 30)))).isoformat(),
                "lines": lines,
            }
            if rng.random() < 0.3:
                rec["memo"] = rng.choice(W.BILL_MEMOS)
            bill = {
                "key": f"bill:{index + 1}",
                "fields": rec,
                "sides": sides,
                "date": on,
                "vendor": vendor["key"],
                "total": sum((ln["amount"] for ln in lines), Decimal(0)),
                "paid": Decimal(0),
                "at": self.stamp(on),
            }
            self.bills.append(bill)
            self.create(bill["at"], "bill", bill["key"], rec, sides)

    def bill_payments(self, count: int) -> None:
        rng = self.rng
        eligible = [
            b
            for b in self.bills
            if b["sides"] == SIDES and b["date"] <= self.anchor - timedelta(days=4)
        ]
        rng.shuffle(eligible)
        by_vendor = _queues(eligible, "vendor")
        made = 0
        for bill in eligible:
            if made >= count:
                break
            if bill["paid"]:
                continue
            group = [bill]
            if rng.random() < 0.1:
                mate = _first_unpaid(by_vendor[bill["vendor"]], bill)
                if mate is not None:
                    group.append(mate)
            applied = []
            for target in group:
                amount = target["total"]
                if len(group) == 1 and rng.random() < 0.1:
                    amount = money(target["total"] / 2)
                target["paid"] = amount
                applied.append({"bill": target["key"], "amount": amount})
            latest = max(t["date"] for t in group)
            on = min(latest + timedelta(days=rng.randint(2, 30)), self.anchor - timedelta(days=1))
            made += 1
            rec = {
                "vendor": bill["vendor"],
                "date": on.isoformat(),
                "amount": sum((a["amount"] for a in applied), Decimal(0)),
                "reference": f"{rng.choice(('Check', 'EFT'))} {rng.randint(5000, 9999)}",
                "applied": applied,
            }
            at = max(self.stamp(on), max(t["at"] for t in group) + timedelta(minutes=5))
            self.create(at, "bill_payment", f"bp:{made}", rec)

    def vendor_credits(self, count: int) -> None:
        both = [v for v in self.vendors if v["sides"] == SIDES and v.get("active", True)]
        for index in range(count):
            vendor = self.rng.choice(both)
            on = self.day(1, self.days(110))
            lines = self._expense_lines(vendor, 1)
            lines[0]["amount"] = money(lines[0]["amount"] / 4)
            rec = {
                "number": f"VC-{2001 + index}",
                "vendor": vendor["key"],
                "date": on.isoformat(),
                "memo": "Credit for returned items",
                "lines": lines,
            }
            self.create(self.stamp(on), "vendor_credit", f"vc:{index + 1}", rec)

    def journal_entries(self, count: int) -> None:
        rng = self.rng
        pairs = (
            ("Bank Charges", "Business Checking", "Monthly bank fees", 15, 60),
            ("Savings", "Business Checking", "Transfer to reserve", 500, 3000),
            ("Equipment Loan", "Business Checking", "Loan principal payment", 400, 400),
            ("Business Checking", "Owner's Equity", "Owner contribution", 1000, 5000),
            ("Professional Fees", "Prepaid Expenses", "Insurance amortization", 120, 120),
        )
        for index in range(count):
            debit, credit, memo, low, high = pairs[index % len(pairs)]
            amount = money(Decimal(rng.randint(low * 100, high * 100)) / 100)
            on = self.day(1, self.days(118))
            rec = {
                "number": f"JE-{301 + index}",
                "date": on.isoformat(),
                "memo": memo,
                "lines": [
                    {
                        "account": f"acct:{self.accounts[debit]['number']}",
                        "posting": "debit",
                        "amount": amount,
                        "description": memo,
                    },
                    {
                        "account": f"acct:{self.accounts[credit]['number']}",
                        "posting": "credit",
                        "amount": amount,
                        "description": memo,
                    },
                ],
            }
            self.create(self.stamp(on), "journal_entry", f"je:{index + 1}", rec, sides=("qbo",))


def _queues(items: list[dict[str, Any]], party: str) -> dict[str, deque[dict[str, Any]]]:
    """``items`` by party, each queue in ``items``' order."""
    out: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
    for item in items:
        out[item[party]].append(item)
    return out


def _first_unpaid(queue: deque[dict[str, Any]], other_than: dict[str, Any]) -> Any:
    """The first unpaid item of ``queue`` except ``other_than`` (paid ones leave the front)."""
    while queue and queue[0]["paid"]:
        queue.popleft()
    return next((o for o in queue if o is not other_than and not o["paid"]), None)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: seeding allocates millions of long-lived objects
    and no cycles, so each collection would only rescan a heap that keeps growing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def check_size(size: int | None, scenario: str) -> None:
    """Raise ValueError (one sentence) unless ``size`` fits ``scenario``."""
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValueError(f"size must be a whole number of records, not {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(
            f"size must be from {MIN_SIZE:,} to {MAX_SIZE:,} records per side, not {size:,}"
        )
    if scenario == "empty":
        raise ValueError("size applies to the demo and conflicts scenarios, not to empty")
    if scenario == "conflicts" and size < CONFLICTS_MIN_SIZE:
        raise ValueError(
            f"size must be {CONFLICTS_MIN_SIZE:,} or more for the conflicts scenario, not {size:,}"
        )


def build_plan(scenario: str, seed: int, anchor: date, size: int | None = None) -> SeedPlan:
    """The events that seed ``scenario``; ``size`` scales the demo company (see module)."""
    check_size(size, scenario)
    builder = _Builder(seed, anchor, sized=size is not None)
    if scenario == "empty":
        builder.chart(W.EMPTY_ACCOUNTS)
        return builder.plan
    with paused_gc():
        if size is None:
            build_demo(builder)
        else:
            build_sized(builder, size)
        if scenario == "conflicts":
            from .seed_conflicts import add_conflicts

            add_conflicts(builder, random.Random(f"conflicts-{seed}"))
    return builder.plan


def build_demo(b: _Builder) -> None:
    b.chart(W.DEMO_ACCOUNTS)
    b.classes_and_departments()
    b.items()
    b.tax_rates()
    b.customers_(40, bill_only=3)
    b.vendors_(30, qbo_only=2)
    # A few records retired on both sides (never used by transactions).
    for customer in b.customers[-6:-4]:
        customer["active"] = False
        b.deactivate("customer", customer["key"])
    retired_vendor = b.vendors[-4]
    retired_vendor["active"] = False
    b.deactivate("vendor", retired_vendor["key"])
    b.deactivate("item", f"item:{W.ITEMS[-1][0]}")
    b.invoices_(200, bill_only=5)
    b.payments(120)
    b.bills_(150, qbo_only_per_vendor=2)
    b.bill_payments(100)
    b.vendor_credits(10)
    b.journal_entries(10)


def list_records() -> int:
    """Records the fixed lists of the demo company hold on the QBO side."""
    lists = (W.DEMO_ACCOUNTS, W.CLASSES, W.DEPARTMENTS, W.ITEMS, W.TAX_RATES)
    return sum(len(rows) for rows in lists) + 1  # and the one tax code


def sized_mix(size: int) -> dict[str, int]:
    """How many of each the demo's mix scaled to ``size`` records per side holds.

    The QBO side totals about ``size``: the lists, the parties (less the BILL-only
    customers), the transactions, and two QBO-only bills per QBO-only vendor.
    """
    scalable = max(0, size - list_records())
    # Per unit of scale the QBO side holds the mix plus 4 QBO-only bills less 3
    # BILL-only customers (the demo's proportions).
    per_unit = sum(DEMO_MIX.values()) + 1
    scale = scalable / per_unit
    mix = {name: round(count * scale) for name, count in DEMO_MIX.items()}
    mix["customers"] = max(3, mix["customers"])
    mix["vendors"] = max(3, mix["vendors"])
    mix["invoices"] = max(1, mix["invoices"])
    mix["bills"] = max(1, mix["bills"])
    mix["payments"] = min(mix["payments"], mix["invoices"])
    mix["bill_payments"] = min(mix["bill_payments"], mix["bills"])
    return mix


def history_days(size: int) -> int:
    """Days of history of a sized company: the demo's 120, growing to three years."""
    return max(DEMO_HISTORY_DAYS, min(3 * 365, size // 150))


def build_sized(b: _Builder, size: int) -> None:
    """The demo company's mix scaled to about ``size`` records per side.

    Proportions follow :func:`build_demo`: a few BILL-only customers and invoices, a few
    QBO-only vendors with bills of their own, some parties retired. The history grows
    with the size (120 days up to three years) so dates stay spread out.
    """
    mix = sized_mix(size)
    customers, vendors = mix["customers"], mix["vendors"]
    b.size_lists(history_days(size), list_records() + customers + vendors)
    b.chart(W.DEMO_ACCOUNTS)
    b.classes_and_departments()
    b.items()
    b.tax_rates()
    bill_only = customers * 3 // 40
    b.customers_(customers, bill_only=bill_only)
    qbo_only = vendors // 15
    b.vendors_(vendors, qbo_only=qbo_only)
    # Retire some parties on both sides (never used by transactions), as the demo does.
    shared = customers - bill_only
    retired = min(customers // 20, shared - 1)
    for customer in b.customers[shared - retired : shared]:
        customer["active"] = False
        b.deactivate("customer", customer["key"])
    shared = vendors - qbo_only
    retired = min(vendors // 30, shared - 1)
    for vendor in b.vendors[shared - retired : shared]:
        vendor["active"] = False
        b.deactivate("vendor", vendor["key"])
    b.deactivate("item", f"item:{W.ITEMS[-1][0]}")
    b.invoices_(mix["invoices"], bill_only=round(mix["invoices"] / 40))
    b.payments(mix["payments"])
    b.bills_(mix["bills"], qbo_only_per_vendor=2)
    b.bill_payments(mix["bill_payments"])
    b.vendor_credits(mix["vendor_credits"])
    b.journal_entries(mix["journal_entries"])
