"""Knobs of the stand-ins.

Every behaviour the contract marks as unconfirmed ([U]) or that a test wants to provoke
(throttling, expiry) is a field here, so a test can pin the behaviour it relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .bill_roles import check_role
from .seed import check_size

SCENARIOS = ("empty", "demo", "conflicts")


@dataclass
class SandboxConfig:
    seed: int = 7
    scenario: str = "demo"  # empty | demo | conflicts
    qbo_max_concurrent: int | None = 10
    qbo_per_minute: int | None = 500
    #: Batch requests per realm per QBO window: "40 batch requests per minute per realm ID
    #: and app" (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles);
    #: each also counts against ``qbo_per_minute``.
    qbo_batches_per_minute: int = 40
    bill_max_concurrent: int | None = 3
    bill_session_idle_seconds: int = 35 * 60
    qbo_token_seconds: int = 3600
    refresh_grace_seconds: int = 60
    bill_org_name: str = "Harbor Lane Supply Co."
    qbo_company_name: str = "Harbor Lane Supply Co."
    maxresults_over_cap: str = "error"  # error | clamp
    # --- extensions beyond the brief's minimum -------------------------------------
    #: Date the seeded history ends on (the day after the last seeded transaction).
    #: None = the sandbox clock's UTC date when the sandbox is built.
    anchor_date: date | None = None
    #: Seconds every API request sleeps while holding its concurrency slot; lets tests
    #: and demos provoke the concurrency limits and the connector's timeouts.
    latency_seconds: float = 0.0
    #: BILL's documented 20,000 requests per devKey per hour (BDC_1144). None disables.
    bill_per_hour: int | None = 20_000
    #: BILL's documented 200 logins per devKey per hour (BDC_1144,
    #: https://developer.bill.com/docs/api-rate-limits). None disables.
    bill_logins_per_hour: int | None = 200
    #: Real QBO appends a SubTotalLineDetail line to every invoice it returns; a connector
    #: must ignore it. Off only for tests that want to compare Line arrays verbatim.
    qbo_invoice_subtotal_line: bool = True
    #: The name of a TaxCode the QBO company charges sales tax with by default (the seeded
    #: one is "California"): invoices then get QuickBooks' own tax on lines coded TAX
    #: (a line sent without a code takes its item's taxability). None: no sales tax.
    qbo_sales_tax_code: str | None = None
    #: The BILL organisation charges sales tax (demo and conflicts scenarios): it holds
    #: sales-tax items (type SALES_TAX) and a few invoices of its own that charge one, so
    #: the setup's Tax mapping step has something to map. Off: the companies are seeded
    #: exactly as before (their digests are pinned by the tests).
    bill_sales_tax: bool = False
    #: Near-duplicates (demo and conflicts scenarios): three customers and vendors entered
    #: in each system a little differently, for the setup's Match review (seed_twins.py).
    #: Off: the companies are seeded exactly as before.
    near_duplicates: bool = False
    #: Customer credit memos (demo and conflicts scenarios, seed_credit_memos.py): one in
    #: both systems, one only in each. Off: the companies are seeded exactly as before.
    credit_memos: bool = False
    #: QuickBooks sub-customers (demo and conflicts scenarios, seed_sub_customers.py): a
    #: job under a seeded customer and a sub-job under it; BILL holds no parents. Off: the
    #: companies are seeded exactly as before.
    sub_customers: bool = False
    #: Refresh-token lifetime (QBO: rolling 100 days, reported as 8726400 s).
    qbo_refresh_token_seconds: int = 8_726_400
    #: Age at which a refresh hands out a new refresh token (Intuit's FAQ: about 24 hours);
    #: the one it replaced keeps working for ``refresh_grace_seconds``.
    qbo_refresh_rotate_seconds: int = 86_400
    #: CDC look-back limit in days.
    qbo_cdc_days: int = 30
    #: Most objects one CDC answer holds (shared by the entities asked for).
    qbo_cdc_cap: int = 1000
    #: Fault injection (see sandbox/faults.py), e.g. "429=0.05,500=0.02,reset=0.01".
    faults: str = ""
    #: Seed of the faults' dice; None = ``seed``.
    fault_seed: int | None = None
    #: How long a "slow" fault holds the answer back.
    slow_seconds: float = 3.0
    #: Records per side (roughly) of a seeded company scaled from the demo's mix
    #: (10..1,000,000; demo and conflicts scenarios). None = the scenario as it is.
    size: int | None = None
    #: Length of the QBO per-realm budget's window (``qbo_per_minute`` per this many s).
    qbo_window_seconds: float = 60.0
    #: Length of the BILL per-devKey budget's window (``bill_per_hour`` per this many s).
    bill_window_seconds: float = 3600.0
    #: The signed-in BILL user's role (one of BILL's defaults, sandbox/bill_roles.py): the
    #: lists it may not reach answer HTTP 403. Administrator reaches everything.
    bill_user_role: str = "Administrator"
    #: The QBO consent page's signed-in user is an admin of the company ("admin") or not
    #: ("standard": only admins can connect apps, so the page redirects with
    #: ``error=access_denied``).
    qbo_consent_user: str = "admin"

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; known: {', '.join(SCENARIOS)}")
        if self.maxresults_over_cap not in ("error", "clamp"):
            raise ValueError("maxresults_over_cap must be 'error' or 'clamp'")
        check_size(self.size, self.scenario)
        if self.qbo_window_seconds <= 0 or self.bill_window_seconds <= 0:
            raise ValueError("rate windows must be longer than 0 seconds")
        check_role(self.bill_user_role)
        if self.qbo_consent_user not in ("admin", "standard"):
            raise ValueError("qbo_consent_user must be 'admin' or 'standard'")
