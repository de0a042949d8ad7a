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
import hashlib
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx

from ..model.record import RemoteRecord
from . import qbo_map
from .base import (
    AuthError,
    ConnectorError,
    NotFoundError,
    Page,
    ProtocolError,
    RejectedError,
    SecretAccess,
    StaleVersionError,
    UnreachableError,
)
from .common import ConnectorBase, Ctx, query_bound, ref_id, text_key
from .http import Retry, dumps_json, loads_json
from .values import later

MINOR_VERSION = "75"
MAX_RESULTS = 1000
#: Refresh the access token when it has less than this many seconds left.
REFRESH_MARGIN_SECONDS = 300
MAX_CONCURRENCY = 10
#: QBO accepts request ids of at most 50 characters.
MAX_REQUEST_ID = 50

RECONNECT = "reconnect this profile with `recontui profile add` and sync again"

_XML_CODE = re.compile(rb'<Error[^>]*\bcode="([^"]+)"')
_XML_MESSAGE = re.compile(rb"<Message>(.*?)</Message>", re.S)
_XML_DETAIL = re.compile(rb"<Detail>(.*?)</Detail>", re.S)


def request_id(idempotency_key: str) -> str:
    """The ``requestid`` for a write: the key itself, or its hash when too long for QBO."""
    if len(idempotency_key) <= MAX_REQUEST_ID:
        return idempotency_key
    return hashlib.sha1(idempotency_key.encode()).hexdigest()


def quote(value: str) -> str:
    """A QBO query string literal (single quotes, backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboConnector(ConnectorBase):
    """QuickBooks Online for one realm. Use ``async with``.

    Options are :class:`~.common.ConnectorBase`'s, plus ``clock`` (monotonic
    seconds) for the access token's expiry.
    """

    system = "qbo"
    label = "QuickBooks Online"
    entities = qbo_map.QBO_ENTITIES
    required_settings = ("api_base", "token_url", "realm_id")
    fix_profile = RECONNECT
    max_page = MAX_RESULTS
    max_concurrency = MAX_CONCURRENCY
    log_headers = ("intuit_tid",)

    def __init__(
        self,
        settings: Mapping[str, str],
        secrets: SecretAccess,
        *,
        clock: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> None:
        super().__init__(settings, secrets, **options)
        self._clock = clock
        self.realm_id = self._company_id = settings["realm_id"]
        self._base = f"{settings['api_base'].rstrip('/')}/v3/company/{self.realm_id}"
        self._token_url = settings["token_url"]
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._bank_account: str | None = settings.get("bank_account_id") or None
        self._token_lock = asyncio.Lock()

    async def _start(self) -> None:
        await self._refresh(stale=None)

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._access_token = None

    def _from_remote(self, entity: str, obj: Any) -> RemoteRecord:
        return qbo_map.from_qbo(entity, obj)

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
            if missing:
                raise AuthError(
                    f"QuickBooks Online has no saved {', '.join(missing)} for this profile: "
                    f"{RECONNECT}."
                )
            basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            form = urllib.parse.urlencode(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
            response = await self.http.request(
                "POST",
                self._token_url,
                headers={
                    "Authorization": f"Basic {basic}",
                    "Accept": "application/json",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                content=form,
            )
            try:
                data = loads_json(response.content) if response.content else {}
            except ValueError:
                data = None
            if response.status_code >= 400:
                error = data.get("error") if isinstance(data, dict) else None
                if error == "invalid_grant":
                    raise AuthError(
                        "QuickBooks Online refused the saved authorisation (invalid_grant): "
                        f"{RECONNECT}."
                    )
                if error == "invalid_client" or response.status_code == 401:
                    raise AuthError(
                        "QuickBooks Online refused this profile's app credentials "
                        "(invalid_client): check client_id and client_secret, or "
                        f"{RECONNECT}."
                    )
                raise ConnectorError(
                    f"QuickBooks Online's token service answered {response.status_code}"
                    f"{f' ({error})' if error else ''}: try again later, or {RECONNECT}.",
                    retryable=response.status_code >= 500,
                )
            if not isinstance(data, dict) or not data.get("access_token"):
                raise ProtocolError(
                    "QuickBooks Online's token service (POST token_url) sent an answer without "
                    "an access token: try again later."
                )
            new_refresh = data.get("refresh_token")
            if new_refresh:
                # Persist before anything else can fail: the old token may already be dead.
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
    ) -> dict[str, Any]:
        """One API call: token, minorversion, requestid, one refresh on 401, Fault mapping."""
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
            response = await self.http.request(
                method, url, params=query, headers=headers, content=content, retry=Retry.ALWAYS
            )
            if response.status_code == 401:
                if attempt == 1:
                    self.http.emit(
                        "info", "QuickBooks Online refused the access token; refreshing it", {}
                    )
                    await self._refresh(stale=token)
                    continue
                raise AuthError(
                    "QuickBooks Online refused the access token even after refreshing it: "
                    f"{RECONNECT}."
                )
            return self._parse(response, ctx, f"{method} /{path}")
        raise AssertionError("unreachable")

    def _parse(self, response: httpx.Response, ctx: Ctx, endpoint: str) -> dict[str, Any]:
        status = response.status_code
        raw = response.content
        try:
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
            f"QuickBooks Online fault on {endpoint}: {code} {message}",
            {
                "status": status,
                "code": code,
                "message": message,
                "detail": detail,
                "action": ctx.action,
                "entity": ctx.entity,
                "record": ctx.record,
            },
        )
        if code == "5010":
            return StaleVersionError(
                f"QuickBooks Online holds a newer version of {ctx.what} than the one this change "
                "was based on (Stale Object Error): sync again to merge the latest changes."
            )
        if status in (401,) or code in ("3200", "120") or fault_type.startswith("authentication"):
            return AuthError(
                f"QuickBooks Online refused the request for {ctx.what} ({said}): {RECONNECT}."
            )
        if status == 403 or code == "3100":
            return AuthError(
                f"QuickBooks Online denied access to {endpoint} ({said}): check that this "
                f"profile's app is still connected to company {self.realm_id}, or {RECONNECT}."
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
        if ctx.action in ("read", "query", "company", "bank"):
            if code == "610" or status == 404:
                return NotFoundError(f"QuickBooks Online has no {ctx.what} ({said}).")
            return self._not_accepted(ctx, endpoint, said)
        if status == 404:
            return self._not_found(ctx, endpoint)
        if status >= 500 and code in (str(status), ""):
            return self._failed(ctx, endpoint, f"HTTP {status}")
        hint = {
            "6240": "another customer, vendor or employee already uses this name; rename one",
            "610": "it refers to something inactive or deleted; reactivate it or change the "
            "reference",
            "6140": "that document number is already used; change the number",
            "6070": "a line amount is not quantity times unit price; fix the line",
        }.get(code, "correct the record")
        return RejectedError(
            f"QuickBooks Online rejected the {ctx.action} of {ctx.what} ({said}): {hint}, then "
            "sync again.",
            code=code,
            entity=ctx.entity,
            record=ctx.record,
        )

    def _entity_in(self, data: Mapping[str, Any], entity: str, endpoint: str) -> RemoteRecord:
        name = qbo_map.spec(entity).name
        obj = data.get(name)
        if not isinstance(obj, dict):
            raise self._lacking(endpoint, f"{name} object")
        return self._record(entity, obj, endpoint)

    async def _query(self, statement: str, ctx: Ctx) -> list[dict[str, Any]]:
        data = await self._api("POST", "query", ctx, text=statement)
        response = data.get("QueryResponse")
        if not isinstance(response, dict):
            raise self._lacking("POST /query", "QueryResponse")
        table = statement.split(" FROM ", 1)[1].split(" ", 1)[0]
        rows = response.get(table, [])
        if not isinstance(rows, list):
            raise ProtocolError(
                f"QuickBooks Online's QueryResponse.{table} is not a list: report it with the log."
            )
        return rows

    # -- runner API --------------------------------------------------------

    async def _company_name(self) -> Any:
        data = await self._api(
            "GET", f"companyinfo/{self.realm_id}", Ctx("company", "company", self.realm_id)
        )
        info = data.get("CompanyInfo")
        return info.get("CompanyName") if isinstance(info, dict) else None

    async def pull(self, entity: str, cursor: str | None) -> AsyncIterator[Page]:
        """Records changed since ``cursor``, oldest first, ``MAXRESULTS`` per page.

        List entities include inactive records (``Active IN (true,false)``);
        deleted transactions are not visible to a query (only to CDC).
        """
        s = qbo_map.spec(entity)
        since = query_bound(cursor, self._overlap)
        # Keyset paging on LastUpdatedTime: each page starts again from the newest
        # time seen, so a record updated during the pull (which moves to the end)
        # cannot shift a later page and make another record be skipped, as plain
        # STARTPOSITION paging would. Rows at the boundary time come back twice and
        # are dropped by id; STARTPOSITION only steps through a run of more equal
        # times than fit in one page.
        fixed = ["Active IN (true,false)"] if s.kind == "list" else []
        lower = since
        best = cursor
        start = 1
        yielded: set[str] = set()
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
            rows = await self._query(statement, ctx)
            fresh = [row for row in rows if str(row.get("Id")) not in yielded]
            records = [self._record(entity, row, "POST /query") for row in fresh]
            yielded.update(str(row.get("Id")) for row in fresh)
            for row in rows:
                stamp = qbo_map.last_updated(row)
                if stamp:
                    best = later(best, stamp)
            if records:
                yield Page(records, best)
            if len(rows) < self._page_size:
                return
            last = qbo_map.last_updated(rows[-1])
            if last and last != lower:
                lower, start = last, 1
            else:
                start += len(rows)

    async def read(self, entity: str, remote_id: str) -> RemoteRecord | None:
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
        body = self._body(ctx, lambda: qbo_map.to_qbo(entity, fields))
        if entity == "bill_payment":
            bank = body.setdefault("CheckPayment", {})
            bank.setdefault("BankAccountRef", {"value": await self._bank_account_id()})
        data = await self._api(
            "POST", s.path, ctx, body=body, requestid=request_id(idempotency_key)
        )
        return self._entity_in(data, entity, f"POST /{s.path}")

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
        addr = qbo_map.ADDRESS_FIELDS
        if addr & changes.keys() and not addr <= changes.keys() and addr <= s.field_names:
            # A sparse BillAddr may replace the whole address: send all of it.
            held = await self.read(entity, remote_id)
            if held is None:
                raise self._not_found(ctx)
            if held.version != version:
                raise StaleVersionError(
                    f"QuickBooks Online holds a newer version of {ctx.what} than the one this "
                    "change was based on: sync again to merge the latest changes."
                )
            current = held.fields
        body = self._body(
            ctx, lambda: qbo_map.to_qbo(entity, changes, sparse=True, current=current)
        )
        body.update({"Id": remote_id, "SyncToken": version, "sparse": True})
        data = await self._api(
            "POST", s.path, ctx, body=body, requestid=request_id(idempotency_key)
        )
        return self._entity_in(data, entity, f"POST /{s.path}")

    async def deactivate(
        self, entity: str, remote_id: str, version: str, *, idempotency_key: str
    ) -> RemoteRecord:
        """List records: ``Active: false``. Transactions: delete; returns a tombstone."""
        ctx = Ctx("delete", entity, remote_id)
        s = self._writable(entity, ctx)
        if s.kind == "list":
            return await self.update(
                entity, remote_id, version, {"active": False}, idempotency_key=idempotency_key
            )
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

    async def _bank_account_id(self) -> str:
        """The account bill payments are paid from: the profile's, else the first active Bank."""
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
                "QuickBooks Online has no active Bank account to pay bills from: add one, or set "
                "bank_account_id in the profile, then sync again.",
                code="NO_BANK_ACCOUNT",
                entity="bill_payment",
                record="",
            )
        self._bank_account = str(banks[0]["Id"])
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

    async def find_existing(self, entity: str, fields: Mapping[str, Any]) -> RemoteRecord | None:
        """Look a record up by its natural key, before re-sending a create whose answer was lost.

        Keys: account number, then name; class/department/item/tax rate name; customer and
        vendor DisplayName; invoice/journal entry DocNumber; bill and vendor credit DocNumber
        + vendor; payment PaymentRefNum + customer; bill payment DocNumber + vendor (None
        without a reference). Queried with ``=``, then compared trimmed and case-insensitively.
        """
        s = qbo_map.spec(entity)
        lookups: list[tuple[str, Any, Callable[[dict[str, Any]], bool]]] = []
        if entity == "account":
            lookups.append(("AcctNum", fields.get("number"), lambda r: True))
            lookups.append(("Name", fields.get("name"), lambda r: True))
        elif entity in ("class", "department", "item", "tax_rate"):
            lookups.append(("Name", fields.get("name"), lambda r: True))
        elif entity in ("customer", "vendor"):
            lookups.append(("DisplayName", fields.get("name"), lambda r: True))
        elif entity in ("invoice", "journal_entry"):
            lookups.append(("DocNumber", fields.get("number"), lambda r: True))
        elif entity in ("bill", "vendor_credit"):
            vendor = ref_id(fields.get("vendor"))
            if vendor is None:
                return None
            lookups.append(("DocNumber", fields.get("number"), _ref_is("VendorRef", vendor)))
        elif entity in ("payment", "bill_payment"):
            party, ref_key, column = (
                ("customer", "CustomerRef", "PaymentRefNum")
                if entity == "payment"
                else ("vendor", "VendorRef", "DocNumber")
            )
            who = ref_id(fields.get(party))
            if who is None:
                return None
            lookups.append((column, fields.get("reference"), _ref_is(ref_key, who)))
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
                    return self._record(entity, row, "POST /query")
        return None


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
