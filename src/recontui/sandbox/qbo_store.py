"""One QBO company held in memory: records, ids, versions, tombstones.

Writes go through here so every path (HTTP, batch, seeding) gets the same SyncToken,
MetaData and payment-link bookkeeping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import qbo_hierarchy, qbo_rules
from .clock import SandboxClock, qbo_meta_time, qbo_today
from .jsonio import clone
from .qbo_company import CompanyPreferences
from .qbo_entities import BY_NAME, BY_PATH, ENTITIES, REF_TARGETS, UNIQUE_NAME, QboEntity
from .qbo_faults import (
    QboFault,
    business,
    invalid_property,
    not_found,
    required,
    stale,
    unsupported,
)
from .qbo_values import normalise

ZERO = Decimal("0")
#: Which payment entity applies to which target, and the TxnType it is linked as.
PAYERS: dict[str, tuple[str, str]] = {
    "Invoice": ("Payment", "Payment"),
    "Bill": ("BillPayment", "BillPayment"),
    "VendorCredit": ("BillPayment", "BillPayment"),
}
SERVER_KEYS = ("domain", "sparse", "Id", "SyncToken", "MetaData")


class QboCompany:
    def __init__(self, realm_id: str, clock: SandboxClock, *, subtotal_line: bool = True) -> None:
        self.realm_id = realm_id
        self.clock = clock
        self.subtotal_line = subtotal_line
        #: The name of the company's default sales tax code; None: it charges no sales tax.
        self.sales_tax_code: str | None = None
        #: When the company was set up (its CompanyInfo and Preferences carry it).
        self.created = clock.now()
        self.preferences = CompanyPreferences(self.created)
        self._records: dict[str, dict[str, dict[str, Any]]] = {e.name: {} for e in ENTITIES}
        self._next_id: dict[str, int] = {e.name: 1 for e in ENTITIES}
        self._updated: dict[tuple[str, str], datetime] = {}
        #: entity -> id -> deletion instant; deletes are visible only through CDC.
        self.tombstones: dict[str, dict[str, datetime]] = {e.name: {} for e in ENTITIES}
        # Indexes (kept by _store and delete) so a write costs the same in a company of a
        # million records as in the demo: unique names, DocNumbers, payments per target.
        self._names: dict[str, defaultdict[str, set[str]]] = {}
        self._doc_numbers: dict[str, defaultdict[str, set[str]]] = {}
        self._payers: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        #: entity -> count of changes; what the ``by_updated`` order is cached against.
        self._generation: dict[str, int] = {e.name: 0 for e in ENTITIES}
        self._by_updated: dict[str, tuple[int, list[datetime], list[dict[str, Any]]]] = {}
        self._reindex()

    def adopt(self, other: QboCompany) -> None:
        """Take a copy of another company's records (reuses a seeded template)."""
        self._records = clone(other._records)
        self._next_id = dict(other._next_id)
        self._updated = dict(other._updated)
        self.tombstones = clone(other.tombstones)
        self._reindex()

    # --- indexes ----------------------------------------------------------------------

    def _reindex(self) -> None:
        self._names = {name: defaultdict(set) for name in UNIQUE_NAME}
        self._doc_numbers = {e.name: defaultdict(set) for e in ENTITIES}
        self._payers = defaultdict(set)
        self._by_updated = {}
        for name, records in self._records.items():
            self._generation[name] = self._generation.get(name, 0) + 1
            for ident, rec in records.items():
                self._index(name, ident, rec, add=True)

    def _index(self, entity_name: str, ident: str, rec: dict[str, Any], *, add: bool) -> None:
        entries: list[set[str]] = []
        if entity_name in UNIQUE_NAME:
            name = qbo_rules.name_key(str(rec.get(UNIQUE_NAME[entity_name], "")))
            entries.append(self._names[entity_name][name])
        number = rec.get("DocNumber")
        if isinstance(number, str):
            entries.append(self._doc_numbers[entity_name][number])
        for target in qbo_rules.payment_targets(entity_name, rec):
            entries.append(self._payers[target])
        for entry in entries:
            if add:
                entry.add(ident)
            else:
                entry.discard(ident)

    def name_holders(self, entity_name: str, name_key: str) -> set[str]:
        """Ids of ``entity_name`` records whose unique name folds to ``name_key``."""
        return self._names[entity_name].get(name_key, set())

    def doc_number_holders(self, entity_name: str, number: str) -> set[str]:
        """Ids of ``entity_name`` records with exactly this DocNumber."""
        return self._doc_numbers[entity_name].get(number, set())

    def by_updated(self, entity_name: str) -> tuple[list[datetime], list[dict[str, Any]]]:
        """Records in ``LastUpdatedTime`` order (ties in id order) and their times, cached
        until the entity changes: paging through a big entity sorts it once."""
        generation = self._generation[entity_name]
        cached = self._by_updated.get(entity_name)
        if cached is None or cached[0] != generation:
            rows = list(self._records[entity_name].items())
            stamps = [self._updated[(entity_name, ident)] for ident, _ in rows]
            order = sorted(range(len(rows)), key=stamps.__getitem__)
            cached = (generation, [stamps[i] for i in order], [rows[i][1] for i in order])
            self._by_updated[entity_name] = cached
        return cached[1], cached[2]

    # --- reads ------------------------------------------------------------------------

    def today(self) -> date:
        return qbo_today(self.clock.now())

    def find(self, entity_name: str, ident: str | None) -> dict[str, Any] | None:
        if ident is None:
            return None
        return self._records[entity_name].get(str(ident))

    def rows(self, entity_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from self._records[entity_name].items()

    def count(self, entity_name: str) -> int:
        return len(self._records[entity_name])

    def updated_at(self, entity_name: str, ident: str) -> datetime:
        return self._updated[(entity_name, ident)]

    def read(self, entity: QboEntity, ident: str) -> dict[str, Any]:
        rec = self.find(entity.name, ident)
        if rec is None:
            raise not_found(entity.name, ident)
        return self.render(rec)

    def render(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A response copy with reference names resolved as of now (as QBO does).

        One pass that copies the containers and names the references as it goes (a copy
        then a second walk to name them cost two thirds of the stand-in's CPU in a pull);
        scalars are shared, being immutable."""
        return self._rendered(rec)

    def _rendered(self, value: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, sub in value.items():
            kind = type(sub)
            if kind is dict:
                if key in REF_TARGETS and "value" in sub:
                    out[key] = self._named(key, sub)
                else:
                    out[key] = self._rendered(sub)
            elif kind is list:
                out[key] = [
                    self._rendered(item) if type(item) is dict else clone(item) for item in sub
                ]
            else:
                out[key] = sub
        return out

    def _named(self, key: str, ref: dict[str, Any]) -> dict[str, Any]:
        """A reference with the name its target has now."""
        out = dict(ref)
        target = self.find(REF_TARGETS[key], ref["value"])
        if target is not None:
            name = (
                target.get("FullyQualifiedName") or target.get("DisplayName") or target.get("Name")
            )
            if name:
                out["name"] = name
        return out

    def applied_to(
        self, entity_name: str, ident: str | None, exclude: tuple[str, str | None] | None = None
    ) -> tuple[Decimal, list[dict[str, str]]]:
        """Amount applied to a transaction by payments, and the payments' links."""
        payer, link_type = PAYERS[entity_name]
        total = ZERO
        links: list[dict[str, str]] = []
        # The index names every payment that may link here, in id (= creation) order.
        payers = self._records[payer]
        candidates = sorted(self._payers.get((entity_name, str(ident)), ()), key=int)
        for pid in candidates:
            pay = payers.get(pid)
            if pay is None or (exclude is not None and (payer, pid) == exclude):
                continue
            hit = False
            for line in pay.get("Line", []):
                for link in line.get("LinkedTxn", []):
                    if link.get("TxnType") == entity_name and link.get("TxnId") == ident:
                        total += line.get("Amount", ZERO)
                        hit = True
            if hit:
                links.append({"TxnId": pid, "TxnType": link_type})
        return total, links

    # --- writes -----------------------------------------------------------------------

    def save(
        self,
        entity: QboEntity,
        body: Any,
        *,
        at: datetime | None = None,
        render: bool = True,
        trusted: bool = False,
        allow_duplicate_doc: bool = False,
    ) -> dict[str, Any]:
        """Create (no Id) or update (Id + SyncToken; full or sparse).

        ``allow_duplicate_doc``: the request's ``include=allowduplicatedocnum`` (a DocNumber
        another record has is taken even where the company's settings refuse it).

        ``trusted``: a create built by the sandbox's own seed, already normalised and with
        known-good references and names, so only the server's computed fields are filled
        in (a big seeded company loads faster; tests pin that it loads the same records as
        the full path).
        """
        _check_body(entity, body)
        inputs = entity.writable - entity.readonly
        ident = body.get("Id")
        if ident in (None, ""):
            candidate = {k: v for k, v in body.items() if k in inputs and v is not None}
            if not trusted:
                candidate = normalise(candidate)
            existing = None
            ident = None
        else:
            ident = str(ident)
            existing = self.find(entity.name, ident)
            if existing is None:
                raise not_found(entity.name, ident)
            self._check_token(entity, existing, body)
            candidate = normalise(_updated(existing, body, inputs))
            for key in entity.write_on_create:  # set by the create, never by an update
                candidate.pop(key, None)
                if key in existing:
                    candidate[key] = clone(existing[key])
        previous_targets = qbo_rules.payment_targets(entity.name, existing) if existing else set()
        rec = qbo_rules.prepare(
            self,
            entity,
            candidate,
            ident,
            trusted=trusted and not existing,
            allow_duplicate_doc=allow_duplicate_doc,
        )
        stamp = at or self.clock.now()
        stored = self._store(entity, rec, ident, existing, stamp)
        qbo_hierarchy.after_save(self, entity.name, existing, stored)  # renamed or moved
        self._relink(previous_targets | qbo_rules.payment_targets(entity.name, stored), stamp)
        return self.render(stored) if render else stored

    def _check_token(
        self, entity: QboEntity, existing: dict[str, Any], body: dict[str, Any]
    ) -> None:
        token = body.get("SyncToken")
        if token in (None, ""):
            raise required("SyncToken")
        if str(token) != existing["SyncToken"]:
            raise stale(entity.name)

    def _stamp(self, entity_name: str, ident: str, at: datetime) -> datetime:
        """LastUpdatedTime has whole seconds; keep it strictly increasing per record."""
        self._generation[entity_name] += 1
        stamp = at.replace(microsecond=0)
        previous = self._updated.get((entity_name, ident))
        if previous is not None and stamp <= previous:
            stamp = previous + timedelta(seconds=1)
        self._updated[(entity_name, ident)] = stamp
        return stamp

    def _store(
        self,
        entity: QboEntity,
        rec: dict[str, Any],
        ident: str | None,
        existing: dict[str, Any] | None,
        at: datetime,
    ) -> dict[str, Any]:
        if ident is None:
            ident = str(self._next_id[entity.name])
            self._next_id[entity.name] += 1
            token = "0"
            created = None
        else:
            assert existing is not None
            token = str(int(existing["SyncToken"]) + 1)
            created = existing["MetaData"]["CreateTime"]
        stamp = self._stamp(entity.name, ident, at)
        rec = {k: v for k, v in rec.items() if k not in SERVER_KEYS}
        rec.update(
            {
                "domain": "QBO",
                "sparse": False,
                "Id": ident,
                "SyncToken": token,
                "MetaData": {
                    "CreateTime": created or qbo_meta_time(stamp),
                    "LastUpdatedTime": qbo_meta_time(stamp),
                },
            }
        )
        if existing is not None:
            self._index(entity.name, ident, existing, add=False)
        self._index(entity.name, ident, rec, add=True)
        self._records[entity.name][ident] = rec
        return rec

    def _bump(self, entity_name: str, rec: dict[str, Any], at: datetime) -> None:
        stamp = self._stamp(entity_name, rec["Id"], at)
        rec["SyncToken"] = str(int(rec["SyncToken"]) + 1)
        rec["MetaData"]["LastUpdatedTime"] = qbo_meta_time(stamp)

    def _relink(self, targets: set[tuple[str, str]], at: datetime) -> None:
        """Refresh Balance/LinkedTxn of transactions a payment (un)applied to."""
        for kind, ident in sorted(targets):
            rec = self.find(kind, ident)
            if rec is None:
                continue
            applied, links = self.applied_to(kind, ident)
            balance = rec.get("TotalAmt", ZERO) - applied
            if rec.get("Balance") == balance and rec.get("LinkedTxn", []) == links:
                continue
            rec["Balance"] = balance
            rec.pop("LinkedTxn", None)
            if links:
                rec["LinkedTxn"] = links
            self._bump(kind, rec, at)

    def delete(self, entity: QboEntity, body: Any, *, at: datetime | None = None) -> dict[str, Any]:
        if entity.is_list:
            raise unsupported(
                f"Operation Delete is not supported for {entity.name}; make it inactive instead"
            )
        existing = self._target(entity, body)
        if entity.name in PAYERS and self.applied_to(entity.name, existing["Id"])[0] > 0:
            raise business(f"this {entity.name} has payments applied; delete the payments first")
        ident = existing["Id"]
        stamp = at or self.clock.now()
        targets = qbo_rules.payment_targets(entity.name, existing)
        self._index(entity.name, ident, existing, add=False)
        del self._records[entity.name][ident]
        self.tombstones[entity.name][ident] = self._stamp(entity.name, ident, stamp)
        self._relink(targets, stamp)
        return {"Id": ident, "domain": "QBO", "status": "Deleted"}

    def void(self, entity: QboEntity, body: Any, *, at: datetime | None = None) -> dict[str, Any]:
        """Void a transaction: it stays, its amounts zeroed and ``Voided`` in its memo.

        An invoice keeps its lines at zero (and refuses while payments apply to it); a
        payment or bill payment loses its lines, so what it paid is open again ("all amounts
        and quantities are zeroed, all lines are cleared, and the string, Voided, is injected
        into PrivateNote, prepended to existing text if present":
        .../all-entities/payment and .../all-entities/billpayment, "Void a ...").
        """
        if entity.name not in ("Invoice", "Payment", "BillPayment"):
            raise unsupported(f"Operation Void is not supported for {entity.name} here")
        existing = self._target(entity, body)
        stamp = at or self.clock.now()
        if entity.name == "Invoice":
            self._void_invoice(existing)
            self._bump("Invoice", existing, stamp)
            return self.render(existing)
        targets = qbo_rules.payment_targets(entity.name, existing)
        self._index(entity.name, existing["Id"], existing, add=False)
        existing["Line"] = []
        existing["TotalAmt"] = ZERO
        if entity.name == "Payment":
            existing["UnappliedAmt"] = ZERO
        note = existing.get("PrivateNote")
        existing["PrivateNote"] = f"Voided {note}" if note else "Voided"
        self._index(entity.name, existing["Id"], existing, add=True)
        self._bump(entity.name, existing, stamp)
        self._relink(targets, stamp)
        return self.render(existing)

    def _void_invoice(self, existing: dict[str, Any]) -> None:
        if self.applied_to("Invoice", existing["Id"])[0] > 0:
            raise business("this invoice has payments applied; it cannot be voided")
        for line in existing["Line"]:
            line["Amount"] = ZERO
            detail = line.get("SalesItemLineDetail")
            if isinstance(detail, dict) and "Qty" in detail:
                detail["Qty"] = ZERO
        existing["TotalAmt"] = ZERO
        existing["Balance"] = ZERO
        existing["PrivateNote"] = "Voided"

    def _target(self, entity: QboEntity, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("Id") in (None, ""):
            raise required("Id")
        existing = self.find(entity.name, str(body["Id"]))
        if existing is None:
            raise not_found(entity.name, body["Id"])
        self._check_token(entity, existing, body)
        return existing

    def insert_fixed(self, entity_name: str, rec: dict[str, Any], at: datetime) -> dict[str, Any]:
        """Seed a read-only entity (TaxRate/TaxCode) that has no create operation."""
        return self._store(BY_NAME[entity_name], normalise(rec), None, None, at)


def require_entity_path(path: str) -> QboEntity:
    entity = BY_PATH.get(path)
    if entity is None:
        raise QboFault(
            "500",
            "Unsupported Operation",
            f"Unknown entity '{path}' (URIs are case sensitive)",
            status=400,
        )
    return entity


def _check_body(entity: QboEntity, body: Any) -> None:
    """A body QBO would take for ``entity``: an object of its properties, not read-only."""
    if entity.read_only_entity:
        raise unsupported(
            f"Operation Create/Update is not supported for {entity.name}; it is read-only"
        )
    if not isinstance(body, dict):
        raise invalid_property(entity.name, f"the request body must be a {entity.name} object")
    unknown = set(body) - entity.properties
    if unknown:
        prop = sorted(unknown)[0]
        raise invalid_property(
            prop, f"Property Name:{prop} specified is unsupported or invalid for {entity.name}"
        )


def _updated(
    existing: dict[str, Any], body: dict[str, Any], inputs: Collection[str]
) -> dict[str, Any]:
    """The writable properties after an update: a sparse one changes only what it names
    (None removes), a full one replaces them all."""
    if body.get("sparse") not in (True, "true"):
        return {k: v for k, v in body.items() if k in inputs and v is not None}
    candidate = {k: clone(v) for k, v in existing.items() if k in inputs}
    for key, value in body.items():
        if key not in inputs:
            continue
        if value is None:
            candidate.pop(key, None)
        else:
            candidate[key] = value
    return candidate
