"""Plain-data views of conflicts and runs, shared by the CLI and the console.

Everything here returns strings and dicts (never markup): remote text is data,
and each front end decides how to render it safely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .model import (
    ENTITIES,
    FieldSpec,
    FieldType,
    FieldValueError,
    Ref,
    RemoteRef,
    Side,
    display,
    entity,
    is_blank,
    parse_value,
    same,
)
from .store import Conflict, Link, Profile, Store, StoreError
from .store.migrations import field_names_text
from .store.store import IGNORE, OVERRIDE
from .wiring import system_label


class ResolveError(ValueError):
    """A resolution that cannot be saved; the message says what to do instead."""


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
            if fields and spec is not None:
                value = fields.get(spec.title_field)
                if not is_blank(value):
                    return display(spec.field(spec.title_field), value)
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


def parse_picks(
    conflict: Conflict,
    picks: Sequence[str],
    take_all: str | None,
    custom: Mapping[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """``FIELD=a``, ``FIELD=b``, ``FIELD==VALUE`` (a typed value) and ``--all a|b``.

    ``custom`` maps fields to values of a person's own that are already values, not
    text (a record chosen from a list for a reference); they are checked by type.
    Choices already saved on the conflict (a partial choice) are kept unless replaced.
    """
    if conflict.kind != "field":
        raise ResolveError(
            f"Conflict {conflict.id} is a {conflict.kind} conflict; resolve it with "
            + (
                "--link LINK_ID, --create or --ignore."
                if conflict.kind == "match"
                else "--all a or --all b (which side's state wins)."
            )
        )
    spec = entity(conflict.entity)
    choices: dict[str, list[Any]] = dict(conflict.choices or {})
    if take_all:
        if take_all not in ("a", "b"):
            raise ResolveError("--all takes a or b.")
        for name in conflict.fields:
            choices[name] = [take_all, None]
    for pick in picks:
        if "=" not in pick:
            raise ResolveError(f"{pick!r} is not FIELD=a, FIELD=b or FIELD==VALUE.")
        name, _, rest = pick.partition("=")
        name = name.strip()
        if name not in conflict.fields:
            raise ResolveError(
                f"{name!r} is not in conflict {conflict.id}; its fields are: "
                f"{', '.join(sorted(conflict.fields))}."
            )
        if rest in ("a", "b"):
            choices[name] = [rest, None]
        elif rest.startswith("="):
            try:
                value = parse_value(spec.field(name), rest[1:])
            except FieldValueError as exc:
                raise ResolveError(str(exc)) from exc
            choices[name] = ["custom", value]
        else:
            raise ResolveError(
                f"{pick!r}: after {name}= put a (billing side), b (accounting side) or "
                f"=VALUE for a value of your own, e.g. {name}==new value."
            )
    for name, value in (custom or {}).items():
        if name not in conflict.fields:
            raise ResolveError(
                f"{name!r} is not in conflict {conflict.id}; its fields are: "
                f"{', '.join(sorted(conflict.fields))}."
            )
        choices[name] = ["custom", checked_custom(spec.field(name), value)]
    missing = sorted(set(conflict.fields) - set(choices))
    if missing:
        raise ResolveError(
            f"Choose every field of conflict {conflict.id}; still open: {', '.join(missing)} "
            "(use --pick FIELD=a|b|=VALUE or --all a|b)."
        )
    return choices


def refuse_options(
    conflict: Conflict,
    *,
    picks: bool,
    take_all: bool,
    link_to: bool,
    create: bool,
    ignore: bool,
) -> None:
    """A :class:`ResolveError` for options that do not fit ``conflict`` or each other."""
    match_opts = [
        name
        for name, given in (("--link", link_to), ("--create", create), ("--ignore", ignore))
        if given
    ]
    field_opts = [name for name, given in (("--pick", picks), ("--all", take_all)) if given]
    cid = conflict.id
    if conflict.kind == "match" and field_opts:
        raise ResolveError(
            f"Conflict {cid} asks which record this is, so {' and '.join(field_opts)} "
            "does not apply: decide it with exactly one of --link LINK_ID, --create or --ignore."
        )
    if conflict.kind == "delete" and (match_opts or picks):
        given = " and ".join(match_opts + (["--pick"] if picks else []))
        raise ResolveError(
            f"Conflict {cid} is about a deletion, so {given} does not apply: pass --all a or "
            "--all b to say which side's state wins."
        )
    if conflict.kind == "field" and (link_to or create):
        given = " and ".join(o for o in match_opts if o != "--ignore")
        raise ResolveError(
            f"Conflict {cid} is a field conflict, so {given} does not apply (--link and "
            "--create decide match conflicts): choose its values with --pick FIELD=a|b|=VALUE "
            "or --all a|b, or stop syncing the record with --ignore."
        )
    if conflict.kind == "field" and ignore and field_opts:
        raise ResolveError(
            f"--ignore cannot be combined with {' and '.join(field_opts)} for conflict {cid}: "
            "either choose its values, or pass --ignore alone to stop syncing the record."
        )
    if conflict.kind == "field" and picks and take_all:
        raise ResolveError(
            f"--pick and --all cannot be combined for conflict {cid}: use --all a|b to take "
            "every field from one side, or --pick FIELD=a|b|=VALUE for each field."
        )


def resolve_conflict(
    store: Store,
    conflict: Conflict,
    *,
    picks: Sequence[str] = (),
    take_all: str | None = None,
    link_to: int | None = None,
    create: bool = False,
    ignore: bool = False,
    custom: Mapping[str, Any] | None = None,
    actor: str,
) -> None:
    """Save a person's decision; the next run pushes it.

    Options that do not fit the conflict's kind, or contradict each other, are refused
    (never ignored): a field conflict takes picks or one side for all, a match conflict
    one of link, create or ignore, a deletion one side for all.
    """
    refuse_options(
        conflict,
        picks=bool(picks) or bool(custom),
        take_all=take_all is not None,
        link_to=link_to is not None,
        create=create,
        ignore=ignore,
    )
    if conflict.kind == "match":
        options = [x for x in (link_to is not None, create, ignore) if x]
        if len(options) != 1:
            raise ResolveError(
                f"Conflict {conflict.id} asks which record this is: pass exactly one of "
                "--link LINK_ID (one of its candidates), --create (create it on the other "
                "side, keeping both) or --ignore (never sync it)."
            )
        if link_to is not None:
            if link_to not in (conflict.candidates or []):
                raise ResolveError(
                    f"{link_to} is not a candidate of conflict {conflict.id}; candidates: "
                    f"{', '.join(str(c) for c in conflict.candidates or [])}."
                )
            choices = {"$match": ["link", link_to]}
        else:
            choices = {"$match": ["create" if create else "ignore", None]}
    elif conflict.kind == "delete":
        if take_all not in ("a", "b"):
            raise ResolveError(
                f"Conflict {conflict.id} is about a deletion: pass --all a or --all b to say "
                "which side's state wins."
            )
        choices = {"deleted": [take_all, None]}
    elif ignore:
        # Unlink: the two records stay as they are and are never synced again.
        choices = {IGNORE: ["ignore", None]}
    else:
        choices = parse_picks(conflict, picks, take_all, custom)
    try:
        store.resolve_conflict(conflict.id, choices, actor=actor)
    except StoreError as exc:
        raise ResolveError(str(exc)) from exc


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


def checked_custom(spec: FieldSpec, value: Any) -> Any:
    """A value of a person's own for ``spec``, checked against the field's type."""
    if spec.type is FieldType.REF:
        if not isinstance(value, Ref) or value.entity != spec.ref_entity:
            raise ResolveError(
                f"{spec.title} refers to a {spec.ref_entity}: choose one from the list."
            )
        return value
    try:
        return parse_value(spec, edit_text(spec, value))
    except FieldValueError as exc:
        raise ResolveError(str(exc)) from exc


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
        row = {k: names.value(conflict.entity, name, v) for k, v in values.items()}
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


def remember_rule(
    store: Store,
    profile: Profile,
    kind: str,
    side: str | None,
    entity_name: str | None,
    field_name: str | None,
    *,
    actor: str,
) -> int:
    """Save a master rule with an audit entry, in one transaction; returns its id.

    The next run applies it, to conflicts that are already open too.
    """
    from .engine.policy import Rule

    try:
        rule = Rule(kind=kind, side=side, entity=entity_name, field=field_name)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ResolveError(f"{exc}.") from exc
    labels = system_label(profile.a_system), system_label(profile.b_system)
    words = rule_words(rule.kind, rule.side, rule.entity, rule.field, *labels)
    with store.transaction() as conn:
        rule_id = store.add_rule(
            profile.id, rule.kind, rule.side, rule.entity, rule.field, actor=actor
        )
        entry = {"field": f"rule {rule_id}", "side": "-", "old": None, "new": words}
        store.add_audit(conn, profile.id, None, "rules", None, [{**entry, "by": "rules"}], actor)
    return rule_id


def forget_rule(store: Store, profile: Profile, rule_id: int, *, actor: str) -> bool:
    """Delete a master rule with an audit entry; False when there was no such rule."""
    rule = next((r for r in store.rules(profile.id) if r["id"] == rule_id), None)
    if rule is None:
        return False
    labels = system_label(profile.a_system), system_label(profile.b_system)
    words = rule_words(rule["kind"], rule["side"], rule["entity"], rule["field"], *labels)
    with store.transaction() as conn:
        store.delete_rule(profile.id, rule_id)
        entry = {"field": f"rule {rule_id}", "side": "-", "old": words, "new": None}
        store.add_audit(conn, profile.id, None, "rules", None, [{**entry, "by": "rules"}], actor)
    return True


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


class OverrideError(ResolveError):
    """A rule decision that cannot be overridden; the message says why and what to do."""


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


def rule_decision_rows(
    store: Store,
    profile: Profile,
    *,
    before_id: int | None = None,
    limit: int = 50,
    names: Names | None = None,
) -> list[dict[str, Any]]:
    """A keyset page (newest first) of the values rules overwrote, as plain dicts.

    Each row: ``id`` (the audit entry; pass the last as ``before_id``), ``when``
    (local time), ``run_id``, ``entity``, ``link_id``, ``record``, ``field``,
    ``side`` and ``system`` (whose value was overwritten), ``winner`` (the other
    system), ``old`` and ``new`` (as text, references by name), ``rule`` (in
    words), ``overridden`` (a person reopened it; ``conflict_id`` is its conflict
    while that is open or resolved) and ``replaced`` (a later rule decision on
    the same field came after it).
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
                "id": d["id"],
                "when": local_time(d["ts"]),
                "run_id": d["run_id"],
                "entity": d["entity"],
                "link_id": d["link_id"],
                "record": names.link_name(d["link_id"]) if d["link_id"] else "?",
                "field": d["field"],
                "side": d["side"],
                "system": labels[side],
                "winner": labels["b" if side == "a" else "a"],
                "old": names.value(d["entity"], d["field"], d["old"]),
                "new": names.value(d["entity"], d["field"], d["new"]),
                "rule_id": rule_id,
                "rule": _decision_rule(rule_id, rules.get(rule_id), d["ts"], labels),
                "overridden": overridden,
                "replaced": d["next_id"] is not None,
                "conflict_id": _override_conflict(store, d) if overridden else None,
            }
        )
    return out


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


def override_rule_decision(store: Store, profile: Profile, audit_id: int, *, actor: str) -> int:
    """Turn a rule's decision back into an open field conflict; returns the conflict's id.

    The conflict offers the value the rule overwrote (on the side it overwrote)
    against the value it kept, with the base the sides last agreed on and the
    record's current versions. Resolving it pushes from the records' current
    state: taking the overwritten value writes it to every side that differs
    (``runner.override_choice``), keeping the rule's value writes nothing. Added
    to the record's open field conflict if it has one. The override is audited
    (by "override"), so a decision is overridden once; each refusal is an
    :class:`OverrideError` saying why.
    """
    labels = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    names = Names(store)
    with store.transaction():
        d = store.rule_decision(profile.id, audit_id)
        if d is None:
            raise OverrideError(
                f"There is no rule decision {audit_id} in profile {profile.name!r}; "
                "press F5 to reload the list."
            )
        record = names.link_name(d["link_id"]) if d["link_id"] else "?"
        what = f"{d['field']} of {d['entity']} {record!r}"
        if _overridden(d):
            done = store.audit_entry(profile.id, d["override_id"]) or {}
            raise OverrideError(
                f"The rule's decision on {what} was already overridden "
                f"(by {done.get('actor', '?')} on {local_time(done.get('ts'))}); "
                "decide its conflict in the Conflicts screen (key 2)."
            )
        if d["next_id"] is not None:
            raise OverrideError(
                f"A later rule decision on {what} replaced this one; override that one "
                "instead (it is higher in the list)."
            )
        link = store.link(store.canonical_link_id(d["link_id"])) if d["link_id"] else None
        spec = ENTITIES.get(d["entity"])
        if (
            link is None
            or spec is None
            or link.state != "paired"
            or link.a_deleted
            or link.b_deleted
            or not spec.has_field(d["field"])
        ):
            raise OverrideError(
                f"{what[0].upper()}{what[1:]} is no longer synced on both sides (deleted, "
                "unlinked or no longer a synced field), so there is nothing to override."
            )
        fspec = spec.field(d["field"])
        loser: Side = "b" if d["side"] == "b" else "a"
        winner: Side = "a" if loser == "b" else "b"
        now = {
            side: _canonical(store, profile.id, (link.fields(side) or {}).get(d["field"]), side)
            for side in ("a", "b")
        }
        kept = _canonical(store, profile.id, d["new"], winner)
        if not (same(fspec, now["a"], kept) and same(fspec, now["b"], kept)):
            shown = {s: names.value(d["entity"], d["field"], now[s]) for s in ("a", "b")}
            raise OverrideError(
                f"{what[0].upper()}{what[1:]} changed after the rule decided it "
                f"({labels['a']} holds {shown['a']!r}, {labels['b']} holds {shown['b']!r}); "
                "the next sync merges it as usual, so there is nothing to override."
            )
        live = store.live_conflict_for_link(link.id)
        conflict_id = None
        if live is not None:
            if live.status != "open":
                raise OverrideError(
                    f"{record!r} has conflict {live.id} resolved and waiting for the next sync "
                    "to push it; sync first, then override."
                )
            if live.kind != "field":
                raise OverrideError(
                    f"{record!r} has an open {live.kind} conflict ({live.id}); decide it "
                    "first, then override."
                )
            if d["field"] in live.fields:
                raise OverrideError(
                    f"{d['field']} of {record!r} is already in open conflict {live.id}; "
                    "decide it there."
                )
            conflict_id = live.id
        rule_id = _rule_id(d["by"])
        rule = {r["id"]: r for r in store.rules(profile.id)}.get(rule_id)
        entry = {
            "base": (store.base(link.id) or {}).get(d["field"]),
            loser: _canonical(store, profile.id, d["old"], loser),
            winner: now[winner],
            "kind": OVERRIDE,
            "side": loser,
        }
        note = (
            f"{actor} overrode {_decision_rule(rule_id, rule, d['ts'], labels)}, which "
            f"had overwritten {labels[loser]}'s {d['field']}: pick {labels[loser]}'s earlier "
            f"value or keep {labels[winner]}'s"
        )
        try:
            return store.record_override(
                profile.id,
                d,
                link.id,
                entry,
                link.a_version,
                link.b_version,
                conflict_id=conflict_id,
                note=note,
                actor=actor,
            )
        except StoreError as exc:
            raise OverrideError(str(exc)) from exc


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
