"""The properties Intuit's schema gives each entity the stand-in serves.

The entity reference pages (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/
all-entities/{entity}) list each entity's attributes; they are generated from Intuit's schema
of the v3 API (``Finance.xsd``, ``IntuitNamesTypes.xsd`` and ``IntuitBaseTypes.xsd``, which
Intuit publishes with its SDKs, e.g. intuit/QuickBooks-V3-Java-SDK
``ipp-v3-java-data/src/main/xsd``). The sets below are that schema's elements, inheritance
included, so a request naming any of them is taken (and the property kept and returned) and
one naming anything else is refused with 2010, as the real service refuses a property its
schema does not know.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: IntuitEntity: every entity (``Id``, ``SyncToken``, ``MetaData`` included).
INTUIT_ENTITY = _names(
    """
    Id SyncToken MetaData CustomField AttachableRef
    """
)

#: NameBase: people and organisations (Customer, Vendor).
NAME_BASE = _names(
    """
    IntuitId Organization Title GivenName MiddleName FamilyName Suffix FullyQualifiedName
    CompanyName DisplayName PrintOnCheckName UserId Active V4IDPseudonym PrimaryPhone
    AlternatePhone Mobile Fax PrimaryEmailAddr WebAddr OtherContactInfo DefaultTaxCodeRef
    """
)
NAME_BASE |= INTUIT_ENTITY

#: Transaction: every transaction.
TRANSACTION = _names(
    """
    DocNumber TxnDate DepartmentRef CurrencyRef ExchangeRate PrivateNote TxnStatus LinkedTxn
    Line TxnTaxDetail TxnSource TaxFormType TaxFormNum TransactionLocationType Tag
    TxnApprovalInfo RecurDataRef RecurringInfo ProjectRef TotalCostAmount HomeTotalCostAmount
    """
)
TRANSACTION |= INTUIT_ENTITY

#: SalesTransaction: sales forms (Invoice, CreditMemo).
SALES_TRANSACTION = _names(
    """
    AutoDocNumber CustomerRef CustomerMemo BillAddr ShipAddr FreeFormAddress ShipFromAddr
    RemitToRef ClassRef SalesTermRef DueDate SalesRepRef PONumber FOB ShipMethodRef ShipDate
    TrackingNum GlobalTaxCalculation TotalAmt HomeTotalAmt ApplyTaxAfterDiscount
    ShippingTaxIncludedInTotalTax TemplateRef PrintStatus EmailStatus BillEmail BillEmailCc
    BillEmailBcc ARAccountRef Balance HomeBalance FinanceCharge PaymentMethodRef PaymentRefNum
    PaymentType CheckPayment CreditCardPayment DepositToAccountRef DeliveryInfo DiscountRate
    DiscountAmt GovtTxnRefIdentifier TaxExemptionRef
    """
)
SALES_TRANSACTION |= TRANSACTION

#: PurchaseByVendor: vendor transactions (Bill, VendorCredit).
PURCHASE_BY_VENDOR = _names(
    """
    VendorRef APAccountRef TotalAmt BillEmail ReplyEmail Memo GlobalTaxCalculation
    """
)
PURCHASE_BY_VENDOR |= TRANSACTION

#: Entity name -> every property its schema type has.
SCHEMA: dict[str, frozenset[str]] = {
    "Account": INTUIT_ENTITY
    | _names(
        """
        Name SubAccount ParentRef Description FullyQualifiedName AccountAlias TxnLocationType
        Active Classification AccountType AccountSubType AccountPurposes AcctNum AcctNumExtn
        BankNum OpeningBalance OpeningBalanceDate CurrentBalance CurrentBalanceWithSubAccounts
        CurrencyRef TaxAccount TaxCodeRef OnlineBankingEnabled FIName JournalCodeRef AccountEx
        """
    ),
    "Class": INTUIT_ENTITY
    | _names(
        """
        Name SubClass ParentRef FullyQualifiedName Active ClassEx
        """
    ),
    "Department": INTUIT_ENTITY
    | _names(
        """
        Name SubDepartment ParentRef FullyQualifiedName Active DepartmentEx Address
        """
    ),
    "TaxRate": INTUIT_ENTITY
    | _names(
        """
        Name Description Active RateValue AgencyRef TaxReturnLineRef EffectiveTaxRate
        SpecialTaxType DisplayType TaxRateEx OriginalTaxRate
        """
    ),
    # CustomerType: read by query only (python-quickbooks' CustomerType is a read-only
    # object of Name, Active and MetaData); a Customer names one in CustomerTypeRef.
    "CustomerType": INTUIT_ENTITY | _names("Name Active"),
    "TaxCode": INTUIT_ENTITY
    | _names(
        """
        Name Description Active Hidden Taxable TaxGroup SalesTaxRateList PurchaseTaxRateList
        AdjustmentTaxRateList TaxCodeEx TaxCodeConfigType
        """
    ),
    "Item": INTUIT_ENTITY
    | _names(
        """
        Name Sku Description Active SubItem ParentRef Level FullyQualifiedName Taxable
        SalesTaxIncluded PercentBased UnitPrice RatePercent Type PaymentMethodRef UOMSetRef
        IncomeAccountRef PurchaseDesc PurchaseTaxIncluded PurchaseCost ExpenseAccountRef
        COGSAccountRef AssetAccountRef PrefVendorRef AvgCost TrackQtyOnHand QtyOnHand
        QtyOnPurchaseOrder QtyOnSalesOrder ReorderPoint ManPartNum DepositToAccountRef
        SalesTaxCodeRef PurchaseTaxCodeRef InvStartDate BuildPoint PrintGroupedItems
        SpecialItem SpecialItemType ItemGroupDetail ItemAssemblyDetail AbatementRate
        ReverseChargeRate ServiceType ItemCategoryType ItemEx TaxClassificationRef
        UQCDisplayText UQCId ClassRef Source DeferredRevenue
        """
    ),
    "Customer": NAME_BASE
    | _names(
        """
        Taxable BillAddr ShipAddr OtherAddr ContactName AltContactName Notes Job BillWithParent
        RootCustomerRef ParentRef Level CustomerTypeRef SalesTermRef SalesRepRef
        TaxGroupCodeRef TaxRateRef PaymentMethodRef CCDetail PriceLevelRef Balance
        OpenBalanceDate BalanceWithJobs CreditLimit AcctNum CurrencyRef OverDueBalance
        TotalRevenue TotalExpense PreferredDeliveryMethod ResaleNum JobInfo TDSEnabled
        CustomerEx SecondaryTaxIdentifier ARAccountRef PrimaryTaxIdentifier
        TaxExemptionReasonId IsProject BusinessNumber GSTIN GSTRegistrationType IsCISContractor
        ClientCompanyId ClientEntityId Source TaxRegime
        """
    ),
    "Vendor": NAME_BASE
    | _names(
        """
        ContactName AltContactName Notes BillAddr ShipAddr OtherAddr TaxCountry TaxIdentifier
        TaxIdEffectiveDate BusinessNumber ParentRef VendorTypeRef TermRef PrefillAccountRef
        Balance BillRate OpenBalanceDate CreditLimit AcctNum Vendor1099 T4AEligible
        T5018Eligible CurrencyRef TDSEnabled TDSEntityTypeId TDSSectionTypeId
        TDSOverrideThreshold TaxReportingBasis APAccountRef VendorEx GSTIN GSTRegistrationType
        IsSubContractor SubcontractorType CISRate HasTPAR VendorPaymentBankDetail Source
        CostRate
        """
    ),
    "Invoice": SALES_TRANSACTION
    | _names(
        """
        Deposit AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment
        AllowOnlineACHPayment AllowOnlinePayPalPayment EInvoiceStatus ECloudStatusTimeStamp
        CfdiUse Exportation GlobalInfo invoiceStatus callToAction invoiceStatusLog InvoiceEx
        LessCIS InvoiceLink PaymentDetailsMessage ConvenienceFeeDetail InvoiceLinkSecurityCode
        InvoiceLinkExpiryDate AutoPayEligible SchedulePayEligible ScheduledPaymentId
        GratuityEnabled FinancingProductType SubscriptionPaymentsSetting
        """
    ),
    # CreditMemo extends SalesTransaction (Finance.xsd); no developer.intuit.com page was found
    # in the docs corpus, so only these two of its own elements are taken.
    "CreditMemo": SALES_TRANSACTION
    | _names(
        """
        RemainingCredit CreditMemoEx
        """
    ),
    "Payment": TRANSACTION
    | _names(
        """
        CustomerRef RemitToRef ARAccountRef DepositToAccountRef PaymentMethodRef PaymentRefNum
        PaymentType CheckPayment CreditCardPayment TotalAmt UnappliedAmt ProcessPayment
        PaymentEx
        """
    ),
    "Bill": PURCHASE_BY_VENDOR
    | _names(
        """
        PayerRef SalesTermRef DueDate RemitToAddr ShipAddr VendorAddr Balance HomeBalance
        BillEx LessCIS IncludeInAnnualTPAR
        """
    ),
    "BillPayment": TRANSACTION
    | _names(
        """
        VendorRef VendorAddr APAccountRef PayType CheckPayment CreditCardPayment TotalAmt
        BillPaymentEx
        """
    ),
    "VendorCredit": PURCHASE_BY_VENDOR
    | _names(
        """
        VendorAddr VendorCreditEx Balance IncludeInAnnualTPAR
        """
    ),
    "JournalEntry": TRANSACTION
    | _names(
        """
        Adjustment HomeCurrencyAdjustment EnteredInHomeCurrency GlobalTaxCalculation TotalAmt
        HomeTotalAmt JournalEntryEx
        """
    ),
    "CompanyInfo": INTUIT_ENTITY
    | _names(
        """
        CompanyName LegalName CompanyAddr CustomerCommunicationAddr LegalAddr CompanyEmailAddr
        CustomerCommunicationEmailAddr CompanyURL PrimaryPhone OtherContactInfo CompanyFileName
        FlavorStratum SampleFile CompanyUserId CompanyUserAdminEmail CompanyStartDate
        EmployerId FiscalYearStartMonth TaxYearStartMonth QBVersion Country ShipAddr OtherAddr
        Mobile Fax Email WebAddr LastImportedTime LastSyncTime SupportedLanguages
        DefaultTimeZone MultiByteCharsSupported NameValue FifoCalculationStatus CompanyInfoEx
        """
    ),
    "Preferences": INTUIT_ENTITY
    | _names(
        """
        AccountingInfoPrefs AdvancedInventoryPrefs ProductAndServicesPrefs SalesFormsPrefs
        EmailMessagesPrefs PrintDocumentPrefs VendorAndPurchasesPrefs TimeTrackingPrefs
        TaxPrefs FinanceChargesPrefs CurrencyPrefs ReportPrefs OtherPrefs
        """
    ),
}

#: A transaction line (``Line``): its properties and one detail object per DetailType.
LINE = _names(
    """
    Id LineNum Description Amount Received LinkedTxn DetailType PaymentLineDetail
    DiscountLineDetail TaxLineDetail SalesItemLineDetail DescriptionLineDetail
    ItemBasedExpenseLineDetail AccountBasedExpenseLineDetail ReimburseLineDetail
    DepositLineDetail PurchaseOrderItemLineDetail SalesOrderItemLineDetail
    ItemReceiptLineDetail JournalEntryLineDetail GroupLineDetail SubTotalLineDetail
    TDSLineDetail ItemAdjustmentLineDetail CustomField LineEx ProjectRef CostAmount
    HomeCostAmount
    """
)
