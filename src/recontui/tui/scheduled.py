"""The console runs due syncs itself while it is open.

Every `SCHEDULE_EVERY` seconds a thread worker reads, on its own connection, whether the
profile's schedule (Preferences) says a run is due (`schedule.due_on_tick`, the rule of
`recontui sync --if-due`) and whether a run holds the profile's lock (a cron run on the
same database, or one from this console: a run takes the lock first). When due and free it
starts the run `s` starts, on the Run screen, with the trigger "schedule", and says so in
the run log and a notification.

The person stays where they are: the Run screen is visited only to start the run. A run
never overwrites a saved decision (it pushes the resolutions saved, and a conflict whose
record changed again is superseded, which refuses a later save with a sentence), so it is
safe to start one while someone is resolving a conflict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import RichLog

from ..present import next_scheduled_run
from ..schedule import due_on_tick
from ..store import Profile, Store
from .screens.run import RunScreen
from .threads import thread_store

if TYPE_CHECKING:
    from .console import ConsoleApp

#: Seconds between two looks at the schedule (tests pass a shorter one to `make_app`).
SCHEDULE_EVERY = 60.0


@dataclass
class ScheduledRunDue(Message):
    """The schedule says a run is due and no run holds the lock; ``schedule`` in words."""

    schedule: str


def due_schedule(store: Store, profile: Profile, now: dt.datetime) -> str | None:
    """The schedule in words when a run is due now and none holds the lock, else None."""
    text, due = next_scheduled_run(store, profile)
    if not due_on_tick(due, now) or store.live_lock(profile.id) is not None:
        return None
    return text


def look_at_schedule(app: ConsoleApp) -> None:
    """One look (in a thread worker); posts `ScheduledRunDue` to the app when a run is due."""

    def look() -> None:
        with thread_store(app.store) as store:
            text = due_schedule(store, app.profile, dt.datetime.now(dt.UTC))
        if text is not None:
            app.post_message(ScheduledRunDue(text))

    app.run_worker(look, thread=True, group="schedule", exclusive=True, exit_on_error=False)


async def start_scheduled_run(app: ConsoleApp, schedule: str) -> bool:
    """Start the run `s` starts, leaving the person on the screen they are on; False when
    a run is already in progress (here, or followed from elsewhere)."""
    back = app.current_mode
    await app.switch_mode("run")
    screen = next((s for s in app.screen_stack if isinstance(s, RunScreen)), None)
    started = screen is not None and not screen.running and screen.followed is None
    if screen is not None and started:
        screen.request_start(trigger="schedule")
        said = f"Scheduled sync started (schedule: {schedule})."
        screen.query_one(RichLog).write(Text(said, style="bold"))
    if back != "run":
        await app.switch_mode(back)
    if started:
        where = "" if back == "run" else f"; press {app.key('app.run')} to watch it"
        app.notify(f"Scheduled sync started (schedule: {schedule}){where}.", markup=False)
    return started
