"""engine/taxes.py: an invoice whose billing record charges no sales tax is written to the
accounting system with every line marked not taxable, so the accounting system adds no tax
of its own (a line sent without a mark takes its item's taxability)."""

from __future__ import annotations

from decimal import Decimal as D

from recontui.engine.taxes import charges_none, without_tax
from recontui.model import RemoteRef

TAX = RemoteRef("sales_tax", "0ii01CA")
UNTAXED = {"number": "1201", "sales_tax": None}


def test_a_create_from_a_record_charging_no_sales_tax_marks_its_lines() -> None:
    assert charges_none(UNTAXED, None, create=True, tax_codes=True)
    assert charges_none({"number": "1201"}, None, create=True, tax_codes=True)  # no key


def test_a_record_charging_a_sales_tax_is_left_to_the_tax_map() -> None:
    assert not charges_none({"sales_tax": TAX}, None, create=True, tax_codes=True)


def test_a_company_without_a_tax_code_gets_no_marks() -> None:
    """It taxes nothing: its lines are left unmarked, as before."""
    assert not charges_none(UNTAXED, None, create=True, tax_codes=False)


def test_an_update_marks_the_lines_only_while_the_copy_holds_no_tax() -> None:
    for held in (None, D("0"), D("0.00"), 0):
        assert charges_none(UNTAXED, {"tax": held}, create=False, tax_codes=True)
    assert charges_none(UNTAXED, {}, create=False, tax_codes=True)
    # A copy with a tax of its own (made in the accounting system) keeps its marks.
    assert not charges_none(UNTAXED, {"tax": D("17.25")}, create=False, tax_codes=True)


def test_every_line_written_is_marked_not_taxable_and_no_code_is_added() -> None:
    changes = {
        "number": "1201",
        "lines": [
            {"amount": D("175.00"), "taxable": None},
            {"amount": D("1800.00"), "taxable": True},  # BILL's mark, but BILL taxes nothing
            {"amount": D("5.00")},
        ],
    }
    out = without_tax(changes)
    assert [row["taxable"] for row in out["lines"]] == [False, False, False]
    assert "tax_code" not in out and out["number"] == "1201"
    assert changes["lines"][1]["taxable"] is True and "taxable" not in changes["lines"][2]


def test_a_write_without_lines_is_unchanged() -> None:
    assert without_tax({"due_date": None}) == {"due_date": None}
