"""The QuickBooks Online v3 stand-in as a Starlette app (mounted at ``/qbo``).

Layering follows production: the gateway (auth, throttles) answers in its own shapes
before the API layer (Faults) ever sees the request, and ``requestid`` replays sit in
front of the API layer so a retried write is never executed twice.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import threading
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import jsonio, qbo_cdc, qbo_query
from .clock import SandboxClock, qbo_time
from .config import SandboxConfig
from .limits import ConcurrencyLimiter, WindowBudget
from .qbo_company import company_info
from .qbo_entities import BY_NAME, SINGLETONS
from .qbo_faults import (
    QboFault,
    gateway_401,
    gateway_403,
    invalid_property,
    query_parse,
    throttle_xml,
    unsupported,
)
from .qbo_oauth import OAuthError, QboOAuth
from .qbo_store import QboCompany, require_entity_path

JSON = "application/json;charset=UTF-8"
#: The accounting scope, and the others Intuit's consent page knows.
SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = frozenset({SCOPE, "com.intuit.quickbooks.payment", "openid", "profile", "email"})
BATCH_CAP = 30
#: With a ``requestid``, a batch's requestid is held to 36 characters and each ``bId`` to
#: 10 (https://blogs.intuit.com/2015/04/06/15346/); without one a ``bId`` is any unique text.
BATCH_REQUESTID_MAX = 36
BATCH_BID_MAX_WITH_REQUESTID = 10


class QboService:
    """Gateway + API of one sandbox QBO company."""

    def __init__(
        self,
        company: QboCompany,
        oauth: QboOAuth,
        config: SandboxConfig,
        clock: SandboxClock,
        lock: threading.RLock,
    ) -> None:
        self.company = company
        self.oauth = oauth
        self.config = config
        self.clock = clock
        self.lock = lock
        self.limiter = ConcurrencyLimiter(config.qbo_max_concurrent)
        self.budget = WindowBudget(config.qbo_per_minute, config.qbo_window_seconds, clock.now)
        self.batch_budget = WindowBudget(
            config.qbo_batches_per_minute, config.qbo_window_seconds, clock.now
        )
        self.replays: dict[tuple[str, str], tuple[int, bytes, str]] = {}
        self._tids = itertools.count(1)

    # --- responses ----------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"intuit_tid": f"1-sandbox-{next(self._tids):08x}"}

    def _json(self, status: int, payload: dict[str, Any]) -> Response:
        return Response(jsonio.dumps(payload), status, headers=self._headers(), media_type=JSON)

    def _stamped(self, payload: dict[str, Any]) -> dict[str, Any]:
        payload["time"] = qbo_time(self.clock.now())
        return payload

    def _throttled(self) -> Response:
        return Response(
            throttle_xml(qbo_time(self.clock.now())),
            429,
            headers=self._headers(),
            media_type="application/xml",
        )

    # --- OAuth --------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        try:
            ctype = request.headers.get("content-type", "")
            is_form = "application/x-www-form-urlencoded" in ctype
            form = (
                {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
                if is_form
                else {}
            )
            self.oauth.check_client(request.headers.get("authorization"), form)
            if not is_form:
                raise OAuthError(
                    400, "invalid_request", "body must be application/x-www-form-urlencoded"
                )
            grant = form.get("grant_type")
            if grant == "refresh_token":
                payload = self.oauth.refresh(form.get("refresh_token"))
            elif grant == "authorization_code":
                payload = self.oauth.exchange_code(form.get("code"), form.get("redirect_uri"))
            else:
                raise OAuthError(400, "unsupported_grant_type")
        except OAuthError as exc:
            return self._oauth_error(exc)
        return self._json(200, payload)

    def _oauth_error(self, exc: OAuthError) -> Response:
        response = self._json(exc.status, exc.body())
        if exc.challenge:
            response.headers["WWW-Authenticate"] = 'Basic realm="Intuit"'
        return response

    async def revoke(self, request: Request) -> Response:
        try:
            self.oauth.check_client(request.headers.get("authorization"), {})
            try:
                body = jsonio.loads(await request.body())
            except jsonio.JsonError:
                raise OAuthError(400, "invalid_request", "body must be JSON") from None
            self.oauth.revoke(body.get("token") if isinstance(body, dict) else None)
        except OAuthError as exc:
            return self._oauth_error(exc)
        return Response(b"", 200, headers=self._headers())

    async def discovery(self, request: Request) -> Response:
        """Intuit's OpenID discovery document, naming this stand-in's endpoints
        (https://developer.intuit.com/.well-known/openid-sandbox-configuration)."""
        base = str(request.url.replace(query="")).split("/.well-known/")[0]
        return self._json(
            200,
            {
                "issuer": "https://oauth.platform.intuit.com/op/v1",
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile", "address", "phone"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
            },
        )

    async def authorize(self, request: Request) -> Response:
        """Intuit's consent page, for a scripted person who signs in and approves at once.

        As on Intuit's page, an unknown app or an unusable ``redirect_uri`` is an error page
        (there is nowhere safe to send the browser); other problems (response type, scope,
        missing state) go back to the redirect URI as ``error=...`` with the state.
        Approval redirects with a fresh single-use ``code``, the ``state`` echoed and the
        company's ``realmId``; a person who is not an admin of the company
        (``qbo_consent_user``) is refused with ``error=access_denied``.
        """
        params = request.query_params
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.oauth.client_id:
            return self._consent_page(400, "invalid_client", "this app (client_id) is unknown")
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            return self._consent_page(
                400, "invalid_request", "redirect_uri must be an absolute http(s) address"
            )
        query: dict[str, str] = {}
        scopes = params.get("scope", "").split()
        if params.get("response_type") != "code":
            query["error"] = "unsupported_response_type"
        elif SCOPE not in scopes or not set(scopes) <= KNOWN_SCOPES:
            query["error"] = "invalid_scope"
        elif not params.get("state"):
            query.update(error="invalid_request", error_description="state is required")
        elif self.config.qbo_consent_user != "admin":
            # Only a company admin can connect an app; a refused consent goes back to the
            # redirect URI as RFC 6749 4.1.2.1's access_denied (Intuit: "if the user doesn't
            # grant the permission, the server returns an error"; the exact answer to a
            # user who is not an admin is on no Intuit page [U]).
            query["error"] = "access_denied"
        else:
            try:
                code = self.oauth.issue_code(params.get("client_id"), redirect_uri)
            except OAuthError as exc:
                return self._consent_page(exc.status, exc.error, exc.description)
            query.update(code=code, realmId=self.company.realm_id)
        if params.get("state"):
            query["state"] = params["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(query)}", 302)

    def _consent_page(self, status: int, error: str, description: str) -> Response:
        return Response(
            "<html><body><h1>Something went wrong</h1>"
            f"<p>{html.escape(error)}: {html.escape(description)}</p></body></html>",
            status,
            headers=self._headers(),
            media_type="text/html",
        )

    # --- company API --------------------------------------------------------------------

    async def company_api(self, request: Request) -> Response:
        realm = request.path_params["realm"]
        token_realm, reason = self.oauth.authenticate(request.headers.get("authorization"))
        if token_realm is None:
            return self._json(401, gateway_401(reason))
        if realm != self.company.realm_id or token_realm != realm:
            return self._json(403, gateway_403(f"the token is not authorised for company {realm}"))
        if not self.limiter.try_acquire(realm):
            return self._throttled()
        try:
            if not self.budget.try_take(realm):
                return self._throttled()
            batch = request.path_params["rest"].strip("/") == "batch"
            if batch and not self.batch_budget.try_take(realm):
                return self._throttled()
            if self.config.latency_seconds:
                await asyncio.sleep(self.config.latency_seconds)
            body = await request.body()
            request_id = request.query_params.get("requestid")
            if request_id is not None:
                # At most 50 characters, 36 for a batch (https://blogs.intuit.com/2015/04/06/15346/).
                most = BATCH_REQUESTID_MAX if request.path_params["rest"] == "batch" else 50
                if not request_id or len(request_id) > most:
                    return self._json(
                        400,
                        self._stamped(
                            QboFault(
                                "2010",
                                "Request has invalid or unsupported property",
                                f"requestid must be 1 to {most} characters",
                                element="requestid",
                            ).body()
                        ),
                    )
                with self.lock:
                    cached = self.replays.get((realm, request_id))
                if cached is not None:
                    status, content, media = cached
                    return Response(content, status, headers=self._headers(), media_type=media)
            with self.lock:
                try:
                    status, payload = self._dispatch(request, request.path_params["rest"], body)
                except QboFault as fault:
                    status, payload = fault.status, fault.body()
                content = jsonio.dumps(self._stamped(payload))
                if request_id is not None:
                    self.replays[(realm, request_id)] = (status, content, JSON)
            return Response(content, status, headers=self._headers(), media_type=JSON)
        finally:
            self.limiter.release(realm)

    def _dispatch(self, request: Request, rest: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = [p for p in rest.split("/") if p]
        method = request.method
        params = request.query_params
        if parts == ["query"]:
            return 200, {"QueryResponse": self._query(self._query_text(request, body))}
        if parts == ["cdc"] and method == "GET":
            return 200, {
                "CDCResponse": qbo_cdc.changed_since(
                    self.company,
                    params.get("entities"),
                    params.get("changedSince"),
                    self.clock.now(),
                    max_days=self.config.qbo_cdc_days,
                    cap=self.config.qbo_cdc_cap,
                )
            }
        if parts == ["batch"] and method == "POST":
            return 200, self._batch(
                self._json_body(request, body), with_requestid="requestid" in params
            )
        if len(parts) == 2 and parts[0] == "companyinfo" and method == "GET":
            return 200, {"CompanyInfo": self._company_info(parts[1])}
        if parts == ["preferences"] and method == "GET":
            return 200, {"Preferences": self.company.preferences.record()}
        if len(parts) == 2 and method == "GET":
            entity = require_entity_path(parts[0])
            return 200, {entity.name: self.company.read(entity, parts[1])}
        if len(parts) == 1 and method == "POST":
            entity = require_entity_path(parts[0])
            payload = self._json_body(request, body)
            return 200, {
                entity.name: self._write(
                    entity.name, params.get("operation"), params.get("include"), payload
                )
            }
        raise QboFault(
            "500", "Unsupported Operation", f"{method} /{rest} is not supported", status=400
        )

    def _query_text(self, request: Request, body: bytes) -> str:
        """The query statement: ``?query=`` on a GET, the body (application/text) on a POST."""
        if request.method == "GET":
            text = request.query_params.get("query")
        else:
            ctype = request.headers.get("content-type", "")
            if not ctype.startswith(("application/text", "text/plain")):
                raise QboFault(
                    "500",
                    "Unsupported Operation",
                    f"query bodies must be Content-Type application/text, not {ctype or 'none'}",
                    status=415,
                )
            text = self._text(body)
        if not text:
            raise query_parse("no query given")
        return text

    def _company_info(self, realm_id: str) -> dict[str, Any]:
        if realm_id != self.company.realm_id:
            raise QboFault(
                "610",
                "Object Not Found",
                f"Object Not Found : CompanyInfo {realm_id}",
                status=400,
            )
        return company_info(self.config.qbo_company_name, self.company.created)

    def _text(self, body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise unsupported("the request body is not UTF-8") from None

    def _json_body(self, request: Request, body: bytes) -> Any:
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("application/json"):
            raise QboFault(
                "500",
                "Unsupported Operation",
                f"write bodies must be Content-Type application/json, not {ctype or 'none'}",
                status=415,
            )
        try:
            return jsonio.loads(body)
        except jsonio.JsonError as exc:
            if "UTF-8" in str(exc):
                raise unsupported("the request body is not UTF-8") from None
            raise QboFault(
                "2010",
                "Request has invalid or unsupported property",
                f"the request body is not valid JSON: {exc}",
            ) from None

    def _query(self, text: str) -> dict[str, Any]:
        query = qbo_query.parse(text)
        name = query.entity.name
        if name in SINGLETONS:
            rows = [self._singleton(name)]
            result = qbo_query.run(query, rows, over_cap=self.config.maxresults_over_cap)
        elif qbo_query.by_updated(query):
            stamps, ordered = self.company.by_updated(name)
            result = qbo_query.run_by_updated(
                query, stamps, ordered, over_cap=self.config.maxresults_over_cap
            )
        else:
            rows = [rec for _, rec in self.company.rows(name)]
            result = qbo_query.run(query, rows, over_cap=self.config.maxresults_over_cap)
        if name in result:
            result[name] = [qbo_query.project(query, self.company.render(r)) for r in result[name]]
        return result

    def _singleton(self, name: str) -> dict[str, Any]:
        if name == "CompanyInfo":
            return self._company_info(self.company.realm_id)
        return self.company.preferences.record()

    def _write(
        self, entity_name: str, operation: str | None, include: str | None, payload: Any
    ) -> dict[str, Any]:
        """A create/update, delete or void; ``include`` (comma-separated) may ask for a
        void (``operation=update&include=void``: Payment, BillPayment; Invoice takes
        ``operation=void``) or let a duplicate DocNumber through (``allowduplicatedocnum``)."""
        entity = BY_NAME[entity_name]
        includes = {part.strip().lower() for part in (include or "").split(",") if part.strip()}
        if operation in (None, "create", "update"):
            if "void" in includes:
                return self.company.void(entity, payload)
            return self.company.save(
                entity, payload, allow_duplicate_doc="allowduplicatedocnum" in includes
            )
        if operation == "delete":
            return self.company.delete(entity, payload)
        if operation == "void":
            return self.company.void(entity, payload)
        raise unsupported(f"Operation {operation} is not supported")

    def _batch(self, payload: Any, *, with_requestid: bool = False) -> dict[str, Any]:
        items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise QboFault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "BatchItemRequest is required",
            )
        if len(items) > BATCH_CAP:
            raise QboFault(
                "1040",
                "Batch size exceeds allowed limit",
                f"at most {BATCH_CAP} items per batch, got {len(items)}",
            )
        out: list[dict[str, Any]] = []
        for item in items:
            bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
            try:
                out.append({"bId": bid, **self._batch_item(item, bid, with_requestid)})
            except QboFault as fault:
                out.append({"bId": bid, "Fault": fault.body()["Fault"]})
        return {"BatchItemResponse": out}

    def _batch_item(self, item: Any, bid: str, with_requestid: bool) -> dict[str, Any]:
        """One batch item's answer: ``QueryResponse`` or the entity written."""
        if not isinstance(item, dict) or not bid:
            raise QboFault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "each item needs a bId",
                element="bId",
            )
        if with_requestid and len(bid) > BATCH_BID_MAX_WITH_REQUESTID:
            raise invalid_property(
                "bId",
                f"with a requestid each bId may have at most {BATCH_BID_MAX_WITH_REQUESTID} "
                f"characters, not {len(bid)}",
            )
        if "Query" in item:
            return {"QueryResponse": self._query(item["Query"])}
        names = [k for k in item if k in BY_NAME]
        if len(names) != 1:
            raise QboFault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "each item needs one entity",
            )
        op = item.get("operation", "create")
        if item.get("optionsData") == "void":
            op = "void"
        return {
            names[0]: self._write(names[0], None if op == "update" else op, None, item[names[0]])
        }

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/oauth2/v1/tokens/bearer", self.token, methods=["POST"]),
                Route("/oauth2/v1/tokens/revoke", self.revoke, methods=["POST"]),
                # developer.intuit.com/.well-known/openid_sandbox_configuration/ (and the
                # production and hyphenated spellings Intuit serves too).
                *(
                    Route(f"/.well-known/{name}{slash}", self.discovery, methods=["GET"])
                    for name in (
                        "openid_sandbox_configuration",
                        "openid_configuration",
                        "openid-sandbox-configuration",
                        "openid-configuration",
                    )
                    for slash in ("", "/")
                ),
                # Intuit's consent page lives at appcenter.intuit.com/connect/oauth2.
                Route("/connect/oauth2", self.authorize, methods=["GET"]),
                Route("/v3/company/{realm}/{rest:path}", self.company_api, methods=["GET", "POST"]),
            ]
        )
