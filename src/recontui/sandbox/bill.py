"""The BILL v3 stand-in as a Starlette app (mounted at ``/bill``; API under ``/connect``).

Order of checks follows the real gateway: session, then per-organisation concurrency and
hourly budget, then the resource layer; every failure is a BILL error array. Logins have
their own budget: 200 per developer key per hour, and each counts as a request too
(https://developer.bill.com/docs/api-rate-limits).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import bill_lists, bill_roles, jsonio
from .bill_errors import BillError, concurrency, hourly, not_supported
from .bill_resources import BY_PATH, RECORD_PAYMENT, BillResource
from .bill_sessions import BillSessions
from .bill_store import BillOrg
from .clock import SandboxClock
from .config import SandboxConfig
from .limits import ConcurrencyLimiter, WindowBudget

JSON = "application/json"


class BillService:
    def __init__(
        self,
        org: BillOrg,
        sessions: BillSessions,
        config: SandboxConfig,
        clock: SandboxClock,
        lock: threading.RLock,
    ) -> None:
        self.org = org
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.lock = lock
        self.limiter = ConcurrencyLimiter(config.bill_max_concurrent)
        self.hourly = WindowBudget(config.bill_per_hour, config.bill_window_seconds, clock.now)
        self.logins = WindowBudget(
            config.bill_logins_per_hour, config.bill_window_seconds, clock.now
        )

    def _json(self, status: int, payload: Any) -> Response:
        return Response(jsonio.dumps(payload), status, media_type=JSON)

    def _error(self, err: BillError) -> Response:
        return self._json(err.status, err.body(self.clock.now()))

    @staticmethod
    def _body(raw: bytes) -> Any:
        if not raw.strip():
            return {}
        try:
            return jsonio.loads(raw)
        except jsonio.JsonError:
            raise BillError(
                400, "BDC_1122", "Error Parsing Json Object. Please check your request."
            ) from None

    async def login(self, request: Request) -> Response:
        try:
            payload = self._body(await request.body())
            dev_key = str(payload.get("devKey") or "") if isinstance(payload, dict) else ""
            if not self.logins.try_take(dev_key):
                return self._error(hourly(self.logins.limit))
            if not self.hourly.try_take(dev_key):
                return self._error(hourly(self.hourly.limit))
            with self.lock:
                return self._json(200, self.sessions.login(payload))
        except BillError as err:
            return self._error(err)

    async def api(self, request: Request) -> Response:
        rest = request.path_params["rest"].strip("/")
        try:
            org_id = self.sessions.check(
                request.headers.get("devkey"), request.headers.get("sessionid")
            )
        except BillError as err:
            return self._error(err)
        if not self.limiter.try_acquire(org_id):
            return self._error(concurrency())
        try:
            if not self.hourly.try_take(self.sessions.account.dev_key):
                return self._error(hourly(self.hourly.limit))
            if self.config.latency_seconds:
                await asyncio.sleep(self.config.latency_seconds)
            raw = await request.body()
            with self.lock:
                try:
                    status, payload = self._dispatch(request, rest, raw)
                except BillError as err:
                    return self._error(err)
                return self._json(status, payload)
        finally:
            self.limiter.release(org_id)

    def _dispatch(self, request: Request, rest: str, raw: bytes) -> tuple[int, Any]:
        method = request.method
        if rest == "logout" and method == "POST":
            self.sessions.logout(request.headers.get("sessionid", ""))
            return 200, {}
        if rest == "login/session" and method == "GET":
            return 200, self.sessions.describe(request.headers.get("sessionid", ""))
        if rest.startswith("organizations/") and method == "GET":
            wanted = rest.split("/", 1)[1]
            if wanted != self.org.org_id:
                raise BillError(404, "BDC_1120", f"Invalid id: {wanted}")
            return 200, {
                "id": self.org.org_id,
                "name": self.config.bill_org_name,
                "archived": False,
            }
        if rest in RECORD_PAYMENT and method == "POST":
            bill_roles.check_access(
                self.config.bill_user_role, RECORD_PAYMENT[rest].creates, method
            )
            return 200, self.org.record_payment(RECORD_PAYMENT[rest], self._body(raw))
        return self._on_resource(request, rest, raw)

    def _on_resource(self, request: Request, rest: str, raw: bytes) -> tuple[int, Any]:
        """A call on ``/v3/{resource}[/{id}[/archive|restore|void]]`` (``void``: payments
        only) or ``POST /v3/{resource}/bulk`` (the resources with a bulk create); anything
        the resource does not offer is BDC_1121."""
        method = request.method
        resource, tail = self._resource(rest)
        if resource is None:
            raise not_supported(method, f"/v3/{rest}")
        bill_roles.check_access(self.config.bill_user_role, resource.path, method)
        if not tail:
            if method == "GET":
                params = dict(request.query_params)
                return 200, bill_lists.page(
                    resource,
                    lambda: self.org.all(resource.path),
                    params,
                    memo=self.org.list_memo,
                    generation=self.org.generation,
                )
            if method == "POST" and resource.creatable:
                return 200, self.org.create_request(resource, self._body(raw))
        elif tail == ["bulk"] and method == "POST" and resource.bulk:
            made = self.org.create_bulk(resource, self._body(raw))
            # 201, as BILL's Postman collection answers a bulk create [P].
            return 201, made if resource.bulk_answer is None else {resource.bulk_answer: made}
        elif len(tail) == 1:
            if method == "GET":
                return 200, self.org.get(resource, tail[0])
            if method == "PATCH" and resource.updatable:
                return 200, self.org.patch_request(resource, tail[0], self._body(raw))
        elif len(tail) == 2 and method == "POST":
            if tail[1] == "archive" and resource.archivable:
                return 200, self.org.set_archived(resource, tail[0], True)
            if tail[1] == "restore" and resource.restorable:
                return 200, self.org.set_archived(resource, tail[0], False)
            if tail[1] == "void" and resource.path == "payments":
                return 200, self.org.void_payment(tail[0], self._body(raw))
        raise not_supported(method, f"/v3/{rest}")

    @staticmethod
    def _resource(rest: str) -> tuple[BillResource | None, list[str]]:
        parts = rest.split("/")
        for size in (2, 1):
            path = "/".join(parts[:size])
            if path in BY_PATH:
                return BY_PATH[path], parts[size:]
        return None, []

    def app(self) -> Starlette:
        async def unknown(request: Request) -> Response:
            return self._error(not_supported(request.method, request.url.path))

        return Starlette(
            routes=[
                Route("/connect/v3/login", self.login, methods=["POST"]),
                Route(
                    "/connect/v3/{rest:path}",
                    self.api,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                ),
                Route("/{rest:path}", unknown, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
            ]
        )
