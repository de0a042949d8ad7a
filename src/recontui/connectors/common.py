"""Pieces both connectors (and both mapping modules) share.

Natural keys (what ``find_existing`` looks for), how a record is named in an
error sentence, how a pull cursor is turned into a query bound, the table of
entity specs each mapping module keeps, the skeleton of a write body, and
:class:`ConnectorBase`: settings, the HTTP client's life and the sentences for
records that do not map, the same for both systems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import httpx

from ..model.entities import ENTITIES
from ..model.record import RemoteRecord
from ..model.refs import RemoteRef
from .base import (
    Company,
    ConnectorError,
    EventSink,
    NotFoundError,
    ProtocolError,
    RejectedError,
    SecretAccess,
)
from .http import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    HttpClient,
    RateGovernor,
    shared_governor,
    with_support_id,
)
from .values import CannotCarry, Codec, Field, MappingError, shift_timestamp

DEFAULT_OVERLAP_SECONDS = 60


@dataclass(frozen=True)
class Ctx:
    """What a request was for, so an error can name the record in a sentence."""

    action: str  # "read" | "query" | "create" | "update" | "deactivate" | "delete" | ...
    entity: str
    record: str  # remote id, natural key, or "" for list operations
    #: Quote ``record`` in sentences (a name, as opposed to an id or a number).
    quoted: bool = False

    @property
    def what(self) -> str:
        label = ENTITIES[self.entity].label.lower() if self.entity in ENTITIES else self.entity
        if not self.record:
            return f"{label} records"
        return f"{label} '{self.record}'" if self.quoted else f"{label} {self.record}"

    @property
    def doing(self) -> str:
        """What was being done, for "... did not let <user> <doing>": "read bill payments",
        "create vendor 'Acme'", "archive customer 12"."""
        if self.action == "query" or (self.action == "read" and not self.record):
            return f"read {list_name(self.entity)}"
        if self.action == "company":
            return f"read {self.what.removesuffix(' records')}"
        verb = {"update": "change", "deactivate": "archive"}.get(self.action, self.action)
        return f"{verb} {self.what}"

    @classmethod
    def for_fields(cls, action: str, entity: str, fields: Mapping[str, Any]) -> Ctx:
        """A context naming a record that has no remote id yet, by its natural key."""
        spec = ENTITIES.get(entity)
        return cls(
            action,
            entity,
            natural_key(entity, fields),
            quoted=bool(
                spec and spec.kind == "list" and fields.get(spec.title_field) not in (None, "")
            ),
        )


#: How a whole list is named in a sentence ("read the chart of accounts").
LIST_NAMES: Mapping[str, str] = {
    "account": "the chart of accounts",
    "class": "classes",
    "department": "departments",
    "tax_rate": "tax rates",
    "tax_code": "tax codes",
    "sales_tax": "sales taxes",
    "item": "items",
    "customer": "customers",
    "vendor": "vendors",
    "invoice": "invoices",
    "credit_memo": "credit memos",
    "payment": "payments received",
    "bill": "bills",
    "bill_payment": "bill payments",
    "vendor_credit": "vendor credits",
    "journal_entry": "journal entries",
}


def list_name(entity: str) -> str:
    """The list ``entity``'s records make, as a sentence names it ("bill payments")."""
    if entity in LIST_NAMES:
        return LIST_NAMES[entity]
    label = ENTITIES[entity].label.lower() if entity in ENTITIES else entity
    return f"{label} records"


def natural_key(entity: str, fields: Mapping[str, Any]) -> str:
    """A short human name for a record being created (used in error sentences)."""
    spec = ENTITIES.get(entity)
    if spec is None:
        return ""
    title = fields.get(spec.title_field)
    if title not in (None, ""):
        return str(title)
    for key in spec.keys:
        parts = [fields.get(k) for k in key]
        if all(p not in (None, "") for p in parts):
            return " / ".join(_show(p) for p in parts)
    return "(new)"


def _show(value: Any) -> str:
    if isinstance(value, RemoteRef):
        return f"{value.entity} {value.remote_id}"
    return str(value)


def query_bound(cursor: str | None, overlap_seconds: float) -> str | None:
    """The lower bound of the next pull: the cursor minus the overlap window.

    Records committed late (their timestamp is earlier than the greatest one
    already seen) still fall inside the overlap; the runner drops re-read
    records whose version it already holds.
    """
    if not cursor:
        return None
    return shift_timestamp(cursor, -overlap_seconds) if overlap_seconds else cursor


def rate_settings(
    label: str,
    settings: Mapping[str, str],
    *,
    max_in_flight: int,
    rate_limit: int | None,
    rate_window: float,
) -> tuple[int, int | None, float]:
    """``max_in_flight``, ``rate_limit`` and ``rate_window_seconds`` from a profile's side
    settings, the given defaults where absent; a bad value is a ConnectorError."""

    def bad(key: str, value: str, wanted: str) -> ConnectorError:
        return ConnectorError(
            f"The {label} profile's {key} setting is {value!r}, but it must be {wanted}: "
            "correct it (or remove it for the documented default) and sync again."
        )

    in_flight = max_in_flight
    raw = str(settings.get("max_in_flight") or "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise bad("max_in_flight", raw, "a whole number of 1 or more")
        in_flight = int(raw)
    limit = rate_limit
    raw = str(settings.get("rate_limit") or "").strip()
    if raw:
        if raw.lower() in ("off", "none", "0"):
            limit = None
        elif not raw.isdigit():
            raise bad("rate_limit", raw, "a whole number of 1 or more, or off")
        else:
            limit = int(raw)
    window = rate_window
    raw = str(settings.get("rate_window_seconds") or "").strip()
    if raw:
        try:
            window = float(raw)
        except ValueError:
            window = 0.0
        if not 0 < window < float("inf"):
            raise bad("rate_window_seconds", raw, "a number of seconds above 0")
    return in_flight, limit, window


def deadline_setting(label: str, settings: Mapping[str, str]) -> float:
    """``request_deadline_seconds`` from a profile's side settings (default 60): how long
    one request, its retries included, may go unanswered; a bad value is a ConnectorError."""
    raw = str(settings.get("request_deadline_seconds") or "").strip()
    if not raw:
        return DEFAULT_DEADLINE
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ConnectorError(
            f"The {label} profile's request_deadline_seconds setting is {raw!r}, but it must "
            "be a number of seconds above 0: correct it (or remove it for the documented "
            "default of 60) and sync again."
        )
    return seconds


def text_key(value: Any) -> str | None:
    """How two names/numbers are compared when looking a record up: trimmed, casefolded."""
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def ref_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, RemoteRef):
        return value.remote_id
    if isinstance(value, str):
        return value or None
    return None


# ---------------------------------------------------------------------------
# Entity specs (the mapping modules' tables)

#: The canonical address parts; a partial write that changes one sends them all.
ADDRESS_FIELDS = frozenset({"address_line1", "city", "region", "postal_code", "country"})


class MappedEntity:
    """What the entity specs of both mapping modules share (mixed into their dataclasses)."""

    entity: str
    fields: tuple[Field, ...]
    lines: Any  # the system's ``Lines`` (with a ``name``) or None
    create_extra: Mapping[str, Any]

    @property
    def kind(self) -> str:
        return ENTITIES[self.entity].kind

    @property
    def field_names(self) -> frozenset[str]:
        names = {f.name for f in self.fields}
        if self.lines is not None:
            names.add(self.lines.name)
        return frozenset(names)

    @property
    def set_by_system(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.set_by_system)


S = TypeVar("S", bound=MappedEntity)


class EntityTable(dict[str, S], Generic[S]):
    """One system's entity specs by canonical entity name."""

    def __init__(self, system_label: str, specs: Iterable[S]) -> None:
        super().__init__((s.entity, s) for s in specs)
        self.system_label = system_label

    def spec(self, entity: str) -> S:
        try:
            return self[entity]
        except KeyError:
            raise KeyError(f"{self.system_label} does not hold {entity!r} records") from None

    def fields_of(self, entity: str) -> frozenset[str]:
        return self.spec(entity).field_names

    def sets_itself(self, entity: str) -> frozenset[str]:
        return self.spec(entity).set_by_system


def write_body(
    codec: Codec,
    s: MappedEntity,
    fields: Mapping[str, Any],
    *,
    partial: bool,
    current: Mapping[str, Any] | None,
    skip_kinds: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], Any]:
    """The body for ``fields`` without its lines, and the line rows to write (or None).

    ``partial=False`` (create): None values are left out and ``create_extra`` is
    added. ``partial=True`` (update): only the given fields, None empties one
    (see :meth:`Codec.write`). Changing one address part sends the whole
    address, the other parts taken from ``current`` (the canonical fields as
    the server holds them), because an update may replace the nested address
    object. Read-only fields and ``skip_kinds`` are left out; canonical fields
    the system does not map are ignored; an unknown field name raises.
    """
    canonical = ENTITIES[s.entity]
    for name in fields:
        if not canonical.has_field(name):
            raise MappingError(f"{s.entity} has no field {name!r}")
    given = dict(fields)
    if partial and ADDRESS_FIELDS & given.keys() and s.field_names >= ADDRESS_FIELDS:
        for name in ADDRESS_FIELDS - given.keys():
            held = (current or {}).get(name)
            if held not in (None, ""):
                given[name] = held
    body: dict[str, Any] = {} if partial else dict(s.create_extra)
    plain = tuple(f for f in s.fields if f.kind not in skip_kinds)
    codec.write(body, plain, given, clear=partial)
    rows = None
    if s.lines is not None and s.lines.name in given:
        value = given[s.lines.name]
        if value is not None or partial:
            rows = value or []
    return body, rows


# ---------------------------------------------------------------------------
# Connectors


class ConnectorBase:
    """What both connectors share; each subclass adds its own sign-in and endpoints.

    Subclasses set the class attributes below and implement :meth:`_start`
    (sign in once the HTTP client is open), :meth:`_from_remote` (the mapping
    module's reader) and :meth:`_company_name`, and set ``_company_id``.
    """

    system: str
    label: str
    #: The mapping module's entity specs.
    entities: EntityTable[Any]
    #: Profile settings the connector cannot work without.
    required_settings: tuple[str, ...] = ()
    #: What to tell the user when the profile lacks some of them.
    fix_profile: str = ""
    max_page: int
    #: Requests in flight at once the company allows (setting ``max_in_flight``).
    max_concurrency: int
    #: Requests it allows per ``rate_window`` seconds; None: no budget (settings
    #: ``rate_limit``, ``off`` for none, and ``rate_window_seconds``).
    rate_limit: int | None = None
    rate_window: float = 60.0
    #: Seconds to wait after a 429 without ``Retry-After``, when the vendor documents one
    #: (None: exponential back-off); option ``throttle_wait`` overrides it (tests).
    throttle_wait: float | None = None
    #: Response headers worth logging (request ids a vendor's support asks for).
    log_headers: tuple[str, ...] = ()
    #: The realm / organisation id, set by the subclass from its settings.
    _company_id: str

    def __init__(
        self,
        settings: Mapping[str, str],
        secrets: SecretAccess,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        on_event: EventSink | None = None,
        page_size: int | None = None,
        overlap_seconds: float = DEFAULT_OVERLAP_SECONDS,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        throttle_wait: float | None = None,
    ) -> None:
        missing = [k for k in self.required_settings if not settings.get(k)]
        if missing:
            raise ConnectorError(
                f"The {self.label} profile lacks {', '.join(missing)}: {self.fix_profile}."
            )
        self._settings = dict(settings)
        self._max_in_flight, self._rate_limit, self._rate_window = rate_settings(
            self.label,
            settings,
            max_in_flight=self.max_concurrency,
            rate_limit=self.rate_limit,
            rate_window=self.rate_window,
        )
        self._deadline = deadline_setting(self.label, settings)
        self._secrets = secrets
        self._transport = transport
        self._on_event = on_event
        self._page_size = min(self.max_page, page_size or self.max_page)
        self._overlap = overlap_seconds
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._timeout = timeout
        if throttle_wait is not None:
            self.throttle_wait = throttle_wait
        self._http: HttpClient | None = None

    # -- protocol basics ---------------------------------------------------

    def supports(self, entity: str) -> bool:
        return entity in self.entities

    def fields(self, entity: str) -> frozenset[str]:
        return self.entities.fields_of(entity)

    def sets_itself(self, entity: str) -> frozenset[str]:
        return self.entities.sets_itself(entity)

    async def __aenter__(self) -> Self:
        self._http = HttpClient(
            label=self.label,
            transport=self._transport,
            on_event=self._on_event,
            max_concurrency=self._max_in_flight,
            max_attempts=self._max_attempts,
            base_delay=self._base_delay,
            timeout=self._timeout,
            log_headers=self.log_headers,
            governors=self._governors(),
            deadline=self._deadline,
            throttle_wait=self.throttle_wait,
        )
        try:
            await self._start()
        except BaseException:
            await self._http.aclose()
            raise
        return self

    async def _start(self) -> None:
        raise NotImplementedError

    def _rate_keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Whom the in-flight cap and the rate budget are per (both: the company)."""
        company = (self.system, self._settings.get("api_base", ""), self._company_id)
        return company, company

    def _governors(self) -> tuple[RateGovernor, ...]:
        """This company's shared governors (one per distinct key of ``_rate_keys``)."""
        in_flight_key, budget_key = self._rate_keys()
        scope = self._transport
        if in_flight_key == budget_key:
            return (
                shared_governor(
                    in_flight_key,
                    max_in_flight=self._max_in_flight,
                    budget=self._rate_limit,
                    window=self._rate_window,
                    scope=scope,
                ),
            )
        return (
            shared_governor(
                budget_key,
                max_in_flight=None,
                budget=self._rate_limit,
                window=self._rate_window,
                scope=scope,
            ),
            shared_governor(
                in_flight_key,
                max_in_flight=self._max_in_flight,
                budget=None,
                window=self._rate_window,
                scope=scope,
            ),
        )

    @property
    def http(self) -> HttpClient:
        if self._http is None or self._http.closed:
            raise ConnectorError(
                f"The {self.label} connector is not open: use it inside `async with`."
            )
        return self._http

    # -- records and bodies ------------------------------------------------

    def _from_remote(self, entity: str, obj: Any) -> RemoteRecord:
        raise NotImplementedError

    def _support(self) -> str:
        """What names the answer being handled for the vendor's support ("intuit_tid
        1-abc"), "" when the system names none: every error made from an answer ends
        with it (:func:`~.http.with_support_id`), so a person can quote it."""
        return ""

    def _said(self, message: str) -> str:
        return with_support_id(message, self._support())

    def _record(self, entity: str, obj: Any, endpoint: str) -> RemoteRecord:
        """``obj`` (from ``endpoint``) as a record; one that does not map is a ProtocolError."""
        try:
            return self._from_remote(entity, obj)
        except MappingError as exc:
            raise ProtocolError(
                self._said(
                    f"{self.label} sent a {entity} from {endpoint} that recontui cannot read "
                    f"({exc}): report it with the log."
                )
            ) from exc

    def _body(self, ctx: Ctx, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``build()``; a record that cannot be expressed, or a write that would lose what
        the remote holds (:class:`CannotCarry`), is rejected, naming the record."""
        try:
            return build()
        except CannotCarry as exc:
            raise RejectedError(
                exc.sentence(ctx.what),
                code="CANNOT_CARRY",
                entity=ctx.entity,
                record=ctx.record,
            ) from exc
        except MappingError as exc:
            raise RejectedError(
                f"recontui cannot express {ctx.what} for {self.label} ({exc}): correct the "
                "record and sync again.",
                code="MAPPING",
                entity=ctx.entity,
                record=ctx.record,
            ) from exc

    # -- error sentences both systems use -----------------------------------

    def _not_found(self, ctx: Ctx, endpoint: str | None = None) -> NotFoundError:
        where = f" ({endpoint})" if endpoint else ""
        return NotFoundError(
            self._said(
                f"{self.label} has no {ctx.what}{where}: sync again to refresh the record list."
            )
        )

    def _unreadable(self, ctx: Ctx, endpoint: str) -> ProtocolError:
        return ProtocolError(
            self._said(
                f"{self.label} sent an unreadable or truncated answer to {endpoint} "
                f"({ctx.what}): sync again; if it keeps happening, report it."
            )
        )

    def _lacking(self, endpoint: str, what: str) -> ProtocolError:
        """An answer to ``endpoint`` without ``what`` (a wrapper object, a list, an id)."""
        return ProtocolError(
            self._said(
                f"{self.label}'s answer to {endpoint} has no {what}: sync again; if it keeps "
                "happening, report it."
            )
        )

    def _failed(self, ctx: Ctx, endpoint: str, said: str) -> ConnectorError:
        """The server failed (5xx): worth trying again later."""
        return ConnectorError(
            self._said(
                f"{self.label} failed on {endpoint} for {ctx.what} ({said}): sync again later."
            ),
            retryable=True,
        )

    def _not_accepted(self, ctx: Ctx, endpoint: str, said: str) -> ProtocolError:
        """A read or query the server refused: recontui asked wrongly."""
        return ProtocolError(
            self._said(
                f"{self.label} did not accept {endpoint} for {ctx.what} ({said}): this is a "
                "recontui problem; report it with the log."
            )
        )

    # -- company -----------------------------------------------------------

    async def _company_name(self) -> Any:
        """The company's name as the server says it (None when it does not)."""
        raise NotImplementedError

    async def company(self) -> Company:
        """The connected company; named from the profile when the server will not say."""
        company_id = self._company_id
        try:
            name = await self._company_name()
        except (NotFoundError, ProtocolError):
            name = None
        fallback = self._settings.get("company_name") or company_id
        return Company(self.system, company_id, str(name or fallback))
