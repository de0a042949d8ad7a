"""Phase 4: hold a run that would change an unusual share of one side's records."""

from __future__ import annotations

from ..engine import (
    big_change,
)
from ..model import (
    SIDES,
)
from .context import RunContext


class Guard(RunContext):
    """Phase 4."""

    def guard(self) -> None:
        """Hold a run that would change an unusual share of one side's records."""
        planned = self.store.planned_changes(self.run_id)
        records = {side: self.store.count_links(self.pid, side) for side in SIDES}
        sides = big_change(planned, records, self.big_share, self.big_min)
        if not sides or self.options.accept_big_change:
            return
        for side in sides:
            held = self.store.hold_planned_changes(self.run_id, side)
            self.counts["held"] += held
            self.emit(
                "warning",
                "guard",
                f"Held {held} changes to "
                f"{self.labels[side]}: they would change more than "
                f"{self.big_share:.0%} of its {records[side]} records. Review them with "
                "`recontui sync --dry-run`, then run `recontui sync --accept-big-change` "
                "to push them.",
                side=side,
                count=held,
            )
