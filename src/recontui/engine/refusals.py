"""What becomes of a change a system refused: a decision that stays until it is answered.

A refused write is never dropped. Its fields go into the record's field conflict as
entries of kind ``refused``: the value the write carried against the value the refusing
system kept. Such an entry *stands* while both sides still hold those two values, so the
merge, which sees a clean one-sided change, neither settles the conflict away nor sends
the same refused write again on every run. Once either side changes the field, the entry
falls and the merge takes over again (and the write is tried once more).

A refused create has no pair to hold a field conflict: it becomes a decision about the
record itself (``refused_create``): try again, link it to a record the other system has,
or never sync it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import FieldSpec, Side, other, same
from ..model.states import ConflictKind

#: The kind of a conflict entry that holds a refused change.
REFUSED = "refused"

#: The field name of a refused create's single entry.
REFUSED_CREATE = "refused"


def refusal_entries(
    fields: Iterable[FieldSpec],
    changed: Iterable[str],
    base: Mapping[str, Any] | None,
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    refused_by: Side,
    reason: str,
) -> dict[str, dict[str, Any]]:
    """Conflict entries for the synced fields among ``changed`` that a system refused."""
    names = {f.name for f in fields}
    base = base or {}
    return {
        name: {
            "base": base.get(name),
            "a": a.get(name),
            "b": b.get(name),
            "kind": REFUSED,
            "side": refused_by,
            "reason": reason,
        }
        for name in changed
        if name in names
    }


def standing_refusals(
    entries: Mapping[str, Mapping[str, Any]] | None,
    fields: Iterable[FieldSpec],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
) -> dict[str, Any]:
    """The refused entries of a live field conflict that still stand.

    An entry stands while each side still holds the value it held when the change was
    refused: nothing anybody did since can have made the write acceptable.
    """
    specs = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    for name, entry in (entries or {}).items():
        spec = specs.get(name)
        if entry.get("kind") != REFUSED or spec is None:
            continue
        if same(spec, a.get(name), entry.get("a")) and same(spec, b.get(name), entry.get("b")):
            out[name] = dict(entry)
    return out


def is_refused_create(entries: Mapping[str, Mapping[str, Any]] | None) -> bool:
    """A match-kind conflict that asks about a refused create."""
    entry = (entries or {}).get(REFUSED_CREATE)
    return isinstance(entry, Mapping) and entry.get("kind") == REFUSED


def refused_create_entries(
    refused_by: Side, held_name: str, reason: str
) -> dict[str, dict[str, Any]]:
    """The single entry of the decision a refused create becomes: the record's name on the
    side that holds it, nothing on the side that refused to create it."""
    held = other(refused_by)
    return {
        REFUSED_CREATE: {
            "base": None,
            held: held_name,
            refused_by: None,
            "kind": REFUSED,
            "side": refused_by,
            "reason": reason,
        }
    }


def live_conflict_takes_refusal(
    live_kind: str, live_entries: Mapping[str, Mapping[str, Any]] | None, *, create: bool
) -> bool:
    """Whether a record's live conflict takes a refused write as entries of its own (it
    reopens with them), rather than holding it behind its own question.

    A refused update joins the record's field conflict; a refused create renews the question
    an earlier refused create asked. Any other live question is about the whole record (which
    record it is, whether it is deleted): it comes first, and the refusal waits behind it.
    """
    if create:
        return is_refused_create(live_entries)
    return live_kind == ConflictKind.FIELD
