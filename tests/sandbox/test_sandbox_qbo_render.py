"""The QuickBooks stand-in renders a record in one pass (issue 15: copying each record and
walking it again to name its references was 66% of the stand-in's CPU in a pull): the same
answer as that copy-then-name, still a copy the caller may change freely."""

from __future__ import annotations

from typing import Any

from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.jsonio import clone
from recontui.sandbox.qbo_store import REF_TARGETS, QboCompany

ENTITIES = ("Customer", "Vendor", "Item", "Account", "Invoice", "Payment", "Bill", "BillPayment")


def copy_then_name(company: QboCompany, rec: dict[str, Any]) -> dict[str, Any]:
    """The render as it was: a deep copy, then every reference named from its target."""
    out = clone(rec)

    def name(value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if isinstance(sub, dict) and "value" in sub and key in REF_TARGETS:
                    target = company.find(REF_TARGETS[key], sub["value"])
                    if target is not None:
                        named = (
                            target.get("FullyQualifiedName")
                            or target.get("DisplayName")
                            or target.get("Name")
                        )
                        if named:
                            sub["name"] = named
                else:
                    name(sub)
        elif isinstance(value, list):
            for sub in value:
                name(sub)

    name(out)
    return out


def test_every_record_renders_as_copy_then_name_and_is_a_copy() -> None:
    company = Sandbox(SandboxConfig(seed=7, scenario="conflicts")).qbo_company
    records = [rec for entity in ENTITIES for _, rec in company.rows(entity)]
    assert len(records) > 500
    for rec in records:
        assert company.render(rec) == copy_then_name(company, rec)
    invoice = next(r for r in records if r.get("Line") and r.get("CustomerRef"))
    before = clone(invoice)
    shown = company.render(invoice)
    shown["CustomerRef"]["value"] = "changed"
    shown["Line"][0]["Amount"] = 0
    shown["Line"].append({})
    assert invoice == before
