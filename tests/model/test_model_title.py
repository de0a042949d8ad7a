"""How a record is named in logs, lists and verify: its title field, else (a transaction a
system keeps without a reference, like BILL's payments) its amount and date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from recontui.model import ENTITIES


def test_a_record_is_named_by_its_title_field() -> None:
    assert ENTITIES["customer"].title({"name": "Harbor Cafe"}) == "Harbor Cafe"
    assert ENTITIES["payment"].title({"reference": "ACH-72836", "amount": Decimal(5)}) == (
        "ACH-72836"
    )


def test_a_payment_without_a_reference_is_named_by_its_amount_and_date() -> None:
    fields = {"reference": None, "amount": Decimal("1710.00"), "date": dt.date(2026, 1, 25)}
    assert ENTITIES["payment"].title(fields) == "1,710.00 on 2026-01-25"
    assert ENTITIES["bill_payment"].title({**fields, "amount": Decimal("3.5")}) == (
        "3.50 on 2026-01-25"
    )


def test_a_record_with_neither_has_no_name() -> None:
    assert ENTITIES["payment"].title({"amount": Decimal(1)}) == ""
    assert ENTITIES["customer"].title(None) == ""
    assert ENTITIES["customer"].title({"name": "  "}) == ""
