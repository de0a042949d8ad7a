"""A run an unexpected error stops (a bug, not the network or the database) still ends as
one: recorded as failed with its sentence, its lock released. It stayed "running" with the
profile's lock held, so every later run was refused while that process lived (the console:
until it was restarted)."""

from __future__ import annotations

from typing import Any

import pytest
from runner_world import World, Wrapped


class Broken(Wrapped):
    """A connector whose vendor pull meets a bug."""

    def pull(self, entity: str, cursor: str | None) -> Any:
        if entity == "vendor":
            raise RuntimeError("a bug in the vendor mapping")
        return self.inner.pull(entity, cursor)


def test_a_run_stopped_by_a_bug_is_recorded_and_releases_its_lock(world: World) -> None:
    world.wrap = lambda side, conn: Broken(conn) if side == "a" else conn
    with pytest.raises(Exception) as raised:  # a bug: raised as it is
        world.sync()
    assert "vendor mapping" in repr(
        raised.value.exceptions[0] if hasattr(raised.value, "exceptions") else raised.value
    )
    run = world.store.runs(world.profile.id, limit=1)[0]
    assert run["status"] == "failed" and run["exit_code"] == 3
    assert "unexpected error (RuntimeError: a bug in the vendor mapping)" in run["message"]

    world.wrap = None
    again = world.sync()
    assert not again.lock_held and again.exit_code in (0, 1), again.message
