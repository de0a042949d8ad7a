"""What the console looks like at 80x24 (review the SVGs in snapshots/ when they change)."""

from __future__ import annotations


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return run_before


class TestHome:
    def test_home_shows_systems_last_run_and_open_conflicts(self, still_world, snap_compare):
        assert snap_compare(still_world.app(), run_before=_keys())


class TestConflicts:
    def test_queue(self, still_world, snap_compare):
        assert snap_compare(still_world.app(), run_before=_keys("c"))

    def test_resolve_with_a_pick_per_field(self, still_world, snap_compare):
        keys = ("c", "down", "down", "down", "enter", "b")
        assert snap_compare(still_world.app(), run_before=_keys(*keys))

    def test_edit_rejects_a_value_that_does_not_fit_the_field(self, still_world, snap_compare):
        # Conflict 22 is invoice 1135's due date: "soon" is not a date.
        keys = ("c", *["down"] * 21, "enter", "e", "ctrl+u", *"soon")
        assert snap_compare(still_world.app(), run_before=_keys(*keys))

    def test_help_lists_the_resolve_keys(self, still_world, snap_compare):
        keys = ("c", "down", "enter", "question_mark")
        assert snap_compare(still_world.app(), run_before=_keys(*keys))


class TestHistory:
    def test_runs(self, still_world, snap_compare):
        assert snap_compare(still_world.app(), run_before=_keys("y"))
