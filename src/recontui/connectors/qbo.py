"""QuickBooks Online v3 connector (side b).

Speaks the real protocol (``docs/remote-shapes.md``, ``api-contracts.md`` §1):
OAuth 2 with rotating refresh tokens, ``minorversion=75`` on every call,
``requestid`` on every write so a retried write is replayed rather than done
twice, SQL-like queries for pulls and look-ups, and Fault bodies turned into
the connector exceptions. Field mapping lives in :mod:`.qbo_map`; wire policy
(retries, concurrency, logging) in :mod:`.http`.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import datetime as dt
import hashlib
import re
import shlex
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from ..model.record import RemoteRecord
from . import qbo_map
from .base import (
    AuthError,
    ConnectorError,
    NotFoundError,
    Page,
    PermissionDeniedError,
    ProtocolError,
    RejectedError,
    SecretAccess,
    StaleVersionError,
    UnreachableError,
)
from .common import ConnectorBase, Ctx, query_bound, ref_id, text_key
from .http import (
    DECODED,
    HttpClient,
    RateGovernor,
    Retry,
    dumps_json,
    loads_json,
    loop_time,
    shared_governor,
    support_id,
    tag_error,
    with_support_id,
)
from .values import MappingError, later, parse_timestamp

MINOR_VERSION = "75"
MAX_RESULTS = 1000
#: Refresh the access token when it has less than this many seconds left.
REFRESH_MARGIN_SECONDS = 300
MAX_CONCURRENCY = 10
#: QBO accepts request ids of at most 50 characters.
MAX_REQUEST_ID = 50

#: Change data capture looks back 30 days; recontui uses it for cursors younger than this.
CDC_DAYS = 29.0
#: The most objects one CDC answer carries (shared by the entities asked for).
CDC_CAP = 1000

#: Intuit's consent page, the scope recontui asks for, and the redirect URI it suggests
#: (Intuit's OAuth playground page: registered by many apps, and it needs no local server).
AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
SCOPE = "com.intuit.quickbooks.accounting"
DEFAULT_REDIRECT_URI = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"

RECONNECT = "reconnect required: run `recontui profile connect qbo`, then sync again"
#: Who can connect an app to a QuickBooks Online company: only its admins.
ADMIN_STEP = (
    "sign in to the consent page as an admin of the QuickBooks Online company (only admins "
    "can connect apps)"
)

#: The response header Intuit's support asks for: every error made from an answer names it.
TID_HEADER = "intuit_tid"
#: The ``intuit_tid`` of the last answer this task received from the company API (None
#: while a request waits for its answer): the errors made from that answer carry it.
_ANSWER_TID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "qbo_answer_tid", default=None
)


def reconnect_step(profile: str | None) -> str:
    """The next step when the saved authorisation is gone, naming the profile when known."""
    if not profile:
        return RECONNECT
    return (
        "reconnect required: run `recontui profile connect qbo --profile "
        f"{shlex.quote(profile)}`, then sync again"
    )


_XML_CODE = re.compile(rb'<Error[^>]*\bcode="([^"]+)"')
_XML_MESSAGE = re.compile(rb"<Message>(.*?)</Message>", re.S)
_XML_DETAIL = re.compile(rb"<Detail>(.*?)</Detail>", re.S)


#: Creates sent in one batch request: "Recommended maximum number of payloads in a single
#: batch request is 30" (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles).
BATCH_ITEMS = 30
#: Batch requests a minute per company: "40 batch requests per minute per realm ID and app".
BATCH_PER_MINUTE = 40


def request_id(idempotency_key: str) -> str:
    """The ``requestid`` for a write: the key itself, or its hash when too long for QBO."""
    if len(idempotency_key) <= MAX_REQUEST_ID:
        return idempotency_key
    return hashlib.sha1(idempotency_key.encode()).hexdigest()


def quote(value: str) -> str:
    """A QBO query string literal (single quotes, backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


#: What to do about a write QBO rejected, by its fault code.
_REJECTION_HINTS = {
    "6240": "another customer, vendor or employee already uses this name; rename one",
    "610": "it refers to something inactive or deleted; reactivate it or change the reference",
    "6140": "that document number is already used; change the number",
    "6070": "a line amount is not quantity times unit price; fix the line",
}


#: The canonical fields QuickBooks Online requires, per entity (see ``required_fields``).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "customer": ("name",),
    "vendor": ("name",),
    "bill": ("lines.account",),
    "vendor_credit": ("lines.account",),
    "item": ("income_account",),
}


class QboConnector(ConnectorBase):
    """QuickBooks Online for one realm. Use ``async with``.

    Options are :class:`~.common.ConnectorBase`'s, plus ``clock`` (monotonic
    seconds) for the access token's expiry, and ``cdc_days``/``cdc_cap`` (how young a
    cursor must be to pull it with change data capture, and the most objects one CDC
    answer holds). The setting ``profile_name`` only names the profile in sentences.
    """

    system = "qbo"
    label = "QuickBooks Online"
    entities = qbo_map.QBO_ENTITIES
    required_settings = ("api_base", "token_url", "realm_id")
    fix_profile = RECONNECT
    max_page = MAX_RESULTS
    max_concurrency = MAX_CONCURRENCY
    #: QBO throttles at 500 requests per minute per realm (api-contracts 1.8).
    rate_limit = 500
    rate_window = 60.0
    #: Creates one batch request carries (``create_many``).
    create_batch = BATCH_ITEMS
    #: "If you see [a 429], wait 60 seconds before retrying the request."
    #: (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles)
    throttle_wait = 60.0
    log_headers = (TID_HEADER,)

    def __init__(
        self,
        settings: Mapping[str, str],
        secrets: SecretAccess,
        *,
        clock: Callable[[], float] = loop_time,
        cdc_days: float = CDC_DAYS,
        cdc_cap: int = CDC_CAP,
        **options: Any,
    ) -> None:
        self._reconnect = reconnect_step(settings.get("profile_name"))
        self.fix_profile = self._reconnect
        super().__init__(settings, secrets, **options)
        self._clock = clock
        self._cdc_days = cdc_days
        self._cdc_cap = cdc_cap
        #: Server clock minus ours, learnt from every answer's ``time``.
        self._skew: dt.timedelta | None = None
        self.realm_id = self._company_id = settings["realm_id"]
        self._base = f"{settings['api_base'].rstrip('/')}/v3/company/{self.realm_id}"
        self._token_url = settings["token_url"]
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._bank_account: str | None = settings.get("bank_account_id") or None
        #: Where a payment recontui creates is deposited (None: Undeposited Funds).
        self._deposit_account: str | None = None
        self._token_lock = asyncio.Lock()
        #: The company's customer types, id -> name (read when a customer first has one).
        self._customer_types: dict[str, str] | None = None
        self._types_reread = False

    async def _start(self) -> None:
        await self._refresh(stale=None)

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._access_token = None

    def _from_remote(self, entity: str, obj: Any) -> RemoteRecord:
        return qbo_map.from_qbo(entity, obj)

    async def _named(self, entity: str, record: RemoteRecord) -> RemoteRecord:
        await self._name_types(entity, [record])
        return record

    async def _name_types(self, entity: str, records: list[RemoteRecord]) -> None:
        """A customer's ``type`` as its ``CustomerTypeRef`` names it: the type's name, the
        word a person puts in an include list (the reference carries the id; the company's
        ``CustomerType`` list, ``Name`` and ``Active``, is read by query when a customer
        first needs it, and again once for a type met later). A type the company does not
        list keeps its id; a company that does not answer keeps every id (said once)."""
        ids = {str(r.fields["type"]) for r in records if r.fields.get("type") not in (None, "")}
        if entity != "customer" or not ids:
            return
        known = self._customer_types
        if known is None or (ids - set(known) and not self._types_reread):
            self._types_reread = known is not None
            self._customer_types = known = await self._customer_type_names()
        for record in records:
            type_id = record.fields.get("type")
            if type_id not in (None, ""):
                record.fields["type"] = known.get(str(type_id), type_id)

    async def _customer_type_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        start = 1
        try:
            while True:
                rows = await self._query(
                    "SELECT * FROM CustomerType WHERE Active IN (true,false) "
                    f"STARTPOSITION {start} MAXRESULTS {MAX_RESULTS}",
                    Ctx("query", "customer", "CustomerType"),
                )
                names.update(
                    {str(r["Id"]): str(r.get("Name") or r["Id"]) for r in rows if r.get("Id")}
                )
                if len(rows) < MAX_RESULTS:
                    return names
                start += len(rows)
        except ConnectorError as exc:  # never fail a read, or a write already made, for it
            self.http.emit(
                "warning",
                "QuickBooks Online did not list its customer types; a customer's type is "
                "its id in the include lists",
                {"error": str(exc)},
            )
            return names

    def required_fields(self, entity: str) -> tuple[str, ...]:
        """A customer or vendor needs its DisplayName, which name maps to ("The DisplayName
        attribute or at least one of Title, GivenName, MiddleName, FamilyName, Suffix ... are
        required during create"; it cannot be removed with a sparse update):
        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
        and .../all-entities/vendor. Every expense line of a bill or vendor credit needs its
        account (``AccountBasedExpenseLineDetail.AccountRef`` is required: .../bill,
        .../vendorcredit), a Service item its ``IncomeAccountRef`` (.../item); the profile's
        default accounts fill them (engine/defaults.py)."""
        return _REQUIRED.get(entity, ())

    def use_default_accounts(self, accounts: Mapping[str, str]) -> None:
        """The profile's default QuickBooks accounts (ids, by ``engine.defaults.Account``
        value), given by the run: ``bank_account`` pays bill payments (over the profile's
        ``bank_account_id``), ``deposit_account`` receives the payments recontui creates."""
        bank = str(accounts.get("bank_account") or "").strip()
        if bank:
            self._bank_account = bank
        self._deposit_account = str(accounts.get("deposit_account") or "").strip() or None

    # -- OAuth -------------------------------------------------------------

    async def _refresh(self, stale: str | None) -> None:
        """Trade the saved refresh token for an access token; save the rotated one.

        Serialised by a lock: when several requests see a 401 at once, only the
        first refreshes (refresh tokens rotate, so a second refresh with the old
        one could fail); the others find a newer token and just retry.
        """
        async with self._token_lock:
            if stale is not None and self._access_token not in (None, stale):
                return
            client_id, client_secret, refresh_token = self._saved_keys()
            response, data = await _token_call(
                self.http,
                self._token_url,
                client_id,
                client_secret,
                {"grant_type": "refresh_token", "refresh_token": refresh_token},
            )
            if response.status_code >= 400:
                raise _token_refused(
                    response,
                    data,
                    invalid_grant="QuickBooks Online refused the saved authorisation "
                    f"(invalid_grant: it expired or was revoked): {self._reconnect}.",
                    invalid_client="QuickBooks Online refused this profile's app credentials "
                    "(invalid_client): check client_id and client_secret, or "
                    f"{self._reconnect}.",
                    otherwise=f"try again later, or {self._reconnect}",
                )
            if not isinstance(data, dict) or not data.get("access_token"):
                raise ProtocolError(
                    with_support_id(
                        "QuickBooks Online's token service (POST token_url) sent an answer "
                        "without an access token: try again later.",
                        support_id(response, (TID_HEADER,)),
                    )
                )
            self._keep_tokens(data)

    def _saved_keys(self) -> tuple[str, str, str]:
        """client_id, client_secret and refresh_token from the secret store; AuthError
        naming what is missing and how to add it."""
        client_id = self._secrets.get("client_id")
        client_secret = self._secrets.get("client_secret")
        refresh_token = self._secrets.get("refresh_token")
        missing = [
            name
            for name, value in (
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("refresh_token", refresh_token),
            )
            if not value
        ]
        if missing == ["refresh_token"]:
            raise AuthError(
                "QuickBooks Online is not connected for this profile yet (no saved "
                f"refresh_token): {self._reconnect}."
            )
        if missing:
            raise AuthError(
                f"QuickBooks Online has no saved {', '.join(missing)} for this profile: add "
                "the app's keys with `recontui profile add NAME --secrets-file FILE`, then "
                f"{self._reconnect.removeprefix('reconnect required: ')}."
            )
        return str(client_id), str(client_secret), str(refresh_token)

    def _keep_tokens(self, data: Mapping[str, Any]) -> None:
        """Save a rotated refresh token first (the old one may already be dead), then hold
        the new access token until shortly before it expires."""
        new_refresh = data.get("refresh_token")
        if new_refresh:
            self._secrets.set("refresh_token", str(new_refresh))
        try:
            lifetime = float(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._access_token = str(data["access_token"])
        self._expires_at = self._clock() + lifetime
        self.http.emit(
            "info",
            "QuickBooks Online access token refreshed",
            {"expires_in": lifetime, "refresh_token_rotated": bool(new_refresh)},
        )

    async def _token(self) -> str:
        if self._access_token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
            await self._refresh(stale=self._access_token)
        assert self._access_token is not None
        return self._access_token

    # -- requests ----------------------------------------------------------

    async def _api(
        self,
        method: str,
        path: str,
        ctx: Ctx,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        text: str | None = None,
        requestid: str | None = None,
        governors: Sequence[RateGovernor] = (),
    ) -> dict[str, Any]:
        """One API call: token, minorversion, requestid, one refresh on 401, Fault mapping;
        ``governors`` pace it besides the company's limits (the batch budget)."""
        url = f"{self._base}/{path}"
        query: dict[str, str] = {"minorversion": MINOR_VERSION, **(params or {})}
        if requestid is not None:
            query["requestid"] = requestid
        content: bytes | None = None
        content_type = None
        if body is not None:
            content, content_type = dumps_json(body), "application/json"
        elif text is not None:
            content, content_type = text.encode(), "application/text"
        for attempt in (1, 2):
            token = await self._token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if content_type:
                headers["Content-Type"] = content_type
            _ANSWER_TID.set(None)
            response = await self.http.request(
                method,
                url,
                params=query,
                headers=headers,
                content=content,
                retry=Retry.ALWAYS,
                decode=loads_json,
                governors=governors,
            )
            _ANSWER_TID.set(response.headers.get(TID_HEADER) or None)
            if response.status_code == 401:
                if attempt == 1:
                    self.http.emit(
                        "info", "QuickBooks Online refused the access token; refreshing it", {}
                    )
                    await self._refresh(stale=token)
                    continue
                raise AuthError(
                    with_support_id(
                        "QuickBooks Online refused the access token even after refreshing it: "
                        f"{self._reconnect}.",
                        self._support(),
                    )
                )
            try:
                data = self._parse(response, ctx, f"{method} /{path}")
            except ConnectorError as exc:
                tag_error(exc, self._support())
                raise
            self._note_time(data.get("time"))
            return data
        raise AssertionError("unreachable")

    def _support(self) -> str:
        """The ``intuit_tid`` of the answer being handled, named ("" when it had none)."""
        tid = _ANSWER_TID.get()
        return f"{TID_HEADER} {tid}" if tid else ""

    def _parse(self, response: httpx.Response, ctx: Ctx, endpoint: str) -> dict[str, Any]:
        status = response.status_code
        raw = response.content
        try:
            if DECODED in response.extensions:
                data = response.extensions[DECODED]
            else:
                data = loads_json(raw) if raw else None
        except ValueError:
            data = None
            if status >= 400 and b"<Fault" in raw:
                errors = [_xml_error(raw)]
                raise self._fault(status, errors, ctx, endpoint) from None
            if status < 400:
                raise self._unreadable(ctx, endpoint) from None
        if isinstance(data, dict):
            fault = data.get("Fault") or data.get("fault")
            if isinstance(fault, dict):
                errors = fault.get("Error") or fault.get("error") or []
                if not isinstance(errors, list):
                    errors = [errors]
                raise self._fault(status, [_lower(e) for e in errors], ctx, endpoint, fault)
        if status >= 400:
            raise self._fault(status, [], ctx, endpoint)
        if not isinstance(data, dict):
            raise ProtocolError(
                f"QuickBooks Online answered {endpoint} ({ctx.what}) with something other than "
                "a JSON object: sync again; if it keeps happening, report it."
            )
        return data

    def _fault(
        self,
        status: int,
        errors: list[dict[str, Any]],
        ctx: Ctx,
        endpoint: str,
        fault: Mapping[str, Any] | None = None,
    ) -> ConnectorError:
        first = errors[0] if errors else {}
        code = str(first.get("code") or status)
        message = str(first.get("message") or "").strip()
        detail = str(first.get("detail") or "").strip()
        said = f"{code} {message}".strip() + (f": {detail}" if detail else "")
        fault_type = str((fault or {}).get("type") or (fault or {}).get("Type") or "").lower()
        self.http.emit(
            "warning",
            self._said(f"QuickBooks Online fault on {endpoint}: {code} {message}".rstrip()),
            {
                TID_HEADER: _ANSWER_TID.get(),
                "status": status,
                "code": code,
                "message": message,
                "detail": detail,
                "action": ctx.action,
                "entity": ctx.entity,
                "record": ctx.record,
            },
        )
        refused = self._refused(status, code, said, fault_type, ctx, endpoint)
        if refused is not None:
            return refused
        if ctx.action in ("read", "query", "company", "bank"):
            if code == "610" or status == 404:
                return NotFoundError(f"QuickBooks Online has no {ctx.what} ({said}).")
            return self._not_accepted(ctx, endpoint, said)
        if status == 404:
            return self._not_found(ctx, endpoint)
        if status >= 500 and code in (str(status), ""):
            return self._failed(ctx, endpoint, f"HTTP {status}")
        hint = _REJECTION_HINTS.get(code, "correct the record")
        return RejectedError(
            f"QuickBooks Online rejected the {ctx.action} of {ctx.what} ({said}): {hint}, then "
            "sync again.",
            code=code,
            entity=ctx.entity,
            record=ctx.record,
        )

    def _refused(
        self, status: int, code: str, said: str, fault_type: str, ctx: Ctx, endpoint: str
    ) -> ConnectorError | None:
        """The faults about the request itself rather than the record: a stale version,
        authorisation, throttling, a company that cannot be used; None for the others."""
        if code == "5010":
            return StaleVersionError(
                f"QuickBooks Online holds a newer version of {ctx.what} than the one this change "
                "was based on (Stale Object Error): sync again to merge the latest changes."
            )
        if status in (401,) or code in ("3200", "120") or fault_type.startswith("authentication"):
            return AuthError(
                f"QuickBooks Online refused the request for {ctx.what} ({said}): {self._reconnect}."
            )
        if status == 403 or code == "3100":
            # Only a company admin can connect an app; a connection whose user is no longer
            # one is refused (https://developer.intuit.com/app/developer/qbo/docs/develop/
            # troubleshooting/handling-common-errors: "reach out to a current admin user").
            return PermissionDeniedError(
                f"QuickBooks Online denied access to {endpoint} ({said}): this profile's app "
                f"is no longer connected to company {self.realm_id}, or the user who "
                f"connected it is not an admin there; {ADMIN_STEP}, then connect again: "
                f"{self._reconnect.removeprefix('reconnect required: ')}.",
                system=self.system,
                entity=ctx.entity,
                roles=("admin",),
            )
        if status == 429 or code == "3001":
            return UnreachableError(
                "QuickBooks Online is throttling requests for this company: wait a minute and "
                "sync again."
            )
        if code == "6190":
            return ConnectorError(
                f"QuickBooks Online says company {self.realm_id} cannot be used ({said}): check "
                "the company's subscription, then sync again."
            )
        return None

    def _entity_in(self, data: Mapping[str, Any], entity: str, endpoint: str) -> RemoteRecord:
        name = qbo_map.spec(entity).name
        obj = data.get(name)
        if not isinstance(obj, dict):
            raise self._lacking(endpoint, f"{name} object")
        return self._record(entity, obj, endpoint)

    def _note_time(self, stamp: Any) -> None:
        """Learn the server's clock from an answer's ``time`` (CDC's window is on it)."""
        if not isinstance(stamp, str):
            return
        try:
            moment = parse_timestamp(stamp)
        except MappingError:
            return
        if moment.tzinfo is not None:
            self._skew = moment - dt.datetime.now(dt.UTC)

    async def _server_now(self) -> dt.datetime:
        """The server's clock now (asked once if no answer has told it yet)."""
        if self._skew is None:
            try:
                await self._company_name()
            except (NotFoundError, ProtocolError):
                pass
        return dt.datetime.now(dt.UTC) + (self._skew or dt.timedelta(0))

    async def _query(self, statement: str, ctx: Ctx) -> list[dict[str, Any]]:
        return (await self._query_timed(statement, ctx))[0]

    async def _query_timed(
        self, statement: str, ctx: Ctx
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The rows of one query, and the answer's ``time`` (the server's clock)."""
        data = await self._api("POST", "query", ctx, text=statement)
        response = data.get("QueryResponse")
        if not isinstance(response, dict):
            raise self._lacking("POST /query", "QueryResponse")
        table = statement.split(" FROM ", 1)[1].split(" ", 1)[0]
        rows = response.get(table, [])
        if not isinstance(rows, list):
            raise ProtocolError(
                with_support_id(
                    f"QuickBooks Online's QueryResponse.{table} is not a list: report it with "
                    "the log.",
                    self._support(),
                )
            )
        stamp = data.get("time")
        return rows, stamp if isinstance(stamp, str) else None

    # -- runner API --------------------------------------------------------

    async def _company_name(self) -> Any:
        data = await self._api(
            "GET", f"companyinfo/{self.realm_id}", Ctx("company", "company", self.realm_id)
        )
        info = data.get("CompanyInfo")
        return info.get("CompanyName") if isinstance(info, dict) else None

    async def pull(self, entity: str, cursor: str | None) -> AsyncIterator[Page]:
        """Records changed since ``cursor``, oldest first, at most a page size per page.

        A cursor younger than ``cdc_days`` is pulled with change data capture, which
        also reports deleted transactions (as tombstones). Without a cursor, with an
        older one, for tax rates (CDC does not cover them) and when the server refuses
        the CDC window, the pull is a query (``Active IN (true,false)`` for lists), which
        cannot see deletions. The last page's cursor is the server's clock at the start
        (CDC: at its answer), so an entity that rarely changes keeps a young cursor.
        """
        s = qbo_map.spec(entity)
        since = query_bound(cursor, self._overlap)
        if since is not None:
            since = _whole_seconds(since)
        if since is not None and s.cdc:
            now = await self._server_now()
            if parse_timestamp(since) >= now - dt.timedelta(days=self._cdc_days):
                try:
                    first = await self._cdc(entity, since)
                except ProtocolError as exc:
                    self.http.emit(
                        "warning",
                        f"QuickBooks Online refused change data capture for {s.name} "
                        "records; reading them by query instead",
                        {"entity": entity, "error": str(exc)},
                    )
                else:
                    async for page in self._pull_cdc(entity, cursor, since, first):
                        await self._name_types(entity, page.records)
                        yield page
                    return
            elif s.kind == "transaction":
                self.http.emit(
                    "warning",
                    f"QuickBooks Online {s.name} records were last pulled more than "
                    f"{self._cdc_days:g} days ago, beyond change data capture: they are read "
                    "again by query, which does not show the ones deleted in QuickBooks since",
                    {"entity": entity, "cursor": cursor},
                )
        async for page in self._pull_query(entity, cursor, since):
            await self._name_types(entity, page.records)
            yield page

    async def _pull_query(
        self, entity: str, cursor: str | None, lower: str | None, *, upper: str | None = None
    ) -> AsyncIterator[Page]:
        """Query pages from ``lower`` on (before ``upper`` when given; then the last page's
        cursor stays the greatest update time seen, not the server's clock)."""
        s = qbo_map.spec(entity)
        # Keyset paging on LastUpdatedTime: each page starts again from the newest
        # time seen, so a record updated during the pull (which moves to the end)
        # cannot shift a later page and make another record be skipped, as plain
        # STARTPOSITION paging would. Rows at the boundary time come back twice and
        # are dropped by id and SyncToken (a record edited during the pull comes again,
        # with its new version); STARTPOSITION only steps through a run of more equal
        # times than fit in one page.
        fixed = ["Active IN (true,false)"] if s.kind == "list" else []
        if upper is not None:
            fixed.append(f"MetaData.LastUpdatedTime < {quote(upper)}")
        best = sent = cursor
        began: str | None = None
        start = 1
        yielded: set[tuple[str, str]] = set()
        ctx = Ctx("query", entity, "")
        while True:
            conditions = list(fixed)
            if lower:
                conditions.insert(0, f"MetaData.LastUpdatedTime >= {quote(lower)}")
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            statement = (
                f"SELECT * FROM {s.name}{where} ORDERBY MetaData.LastUpdatedTime "
                f"STARTPOSITION {start} MAXRESULTS {self._page_size}"
            )
            rows, answered = await self._query_timed(statement, ctx)
            if began is None and upper is None:
                began = answered
            versions = [(str(row.get("Id")), str(row.get("SyncToken"))) for row in rows]
            fresh = [row for row, seen in zip(rows, versions, strict=True) if seen not in yielded]
            records = [self._record(entity, row, "POST /query") for row in fresh]
            yielded.update(versions)
            for row in rows:
                stamp = qbo_map.last_updated(row)
                if stamp:
                    best = later(best, stamp)
            if len(rows) < self._page_size:
                end = later(best, began)
                if records or end != sent:
                    yield Page(records, end)
                return
            if records:
                yield Page(records, best)
                sent = best
            last = qbo_map.last_updated(rows[-1])
            if last and last != lower:
                lower, start = last, 1
            else:
                start += len(rows)

    async def _cdc(self, entity: str, since: str) -> tuple[list[dict[str, Any]], int, str | None]:
        """One CDC call for ``entity``: its objects, how many objects the answer held in
        all (the cap is shared), and the answer's ``time``."""
        s = qbo_map.spec(entity)
        data = await self._api(
            "GET",
            "cdc",
            Ctx("query", entity, ""),
            params={"entities": s.name, "changedSince": since},
        )
        answers = data.get("CDCResponse")
        if not isinstance(answers, list):
            raise self._lacking("GET /cdc", "CDCResponse list")
        rows: list[dict[str, Any]] = []
        total = 0
        for answer in answers:
            groups = answer.get("QueryResponse") if isinstance(answer, dict) else None
            if not isinstance(groups, list):
                raise self._lacking("GET /cdc", "QueryResponse list in CDCResponse")
            for group in groups:
                if not isinstance(group, dict):
                    continue
                for name, objects in group.items():
                    if not isinstance(objects, list):
                        continue
                    total += len(objects)
                    if name == s.name:
                        rows.extend(obj for obj in objects if isinstance(obj, dict))
        stamp = data.get("time")
        return rows, total, stamp if isinstance(stamp, str) else None

    async def _pull_cdc(
        self,
        entity: str,
        cursor: str | None,
        since: str,
        first: tuple[list[dict[str, Any]], int, str | None],
    ) -> AsyncIterator[Page]:
        """Pages from CDC answers, splitting a window whose answer hit the cap.

        CDC takes only a lower bound (``changedSince``), so a window is split by moving
        that bound halfway towards the server's clock until the answer holds fewer than
        ``cdc_cap`` objects: that answer is complete from the bound on. What lies before
        the bound is read by query (complete for records that exist), together with the
        deletion stubs the capped answers did carry.
        """
        rows, total, server = first
        lower = parse_timestamp(since)
        cut: dt.datetime | None = lower
        stubs: dict[str, dict[str, Any]] = {}
        while total >= self._cdc_cap and cut is not None:
            end = parse_timestamp(server) if server else await self._server_now()
            middle = _halfway(cut, end)
            for row in rows:
                if qbo_map.is_deleted(row) and _stamp_of(row, lower) < (middle or end):
                    stubs[str(row.get("Id"))] = row
            cut = middle
            if cut is not None:
                rows, total, server = await self._cdc(entity, cut.isoformat())
        best = sent = cursor
        if cut is None or cut > lower:
            self._say_capped(entity, since, cut)
            gone = sorted(stubs.values(), key=lambda row: _stamp_of(row, lower))
            if gone:
                yield Page([self._record(entity, row, "GET /cdc") for row in gone], cursor)
            upper = cut.isoformat() if cut is not None else None
            async for page in self._pull_query(entity, cursor, since, upper=upper):
                yield page
                best = sent = page.cursor
            if cut is None:
                return
        rows = sorted(rows, key=lambda row: _stamp_of(row, lower))
        for at in range(0, len(rows), self._page_size):
            chunk = rows[at : at + self._page_size]
            for row in chunk:
                best = later(best, qbo_map.last_updated(row))
            done = at + self._page_size >= len(rows)
            out = later(best, server) if done else best
            yield Page([self._record(entity, row, "GET /cdc") for row in chunk], out)
            sent = out
        end_cursor = later(best, server)
        if end_cursor != sent:
            yield Page([], end_cursor)

    def _say_capped(self, entity: str, since: str, cut: dt.datetime | None) -> None:
        """Tell the run log that CDC answers were capped and what is read by query instead."""
        s = qbo_map.spec(entity)
        where = f"before {cut.isoformat()}" if cut is not None else "in the whole window"
        self.http.emit(
            "warning" if s.kind == "transaction" else "info",
            f"QuickBooks Online had at least {self._cdc_cap} changed {s.name} records since "
            f"{since}: those changed {where} are read by query"
            + (
                ", which shows only the deletions the capped change answers carried"
                if s.kind == "transaction"
                else ""
            ),
            {"entity": entity, "since": since, "cut": cut.isoformat() if cut else None},
        )

    async def read(self, entity: str, remote_id: str) -> RemoteRecord | None:
        record = await self._read(entity, remote_id)
        return None if record is None else await self._named(entity, record)

    async def _read(self, entity: str, remote_id: str) -> RemoteRecord | None:
        s = qbo_map.spec(entity)
        ctx = Ctx("read", entity, remote_id)
        try:
            if s.read_only:
                rows = await self._query(
                    f"SELECT * FROM {s.name} WHERE Id = {quote(remote_id)}", ctx
                )
                return self._record(entity, rows[0], "POST /query") if rows else None
            data = await self._api("GET", f"{s.path}/{remote_id}", ctx)
        except NotFoundError:
            return None
        return self._entity_in(data, entity, f"GET /{s.path}/{remote_id}")

    def _writable(self, entity: str, ctx: Ctx) -> qbo_map.QboEntity:
        s = qbo_map.spec(entity)
        if s.read_only:
            raise RejectedError(
                f"QuickBooks Online does not allow recontui to change {ctx.what}: tax rates are "
                "read-only; edit them in QuickBooks.",
                code="READ_ONLY",
                entity=entity,
                record=ctx.record,
            )
        return s

    async def create(
        self, entity: str, fields: Mapping[str, Any], *, idempotency_key: str
    ) -> RemoteRecord:
        ctx = Ctx.for_fields("create", entity, fields)
        s = self._writable(entity, ctx)
        body = await self._create_body(entity, fields, ctx)
        data = await self._api(
            "POST", s.path, ctx, body=body, requestid=request_id(idempotency_key)
        )
        return await self._named(entity, self._entity_in(data, entity, f"POST /{s.path}"))

    async def _create_body(
        self, entity: str, fields: Mapping[str, Any], ctx: Ctx
    ) -> dict[str, Any]:
        """The body that creates ``fields``, with the accounts QuickBooks needs that the
        record does not carry (a bill payment's bank account, a payment's deposit one)."""
        body = self._body(ctx, partial(qbo_map.to_qbo, entity, fields))
        if entity == "bill_payment":
            bank = body.setdefault("CheckPayment", {})
            bank.setdefault("BankAccountRef", {"value": await self._bank_account_id()})
        if entity == "payment" and self._deposit_account:
            # "If you do not specify this account, payment is applied to the Undeposited
            # Funds account" (.../all-entities/payment, DepositToAccountRef).
            body.setdefault("DepositToAccountRef", {"value": self._deposit_account})
        return body

    def batch_size(self, entity: str) -> int:
        """A batch takes creates of any entity (``create_batch``, 0 when turned off)."""
        return self.create_batch

    async def create_many(
        self, entity: str, items: Sequence[tuple[Mapping[str, Any], str]]
    ) -> list[RemoteRecord | ConnectorError]:
        """Up to :data:`BATCH_ITEMS` creates in one batch request (``POST .../batch``,
        https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/batch):
        one answer per item, in order, the record created or why that one was refused (a
        refused item never sinks the others). The batch's ``requestid`` is derived from
        the items' idempotency keys, so the same batch sent again after a lost answer is
        answered, not carried out twice. Batches are paced to the documented 40 per minute
        per company; a request-level failure (unreachable, throttled) is raised for all."""
        if not 0 < len(items) <= BATCH_ITEMS:
            raise ValueError(f"a batch holds 1 to {BATCH_ITEMS} creates, not {len(items)}")
        s = self._writable(entity, Ctx("create", entity, ""))
        out: list[RemoteRecord | ConnectorError | None] = [None] * len(items)
        requests: list[dict[str, Any]] = []
        contexts: dict[str, tuple[int, Ctx]] = {}
        for index, (fields, _key) in enumerate(items):
            ctx = Ctx.for_fields("create", entity, fields)
            try:  # a record that cannot be written is refused alone
                body = await self._create_body(entity, fields, ctx)
            except RejectedError as exc:
                out[index] = exc
                continue
            bid = str(index + 1)
            requests.append({"bId": bid, "operation": "create", s.name: body})
            contexts[bid] = (index, ctx)
        if requests:
            await self._send_batch(entity, s, requests, contexts, items, out)
        return [r if r is not None else self._lacking("POST /batch", "an answer") for r in out]

    async def _send_batch(
        self,
        entity: str,
        s: Any,
        requests: list[dict[str, Any]],
        contexts: dict[str, tuple[int, Ctx]],
        items: Sequence[tuple[Mapping[str, Any], str]],
        out: list[RemoteRecord | ConnectorError | None],
    ) -> None:
        """One batch request; each answer put in its item's place in ``out``."""
        sent = "|".join(items[index][1] for index, _ in contexts.values())
        batch_id = hashlib.sha1(sent.encode()).hexdigest()[:36]
        data = await self._api(
            "POST",
            "batch",
            Ctx("create", entity, ""),
            body={"BatchItemRequest": requests},
            requestid=batch_id,
            governors=(self._batch_governor(),),
        )
        answers = data.get("BatchItemResponse")
        if not isinstance(answers, list):
            raise self._lacking("POST /batch", "BatchItemResponse list")
        for answer in answers:
            if not isinstance(answer, dict) or str(answer.get("bId")) not in contexts:
                continue
            index, ctx = contexts[str(answer.get("bId"))]
            fault = answer.get("Fault")
            if isinstance(fault, dict):
                errors = fault.get("Error") or []
                errors = errors if isinstance(errors, list) else [errors]
                out[index] = self._fault(
                    400, [_lower(e) for e in errors], ctx, f"POST /{s.path}", fault
                )
            else:
                out[index] = await self._named(
                    entity, self._entity_in(answer, entity, "POST /batch")
                )

    def _batch_governor(self) -> RateGovernor:
        """The company's batch budget: at most :data:`BATCH_PER_MINUTE` batch requests a
        minute ("Throttled at 40 Batch requests per minute, per realm ID and app",
        https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles),
        shared like the company's other limits. Each attempt counts from its start until a
        minute after its answer, so however long the network takes, no minute of the
        server's clock holds more (counting from the send alone let a batch that travelled
        faster than the one 40 before it arrive within that one's minute: a 429)."""
        company, _ = self._rate_keys()
        return shared_governor(
            (*company, "batch"),
            max_in_flight=None,
            budget=BATCH_PER_MINUTE,
            window=60.0,
            scope=self._transport,
        )

    async def update(
        self,
        entity: str,
        remote_id: str,
        version: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord:
        """Sparse update based on ``version`` (the SyncToken); 5010 -> StaleVersionError."""
        ctx = Ctx("update", entity, remote_id)
        s = self._writable(entity, ctx)
        current = None
        remote: dict[str, Any] | None = None
        addr = qbo_map.ADDRESS_FIELDS
        partial_address = (
            addr & changes.keys() and not addr <= changes.keys() and addr <= s.field_names
        )
        if partial_address or (s.lines is not None and s.lines.name in changes):
            # A sparse BillAddr may replace the whole address: send all of it. Line is
            # always written whole: keep what QBO holds on the lines beyond the mapping.
            endpoint = f"GET /{s.path}/{remote_id}"
            try:
                data = await self._api("GET", f"{s.path}/{remote_id}", ctx)
            except NotFoundError:
                raise self._not_found(ctx) from None
            held = self._entity_in(data, entity, endpoint)
            if held.version != version:
                raise StaleVersionError(
                    f"QuickBooks Online holds a newer version of {ctx.what} than the one this "
                    "change was based on: sync again to merge the latest changes."
                )
            current, remote = held.fields, data[s.name]
        body = self._body(
            ctx,
            lambda: qbo_map.to_qbo(entity, changes, sparse=True, current=current, remote=remote),
        )
        body.update({"Id": remote_id, "SyncToken": version, "sparse": True})
        data = await self._api(
            "POST", s.path, ctx, body=body, requestid=request_id(idempotency_key)
        )
        return await self._named(entity, self._entity_in(data, entity, f"POST /{s.path}"))

    async def deactivate(
        self, entity: str, remote_id: str, version: str, *, idempotency_key: str
    ) -> RemoteRecord:
        """List records: ``Active: false``. Payments and bill payments: voided (they stay,
        zeroed; read back as gone: ``qbo_map.is_voided``). Other transactions: delete.
        Returns a tombstone."""
        ctx = Ctx("delete", entity, remote_id)
        s = self._writable(entity, ctx)
        if s.kind == "list":
            return await self.update(
                entity, remote_id, version, {"active": False}, idempotency_key=idempotency_key
            )
        if entity in qbo_map.VOIDABLE:
            return await self._void(entity, remote_id, version, idempotency_key)
        data = await self._api(
            "POST",
            s.path,
            ctx,
            params={"operation": "delete"},
            body={"Id": remote_id, "SyncToken": version},
            requestid=request_id(idempotency_key),
        )
        obj = data.get(s.name)
        if not isinstance(obj, dict):
            obj = {}
        return self._record(
            entity, {"Id": remote_id, **obj, "status": "Deleted"}, f"POST /{s.path}?delete"
        )

    async def _void(
        self, entity: str, remote_id: str, version: str, idempotency_key: str
    ) -> RemoteRecord:
        """``POST .../{payment|billpayment}?operation=update&include=void`` with ``{Id,
        SyncToken, sparse: true}`` ({entities}/payment, {entities}/billpayment, "Void a
        ..."): the record stays, zeroed, "Voided" in its memo. The answer is the voided
        record, returned as the tombstone it reads as."""
        ctx = Ctx("delete", entity, remote_id)
        s = qbo_map.spec(entity)
        data = await self._api(
            "POST",
            s.path,
            ctx,
            params={"operation": "update", "include": "void"},
            body={"Id": remote_id, "SyncToken": version, "sparse": True},
            requestid=request_id(idempotency_key),
        )
        rec = self._entity_in(data, entity, f"POST /{s.path}?void")
        if not rec.deleted:  # an answer that is not a void: said, never taken as done
            raise ProtocolError(
                f"QuickBooks Online answered the void of {ctx.what} with a record that is "
                "not voided; sync again to read it, or void it in QuickBooks."
            )
        return rec

    async def _bank_account_id(self) -> str:
        """The account bill payments are paid from: the profile's default bank account,
        else its ``bank_account_id``, else the first active Bank (said once, as a warning)."""
        if self._bank_account:
            return self._bank_account
        ctx = Ctx("bank", "account", "Bank")
        try:
            rows = await self._query(
                "SELECT * FROM Account WHERE AccountType = 'Bank' ORDERBY Id", ctx
            )
        except ProtocolError:
            rows = [r async for page in self._all("account") for r in page]
        banks = [
            r
            for r in rows
            if r.get("AccountType") == "Bank" and r.get("Active", True) is not False and r.get("Id")
        ]
        if not banks:
            raise RejectedError(
                "QuickBooks Online has no active Bank account to pay bills from: add one and "
                "choose it in setup, step Default accounts, then sync again.",
                code="NO_BANK_ACCOUNT",
                entity="bill_payment",
                record="",
            )
        self._bank_account = str(banks[0]["Id"])
        name = str(banks[0].get("Name") or self._bank_account).strip()
        self.http.emit(
            "warning",
            f"Bill payments are recorded from bank account {name!r} (the first active Bank "
            "account): choose one in setup, step Default accounts.",
            {"account": self._bank_account},
        )
        return self._bank_account

    async def _all(self, entity: str) -> AsyncIterator[list[dict[str, Any]]]:
        s = qbo_map.spec(entity)
        start = 1
        active = " WHERE Active IN (true,false)" if s.kind == "list" else ""
        while True:
            rows = await self._query(
                f"SELECT * FROM {s.name}{active} STARTPOSITION {start} MAXRESULTS {MAX_RESULTS}",
                Ctx("query", entity, ""),
            )
            yield rows
            if len(rows) < MAX_RESULTS:
                return
            start += len(rows)

    def can_restore(self, entity: str) -> bool:
        """A deleted QuickBooks transaction is gone for good (``operation=delete``), and a
        list record is never deleted, only made inactive: nothing to restore."""
        return False

    async def restore(
        self,
        entity: str,
        remote_id: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord:
        raise RejectedError(
            f"QuickBooks Online cannot bring back deleted {entity} {remote_id}; recontui "
            "creates it again instead.",
            code="CANNOT_RESTORE",
            entity=entity,
            record=remote_id,
        )

    async def find_existing(
        self,
        entity: str,
        fields: Mapping[str, Any],
        *,
        skip: Callable[[RemoteRecord], bool] | None = None,
    ) -> RemoteRecord | None:
        """Look a record up by its natural key, before re-sending a create whose answer was lost.

        Keys: account number, then name; class/department/item/tax rate/tax code name; customer and
        vendor DisplayName; invoice/journal entry DocNumber; bill and vendor credit DocNumber
        + vendor; payment PaymentRefNum + customer; bill payment DocNumber + vendor (None
        without a reference). Queried with ``=``, then compared trimmed and case-insensitively.
        """
        s = qbo_map.spec(entity)
        lookups = _natural_lookups(entity, fields)
        ctx = Ctx.for_fields("query", entity, fields)
        for column, value, extra in lookups:
            wanted = text_key(value)
            if wanted is None:
                continue
            statement = f"SELECT * FROM {s.name} WHERE {column} = {quote(str(value).strip())}"
            if s.kind == "list":
                statement += " AND Active IN (true,false)"
            try:
                rows = await self._query(statement, ctx)
            except ProtocolError:
                if column != "AcctNum":
                    raise
                rows = [r async for page in self._all(entity) for r in page]
            for row in rows:
                if text_key(row.get(column)) == wanted and extra(row):
                    record = await self._named(entity, self._record(entity, row, "POST /query"))
                    if skip is None or not skip(record):
                        return record
        return None


#: (column, wanted value, what else the row must satisfy): one natural-key look-up.
Lookup = tuple[str, Any, Callable[[dict[str, Any]], bool]]


def _any_row(row: dict[str, Any]) -> bool:
    return True


def _natural_lookups(entity: str, fields: Mapping[str, Any]) -> list[Lookup]:
    """The look-ups that find ``fields``' record by natural key, in the order they are tried;
    none for a transaction whose party is not known yet."""
    if entity == "account":
        return [("AcctNum", fields.get("number"), _any_row), ("Name", fields.get("name"), _any_row)]
    if entity in ("class", "department", "item", "tax_rate", "tax_code"):
        return [("Name", fields.get("name"), _any_row)]
    if entity in ("customer", "vendor"):
        return [("DisplayName", fields.get("name"), _any_row)]
    if entity in ("invoice", "journal_entry"):
        return [("DocNumber", fields.get("number"), _any_row)]
    if entity in ("bill", "vendor_credit"):
        vendor = ref_id(fields.get("vendor"))
        if vendor is None:
            return []
        return [("DocNumber", fields.get("number"), _ref_is("VendorRef", vendor))]
    if entity == "credit_memo":
        customer = ref_id(fields.get("customer"))
        if customer is None:
            return []
        return [("DocNumber", fields.get("number"), _ref_is("CustomerRef", customer))]
    if entity in ("payment", "bill_payment"):
        party, ref_key, column = (
            ("customer", "CustomerRef", "PaymentRefNum")
            if entity == "payment"
            else ("vendor", "VendorRef", "DocNumber")
        )
        who = ref_id(fields.get(party))
        if who is None:
            return []
        return [(column, fields.get("reference"), _ref_is(ref_key, who))]
    return []


def _ref_is(key: str, remote_id: str) -> Callable[[dict[str, Any]], bool]:
    def check(row: dict[str, Any]) -> bool:
        ref = row.get(key)
        value = ref.get("value") if isinstance(ref, dict) else ref
        return str(value) == remote_id

    return check


def _lower(error: Any) -> dict[str, Any]:
    if not isinstance(error, dict):
        return {"message": str(error)}
    return {str(k).lower(): v for k, v in error.items()}


def _xml_error(raw: bytes) -> dict[str, Any]:
    def first(pattern: re.Pattern[bytes]) -> str:
        m = pattern.search(raw)
        return m.group(1).decode("utf-8", "replace").strip() if m else ""

    return {"code": first(_XML_CODE), "message": first(_XML_MESSAGE), "detail": first(_XML_DETAIL)}


def _whole_seconds(stamp: str) -> str:
    """``stamp`` rounded down to the second (QBO's own times have whole seconds)."""
    moment = parse_timestamp(stamp).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def _stamp_of(row: Mapping[str, Any], default: dt.datetime) -> dt.datetime:
    stamp = qbo_map.last_updated(row)
    if stamp:
        try:
            return parse_timestamp(stamp)
        except MappingError:
            pass
    return default


def _halfway(start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """The whole second halfway from ``start`` to ``end``; None when they are too close."""
    middle = (start + (end - start) / 2).replace(microsecond=0)
    return middle if start < middle < end else None


# ---------------------------------------------------------------------------
# Connecting a profile (OAuth 2 authorisation code, pasted back by hand)


@dataclass(frozen=True)
class Consent:
    """What the browser brought back from Intuit's consent page."""

    code: str
    realm_id: str | None
    #: None when only the bare code was pasted (there is nothing to compare then).
    state: str | None


def authorization_url(
    client_id: str, redirect_uri: str, state: str, *, auth_url: str = AUTH_URL
) -> str:
    """The address of Intuit's consent page for this app, asking for the accounting scope."""
    query = urllib.parse.urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": SCOPE,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{auth_url}{'&' if '?' in auth_url else '?'}{query}"


_BARE_CODE = re.compile(r"[A-Za-z0-9._~-]{8,}")


def parse_consent(text: str) -> Consent:
    """The redirected address (or just its code) a person pasted; AuthError if unusable."""
    text = text.strip()
    if not text:
        raise AuthError(
            "Nothing was pasted: paste the whole address the browser shows after you approve "
            "on Intuit's page (it contains code=...)."
        )
    if "://" in text:
        query = urllib.parse.urlsplit(text).query
    elif "=" in text:
        query = text.lstrip("?")
    elif _BARE_CODE.fullmatch(text):
        return Consent(text, None, None)
    else:
        raise AuthError(
            "That is neither the redirected address nor an authorisation code: paste the whole "
            "address the browser shows after you approve on Intuit's page."
        )
    params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items() if v}
    error = params.get("error")
    if error == "access_denied":
        raise AuthError(
            "Intuit's consent page did not grant access (access_denied): Connect was not "
            f"chosen, or the user who signed in is not an admin of the company; {ADMIN_STEP}, "
            "then connect again."
        )
    if error:
        said = params.get("error_description", "")
        raise AuthError(
            f"Intuit's consent page answered {error}{f' ({said})' if said else ''}: check the "
            "app's keys, scope and redirect URI in the Intuit developer portal, then run the "
            "command again."
        )
    code = params.get("code")
    if not code:
        raise AuthError(
            "The pasted address has no code=...: paste the address the browser shows after you "
            "approve on Intuit's page, not the one you opened."
        )
    return Consent(code, params.get("realmId"), params.get("state", ""))


async def _token_call(
    http: HttpClient,
    token_url: str,
    client_id: str,
    client_secret: str,
    grant: Mapping[str, str],
    *,
    retry: Retry = Retry.ALWAYS,
) -> tuple[httpx.Response, Any]:
    """POST one grant to Intuit's token endpoint (app keys as Basic auth); the answer and
    its JSON body (None when it is not JSON)."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = await http.request(
        "POST",
        token_url,
        headers={
            "Authorization": f"Basic {basic}",
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        content=urllib.parse.urlencode(dict(grant)),
        retry=retry,
    )
    try:
        data = loads_json(response.content) if response.content else {}
    except ValueError:
        data = None
    return response, data


def _token_refused(
    response: httpx.Response, data: Any, *, invalid_grant: str, invalid_client: str, otherwise: str
) -> ConnectorError:
    """The error for a token endpoint's refusal: each sentence says what to do next, and
    names the answer's ``intuit_tid``."""
    error = data.get("error") if isinstance(data, dict) else None
    tid = support_id(response, (TID_HEADER,))
    if error == "invalid_grant":
        return AuthError(with_support_id(invalid_grant, tid))
    if error == "invalid_client" or response.status_code == 401:
        return AuthError(with_support_id(invalid_client, tid))
    return ConnectorError(
        with_support_id(
            f"QuickBooks Online's token service answered {response.status_code}"
            f"{f' ({error})' if error else ''}: {otherwise}.",
            tid,
        ),
        retryable=response.status_code >= 500,
    )


async def exchange_code(
    token_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_event: Any = None,
) -> dict[str, Any]:
    """Trade an authorisation code for tokens (``refresh_token``, ``access_token``, ...).

    A code works once, so the request is not sent again once it may have arrived.
    """
    http = HttpClient(
        label="QuickBooks Online", transport=transport, on_event=on_event, max_concurrency=1
    )
    try:
        response, data = await _token_call(
            http,
            token_url,
            client_id,
            client_secret,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            retry=Retry.UNSENT_ONLY,
        )
    except UnreachableError as exc:
        if not exc.outcome_unknown:
            raise
        raise UnreachableError(
            "The answer of QuickBooks Online's token service was lost, so the code may be "
            "spent: run the command again and approve once more."
        ) from None
    finally:
        await http.aclose()
    if response.status_code >= 400:
        raise _token_refused(
            response,
            data,
            invalid_grant="QuickBooks Online did not accept the authorisation code "
            "(invalid_grant): a code works once, for a few minutes, and only with the redirect "
            "URI it was made for; run the command again and paste the new address promptly.",
            invalid_client="QuickBooks Online refused this profile's app keys (invalid_client): "
            "check client_id and client_secret (Keys & credentials in the Intuit developer "
            "portal), then run the command again.",
            otherwise="try again in a few minutes",
        )
    if not isinstance(data, dict) or not data.get("refresh_token"):
        raise ProtocolError(
            with_support_id(
                "QuickBooks Online's token service sent an answer without a refresh token: run "
                "the command again; if it keeps happening, report it.",
                support_id(response, (TID_HEADER,)),
            )
        )
    return data
