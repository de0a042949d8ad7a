"""The two stand-ins wired together over one clock and one seeded business."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from . import seed, seed_load
from .bill import BillService
from .bill_sessions import BillAccount, BillSessions
from .bill_store import BillOrg
from .clock import SandboxClock
from .config import SandboxConfig
from .faults import ConnectionDropped, FaultInjector, parse_faults
from .qbo import QboService
from .qbo_oauth import QboOAuth
from .qbo_store import QboCompany
from .seed_credit_memos import seed_credit_memos
from .seed_sales_tax import seed_sales_tax
from .seed_sub_customers import seed_sub_customers
from .seed_twins import seed_twins

#: Sized companies up to this many records per side are cached as templates (tests build
#: many sandboxes of a small company; a big one is built once, and caching it would
#: double its memory).
CACHE_MAX_SIZE = 5_000


#: Every QBO entity and BILL list the stand-ins hold (snapshots, counts, benches).
QBO_ENTITIES = (
    "Account",
    "Class",
    "Department",
    "TaxRate",
    "TaxCode",
    "Item",
    "Customer",
    "Vendor",
    "Invoice",
    "Payment",
    "Bill",
    "BillPayment",
    "VendorCredit",
    "JournalEntry",
)
BILL_PATHS = (
    "classifications/chart-of-accounts",
    "classifications/accounting-classes",
    "classifications/departments",
    "classifications/items",
    "customers",
    "vendors",
    "invoices",
    "receivable-payments",
    "bills",
    "payments",
    "vendor-credits",
)

#: Held since the digests above were pinned: in a snapshot only when they hold records.
QBO_LATER = ("CreditMemo",)
BILL_LATER = ("credit-memos",)


@dataclass
class SeededStores:
    plan: seed.SeedPlan
    company: QboCompany
    org: BillOrg
    ids: dict[str, dict[str, str]]


def build_seeded(
    scenario: str,
    seed_value: int,
    anchor: date,
    *,
    subtotal_line: bool = True,
    size: int | None = None,
) -> SeededStores:
    """Seed fresh stores from scratch (no cache); ``size`` scales the demo company."""
    ident = seed.identity(seed_value)
    clock = SandboxClock(lambda: datetime.combine(anchor, time(0), UTC))
    company = QboCompany(ident.realm_id, clock, subtotal_line=subtotal_line)
    org = BillOrg(ident.organization_id, clock)
    plan = seed.build_plan(scenario, seed_value, anchor, size)
    # A company too big to cache keeps no events (see Sandbox.seed_plan).
    big = (size or 0) > CACHE_MAX_SIZE
    ids = seed_load.load(plan, company, org, trusted=size is not None, release=big)
    return SeededStores(plan, company, org, ids)


_TEMPLATES: dict[tuple[Any, ...], SeededStores] = {}
_TEMPLATES_LOCK = threading.Lock()


def _seeded(
    scenario: str, seed_value: int, anchor: date, subtotal_line: bool, size: int | None = None
) -> SeededStores:
    """Seeded stores are pure functions of these inputs, so build each once per process
    and hand every Sandbox its own copy (tests build many sandboxes)."""
    key = (scenario, seed_value, anchor, subtotal_line, size)
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(key)
        if template is None:
            template = _TEMPLATES[key] = build_seeded(
                scenario, seed_value, anchor, subtotal_line=subtotal_line, size=size
            )
        return template


class Sandbox:
    """In-process QBO + BILL stand-ins; ``app`` serves ``/qbo`` and ``/bill``."""

    def __init__(
        self, config: SandboxConfig | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.config = config or SandboxConfig()
        self.clock = SandboxClock(clock)
        self.lock = threading.RLock()
        self.identity = seed.identity(self.config.seed)
        ident = self.identity
        self.anchor = self.config.anchor_date or self.clock.now().date()

        self.qbo_company = QboCompany(
            ident.realm_id, self.clock, subtotal_line=self.config.qbo_invoice_subtotal_line
        )
        self.qbo_company.sales_tax_code = self.config.qbo_sales_tax_code
        self.qbo_oauth = QboOAuth(
            self.clock,
            client_id=ident.client_id,
            client_secret=ident.client_secret,
            realm_id=ident.realm_id,
            initial_refresh_token=ident.refresh_token,
            access_seconds=self.config.qbo_token_seconds,
            refresh_seconds=self.config.qbo_refresh_token_seconds,
            grace_seconds=self.config.refresh_grace_seconds,
            rotate_seconds=self.config.qbo_refresh_rotate_seconds,
        )
        self.bill_org = BillOrg(ident.organization_id, self.clock)
        self.bill_sessions = BillSessions(
            BillAccount(
                ident.organization_id, ident.dev_key, ident.username, ident.password, ident.user_id
            ),
            self.clock,
            self.config.bill_session_idle_seconds,
        )
        template = self._load_seed()
        #: The seed events (none kept for a company above CACHE_MAX_SIZE).
        self.seed_plan: seed.SeedPlan = template.plan
        #: seed key -> remote id per side ("qbo"/"bill"); tests use it to find records.
        self.seed_ids: dict[str, dict[str, str]] = {k: dict(v) for k, v in template.ids.items()}
        if self.config.bill_sales_tax and self.config.scenario != "empty":
            seed_sales_tax(self.bill_org, self.seed_ids.setdefault("bill", {}), self.anchor)
        if self.config.near_duplicates and self.config.scenario != "empty":
            seed_twins(self.bill_org, self.qbo_company, self.seed_ids)
        if self.config.credit_memos and self.config.scenario != "empty":
            seed_credit_memos(self.bill_org, self.qbo_company, self.seed_ids, self.anchor)
        if self.config.sub_customers and self.config.scenario != "empty":
            seed_sub_customers(self.qbo_company, self.seed_ids)

        self.qbo = QboService(self.qbo_company, self.qbo_oauth, self.config, self.clock, self.lock)
        self.bill = BillService(
            self.bill_org, self.bill_sessions, self.config, self.clock, self.lock
        )
        self.qbo_app: ASGIApp = self.qbo.app()
        self.bill_app: ASGIApp = self.bill.app()
        plan = parse_faults(
            self.config.faults,
            seed=self.config.seed if self.config.fault_seed is None else self.config.fault_seed,
            slow_seconds=self.config.slow_seconds,
        )
        #: Counts what it injected, by kind; ``app`` goes through it.
        self.faults = FaultInjector(self._routes(), plan, self.clock.now)
        self.app: ASGIApp = self.faults

    def _load_seed(self) -> SeededStores:
        """Fill both companies with the scenario's records; the seed they came from."""
        if (self.config.size or 0) > CACHE_MAX_SIZE:
            # A big company is built for this sandbox alone: a cached template plus each
            # sandbox's copy of it would double its memory.
            template = build_seeded(
                self.config.scenario,
                self.config.seed,
                self.anchor,
                subtotal_line=self.config.qbo_invoice_subtotal_line,
                size=self.config.size,
            )
            template.company.clock = template.org.clock = self.clock
            self.qbo_company, self.bill_org = template.company, template.org
            return template
        template = _seeded(
            self.config.scenario,
            self.config.seed,
            self.anchor,
            self.config.qbo_invoice_subtotal_line,
            self.config.size,
        )
        self.qbo_company.adopt(template.company)
        self.bill_org.adopt(template.org)
        return template

    def _routes(self) -> Starlette:
        """Both stand-ins, and the sandbox's own endpoints under ``/_sandbox``."""
        return Starlette(
            routes=[
                Mount("/qbo", app=self.qbo_app),
                Mount("/bill", app=self.bill_app),
                Route("/_sandbox/qbo/authorize", self.qbo.authorize, methods=["GET"]),
                Route("/_sandbox/health", self._health, methods=["GET"]),
                Route("/_sandbox/credentials", self._credentials, methods=["GET"]),
                Route("/_sandbox/advance", self._advance, methods=["POST"]),
                Route("/_sandbox/faults", self._faults, methods=["GET"]),
            ]
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport to ``app`` that fails like a socket would."""
        return InProcessTransport(self.app)

    @property
    def realm_id(self) -> str:
        return self.identity.realm_id

    @property
    def organization_id(self) -> str:
        return self.identity.organization_id

    def credentials(self, base_url: str) -> dict[str, dict[str, str]]:
        base = base_url.rstrip("/")
        ident = self.identity
        return {
            "qbo": {
                "api_base": f"{base}/qbo",
                "token_url": f"{base}/qbo/oauth2/v1/tokens/bearer",
                "realm_id": ident.realm_id,
                "client_id": ident.client_id,
                "client_secret": ident.client_secret,
                "refresh_token": self.qbo_oauth.current_refresh_token(),
            },
            "bill": {
                "api_base": f"{base}/bill/connect",
                "organization_id": ident.organization_id,
                "dev_key": ident.dev_key,
                "username": ident.username,
                "password": ident.password,
            },
        }

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    # --- sandbox-only helper endpoints (not part of either remote API) ------------------

    async def _health(self, request: Request) -> Response:
        return JSONResponse(
            {
                "ok": True,
                "scenario": self.config.scenario,
                "seed": self.config.seed,
                "now": self.clock.now().isoformat(),
            }
        )

    async def _credentials(self, request: Request) -> Response:
        return JSONResponse(self.credentials(str(request.base_url).rstrip("/")))

    async def _advance(self, request: Request) -> Response:
        try:
            seconds = float(request.query_params.get("seconds", "0"))
            self.advance(seconds)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"now": self.clock.now().isoformat()})

    async def _faults(self, request: Request) -> Response:
        return JSONResponse({"plan": str(self.faults.plan), "injected": dict(self.faults.counts)})

    def snapshot(self) -> dict[str, Any]:
        """Every record on both sides (for determinism checks and debugging)."""
        with self.lock:
            qbo = {name: dict(self.qbo_company.rows(name)) for name in QBO_ENTITIES}
            bill = {path: self.bill_org.all(path) for path in BILL_PATHS}
            # Credit memos only when there are some: the pinned digests predate them.
            for name in QBO_LATER:
                if rows := dict(self.qbo_company.rows(name)):
                    qbo[name] = rows
            for path in BILL_LATER:
                if held := self.bill_org.all(path):
                    bill[path] = held
            return {"qbo": qbo, "bill": bill}


class InProcessTransport(httpx.ASGITransport):
    """httpx's ASGI transport, failing the way a socket does: a dropped connection is the
    network error a real socket gives (under uvicorn the socket is simply closed), and an
    answer slower than the client's read timeout is a ``ReadTimeout`` (the ASGI transport
    alone waits for ever)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        read = (request.extensions.get("timeout") or {}).get("read")
        try:
            if read is None:
                return await super().handle_async_request(request)
            return await asyncio.wait_for(super().handle_async_request(request), read)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no answer within {read} s", request=request) from exc
