"""One stand-in and its connector, seen through the same questions for QBO and BILL.

``Harness(system, **config)`` builds a fresh in-process :class:`Sandbox` and makes
connectors for ``system`` against it. Everything a contract test needs that differs
between the two systems sits here, behind one name: editing or deleting a record behind
the connector's back (straight in the stand-in's store), counting records by natural
key, expiring or revoking the credentials, the stand-in's limiter counters, switching a
fault kind on. The tests in ``test_contract.py`` then read the same for both systems.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx
from memory_secrets import Secrets

from recontui.connectors import (
    BillConnector,
    Connector,
    Page,
    ProtocolError,
    QboConnector,
    UnreachableError,
    make_connector,
)
from recontui.model import RemoteRecord
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES
from recontui.sandbox.faults import parse_faults
from recontui.sandbox.limits import ConcurrencyLimiter, WindowBudget
from recontui.sandbox.qbo_entities import BY_NAME as QBO_ENTITIES

BASE = "http://contract"
SYSTEMS = ("qbo", "bill")
OVERLAP = dt.timedelta(seconds=60)  # the connectors' default re-read window


@dataclass(frozen=True)
class Side:
    """What differs between the systems, named once."""

    label: str
    #: Requests in flight at once the service documents (QBO 10 per realm, BILL 3 per org).
    cap: int
    #: Seconds after which the access token (QBO) or an idle session (BILL) is dead.
    auth_seconds: int
    #: Words of the next step an AuthError names when the authorisation is gone.
    reconnect: str
    #: How the record version is called in the system's own terms (for messages).
    version: str
    #: Whether a write can be re-sent safely with its idempotency key (QBO ``requestid``).
    idempotent_writes: bool
    #: Whether renewing the authorisation rotates a saved secret (QBO refresh token).
    rotates: bool
    #: The stand-in's name / path of each entity the contract uses.
    remote: dict[str, str]


SIDES = {
    "qbo": Side(
        label="QuickBooks Online",
        cap=10,
        auth_seconds=3600,
        reconnect="reconnect required",
        version="SyncToken (5010 Stale Object Error)",
        idempotent_writes=True,
        rotates=True,
        remote={"customer": "Customer", "invoice": "Invoice", "class": "Class"},
    ),
    "bill": Side(
        label="BILL",
        cap=3,
        auth_seconds=35 * 60,
        reconnect="check the username, password and developer key",
        version="updatedTime",
        idempotent_writes=False,
        rotates=False,
        remote={
            "customer": "customers",
            "invoice": "invoices",
            "class": "classifications/accounting-classes",
        },
    ),
}


class Recorder(httpx.AsyncBaseTransport):
    """The stand-in's socket-like transport, noting each request as (method, path, query).

    One per harness and shared by its connectors, as one server would be: the rate
    governors are per server (transport) and company, so connectors made here share them.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[tuple[str, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        query = unquote(request.url.query.decode())
        self.seen.append((request.method, request.url.path, query))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Shared by several connectors: closing one of them must not close the server."""


class Harness:
    def __init__(self, system: str, **config: Any) -> None:
        self.system = system
        self.side = SIDES[system]
        self.sb = Sandbox(SandboxConfig(seed=7, scenario="demo", **config))
        creds = self.sb.credentials(BASE)[system]
        if system == "qbo":
            self.settings = {k: creds[k] for k in ("api_base", "token_url", "realm_id")}
            secret_names = ("client_id", "client_secret", "refresh_token")
        else:
            self.settings = {k: creds[k] for k in ("api_base", "organization_id", "username")}
            secret_names = ("dev_key", "password")
        self.secrets = Secrets({k: creds[k] for k in secret_names})
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.transport = Recorder(self.sb.transport())

    @property
    def label(self) -> str:
        return self.side.label

    def connector(
        self,
        *,
        page_size: int | None = None,
        settings: dict[str, str] | None = None,
        **options: Any,
    ) -> Connector:
        """A connector to the stand-in (``options``: retry tuning, e.g. ``max_attempts``)."""
        merged = {**self.settings, **(settings or {})}

        def sink(level: str, message: str, data: Any) -> None:
            self.events.append((level, message, dict(data)))

        if not options:
            return make_connector(
                self.system,
                merged,
                self.secrets,
                transport=self.transport,
                on_event=sink,
                page_size=page_size,
            )
        cls = QboConnector if self.system == "qbo" else BillConnector
        if "base_delay" in options:
            # Tuned for speed: a 429 waits the same short back-off, not QBO's documented
            # minute (tests/connectors/test_connector_throttle_wait.py pins that).
            options.setdefault("throttle_wait", options["base_delay"])
        return cls(
            merged,
            self.secrets,
            transport=self.transport,
            on_event=sink,
            page_size=page_size,
            **options,
        )

    # -- the stand-in's own store ------------------------------------------------------

    def _rows(self, entity: str) -> list[dict[str, Any]]:
        remote = self.side.remote[entity]
        with self.sb.lock:
            if self.system == "qbo":
                return [dict(r) for _, r in self.sb.qbo_company.rows(remote)]
            return [dict(r) for r in self.sb.bill_org.all(remote)]

    def store_versions(self, entity: str) -> dict[str, str]:
        """Every record of ``entity`` the stand-in holds: id -> its current version."""
        if self.system == "qbo":
            return {r["Id"]: r["SyncToken"] for r in self._rows(entity)}
        return {r["id"]: r["updatedTime"] for r in self._rows(entity)}

    def store_ids(self, entity: str) -> set[str]:
        return set(self.store_versions(entity))

    def named(self, entity: str, name: str) -> list[str]:
        """Ids of the records whose name is ``name`` (trimmed, case-insensitive)."""
        field = "DisplayName" if self.system == "qbo" else "name"
        wanted = " ".join(name.split()).casefold()
        return [
            str(r["Id"] if self.system == "qbo" else r["id"])
            for r in self._rows(entity)
            if " ".join(str(r.get(field, "")).split()).casefold() == wanted
        ]

    def deletable_invoice(self) -> str:
        """An invoice nobody has paid (QBO refuses to delete a paid one)."""
        for invoice_id in sorted(self.store_ids("invoice")):
            if self.system == "bill" or not self._qbo_paid("Invoice", invoice_id):
                return invoice_id
        raise AssertionError("the demo company has no unpaid invoice")

    def _qbo_paid(self, name: str, ident: str) -> bool:
        with self.sb.lock:
            return self.sb.qbo_company.applied_to(name, ident)[0] > 0

    @property
    def invoice_edit_field(self) -> str:
        """The canonical invoice field :meth:`edit_behind` changes (a BILL invoice has no
        memo)."""
        return "memo" if self.system == "qbo" else "number"

    def edit_behind(self, entity: str, remote_id: str) -> str:
        """Change one field of a record in the stand-in's store, as another user would;
        answer the new value (customer: email, invoice: QBO memo, BILL number)."""
        value = f"edited-{uuid.uuid4().hex[:8]}"
        remote = self.side.remote[entity]
        with self.sb.lock:
            if self.system == "qbo":
                company = self.sb.qbo_company
                current = company.find(remote, remote_id)
                assert current is not None, (entity, remote_id)
                body: dict[str, Any] = {
                    "Id": remote_id,
                    "SyncToken": current["SyncToken"],
                    "sparse": True,
                }
                if entity == "customer":
                    value += "@example.test"
                    body["PrimaryEmailAddr"] = {"Address": value}
                else:
                    body["PrivateNote"] = value
                company.save(QBO_ENTITIES[remote], body)
            else:
                if entity == "customer":
                    value += "@example.test"
                    patch = {"email": value}
                else:  # a BILL invoice has no memo (BILL's Postman collection): its number
                    patch = {"invoiceNumber": value}
                self.sb.bill_org.patch(BILL_RESOURCES[remote], remote_id, patch)
        return value

    def delete_behind(self, entity: str, remote_id: str) -> None:
        """Remove a record as another user would: QBO deletes a transaction and makes a
        list record inactive; BILL archives either."""
        remote = self.side.remote[entity]
        with self.sb.lock:
            if self.system == "qbo":
                company = self.sb.qbo_company
                current = company.find(remote, remote_id)
                assert current is not None, (entity, remote_id)
                body = {"Id": remote_id, "SyncToken": current["SyncToken"]}
                if QBO_ENTITIES[remote].is_list:
                    company.save(QBO_ENTITIES[remote], {**body, "sparse": True, "Active": False})
                else:
                    company.delete(QBO_ENTITIES[remote], body)
            else:
                self.sb.bill_org.set_archived(BILL_RESOURCES[remote], remote_id, True)

    # -- credentials --------------------------------------------------------------------

    def expire_auth(self) -> None:
        """Let the access token (QBO) or the idle session (BILL) die."""
        self.sb.advance(self.side.auth_seconds + 1)

    def revoke_auth(self) -> None:
        """Take the authorisation away for good: QBO revokes the app's tokens; BILL's
        user changes the password and the session idles out."""
        if self.system == "qbo":
            oauth = self.sb.qbo_oauth
            oauth.revoke(oauth.current_refresh_token())
        else:
            self.sb.bill_sessions.account.password = "changed-" + uuid.uuid4().hex[:6]
            self.expire_auth()

    def renewals(self) -> int:
        """Requests that renewed the authorisation: QBO token refreshes, BILL logins."""
        ending = "/tokens/bearer" if self.system == "qbo" else "/v3/login"
        return sum(1 for method, path, _ in self.transport.seen if path.endswith(ending))

    # -- what went over the wire ------------------------------------------------------

    def posts_to(self, entity: str) -> int:
        """Create/update requests sent for ``entity`` (retries included)."""
        if self.system == "qbo":
            tail = f"/{self.side.remote[entity].lower()}"
        else:
            tail = f"/v3/{self.side.remote[entity]}"
        return sum(1 for m, p, _ in self.transport.seen if m == "POST" and p.endswith(tail))

    def incremental_via(self) -> set[str]:
        """How the recorded pulls asked for changes: ``cdc`` or ``query`` (QBO), ``filter``
        (BILL's ``updatedTime:gte`` list filter)."""
        via = set()
        for method, path, query in self.transport.seen:
            if path.endswith("/cdc"):
                via.add("cdc")
            elif path.endswith("/query"):
                via.add("query")
            elif method == "GET" and "updatedTime:gte:" in query:
                via.add("filter")
        return via

    def expected_via(self, age_days: float) -> set[str]:
        """QBO reads a cursor younger than its 30-day CDC window by change data capture,
        an older one by query; BILL always filters its list by ``updatedTime``."""
        if self.system == "bill":
            return {"filter"}
        return {"cdc"} if age_days < 29 else {"query"}

    # -- limits and faults -------------------------------------------------------------

    def limiter(self) -> ConcurrencyLimiter:
        return self.sb.qbo.limiter if self.system == "qbo" else self.sb.bill.limiter

    def budget(self) -> WindowBudget:
        return self.sb.qbo.budget if self.system == "qbo" else self.sb.bill.hourly

    @staticmethod
    def rate_config(system: str, budget: int, window: float) -> dict[str, Any]:
        """SandboxConfig fields for a budget of ``budget`` requests per ``window`` s."""
        if system == "qbo":
            return {"qbo_per_minute": budget, "qbo_window_seconds": window}
        return {"bill_per_hour": budget, "bill_window_seconds": window}

    @contextlib.contextmanager
    def faulty(self, kind: str, rate: float = 1.0) -> Iterator[None]:
        """Every API request meets fault ``kind`` (at ``rate``) inside the block."""
        injector = self.sb.faults
        clean = injector.plan
        injector.plan = parse_faults(
            f"{kind}={rate}", seed=clean.seed, slow_seconds=self.sb.config.slow_seconds
        )
        try:
            yield
        finally:
            injector.plan = clean


# -- helpers the tests share -----------------------------------------------------------


def new_customer(name: str) -> dict[str, str]:
    """A new customer both systems accept: BILL requires a name and an email
    (https://developer.bill.com/docs/ar-customers, "email: must not be blank")."""
    return {"name": name, "email": "contract@example.test"}


def key() -> str:
    return uuid.uuid4().hex


async def pull_all(conn: Connector, entity: str, cursor: str | None = None) -> list[Page]:
    return [page async for page in conn.pull(entity, cursor)]


def records(pages: list[Page]) -> list[RemoteRecord]:
    return [r for p in pages for r in p.records]


def stamp(cursor: str | None) -> dt.datetime:
    assert cursor is not None
    return dt.datetime.fromisoformat(cursor.replace("Z", "+00:00"))


def one_sentence(text: str) -> bool:
    """A message a person can act on: one line, one sentence, no traceback."""
    return (
        "\n" not in text
        and text.endswith(".")
        and text.count(". ") == 0
        and "Traceback" not in text
        and len(text) < 400
    )


def runner_looks_up(exc: Exception) -> bool:
    """Whether the runner treats a failed create as "maybe saved" and calls
    ``find_existing`` before sending it again (``runner.push``: an UnreachableError with
    ``outcome_unknown``, or a ProtocolError: an answer it could not read)."""
    if isinstance(exc, UnreachableError):
        return exc.outcome_unknown
    return isinstance(exc, ProtocolError)
