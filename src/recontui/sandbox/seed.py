"""Deterministic seeded companies: the same small business kept by hand in both systems.

Generation produces a neutral plan of events (create / update / deactivate, per side,
canonical field names, references by key); ``seed_load`` replays it through each
stand-in's own write path, so seeded data obeys the same rules as API writes.
Only ``random.Random(seed)`` and the anchor date feed the content: same seed and anchor,
same companies.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import seed_words as W
from .jsonio import clone

CENT = Decimal("0.01")
SIDES = ("qbo", "bill")


@dataclass
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
    def __init__(self, seed: int, anchor: date) -> None:
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.plan = SeedPlan(anchor)
        self._seq = 0
        self._list_clock = datetime.combine(anchor - timedelta(days=150), time(15), UTC)
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.accounts: dict[str, dict[str, Any]] = {}  # name -> record
        self.customers: list[dict[str, Any]] = []
        self.vendors: list[dict[str, Any]] = []
        self.invoices: list[dict[str, Any]] = []
        self.bills: list[dict[str, Any]] = []

    # --- event plumbing ---------------------------------------------------------------

    def emit(
        self, at: datetime, side: str, op: str, entity: str, key: str, fields: dict[str, Any]
    ) -> None:
        self._seq += 1
        self.plan.events.append(SeedEvent(at, self._seq, side, op, entity, key, clone(fields)))

    def create(
        self,
        at: datetime,
        entity: str,
        key: str,
        fields: dict[str, Any],
        sides: tuple[str, ...] = SIDES,
    ) -> None:
        for side in sides:
            self.emit(at, side, "create", entity, key, fields)

    def list_time(self) -> datetime:
        self._list_clock += timedelta(minutes=3)
        return self._list_clock

    def day(self, lo: int, hi: int) -> date:
        """A date ``lo``..``hi`` days before the anchor (never the anchor itself)."""
        return self.anchor - timedelta(days=self.rng.randint(max(lo, 1), max(hi, 1)))

    def stamp(self, on: date) -> datetime:
        """An instant during that day's (US) business hours, always before the anchor."""
        return datetime.combine(on, time(14), UTC) + timedelta(minutes=self.rng.randint(0, 479))

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

    def _unique_name(self, make: Any) -> str:
        for _ in range(200):
            name = make()
            if name.casefold() not in self.names:
                self.names.add(name.casefold())
                return name
        raise RuntimeError("ran out of names")

    def _contact(self, name: str) -> dict[str, Any]:
        rng = self.rng
        base = slug(name) or "contact"
        domain = f"{base}.{rng.choice(W.EMAIL_TLDS)}"
        email = f"{rng.choice(W.EMAIL_LOCALS)}@{domain}"
        while email in self.emails:
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

    def vendors_(self, count: int, qbo_only: int) -> None:
        specials = list(W.SPECIAL_VENDORS)
        for index in range(count):
            if specials and index % 4 == 0:
                special, kind_index = specials.pop(0)
                name = self._unique_name(lambda s=special: s)
                kind = W.VENDOR_KINDS[kind_index]
            else:
                kind = self.rng.choice(W.VENDOR_KINDS)
                name = self._unique_name(
                    lambda k=kind: (
                        f"{self.rng.choice(W.ADJECTIVES)} {self.rng.choice(W.NOUNS)} {k[0]}"
                    )
                )
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
        dates = sorted(self.day(1, 120) for _ in range(count))
        for index, on in enumerate(dates):
            customer = self.rng.choices(both, weights)[0]
            self.invoice(1001 + index, customer, on, SIDES)
        for index in range(bill_only):
            customer = only[index] if index < len(only) else self.rng.choice(both)
            self.invoice(1001 + count + index, customer, self.day(1, 60), ("bill",))

    def payments(self, count: int) -> None:
        rng = self.rng
        eligible = [
            i
            for i in self.invoices
            if i["sides"] == SIDES and i["date"] <= self.anchor - timedelta(days=6)
        ]
        rng.shuffle(eligible)
        made = 0
        for inv in eligible:
            if made >= count:
                break
            if inv["paid"]:
                continue
            group = [inv]
            if rng.random() < 0.12:
                mates = [
                    o
                    for o in eligible
                    if o is not inv and not o["paid"] and o["customer"] == inv["customer"]
                ]
                if mates:
                    group.append(mates[0])
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
        plans = [(rng.choices(both, weights)[0], self.day(1, 120), SIDES) for _ in range(count)]
        for vendor in self.vendors:
            if vendor["sides"] == ("qbo",):
                plans += [(vendor, self.day(1, 90), ("qbo",)) for _ in range(qbo_only_per_vendor)]
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
        made = 0
        for bill in eligible:
            if made >= count:
                break
            if bill["paid"]:
                continue
            group = [bill]
            if rng.random() < 0.1:
                mates = [
                    o
                    for o in eligible
                    if o is not bill and not o["paid"] and o["vendor"] == bill["vendor"]
                ]
                if mates:
                    group.append(mates[0])
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
            on = self.day(1, 110)
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
            on = self.day(1, 118)
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


def build_plan(scenario: str, seed: int, anchor: date) -> SeedPlan:
    builder = _Builder(seed, anchor)
    if scenario == "empty":
        builder.chart(W.EMPTY_ACCOUNTS)
        return builder.plan
    build_demo(builder)
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
