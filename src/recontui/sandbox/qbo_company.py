"""The company-wide objects of a QBO company: ``CompanyInfo`` and ``Preferences``.

Each company has one of each, read with ``GET .../companyinfo/<realmID>`` and
``GET .../preferences`` or queried with ``select * from CompanyInfo`` / ``Preferences``
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo,
.../all-entities/preferences). Their shapes follow those pages' samples; the stand-in's
company is a US company in dollars that takes custom transaction numbers (recontui writes
its own invoice numbers) and, like Intuit's sample company, does not warn of a duplicate bill
or journal number; unlike it, it does not warn of a duplicate check number either (the seeded
business pays several bills by one EFT reference). Tests turn a warning on with
``CompanyPreferences.set_other``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import qbo_meta_time
from .jsonio import clone

#: ``OtherPrefs`` that the stand-in's rules read.
DEFAULT_OTHER_PREFS: tuple[tuple[str, str], ...] = (
    ("WarnDuplicateCheckNumber", "false"),
    ("WarnDuplicateBillNumber", "false"),
    ("WarnDuplicateJournalNumber", "false"),
    ("VendorAndPurchasesPrefs.UseCustomTxnNumbers", "true"),
)


class CompanyPreferences:
    """The company's ``Preferences`` record (Id "1")."""

    def __init__(self, created: datetime) -> None:
        stamp = qbo_meta_time(created)
        self._record: dict[str, Any] = {
            "AccountingInfoPrefs": {
                "FirstMonthOfFiscalYear": "January",
                "UseAccountNumbers": True,
                "TaxYearMonth": "January",
                "ClassTrackingPerTxn": False,
                "ClassTrackingPerTxnLine": True,
                "TrackDepartments": True,
                "DepartmentTerminology": "Location",
                "CustomerTerminology": "Customers",
            },
            "ProductAndServicesPrefs": {
                "ForSales": True,
                "ForPurchase": True,
                "QuantityWithPriceAndRate": True,
                "QuantityOnHand": True,
            },
            "SalesFormsPrefs": {
                "CustomTxnNumbers": True,
                "AllowDeposit": True,
                "AllowDiscount": True,
                "AllowShipping": False,
                "AllowServiceDate": False,
                "AutoApplyCredit": True,
                "AutoApplyPayments": True,
            },
            "VendorAndPurchasesPrefs": {
                "BillableExpenseTracking": True,
                "TrackingByCustomer": True,
            },
            "TaxPrefs": {"UsingSalesTax": False},
            "CurrencyPrefs": {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": False},
            "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
            "OtherPrefs": {"NameValue": [{"Name": n, "Value": v} for n, v in DEFAULT_OTHER_PREFS]},
            "domain": "QBO",
            "sparse": False,
            "Id": "1",
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }

    def record(self) -> dict[str, Any]:
        return clone(self._record)

    def other(self, name: str) -> str | None:
        """An ``OtherPrefs`` value by name, or None."""
        for pair in self._record["OtherPrefs"]["NameValue"]:
            if pair["Name"] == name:
                return str(pair["Value"])
        return None

    def warns(self, name: str) -> bool:
        return (self.other(name) or "").lower() == "true"

    def set_other(self, name: str, value: str) -> None:
        """Change (or add) an ``OtherPrefs`` value, as the company's settings page would."""
        pairs: list[dict[str, str]] = self._record["OtherPrefs"]["NameValue"]
        for pair in pairs:
            if pair["Name"] == name:
                pair["Value"] = value
                break
        else:
            pairs.append({"Name": name, "Value": value})
        self._record["SyncToken"] = str(int(self._record["SyncToken"]) + 1)


def company_info(name: str, created: datetime) -> dict[str, Any]:
    """The company's ``CompanyInfo`` record (Id "1"), shaped as the reference page's sample."""
    stamp = qbo_meta_time(created)
    address = {
        "Id": "1",
        "Line1": "12 Harbor Lane",
        "City": "Oakland",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94607",
        "Country": "US",
    }
    return {
        "CompanyName": name,
        "LegalName": name,
        "CompanyAddr": dict(address),
        "CustomerCommunicationAddr": dict(address),
        "LegalAddr": dict(address),
        "Country": "US",
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "CompanyStartDate": created.date().isoformat(),
        "NameValue": [
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "SubscriptionStatus", "Value": "PAID"},
        ],
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": "0",
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }
