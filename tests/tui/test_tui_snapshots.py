"""What the console looks like: every screen at 80x24, and Home at 120x40.

Review the SVGs in snapshots/ when they change (`pytest --snapshot-update`, then look at
each changed file before committing). An SVG with no test here fails
test_tui_snapshot_files.py on purpose.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from textual.widgets import Input
from tui_world import FIXED_NOW, World, make_world

HOSTILE = "[bold red]X[/] \x1b[31mred\x1b[0m עברית 🧾 " + "very long name " * 30


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """Local time is shown: pin it, so the pictures do not depend on the machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class _FixedSecrets:
    """The secrets store, its description without the test's temporary path."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def describe(self) -> str:
        return self.inner.describe().split(" /", 1)[0] + " <db>.secrets"


def _app(world: World):
    app = world.app()
    app.secrets = _FixedSecrets(app.secrets)
    return app


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
        # Freeze every text cursor in its visible state: a blink must not change a picture.
        for screen in pilot.app.screen_stack:
            for field in screen.query(Input):
                field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.fixture
def hostile_world(tmp_path) -> World:
    """A customer in conflict whose BILL name is markup, ANSI, right-to-left, emoji, 500 chars."""
    w = make_world(tmp_path, fixed_clock=True)
    asyncio.run(w.sync())
    target = next(
        c for c in w.store.conflicts(w.profile.id) if c.entity == "customer" and c.kind == "field"
    )
    link = w.store.link(target.link_id)

    async def rename() -> None:
        a, _ = w.connectors()
        async with a:
            await a.update(
                "customer",
                link.a_id,
                link.a_version,
                {"name": HOSTILE[:500]},
                idempotency_key=uuid.uuid4().hex,
            )
        await w.sync()

    asyncio.run(rename())
    return w


@pytest.fixture
def decided_world(tmp_path) -> World:
    """A prefer-QuickBooks rule decided one customer's email."""
    w = make_world(tmp_path, scenario="demo", fixed_clock=True)
    asyncio.run(w.sync())
    w.store.add_rule(w.profile.id, "prefer", "b", "customer", None, actor="test")
    link = w.store.links(w.profile.id, "customer", where="state='paired'")[0]

    async def edit() -> None:
        for side, email in (("a", "ap-bill@example.com"), ("b", "ap-qbo@example.com")):
            conn = w.connectors()[0 if side == "a" else 1]
            async with conn:
                rec = await conn.read("customer", link.remote_id(side))
                await conn.update(
                    "customer",
                    link.remote_id(side),
                    rec.version,
                    {"email": email},
                    idempotency_key=uuid.uuid4().hex,
                )
        await w.sync()

    asyncio.run(edit())
    return w


class TestHome:
    def test_home_shows_systems_last_run_and_open_conflicts(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys())

    def test_home_at_120x40(self, still_world, snap_compare):
        # The last `recontui verify` found the conflicts' fields apart (its line on Home).
        still_world.store.save_verification(
            still_world.profile.id,
            started_at=FIXED_NOW,
            agree=False,
            pairs=697,
            disagreements=53,
            excluded=0,
            summary={},
        )
        assert snap_compare(_app(still_world), run_before=_keys(), terminal_size=(120, 40))

    def test_help_on_home(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("question_mark"))


class TestConflicts:
    def test_queue(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("c"))

    def test_queue_sorted_by_record_with_marks(self, still_world, snap_compare):
        keys = ("c", "o", "o", "space", "space", "down")
        assert snap_compare(_app(still_world), run_before=_keys(*keys))

    def test_resolve_with_a_pick_per_field(self, still_world, snap_compare):
        keys = ("c", "down", "down", "down", "enter", "b")
        assert snap_compare(_app(still_world), run_before=_keys(*keys))

    def test_resolve_showing_all_fields(self, still_world, snap_compare):
        keys = ("c", "down", "down", "down", "enter", "v")
        assert snap_compare(_app(still_world), run_before=_keys(*keys))

    def test_match_conflict_lists_the_candidates(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("c", "enter"))

    def test_edit_rejects_a_value_that_does_not_fit_the_field(self, still_world, snap_compare):
        # Conflict 21 is invoice 1135's due date: "soon" is not a date.
        keys = ("c", *["down"] * 20, "enter", "e", "ctrl+u", *"soon")
        assert snap_compare(_app(still_world), run_before=_keys(*keys))

    def test_help_lists_the_resolve_keys(self, still_world, snap_compare):
        keys = ("c", "down", "enter", "question_mark")
        assert snap_compare(_app(still_world), run_before=_keys(*keys))


class TestHostileText:
    def test_queue_shows_remote_text_literally(self, hostile_world, snap_compare):
        assert snap_compare(_app(hostile_world), run_before=_keys("c", "slash", *"bold", "enter"))

    def test_resolve_shows_remote_text_literally(self, hostile_world, snap_compare):
        keys = ("c", "slash", *"bold", "enter", "enter")
        assert snap_compare(_app(hostile_world), run_before=_keys(*keys))


class TestRun:
    def test_after_a_run(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("3", "s"))


class TestHistory:
    def test_runs(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("y"))

    def test_companies_and_cursors(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("y", "k"))


class TestPreferences:
    def test_preferences(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("5"))


class TestAutoResolved:
    def test_a_rule_decision(self, decided_world, snap_compare):
        assert snap_compare(_app(decided_world), run_before=_keys("6"))
