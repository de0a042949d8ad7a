"""The initial window: transactions dated before it are never matched, created or updated."""

from __future__ import annotations

import asyncio
import datetime as dt

from agreement import pull_everything
from runner_world import World

from recontui.model import ENTITIES, SYNCED
from recontui.run import first_synced_date

TRANSACTIONS = [e for e in SYNCED if ENTITIES[e].kind == "transaction"]


def dates(world: World) -> tuple[dict, dict]:
    """Per side: entity -> sorted list of transaction dates."""

    async def go():
        ca, cb = world.connectors()
        async with ca, cb:
            return await pull_everything(ca), await pull_everything(cb)

    a, b = asyncio.run(go())

    def by_entity(side: dict) -> dict:
        return {
            e: sorted(r.fields["date"] for r in recs.values())
            for e, recs in side.items()
            if e in TRANSACTIONS
        }

    return by_entity(a), by_entity(b)


def test_transactions_before_the_window_are_left_alone(demo_world: World) -> None:
    world = demo_world
    before_a, before_b = dates(world)
    every = sorted(d for side in (before_a, before_b) for ds in side.values() for d in ds)
    assert len(every) > 10
    cut = every[len(every) // 2]  # half the transactions fall before the window
    world.store.set_setting(world.profile.id, "initial_window", f"from {cut}", actor="test")

    result = world.sync()
    assert result.exit_code in (0, 1), result.message
    after_a, after_b = dates(world)
    for entity in TRANSACTIONS:
        # Old transactions were not copied: each side gained only ones dated in the window.
        gained_a = [d for d in after_a.get(entity, []) if d not in before_a.get(entity, [])]
        gained_b = [d for d in after_b.get(entity, []) if d not in before_b.get(entity, [])]
        assert all(d >= cut for d in gained_a + gained_b), entity
        # And one dated in the window that exists on one side only was copied.
    assert any(
        len(after_a.get(e, [])) > len(before_a.get(e, []))
        or len(after_b.get(e, [])) > len(before_b.get(e, []))
        for e in TRANSACTIONS
    )
    assert any("outside the initial window" in e.message for e in world.events)

    # Widening the window later brings the older ones in.
    world.store.set_setting(world.profile.id, "initial_window", "all", actor="test")
    world.sync()
    wide_a, wide_b = dates(world)
    assert sum(map(len, wide_a.values())) >= sum(map(len, after_a.values()))
    assert any(
        any(d < cut for d in wide_b.get(e, []) if d not in before_b.get(e, []))
        or any(d < cut for d in wide_a.get(e, []) if d not in before_a.get(e, []))
        for e in TRANSACTIONS
    )


def test_a_window_in_days_is_anchored_to_the_first_run(demo_world: World) -> None:
    world = demo_world
    world.store.set_setting(world.profile.id, "initial_window", "30 days", actor="test")
    assert first_synced_date(world.store, world.profile) == (
        dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)
    )
    world.store.db.conn.execute(
        "INSERT INTO runs (profile_id, started_at, status, trigger, dry_run) "
        "VALUES (?, '2026-01-10T08:00:00+00:00', 'ok', 'cli', 0)",
        (world.profile.id,),
    )
    assert first_synced_date(world.store, world.profile) == dt.date(2025, 12, 11)


def test_a_bad_window_stops_the_run_with_a_sentence(demo_world: World) -> None:
    world = demo_world
    world.store.set_setting(world.profile.id, "initial_window", "last spring", actor="test")
    result = world.sync()
    assert result.exit_code == 3
    assert "not a window" in result.message and "Preferences" in result.message


def test_a_bad_window_names_no_console_key_to_a_cron_mail_reader(demo_world: World) -> None:
    # `recontui sync` runs from cron: its reader has no console keys to press.
    world = demo_world
    world.store.set_setting(world.profile.id, "initial_window", "last spring", actor="test")
    result = world.sync()
    assert result.exit_code == 3
    assert "(key" not in result.message
    assert "the console's Preferences (`recontui tui`)" in result.message
