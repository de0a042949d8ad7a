"""The profile's default accounts: what they fill in a write, and how a record that lacks
them reads against its copy that holds them. Pure.

QuickBooks Online requires accounts BILL may not hold: an expense line's account
(``AccountBasedExpenseLineDetail.AccountRef``, bills and vendor credits) and a Service
item's income account (``IncomeAccountRef``). Its connector declares them as required
fields (``lines.account``, ``income_account``; engine/required.py holds a write without
them). A person names a default account for each in the setup; :func:`fill_defaults` puts
it where a write to that system lacks one, so the write lands.

The copy then holds an account its source does not. :func:`as_booked` is how the source
reads against that copy for the merge and the base: a blank the source holds reads as the
account the copy is booked to (for a line, the account of the line it continues). So the
copy's account is neither a change to send back to the source nor a conflict; an account
the source gives itself later is a change like any other, and one QuickBooks moves a line
to stays QuickBooks' booking. The source record itself is never changed by this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from ..model.entities import ENTITIES, SIDES, Side, other
from ..model.fields import FieldSpec, is_blank, same
from ..model.states import OpKind


class Account(StrEnum):
    """The four default accounts (setting ``default.<value>``, a QuickBooks account id)."""

    EXPENSE = "expense_account"  # an expense line without one (bills, vendor credits)
    INCOME = "income_account"  # an item without one
    DEPOSIT = "deposit_account"  # where a received payment is deposited
    BANK = "bank_account"  # what a bill payment made outside billing is paid from


#: entity -> required field (``lines.account``: a part of every line) -> the default
#: account that fills it.
DEFAULTED: Mapping[str, Mapping[str, Account]] = {
    "bill": {"lines.account": Account.EXPENSE},
    "vendor_credit": {"lines.account": Account.EXPENSE},
    "item": {"income_account": Account.INCOME},
}


def default_for(entity: str, name: str) -> Account | None:
    """The default account that fills the required field ``name`` of ``entity``, if any."""
    return DEFAULTED.get(entity, {}).get(name)


def defaulted(entity: str, required: Iterable[str]) -> tuple[str, ...]:
    """The fields among ``required`` that a default account fills."""
    return tuple(name for name in required if default_for(entity, name) is not None)


def fill_defaults(
    kind: str,
    entity: str,
    required: Sequence[str],
    changes: Mapping[str, Any],
    accounts: Mapping[Account, Any],
) -> dict[str, Any]:
    """``changes`` (a write of ``kind`` to a system that requires ``required``) with each
    blank a default account fills filled from ``accounts`` (canonical references). A
    create fills what it lacks; an update only what it writes. ``changes`` is not changed.
    """
    out = dict(changes)
    for name in defaulted(entity, required):
        value = accounts.get(DEFAULTED[entity][name])
        if is_blank(value):
            continue
        top, _, part = name.partition(".")
        if part:
            rows = out.get(top)
            if isinstance(rows, list):
                out[top] = [_filled(row, part, value) for row in rows]
        elif (top in out or kind == OpKind.CREATE) and is_blank(out.get(top)):
            out[top] = value
    return out


def _filled(row: Any, part: str, value: Any) -> Any:
    if isinstance(row, Mapping) and is_blank(row.get(part)):
        return {**row, part: value}
    return row


def as_booked(
    entity: str, required: Sequence[str], fields: Mapping[str, Any], booked: Mapping[str, Any]
) -> dict[str, Any]:
    """``fields`` (a record whose system does not require ``required``) as its copy
    ``booked`` (on the system that does) books them: each blank a default account fills
    takes the copy's value. Lines are paired as :func:`_booked_rows` says."""
    out = dict(fields)
    for name in defaulted(entity, required):
        top, _, part = name.partition(".")
        if not part:
            if is_blank(out.get(top)) and not is_blank(booked.get(top)):
                out[top] = booked[top]
            continue
        rows, theirs = out.get(top), booked.get(top)
        if isinstance(rows, list) and isinstance(theirs, list):
            subs = ENTITIES[entity].field(top).line_fields
            out[top] = _booked_rows(subs, part, rows, theirs)
    return out


def booked_sides(
    entity: str,
    required: Mapping[Side, Sequence[str]],
    values: Mapping[Side, Mapping[str, Any]],
) -> dict[Side, dict[str, Any]]:
    """Both sides' fields of one record as they are compared (by the merge, the base and
    ``recontui verify``): where one side's system requires an account a default fills and
    the other's does not, the other side reads :func:`as_booked` against it."""
    out: dict[Side, dict[str, Any]] = {side: dict(values[side]) for side in SIDES}
    for side in SIDES:
        mine = defaulted(entity, required.get(side, ()))
        if mine and not defaulted(entity, required.get(other(side), ())):
            there = other(side)
            out[there] = as_booked(entity, mine, out[there], out[side])
    return out


def _booked_rows(
    subs: Sequence[FieldSpec], part: str, rows: list[Any], theirs: list[Any]
) -> list[Any]:
    """Each row without ``part`` takes the ``part`` of the copy's line it continues: first
    one equal to it on every other field (an unchanged line, even if moved), else the one
    at its own position (an edited line); the copy's lines equal to a row that holds its
    own ``part`` are passed over. A row that continues none (a new line) stays blank."""
    others = [sub for sub in subs if sub.name != part]
    whole = list(subs)
    wanting = [i for i, row in enumerate(rows) if _lacks(row, part)]
    if not wanting:
        return rows
    free = [j for j, line in enumerate(theirs) if isinstance(line, Mapping)]
    free = [j for j in free if not is_blank(theirs[j].get(part))]
    for row in rows:
        if isinstance(row, Mapping) and not _lacks(row, part):
            _take(free, theirs, row, whole)
    out = list(rows)
    for i in wanting:
        j = _take(free, theirs, rows[i], others)
        if j is not None:
            out[i] = {**rows[i], part: theirs[j][part]}
    for i in wanting:
        if out[i] is rows[i] and i in free:
            free.remove(i)
            out[i] = {**rows[i], part: theirs[i][part]}
    return out


def _lacks(row: Any, part: str) -> bool:
    return isinstance(row, Mapping) and is_blank(row.get(part))


def _take(
    free: list[int], theirs: list[Any], row: Mapping[str, Any], subs: Sequence[FieldSpec]
) -> int | None:
    """The first free line of the copy equal to ``row`` on ``subs``, taken out of ``free``."""
    for j in free:
        if all(same(sub, row.get(sub.name), theirs[j].get(sub.name)) for sub in subs):
            free.remove(j)
            return j
    return None


__all__ = [
    "DEFAULTED",
    "Account",
    "as_booked",
    "booked_sides",
    "default_for",
    "defaulted",
    "fill_defaults",
]
