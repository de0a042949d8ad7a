"""The big-change guard: hold a run that would rewrite an unusual share of one side.

A wrong mapping or a wiped side shows up as "update or deactivate most of the
ledger". The guard is deliberately dumb and pure: counts in, sides to hold out;
the runner decides to hold and ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from recontui.model.entities import SIDES, Side


def big_change(
    ops_per_side: Mapping[Side, int],
    records_per_side: Mapping[Side, int],
    share: float | Decimal,
    minimum: int,
) -> list[Side]:
    """Sides whose planned updates+deactivations exceed both ``minimum`` and ``share`` of it.

    Both thresholds must be crossed: ``minimum`` keeps a small book (10 records,
    6 edits) from tripping the guard, ``share`` (a ratio of the side's records,
    e.g. 0.2) scales it to a large one.
    """
    held: list[Side] = []
    for side in SIDES:
        ops = ops_per_side.get(side, 0)
        records = records_per_side.get(side, 0)
        limit = Decimal(str(share)) * records  # via str: 0.1 stays 0.1
        if ops > minimum and ops > limit:
            held.append(side)
    return held
