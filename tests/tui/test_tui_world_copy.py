"""Console tests start from copies of one synced world (`tests/helpers/world_copy.py`).

A copy must be that world (same records, tokens and state database: a run on it does what
a run on a world synced from scratch does), and nothing done to a copy may reach the
template the next test is copied from.
"""

from __future__ import annotations

from tui_world import World, copy_world, make_world

from recontui.decisions import resolve_conflict


def open_conflicts(world: World) -> list[tuple[int, str, dict]]:
    return [
        (c.link_id, c.kind, c.fields)
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
    ]


async def test_a_copy_runs_on_exactly_like_a_world_synced_from_scratch(
    tmp_path, _synced_still_world
):
    # Clocks that stand still, so that record times can be compared too.
    fresh = make_world(tmp_path / "fresh", fixed_clock=True)
    await fresh.sync()
    copied = copy_world(_synced_still_world, tmp_path / "copy", fixed_clock=True)
    assert copied.sandbox.snapshot() == fresh.sandbox.snapshot()
    assert open_conflicts(copied) == open_conflicts(fresh)

    for world in (fresh, copied):
        for c in world.store.conflicts(world.profile.id, statuses=("open",)):
            if c.kind == "field":
                resolve_conflict(world.store, c, take_all="a", actor="test")
    again, fresh_again = await copied.sync(), await fresh.sync()
    assert again.status == fresh_again.status
    assert again.counts == fresh_again.counts and again.counts["pushed"] > 0
    assert copied.sandbox.snapshot() == fresh.sandbox.snapshot()


async def test_what_a_copy_does_never_reaches_the_template(tmp_path, _synced_world):
    before = _synced_world.sandbox.snapshot()
    conflicts_before = open_conflicts(_synced_world)
    refresh_token = _synced_world.sandbox.credentials("http://sb")["qbo"]["refresh_token"]

    copied = copy_world(_synced_world, tmp_path)
    for c in copied.store.conflicts(copied.profile.id, statuses=("open",)):
        if c.kind == "field":
            resolve_conflict(copied.store, c, take_all="b", actor="test")
    copied.sandbox.advance(3600)
    result = await copied.sync()
    assert result.counts["pushed"] > 0  # the copy's stand-ins and tokens moved on

    assert _synced_world.sandbox.snapshot() == before
    assert open_conflicts(_synced_world) == conflicts_before
    assert _synced_world.sandbox.credentials("http://sb")["qbo"]["refresh_token"] == refresh_token
    assert _synced_world.sandbox.clock.now() < copied.sandbox.clock.now()
