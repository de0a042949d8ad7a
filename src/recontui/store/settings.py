"""A profile's settings, typed, with their defaults in this one place.

Settings are stored one key per row (``settings`` table, JSON values) so that each
change is audited on its own; :class:`ProfileSettings` is what every reader gets:
the stored values over the defaults below.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .audit import AuditRepo
from .database import inserted_id, one, rows

#: The prefix of a per-entity sync direction key (``direction.customer``).
DIRECTION_PREFIX = "direction."
#: The prefix of the fields an update of an entity may replace (``update_fields.customer``:
#: "all", "none" or a list of field names).
UPDATE_FIELDS_PREFIX = "update_fields."
#: The prefix of the fields an entity syncs at all (``fields.customer``: a list of names).
FIELDS_PREFIX = "fields."
#: The prefix of the side that owns an entity's edits once a record is synced
#: (``owner.invoice``: "a" or "b"; missing: both sides edit, engine/policy.py).
OWNER_PREFIX = "owner."
#: The prefix of a tax map key (``tax.<billing sales tax id>`` -> accounting tax code id).
TAX_PREFIX = "tax."
#: Filters (engine/filters.py): the types of an entity copied from a system
#: (``include_types.customer.qbo``: a list of names), and the created-date range of the
#: records copied from a system (``created_range.bill``: [from, to], "" for an open end).
INCLUDE_TYPES_PREFIX = "include_types."
CREATED_RANGE_PREFIX = "created_range."


@dataclass(frozen=True)
class ProfileSettings:
    """What a profile is set to; a key never stored reads as its default here."""

    #: What a change the sync direction forbids does: ``queue``, ``revert`` or ``ignore``.
    on_forbidden: str = "queue"
    #: The big-change guard holds a run that would change more than this share of a
    #: side's records ...
    big_change_share: float = 0.25
    #: ... and at least this many of them.
    big_change_min: int = 20
    #: When a scheduled run is due (``off``, ``hourly``, ``daily 02:30``, ...).
    schedule: str = "off"
    #: Which older transactions the first run takes (``all``, ``from 2026-01-01``, ...).
    initial_window: str = "all"
    #: entity -> direction (``both``, ``a_to_b``, ``b_to_a``); a missing entity syncs both ways.
    directions: Mapping[str, str] = field(default_factory=dict)
    #: The QuickBooks Online account (its Id; "" when unset) of an expense line without
    #: one: BILL bill and vendor credit lines without a chart-of-accounts classification.
    default_expense_account: str = ""
    #: ... of an item recontui creates in QuickBooks without an income account.
    default_income_account: str = ""
    #: ... a payment recontui creates in QuickBooks is deposited to ("": Undeposited Funds).
    default_deposit_account: str = ""
    #: ... a bill payment made outside billing is paid from ("": the profile's
    #: ``bank_account_id``, else the first active Bank account, said in the run log).
    default_bank_account: str = ""
    #: Whether a record inactive in one system is created in the other too (inactive
    #: there); off: an inactive record found on one side only is left alone.
    include_inactive: bool = False
    #: Only bills approved in BILL are created in QuickBooks; irreversible: once on, it
    #: stays on (setup/approved_bills.py asks for a typed confirmation and locks it).
    only_approved_bills: bool = False
    #: Transactions go billing -> accounting only and are edited in billing; lists stay
    #: two-way. Irreversible like only_approved_bills (setup/one_way.py).
    one_way_transactions: bool = False
    #: Summarised journal entries (setup/summary_mode.py; irreversible, locked once on):
    #: BILL invoices, credit memos and payments received dated from ``summary_start`` (ISO
    #: date) reach QuickBooks as one journal entry per day against ``summary_customer`` (a
    #: QuickBooks customer id), posted to ``summary_ar_account`` ("": the ledger's only
    #: Accounts Receivable account), sales tax to ``summary_tax_account`` (an account id).
    summary_mode: bool = False
    summary_customer: str = ""
    summary_start: str = ""
    summary_ar_account: str = ""
    summary_tax_account: str = ""
    #: The tax map: billing sales tax id -> accounting (QuickBooks) tax code id; a sales tax
    #: not in it is unmapped, and the invoices charging it are held (engine/taxes.py).
    tax_map: Mapping[str, str] = field(default_factory=dict)
    #: entity -> the fields an update may replace: "all" (missing), "none" (import only:
    #: existing records are never changed) or a list of field names (engine/policy.py).
    update_fields: Mapping[str, Any] = field(default_factory=dict)
    #: entity -> the fields synced at all, creates and updates (missing: all).
    field_subsets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: "<entity>.<system>" -> the types a record from that system must have to be copied
    #: to the other (missing: every type; engine/filters.py).
    include_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: system -> (from, to) ISO days of the records copied from it ("" open; missing: all).
    created_ranges: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: entity -> the side ("a" or "b") that owns its edits once a record is synced: the
    #: other side's changes are said, never sent (missing: both sides edit).
    owners: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> ProfileSettings:
        """The settings from their stored keys (``big_change.share``, ``direction.x``...)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = stored_key(f.name)
            if f.name not in _MAPPINGS and key in stored:
                values[f.name] = stored[key]
        values["big_change_share"] = float(values.get("big_change_share", cls.big_change_share))
        values["big_change_min"] = int(values.get("big_change_min", cls.big_change_min))
        values["include_inactive"] = values.get("include_inactive") is True
        values["only_approved_bills"] = values.get("only_approved_bills") is True
        values["one_way_transactions"] = values.get("one_way_transactions") is True
        values["summary_mode"] = values.get("summary_mode") is True
        for name in SUMMARY_TEXT:
            values[name] = str(values.get(name) or "").strip()
        for name in DEFAULT_ACCOUNTS:
            values[name] = str(values.get(name) or "").strip()
        values["directions"] = {
            key.removeprefix(DIRECTION_PREFIX): str(value)
            for key, value in stored.items()
            if key.startswith(DIRECTION_PREFIX)
        }
        values["tax_map"] = {
            key.removeprefix(TAX_PREFIX): str(value).strip()
            for key, value in stored.items()
            if key.startswith(TAX_PREFIX) and value is not None and str(value).strip()
        }
        values["update_fields"] = {
            key.removeprefix(UPDATE_FIELDS_PREFIX): value
            if isinstance(value, str)
            else tuple(value)
            for key, value in stored.items()
            if key.startswith(UPDATE_FIELDS_PREFIX) and isinstance(value, str | list)
        }
        values["field_subsets"] = {
            key.removeprefix(FIELDS_PREFIX): tuple(value)
            for key, value in stored.items()
            if key.startswith(FIELDS_PREFIX) and isinstance(value, list)
        }
        values["owners"] = {
            key.removeprefix(OWNER_PREFIX): str(value)
            for key, value in stored.items()
            if key.startswith(OWNER_PREFIX) and value in ("a", "b")
        }
        values["include_types"] = {
            key.removeprefix(INCLUDE_TYPES_PREFIX): tuple(str(name) for name in value)
            for key, value in stored.items()
            if key.startswith(INCLUDE_TYPES_PREFIX) and isinstance(value, list) and value
        }
        values["created_ranges"] = {
            key.removeprefix(CREATED_RANGE_PREFIX): (str(value[0] or ""), str(value[1] or ""))
            for key, value in stored.items()
            if key.startswith(CREATED_RANGE_PREFIX) and isinstance(value, list) and len(value) == 2
        }
        return cls(**values)

    def stored(self) -> dict[str, Any]:
        """The settings as stored keys -> values (directions as ``direction.<entity>``)."""
        out = {stored_key(f.name): getattr(self, f.name) for f in fields(self)}
        for name in _MAPPINGS:
            del out[name]
        out.update({UPDATE_FIELDS_PREFIX + e: v for e, v in self.update_fields.items()})
        out.update({FIELDS_PREFIX + e: list(v) for e, v in self.field_subsets.items()})
        out.update({DIRECTION_PREFIX + name: value for name, value in self.directions.items()})
        out.update({TAX_PREFIX + code: value for code, value in self.tax_map.items()})
        out.update({INCLUDE_TYPES_PREFIX + k: list(v) for k, v in self.include_types.items()})
        out.update({CREATED_RANGE_PREFIX + k: list(v) for k, v in self.created_ranges.items()})
        out.update({OWNER_PREFIX + name: side for name, side in self.owners.items()})
        return out


#: The settings stored one key per entry (``direction.x``, ``tax.x``, ...).
_MAPPINGS = (
    "directions",
    "tax_map",
    "update_fields",
    "field_subsets",
    "owners",
    "include_types",
    "created_ranges",
)

#: The summary mode's text settings (setup/summary_mode.py).
SUMMARY_TEXT = ("summary_customer", "summary_start", "summary_ar_account", "summary_tax_account")

#: The default-account settings (stored as ``default.expense_account`` and so on).
DEFAULT_ACCOUNTS = (
    "default_expense_account",
    "default_income_account",
    "default_deposit_account",
    "default_bank_account",
)

#: Field-name prefixes whose stored key puts a dot after the prefix's word.
_DOTTED = ("big_change_", "default_")


def stored_key(name: str) -> str:
    """The stored key of a :class:`ProfileSettings` field (``big_change_share`` ->
    ``big_change.share``, ``default_bank_account`` -> ``default.bank_account``)."""
    for prefix in _DOTTED:
        if name.startswith(prefix):
            return prefix[:-1] + "." + name.removeprefix(prefix)
    return name


#: Every setting's default, by stored key.
DEFAULT_SETTINGS: dict[str, Any] = ProfileSettings().stored()


class SettingsRepo(AuditRepo):
    """Settings and rules (each change audited), and the results of `recontui verify`."""

    def settings(self, profile_id: int) -> dict[str, Any]:
        return {
            r["key"]: json.loads(r["value"])
            for r in rows(
                self.db, "SELECT key, value FROM settings WHERE profile_id = ?", (profile_id,)
            )
        }

    def profile_settings(self, profile_id: int) -> ProfileSettings:
        """The profile's settings over the defaults, typed."""
        return ProfileSettings.from_stored(self.settings(profile_id))

    def set_setting(self, profile_id: int, key: str, value: Any, *, actor: str) -> None:
        """Change one setting; the old and new values go to the audit trail."""
        with self.transaction() as conn:
            old = self.settings(profile_id).get(key)
            conn.execute(
                "INSERT INTO settings (profile_id, key, value) VALUES (?,?,?) "
                "ON CONFLICT(profile_id, key) DO UPDATE SET value = excluded.value",
                (profile_id, key, json.dumps(value)),
            )
            self._audit(profile_id, None, "settings", None, key, "-", old, value, "settings", actor)

    def rules(self, profile_id: int) -> list[dict[str, Any]]:
        return rows(self.db, "SELECT * FROM rules WHERE profile_id = ? ORDER BY id", (profile_id,))

    def add_rule(
        self,
        profile_id: int,
        kind: str,
        side: str | None,
        entity: str | None,
        field_name: str | None,
        *,
        actor: str,
        note: str | None = None,
    ) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO rules (profile_id, kind, side, entity, field, created_at, "
                "created_by, note) VALUES (?,?,?,?,?,?,?,?)",
                (profile_id, kind, side, entity, field_name, self.now(), actor, note),
            )
            return inserted_id(cur)

    def delete_rule(self, profile_id: int, rule_id: int) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "DELETE FROM rules WHERE profile_id = ? AND id = ?", (profile_id, rule_id)
            )
            return cur.rowcount > 0

    #: Verification results kept per profile (the console shows the latest).
    VERIFICATIONS_KEPT = 100

    def save_verification(
        self,
        profile_id: int,
        *,
        started_at: dt.datetime,
        agree: bool,
        pairs: int,
        disagreements: int,
        excluded: int,
        summary: Mapping[str, Any],
        entity: str | None = None,
        run_id: int | None = None,
    ) -> int:
        """Record one `recontui verify` result (older ones beyond the last 100 go)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO verifications (profile_id, run_id, entity, started_at, "
                "finished_at, agree, pairs, disagreements, excluded, summary) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    profile_id,
                    run_id,
                    entity,
                    started_at.astimezone(dt.UTC).isoformat(),
                    self.now(),
                    1 if agree else 0,
                    pairs,
                    disagreements,
                    excluded,
                    json.dumps(dict(summary)),
                ),
            )
            conn.execute(
                "DELETE FROM verifications WHERE profile_id=? AND id NOT IN (SELECT id FROM "
                "verifications WHERE profile_id=? ORDER BY id DESC LIMIT ?)",
                (profile_id, profile_id, self.VERIFICATIONS_KEPT),
            )
            return inserted_id(cur)

    def last_verification(self, profile_id: int) -> dict[str, Any] | None:
        """The latest `recontui verify` result of the profile (``agree`` as a bool)."""
        row = one(
            self.db,
            "SELECT * FROM verifications WHERE profile_id=? ORDER BY id DESC LIMIT 1",
            (profile_id,),
        )
        if row is not None:
            row["agree"] = bool(row["agree"])
            row["summary"] = json.loads(row["summary"])
        return row
