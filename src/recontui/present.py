"""Plain-data views of conflicts and runs, shared by the CLI and the console.

Everything here returns strings and dicts (never markup): remote text is data,
and each front end decides how to render it safely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .model import ENTITIES, FieldValueError, Ref, display, entity, is_blank, parse_value
from .store import Conflict, Link, Profile, Store, StoreError
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
    conflict: Conflict, picks: Sequence[str], take_all: str | None
) -> dict[str, list[Any]]:
    """``FIELD=a``, ``FIELD=b``, ``FIELD==VALUE`` (a typed value) and ``--all a|b``."""
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
    missing = sorted(set(conflict.fields) - set(choices))
    if missing:
        raise ResolveError(
            f"Choose every field of conflict {conflict.id}; still open: {', '.join(missing)} "
            "(use --pick FIELD=a|b|=VALUE or --all a|b)."
        )
    return choices


def resolve_conflict(
    store: Store,
    conflict: Conflict,
    *,
    picks: Sequence[str] = (),
    take_all: str | None = None,
    link_to: int | None = None,
    create: bool = False,
    ignore: bool = False,
    actor: str,
) -> None:
    """Save a person's decision; the next run pushes it."""
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
    else:
        choices = parse_picks(conflict, picks, take_all)
    try:
        store.resolve_conflict(conflict.id, choices, actor=actor)
    except StoreError as exc:
        raise ResolveError(str(exc)) from exc


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
