"""Replaying a seed plan into the two stand-ins, each in its own wire vocabulary.

The mapping from canonical fields to wire fields follows docs/remote-shapes.md; it is
written here independently of recontui's connectors on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .bill_resources import BY_PATH as BILL_RESOURCES
from .bill_store import BillOrg
from .qbo_entities import BY_NAME as QBO_ENTITIES
from .qbo_store import QboCompany
from .seed import SeedEvent, SeedPlan, paused_gc

QBO_ENTITY = {
    "account": "Account",
    "class": "Class",
    "department": "Department",
    "item": "Item",
    "customer": "Customer",
    "vendor": "Vendor",
    "invoice": "Invoice",
    "payment": "Payment",
    "bill": "Bill",
    "bill_payment": "BillPayment",
    "vendor_credit": "VendorCredit",
    "journal_entry": "JournalEntry",
}
QBO_ACCOUNT_TYPE = {
    "bank": "Bank",
    "accounts_receivable": "Accounts Receivable",
    "other_current_asset": "Other Current Asset",
    "fixed_asset": "Fixed Asset",
    "accounts_payable": "Accounts Payable",
    "credit_card": "Credit Card",
    "other_current_liability": "Other Current Liability",
    "long_term_liability": "Long Term Liability",
    "equity": "Equity",
    "income": "Income",
    "other_income": "Other Income",
    "cost_of_goods_sold": "Cost of Goods Sold",
    "expense": "Expense",
    "other_expense": "Other Expense",
}
BILL_RESOURCE = {
    "account": "classifications/chart-of-accounts",
    "class": "classifications/accounting-classes",
    "department": "classifications/departments",
    "item": "classifications/items",
    "customer": "customers",
    "vendor": "vendors",
    "invoice": "invoices",
    "payment": "receivable-payments",
    "bill": "bills",
    "bill_payment": "payments",
    "vendor_credit": "vendor-credits",
}


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` without None, "", {} and [] (0 and False stay)."""
    return {
        k: v
        for k, v in value.items()
        if v is not None and (v or not isinstance(v, (str, dict, list)))
    }


class _QboLoader:
    def __init__(self, company: QboCompany, *, trusted: bool = False) -> None:
        self.company = company
        self.ids: dict[str, str] = {}
        self.bank: str | None = None
        self.trusted = trusted
        #: entity -> its wire body (from the seed's canonical fields).
        self._bodies: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "account": self._account,
            "class": self._named,
            "department": self._named,
            "item": self._item,
            "customer": self._party,
            "vendor": self._party,
            "invoice": self._invoice,
            "bill": self._expense_txn,
            "vendor_credit": self._expense_txn,
            "payment": self._payment,
            "bill_payment": self._bill_payment,
            "journal_entry": self._journal_entry,
        }

    def ref(self, key: str | None) -> dict[str, str] | None:
        return {"value": self.ids[key]} if key else None

    def body(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        build = self._bodies.get(entity)
        if build is None:
            raise ValueError(f"no QBO mapping for {entity}")
        return build(entity, f)

    def _account(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "Name": f["name"],
                "AcctNum": f.get("number"),
                "AccountType": QBO_ACCOUNT_TYPE[f["type"]],
                "Description": f.get("description"),
            }
        )

    def _named(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return {"Name": f["name"]}

    def _item(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "Name": f["name"],
                "Type": "Service",
                "Description": f.get("description"),
                "UnitPrice": f.get("unit_price"),
                "IncomeAccountRef": self.ref(f.get("income_account")),
            }
        )

    def _party(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        out = {
            "DisplayName": f["name"],
            "CompanyName": f.get("company_name"),
            "PrimaryEmailAddr": _drop_empty({"Address": f.get("email")}),
            "PrimaryPhone": _drop_empty({"FreeFormNumber": f.get("phone")}),
            "BillAddr": _drop_empty(
                {
                    "Line1": f.get("address_line1"),
                    "City": f.get("city"),
                    "CountrySubDivisionCode": f.get("region"),
                    "PostalCode": f.get("postal_code"),
                    "Country": f.get("country"),
                }
            ),
            "CurrencyRef": {"value": f.get("currency", "USD")},
        }
        if entity == "vendor":
            out.update(TaxIdentifier=f.get("tax_id"), AcctNum=f.get("account_number"))
        return _drop_empty(out)

    def _invoice(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "DocNumber": f["number"],
                "CustomerRef": self.ref(f["customer"]),
                "TxnDate": f["date"],
                "DueDate": f.get("due_date"),
                "PrivateNote": f.get("memo"),
                "Line": [
                    _drop_empty(
                        {
                            "Amount": ln["amount"],
                            "Description": ln.get("description"),
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": _drop_empty(
                                {
                                    "ItemRef": self.ref(ln.get("item")),
                                    "Qty": ln.get("quantity"),
                                    "UnitPrice": ln.get("unit_price"),
                                    "ClassRef": self.ref(ln.get("class")),
                                }
                            ),
                        }
                    )
                    for ln in f["lines"]
                ],
            }
        )

    def _expense_txn(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        """A bill or a vendor credit."""
        return _drop_empty(
            {
                "DocNumber": f["number"],
                "VendorRef": self.ref(f["vendor"]),
                "TxnDate": f["date"],
                "DueDate": f.get("due_date"),
                "PrivateNote": f.get("memo"),
                "Line": [
                    _drop_empty(
                        {
                            "Amount": ln["amount"],
                            "Description": ln.get("description"),
                            "DetailType": "AccountBasedExpenseLineDetail",
                            "AccountBasedExpenseLineDetail": _drop_empty(
                                {
                                    "AccountRef": self.ref(ln["account"]),
                                    "ClassRef": self.ref(ln.get("class")),
                                }
                            ),
                        }
                    )
                    for ln in f["lines"]
                ],
            }
        )

    def _payment(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "CustomerRef": self.ref(f["customer"]),
                "TxnDate": f["date"],
                "TotalAmt": f["amount"],
                "PaymentRefNum": f.get("reference"),
                "PrivateNote": f.get("memo"),
                "Line": [
                    {
                        "Amount": a["amount"],
                        "LinkedTxn": [{"TxnId": self.ids[a["invoice"]], "TxnType": "Invoice"}],
                    }
                    for a in f.get("applied", [])
                ],
            }
        )

    def _bill_payment(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "VendorRef": self.ref(f["vendor"]),
                "PayType": "Check",
                "CheckPayment": {"BankAccountRef": {"value": self.bank}},
                "TxnDate": f["date"],
                "TotalAmt": f["amount"],
                "DocNumber": f.get("reference"),
                "PrivateNote": f.get("memo"),
                "Line": [
                    {
                        "Amount": a["amount"],
                        "LinkedTxn": [{"TxnId": self.ids[a["bill"]], "TxnType": "Bill"}],
                    }
                    for a in f.get("applied", [])
                ],
            }
        )

    def _journal_entry(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "DocNumber": f.get("number"),
                "TxnDate": f["date"],
                "PrivateNote": f.get("memo"),
                "Line": [
                    _drop_empty(
                        {
                            "Amount": ln["amount"],
                            "Description": ln.get("description"),
                            "DetailType": "JournalEntryLineDetail",
                            "JournalEntryLineDetail": _drop_empty(
                                {
                                    "PostingType": ln["posting"].capitalize(),
                                    "AccountRef": self.ref(ln["account"]),
                                    "ClassRef": self.ref(ln.get("class")),
                                }
                            ),
                        }
                    )
                    for ln in f["lines"]
                ],
            }
        )

    def apply(self, ev: SeedEvent) -> None:
        if ev.entity in ("tax_rate", "tax_code"):
            self.ids[ev.key] = self._insert_tax(ev)
            return
        entity = QBO_ENTITIES[QBO_ENTITY[ev.entity]]
        if ev.op == "create":
            rec = self.company.save(
                entity,
                self.body(ev.entity, ev.fields),
                at=ev.at,
                render=False,
                trusted=self.trusted,
            )
            self.ids[ev.key] = rec["Id"]
            if ev.entity == "account" and ev.fields["type"] == "bank" and self.bank is None:
                self.bank = rec["Id"]
            return
        current = self.company.find(entity.name, self.ids[ev.key])
        assert current is not None
        change = {"Active": False} if ev.op == "deactivate" else self.body(ev.entity, ev.fields)
        self.company.save(
            entity,
            {**change, "Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True},
            at=ev.at,
            render=False,
        )

    def _insert_tax(self, ev: SeedEvent) -> str:
        """A tax rate or tax code (read-only through the API: inserted as they are); its id."""
        if ev.entity == "tax_rate":
            rec = self.company.insert_fixed(
                "TaxRate",
                {
                    "Name": ev.fields["name"],
                    "Description": ev.fields.get("description"),
                    "RateValue": ev.fields["rate"],
                    "Active": True,
                    "SpecialTaxType": "NONE",
                    "DisplayType": "ReadOnly",
                },
                ev.at,
            )
            return rec["Id"]
        rec = self.company.insert_fixed(
            "TaxCode",
            {
                "Name": ev.fields["name"],
                "Description": ev.fields.get("description"),
                "Taxable": True,
                "TaxGroup": True,
                "Active": True,
                "SalesTaxRateList": {
                    "TaxRateDetail": [
                        {
                            "TaxRateRef": {"value": self.ids[k]},
                            "TaxTypeApplicable": "TaxOnAmount",
                            "TaxOrder": 0,
                        }
                        for k in ev.fields["rates"]
                    ]
                },
                "PurchaseTaxRateList": {"TaxRateDetail": []},
            },
            ev.at,
        )
        return rec["Id"]


class _BillLoader:
    def __init__(self, org: BillOrg, *, trusted: bool = False) -> None:
        self.org = org
        self.ids: dict[str, str] = {}
        self.trusted = trusted
        #: entity -> its wire body (from the seed's canonical fields).
        self._bodies: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "account": self._account,
            "class": self._named,
            "department": self._named,
            "item": self._item,
            "customer": self._party,
            "vendor": self._party,
            "invoice": self._invoice,
            "bill": self._bill,
            "vendor_credit": self._vendor_credit,
            "payment": self._payment,
            "bill_payment": self._bill_payment,
        }

    def id(self, key: str | None) -> str | None:
        return self.ids[key] if key else None

    def _classes(self, key: str | None, **more: str | None) -> dict[str, str] | None:
        """A line's ``classifications`` (its class, and ``more``: an invoice line's item, an
        expense line's account), or None when it has none."""
        out = {k: v for k, v in more.items() if v}
        if key:
            out["accountingClassId"] = self.ids[key]
        return out or None

    def body(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        build = self._bodies.get(entity)
        if build is None:
            raise ValueError(f"no BILL mapping for {entity}")
        return build(entity, f)

    def _account(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "name": f["name"],
                "account": _drop_empty({"type": f["type"].upper(), "number": f.get("number")}),
                "description": f.get("description"),
            }
        )

    def _named(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return {"name": f["name"]}

    def _item(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "name": f["name"],
                "description": f.get("description"),
                "price": f.get("unit_price"),
                "chartOfAccountId": self.id(f.get("income_account")),
            }
        )

    def _party(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        address = _drop_empty(
            {
                "line1": f.get("address_line1"),
                "city": f.get("city"),
                "stateOrProvince": f.get("region"),
                "zipOrPostalCode": f.get("postal_code"),
                "country": f.get("country"),
            }
        )
        out = {"name": f["name"], "email": f.get("email"), "phone": f.get("phone")}
        if entity == "customer":
            out.update(companyName=f.get("company_name"), billingAddress=address)
        else:
            out.update(
                address=address,
                accountType="BUSINESS",
                accountNumber=f.get("account_number"),
                additionalInfo=_drop_empty(
                    {"companyName": f.get("company_name"), "taxId": f.get("tax_id")}
                ),
                billCurrency=f.get("currency", "USD"),
            )
        return _drop_empty(out)

    def _invoice(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "invoiceNumber": f["number"],
                "customerId": self.id(f["customer"]),
                "invoiceDate": f["date"],
                "dueDate": f.get("due_date"),
                "invoiceLineItems": [
                    _drop_empty(
                        {
                            "amount": ln["amount"],
                            "description": ln.get("description"),
                            "quantity": ln.get("quantity"),
                            "price": ln.get("unit_price"),
                            "classifications": self._classes(
                                ln.get("class"), itemId=self.id(ln.get("item"))
                            ),
                        }
                    )
                    for ln in f["lines"]
                ],
            }
        )

    def _bill(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "vendorId": self.id(f["vendor"]),
                "invoice": {"invoiceNumber": f["number"], "invoiceDate": f["date"]},
                "dueDate": f["due_date"],
                "description": f.get("memo"),
                "billLineItems": self._expense(f["lines"]),
            }
        )

    def _vendor_credit(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        return _drop_empty(
            {
                "vendorId": self.id(f["vendor"]),
                "referenceNumber": f["number"],
                "creditDate": f["date"],
                "description": f.get("memo"),
                "vendorCreditLineItems": self._expense(f["lines"]),
            }
        )

    def _payment(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        """A received payment as GET /v3/receivable-payments serves it."""
        return _drop_empty(
            {
                "customerId": self.id(f["customer"]),
                "paymentDate": f["date"],
                "amount": f["amount"],
                "referenceNumber": f.get("reference"),
                "description": f.get("memo"),
                "receivablesType": "CHECK",
                "invoicePayments": [
                    {
                        "invoiceId": self.ids[a["invoice"]],
                        "amount": a["amount"],
                        "paymentDate": f["date"],
                    }
                    for a in f["applied"]
                ],
            }
        )

    def _bill_payment(self, entity: str, f: dict[str, Any]) -> dict[str, Any]:
        """A payment recorded outside BILL, as GET /v3/payments serves it."""
        return _drop_empty(
            {
                "vendorId": self.id(f["vendor"]),
                "processDate": f["date"],
                "description": f.get("memo"),
                "toPrintCheck": False,
                "billPayments": [
                    {"billId": self.ids[a["bill"]], "amount": a["amount"]} for a in f["applied"]
                ],
            }
        )

    def _expense(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            _drop_empty(
                {
                    "amount": ln["amount"],
                    "description": ln.get("description"),
                    "classifications": self._classes(
                        ln.get("class"), chartOfAccountId=self.id(ln["account"])
                    ),
                }
            )
            for ln in lines
        ]

    def apply(self, ev: SeedEvent) -> None:
        resource = BILL_RESOURCES[BILL_RESOURCE[ev.entity]]
        if ev.op == "create":
            rec = self.org.create(
                resource,
                self.body(ev.entity, ev.fields),
                at=ev.at,
                copy=False,
                trusted=self.trusted,
            )
            self.ids[ev.key] = rec["id"]
        elif ev.op == "deactivate":
            self.org.set_archived(resource, self.ids[ev.key], True, at=ev.at)
        else:
            self.org.patch(resource, self.ids[ev.key], self.body(ev.entity, ev.fields), at=ev.at)


def load(
    plan: SeedPlan,
    company: QboCompany,
    org: BillOrg,
    *,
    trusted: bool = False,
    release: bool = False,
) -> dict[str, dict[str, str]]:
    """Apply the plan; answer the seed-key -> remote-id maps of both sides.

    ``trusted`` creates records through the stores' trusted path (computed fields only,
    no validation of what the seed itself built): how a big sized company loads fast.
    ``release`` empties the plan, letting each event go once applied (less memory).
    """
    qbo = _QboLoader(company, trusted=trusted)
    bill = _BillLoader(org, trusted=trusted)
    events: list[SeedEvent | None] = list(plan.ordered())
    if release:
        plan.events.clear()
    with paused_gc():
        for index, event in enumerate(events):
            assert event is not None
            (qbo if event.side == "qbo" else bill).apply(event)
            if release:
                events[index] = None
    return {"qbo": qbo.ids, "bill": bill.ids}
