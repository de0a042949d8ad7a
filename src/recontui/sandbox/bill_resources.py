"""The BILL v3 resources the stand-in serves, and what each accepts.

Field sets follow docs/remote-shapes.md, which cites BILL's page for each (and BILL's
Postman collection "BILL v3 API" where a page shows only the required fields). Fields
outside them are refused with BDC_1002 (BILL's code for an unknown or misspelt
parameter, https://developer.bill.com/docs/common-api-error-codes), so a connector's
misspelt field names surface.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

ADDRESS = frozenset(
    {"line1", "line2", "city", "stateOrProvince", "zipOrPostalCode", "country", "countryName"}
)
#: Every classification a line or header can carry (BILL's Postman collection: bill
#: lines also take ``customerId``, changelog 2025-05-22).
CLASSIFICATIONS = frozenset(
    {
        "accountingClassId",
        "departmentId",
        "locationId",
        "chartOfAccountId",
        "itemId",
        "jobId",
        "employeeId",
        "customerId",
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
DATE_FIELDS = frozenset({"invoiceDate", "dueDate", "creditDate", "paymentDate", "processDate"})
NUMBER_FIELDS = frozenset(
    {
        "amount",
        "totalAmount",
        "dueAmount",
        "price",
        "quantity",
        "appliedAmount",
        "unappliedAmount",
        "percentage",
        "salesTaxTotal",
        "salesTaxPercentage",
    }
)
#: Item types that are a sales tax [P] ("Create an item": ``type: "SALES_TAX"``).
SALES_TAX_TYPES = frozenset({"SALES_TAX", "SALES_TAX_GROUP"})
SERVER_FIELDS = frozenset({"id", "archived", "createdTime", "updatedTime"})
#: https://developer.bill.com/docs/recording-an-ar-payment
PAYMENT_TYPES = frozenset({"CASH", "CHECK", "CREDIT_CARD", "ACH", "PAYPAL", "OTHER"})


@dataclass(frozen=True)
class LineSpec:
    field: str
    keys: frozenset[str]
    # (``dataclasses.field``: the attribute ``field`` above hides the name here)
    refs: dict[str, str] = dataclasses.field(default_factory=dict)
    #: True for money lines (amount or quantity x price); False for payment applications.
    priced: bool = True
    target: str | None = None  # payment applications: the key naming the paid record
    #: Keys a line must carry (an invoice line's ``quantity``).
    required: tuple[str, ...] = ()
    #: Id prefix of the lines (https://developer.bill.com/docs/bill-generated-ids);
    #: None: the lines carry no id.
    prefix: str | None = None


@dataclass(frozen=True)
class BillResource:
    path: str
    prefix: str
    #: The keys the stored record holds that a write may set (a request's own keys, for
    #: the resources a request creates directly).
    fields: frozenset[str]
    required: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)
    line: LineSpec | None = None
    computed: frozenset[str] = frozenset()
    nested: dict[str, frozenset[str]] = field(default_factory=dict)
    creatable: bool = True
    archivable: bool = True
    restorable: bool = True
    updatable: bool = True
    label: str = ""
    #: ``POST /v3/{path}/bulk``: the most records one request creates (0: no bulk create),
    #: and the key its answer holds them under (None: the answer is the array itself).
    bulk: int = 0
    bulk_answer: str | None = None

    @property
    def filterable(self) -> frozenset[str]:
        return self.fields | self.computed | SERVER_FIELDS


#: Bill and vendor-credit lines (BILL's Postman collection): the account is a
#: classification (``classifications.chartOfAccountId``), never a key of the line itself.
BILL_LINE_KEYS = frozenset({"id", "amount", "description", "classifications", "quantity", "price"})
CREDIT_LINE_KEYS = frozenset({"id", "amount", "description", "classifications"})
EXPENSE_LINE_REFS = dict(CLASS_REFS)

RESOURCES: tuple[BillResource, ...] = (
    BillResource(
        "vendors",
        "009",
        frozenset(
            {
                "name",
                "shortName",
                "accountType",
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
        # https://developer.bill.com/docs/creating-a-us-vendor
        required=("name", "accountType", "email", "phone"),
        computed=frozenset({"networkStatus"}),
        # https://developer.bill.com/reference/createbulkvendor: up to 20, all or nothing;
        # answered as {"vendors": [...]} [P].
        bulk=20,
        bulk_answer="vendors",
        nested={
            "address": ADDRESS,
            "additionalInfo": frozenset(
                {
                    "taxId",
                    "taxIdType",
                    "track1099",
                    "leadTimeInDays",
                    "combinePayments",
                    "paymentTermId",
                    "companyName",
                }
            ),
        },
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
                "invoiceCurrency",
            }
        ),
        # https://developer.bill.com/docs/ar-customers
        required=("name", "email"),
        nested={"billingAddress": ADDRESS, "shippingAddress": ADDRESS},
        label="customer",
    ),
    BillResource(
        "classifications/chart-of-accounts",
        "0ca",
        frozenset({"name", "description", "parentId", "account"}),
        required=("name",),
        refs={"parentId": "classifications/chart-of-accounts"},
        nested={"account": frozenset({"type", "number"})},
        label="chart of account",
        # https://developer.bill.com/reference/bulkcreateclassificationchartofaccounts
        bulk=50,
        bulk_answer="chartOfAccounts",
    ),
    BillResource(
        "classifications/accounting-classes",
        "cls",
        frozenset({"name", "shortName", "description", "parentId"}),
        required=("name",),
        refs={"parentId": "classifications/accounting-classes"},
        label="accounting class",
        # https://developer.bill.com/reference/bulkcreateclassificationaccountingclass
        bulk=50,
        bulk_answer="accountingClasses",
    ),
    BillResource(
        "classifications/departments",
        "0de",
        frozenset({"name", "shortName", "description", "parentId"}),
        required=("name",),
        refs={"parentId": "classifications/departments"},
        label="department",
        # https://developer.bill.com/reference/bulkcreateclassificationdepartment
        bulk=50,
        bulk_answer="departments",
    ),
    BillResource(
        "classifications/items",
        "0ii",
        frozenset(
            {
                "name",
                "shortName",
                "description",
                "price",
                "chartOfAccountId",
                "type",
                "parentId",
                "expenseChartOfAccountId",
                "purchaseDescription",
                "purchaseCost",
                "taxable",
                "percentage",
            }
        ),
        required=("name",),
        refs={
            "chartOfAccountId": "classifications/chart-of-accounts",
            "expenseChartOfAccountId": "classifications/chart-of-accounts",
        },
        label="item",
        # https://developer.bill.com/reference/bulkcreateclassificationitem
        bulk=50,
        bulk_answer="items",
    ),
    BillResource(
        "invoices",
        "00e",
        # Stored keys; a request names the customer as ``customer: {id}`` (or ``{name,
        # email}``) and never as ``customerId`` (https://developer.bill.com/docs/ar-invoices).
        frozenset(
            {
                "customerId",
                "invoiceNumber",
                "invoiceDate",
                "dueDate",
                "invoiceLineItems",
                "classifications",
                "payToChartOfAccountId",
                "processingOptions",
                "creditAmount",
                "salesTaxItemId",
                "enableCardPayment",
            }
        ),
        required=("customerId", "invoiceNumber", "invoiceDate", "dueDate", "invoiceLineItems"),
        refs={
            "customerId": "customers",
            "payToChartOfAccountId": "classifications/chart-of-accounts",
            # A sales-tax item (type SALES_TAX) [P]; the tax is computed (bill_store).
            "salesTaxItemId": "classifications/items",
            **CLASS_REFS,
        },
        line=LineSpec(
            "invoiceLineItems",
            frozenset(
                {"id", "amount", "description", "quantity", "price", "classifications", "taxable"}
            ),
            dict(CLASS_REFS),
            required=("quantity",),
            prefix="00f",
        ),
        computed=frozenset(
            {"totalAmount", "dueAmount", "status", "salesTaxTotal", "salesTaxPercentage"}
        ),
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
                "chartOfAccountId",
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
            "chartOfAccountId": "classifications/chart-of-accounts",
            **CLASS_REFS,
        },
        line=LineSpec("billLineItems", BILL_LINE_KEYS, EXPENSE_LINE_REFS, prefix="0bi"),
        # approvalStatus: read-only, set by BILL's approval flow (v3 bills response,
        # https://developer.bill.com/changelog/2025-09-22-new-in-v3-bill-approvals); the
        # stand-in holds it only on bills a test marks (BillOrg.set_approval).
        computed=frozenset({"amount", "dueAmount", "paymentStatus", "approvalStatus"}),
        nested={
            "invoice": frozenset({"invoiceNumber", "invoiceDate"}),
            "classifications": CLASSIFICATIONS,
        },
        label="bill",
        # https://developer.bill.com/reference/createbulkbills: up to 100, all or nothing;
        # answered as a bare array [P].
        bulk=100,
    ),
    BillResource(
        "vendor-credits",
        "vcr",
        frozenset(
            {"vendorId", "referenceNumber", "creditDate", "vendorCreditLineItems", "description"}
        ),
        required=("vendorId", "referenceNumber", "creditDate", "vendorCreditLineItems"),
        refs={"vendorId": "vendors"},
        line=LineSpec("vendorCreditLineItems", CREDIT_LINE_KEYS, EXPENSE_LINE_REFS, prefix="0vi"),
        computed=frozenset({"amount"}),
        # BILL's Postman collection: /v3/vendor-credits/{id}/archive, and no restore.
        restorable=False,
        label="vendor credit",
        # https://developer.bill.com/reference/bulkcreatevendorcredit
        bulk=50,
        bulk_answer="vendorCredits",
    ),
    # https://developer.bill.com/docs/ar-credit-memos: POST /v3/credit-memos requires
    # customerId, referenceNumber, creditDate and creditMemoLineItems; the other keys and the
    # line keys (id ``cci``, description, price, quantity, amount, classifications, taxable)
    # from https://developer.bill.com/reference/replacecreditmemo and .../bulkupdatecreditmemo.
    # Not modelled (refused as unknown): salesTaxItemId and a line's ratePercent.
    BillResource(
        "credit-memos",
        "ccr",
        frozenset(
            {
                "customerId",
                "referenceNumber",
                "creditDate",
                "description",
                "creditMemoLineItems",
                "classifications",
                "payToChartOfAccountId",
                "payToBankAccountId",
            }
        ),
        required=("customerId", "referenceNumber", "creditDate", "creditMemoLineItems"),
        refs={
            "customerId": "customers",
            "payToChartOfAccountId": "classifications/chart-of-accounts",
            **CLASS_REFS,
        },
        line=LineSpec(
            "creditMemoLineItems",
            frozenset(
                {"id", "amount", "description", "quantity", "price", "classifications", "taxable"}
            ),
            dict(CLASS_REFS),
            prefix="cci",
        ),
        computed=frozenset({"totalAmount"}),
        nested={"classifications": CLASSIFICATIONS},
        label="credit memo",
        # https://developer.bill.com/reference/bulkcreatecreditmemo
        bulk=50,
        bulk_answer="creditMemos",
    ),
    # A received payment as GET /v3/receivable-payments serves it (BILL's Postman
    # collection); it is created only by POST /v3/invoices/record-payment (RECORD_PAYMENT).
    BillResource(
        "receivable-payments",
        "0rp",
        frozenset(
            {
                "customerId",
                "paymentDate",
                "amount",
                "description",
                "referenceNumber",
                "receivablesType",
                "invoicePayments",
            }
        ),
        required=("customerId", "paymentDate", "amount", "invoicePayments"),
        refs={"customerId": "customers"},
        line=LineSpec(
            "invoicePayments",
            frozenset({"invoiceId", "amount", "paymentDate"}),
            {"invoiceId": "invoices"},
            priced=False,
            target="invoiceId",
        ),
        computed=frozenset({"status", "unappliedAmount", "onlinePayment"}),
        creatable=False,
        archivable=False,
        restorable=False,
        updatable=False,
        label="received payment",
    ),
    # A payment as GET /v3/payments serves it; recontui only records one, through POST
    # /v3/bills/record-payment (RECORD_PAYMENT).
    BillResource(
        "payments",
        "stp",
        frozenset(
            {
                "vendorId",
                "processDate",
                "description",
                "toPrintCheck",
                "classifications",
                "syncReference",
                "allowExport",
                "billPayments",
            }
        ),
        required=("vendorId", "processDate", "billPayments"),
        refs={"vendorId": "vendors", **CLASS_REFS},
        line=LineSpec(
            "billPayments",
            frozenset({"id", "billId", "amount", "vendorCredits"}),
            {"billId": "bills"},
            priced=False,
            target="billId",
            prefix="blp",
        ),
        # singleStatus: read-only, served once the payment is voided (void_payment);
        # https://developer.bill.com/docs/single-status-payment-values. checkDisbursement
        # (with checkNumber): read-only, served once BILL sends the payment as a check
        # (send_check; https://developer.bill.com/changelog/2024-08-15-check-payment-disbursement-information-improvements).
        computed=frozenset({"amount", "status", "singleStatus", "checkDisbursement"}),
        nested={"classifications": CLASSIFICATIONS},
        creatable=False,
        archivable=False,
        restorable=False,
        updatable=False,
        label="payment",
    ),
)

BY_PATH: dict[str, BillResource] = {r.path: r for r in RESOURCES}
#: ``POST /v3/payments/{paymentId}/void`` (https://developer.bill.com/reference/voidpayment):
#: ``type`` (an enum whose values the page does not print [U]: any non-blank text) and
#: ``reason`` (at most 4000 characters) required.
VOID_FIELDS = frozenset({"type", "reason"})
VOID_REASON_MAX = 4000
#: singleStatus values of a payment that no longer pays anything
#: (https://developer.bill.com/docs/single-status-payment-values).
VOIDED_STATUSES = frozenset({"VOIDED", "FUNDING_FAILED_VOIDED", "CANCELED"})
#: payment resource -> (paid resource, party field that must match).
PAYS: dict[str, tuple[str, str]] = {
    "receivable-payments": ("invoices", "customerId"),
    "payments": ("bills", "vendorId"),
}


@dataclass(frozen=True)
class RecordPayment:
    """A ``record-payment`` request: its keys, what it requires, its applications."""

    path: str
    creates: str  # the resource the recorded payment is served as
    fields: frozenset[str]
    required: tuple[str, ...]
    lines: str
    line_keys: frozenset[str]
    line_required: tuple[str, ...]


#: https://developer.bill.com/docs/recording-an-ar-payment,
#: https://developer.bill.com/hc/docs/recordinvoice (body params);
#: https://developer.bill.com/docs/record-ap-payments,
#: https://developer.bill.com/hc/reference/recordpayment (body params).
RECORD_PAYMENT: dict[str, RecordPayment] = {
    "invoices/record-payment": RecordPayment(
        "invoices/record-payment",
        "receivable-payments",
        frozenset(
            {"customerId", "paymentDate", "paymentType", "amount", "description", "invoices"}
        ),
        ("paymentDate", "paymentType", "amount", "invoices"),
        "invoices",
        frozenset({"id", "amount"}),
        ("id", "amount"),
    ),
    # The reference page also lists a payment reference and an export flag whose keys it
    # does not name in text; the record-payment answer in BILL's Postman collection calls
    # them ``syncReference`` and ``allowExport``, accepted here without more checks [U].
    "bills/record-payment": RecordPayment(
        "bills/record-payment",
        "payments",
        frozenset(
            {
                "vendorId",
                "processDate",
                "toPrintCheck",
                "classifications",
                "description",
                "syncReference",
                "allowExport",
                "payments",
            }
        ),
        ("vendorId", "processDate", "toPrintCheck", "payments"),
        "payments",
        frozenset({"billId", "amount", "vendorCredits"}),
        ("billId", "amount"),
    ),
}
