"""The initial window: which transactions a profile syncs at all, by their date.

A profile that starts syncing two sets of books that have years of history behind them
usually wants only recent transactions linked and copied. The window is ``all`` (every
transaction), ``N days`` (dated at most N days before the profile's first run), or
``from YYYY-MM-DD``. Transactions dated before it are never matched, created or
updated; list records (customers, vendors, accounts, items...) are always synced, since
transactions refer to them. Anchoring ``N days`` to the first run keeps the boundary
still: a transaction does not drop out of the sync because time passed.

**Editing an older record brings it into the window.** A transaction dated before the
window that its system says was changed (QuickBooks ``MetaData.LastUpdatedTime``, BILL
``updatedTime``) after the profile's first run started and after recontui first read it is
new activity, not history: it is synced like one inside the window (:func:`brought_in`).
Any change its system records counts (an edit, a payment applied to it). Changes made
before the first run are history, and so is an old-dated record entered after it and not
changed since: both stay out until someone changes them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class WindowError(ValueError):
    """Text that is not a window; the message shows the forms that are."""


@dataclass(frozen=True)
class Window:
    days: int | None = None
    start: dt.date | None = None

    def __str__(self) -> str:
        if self.start is not None:
            return f"from {self.start.isoformat()}"
        if self.days is not None:
            return f"{self.days} days"
        return "all"

    def first_date(self, first_run: dt.date | None) -> dt.date | None:
        """The earliest transaction date synced (None: every date)."""
        if self.start is not None:
            return self.start
        if self.days is None:
            return None
        anchor = first_run or dt.datetime.now(dt.UTC).date()
        return anchor - dt.timedelta(days=self.days)


ALL = Window()
FORMS = "all, 90 days, or from 2026-01-01"
_DAYS = re.compile(r"^(\d+)\s*(d|day|days)?$")
_FROM = re.compile(r"^(?:from\s+)?(\d{4}-\d{2}-\d{2})$")


def parse_window(text: str | None) -> Window:
    words = " ".join(str(text or "").split()).lower()
    if words in ("", "all", "everything"):
        return ALL
    match = _DAYS.match(words)
    if match:
        days = int(match.group(1))
        if days < 1:
            raise WindowError("The window is at least 1 day (or all).")
        return Window(days=days)
    match = _FROM.match(words)
    if match:
        try:
            return Window(start=dt.date.fromisoformat(match.group(1)))
        except ValueError:
            raise WindowError(f"{text!r}: {match.group(1)} is not a date.") from None
    raise WindowError(f"{text!r} is not a window; write one of: {FORMS}.")


def in_window(date: object, first: dt.date | None) -> bool:
    """Whether a transaction dated ``date`` is synced (undated ones are, to be safe)."""
    if first is None or not isinstance(date, dt.date):
        return True
    if isinstance(date, dt.datetime):
        date = date.date()
    return date >= first


#: A change within this long of recontui first reading the record is not an edit after
#: it: the systems' clocks and ours disagree a little, and QuickBooks stamps whole seconds.
EDIT_MARGIN = dt.timedelta(seconds=60)


def edited_after_first_run(
    changed_at: dt.datetime | None,
    first_seen: dt.datetime | None,
    first_run: dt.datetime | None,
) -> bool:
    """Whether a record its system last changed at ``changed_at``, first read by recontui
    at ``first_seen``, was edited after the profile's first run started (never when one of
    them is unknown, nor within :data:`EDIT_MARGIN` of the first read)."""
    if changed_at is None or first_seen is None or first_run is None:
        return False
    return changed_at > first_run and changed_at > first_seen + EDIT_MARGIN


def brought_in(
    date: object,
    first: dt.date | None,
    *,
    changed_at: dt.datetime | None,
    first_seen: dt.datetime | None,
    first_run: dt.datetime | None,
) -> bool:
    """Whether a transaction dated ``date`` is synced: inside the window, or edited in its
    system after the first run (editing an older record brings it into the window)."""
    return in_window(date, first) or edited_after_first_run(changed_at, first_seen, first_run)
