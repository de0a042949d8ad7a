"""Word lists the seeded companies are built from (fictional names, 555-01xx phones)."""

from __future__ import annotations

ADJECTIVES = (
    "Blue", "Golden", "Silver", "Maple", "Cedar", "Harbor", "Summit", "Bright", "Quiet",
    "Copper", "Iron", "Willow", "Juniper", "Lakeside", "Evergreen", "Sunny", "Granite",
    "Coastal", "Red Rock", "North Star", "Hidden", "Misty", "Old Town", "Riverside",
)
NOUNS = (
    "Fern", "Oak", "River", "Bay", "Lantern", "Anchor", "Sparrow", "Meadow", "Falcon",
    "Pine", "Orchard", "Bridge", "Canyon", "Beacon", "Compass", "Heron", "Aspen", "Birch",
    "Otter", "Harvest", "Tide", "Ember", "Thistle", "Larkspur",
)
CUSTOMER_KINDS = (
    "Studio", "Cafe", "Bakery", "Dental", "Fitness", "Books", "Florist", "Yoga",
    "Architects", "Law Group", "Veterinary", "Brewing", "Market", "Salon", "Realty",
    "Pediatrics", "Landscaping", "Outfitters", "Coffee Roasters", "Chiropractic",
)
SURNAMES = (
    "Alvarez", "Becker", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Iverson", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel",
    "Quinn", "Rossi", "Sato", "Thompson", "Ueda", "Varga", "Whitaker", "Yilmaz",
)
#: Names with apostrophes and accents, so clients must handle quoting and Unicode.
SPECIAL_CUSTOMERS = (
    "O'Neil Bakery", "Café Lumière", "Harbor Cafe", "Señor Taco Cantina",
    "Björk Design Studio", "D'Angelo Dental", "Crème & Co.", "Zoë's Flowers",
)

#: (name suffix, expense account name, low, high) in dollars.
VENDOR_KINDS = (
    ("Office Supply", "Office Supplies", 30, 400),
    ("Software", "Software Subscriptions", 20, 600),
    ("Property Management", "Rent", 2200, 3200),
    ("Utilities", "Utilities", 80, 450),
    ("Travel", "Travel", 150, 1800),
    ("Legal", "Professional Fees", 300, 2500),
    ("Print & Media", "Advertising", 100, 2000),
    ("Staffing", "Subcontractors", 500, 4000),
)
SPECIAL_VENDORS = (
    ("Summit Property Management", 2),
    ("Metro Water & Power", 3),
    ("Northwind Software", 1),
    ("Lumière Print Atelier", 6),
    ("O'Hara & Daughters CPAs", 5),
)

STREETS = (
    "Main St", "Oak Ave", "Market St", "2nd Ave", "Elm St", "Harbor Blvd", "Mission St",
    "Broadway", "Pine St", "Lake Shore Dr", "Cedar Ln", "Division St", "Alder St",
    "Hawthorne Blvd", "Burnside St", "Fremont Ave",
)
#: (city, state, zip prefix, area code)
CITIES = (
    ("Portland", "OR", "972", "503"),
    ("Seattle", "WA", "981", "206"),
    ("San Francisco", "CA", "941", "415"),
    ("Oakland", "CA", "946", "510"),
    ("Sacramento", "CA", "958", "916"),
    ("Boise", "ID", "837", "208"),
    ("Denver", "CO", "802", "303"),
    ("Austin", "TX", "787", "512"),
    ("Eugene", "OR", "974", "541"),
    ("Spokane", "WA", "992", "509"),
    ("San Diego", "CA", "921", "619"),
    ("Reno", "NV", "895", "775"),
)
EMAIL_LOCALS = ("billing", "accounts", "hello", "office", "ap", "info", "admin", "team")
EMAIL_TLDS = ("com", "com", "com", "co", "net")

#: (number, name, canonical type, description)
DEMO_ACCOUNTS = (
    ("1000", "Business Checking", "bank", "Main operating account"),
    ("1010", "Savings", "bank", "Reserve savings"),
    ("1200", "Accounts Receivable", "accounts_receivable", "Money customers owe us"),
    ("1300", "Prepaid Expenses", "other_current_asset", "Insurance and deposits paid ahead"),
    ("1500", "Office Equipment", "fixed_asset", "Computers and furniture"),
    ("2000", "Accounts Payable", "accounts_payable", "Money we owe vendors"),
    ("2100", "Company Credit Card", "credit_card", "Visa ending 4242"),
    ("2200", "Sales Tax Payable", "other_current_liability", "Collected sales tax"),
    ("2500", "Equipment Loan", "long_term_liability", "Five-year equipment loan"),
    ("3000", "Owner's Equity", "equity", "Owner contributions and draws"),
    ("4000", "Consulting Income", "income", "Advisory and consulting work"),
    ("4100", "Design Income", "income", "Brand and web design work"),
    ("4200", "Training Income", "income", "Workshops and courses"),
    ("4900", "Interest Income", "other_income", "Bank interest"),
    ("5000", "Subcontractors", "cost_of_goods_sold", "Outside contractors on client work"),
    ("6000", "Rent", "expense", "Office lease"),
    ("6100", "Utilities", "expense", "Power, water, internet"),
    ("6200", "Software Subscriptions", "expense", "SaaS tools"),
    ("6300", "Office Supplies", "expense", "Paper, toner, small items"),
    ("6400", "Travel", "expense", "Client travel"),
    ("6500", "Professional Fees", "expense", "Legal and accounting"),
    ("6600", "Advertising", "expense", "Print, web and events"),
    ("7000", "Bank Charges", "other_expense", "Fees and service charges"),
)
EMPTY_ACCOUNTS = (
    ("1000", "Business Checking", "bank", "Main operating account"),
    ("1200", "Accounts Receivable", "accounts_receivable", "Money customers owe us"),
    ("2000", "Accounts Payable", "accounts_payable", "Money we owe vendors"),
    ("4000", "Services Income", "income", "Income from services"),
    ("6000", "Office Expenses", "expense", "General office expenses"),
)
CLASSES = ("Consulting", "Design", "Training")
DEPARTMENTS = ("East Office", "West Office")

#: (name, description, unit price, income account, class, hourly)
ITEMS = (
    ("Strategy Session", "Half-day strategy session", "250.00", "Consulting Income",
     "Consulting", False),
    ("Consulting Hour", "Consulting, per hour", "150.00", "Consulting Income", "Consulting",
     True),
    ("Process Audit", "Operations process audit", "1200.00", "Consulting Income",
     "Consulting", False),
    ("Project Management", "Project management, per hour", "95.00", "Consulting Income",
     "Consulting", True),
    ("Workshop Facilitation", "Facilitated team workshop", "800.00", "Consulting Income",
     "Consulting", False),
    ("Logo Design", "Logo design with two revisions", "650.00", "Design Income", "Design",
     False),
    ("Website Design", "Website design, up to 8 pages", "2400.00", "Design Income", "Design",
     False),
    ("Brand Guidelines", "Brand guideline document", "1500.00", "Design Income", "Design",
     False),
    ("Design Hour", "Design work, per hour", "110.00", "Design Income", "Design", True),
    ("Print Layout", "Print layout for one piece", "300.00", "Design Income", "Design", False),
    ("Team Training Day", "On-site training day", "1800.00", "Training Income", "Training",
     False),
    ("Online Course Seat", "One seat in the online course", "199.00", "Training Income",
     "Training", False),
    ("Coaching Session", "One-to-one coaching session", "175.00", "Training Income",
     "Training", False),
    ("Training Materials", "Printed workbook", "45.00", "Training Income", "Training", False),
    ("Follow-up Call", "30-minute follow-up call", "60.00", "Training Income", "Training",
     False),
)
#: (name, rate, description)
TAX_RATES = (
    ("California State", "7.25", "California state sales tax"),
    ("San Francisco County", "1.375", "San Francisco county district tax"),
    ("Oregon", "0", "Oregon has no sales tax"),
)
INVOICE_MEMOS = (
    "Thank you for your business", "PO 4411", "Q3 retainer", "Net 30 as agreed",
    "Second phase", "Per statement of work", "Rush job", "Includes travel time",
)
BILL_MEMOS = (
    "Monthly service", "Annual renewal", "Per quote", "Includes delivery", "Net 30",
    "Replacement order", "Q3 campaign",
)
