"""Whether a record's lines carry its whole amount.

recontui copies a transaction's lines, never its total: each system computes the total
from the lines it is given. That is exact only while the lines hold every cent of the
total. A QuickBooks Online invoice with a discount line, a bundle (group) line or sales
tax has a ``TotalAmt`` its mapped lines do not add up to; copying those lines alone would
make a second record for a different amount. These pure functions tell the runner when
that is so, so it can refuse the copy and say why, and check after a write that both
sides hold the same total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..model.entities import EntitySpec
from ..model.fields import FieldType


@dataclass(frozen=True)
class Gap:
    """A record's lines add up to ``lines`` but its total is ``total``."""

    lines: Decimal
    total: Decimal

    @property
    def missing(self) -> Decimal:
        """What the total holds beyond the lines (negative for a discount)."""
        return self.total - self.lines

    def words(self) -> str:
        return f"its lines add up to {self.lines:,.2f} but its total is {self.total:,.2f}"


def carries_total(spec: EntitySpec) -> bool:
    """The entity has money lines and a total the remote computes from them."""
    if not spec.has_field("total") or not spec.has_field("lines"):
        return False
    lines = spec.field("lines")
    return lines.type is FieldType.LINES and any(f.name == "amount" for f in lines.line_fields)


def lines_sum(rows: Any) -> Decimal:
    """The sum of the lines' amounts (a line without one counts as zero)."""
    total = Decimal(0)
    for row in rows or ():
        if isinstance(row, Mapping):
            amount = row.get("amount")
            if isinstance(amount, Decimal | int):
                total += Decimal(amount)
    return total


def gap(
    spec: EntitySpec, fields: Mapping[str, Any] | None, *, tax_carried: bool = False
) -> Gap | None:
    """The :class:`Gap` when the record's total is known and its lines do not add up to it,
    else None (also for entities without a total, and for a tombstone).

    ``tax_carried``: the system the lines go to computes the record's sales tax itself
    from them (engine/taxes.py: the invoice's tax code and taxable lines are written with
    them), so the tax the record holds (``tax``) is carried as well as the lines."""
    if not fields or not carries_total(spec):
        return None
    total = fields.get("total")
    if not isinstance(total, Decimal | int):
        return None
    lines = lines_sum(fields.get("lines"))
    tax = fields.get("tax")
    if tax_carried and isinstance(tax, Decimal | int):
        lines += Decimal(tax)
    if lines == Decimal(total):
        return None
    return Gap(lines, Decimal(total))


def totals_differ(
    spec: EntitySpec, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> tuple[Decimal, Decimal] | None:
    """Both sides' totals when both are known and they differ, else None."""
    if not carries_total(spec) or not a or not b:
        return None
    ta, tb = a.get("total"), b.get("total")
    if not isinstance(ta, Decimal | int) or not isinstance(tb, Decimal | int):
        return None
    if Decimal(ta) == Decimal(tb):
        return None
    return Decimal(ta), Decimal(tb)
