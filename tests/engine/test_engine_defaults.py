"""engine/defaults.py and the line fields of engine/required.py: the accounts QuickBooks
Online requires that BILL may not hold (an expense line's account, a Service item's income
account), how the profile's default accounts fill them, and how the billing side's record
reads against the accounting side's copy once that copy holds an account BILL does not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from recontui.engine.defaults import Account, as_booked, default_for, fill_defaults
from recontui.engine.required import Held, Lack, held_for, split_write
from recontui.model import Ref
from recontui.model.states import OpKind

D = Decimal
QBO_BILL = ("lines.account",)
QBO_ITEM = ("income_account",)
OFFICE, SUPPLIES, DEFAULT = Ref("account", 1), Ref("account", 2), Ref("account", 9)
ACCOUNTS = {Account.EXPENSE: DEFAULT, Account.INCOME: Ref("account", 8)}


def line(amount: str, description: str, account: Ref | None = None) -> dict[str, Any]:
    return {"amount": D(amount), "description": description, "account": account, "class": None}


def test_a_create_whose_lines_lack_an_account_is_held_naming_the_lines() -> None:
    bill = {"number": "B-1", "lines": [line("40", "Paper", OFFICE), line("60", "Toner")]}
    split = split_write(OpKind.CREATE, QBO_BILL, bill)
    assert split.send == {} and split.held == bill
    assert split.why == Held(Lack.MISSING, ("lines.account",), (2,))


def test_an_update_holds_only_the_lines_that_lack_an_account() -> None:
    changes = {"memo": "pens too", "lines": [line("40", "Paper", OFFICE), line("15", "Pens")]}
    split = split_write(OpKind.UPDATE, QBO_BILL, changes)
    assert split.send == {"memo": "pens too"}
    assert split.held == {"lines": changes["lines"]}
    assert split.why == Held(Lack.BLANKED, ("lines.account",), (2,))
    assert held_for(OpKind.UPDATE, QBO_BILL, {"memo": "x"}) is None
    assert held_for(OpKind.CREATE, QBO_BILL, {"lines": [line("1", "a", OFFICE)]}) is None


def test_which_default_fills_which_field() -> None:
    assert default_for("bill", "lines.account") is Account.EXPENSE
    assert default_for("vendor_credit", "lines.account") is Account.EXPENSE
    assert default_for("item", "income_account") is Account.INCOME
    assert default_for("customer", "name") is None
    assert default_for("invoice", "lines.account") is None


def test_the_default_fills_only_blank_lines_and_blank_fields() -> None:
    bill = {"lines": [line("40", "Paper", OFFICE), line("60", "Toner")]}
    filled = fill_defaults(OpKind.CREATE, "bill", QBO_BILL, bill, ACCOUNTS)
    assert [row["account"] for row in filled["lines"]] == [OFFICE, DEFAULT]
    assert bill["lines"][1]["account"] is None  # the record itself is left alone
    item = fill_defaults(OpKind.CREATE, "item", QBO_ITEM, {"name": "Consulting"}, ACCOUNTS)
    assert item == {"name": "Consulting", "income_account": Ref("account", 8)}
    # An update fills only what it writes.
    assert fill_defaults(OpKind.UPDATE, "item", QBO_ITEM, {"name": "C"}, ACCOUNTS) == {"name": "C"}
    blanked = fill_defaults(OpKind.UPDATE, "item", QBO_ITEM, {"income_account": None}, ACCOUNTS)
    assert blanked == {"income_account": Ref("account", 8)}


def test_without_a_default_or_a_requirement_nothing_is_filled() -> None:
    bill = {"lines": [line("60", "Toner")]}
    assert fill_defaults(OpKind.CREATE, "bill", QBO_BILL, bill, {}) == bill
    assert fill_defaults(OpKind.CREATE, "bill", (), bill, ACCOUNTS) == bill  # BILL: none
    customer = {"name": "Acme"}
    assert fill_defaults(OpKind.CREATE, "customer", ("name",), customer, ACCOUNTS) == customer


def test_a_blank_line_account_reads_as_the_account_its_copy_is_booked_to() -> None:
    billing = {"memo": "m", "lines": [line("40", "Paper", OFFICE), line("60", "Toner")]}
    booked = {"memo": "m", "lines": [line("40", "Paper", OFFICE), line("60", "Toner", SUPPLIES)]}
    seen = as_booked("bill", QBO_BILL, billing, booked)
    assert seen == booked
    assert billing["lines"][1]["account"] is None


def test_an_edited_line_keeps_the_account_of_the_line_it_continues() -> None:
    billing = {"lines": [line("45", "Paper", OFFICE), line("65", "Toner")]}
    booked = {"lines": [line("40", "Paper", OFFICE), line("60", "Toner", SUPPLIES)]}
    seen = as_booked("bill", QBO_BILL, billing, booked)
    assert [row["account"] for row in seen["lines"]] == [OFFICE, SUPPLIES]
    assert [row["amount"] for row in seen["lines"]] == [D("45"), D("65")]


def test_a_new_line_without_account_stays_blank_and_moved_lines_follow_their_copy() -> None:
    billing = {"lines": [line("15", "Pens"), line("60", "Toner"), line("40", "Paper", OFFICE)]}
    booked = {"lines": [line("40", "Paper", OFFICE), line("60", "Toner", SUPPLIES)]}
    seen = as_booked("bill", QBO_BILL, billing, booked)
    assert [row["account"] for row in seen["lines"]] == [None, SUPPLIES, OFFICE]


def test_an_account_the_billing_side_holds_is_its_own() -> None:
    billing = {"lines": [line("60", "Toner", OFFICE)], "income_account": None}
    booked = {"lines": [line("60", "Toner", SUPPLIES)]}
    assert as_booked("bill", QBO_BILL, billing, booked)["lines"] == billing["lines"]
    item = as_booked("item", QBO_ITEM, {"income_account": None}, {"income_account": SUPPLIES})
    assert item == {"income_account": SUPPLIES}
    own = as_booked("item", QBO_ITEM, {"income_account": OFFICE}, {"income_account": SUPPLIES})
    assert own == {"income_account": OFFICE}
    assert as_booked("customer", ("name",), {"name": None}, {"name": "Acme"}) == {"name": None}
