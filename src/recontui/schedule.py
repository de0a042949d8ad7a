"""When the next scheduled run is due: a schedule is text a person types and reads.

Forms (case and extra words are forgiven): ``off``; ``every 15 minutes`` / ``every 2 hours``
(also ``every 15m``, ``every 2h``, ``hourly``); ``daily 02:30`` (also ``daily at 2:30``);
``weekdays 18:00`` (Monday to Friday). Clock times are the machine's local time, so a daily
run stays at 02:30 across daylight-saving changes. Cron calls ``recontui sync --if-due``
every few minutes and the run happens when it is due.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["off", "every", "daily", "weekdays"]

#: The shortest interval: cron itself ticks once a minute.
MIN_INTERVAL = dt.timedelta(minutes=5)


class ScheduleError(ValueError):
    """Text that is not a schedule; the message shows the forms that are."""


@dataclass(frozen=True)
class Schedule:
    kind: Kind
    interval: dt.timedelta | None = None
    at: dt.time | None = None

    def __str__(self) -> str:
        if self.kind == "off":
            return "off"
        if self.kind == "every":
            assert self.interval is not None
            minutes = int(self.interval.total_seconds() // 60)
            if minutes % 60 == 0:
                hours = minutes // 60
                return "hourly" if hours == 1 else f"every {hours} hours"
            return f"every {minutes} minutes"
        assert self.at is not None
        return f"{self.kind} {self.at.strftime('%H:%M')}"


OFF = Schedule("off")

_EVERY = re.compile(
    r"^every\s+(\d+)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$", re.IGNORECASE
)
_AT = re.compile(r"^(daily|weekdays)\s+(?:at\s+)?(\d{1,2}):(\d{2})$", re.IGNORECASE)

FORMS = "off, every 30 minutes, every 2 hours, hourly, daily 02:30 or weekdays 18:00"


def parse_schedule(text: str | None) -> Schedule:
    words = " ".join(str(text or "").split()).lower()
    if words in ("", "off", "none", "never", "manual"):
        return OFF
    if words == "hourly":
        return Schedule("every", interval=dt.timedelta(hours=1))
    match = _EVERY.match(words)
    if match:
        n, unit = int(match.group(1)), match.group(2)
        interval = dt.timedelta(hours=n) if unit.startswith("h") else dt.timedelta(minutes=n)
        if interval < MIN_INTERVAL:
            raise ScheduleError(f"{text!r} is too often: the shortest interval is 5 minutes.")
        return Schedule("every", interval=interval)
    match = _AT.match(words)
    if match:
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ScheduleError(f"{text!r}: the time must be from 00:00 to 23:59.")
        return Schedule(match.group(1), at=dt.time(hour, minute))  # type: ignore[arg-type]
    raise ScheduleError(f"{text!r} is not a schedule; write one of: {FORMS}.")


def _local_at(day: dt.date, at: dt.time) -> dt.datetime:
    """``at`` o'clock local time on ``day``, as an aware UTC datetime."""
    naive = dt.datetime.combine(day, at)
    return naive.astimezone().astimezone(dt.UTC)  # naive -> local through the OS's rules


def next_run(
    schedule: Schedule, last_started: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    """When the next run is due (UTC); ``now`` or earlier means due; None when off.

    A run of any kind (from cron, the console or by hand) counts: an interval starts
    again from the latest run, and a clock time is due once after each run before it.
    """
    if schedule.kind == "off":
        return None
    if last_started is None:
        return now
    if schedule.kind == "every":
        assert schedule.interval is not None
        return last_started + schedule.interval
    assert schedule.at is not None
    day = last_started.astimezone().date()
    for _ in range(8):
        candidate = _local_at(day, schedule.at)
        if candidate > last_started and (
            schedule.kind == "daily" or candidate.astimezone().weekday() < 5
        ):
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("a weekday comes within eight days")  # pragma: no cover


def is_due(schedule: Schedule, last_started: dt.datetime | None, now: dt.datetime) -> bool:
    return reached(next_run(schedule, last_started, now), now)


def reached(due: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a run due at ``due`` (None: never, the schedule is off) starts at ``now``."""
    return due is not None and due <= now
