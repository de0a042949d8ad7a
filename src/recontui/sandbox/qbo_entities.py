"""Which QBO entities the stand-in serves and which properties each accepts.

A request naming a property outside an entity's schema (``qbo_schema.SCHEMA``, the
attributes its reference page documents) is refused with 2010, as the real API refuses a
property it does not know; every documented one is kept and returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from .qbo_schema import SCHEMA

#: Set by the server on every record; a client's copy is accepted and ignored.
COMMON = frozenset({"Id", "SyncToken", "sparse", "domain", "status", "MetaData"})


@dataclass(frozen=True)
class QboEntity:
    name: str  # "Customer" (query / response key)
    path: str  # "customer" (URL segment)
    kind: str  # "list" | "txn"
    writable: frozenset[str]
    #: Computed by the server; accepted in requests (clients echo reads back) but ignored.
    readonly: frozenset[str] = frozenset()
    read_only_entity: bool = False
    cdc: bool = True
    #: "Write-on-create" on the reference page: kept from a create, left as it was by an
    #: update.
    write_on_create: frozenset[str] = frozenset()

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def properties(self) -> frozenset[str]:
        return COMMON | self.writable | self.readonly


def _entity(
    name: str,
    kind: str,
    readonly: frozenset[str] = frozenset(),
    *,
    read_only_entity: bool = False,
    cdc: bool = True,
    write_on_create: frozenset[str] = frozenset(),
) -> QboEntity:
    """``name``'s entity: every schema property writable but the server's own."""
    return QboEntity(
        name,
        name.lower(),
        kind,
        SCHEMA[name] - COMMON,
        readonly,
        read_only_entity=read_only_entity,
        cdc=cdc,
        write_on_create=write_on_create,
    )


ENTITIES: tuple[QboEntity, ...] = (
    _entity(
        "Account",
        "list",
        frozenset({"FullyQualifiedName", "CurrentBalance", "CurrentBalanceWithSubAccounts"}),
    ),
    _entity("Class", "list", frozenset({"FullyQualifiedName"})),
    _entity("Department", "list", frozenset({"FullyQualifiedName"})),
    _entity("TaxRate", "list", read_only_entity=True, cdc=False),
    _entity("TaxCode", "list", read_only_entity=True, cdc=False),
    # Customer types categorise customers; the API reads them, never writes them.
    _entity("CustomerType", "list", read_only_entity=True, cdc=False),
    _entity("Item", "list", frozenset({"FullyQualifiedName", "Level"})),
    _entity(
        "Customer",
        "list",
        frozenset({"FullyQualifiedName", "Balance", "BalanceWithJobs", "Level", "IsProject"}),
        write_on_create=frozenset({"OpenBalanceDate"}),
    ),
    _entity(
        "Vendor", "list", frozenset({"Balance"}), write_on_create=frozenset({"OpenBalanceDate"})
    ),
    _entity(
        "Invoice",
        "txn",
        frozenset(
            {"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "InvoiceLink", "LinkedTxn"}
        ),
    ),
    _entity(
        "CreditMemo",
        "txn",
        frozenset({"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "RemainingCredit"}),
    ),
    _entity("Payment", "txn", frozenset({"UnappliedAmt"})),
    _entity("Bill", "txn", frozenset({"TotalAmt", "Balance", "HomeBalance", "LinkedTxn"})),
    _entity("BillPayment", "txn"),
    _entity("VendorCredit", "txn", frozenset({"TotalAmt", "Balance"})),
    _entity("JournalEntry", "txn", frozenset({"TotalAmt", "HomeTotalAmt"})),
)

#: The company-wide objects, one per company: read and queried, never stored as records.
SINGLETONS: dict[str, QboEntity] = {
    name: _entity(name, "single", read_only_entity=True, cdc=False)
    for name in ("CompanyInfo", "Preferences")
}

BY_NAME: dict[str, QboEntity] = {e.name: e for e in ENTITIES}
BY_PATH: dict[str, QboEntity] = {e.path: e for e in ENTITIES}

#: Reference property -> entity it points at. ``ParentRef`` points at its own entity.
REF_TARGETS: dict[str, str] = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "ItemRef": "Item",
    "AccountRef": "Account",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "IncomeAccountRef": "Account",
    "ExpenseAccountRef": "Account",
    "AssetAccountRef": "Account",
    "BankAccountRef": "Account",
    "CCAccountRef": "Account",
    "ARAccountRef": "Account",
    "APAccountRef": "Account",
    "DepositToAccountRef": "Account",
    "DiscountAccountRef": "Account",
    "ItemAccountRef": "Account",
    "TaxRateRef": "TaxRate",
    "TaxCodeRef": "TaxCode",
    "TxnTaxCodeRef": "TaxCode",
    "SalesTaxCodeRef": "TaxCode",
    "PurchaseTaxCodeRef": "TaxCode",
    "DefaultTaxCodeRef": "TaxCode",
    "CustomerTypeRef": "CustomerType",
}

#: US companies use these pseudo tax codes on lines instead of TaxCode ids.
PSEUDO_TAX_CODES = frozenset({"TAX", "NON"})

ACCOUNT_CLASSIFICATION: dict[str, str] = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}

ITEM_TYPES = frozenset({"Service", "NonInventory", "Inventory", "Category", "Group"})
#: Entities whose name must be unique (case-insensitive) and the property holding it.
#: Customer and Vendor share one namespace, as in QBO (with employees).
UNIQUE_NAME: dict[str, str] = {
    "Account": "Name",
    "Class": "Name",
    "Department": "Name",
    "Item": "Name",
    "Customer": "DisplayName",
    "Vendor": "DisplayName",
}
NAME_NAMESPACE: dict[str, tuple[str, ...]] = {
    "Customer": ("Customer", "Vendor"),
    "Vendor": ("Customer", "Vendor"),
}

#: Money-like numeric properties coerced to Decimal wherever they appear.
NUMERIC = frozenset(
    {
        "Amount",
        "UnitPrice",
        "Qty",
        "TotalAmt",
        "Balance",
        "RateValue",
        "ExchangeRate",
        "PurchaseCost",
        "QtyOnHand",
        "DiscountPercent",
        "TaxPercent",
        "NetAmountTaxable",
        "TotalTax",
        "UnappliedAmt",
        "CurrentBalance",
        "BillRate",
        "Deposit",
        "TaxAmount",
        "RemainingCredit",
    }
)
