"""Read both systems afresh through their APIs and compare every linked record.

The records come straight from the remote APIs (the stand-ins); only the
pairing of records and the identity of referenced records come from the store's
links table, so the check sees exactly what each system holds now. A record
deleted on both sides agrees; one a person chose to ignore is not compared.
"""

from __future__ import annotations

from typing import Any

from recontui.connectors.bill_map import BILL_ENTITIES
from recontui.connectors.qbo_map import QBO_ENTITIES
from recontui.model import ENTITIES, ORDER, RemoteRef, is_blank, same
from recontui.store import Store

#: Each side's mapping: the fields its system sets itself (BILL's check number), compared
#: only once that system has set them (engine/merge.py ``SET_BY``).
TABLES = {"a": BILL_ENTITIES, "b": QBO_ENTITIES}


def _unset(entity: str, name: str, values: dict[str, Any]) -> bool:
    return any(
        entity in TABLES[side] and name in TABLES[side].sets_itself(entity) and is_blank(value)
        for side, value in values.items()
    )


async def pull_everything(connector: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entity in ORDER:
        if not connector.supports(entity):
            continue
        records = {}
        async for page in connector.pull(entity, None):
            for rec in page.records:
                records[rec.remote_id] = rec
        out[entity] = records
    return out


def _canon(value: Any, index: dict[tuple[str, str], int]) -> Any:
    if isinstance(value, RemoteRef):
        return ("ref", value.entity, index.get((value.entity, value.remote_id), value.remote_id))
    if isinstance(value, list):
        return [_canon(v, index) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v, index) for k, v in value.items()}
    return value


def disagreements(
    store: Store, profile_id: int, a_data: dict, b_data: dict, synced: dict[str, tuple[str, ...]]
) -> list[str]:
    """Every difference between the sides, as readable lines (empty = in agreement)."""
    problems: list[str] = []
    index = {side: store.remote_index(profile_id, side) for side in ("a", "b")}
    # A record the profile's direction never copies from its side (a bill made in
    # QuickBooks under the usual ownership) stays there by design.
    directions = store.profile_settings(profile_id).directions
    for entity, field_names in synced.items():
        spec = ENTITIES[entity]
        links = store.links(profile_id, entity, where="state NOT IN ('merged','ignored')")
        seen = {"a": set(), "b": set()}
        for link in links:
            if link.a_id is None or link.b_id is None:
                rid = link.a_id or link.b_id
                side = "a" if link.a_id else "b"
                data = (a_data if side == "a" else b_data)[entity]
                direction = directions.get(entity, "both")
                copied = direction == "both" or direction.startswith(f"{side}_to_")
                if _exists(data.get(rid)) and copied:
                    problems.append(f"{entity} {rid} exists only on side {side}")
                continue
            seen["a"].add(link.a_id)
            seen["b"].add(link.b_id)
            ra, rb = a_data[entity].get(link.a_id), b_data[entity].get(link.b_id)
            gone_a, gone_b = ra is None or ra.deleted, rb is None or rb.deleted
            if gone_a or gone_b:
                # Deleted on both sides is agreement; on one side only, it is not.
                if not (gone_a and gone_b):
                    problems.append(f"{entity} link {link.id}: record missing on a side")
                continue
            for name in field_names:
                fspec = spec.field(name)
                va = _canon(ra.fields.get(name), index["a"])
                vb = _canon(rb.fields.get(name), index["b"])
                if fspec.type.value == "ref" or fspec.type.value == "lines":
                    equal = _refs_equal(fspec, va, vb)
                else:
                    equal = same(fspec, va, vb)
                if not equal and not _unset(entity, name, {"a": va, "b": vb}):
                    problems.append(f"{entity} link {link.id} {name}: a={va!r} b={vb!r}")
        # A record a person chose to ignore ("never sync it") is linked, on its side only.
        known = links + store.links(profile_id, entity, where="state='ignored'")
        for side, data in (("a", a_data), ("b", b_data)):
            for rid, rec in data[entity].items():
                if rid not in seen[side] and _exists(rec):
                    linked = any((link.a_id if side == "a" else link.b_id) == rid for link in known)
                    if not linked:
                        problems.append(f"{entity} {rid} on side {side} is not linked")
    return problems


def _exists(rec: Any) -> bool:
    """Held and live: not deleted (a BILL transaction archived) and not deactivated."""
    return rec is not None and not rec.deleted and rec.fields.get("active", True) is not False


def _refs_equal(fspec: Any, va: Any, vb: Any) -> bool:
    if fspec.type.value == "ref":
        return va == vb
    if (va or []) and (vb or []) and len(va) != len(vb):
        return False
    for la, lb in zip(va or [], vb or [], strict=False):
        for sub in fspec.line_fields:
            if not sub.synced:  # a per-system mark (a line's taxable): never compared
                continue
            x, y = la.get(sub.name), lb.get(sub.name)
            if sub.type.value == "ref":
                if x != y:
                    return False
            elif not same(sub, x, y):
                return False
    return len(va or []) == len(vb or [])
