"""The BILL v3 resources the stand-in serves, and what each accepts.

Field sets follow docs/remote-shapes.md; fields outside them are refused with BDC_1002
(BILL's code for unknown parameters) so a connector's misspelt field names surface.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

ADDRESS = frozenset(
    {"line1", "line2", "city", "stateOrProvince", "zipOrPostalCode", "country", "countryName"}
)
CLASSIFICATIONS = frozenset(
    {
        "accountingClassId",
        "departmentId",
        "locationId",
        "chartOfAccountId",
        "itemId",
        "jobId",
        "employeeId",
    }
)
CLASS_REFS = {
    "classifications.accountingClassId": "classifications/accounting-classes",
    "classifications.departmentId": "classifications/departments",
    "classifications.chartOfAccountId": "classifications/chart-of-accounts",
    "classifications.itemId": "classifications/items",
}
ACCOUNT_TYPES = frozenset(
    {
        "BANK",
        "ACCOUNTS_RECEIVABLE",
        "OTHER_CURRENT_ASSET",
        "FIXED_ASSET",
        "OTHER_ASSET",
        "ACCOUNTS_PAYABLE",
        "CREDIT_CARD",
        "OTHER_CURRENT_LIABILITY",
        "LONG_TERM_LIABILITY",
        "EQUITY",
        "INCOME",
        "OTHER_INCOME",
        "COST_OF_GOODS_SOLD",
        "EXPENSE",
        "OTHER_EXPENSE",
    }
)
PARTY_TYPES = frozenset({"BUSINESS", "PERSON", "NONE"})

TIME_FIELDS = frozenset({"createdTime", "updatedTime"})
DATE_FIELDS = frozenset({"invoiceDate", "dueDate", "creditDate", "paymentDate"})
NUMBER_FIELDS = frozenset(
    {"amount", "totalAmount", "dueAmount", "price", "quantity", "appliedAmount"}
)
SERVER_FIELDS = frozenset({"id", "archived", "createdTime", "updatedTime"})


@dataclass(frozen=True)
class LineSpec:
    field: str
    keys: frozenset[str]
    # (``dataclasses.field``: the attribute ``field`` above hides the name here)
    refs: dict[str, str] = dataclasses.field(default_factory=dict)
    #: True for money lines (amount or quantity x price); False for payment applications.
    priced: bool = True
    target: str | None = None  # payment applications: the key naming the paid record


@dataclass(frozen=True)
class BillResource:
    path: str
    prefix: str
    fields: frozenset[str]
    required: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)
    line: LineSpec | None = None
    computed: frozenset[str] = frozenset()
    nested: dict[str, frozenset[str]] = field(default_factory=dict)
    creatable: bool = True
    archivable: bool = True
    label: str = ""

    @property
    def filterable(self) -> frozenset[str]:
        return self.fields | self.computed | SERVER_FIELDS


EXPENSE_LINE_KEYS = frozenset(
    {"id", "amount", "description", "chartOfAccountId", "classifications", "quantity", "price"}
)
EXPENSE_LINE_REFS = {"chartOfAccountId": "classifications/chart-of-accounts", **CLASS_REFS}

RESOURCES: tuple[BillResource, ...] = (
    BillResource(
        "vendors",
        "009",
        frozenset(
            {
                "name",
                "shortName",
                "accountType",
                "companyName",
                "email",
                "phone",
                "address",
                "accountNumber",
                "additionalInfo",
                "billCurrency",
                "paymentInformation",
                "description",
            }
        ),
        required=("name",),
        computed=frozenset({"networkStatus"}),
        nested={"address": ADDRESS},
        label="vendor",
    ),
    BillResource(
        "customers",
        "0cu",
        frozenset(
            {
                "name",
                "companyName",
                "email",
                "phone",
                "billingAddress",
                "shippingAddress",
                "accountType",
                "accountNumber",
                "description",
                "contact",
            }
        ),
        required=("name",),
        nested={"billingAddress": ADDRESS, "shippingAddress": ADDRESS},
        label="customer",
    ),
    BillResource(
        "classifications/chart-of-accounts",
        "0ca",
        frozenset({"name", "accountNumber", "accountType", "description", "parentId"}),
        required=("name", "accountType"),
        refs={"parentId": "classifications/chart-of-accounts"},
        label="chart of account",
    ),
    BillResource(
        "classifications/accounting-classes",
        "0cl",
        frozenset({"name", "shortName", "description", "parentId"}),
        required=("name",),
        refs={"parentId": "classifications/accounting-classes"},
        label="accounting class",
    ),
    BillResource(
        "classifications/departments",
        "0dp",
        frozenset({"name", "shortName", "description", "parentId"}),
        required=("name",),
        refs={"parentId": "classifications/departments"},
        label="department",
    ),
    BillResource(
        "classifications/items",
        "0ii",
        frozenset({"name", "shortName", "description", "price", "chartOfAccountId", "type"}),
        required=("name",),
        refs={"chartOfAccountId": "classifications/chart-of-accounts"},
        label="item",
    ),
    BillResource(
        "invoices",
        "00e",
        frozenset(
            {
                "customerId",
                "invoiceNumber",
                "invoiceDate",
                "dueDate",
                "description",
                "invoiceLineItems",
                "poNumber",
                "classifications",
            }
        ),
        required=("customerId", "invoiceNumber", "invoiceDate", "dueDate", "invoiceLineItems"),
        refs={"customerId": "customers", **CLASS_REFS},
        line=LineSpec(
            "invoiceLineItems",
            frozenset(
                {
                    "id",
                    "amount",
                    "description",
                    "itemId",
                    "quantity",
                    "price",
                    "classifications",
                    "taxable",
                }
            ),
            {"itemId": "classifications/items", **CLASS_REFS},
        ),
        computed=frozenset({"totalAmount", "dueAmount", "status"}),
        nested={"classifications": CLASSIFICATIONS},
        label="invoice",
    ),
    BillResource(
        "bills",
        "00n",
        frozenset(
            {
                "vendorId",
                "dueDate",
                "billLineItems",
                "invoice",
                "description",
                "classifications",
                "payFromChartOfAccountId",
            }
        ),
        required=(
            "vendorId",
            "dueDate",
            "billLineItems",
            "invoice.invoiceNumber",
            "invoice.invoiceDate",
        ),
        refs={
            "vendorId": "vendors",
            "payFromChartOfAccountId": "classifications/chart-of-accounts",
            **CLASS_REFS,
        },
        line=LineSpec("billLineItems", EXPENSE_LINE_KEYS, EXPENSE_LINE_REFS),
        computed=frozenset({"amount", "dueAmount", "paymentStatus"}),
        nested={
            "invoice": frozenset({"invoiceNumber", "invoiceDate"}),
            "classifications": CLASSIFICATIONS,
        },
        label="bill",
    ),
    BillResource(
        "vendor-credits",
        "vcr",
        frozenset(
            {"vendorId", "referenceNumber", "creditDate", "vendorCreditLineItems", "description"}
        ),
        required=("vendorId", "referenceNumber", "creditDate", "vendorCreditLineItems"),
        refs={"vendorId": "vendors"},
        line=LineSpec("vendorCreditLineItems", EXPENSE_LINE_KEYS, EXPENSE_LINE_REFS),
        computed=frozenset({"amount"}),
        label="vendor credit",
    ),
    BillResource(
        "receivable-payments",
        "0rp",
        frozenset(
            {
                "customerId",
                "paymentDate",
                "amount",
                "referenceNumber",
                "description",
                "paymentType",
                "invoices",
            }
        ),
        required=("customerId", "paymentDate", "invoices"),
        refs={"customerId": "customers"},
        line=LineSpec(
            "invoices",
            frozenset({"invoiceId", "amount"}),
            {"invoiceId": "invoices"},
            priced=False,
            target="invoiceId",
        ),
        computed=frozenset({"status"}),
        creatable=False,
        archivable=False,
        label="receivable payment",
    ),
    BillResource(
        "payments",
        "stp",
        frozenset(
            {
                "vendorId",
                "paymentDate",
                "amount",
                "referenceNumber",
                "description",
                "paymentType",
                "bills",
            }
        ),
        required=("vendorId", "paymentDate", "bills"),
        refs={"vendorId": "vendors"},
        line=LineSpec(
            "bills",
            frozenset({"billId", "amount"}),
            {"billId": "bills"},
            priced=False,
            target="billId",
        ),
        computed=frozenset({"status"}),
        creatable=False,
        archivable=False,
        label="payment",
    ),
)

BY_PATH: dict[str, BillResource] = {r.path: r for r in RESOURCES}
#: record-payment endpoint -> the resource it creates.
RECORD_PAYMENT: dict[str, str] = {
    "invoices/record-payment": "receivable-payments",
    "bills/record-payment": "payments",
}
#: payment resource -> (paid resource, party field that must match).
PAYS: dict[str, tuple[str, str]] = {
    "receivable-payments": ("invoices", "customerId"),
    "payments": ("bills", "vendorId"),
}
