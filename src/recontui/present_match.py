"""A match conflict's deciding fields side by side: the record asked about, then each
candidate, with what each system holds (name, e-mail, phone, address, ...) and when it
last changed there. Plain data for ``recontui conflicts show`` and the Resolve screen.
"""

from __future__ import annotations

from typing import Any

from .model import ENTITIES, FieldType, RemoteRef, Side, display, is_blank
from .present import Names, local_time
from .store import Conflict, Link, Profile, Store
from .wiring import system_label

#: Shown as one "Address" row.
ADDRESS = ("address_line1", "city", "region", "postal_code", "country")
#: The row saying when each record last changed on its side.
CHANGED = "Last changed"


def _held_side(link: Link | None) -> Side:
    """The side of the record a match conflict asks about (the candidates are across)."""
    return "b" if link is not None and link.a_id is None else "a"


def _values(
    store: Store,
    profile: Profile,
    names: Names,
    link: Link | None,
    side: Side,
    mapped: set[str],
) -> dict[str, str]:
    """Row label -> the record's value as shown, for the ``mapped`` fields it holds."""
    if link is None:
        return {}
    spec = ENTITIES[link.entity]
    fields = link.fields(side) or {}
    out: dict[str, str] = {}
    address = ", ".join(
        display(spec.field(n), fields.get(n))
        for n in ADDRESS
        if n in mapped and not is_blank(fields.get(n))
    )
    for fspec in spec.fields:
        value = fields.get(fspec.name)
        if fspec.name not in mapped or fspec.extra.get("hidden"):
            continue
        if fspec.name in ADDRESS:
            if fspec.name == "address_line1" and address:
                out["Address"] = address
            continue
        if fspec.type is FieldType.LINES or is_blank(value):
            continue
        if isinstance(value, RemoteRef):
            target = store.link_for_remote(profile.id, value.entity, side, value.remote_id)
            out[fspec.title] = names.link_name(target) if target else display(fspec, value)
        else:
            out[fspec.title] = display(fspec, value)
    changed = store.updated_at(link.id, side)
    if changed:
        out[CHANGED] = local_time(changed, seconds=False)
    return out


def match_sides(store: Store, profile: Profile, conflict: Conflict) -> dict[str, Any]:
    """The record and its candidates as columns, the deciding fields as rows.

    ``{"rows": [label, ...], "columns": [{"role", "system", "link", "remote_id",
    "values": {label: text}}, ...]}``: the first column is the record asked about, the
    others its candidates in the conflict's order. Rows are the fields both systems have
    and any column holds, in the entity's field order, then when each record last changed.
    """
    names = Names(store)
    subject = store.link(store.canonical_link_id(conflict.link_id))
    held = _held_side(subject)
    there: Side = "a" if held == "b" else "b"
    cand_links = [store.link(store.canonical_link_id(i)) for i in conflict.candidates or []]
    # Only the fields both systems have: one the other system lacks is no difference.
    mapped = set((subject.fields(held) if subject else None) or {})
    theirs = [set(c.fields(there) or {}) for c in cand_links if c is not None]
    if theirs:
        mapped &= set().union(*theirs)
    systems = {"a": system_label(profile.a_system), "b": system_label(profile.b_system)}
    columns: list[dict[str, Any]] = [
        {
            "role": "record",
            "system": systems[held],
            "link": conflict.link_id,
            "remote_id": subject.remote_id(held) if subject else None,
            "values": _values(store, profile, names, subject, held, mapped),
        }
    ]
    for link_id, cand in zip(conflict.candidates or [], cand_links, strict=True):
        columns.append(
            {
                "role": "candidate",
                "system": systems[there],
                "link": link_id,
                "remote_id": cand.remote_id(there) if cand else None,
                "values": _values(store, profile, names, cand, there, mapped),
            }
        )
    held_labels = {label for col in columns for label in col["values"]}
    rows = [label for label in _labels(conflict.entity) if label in held_labels]
    return {"rows": rows, "columns": columns}


def _labels(entity: str) -> list[str]:
    """Every row a record of ``entity`` can have, in order."""
    out = []
    for fspec in ENTITIES[entity].fields:
        if (
            fspec.type is FieldType.LINES
            or fspec.extra.get("hidden")  # read for filters only (engine/filters.py)
            or (fspec.name in ADDRESS and fspec.name != "address_line1")
        ):
            continue
        out.append("Address" if fspec.name == "address_line1" else fspec.title)
    return [*out, CHANGED]
