"""Decisions people saved, and whether the runs kept each one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recontui.store import Store


def lost_decisions(store: Store, saved: Mapping[int, Mapping[str, Any]]) -> list[str]:
    """Saved choices (conflict id -> choices) that the runs dropped, as readable lines.

    A decision may wait (``resolved``, its choices unchanged), be done (``pushed``), give way
    with a reason (``superseded``: both sides came to agree, or the record was deleted and
    the deletion is the next question), or come back to the queue with the choice kept as
    its suggestion. Anything else lost it.
    """
    problems = []
    for cid, choices in saved.items():
        c = store.conflict(cid)
        if c is None:
            problems.append(f"conflict {cid} vanished")
        elif c.status == "resolved" and c.choices != dict(choices):
            problems.append(f"conflict {cid} holds {c.choices}, but {dict(choices)} was saved")
        elif c.status == "open" and c.suggestion != dict(choices):
            problems.append(
                f"conflict {cid} was reopened without the choice saved for it: suggestion "
                f"{c.suggestion}, saved {dict(choices)}, note {c.note!r}"
            )
        elif c.status == "superseded" and not c.note:
            problems.append(f"conflict {cid} was superseded without a reason")
    return problems
