"""The console starts a due sync itself while it is open, leaving the person where they are;
one not due, or with the lock held by another run (cron), does not start."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from textual.widgets import RichLog

from recontui.tui import make_app, scheduled
from recontui.tui.screens.run import RunScreen

EVERY = 0.05  # seconds between two looks at the schedule, instead of a minute


def set_schedule(world: Any, text: str) -> None:
    world.store.set_setting(world.profile.id, "schedule", text, actor="test")


def noted(app: Any) -> list[str]:
    said: list[str] = []
    notify = app.notify

    def record(message: str, *args: Any, **kw: Any) -> None:
        said.append(str(message))
        notify(message, *args, **kw)

    app.notify = record
    return said


def counted(monkeypatch: Any) -> list[str | None]:
    """Every look at the schedule, and what it found."""
    looks: list[str | None] = []
    real = scheduled.due_schedule

    def due(*args: Any) -> str | None:
        looks.append(real(*args))
        return looks[-1]

    monkeypatch.setattr(scheduled, "due_schedule", due)
    return looks


async def until(pilot: Any, predicate: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_a_due_schedule_starts_a_run_and_the_person_stays_put(still_world, monkeypatch):
    world = still_world  # its one run started on 2 March 2026: long due
    set_schedule(world, "every 15 minutes")
    before = len(world.store.runs(world.profile.id))
    app = make_app(world.store, world.profile, world.secrets, world.factory(), schedule_every=EVERY)
    said = noted(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")  # the conflicts queue
        await until(pilot, lambda: any("Scheduled" in x for x in said))
        assert said[-1] == (
            "Scheduled sync started (schedule: every 15 minutes); press 3 to watch it."
        )
        assert app.current_mode == "conflicts"  # not moved to the Run screen
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await until(pilot, lambda: screen.outcome is not None)
        log = "\n".join(line.text for line in screen.query_one(RichLog).lines)
        assert "Scheduled sync started (schedule: every 15 minutes)." in log
        await pilot.pause(10 * EVERY)  # the run that just started made the next one not due
    runs = world.store.runs(world.profile.id)
    assert len(runs) == before + 1
    assert (runs[0]["trigger"], runs[0]["status"]) == ("schedule", "waiting")  # 33 open
    assert sum("Scheduled" in x for x in said) == 1


async def test_not_due_or_off_starts_nothing(world, monkeypatch):
    set_schedule(world, "every 2 hours")  # its last run was minutes ago
    looks = counted(monkeypatch)
    before = len(world.store.runs(world.profile.id))
    app = make_app(world.store, world.profile, world.secrets, world.factory(), schedule_every=EVERY)
    said = noted(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(looks) >= 3)
        set_schedule(world, "off")
        seen = len(looks)
        await until(pilot, lambda: len(looks) >= seen + 3)
    assert looks == [None] * len(looks)
    assert not any("Scheduled" in x for x in said)
    assert len(world.store.runs(world.profile.id)) == before


def test_a_run_holding_the_lock_keeps_a_due_schedule_waiting(still_world):
    world = still_world
    set_schedule(world, "every 15 minutes")
    now = dt.datetime.now(dt.UTC)
    assert scheduled.due_schedule(world.store, world.profile, now) == "every 15 minutes"
    cron = world.store.start_run(world.profile.id, trigger="cron", dry_run=False)
    world.store.acquire_lock(world.profile.id, cron)  # cron's run, on the same database
    assert scheduled.due_schedule(world.store, world.profile, now) is None
    world.store.release_lock(world.profile.id, cron)
    assert scheduled.due_schedule(world.store, world.profile, now) == "every 15 minutes"
