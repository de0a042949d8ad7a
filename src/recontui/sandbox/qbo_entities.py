"""Which QBO entities the stand-in serves and which properties each accepts.

A request naming a property outside these sets is refused (2010), as the real API
refuses unknown properties; the sets follow the contract's entity shapes (1.12).
"""

from __future__ import annotations

from dataclasses import dataclass

COMMON = frozenset({"Id", "SyncToken", "sparse", "domain", "MetaData"})
ADDRESS = frozenset(
    {
        "Id",
        "Line1",
        "Line2",
        "Line3",
        "Line4",
        "Line5",
        "City",
        "Country",
        "CountrySubDivisionCode",
        "PostalCode",
        "Lat",
        "Long",
    }
)
TXN_COMMON = frozenset(
    {
        "DocNumber",
        "TxnDate",
        "CurrencyRef",
        "ExchangeRate",
        "PrivateNote",
        "Line",
        "TxnTaxDetail",
        "DepartmentRef",
        "LinkedTxn",
        "CustomField",
        "TxnSource",
        "GlobalTaxCalculation",
        "HomeTotalAmt",
        "TotalAmt",
    }
)


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

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def properties(self) -> frozenset[str]:
        return COMMON | self.writable | self.readonly


PARTY = frozenset(
    {
        "DisplayName",
        "Title",
        "GivenName",
        "MiddleName",
        "FamilyName",
        "Suffix",
        "CompanyName",
        "PrintOnCheckName",
        "Active",
        "PrimaryEmailAddr",
        "PrimaryPhone",
        "Mobile",
        "AlternatePhone",
        "Fax",
        "BillAddr",
        "CurrencyRef",
        "Notes",
        "WebAddr",
        "OtherContactInfo",
    }
)

ENTITIES: tuple[QboEntity, ...] = (
    QboEntity(
        "Account",
        "account",
        "list",
        frozenset(
            {
                "Name",
                "AcctNum",
                "SubAccount",
                "ParentRef",
                "Active",
                "Classification",
                "AccountType",
                "AccountSubType",
                "Description",
                "CurrencyRef",
                "TaxCodeRef",
            }
        ),
        frozenset({"FullyQualifiedName", "CurrentBalance", "CurrentBalanceWithSubAccounts"}),
    ),
    QboEntity(
        "Class",
        "class",
        "list",
        frozenset({"Name", "SubClass", "ParentRef", "Active"}),
        frozenset({"FullyQualifiedName"}),
    ),
    QboEntity(
        "Department",
        "department",
        "list",
        frozenset({"Name", "SubDepartment", "ParentRef", "Active"}),
        frozenset({"FullyQualifiedName"}),
    ),
    QboEntity(
        "TaxRate",
        "taxrate",
        "list",
        frozenset(
            {
                "Name",
                "Description",
                "RateValue",
                "SpecialTaxType",
                "Active",
                "DisplayType",
                "EffectiveTaxRate",
                "AgencyRef",
                "TaxReturnLineRef",
            }
        ),
        read_only_entity=True,
        cdc=False,
    ),
    QboEntity(
        "TaxCode",
        "taxcode",
        "list",
        frozenset(
            {
                "Name",
                "Description",
                "Taxable",
                "TaxGroup",
                "Active",
                "SalesTaxRateList",
                "PurchaseTaxRateList",
            }
        ),
        read_only_entity=True,
        cdc=False,
    ),
    QboEntity(
        "Item",
        "item",
        "list",
        frozenset(
            {
                "Name",
                "Sku",
                "Description",
                "Active",
                "Type",
                "UnitPrice",
                "Taxable",
                "IncomeAccountRef",
                "ExpenseAccountRef",
                "AssetAccountRef",
                "TrackQtyOnHand",
                "QtyOnHand",
                "InvStartDate",
                "PurchaseCost",
                "PurchaseDesc",
                "SalesTaxCodeRef",
                "PurchaseTaxCodeRef",
                "ParentRef",
                "SubItem",
            }
        ),
        frozenset({"FullyQualifiedName"}),
    ),
    QboEntity(
        "Customer",
        "customer",
        "list",
        PARTY
        | frozenset(
            {
                "Job",
                "IsProject",
                "ParentRef",
                "Level",
                "BillWithParent",
                "Taxable",
                "DefaultTaxCodeRef",
                "ShipAddr",
                "SalesTermRef",
                "PaymentMethodRef",
                "ARAccountRef",
                "PreferredDeliveryMethod",
                "ResaleNum",
            }
        ),
        frozenset({"FullyQualifiedName", "Balance", "BalanceWithJobs"}),
    ),
    QboEntity(
        "Vendor",
        "vendor",
        "list",
        PARTY
        | frozenset(
            {"TaxIdentifier", "Vendor1099", "AcctNum", "BillRate", "TermRef", "APAccountRef"}
        ),
        frozenset({"Balance"}),
    ),
    QboEntity(
        "Invoice",
        "invoice",
        "txn",
        TXN_COMMON
        | frozenset(
            {
                "CustomerRef",
                "DueDate",
                "Deposit",
                "ApplyTaxAfterDiscount",
                "SalesTermRef",
                "ClassRef",
                "BillAddr",
                "ShipAddr",
                "BillEmail",
                "CustomerMemo",
                "EmailStatus",
                "PrintStatus",
                "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment",
                "AllowIPNPayment",
                "AllowOnlinePayment",
                "ShipDate",
                "TrackingNum",
                "ShipMethodRef",
            }
        ),
        frozenset({"TotalAmt", "Balance", "HomeBalance", "InvoiceLink", "LinkedTxn"}),
    ),
    QboEntity(
        "Payment",
        "payment",
        "txn",
        TXN_COMMON
        | frozenset(
            {
                "CustomerRef",
                "PaymentRefNum",
                "PaymentMethodRef",
                "DepositToAccountRef",
                "ARAccountRef",
                "TxnStatus",
                "ProcessPayment",
            }
        ),
        frozenset({"UnappliedAmt"}),
    ),
    QboEntity(
        "Bill",
        "bill",
        "txn",
        TXN_COMMON
        | frozenset({"VendorRef", "DueDate", "APAccountRef", "SalesTermRef", "VendorAddr"}),
        frozenset({"TotalAmt", "Balance", "LinkedTxn"}),
    ),
    QboEntity(
        "BillPayment",
        "billpayment",
        "txn",
        TXN_COMMON
        | frozenset(
            {
                "VendorRef",
                "PayType",
                "CheckPayment",
                "CreditCardPayment",
                "APAccountRef",
                "ProcessBillPayment",
            }
        ),
    ),
    QboEntity(
        "VendorCredit",
        "vendorcredit",
        "txn",
        TXN_COMMON | frozenset({"VendorRef", "APAccountRef"}),
        frozenset({"TotalAmt", "Balance"}),
    ),
    QboEntity(
        "JournalEntry",
        "journalentry",
        "txn",
        TXN_COMMON | frozenset({"Adjustment"}),
        frozenset({"TotalAmt"}),
    ),
)

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
    }
)
