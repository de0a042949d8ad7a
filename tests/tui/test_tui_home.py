"""Home: both systems (reachable or why not), the secrets store, last and next run."""

from __future__ import annotations

import datetime as dt

from screen_text import screen_text

from recontui.connectors.base import UnreachableError
from recontui.tui import make_app


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def home_text(app) -> str:
    return " ".join(screen_text(app).split())


class Refusing:
    """A connector whose server cannot be reached."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def __aenter__(self):
        raise UnreachableError("Cannot reach QuickBooks Online at http://sb: connection refused.")

    async def __aexit__(self, *exc) -> None:
        return None


async def test_home_says_which_system_answers_and_which_does_not(world):
    base = world.factory()

    def factory(side, events):
        conn = base(side, events)
        return Refusing(conn) if side == "b" else conn

    app = make_app(world.store, world.profile, world.secrets, factory, actor="tester")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = home_text(app)
        assert "✔" in text and "reachable" in text  # BILL answered with its company
        assert "✘ Cannot reach QuickBooks Online at http://sb: connection" in text
        assert "encrypted file" in text  # the secrets store in use
        assert "Schedule off" in text


async def test_home_shows_the_next_scheduled_run_in_local_time(world):
    world.store.set_setting(world.profile.id, "schedule", "every 2 hours", actor="t")
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        last = world.store.runs(world.profile.id, limit=1)[0]
        started = dt.datetime.fromisoformat(last["started_at"])
        due = (started + dt.timedelta(hours=2)).astimezone().strftime("%Y-%m-%d %H:%M")
        assert f"Next scheduled run (every 2 hours): {due}" in home_text(app)
        # F5 checks again, and the figures stay.
        await pilot.press("f5")
        await settle(pilot)
        assert "every 2 hours" in home_text(app)


async def test_home_shows_the_last_check_of_the_books(world):
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Not checked yet: `recontui verify` compares both systems" in home_text(app)
    when = dt.datetime(2026, 12, 3, 14, 5, tzinfo=dt.UTC)
    world.store.clock = lambda: when
    world.store.save_verification(
        world.profile.id,
        started_at=when,
        agree=True,
        pairs=12_345,
        disagreements=0,
        excluded=2,
        summary={},
    )
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        local = when.astimezone().strftime("%Y-%m-%d %H:%M")
        assert f"✔ Last check {local}: the books agree (12,345 pairs)." in home_text(app)
