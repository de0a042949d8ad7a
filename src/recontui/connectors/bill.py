"""BILL v3 ("Connect") connector (side a).

Speaks the real protocol (``docs/remote-shapes.md``, ``api-contracts.md`` §2):
session login with ``devKey``/``sessionId`` headers and a transparent re-login
when the session idles out (BDC_1109), ``nextPage`` paging with an
``updatedTime`` filter, error arrays turned into connector exceptions, and
archive/restore for deactivation. BILL has no write version check and no
idempotency key, so updates read the record first and compare ``updatedTime``,
and creates are never re-sent blindly (see :class:`~.http.Retry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from functools import partial
from typing import Any

import httpx

from ..model.money import MoneyError, to_money
from ..model.record import RemoteRecord
from . import bill_map
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
from .http import DECODED, Retry, dumps_json, loads_json
from .values import get_path, later

MAX_PAGE = 100
MAX_CONCURRENCY = 3
SESSION_INVALID = "BDC_1109"
BAD_LOGIN = ("BDC_1101", "BDC_1102")
BUSY = "BDC_1322"
HOURLY_LIMIT = "BDC_1144"
NOT_SUPPORTED = "BDC_1121"

#: The most creates one bulk request carries, for any entity (bills: 100); each entity's
#: own cap is ``bill_map.BillEntity.bulk`` (docs/remote-shapes.md, *Bulk creates*).
BULK_MAX = max(s.bulk for s in bill_map.BILL_ENTITIES.values())

FIX_LOGIN = "check the username, password and developer key saved in this profile"
#: The default roles that "set up and run the sync" (BILL Help Center, User roles and
#: permissions: https://vendorpayhelp.bill.com/hc/en-us/articles/360007958352).
SYNC_ROLES = ("Administrator", "Accountant")


def _busy(response: httpx.Response) -> bool:
    """BILL's concurrency limit (BDC_1322) rejects a request unprocessed: safe to retry."""
    return response.status_code >= 400 and BUSY.encode() in response.content


def _hourly(response: httpx.Response) -> bool:
    """BILL's hourly limit (BDC_1144) lasts until the next hour: retrying now is useless."""
    return HOURLY_LIMIT.encode() in response.content


def filter_value(value: str) -> str:
    """A BILL filter literal: double-quoted, inner quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BillConnector(ConnectorBase):
    """BILL for one organisation. Use ``async with``.

    Options are :class:`~.common.ConnectorBase`'s.
    """

    system = "bill"
    label = "BILL"
    entities = bill_map.BILL_ENTITIES
    required_settings = ("api_base", "organization_id", "username")
    fix_profile = "add it with `recontui profile add` and sync again"
    max_page = MAX_PAGE
    max_concurrency = MAX_CONCURRENCY
    #: 20,000 requests per hour per dev key (BDC_1144, api-contracts 2.5).
    rate_limit = 20_000
    rate_window = 3600.0
    #: Creates one bulk request may carry (``create_many``; 0 turns bulk creates off).
    create_batch = BULK_MAX

    def __init__(self, settings: Mapping[str, str], secrets: SecretAccess, **options: Any) -> None:
        super().__init__(settings, secrets, **options)
        self._page_size = max(1, self._page_size)
        self.organization_id = self._company_id = settings["organization_id"]
        self._base = f"{settings['api_base'].rstrip('/')}/v3"
        self._session: str | None = None
        self._login_lock = asyncio.Lock()
        #: Entities whose bulk endpoint answered that it does not exist: one at a time now.
        self._no_bulk: set[str] = set()

    async def _start(self) -> None:
        await self._login(stale=None)

    def _rate_keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """In flight: per organisation; the hourly budget: per dev key (kept as a hash)."""
        base = self._settings.get("api_base", "")
        dev_key = self._secrets.get("dev_key") or ""
        digest = hashlib.sha256(dev_key.encode()).hexdigest()[:16]
        return (self.system, base, self._company_id), (self.system, base, f"devkey:{digest}")

    def _from_remote(self, entity: str, obj: Any) -> RemoteRecord:
        return bill_map.from_bill(entity, obj)

    def required_fields(self, entity: str) -> tuple[str, ...]:
        """What BILL refuses a customer or vendor without ("email: must not be blank").
        Customer: name, email (https://developer.bill.com/docs/ar-customers); vendor: name,
        accountType (sent by bill_map), email, phone
        (https://developer.bill.com/docs/creating-a-us-vendor); credit memo: customerId,
        referenceNumber, creditDate, creditMemoLineItems
        (https://developer.bill.com/docs/ar-credit-memos; a QuickBooks credit memo may have no
        number)."""
        return {
            "customer": ("name", "email"),
            "vendor": ("name", "email", "phone"),
            "credit_memo": ("number", "customer", "date", "lines"),
        }.get(entity, ())

    async def __aexit__(self, *exc: object) -> None:
        """Log out (best effort: a dead session is no reason to fail) and close."""
        if self._http is None:
            return
        try:
            if self._session and not self._http.closed:
                await self._http.request(
                    "POST", f"{self._base}/logout", headers=self._headers(self._session)
                )
        except Exception as err:  # logout is a courtesy; never mask the caller's outcome
            self._http.emit("debug", "BILL logout failed", {"error": type(err).__name__})
        finally:
            self._session = None
            await self._http.aclose()

    # -- session -----------------------------------------------------------

    def _headers(self, session: str, *, json_body: bool = False) -> dict[str, str]:
        headers = {
            "devKey": self._secrets.get("dev_key") or "",
            "sessionId": session,
            "Accept": "application/json",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    async def _login(self, stale: str | None) -> None:
        """Open a session; serialised so concurrent BDC_1109s log in only once."""
        async with self._login_lock:
            if stale is not None and self._session not in (None, stale):
                return
            password = self._secrets.get("password")
            dev_key = self._secrets.get("dev_key")
            missing = [n for n, v in (("password", password), ("dev_key", dev_key)) if not v]
            if missing:
                raise AuthError(
                    f"BILL has no saved {', '.join(missing)} for this profile: add it with "
                    "`recontui profile add` and sync again."
                )
            body = {
                "username": self._settings["username"],
                "password": password,
                "organizationId": self.organization_id,
                "devKey": dev_key,
            }
            response = await self.http.request(
                "POST",
                f"{self._base}/login",
                headers={"Accept": "application/json", "Content-Type": "application/json"},
                content=dumps_json(body),
                # 200 logins an hour per developer key: a refused one is not tried again.
                final_if=_hourly,
            )
            ctx = Ctx("login", "organization", self.organization_id)
            data = self._decode(response, ctx, "POST /v3/login")
            errors = _errors(data)
            if response.status_code >= 400 or errors:
                codes = {e.get("code") for e in errors}
                said = _said(errors, response.status_code)
                if HOURLY_LIMIT in codes:
                    raise ConnectorError(
                        f"BILL allows 200 sign-ins an hour per developer key and refused this "
                        f"one ({said}): wait until the next hour and sync again.",
                        retryable=True,
                    )
                if codes & set(BAD_LOGIN) or response.status_code in (401, 403):
                    raise AuthError(
                        f"BILL refused the sign-in of {self._settings['username']} to "
                        f"organisation {self.organization_id} ({said}): {FIX_LOGIN}, then sync "
                        "again."
                    )
                raise self._error(response.status_code, errors, ctx, "POST /v3/login")
            if not isinstance(data, dict) or not data.get("sessionId"):
                raise self._lacking("POST /v3/login", "sessionId")
            self._session = str(data["sessionId"])
            self.http.emit("info", "BILL session opened", {"organization": self.organization_id})

    # -- requests ----------------------------------------------------------

    async def _api(
        self,
        method: str,
        path: str,
        ctx: Ctx,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        retry: Retry = Retry.ALWAYS,
    ) -> Any:
        """One call: session headers, one re-login on BDC_1109, error arrays mapped."""
        url = f"{self._base}/{path}"
        endpoint = f"{method} /v3/{path}"
        content = dumps_json(body) if body is not None else None
        for attempt in (1, 2):
            if self._session is None:
                await self._login(stale=None)
            session = self._session
            assert session is not None
            response = await self.http.request(
                method,
                url,
                params=params,
                headers=self._headers(session, json_body=content is not None),
                content=content,
                retry=retry,
                retry_if=_busy,
                final_if=_hourly,
                decode=loads_json,
            )
            data = self._decode(response, ctx, endpoint)
            errors = _errors(data)
            status = response.status_code
            if status < 400 and not errors:
                return data
            codes = {e.get("code") for e in errors}
            if SESSION_INVALID in codes or (status == 401 and not codes & set(BAD_LOGIN)):
                if attempt == 1:
                    self.http.emit("info", "BILL session expired; signing in again", {})
                    await self._login(stale=session)
                    continue
                raise AuthError(
                    f"BILL keeps refusing the session for {ctx.what} ({_said(errors, status)}): "
                    f"{FIX_LOGIN}, then sync again."
                )
            if status == 403 and not codes & set(BAD_LOGIN):
                raise self._denied(errors, ctx, endpoint)
            raise self._error(status, errors, ctx, endpoint)
        raise AssertionError("unreachable")

    def _denied(
        self, errors: list[dict[str, Any]], ctx: Ctx, endpoint: str
    ) -> PermissionDeniedError:
        """HTTP 403 after sign-in: the session is good, the signed-in user's role lacks the
        permission. BILL documents no code for it (its error page: "4XX: client side
        unauthorized, forbidden, or bad request errors"), so the status decides."""
        said = "HTTP 403" + (f", {_said(errors, 403)}" if errors else "")
        self.http.emit(
            "warning",
            f"BILL refused {endpoint} to the signed-in user: {said}",
            {"status": 403, "action": ctx.action, "entity": ctx.entity, "record": ctx.record},
        )
        roles = " or ".join(SYNC_ROLES)
        return PermissionDeniedError(
            f"BILL did not let {self._settings['username']} {ctx.doing} ({said}): that user's "
            f"role lacks the permission; sign in as a user with the {roles} role, or give the "
            "role that permission in BILL.",
            system=self.system,
            entity=ctx.entity,
            roles=SYNC_ROLES,
        )

    def _decode(self, response: httpx.Response, ctx: Ctx, endpoint: str) -> Any:
        if not response.content:
            if response.status_code < 400:
                return {}
            return None
        if DECODED in response.extensions:
            return response.extensions[DECODED]
        try:
            return loads_json(response.content)
        except ValueError:
            if response.status_code >= 400:
                return None
            raise self._unreadable(ctx, endpoint) from None

    def _error(
        self, status: int, errors: list[dict[str, Any]], ctx: Ctx, endpoint: str
    ) -> ConnectorError:
        codes = [str(e.get("code") or "") for e in errors]
        code = codes[0] if codes and codes[0] else str(status)
        said = _said(errors, status)
        self.http.emit(
            "warning",
            f"BILL error on {endpoint}: {said}",
            {
                "status": status,
                "codes": codes,
                "action": ctx.action,
                "entity": ctx.entity,
                "record": ctx.record,
            },
        )
        if any(c in BAD_LOGIN for c in codes):
            return AuthError(
                f"BILL refused the credentials ({said}): {FIX_LOGIN}, then sync again."
            )
        if HOURLY_LIMIT in codes:
            return ConnectorError(
                "BILL's hourly request limit for this developer key is used up (BDC_1144): wait "
                "until the next hour and sync again.",
                retryable=True,
            )
        if NOT_SUPPORTED in codes:
            if ctx.action in ("read", "query", "company"):
                return ProtocolError(
                    f"BILL does not offer {endpoint} ({said}): this is a recontui problem; "
                    "report it with the log."
                )
            return RejectedError(
                f"BILL does not offer the {ctx.action} of {ctx.what} ({endpoint}, {said}): make "
                "this change in BILL itself.",
                code=NOT_SUPPORTED,
                entity=ctx.entity,
                record=ctx.record,
            )
        if status == 404:
            return self._not_found(ctx, endpoint)
        if status >= 500:
            return self._failed(ctx, endpoint, said)
        if ctx.action in ("read", "query", "company"):
            return self._not_accepted(ctx, endpoint, said)
        return RejectedError(
            f"BILL rejected the {ctx.action} of {ctx.what} ({said}): correct the record and sync "
            "again.",
            code=code,
            entity=ctx.entity,
            record=ctx.record,
        )

    # -- runner API --------------------------------------------------------

    async def _company_name(self) -> Any:
        data = await self._api(
            "GET",
            f"organizations/{self.organization_id}",
            Ctx("company", "organization", self.organization_id),
        )
        if not isinstance(data, dict):
            return None
        return data.get("name") or data.get("organizationName") or data.get("companyName")

    async def _list(
        self, entity: str, filters: str | None, *, sort: bool = True
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Raw result pages of a list endpoint, following ``nextPage``."""
        s = bill_map.spec(entity)
        params: dict[str, str] = {"max": str(self._page_size)}
        if sort:
            params["sort"] = "updatedTime:asc"
        if filters:
            params["filters"] = filters
        ctx = Ctx("query", entity, "")
        seen: set[str] = set()
        while True:
            data = await self._api("GET", s.resource, ctx, params=params)
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(results, list):
                raise self._lacking(f"GET /v3/{s.resource}", "results list")
            yield results
            token = data.get("nextPage")
            if not token:
                return
            if token in seen:
                raise ProtocolError(
                    f"BILL returned the same nextPage twice for GET /v3/{s.resource}: report it "
                    "with the log."
                )
            seen.add(token)
            params = {**params, "page": str(token)}

    async def pull(self, entity: str, cursor: str | None) -> AsyncIterator[Page]:
        """Records changed since ``cursor`` (archived included), oldest first.

        Keyset paging on ``updatedTime``: after a full answer the list is asked again
        from the newest time seen, so a record updated during the pull (which moves to
        the end) cannot shift the next answer and make another record be skipped, as
        following ``nextPage`` (an offset) would. Rows at the boundary come back and are
        dropped by id and version; ``nextPage`` is followed only through a run of equal
        times. Pages are cut from the rows kept, so each but the last holds a page size.
        """
        lower = query_bound(cursor, self._overlap)
        best = cursor
        endpoint = f"GET /v3/{bill_map.spec(entity).resource}"
        seen: set[tuple[str, str | None]] = set()
        waiting: list[tuple[dict[str, Any], str | None]] = []  # kept, not yet in a page
        while True:
            filters = f"updatedTime:gte:{filter_value(lower)}" if lower else None
            restart = None
            async with contextlib.aclosing(self._list(entity, filters)) as answers:
                async for rows in answers:
                    versions = [(str(row.get("id")), bill_map.updated_time(row)) for row in rows]
                    waiting += [
                        (row, version[1])
                        for row, version in zip(rows, versions, strict=True)
                        if version not in seen and bill_map.keeps(entity, row)
                    ]
                    seen.update(versions)
                    while len(waiting) >= self._page_size:
                        chunk, waiting = waiting[: self._page_size], waiting[self._page_size :]
                        for _, stamp in chunk:
                            best = later(best, stamp)
                        yield Page([self._record(entity, row, endpoint) for row, _ in chunk], best)
                    last = versions[-1][1] if len(rows) >= self._page_size else None
                    if last is not None and later(lower, last) != lower:
                        restart = last
                        break
            if restart is None:
                break
            lower = restart
        if waiting:
            for _, stamp in waiting:
                best = later(best, stamp)
            yield Page([self._record(entity, row, endpoint) for row, _ in waiting], best)

    async def _read_raw(self, entity: str, remote_id: str) -> dict[str, Any] | None:
        s = bill_map.spec(entity)
        try:
            data = await self._api(
                "GET", f"{s.resource}/{remote_id}", Ctx("read", entity, remote_id)
            )
        except NotFoundError:
            return None
        if not isinstance(data, dict):
            raise ProtocolError(
                f"BILL's answer to GET /v3/{s.resource}/{remote_id} is not an object: report it "
                "with the log."
            )
        return data

    async def read(self, entity: str, remote_id: str) -> RemoteRecord | None:
        raw = await self._read_raw(entity, remote_id)
        if raw is None:
            return None
        return self._record(entity, raw, f"GET /v3/{bill_map.spec(entity).resource}/{remote_id}")

    async def _result(
        self, entity: str, data: Any, remote_id: str | None, endpoint: str
    ) -> RemoteRecord:
        """The record a write answered with, or (when the answer is partial) read back."""
        if isinstance(data, dict) and data.get("id") and "updatedTime" in data:
            return self._record(entity, data, endpoint)
        rid = (data.get("id") if isinstance(data, dict) else None) or remote_id
        if not rid:
            raise ProtocolError(
                f"BILL's answer to {endpoint} does not say which record was written: look the "
                "record up in BILL, then sync again."
            )
        record = await self.read(entity, str(rid))
        if record is None:
            raise ProtocolError(
                f"BILL accepted {endpoint} but the record {rid} cannot be read back: sync again."
            )
        return record

    async def create(
        self, entity: str, fields: Mapping[str, Any], *, idempotency_key: str
    ) -> RemoteRecord:
        """POST the record. Never re-sent once it may have reached BILL (no idempotency key):
        an unknown outcome raises UnreachableError(outcome_unknown=True) and the runner
        calls :meth:`find_existing` before trying again."""
        s = bill_map.spec(entity)
        ctx = Ctx.for_fields("create", entity, fields)
        body = self._body(ctx, lambda: bill_map.to_bill(entity, fields))
        path = s.create_path or s.resource
        self.http.emit("debug", f"BILL create {entity}", {"idempotency_key": idempotency_key})
        data = await self._api("POST", path, ctx, body=body, retry=Retry.UNSENT_ONLY)
        record = await self._result(entity, data, None, f"POST /v3/{path}")
        if fields.get("active") is False and record.fields.get("active") is not False:
            record = await self._archive(entity, record.remote_id, "archive")
        return record

    # -- bulk creates --------------------------------------------------------

    def batch_size(self, entity: str) -> int:
        """How many ``entity`` creates one ``POST /v3/{resource}/bulk`` carries: the
        documented cap (vendors 20, bills 100, vendor credits, credit memos and the
        classifications 50), 0 where BILL has no bulk create (customers, invoices, recorded
        payments) or its bulk endpoint answered that it does not exist."""
        if not self.supports(entity) or entity in self._no_bulk:
            return 0
        return min(self.create_batch, bill_map.spec(entity).bulk)

    async def create_many(
        self, entity: str, items: Sequence[tuple[Mapping[str, Any], str]]
    ) -> list[RemoteRecord | ConnectorError]:
        """Up to the entity's cap of creates in one ``POST /v3/{resource}/bulk`` (a JSON
        array of create bodies; docs/remote-shapes.md, *Bulk creates*): one answer per
        item, in order, the record created or why that one was refused. BILL's bulk create
        is all or nothing, so when it refuses the request none was created, and each is then
        sent alone: one refused record never sinks the others, and each keeps its own
        reason. The request is never sent again once it may have reached BILL (no
        idempotency key): a lost answer is raised for all (``outcome_unknown``), and the
        runner looks each record up before creating it again."""
        s = bill_map.spec(entity)
        if not s.bulk:
            raise ValueError(f"BILL has no bulk create for {entity} records")
        if not 0 < len(items) <= s.bulk:
            raise ValueError(
                f"a bulk request holds 1 to {s.bulk} {entity} creates, not {len(items)}"
            )
        out: list[RemoteRecord | ConnectorError | None] = [None] * len(items)
        bodies: list[tuple[int, dict[str, Any]]] = []
        for index, (fields, _key) in enumerate(items):
            ctx = Ctx.for_fields("create", entity, fields)
            try:  # a record that cannot be written is refused alone
                bodies.append((index, self._body(ctx, partial(bill_map.to_bill, entity, fields))))
            except RejectedError as exc:
                out[index] = exc
        self.http.emit(
            "debug", f"BILL bulk create {entity}", {"idempotency_keys": [k for _f, k in items]}
        )
        if len(bodies) == 1:
            await self._one_by_one(entity, [bodies[0][0]], items, out)
        elif bodies:
            await self._bulk(entity, bodies, items, out)
        endpoint = f"POST /v3/{s.resource}/bulk"
        return [r if r is not None else self._lacking(endpoint, "an answer") for r in out]

    async def _bulk(
        self,
        entity: str,
        bodies: list[tuple[int, dict[str, Any]]],
        items: Sequence[tuple[Mapping[str, Any], str]],
        out: list[RemoteRecord | ConnectorError | None],
    ) -> None:
        """One bulk request; each answer put in its item's place in ``out``."""
        s = bill_map.spec(entity)
        path = f"{s.resource}/bulk"
        endpoint = f"POST /v3/{path}"
        try:
            data = await self._api(
                "POST",
                path,
                Ctx("create", entity, ""),
                body=[body for _index, body in bodies],
                retry=Retry.UNSENT_ONLY,
            )
        except (RejectedError, NotFoundError) as exc:
            # All or nothing: none of them was created. Alone, each gets its own answer.
            if isinstance(exc, NotFoundError) or exc.code == NOT_SUPPORTED:
                self._no_bulk.add(entity)
            self.http.emit(
                "info",
                f"BILL refused {endpoint} as a whole; creating its {len(bodies)} records one "
                "at a time",
                {"entity": entity, "error": str(exc)},
            )
            await self._one_by_one(entity, [index for index, _body in bodies], items, out)
            return
        rows = _bulk_rows(data, s.bulk_answer)
        if rows is None:
            raise self._lacking(endpoint, f"{s.bulk_answer or 'array of'} records")
        wanted = [items[index][0] for index, _body in bodies]
        for (index, _body), row in zip(bodies, _paired(entity, rows, wanted), strict=True):
            fields = items[index][0]
            if row is None:
                out[index] = ProtocolError(
                    f"BILL's answer to {endpoint} does not show which record is "
                    f"{Ctx.for_fields('create', entity, fields).what}: sync again; recontui "
                    "looks for it before creating it again."
                )
                continue
            try:
                record = await self._result(entity, row, None, endpoint)
            except ConnectorError as exc:
                out[index] = exc
                continue
            out[index] = await self._archived_if_inactive(entity, fields, record)

    async def _one_by_one(
        self,
        entity: str,
        indexes: list[int],
        items: Sequence[tuple[Mapping[str, Any], str]],
        out: list[RemoteRecord | ConnectorError | None],
    ) -> None:
        """The items at ``indexes`` created one request each. A refusal is that record's
        answer; any other failure (BILL not answering, the sign-in refused) stops the
        rest, which are answered as not sent."""
        for at, index in enumerate(indexes):
            fields, key = items[index]
            try:
                out[index] = await self.create(entity, fields, idempotency_key=key)
            except (RejectedError, NotFoundError) as exc:
                out[index] = exc
            except ConnectorError as exc:
                out[index] = exc
                for later in indexes[at + 1 :]:
                    what = Ctx.for_fields("create", entity, items[later][0]).what
                    out[later] = UnreachableError(
                        f"BILL stopped answering before {what} was sent: sync again to send it."
                    )
                return

    async def _archived_if_inactive(
        self, entity: str, fields: Mapping[str, Any], record: RemoteRecord
    ) -> RemoteRecord:
        """A record created inactive is archived (a create cannot say so). It is created
        either way: should the archive fail, the record as created is the answer, and the
        runner's comparison of what it wrote says that it is still active."""
        if fields.get("active") is not False or record.fields.get("active") is False:
            return record
        try:
            return await self._archive(entity, record.remote_id, "archive")
        except ConnectorError as exc:
            self.http.emit(
                "warning",
                f"BILL created {entity} {record.remote_id} but did not archive it",
                {"error": str(exc)},
            )
            return record

    async def _checked(self, entity: str, remote_id: str, version: str, ctx: Ctx) -> dict[str, Any]:
        """The record as BILL holds it, refusing when it moved past ``version``."""
        raw = await self._read_raw(entity, remote_id)
        if raw is None:
            raise self._not_found(ctx)
        held = bill_map.updated_time(raw) or ""
        if held != version:
            raise StaleVersionError(
                f"BILL holds a newer version of {ctx.what} (updated {held}) than the one this "
                "change was based on: sync again to merge the latest changes."
            )
        return raw

    async def _archive(self, entity: str, remote_id: str, action: str) -> RemoteRecord:
        s = bill_map.spec(entity)
        path = f"{s.resource}/{remote_id}/{action}"
        data = await self._api("POST", path, Ctx(action, entity, remote_id))
        return await self._result(entity, data, remote_id, f"POST /v3/{path}")

    async def update(
        self,
        entity: str,
        remote_id: str,
        version: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord:
        """Read, compare ``updatedTime`` with ``version``, PATCH; ``active`` via archive/restore."""
        s = bill_map.spec(entity)
        ctx = Ctx("update", entity, remote_id)
        if not s.updatable:
            raise self._not_offered(ctx, f"PATCH /v3/{s.resource}/{{id}}")
        raw = await self._checked(entity, remote_id, version, ctx)
        current = self._record(entity, raw, f"GET /v3/{s.resource}/{remote_id}")
        rest = {k: v for k, v in changes.items() if k != "active"}
        record = current
        if rest:
            body = self._body(
                ctx,
                lambda: bill_map.to_bill(
                    entity, rest, partial=True, current=current.fields, remote=raw
                ),
            )
            if body:
                data = await self._api("PATCH", f"{s.resource}/{remote_id}", ctx, body=body)
                record = await self._result(
                    entity, data, remote_id, f"PATCH /v3/{s.resource}/{remote_id}"
                )
        if "active" in changes and "active" in s.field_names:
            wanted = bool(changes["active"])
            if bool(record.fields.get("active")) != wanted:
                record = await self._archive(entity, remote_id, "restore" if wanted else "archive")
        return record

    async def deactivate(
        self, entity: str, remote_id: str, version: str, *, idempotency_key: str
    ) -> RemoteRecord:
        """Archive (list records come back ``active=False``, transactions ``deleted=True``)."""
        ctx = Ctx("archive", entity, remote_id)
        s = bill_map.spec(entity)
        if not s.archivable:
            raise self._not_offered(ctx, f"POST /v3/{s.resource}/{{id}}/archive")
        await self._checked(entity, remote_id, version, ctx)
        return await self._archive(entity, remote_id, "archive")

    def _not_offered(self, ctx: Ctx, endpoint: str) -> RejectedError:
        """A write BILL has no endpoint for (a recorded payment cannot be changed or
        archived): refused before any request, as BILL would refuse it (BDC_1121)."""
        return RejectedError(
            f"BILL offers no way to {ctx.action} {ctx.what} ({endpoint} does not exist): make "
            "this change in BILL itself.",
            code=NOT_SUPPORTED,
            entity=ctx.entity,
            record=ctx.record,
        )

    def can_restore(self, entity: str) -> bool:
        """An archived BILL record comes back, with its id, through ``/restore``."""
        if not self.supports(entity):
            return False
        s = bill_map.spec(entity)
        return s.archivable and s.restorable

    async def restore(
        self,
        entity: str,
        remote_id: str,
        changes: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> RemoteRecord:
        """Restore an archived record, then write ``changes`` over it (a PATCH, when any).

        Restoring a restored record changes nothing (BILL's own words), so a replay after a
        lost answer is safe."""
        record = await self._archive(entity, remote_id, "restore")
        changes = {k: v for k, v in changes.items() if k != "active"}
        if not changes:
            return record
        return await self.update(
            entity, remote_id, record.version, changes, idempotency_key=idempotency_key
        )

    async def find_existing(
        self,
        entity: str,
        fields: Mapping[str, Any],
        *,
        skip: Callable[[RemoteRecord], bool] | None = None,
    ) -> RemoteRecord | None:
        """Look a record up by natural key; names compared trimmed and case-insensitively.

        A record ``skip`` rules out is passed over: the scan goes on to the next one."""
        endpoint = f"GET /v3/{bill_map.spec(entity).resource}"

        def wanted_row(row: dict[str, Any]) -> bool:
            if not bill_map.keeps(entity, row) or not _same_amount(entity, fields, row):
                return False
            return skip is None or not skip(self._record(entity, row, endpoint))

        for path, value, party in _natural_lookups(entity, fields):
            wanted = text_key(value)
            if wanted is None:
                continue
            # Narrow on the server (a party id, or the exact value), then compare locally.
            # BILL's ``eq`` is exact, so a miss on the value itself is confirmed by a scan
            # compared case-insensitively; a filter BILL refuses also falls back to a scan.
            narrow = _narrowing_filter(path, value, party)
            try:
                found = await self._scan(entity, narrow, path, wanted, party, wanted_row)
            except ProtocolError:
                if narrow is None:
                    raise
                found, narrow = None, "failed"
            if found is None and narrow is not None and (party is None or narrow == "failed"):
                found = await self._scan(entity, None, path, wanted, party, wanted_row)
            if found is not None:
                return self._record(entity, found, endpoint)
        return None

    async def _scan(
        self,
        entity: str,
        filters: str | None,
        path: tuple[str, ...],
        wanted: str,
        party: tuple[str, str] | None,
        keep: Callable[[dict[str, Any]], bool],
    ) -> dict[str, Any] | None:
        async for rows in self._list(entity, filters, sort=False):
            for row in rows:
                if text_key(get_path(row, path)) != wanted:
                    continue
                if party is not None and str(row.get(party[0])) != party[1]:
                    continue
                if keep(row):
                    return row
        return None


#: (BILL JSON path, wanted value, (party field, party id) or None): one natural-key look-up.
Lookup = tuple[tuple[str, ...], Any, tuple[str, str] | None]


def _natural_lookups(entity: str, fields: Mapping[str, Any]) -> list[Lookup]:
    """The look-ups that find ``fields``' record by natural key, in the order they are tried;
    none for a transaction whose party is not known yet."""
    if entity == "account":
        return [
            (("account", "number"), fields.get("number"), None),
            (("name",), fields.get("name"), None),
        ]
    if entity in ("class", "department", "item", "customer", "vendor"):
        return [(("name",), fields.get("name"), None)]
    if entity == "invoice":
        return [(("invoiceNumber",), fields.get("number"), None)]
    if entity == "credit_memo":
        customer = ref_id(fields.get("customer"))
        if customer is None:
            return []
        return [(("referenceNumber",), fields.get("number"), ("customerId", customer))]
    if entity in ("bill", "vendor_credit"):
        vendor = ref_id(fields.get("vendor"))
        if vendor is None:
            return []
        path = ("invoice", "invoiceNumber") if entity == "bill" else ("referenceNumber",)
        return [(path, fields.get("number"), ("vendorId", vendor))]
    if entity in ("payment", "bill_payment"):
        # A recorded payment carries no reference BILL lets recontui write: it is the
        # party's payment of that date (and amount, see _same_amount).
        key = "customerId" if entity == "payment" else "vendorId"
        party = ref_id(fields.get("customer" if entity == "payment" else "vendor"))
        if party is None:
            return []
        date_path = ("paymentDate",) if entity == "payment" else ("processDate",)
        return [(date_path, fields.get("date"), (key, party))]
    return []


def _bulk_rows(data: Any, key: str | None) -> list[Any] | None:
    """The records a bulk create answered with: the array itself (bills), or the array
    under ``key`` (``{"vendors": [...]}``, BILL's Postman collection); either shape is
    taken, as no page says which; None when there is none."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and key is not None and isinstance(data.get(key), list):
        return list(data[key])
    return None


def _names_item(entity: str, fields: Mapping[str, Any], row: Any) -> bool:
    """Whether an answer ``row`` is the record ``fields`` asked for: the natural keys the
    record has (name, number, and the party of a transaction) agree."""
    if not isinstance(row, dict):
        return False
    for path, value, party in _natural_lookups(entity, fields):
        if text_key(value) is None:
            continue
        if text_key(get_path(row, path)) != text_key(value):
            return False
        if party is not None and str(row.get(party[0])) != party[1]:
            return False
    return True


def _paired(entity: str, rows: list[Any], wanted: list[Mapping[str, Any]]) -> list[Any]:
    """Each wanted record's answer: by position when every answer names its item (no page
    says the answer keeps the request's order), else by natural key; an answer that names
    no item, or two, is nobody's (None: that record is looked up on the next run)."""
    if len(rows) == len(wanted) and all(
        _names_item(entity, f, r) for f, r in zip(wanted, rows, strict=True)
    ):
        return rows
    taken: set[int] = set()
    out: list[Any] = []
    for fields in wanted:
        hits = [
            i for i, row in enumerate(rows) if i not in taken and _names_item(entity, fields, row)
        ]
        if len(hits) == 1:
            taken.add(hits[0])
        out.append(rows[hits[0]] if len(hits) == 1 else None)
    return out


def _same_amount(entity: str, fields: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """A payment found by party and date is the one looked for only at the same amount."""
    if entity not in ("payment", "bill_payment") or fields.get("amount") is None:
        return True
    try:
        return to_money(row.get("amount")) == to_money(fields["amount"])
    except MoneyError:
        return False


def _narrowing_filter(
    path: tuple[str, ...], value: Any, party: tuple[str, str] | None
) -> str | None:
    """The server-side filter a look-up starts from: the party's id, or the exact value of
    a top-level field; None where BILL cannot filter (a nested path)."""
    if party is not None:
        return f"{party[0]}:eq:{filter_value(party[1])}"
    if len(path) == 1:
        return f"{path[0]}:eq:{filter_value(str(value).strip())}"
    return None


def _errors(data: Any) -> list[dict[str, Any]]:
    """BILL's error array (``[{code, message, ...}]``), or [] for a normal body."""
    if isinstance(data, list) and data and all(isinstance(e, dict) and "code" in e for e in data):
        return data
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        return [e for e in data["errors"] if isinstance(e, dict)]
    return []


def _said(errors: list[dict[str, Any]], status: int) -> str:
    if not errors:
        return f"HTTP {status}"
    first = errors[0]
    return f"{first.get('code', status)}: {str(first.get('message') or '').strip()}".rstrip(": ")
