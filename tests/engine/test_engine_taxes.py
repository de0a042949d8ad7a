"""engine/taxes.py: whether an invoice's copy takes a tax code from the tax map, and the
write it makes; engine/amounts.gap with the sales tax carried."""

from __future__ import annotations

from decimal import Decimal as D

from recontui.engine.amounts import gap
from recontui.engine.taxes import TaxNeed, ref_id, tax_need, with_tax_code
from recontui.model import ENTITIES, Ref, RemoteRef

TAX = RemoteRef("sales_tax", "0ii01CA")


def test_an_invoice_without_sales_tax_needs_no_tax_code() -> None:
    need = tax_need({"number": "1", "sales_tax": None}, {"0ii01CA": "3"})
    assert need == TaxNeed(None, None) and not need.unmapped
    assert tax_need(None, {}) == TaxNeed(None, None)


def test_a_mapped_sales_tax_gives_its_tax_code() -> None:
    need = tax_need({"sales_tax": TAX}, {"0ii01CA": "3"})
    assert need == TaxNeed("0ii01CA", "3") and not need.unmapped


def test_an_unmapped_or_blank_mapped_sales_tax_is_unmapped() -> None:
    assert tax_need({"sales_tax": TAX}, {}).unmapped
    assert tax_need({"sales_tax": TAX}, {"0ii01CA": "  "}).unmapped
    assert tax_need({"sales_tax": TAX}, {"other": "3"}) == TaxNeed("0ii01CA", None)


def test_ref_id_reads_a_remote_ref_or_a_plain_id() -> None:
    assert ref_id(TAX) == "0ii01CA"
    assert ref_id(" 0ii01CA ") == "0ii01CA"
    assert ref_id("") is None and ref_id(None) is None and ref_id(Ref("x", 1)) is None


def test_the_write_takes_the_code_and_every_line_is_marked() -> None:
    code = Ref("tax_code", 7)
    changes = {
        "number": "T-1",
        "lines": [
            {"amount": D("200.00"), "taxable": True},
            {"amount": D("50.00"), "taxable": None},  # BILL leaves it out: not taxed
            {"amount": D("5.00"), "taxable": False},
        ],
    }
    out = with_tax_code(changes, code)
    assert out["tax_code"] == code
    assert [row["taxable"] for row in out["lines"]] == [True, False, False]
    assert changes["lines"][1]["taxable"] is None and "tax_code" not in changes  # unchanged


def test_a_write_without_lines_gets_only_the_code() -> None:
    out = with_tax_code({"due_date": None}, Ref("tax_code", 7))
    assert out == {"due_date": None, "tax_code": Ref("tax_code", 7)}


def test_the_sales_tax_is_carried_only_when_the_target_recomputes_it() -> None:
    spec = ENTITIES["invoice"]
    fields = {
        "lines": [{"amount": D("200.00")}, {"amount": D("50.00")}],
        "tax": D("17.25"),
        "total": D("267.25"),
    }
    assert gap(spec, fields) is not None  # as before: the lines alone do not carry it
    assert gap(spec, fields, tax_carried=True) is None
    wrong = {**fields, "total": D("267.26")}
    held = gap(spec, wrong, tax_carried=True)
    assert held is not None and held.missing == D("0.01")
    untaxed = {"lines": [{"amount": D("10.00")}], "tax": None, "total": D("10.00")}
    assert gap(spec, untaxed, tax_carried=True) is None
