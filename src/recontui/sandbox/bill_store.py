"""One BILL organisation held in memory, with BILL's validation and computed fields.

``updatedTime`` is strictly increasing across the organisation, so it can serve as the
record version the connector checks before it writes (BILL has no write version check).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .bill_errors import (
    DUPLICATE_BILL,
    DUPLICATE_INVOICE,
    BillError,
    bad_param,
    duplicate,
    invalid_type,
    invalid_value,
    missing,
    not_found,
)
from .bill_resources import (
    ACCOUNT_TYPES,
    BY_PATH,
    DATE_FIELDS,
    PARTY_TYPES,
    PAYMENT_TYPES,
    PAYS,
    RESOURCES,
    SALES_TAX_TYPES,
    SERVER_FIELDS,
    VOID_FIELDS,
    VOID_REASON_MAX,
    VOIDED_STATUSES,
    BillResource,
    LineSpec,
    RecordPayment,
)
from .clock import SandboxClock, bill_time, parse_date
from .jsonio import clone

ZERO = Decimal("0")
CENT = Decimal("0.01")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Byte b -> ``_ALPHABET[b % 62]``, for ``bytes.translate``.
_BYTE_CHARS = bytes(ord(_ALPHABET[b % 62]) for b in range(256))


def _dig(rec: dict[str, Any], dotted: str) -> Any:
    value: Any = rec
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _number_key(value: Any) -> str:
    """How BILL compares invoice and bill numbers: trimmed, case-folded."""
    return str(value or "").strip().casefold()


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, (list, dict)) and not value)


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise invalid_type(field)
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, int):
        out = Decimal(value)
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip())
        except InvalidOperation:
            raise invalid_type(field) from None
    else:
        raise invalid_type(field)
    if not out.is_finite():
        raise invalid_type(field)
    return out


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch: objects merge, arrays and scalars replace, null removes."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = _merge(dict(target[key]), value)
        else:
            target[key] = clone(value)
    return target


class BillOrg:
    def __init__(self, org_id: str, clock: SandboxClock) -> None:
        self.org_id = org_id
        self.clock = clock
        self._records: dict[str, dict[str, dict[str, Any]]] = {r.path: {} for r in RESOURCES}
        self._ids: set[str] = set()
        self._counter = 0
        self._last: datetime | None = None
        #: Bumped by every write (every write ticks); list pages are cached against it.
        self.generation = 0
        #: path -> (generation, filters, sort, sorted hits): the last listing of each path.
        self.list_memo: dict[str, Any] = {}
        # Indexes kept by create/patch so a write costs the same in a big organisation.
        self._numbers: defaultdict[tuple[str, Any, str], set[str]] = defaultdict(set)
        self._payers: defaultdict[tuple[str, Any], set[str]] = defaultdict(set)

    def adopt(self, other: BillOrg) -> None:
        """Take a copy of another organisation's records (reuses a seeded template)."""
        self._records = clone(other._records)
        self._ids = set(other._ids)
        self._counter = other._counter
        self._last = other._last
        self.generation += 1
        self.list_memo = {}
        self._numbers = defaultdict(set)
        self._payers = defaultdict(set)
        for path, records in self._records.items():
            for rec in records.values():
                self._index(path, rec, add=True)

    def _index(self, path: str, rec: dict[str, Any], *, add: bool) -> None:
        entries: list[set[str]] = []
        if path == "invoices":
            entries.append(self._numbers[(path, None, _number_key(rec.get("invoiceNumber")))])
        elif path == "bills":
            number = _number_key(_dig(rec, "invoice.invoiceNumber"))
            entries.append(self._numbers[(path, rec.get("vendorId"), number)])
        elif path in PAYS:
            spec = BY_PATH[path].line
            assert spec is not None and spec.target is not None
            for line in rec.get(spec.field, []) or []:
                entries.append(self._payers[(path, line.get(spec.target))])
        for entry in entries:
            if add:
                entry.add(rec["id"])
            else:
                entry.discard(rec["id"])

    # --- ids and time ---------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """20-character ids shaped like BILL's, deterministic for a given org."""
        while True:
            self._counter += 1
            digest = hashlib.sha256(f"{self.org_id}:{prefix}:{self._counter}".encode()).digest()
            tail = digest[:15].translate(_BYTE_CHARS).decode()
            ident = f"{prefix}01{tail}"
            if ident not in self._ids:
                self._ids.add(ident)
                return ident

    def tick(self, at: datetime | None = None) -> str:
        self.generation += 1
        now = at or self.clock.now()
        stamp = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last is not None and stamp <= self._last:
            stamp = self._last + timedelta(milliseconds=1)
        self._last = stamp
        return bill_time(stamp)

    # --- reads ------------------------------------------------------------------------

    def find(self, path: str, ident: Any) -> dict[str, Any] | None:
        if not isinstance(ident, str):
            return None
        return self._records[path].get(ident)

    def all(self, path: str) -> list[dict[str, Any]]:
        return list(self._records[path].values())

    def get(self, resource: BillResource, ident: str) -> dict[str, Any]:
        rec = self.find(resource.path, ident)
        if rec is None:
            raise not_found(resource.label, ident)
        return clone(rec)

    # --- writes -----------------------------------------------------------------------

    def create(
        self,
        resource: BillResource,
        body: Any,
        *,
        at: datetime | None = None,
        copy: bool = True,
        trusted: bool = False,
    ) -> dict[str, Any]:
        """Create a record. ``trusted``: a body the sandbox's own seed built (valid, no
        nulls, not shared), so only the computed fields are filled in (tests pin that it
        stores the same records as the full path)."""
        if trusted:
            candidate = dict(body)
            if resource.line is not None and resource.line.field in candidate:
                self._lines(resource, candidate, None)
        else:
            candidate = self._writable(resource, body)
            self._validate(resource, candidate, None, None)
        ident = self.new_id(resource.prefix)
        stamp = self.tick(at)
        rec = {"id": ident, **candidate}
        if resource.archivable:  # a recorded payment has no archived flag
            rec["archived"] = False
        rec.update(createdTime=stamp, updatedTime=stamp)
        self._compute(resource, rec)
        self._index(resource.path, rec, add=True)
        self._records[resource.path][ident] = rec
        self._after_payment(resource, None, rec, at)
        return clone(rec) if copy else rec

    def patch(
        self, resource: BillResource, ident: str, body: Any, *, at: datetime | None = None
    ) -> dict[str, Any]:
        existing = self.find(resource.path, ident)
        if existing is None:
            raise not_found(resource.label, ident)
        changes = self._writable(resource, body)
        if not isinstance(body, dict):
            raise bad_param("the request body must be a JSON object")
        for key, value in body.items():
            if key in resource.fields and value is None:
                changes[key] = None
        before = {k: clone(v) for k, v in existing.items() if k in resource.fields}
        candidate = _merge(clone(before), changes)
        self._validate(resource, candidate, ident, before)
        rec = {"id": ident, **candidate}
        if "archived" in existing:
            rec["archived"] = existing["archived"]
        rec.update(createdTime=existing["createdTime"], updatedTime=self.tick(at))
        if "approvalStatus" in existing:  # read-only: BILL's approval flow sets it
            rec["approvalStatus"] = existing["approvalStatus"]
        self._compute(resource, rec)
        self._index(resource.path, existing, add=False)
        self._index(resource.path, rec, add=True)
        self._records[resource.path][ident] = rec
        self._after_payment(resource, existing, rec, at)
        return clone(rec)

    def set_archived(
        self, resource: BillResource, ident: str, archived: bool, *, at: datetime | None = None
    ) -> dict[str, Any]:
        rec = self.find(resource.path, ident)
        if rec is None:
            raise not_found(resource.label, ident)
        if rec["archived"] != archived:  # archiving an archived record is a no-op
            rec["archived"] = archived
            rec["updatedTime"] = self.tick(at)
        return clone(rec)

    def set_approval(self, ident: str, status: str, *, at: datetime | None = None) -> None:
        """Sandbox only: a bill's ``approvalStatus`` as BILL's approval flow would set it
        (e.g. ASSIGNED, APPROVED), its ``updatedTime`` moved on (the record changed)."""
        rec = self.find("bills", ident)
        if rec is None:
            raise KeyError(ident)
        rec["approvalStatus"] = status
        rec["updatedTime"] = self.tick(at)

    def send_check(self, ident: str, number: str, *, at: datetime | None = None) -> None:
        """Sandbox only: BILL processes a payment as a check: "the checkDisbursement
        object in the payments API response now includes the checkNumber field"
        (https://developer.bill.com/changelog/2024-08-15-check-payment-disbursement-information-improvements),
        its ``updatedTime`` moved on."""
        rec = self.find("payments", ident)
        if rec is None:
            raise KeyError(ident)
        rec["checkDisbursement"] = {**(rec.get("checkDisbursement") or {}), "checkNumber": number}
        rec["updatedTime"] = self.tick(at)

    def void_payment(self, ident: str, body: Any, *, at: datetime | None = None) -> dict[str, Any]:
        """``POST /v3/payments/{paymentId}/void``: ``type`` and ``reason`` required
        (https://developer.bill.com/reference/voidpayment). The payment is served with
        ``singleStatus`` VOIDED ("Payment is voided and is credited to the payer":
        https://developer.bill.com/docs/single-status-payment-values), its ``updatedTime``
        moved on, and what it paid is owed again. Voiding a voided payment changes nothing
        (what BILL answers then is not documented [U])."""
        resource = BY_PATH["payments"]
        rec = self.find(resource.path, ident)
        if rec is None:
            raise not_found(resource.label, ident)
        self._check_void(body)
        if rec.get("singleStatus") not in VOIDED_STATUSES:
            rec["singleStatus"] = "VOIDED"
            rec["updatedTime"] = self.tick(at)
            self._after_payment(resource, None, rec, at)
        return clone(rec)

    @staticmethod
    def _check_void(body: Any) -> None:
        if not isinstance(body, dict):
            raise bad_param("the request body must be a JSON object")
        for key in body:
            if key not in VOID_FIELDS:
                raise bad_param(f"Unrecognized field '{key}' for payment void")
        for key in sorted(VOID_FIELDS, reverse=True):  # type, then reason
            if _blank(body.get(key)):
                raise missing(key)
            if not isinstance(body[key], str):
                raise invalid_type(key)
        if len(body["reason"]) > VOID_REASON_MAX:
            raise invalid_value("reason", f"longer than {VOID_REASON_MAX} characters")

    # --- requests (the HTTP layer's entry points) ---------------------------------------

    def create_request(self, resource: BillResource, body: Any) -> dict[str, Any]:
        """``POST /v3/{resource}``: the request's own shape, then :meth:`create`."""
        return self.create(resource, self._incoming(resource, body, creating=True))

    def create_bulk(self, resource: BillResource, body: Any) -> list[dict[str, Any]]:
        """``POST /v3/{resource}/bulk``: a JSON array of single-create bodies, each checked
        as :meth:`create_request` checks one, at most ``resource.bulk`` of them. All or
        nothing: "If any vendor creation is not successful, the entire request fails and none
        of the vendors in the request are created" (https://developer.bill.com/reference/createbulkvendor,
        and the same words for bills, .../createbulkbills); the pages of the other bulk
        creates say nothing either way [U], and the stand-in holds them to the same rule.
        The refused record's own error is the answer (which item it was is on no page [U]).
        What a request over the cap gets is on no page [U]: BDC_1002, HTTP 400."""
        what = resource.label + ("es" if resource.label.endswith("s") else "s")
        if not isinstance(body, list) or not body:
            raise bad_param(f"the request body must be a JSON array of {what} to create")
        if len(body) > resource.bulk:
            raise bad_param(
                f"A bulk request creates at most {resource.bulk} {what}; this one has {len(body)}."
            )
        made: list[dict[str, Any]] = []
        try:
            for item in body:
                made.append(
                    self.create(resource, self._incoming(resource, item, creating=True), copy=False)
                )
        except BillError:
            for rec in made:
                self._discard(resource, rec)
            raise
        return [clone(rec) for rec in made]

    def _discard(self, resource: BillResource, rec: dict[str, Any]) -> None:
        """Take back a record created by a request that failed as a whole."""
        self._index(resource.path, rec, add=False)
        del self._records[resource.path][rec["id"]]
        self.generation += 1

    def patch_request(self, resource: BillResource, ident: str, body: Any) -> dict[str, Any]:
        """``PATCH /v3/{resource}/{id}``: the request's own shape, then :meth:`patch`."""
        return self.patch(resource, ident, self._incoming(resource, body, creating=False))

    def _incoming(self, resource: BillResource, body: Any, *, creating: bool) -> Any:
        """A request body in the stored shape. An invoice request names its customer as
        ``customer: {id}`` (or ``{name, email}`` for a new one) and may leave out its
        number and dates (https://developer.bill.com/hc/docs/createinvoice)."""
        if resource.path != "invoices" or not isinstance(body, dict):
            return body
        out = dict(body)
        if "customerId" in out:
            raise bad_param("Unrecognized field 'customerId' for invoice")
        if "customer" in out:
            out["customerId"] = self._invoice_customer(out.pop("customer"))
        elif creating:
            raise missing("customer")
        if creating:
            today = self.clock.now().astimezone(UTC).date().isoformat()
            for key in ("invoiceDate", "dueDate"):
                if out.get(key) is None:
                    out[key] = today
            if _blank(out.get("invoiceNumber")):
                out["invoiceNumber"] = self._next_invoice_number()
        return out

    def _invoice_customer(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise invalid_type("customer")
        unknown = set(value) - {"id", "name", "email"}
        if unknown:
            raise bad_param(f"Unrecognized field 'customer.{sorted(unknown)[0]}'")
        if not _blank(value.get("id")):
            return value["id"]
        if _blank(value.get("name")) or _blank(value.get("email")):
            raise missing("customer.id")
        made = self.create(BY_PATH["customers"], {"name": value["name"], "email": value["email"]})
        return made["id"]

    def _next_invoice_number(self) -> str:
        number = len(self._records["invoices"]) + 1
        while self._numbers.get(("invoices", None, _number_key(number))):
            number += 1
        return str(number)

    def record_payment(self, spec: RecordPayment, body: Any) -> dict[str, Any]:
        """``POST /v3/{invoices|bills}/record-payment``: check the request as its page
        documents it, store the payment as its list serves it, answer as the page shows."""
        self._check_record_request(spec, body)
        if spec.creates == "receivable-payments":
            return self._record_received(body)
        stored = {k: clone(v) for k, v in body.items() if k != "payments"}
        stored["billPayments"] = clone(body["payments"])
        return self.create(BY_PATH["payments"], stored)

    def _check_record_request(self, spec: RecordPayment, body: Any) -> None:
        if not isinstance(body, dict):
            raise bad_param("the request body must be a JSON object")
        for key in body:
            if key not in spec.fields:
                raise bad_param(f"Unrecognized field '{key}' for {spec.path}")
        for key in spec.required:
            if _blank(body.get(key)):
                raise missing(key)
        lines = body[spec.lines]
        if not isinstance(lines, list):
            raise invalid_type(spec.lines)
        for line in lines:
            if not isinstance(line, dict):
                raise invalid_type(spec.lines)
            unknown = set(line) - spec.line_keys
            if unknown:
                raise bad_param(f"Unrecognized field '{spec.lines}.{sorted(unknown)[0]}'")
            for key in spec.line_required:
                if _blank(line.get(key)):
                    raise missing(f"{spec.lines}.{key}")
        if "paymentType" in spec.fields and body["paymentType"] not in PAYMENT_TYPES:
            raise invalid_value("paymentType", body["paymentType"])
        if "toPrintCheck" in body and not isinstance(body["toPrintCheck"], bool):
            raise invalid_type("toPrintCheck")

    def _record_received(self, body: dict[str, Any]) -> dict[str, Any]:
        """An AR payment: stored as GET /v3/receivable-payments serves it, answered in the
        record-payment response's shape (BILL's Postman collection)."""
        self._date("paymentDate", body["paymentDate"])
        customer = body.get("customerId")
        if _blank(customer):  # optional: the invoices name their customer
            first = self.find("invoices", body["invoices"][0]["id"])
            if first is None:
                raise invalid_value("invoices.id", body["invoices"][0]["id"])
            customer = first["customerId"]
        stored: dict[str, Any] = {
            "customerId": customer,
            "paymentDate": body["paymentDate"],
            "amount": body["amount"],
            "receivablesType": body["paymentType"],
            "invoicePayments": [
                {"invoiceId": ln["id"], "amount": ln["amount"], "paymentDate": body["paymentDate"]}
                for ln in body["invoices"]
            ],
        }
        if body.get("description") is not None:
            stored["description"] = body["description"]
        rec = self.create(BY_PATH["receivable-payments"], stored)
        answer: dict[str, Any] = {
            "id": rec["id"],
            "customerId": rec["customerId"],
            "paymentType": rec["receivablesType"],
            "paymentDate": rec["paymentDate"],
            "amount": rec["amount"],
            "unappliedAmount": rec["unappliedAmount"],
            "status": rec["status"],
        }
        if "description" in rec:
            answer["description"] = rec["description"]
        answer["invoices"] = [
            {
                "id": ln["invoiceId"],
                "payments": [
                    {
                        "id": rec["id"],
                        "amount": ln["amount"],
                        "status": "PAID",
                        "date": rec["paymentDate"],
                    }
                ],
            }
            for ln in rec["invoicePayments"]
        ]
        return answer

    # --- validation -------------------------------------------------------------------

    def _writable(self, resource: BillResource, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_param("the request body must be a JSON object")
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key in SERVER_FIELDS or key in resource.computed:
                continue  # read-only; clients often echo whole records back
            if key not in resource.fields:
                raise bad_param(f"Unrecognized field '{key}' for {resource.label}")
            if value is not None:
                out[key] = clone(value)
        return out

    def _validate(
        self,
        resource: BillResource,
        rec: dict[str, Any],
        self_id: str | None,
        before: dict[str, Any] | None,
    ) -> None:
        self._check_shape(resource, rec)
        for key in ("price", "amount", "percentage"):
            if key in rec:
                rec[key] = _decimal(rec[key], key)
        if resource.path == "invoices" and rec.get("salesTaxItemId") is not None:
            self._sales_tax_item(rec["salesTaxItemId"])
        if resource.line is not None and resource.line.field in rec:
            self._lines(resource, rec, before)
        self._check_refs(resource, rec, before)
        self._duplicates(resource, rec, self_id)
        if resource.path in PAYS:
            self._applications(resource, rec, self_id)
        elif resource.path in ("invoices", "bills") and self_id is not None:
            paid = self._paid(resource.path, self_id)
            total = sum((ln["amount"] for ln in rec[resource.line.field]), ZERO)  # type: ignore[union-attr]
            if total < paid:
                raise invalid_value(
                    resource.line.field,  # type: ignore[union-attr]
                    f"total {total} is below the {paid} already paid",
                )

    def _check_shape(self, resource: BillResource, rec: dict[str, Any]) -> None:
        """Required fields, the keys of nested objects, names, dates and account types."""
        for dotted in resource.required:
            if _blank(_dig(rec, dotted)):
                raise missing(dotted)
        for key, allowed in resource.nested.items():
            if key in rec:
                if not isinstance(rec[key], dict):
                    raise invalid_type(key)
                unknown = set(rec[key]) - allowed
                if unknown:
                    raise bad_param(f"Unrecognized field '{key}.{sorted(unknown)[0]}'")
        if "name" in rec and (not isinstance(rec["name"], str) or not rec["name"].strip()):
            raise missing("name")
        for key in DATE_FIELDS:
            if key in rec:
                self._date(key, rec[key])
        if "invoice" in rec and "invoiceDate" in rec["invoice"]:
            self._date("invoice.invoiceDate", rec["invoice"]["invoiceDate"])
        if "accountType" in rec and rec["accountType"] not in PARTY_TYPES:
            raise invalid_value("accountType", rec["accountType"])
        kind = _dig(rec, "account.type")
        if kind is not None and kind not in ACCOUNT_TYPES:
            raise invalid_value("account.type", kind)

    def _check_refs(
        self, resource: BillResource, rec: dict[str, Any], before: dict[str, Any] | None
    ) -> None:
        """Every id the record and its lines refer to names a record that may be used."""
        for dotted, target in resource.refs.items():
            self._ref(
                dotted,
                _dig(rec, dotted),
                target,
                _dig(before, dotted) if before is not None else None,
            )
        if resource.line is None:
            return
        for index, line in enumerate(rec.get(resource.line.field, [])):
            old_lines = (before or {}).get(resource.line.field) or []
            old = old_lines[index] if index < len(old_lines) else None
            for dotted, target in resource.line.refs.items():
                self._ref(
                    f"{resource.line.field}.{dotted}",
                    _dig(line, dotted),
                    target,
                    _dig(old, dotted) if isinstance(old, dict) else None,
                )

    @staticmethod
    def _date(field: str, value: Any) -> None:
        try:
            parse_date(value)
        except ValueError:
            raise invalid_value(field, value) from None

    def _lines(
        self, resource: BillResource, rec: dict[str, Any], before: dict[str, Any] | None
    ) -> None:
        spec = resource.line
        assert spec is not None
        lines = rec[spec.field]
        # A line sent back with its own id keeps it; any other line gets a new id.
        known = {ln.get("id") for ln in (before or {}).get(spec.field) or []}
        if not isinstance(lines, list) or not lines:
            raise missing(spec.field)
        out = []
        for raw in lines:
            line_id, line = self._line(spec, raw, known)
            if spec.priced:
                if "amount" not in line:
                    if "quantity" in line and "price" in line:
                        line["amount"] = (line["quantity"] * line["price"]).quantize(
                            CENT, ROUND_HALF_UP
                        )
                    else:
                        raise missing(f"{spec.field}.amount")
            else:
                assert spec.target is not None
                if _blank(line.get(spec.target)):
                    raise missing(f"{spec.field}.{spec.target}")
                if "amount" not in line:
                    raise missing(f"{spec.field}.amount")
                if line["amount"] <= 0:
                    raise invalid_value(f"{spec.field}.amount", line["amount"])
            if spec.prefix is not None:
                line = {"id": line_id or self.new_id(spec.prefix), **line}
            out.append(line)
        rec[spec.field] = out

    @staticmethod
    def _line(spec: LineSpec, line: Any, known: set[Any]) -> tuple[Any, dict[str, Any]]:
        """One line checked: its kept id (or None) and its values without nulls."""
        if not isinstance(line, dict):
            raise invalid_type(spec.field)
        unknown = set(line) - spec.keys
        if unknown:
            raise bad_param(f"Unrecognized field '{spec.field}.{sorted(unknown)[0]}'")
        line_id = line.get("id") if line.get("id") in known else None
        known.discard(line_id)
        out = {k: v for k, v in line.items() if v is not None and k != "id"}
        if "classifications" in out and not isinstance(out["classifications"], dict):
            raise invalid_type(f"{spec.field}.classifications")
        for key in ("quantity", "price", "amount"):
            if key in out:
                out[key] = _decimal(out[key], f"{spec.field}.{key}")
        for key in spec.required:
            if _blank(out.get(key)):
                raise missing(f"{spec.field}.{key}")
        return line_id, out

    def _ref(self, field: str, value: Any, target: str, old: Any) -> None:
        if value is None:
            return
        found = self.find(target, value)
        if found is None:
            raise invalid_value(field, value)
        if found.get("archived") and value != old:
            raise BillError(
                400,
                "BDC_1119",
                f"Invalid field,value: {field}, {value}. The {BY_PATH[target].label} is archived.",
            )

    def _duplicates(self, resource: BillResource, rec: dict[str, Any], self_id: str | None) -> None:
        if resource.path == "invoices":
            number = _number_key(rec.get("invoiceNumber"))
            for other in self._numbers.get(("invoices", None, number), ()):
                if other != self_id:
                    raise duplicate(
                        DUPLICATE_INVOICE, f"Invoice number {rec['invoiceNumber']} already exists."
                    )
        elif resource.path == "bills":
            number = _number_key(_dig(rec, "invoice.invoiceNumber"))
            for other in self._numbers.get(("bills", rec.get("vendorId"), number), ()):
                if other != self_id:
                    raise duplicate(
                        DUPLICATE_BILL,
                        f"Bill number {rec['invoice']['invoiceNumber']} already "
                        f"exists for this vendor.",
                    )

    def _paid(self, target_path: str, target_id: str, exclude: str | None = None) -> Decimal:
        payer = next(p for p, (t, _) in PAYS.items() if t == target_path)
        spec = BY_PATH[payer].line
        assert spec is not None and spec.target is not None
        total = ZERO
        payers = self._records[payer]
        for pid in self._payers.get((payer, target_id), ()):
            pay = payers.get(pid)
            if pay is None or pid == exclude or pay.get("singleStatus") in VOIDED_STATUSES:
                continue  # a voided payment pays nothing any more
            for line in pay.get(spec.field, []):
                if line.get(spec.target) == target_id:
                    total += line["amount"]
        return total

    def _applications(
        self, resource: BillResource, rec: dict[str, Any], self_id: str | None
    ) -> None:
        target_path, party = PAYS[resource.path]
        spec = resource.line
        assert spec is not None and spec.target is not None
        per_target: dict[str, Decimal] = {}
        for line in rec[spec.field]:
            target = self.find(target_path, line[spec.target])
            assert target is not None  # _ref checked existence
            if target.get(party) != rec.get(party):
                raise invalid_value(
                    f"{spec.field}.{spec.target}",
                    f"{line[spec.target]} belongs to another {party[:-2]}",
                )
            per_target[target["id"]] = per_target.get(target["id"], ZERO) + line["amount"]
        for target_id, amount in per_target.items():
            target = self.find(target_path, target_id)
            assert target is not None
            total = target["totalAmount" if target_path == "invoices" else "amount"]
            due = total - self._paid(target_path, target_id, exclude=self_id)
            if amount > due:
                raise invalid_value(
                    f"{spec.field}.amount", f"{amount} exceeds the {due} due on {target_id}"
                )
        applied = sum(per_target.values(), ZERO)
        if "amount" not in rec:
            rec["amount"] = applied
        elif rec["amount"] < applied:
            raise invalid_value("amount", f"{rec['amount']} is less than the {applied} applied")

    # --- computed fields --------------------------------------------------------------

    def _compute(self, resource: BillResource, rec: dict[str, Any]) -> None:
        if resource.path == "vendors":
            rec.setdefault("accountType", "NONE")
            rec.setdefault("billCurrency", "USD")
            rec["networkStatus"] = "NOT_CONNECTED"
        elif resource.path == "invoices":
            self._amounts(
                rec,
                "invoices",
                "totalAmount",
                "status",
                ("OPEN", "PARTIAL_PAYMENT", "PAID_IN_FULL"),
            )
        elif resource.path == "bills":
            self._amounts(rec, "bills", "amount", "paymentStatus", ("UNPAID", "PARTIAL", "PAID"))
        elif resource.path == "credit-memos":
            rec["totalAmount"] = sum((ln["amount"] for ln in rec["creditMemoLineItems"]), ZERO)
        elif resource.path == "vendor-credits":
            rec["amount"] = sum((ln["amount"] for ln in rec["vendorCreditLineItems"]), ZERO)
        elif resource.path == "payments":
            rec["amount"] = sum((ln["amount"] for ln in rec["billPayments"]), ZERO)
            rec["status"] = "PAID"
        elif resource.path == "receivable-payments":
            applied = sum((ln["amount"] for ln in rec["invoicePayments"]), ZERO)
            rec["unappliedAmount"] = rec["amount"] - applied
            rec.update(status="PAID", onlinePayment=False)
        self._reorder(rec)

    def _sales_tax_item(self, item_id: Any) -> dict[str, Any]:
        """The sales-tax item an invoice names: an item of type SALES_TAX (its rate in
        ``percentage``); any other item is refused."""
        item = self.find("classifications/items", str(item_id))
        if item is None or str(item.get("type") or "").upper() not in SALES_TAX_TYPES:
            raise invalid_value("salesTaxItemId", item_id)
        return item

    def _sales_tax(self, rec: dict[str, Any]) -> Decimal:
        """The sales tax BILL adds to an invoice that names a sales-tax item: the taxable
        lines' amount at the item's percentage, rounded half up to the cent (no vendor page
        says how BILL rounds), set in ``salesTaxTotal``/``salesTaxPercentage``."""
        if rec.get("salesTaxItemId") is None:
            rec.pop("salesTaxTotal", None)
            rec.pop("salesTaxPercentage", None)
            return ZERO
        item = self._sales_tax_item(rec["salesTaxItemId"])
        percent = Decimal(str(item.get("percentage") or 0))
        taxable = sum((ln["amount"] for ln in rec["invoiceLineItems"] if ln.get("taxable")), ZERO)
        tax = (taxable * percent / 100).quantize(CENT, ROUND_HALF_UP)
        rec["salesTaxTotal"], rec["salesTaxPercentage"] = tax, percent
        return tax

    def _amounts(
        self,
        rec: dict[str, Any],
        path: str,
        total_key: str,
        status_key: str,
        states: tuple[str, str, str],
    ) -> None:
        spec = BY_PATH[path].line
        assert spec is not None
        total = sum((ln["amount"] for ln in rec[spec.field]), ZERO)
        if path == "invoices":
            total += self._sales_tax(rec)
        paid = self._paid(path, rec["id"])
        rec[total_key] = total
        rec["dueAmount"] = total - paid
        rec[status_key] = states[0] if paid == 0 else (states[2] if paid >= total else states[1])

    @staticmethod
    def _reorder(rec: dict[str, Any]) -> None:
        tail: dict[str, Any] = {
            k: rec.pop(k) for k in ("archived", "createdTime", "updatedTime") if k in rec
        }
        rec.update(tail)

    def _after_payment(
        self,
        resource: BillResource,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        at: datetime | None,
    ) -> None:
        """A recorded payment changes what its invoices/bills still owe."""
        if resource.path not in PAYS:
            return
        target_path, _ = PAYS[resource.path]
        spec = resource.line
        assert spec is not None and spec.target is not None
        targets = {ln[spec.target] for ln in after.get(spec.field, [])}
        if before is not None:
            targets |= {ln[spec.target] for ln in before.get(spec.field, [])}
        for target_id in sorted(targets):
            target = self.find(target_path, target_id)
            if target is None:
                continue
            snapshot = clone(target)
            self._compute(BY_PATH[target_path], target)
            if target != snapshot:
                target["updatedTime"] = self.tick(at)
