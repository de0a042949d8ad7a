"""Plain-data views of conflicts and runs, shared by the CLI and the console.

Everything here returns strings and dicts (never markup): remote text is data,
and each front end decides how to render it safely.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .model import (
    ENTITIES,
    ORDER,
    FieldSpec,
    Ref,
    RemoteRef,
    Side,
    display,
    same,
)
from .store import Conflict, Link, Profile, Store
from .store.migrations import field_names_text
from .wiring import system_label


class Names:
    """Turns link references into the names people know the records by."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[int, str] = {}

    def link_name(self, link_id: int) -> str:
        if link_id not in self._cache:
            link = self.store.link(self.store.canonical_link_id(link_id))
            self._cache[link_id] = self._name(link) if link else f"#{link_id}"
        return self._cache[link_id]

    @staticmethod
    def _name(link: Link) -> str:
        spec = ENTITIES.get(link.entity)
        for fields in (link.a_fields, link.b_fields):
            title = spec.title(fields) if spec is not None else ""
            if title:
                return title
        return f"{link.entity} #{link.id}"

    def ref_name(self, link_id: int) -> str:
        """A referenced record's name, saying so when it exists on one side only.

        Two records can share a name (a customer still waiting for a match
        decision and its namesake on the other side): the suffix tells them apart.
        """
        link = self.store.link(self.store.canonical_link_id(link_id))
        name = self.link_name(link_id)
        if link is None or link.paired:
            return name
        where = "BILL" if link.a_id else "QuickBooks Online"
        side_id = link.a_id or link.b_id
        return f"{name} (only in {where}, id {side_id})"

    def value(self, entity_name: str, field_name: str, value: Any) -> str:
        spec = ENTITIES[entity_name]
        try:
            fspec = spec.field(field_name)
        except KeyError:
            fspec = None
        return self.shown(fspec, value)

    def shown(self, fspec: FieldSpec | None, value: Any) -> str:
        """``value`` of ``fspec`` (a field, or a part of a line) as text, references by
        the names of the records they point at."""
        refs = _collect_refs(value)
        names = {ref: self.ref_name(ref.link) for ref in refs}
        return display(fspec, value, ref_names=names)


def _collect_refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, (list, tuple)) and not isinstance(value, Ref):
        return [r for v in value for r in _collect_refs(v)]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _collect_refs(v)]
    return []


def conflict_summary(
    store: Store, profile: Profile, conflict: Conflict, names: Names | None = None
) -> dict[str, Any]:
    names = names or Names(store)
    link = store.link(store.canonical_link_id(conflict.link_id))
    return {
        "id": conflict.id,
        "entity": conflict.entity,
        "kind": conflict.kind,
        "status": conflict.status,
        "record": names.link_name(conflict.link_id),
        "fields": sorted(conflict.fields),
        #: As the queue shows them: a refused change is marked ("city (refused)").
        "field_names": field_names_text(conflict.kind, conflict.fields),
        "a_id": link.a_id if link else None,
        "b_id": link.b_id if link else None,
        "opened_at": conflict.opened_at,
        "note": conflict.note,
        "has_suggestion": bool(conflict.suggestion),
    }


def conflict_detail(store: Store, profile: Profile, conflict: Conflict) -> dict[str, Any]:
    names = Names(store)
    out = conflict_summary(store, profile, conflict, names)
    out["systems"] = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    rows = []
    for name, values in sorted(conflict.fields.items()):
        choice = (conflict.choices or {}).get(name)
        suggestion = (conflict.suggestion or {}).get(name)
        row = {
            "field": name,
            "base": names.value(conflict.entity, name, values.get("base"))
            if conflict.kind == "field"
            else values.get("base"),
            "a": names.value(conflict.entity, name, values.get("a"))
            if conflict.kind == "field"
            else values.get("a"),
            "b": names.value(conflict.entity, name, values.get("b"))
            if conflict.kind == "field"
            else values.get("b"),
            "kind": values.get("kind"),
            "choice": _choice_text(conflict, names, name, choice),
            "suggestion": _choice_text(conflict, names, name, suggestion),
        }
        rows.append(row)
    out["rows"] = rows
    if conflict.kind == "match":
        out["candidates"] = []
        for lid in conflict.candidates or []:
            link = store.link(store.canonical_link_id(lid))
            out["candidates"].append(
                {"link": lid, "record": names.link_name(lid), "b_id": link.b_id if link else None}
            )
    return out


def _choice_text(
    conflict: Conflict, names: Names, field_name: str, choice: Sequence[Any] | None
) -> str | None:
    if not choice:
        return None
    how = choice[0]
    if how in ("a", "b"):
        return how
    if how == "custom":
        return "=" + names.value(conflict.entity, field_name, choice[1])
    return " ".join(str(c) for c in choice)


def choice_words(row: Mapping[str, Any], key: str, systems: Mapping[str, str]) -> str | None:
    """A row's ``choice`` or ``suggestion`` (key) of :func:`conflict_detail` as a person
    reads it: the value and where it comes from, "+1-555-0199 (typed)" or
    "c@x.test (from QuickBooks Online)"; never the ``--pick`` syntax ("b", "=...")."""
    text = row.get(key)
    if not text:
        return None
    if text in ("a", "b"):
        return f"{row.get(text) or '(blank)'} (from {systems[text]})"
    if text.startswith("="):
        return f"{text[1:] or '(blank)'} (typed)"
    return str(text)


def edit_text(spec: FieldSpec | None, value: Any) -> str:
    """The text that types ``value`` in again: ``parse_value`` turns it back into it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return display(spec, value)


def other_fields(
    store: Store, profile: Profile, conflict: Conflict, names: Names | None = None
) -> list[dict[str, Any]]:
    """The record's synced fields that are not in the conflict: the base and each side's
    last pulled value, as text (``values`` holds them raw). ``same``: the sides agree."""
    spec = ENTITIES.get(conflict.entity)
    link = store.link(store.canonical_link_id(conflict.link_id))
    if spec is None or link is None or link.a_fields is None or link.b_fields is None:
        return []
    names = names or Names(store)
    base = store.base(link.id) or {}
    out = []
    for fspec in spec.synced_fields:
        name = fspec.name
        if name in conflict.fields or name not in link.a_fields or name not in link.b_fields:
            continue  # in conflict, or a field one of the systems does not have
        a = _canonical(store, profile.id, link.a_fields[name], "a")
        b = _canonical(store, profile.id, link.b_fields[name], "b")
        values = {"base": base.get(name), "a": a, "b": b}
        row: dict[str, Any] = {k: names.value(conflict.entity, name, v) for k, v in values.items()}
        row.update(field=name, values=values, same=same(fspec, a, b), in_base=name in base)
        out.append(row)
    return out


def resolve_view(store: Store, profile: Profile, conflict: Conflict) -> dict[str, Any]:
    """``conflict_detail`` plus what the Resolve screen works with.

    Each row also holds ``values`` (base, a and b raw, to tell blanks), ``choice_value``
    and ``suggestion_value`` (the stored choices: a typed value is edited again exactly,
    a suggestion can be taken as it is); ``others`` lists the fields not in conflict.
    """
    names = Names(store)
    out = conflict_detail(store, profile, conflict)
    for row in out["rows"]:
        values = conflict.fields.get(row["field"]) or {}
        row["values"] = {k: values.get(k) for k in ("base", "a", "b")}
        row["choice_value"] = (conflict.choices or {}).get(row["field"])
        row["suggestion_value"] = (conflict.suggestion or {}).get(row["field"])
    out["others"] = (
        other_fields(store, profile, conflict, names) if conflict.kind == "field" else []
    )
    return out


def rule_words(
    kind: str,
    side: str | None,
    entity_name: str | None,
    field_name: str | None,
    a_label: str,
    b_label: str,
) -> str:
    """A master rule in words: "prefer QuickBooks Online for customer email"."""
    if entity_name is None:
        scope = "every field of every record"
    else:
        label = ENTITIES[entity_name].label.lower() if entity_name in ENTITIES else entity_name
        if field_name is None:
            scope = f"every {label} field"
        else:
            scope = f"{label} {field_name.replace('_', ' ')}"
    if kind == "fill_blanks":
        return f"fill blanks for {scope}"
    who = {"a": a_label, "b": b_label}.get(side or "", str(side))
    return f"{kind} {who} for {scope}"


def local_time(iso: str | None, *, seconds: bool = True) -> str:
    """A stored UTC timestamp as the reader's local wall-clock time."""
    if not iso:
        return ""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def run_row(run: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: run[k]
        for k in (
            "id",
            "started_at",
            "finished_at",
            "status",
            "trigger",
            "dry_run",
            "exit_code",
            "counts",
            "message",
        )
        if k in run
    }


def next_scheduled_run(store: Store, profile: Profile) -> tuple[str, dt.datetime | None]:
    """The profile's schedule as text, and when its next run is due (UTC; None when off).

    The latest run that was not a dry run counts, whatever started it.
    """
    from .schedule import ScheduleError, next_run, parse_schedule

    text = str(store.settings(profile.id).get("schedule") or "off")
    try:
        schedule = parse_schedule(text)
    except ScheduleError:
        return text, None
    last = next((r for r in store.runs(profile.id, limit=50) if not r["dry_run"]), None)
    started = dt.datetime.fromisoformat(last["started_at"]) if last else None
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return str(schedule), next_run(schedule, started, dt.datetime.now(dt.UTC))


# -- what rules decided on their own (the Auto-resolved screen) ---------------------------


def _decision_rule(
    rule_id: int | None, rule: Mapping[str, Any] | None, ts: str, labels: Mapping[str, str]
) -> str:
    """The rule behind a decision in words ("rule 3: prefer QuickBooks Online for ..."),
    or "rule 3 (deleted)" once it is gone.

    Rule ids can be reused after the newest rule is deleted, so a rule saved after
    the decision is not the one that made it.
    """
    if rule is None or str(rule["created_at"]) > ts:
        return f"rule {rule_id if rule_id is not None else '?'} (deleted)"
    words = rule_words(
        rule["kind"], rule["side"], rule["entity"], rule["field"], labels["a"], labels["b"]
    )
    return f"rule {rule_id}: {words}"


#: Why a rule's decision is not written yet when its write has met nothing so far.
NEXT_SYNC = "the next sync sends it"


def _entry_head(entry: Mapping[str, Any], names: Names, *, unnamed: str) -> dict[str, Any]:
    """What every audit row shows first: when, which run, record and field, which side."""
    return {
        "id": entry["id"],
        "when": local_time(entry["ts"]),
        "run_id": entry["run_id"],
        "entity": entry["entity"],
        "link_id": entry["link_id"],
        "record": names.link_name(entry["link_id"]) if entry["link_id"] else unnamed,
        "field": entry["field"],
        "side": entry["side"],
    }


def rule_decision_rows(
    store: Store,
    profile: Profile,
    *,
    before_id: int | None = None,
    limit: int = 50,
    names: Names | None = None,
) -> list[dict[str, Any]]:
    """A keyset page (newest first) of the values rules decided, as plain dicts: every
    decision a run counted as auto-resolved, listed as soon as the run made it.

    Each row: ``id`` (the audit entry; pass the last as ``before_id``), ``when``
    (local time), ``run_id``, ``entity``, ``link_id``, ``record``, ``field``,
    ``side`` and ``system`` (whose value was overwritten), ``winner`` (the other
    system), ``old`` and ``new`` (as text, references by name), ``rule`` (in
    words), ``overridden`` (a person reopened it; ``conflict_id`` is its conflict
    while that is open or resolved), ``replaced`` (a later rule decision on
    the same field came after it) and ``waiting``: None once the write is made, else
    why it is not written yet (the write's last error, or "the next sync sends it").
    """
    names = names or Names(store)
    labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    rules = {r["id"]: r for r in store.rules(profile.id)}
    out = []
    for d in store.rule_decisions(profile.id, before_id=before_id, limit=limit):
        rule_id = _rule_id(d["by"])
        side = d["side"] if d["side"] in ("a", "b") else "a"
        overridden = _overridden(d)
        out.append(
            {
                **_entry_head(d, names, unnamed="?"),
                "system": labels[side],
                "winner": labels["b" if side == "a" else "a"],
                "old": names.value(d["entity"], d["field"], d["old"]),
                "new": names.value(d["entity"], d["field"], d["new"]),
                "rule_id": rule_id,
                "rule": _decision_rule(rule_id, rules.get(rule_id), d["ts"], labels),
                "overridden": overridden,
                "replaced": d["next_id"] is not None,
                "conflict_id": _override_conflict(store, d) if overridden else None,
                "waiting": None if d["waiting"] is None else d["waiting"] or NEXT_SYNC,
            }
        )
    return out


# -- the audit trail (`recontui audit`) ----------------------------------------------------

#: The audit's entries that are no record's: settings and master rules changed.
AUDIT_OTHER_ENTITIES = ("settings", "rules")


def audit_rows(
    store: Store,
    profile: Profile,
    *,
    record: str | None = None,
    run_id: int | None = None,
    field: str | None = None,
    entity: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], bool]:
    """The newest ``limit`` audit entries as plain dicts, and whether more exist.

    ``record`` keeps the entries of records whose name contains it (in any case).
    Each row: ``id``, ``when`` (local time), ``run_id`` (None outside a run),
    ``entity``, ``link_id``, ``record`` (its name, "" for settings and rules),
    ``field``, ``side`` and ``system`` (the system written, "" for none), ``old``
    and ``new`` (as text, references by name), ``by`` and ``actor`` (as stored) and
    ``why`` (who or which rule, in words). Remote text comes back as is: the caller
    makes it safe for its terminal."""
    names = Names(store)
    link_ids = records_named(store, profile, record, entity) if record else None
    entries = store.audit_entries(
        profile.id, run_id=run_id, field=field, entity=entity, link_ids=link_ids, limit=limit + 1
    )
    labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    rules = {r["id"]: r for r in store.rules(profile.id)}
    rows = []
    for e in entries[:limit]:
        rows.append(
            {
                **_entry_head(e, names, unnamed=""),
                "system": labels.get(e["side"], ""),
                "old": _audit_value(names, e, "old"),
                "new": _audit_value(names, e, "new"),
                "by": e["by"],
                "actor": e["actor"],
                "why": audit_why(e, rules, labels),
            }
        )
    return rows, len(entries) > limit


def _audit_value(names: Names, entry: Mapping[str, Any], key: str) -> str:
    """An audited value as text: a record's field as lists show it (references by name),
    a setting or rule as stored."""
    value = entry[key]
    if entry["entity"] in ENTITIES:
        return names.value(entry["entity"], entry["field"], value)
    return "" if value is None else str(value)


def records_named(store: Store, profile: Profile, text: str, entity: str | None) -> set[int]:
    """The links of the records whose name (as lists show it) contains ``text``, in any
    case, with the links absorbed into them by matching (older entries still name those)."""
    wanted = text.casefold()
    found: set[int] = set()
    for entity_name in [entity] if entity else list(ORDER):
        if entity_name not in ENTITIES:
            continue
        links = store.links(profile.id, entity_name)
        alias = {link.id: link.merged_into for link in links if link.merged_into is not None}
        named = {
            link.id
            for link in links
            if link.merged_into is None and wanted in Names._name(link).casefold()
        }
        found |= named
        for link_id in alias:
            target, hops = link_id, 0
            while target in alias and hops < 100:
                target, hops = alias[target], hops + 1
            if target in named:
                found.add(link_id)
    return found


def audit_why(
    entry: Mapping[str, Any], rules: Mapping[int, Mapping[str, Any]], labels: Mapping[str, str]
) -> str:
    """Who or which rule wrote an audit entry, in words."""
    by, actor = str(entry["by"]), str(entry["actor"])
    if by.startswith("rule:"):
        rule_id = _rule_id(by)
        return _decision_rule(rule_id, rules.get(rule_id or -1), str(entry["ts"]), labels)
    copied_from = labels.get({"a": "b", "b": "a"}.get(str(entry["side"]), ""), "the other side")
    words = {
        "merge": f"changed in {copied_from} only: copied",
        "owner": f"changed on both sides: {copied_from} owns these edits",
        "resolution": f"a person's choice in the conflict queue, pushed by {actor}",
        "revert": "a change the sync direction forbids: reverted",
        "override": f"{actor} reopened a rule's decision",
        "settings": f"settings changed by {actor}",
        "rules": f"master rules changed by {actor}",
    }
    return words.get(by, f"{by}, by {actor}")


def _override_conflict(store: Store, decision: Mapping[str, Any]) -> int | None:
    """The live conflict an override of ``decision`` opened, while it is open or resolved."""
    if not decision["link_id"]:
        return None
    live = store.live_conflict_for_link(store.canonical_link_id(decision["link_id"]))
    return live.id if live is not None and decision["field"] in live.fields else None


def _rule_id(by: str) -> int | None:
    text = by.partition(":")[2]
    return int(text) if text.isdigit() else None


def _overridden(decision: Mapping[str, Any]) -> bool:
    """Whether an override reopened this decision (and not a later one on its field)."""
    override, later = decision["override_id"], decision["next_id"]
    return override is not None and (later is None or override < later)


def _canonical(store: Store, profile_id: int, value: Any, side: Side) -> Any:
    """A value with references as the links that now hold them (``Ref``), to compare."""
    if isinstance(value, Ref):
        return Ref(value.entity, store.canonical_link_id(value.link))
    if isinstance(value, RemoteRef):
        link_id = store.link_for_remote(profile_id, value.entity, side, value.remote_id)
        return value if link_id is None else Ref(value.entity, link_id)
    if isinstance(value, list):
        return [_canonical(store, profile_id, v, side) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(store, profile_id, v, side) for k, v in value.items()}
    return value


def sync_state(store: Store, profile: Profile) -> dict[str, Any]:
    """Which companies the profile belongs to, and each side's pull cursor per entity."""
    labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    return {
        "companies": [
            {"side": "a", "system": labels["a"], "company_id": profile.a_company_id},
            {"side": "b", "system": labels["b"], "company_id": profile.b_company_id},
        ],
        "cursors": [
            {
                **c,
                "system": labels.get(c["side"], c["side"]),
                "moved": local_time(c["moved_at"]),
            }
            for c in store.cursors(profile.id)
        ],
    }


# -- a dry run's plan ---------------------------------------------------------------------

_PLURALS = {
    "class": "Classes",
    "payment": "Payments received",
    "journal_entry": "Journal entries",
}
#: The order a plan lists an entity's items in: writes, then what asks a person.
_OP_ORDER = (
    "create",
    "update",
    "restore",
    "deactivate",
    "delete",
    "not_sent",
    "conflict",
    "decision",
)
#: A plan item for a record whose differing fields updates may not replace (run/plan.py).
NOT_SENT = "not_sent"
#: The kind of a ``not_sent`` item the profile's filters keep from being copied.
FILTERED = "filter"


def plural_label(entity_name: str) -> str:
    """An entity's records in the plural ("Customers", "Payments received")."""
    spec = ENTITIES.get(entity_name)
    return _PLURALS.get(entity_name, (spec.label if spec else entity_name) + "s")


def _plan_line(item: Mapping[str, Any], name: str) -> str:
    op = str(item["op"])
    fields = ", ".join(item.get("fields") or ())
    if op in ("conflict", "decision"):
        said = "which record it is" if item.get("kind") == "match" else fields
        if item.get("kind") == "delete" and item.get("note"):
            said = str(item["note"])
        number = f" (conflict {item['conflict']})" if item.get("conflict") else ""
        return f"  {'decide':<10} {'(you)':<18} '{name}': {said}{number}"
    if op == NOT_SENT and item.get("kind") == FILTERED:  # the profile's filters (run/filters.py)
        return f"  {'not sent':<10} {'(neither)':<18} '{name}' ({item['why']})"
    if op == NOT_SENT:
        said = f"{fields} " if fields else ""
        return f"  {'not sent':<10} {'(neither)':<18} '{name}': {said}(not sent: {item['why']})"
    line = f"  {op:<10} {item.get('system', ''):<18} '{name}'"
    if op == "update" and fields:
        line += f": {fields}"
    return line + (" (held)" if item.get("state") == "held" else "")


def _money_text(text: Any) -> str:
    try:
        return f"{Decimal(str(text)):,.2f}"
    except ArithmeticError:
        return str(text)


def summary_entry_lines(item: Mapping[str, Any], *, per_entity: int = 20) -> list[str]:
    """The lines under a summarised journal entry in a dry run's plan (run/summary.py):
    its day and totals, each line (posting, amount, account, an A/R line's customer), then
    the billing documents it covers, by number, and what changed for each."""
    shown = item.get("summary")
    if not isinstance(shown, Mapping):
        return []
    covers = list(shown.get("covers") or ())
    out = [
        f"      journal entry of {shown.get('day')}: debits {_money_text(shown.get('debits'))}"
        f" = credits {_money_text(shown.get('credits'))}"
    ]
    for line in shown.get("lines") or ():
        who = f" (customer {line['customer']!r})" if line.get("customer") else ""
        out.append(
            f"      {line['posting']:<6} {_money_text(line['amount']):>12}  {line['account']}{who}"
        )
    out.append(f"      covers {len(covers)} document{'' if len(covers) == 1 else 's'}:")
    for cover in covers[:per_entity]:
        spec = ENTITIES.get(str(cover["kind"]))
        word = spec.label.lower() if spec else str(cover["kind"])
        was = _money_text(cover.get("was"))
        change = {
            "new": "new",
            "changed": f"changed (was {was})",
            "removed": f"removed (was {was}): reversed",
        }.get(str(cover["change"]), str(cover["change"]))
        out.append(
            f"        {word:<17} {_money_text(cover['amount']):>12}  '{cover['number']}' {change}"
        )
    if len(covers) > per_entity:
        out.append(f"        ... and {len(covers) - per_entity} more documents")
    return out


def _plan_counts(items: Sequence[Mapping[str, Any]]) -> str:
    counts: Counter[tuple[str, str]] = Counter()
    for item in items:
        asks = item["op"] in ("conflict", "decision")
        counts[("decide", "") if asks else (str(item["op"]), str(item.get("system", "")))] += 1
    return ", ".join(
        f"{n} for you to decide"
        if op == "decide"
        else f"{n} not sent"
        if op == NOT_SENT
        else f"{n} to {op} in {system}"
        for (op, system), n in counts.items()
    )


def plan_lines(
    plan: Sequence[Mapping[str, Any]], name_of: Callable[[int], str], *, per_entity: int = 20
) -> list[str]:
    """A dry run's plan for people: by entity, its counts, then one line per record (the
    kind of write, the system written, the record's name, an update's fields), at most
    ``per_entity`` lines per entity and how many more there are. Remote text (names)
    comes back as is: the caller makes it safe for its terminal."""
    if not plan:
        return []
    asks = sum(1 for item in plan if item["op"] in ("conflict", "decision"))
    waits = sum(1 for item in plan if item["op"] == NOT_SENT and item.get("kind") == "approval")
    filtered = sum(1 for item in plan if item["op"] == NOT_SENT and item.get("kind") == FILTERED)
    kept = sum(1 for item in plan if item["op"] == NOT_SENT) - waits - filtered
    decide = f", {asks} for you to decide" if asks else ""
    unsent = f", {kept} not sent by your sync settings" if kept else ""
    unsent += f", {waits} waiting for approval" if waits else ""
    unsent += f", {filtered} not copied by your filters" if filtered else ""
    writes = len(plan) - asks - kept - waits - filtered
    lines = [
        f"Plan (nothing was written): {writes} write{'' if writes == 1 else 's'}{decide}{unsent}."
    ]
    by_entity: dict[str, list[tuple[Mapping[str, Any], str]]] = {}
    for item in plan:
        # A summarised journal entry names itself: its link is not there after a dry run.
        name = str(item.get("name") or name_of(int(item["link"])))
        by_entity.setdefault(str(item["entity"]), []).append((item, name))
    rank = {name: i for i, name in enumerate(ORDER)}
    for entity_name in sorted(by_entity, key=lambda e: (rank.get(e, len(rank)), e)):
        items = sorted(
            by_entity[entity_name],
            key=lambda pair: (
                _OP_ORDER.index(pair[0]["op"]) if pair[0]["op"] in _OP_ORDER else len(_OP_ORDER),
                str(pair[0].get("system", "")),
                pair[1].casefold(),
            ),
        )
        lines.append(f"{plural_label(entity_name)}: {_plan_counts([i for i, _ in items])}")
        for item, name in items[:per_entity]:
            lines.append(_plan_line(item, name))
            lines += summary_entry_lines(item, per_entity=per_entity)
        if len(items) > per_entity:
            lines.append(
                f"  ... and {len(items) - per_entity} more (`recontui sync --dry-run --json` "
                "lists every one)"
            )
    return lines
