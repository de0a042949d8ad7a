"""The canonical entities: their fields, their natural keys, their order.

Side ``a`` is the billing system (BILL), side ``b`` the accounting ledger (QBO).
An entity that only one side has (tax rates, tax codes and journal entries live only in
the ledger) is pulled and kept, but never synced.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .fields import FieldSpec, display, is_blank
from .fields import FieldType as T

Side = Literal["a", "b"]
SIDES: tuple[Side, Side] = ("a", "b")


def other(side: Side) -> Side:
    return "b" if side == "a" else "a"


@dataclass(frozen=True)
class EntitySpec:
    name: str
    label: str
    kind: Literal["list", "transaction"]
    fields: tuple[FieldSpec, ...]
    #: Natural keys tried in order when matching a new record; a key whose parts
    #: are blank is skipped, a key that finds two candidates is ambiguous.
    keys: tuple[tuple[str, ...], ...]
    #: Which sides hold this entity. Only entities on both sides are synced.
    sides: tuple[Side, ...] = ("a", "b")
    #: The field shown as the record's name in lists.
    title_field: str = "name"

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(spec.name == name for spec in self.fields)

    def title(self, fields: Mapping[str, Any] | None) -> str:
        """The record's name as people know it: its title field ("ACH-72836"); for a
        transaction a system keeps without one (BILL's payments carry no reference), its
        amount and date ("1,250.00 on 2026-02-10"); "" when it has neither."""
        if not fields:
            return ""
        value = fields.get(self.title_field)
        if not is_blank(value):
            return display(self.field(self.title_field), value)
        if self.kind == "transaction" and self.has_field("amount") and self.has_field("date"):
            amount, on = fields.get("amount"), fields.get("date")
            if not is_blank(amount) and not is_blank(on):
                return (
                    f"{display(self.field('amount'), amount)} on {display(self.field('date'), on)}"
                )
        return ""

    @property
    def synced_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.synced)

    @property
    def synced(self) -> bool:
        return len(self.sides) == 2

    def refs(self) -> Iterator[FieldSpec]:
        """Every REF field, including those inside lines."""
        for spec in self.fields:
            if spec.type is T.REF:
                yield spec
            elif spec.type is T.LINES:
                yield from (sub for sub in spec.line_fields if sub.type is T.REF)


def F(name: str, type_: T, **kw: Any) -> FieldSpec:
    return FieldSpec(name, type_, **kw)


CURRENCY = F("currency", T.CODE, label="Currency")
ACTIVE = F("active", T.BOOL, label="Active")
#: Read for the profile's filters only (engine/filters.py), never merged, written or shown
#: beside a match: the customer's or vendor's type in its own system (QuickBooks Online
#: customer type, BILL account type) and the day its system created it.
PARTY_FILTERED = (
    F("type", T.TEXT, label="Type", synced=False, extra={"hidden": True}),
    F("created", T.DATE, label="Created", synced=False, extra={"hidden": True}),
)
ADDRESS = (
    F("address_line1", T.TEXT, label="Address"),
    F("city", T.TEXT),
    F("region", T.CODE, label="State/Region"),
    F("postal_code", T.CODE, label="Postal code"),
    F("country", T.CODE),
)

SALES_LINE = (
    F("item", T.REF, ref_entity="item"),
    F("description", T.TEXT),
    F("quantity", T.DECIMAL),
    F("unit_price", T.PRICE, label="Unit price"),
    F("amount", T.MONEY, required=True),
    F("class", T.REF, ref_entity="class"),
    # Whether the invoice's sales tax applies to the line (BILL ``taxable``, QuickBooks
    # ``TaxCodeRef`` TAX/NON): written with the lines, never compared (engine/taxes.py).
    F("taxable", T.BOOL, synced=False),
)
EXPENSE_LINE = (
    F("account", T.REF, ref_entity="account"),
    F("description", T.TEXT),
    F("amount", T.MONEY, required=True),
    F("class", T.REF, ref_entity="class"),
)
JOURNAL_LINE = (
    F("account", T.REF, ref_entity="account", required=True),
    F("posting", T.ENUM, choices=("debit", "credit"), required=True),
    F("amount", T.MONEY, required=True),
    F("description", T.TEXT),
    F("class", T.REF, ref_entity="class"),
    # The customer a line names (QuickBooks ``Entity`` of type Customer): an Accounts
    # Receivable line needs one (summarised journal entries, engine/summary.py).
    F("customer", T.REF, ref_entity="customer"),
)


def applied_lines(target: str) -> tuple[FieldSpec, ...]:
    return (
        F(target, T.REF, ref_entity=target, required=True),
        F("amount", T.MONEY, required=True, signed=False),
    )


ENTITY_LIST: tuple[EntitySpec, ...] = (
    EntitySpec(
        "account",
        "Account",
        "list",
        (
            F("name", T.NAME, required=True),
            F("number", T.CODE, label="Account number"),
            F(
                "type",
                T.ENUM,
                choices=(
                    "bank",
                    "accounts_receivable",
                    "other_current_asset",
                    "fixed_asset",
                    "other_asset",
                    "accounts_payable",
                    "credit_card",
                    "other_current_liability",
                    "long_term_liability",
                    "equity",
                    "income",
                    "other_income",
                    "cost_of_goods_sold",
                    "expense",
                    "other_expense",
                ),
                required=True,
            ),
            F("description", T.TEXT),
            ACTIVE,
        ),
        keys=(("number",), ("name",)),
    ),
    EntitySpec(
        "class",
        "Class",
        "list",
        (F("name", T.NAME, required=True), ACTIVE),
        keys=(("name",),),
    ),
    EntitySpec(
        "department",
        "Department",
        "list",
        (F("name", T.NAME, required=True), ACTIVE),
        keys=(("name",),),
    ),
    EntitySpec(
        "tax_rate",
        "Tax rate",
        "list",
        (F("name", T.NAME, required=True), F("rate", T.DECIMAL, signed=False), ACTIVE),
        keys=(("name",),),
        sides=("b",),
    ),
    EntitySpec(
        "tax_code",
        "Tax code",
        "list",
        (
            F("name", T.NAME, required=True),
            F("description", T.TEXT),
            F("taxable", T.BOOL),
            ACTIVE,
        ),
        keys=(("name",),),
        sides=("b",),
    ),
    # A billing system's sales tax (a BILL item of type SALES_TAX, its rate in percent):
    # an invoice charges one; the setup's Tax mapping step maps each to a tax code.
    EntitySpec(
        "sales_tax",
        "Sales tax",
        "list",
        (F("name", T.NAME, required=True), F("rate", T.DECIMAL, signed=False), ACTIVE),
        keys=(("name",),),
        sides=("a",),
    ),
    EntitySpec(
        "item",
        "Item",
        "list",
        (
            F("name", T.NAME, required=True),
            F("description", T.TEXT),
            F("unit_price", T.PRICE, label="Unit price"),
            F("income_account", T.REF, ref_entity="account", label="Income account"),
            ACTIVE,
        ),
        keys=(("name",),),
    ),
    EntitySpec(
        "customer",
        "Customer",
        "list",
        (
            F("name", T.NAME, required=True),
            F("company_name", T.NAME, label="Company"),
            F("email", T.EMAIL),
            F("phone", T.PHONE),
            *ADDRESS,
            CURRENCY,
            ACTIVE,
            # The customer a QuickBooks sub-customer or job sits under (``ParentRef``; its
            # ``FullyQualifiedName`` is "Parent:Child"). BILL's customers have no parent, so
            # only QuickBooks holds it: never merged, never compared, never written to BILL
            # (docs/remote-shapes.md, Customer hierarchy).
            F("parent", T.REF, ref_entity="customer", label="Parent customer", synced=False),
            *PARTY_FILTERED,
        ),
        keys=(("email",), ("name",)),
    ),
    EntitySpec(
        "vendor",
        "Vendor",
        "list",
        (
            F("name", T.NAME, required=True),
            F("company_name", T.NAME, label="Company"),
            F("email", T.EMAIL),
            F("phone", T.PHONE),
            *ADDRESS,
            F("tax_id", T.CODE, label="Tax id"),
            F("account_number", T.CODE, label="Account no."),
            CURRENCY,
            ACTIVE,
            *PARTY_FILTERED,
        ),
        keys=(("email",), ("name",)),
    ),
    EntitySpec(
        "invoice",
        "Invoice",
        "transaction",
        (
            F("number", T.CODE, label="Invoice no.", required=True),
            F("customer", T.REF, ref_entity="customer", required=True),
            F("date", T.DATE, required=True),
            F("due_date", T.DATE, label="Due date"),
            CURRENCY,
            F("memo", T.TEXT),
            F("lines", T.LINES, line_fields=SALES_LINE, required=True),
            F("total", T.MONEY, synced=False),
            # Sales tax, never merged (engine/taxes.py): the billing system's sales tax
            # the invoice charges, the accounting tax code the tax map gives a copy, and
            # the tax each system computed (part of the total).
            F("sales_tax", T.REF, ref_entity="sales_tax", label="Sales tax", synced=False),
            F("tax_code", T.REF, ref_entity="tax_code", label="Tax code", synced=False),
            F("tax", T.MONEY, label="Tax amount", synced=False),
        ),
        keys=(("number",),),
        title_field="number",
    ),
    # A customer credit memo (BILL ``/v3/credit-memos``, QuickBooks ``CreditMemo``): sold
    # lines like an invoice's, credited. Applying it to invoices is not synced.
    EntitySpec(
        "credit_memo",
        "Credit memo",
        "transaction",
        (
            F("number", T.CODE, label="Credit memo no.", required=True),
            F("customer", T.REF, ref_entity="customer", required=True),
            F("date", T.DATE, required=True),
            CURRENCY,
            F("memo", T.TEXT),
            F("lines", T.LINES, line_fields=SALES_LINE, required=True),
            F("total", T.MONEY, synced=False),
        ),
        keys=(("number", "customer"),),
        title_field="number",
    ),
    EntitySpec(
        "payment",
        "Payment received",
        "transaction",
        (
            F("customer", T.REF, ref_entity="customer", required=True),
            F("date", T.DATE, required=True),
            F("amount", T.MONEY, required=True, signed=False),
            F("reference", T.CODE, label="Reference"),
            CURRENCY,
            F("memo", T.TEXT),
            F("applied", T.LINES, line_fields=applied_lines("invoice"), label="Applied to"),
        ),
        # The last key pairs the same payment whose customer was split in two ("keep both"):
        # its customer then differs, which is a conflict for a person, never a second copy.
        keys=(
            ("reference", "customer"),
            ("customer", "date", "amount"),
            ("reference", "date", "amount"),
        ),
        title_field="reference",
    ),
    EntitySpec(
        "bill",
        "Bill",
        "transaction",
        (
            F("number", T.CODE, label="Bill no.", required=True),
            F("vendor", T.REF, ref_entity="vendor", required=True),
            F("date", T.DATE, required=True),
            F("due_date", T.DATE, label="Due date", required=True),
            CURRENCY,
            F("memo", T.TEXT),
            F("lines", T.LINES, line_fields=EXPENSE_LINE, required=True),
            F("total", T.MONEY, synced=False),
            # BILL's approval status (APPROVED, ...), read only: the profile's
            # ``only_approved_bills`` keeps unapproved bills from being copied.
            F("approval", T.CODE, label="Approval", synced=False),
        ),
        keys=(("number", "vendor"), ("number", "date", "total")),
        title_field="number",
    ),
    EntitySpec(
        "bill_payment",
        "Bill payment",
        "transaction",
        (
            F("vendor", T.REF, ref_entity="vendor", required=True),
            F("date", T.DATE, required=True),
            F("amount", T.MONEY, required=True, signed=False),
            F("reference", T.CODE, label="Reference"),
            CURRENCY,
            F("memo", T.TEXT),
            F("applied", T.LINES, line_fields=applied_lines("bill"), label="Applied to"),
        ),
        keys=(
            ("reference", "vendor"),
            ("vendor", "date", "amount"),
            ("reference", "date", "amount"),
        ),
        title_field="reference",
    ),
    EntitySpec(
        "vendor_credit",
        "Vendor credit",
        "transaction",
        (
            F("number", T.CODE, label="Credit no.", required=True),
            F("vendor", T.REF, ref_entity="vendor", required=True),
            F("date", T.DATE, required=True),
            CURRENCY,
            F("memo", T.TEXT),
            F("lines", T.LINES, line_fields=EXPENSE_LINE, required=True),
            F("total", T.MONEY, synced=False),
        ),
        keys=(("number", "vendor"),),
        title_field="number",
    ),
    EntitySpec(
        "journal_entry",
        "Journal entry",
        "transaction",
        (
            F("number", T.CODE, label="Entry no."),
            F("date", T.DATE, required=True),
            CURRENCY,
            F("memo", T.TEXT),
            F("lines", T.LINES, line_fields=JOURNAL_LINE, required=True),
        ),
        keys=(("number",),),
        sides=("b",),
        title_field="number",
    ),
)

#: Dependency order: everything an entity refers to comes before it.
ENTITIES: dict[str, EntitySpec] = {spec.name: spec for spec in ENTITY_LIST}
ORDER: tuple[str, ...] = tuple(spec.name for spec in ENTITY_LIST)
SYNCED: tuple[str, ...] = tuple(spec.name for spec in ENTITY_LIST if spec.synced)


def entity(name: str) -> EntitySpec:
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; known: {', '.join(ORDER)}") from None
