"""The Run screen: live progress, batches instead of floods, following a run started elsewhere,
and `s` from any screen, by keys only."""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable, Input, RichLog, Static

from recontui.events import Progress
from recontui.run import RunOptions, run_sync
from recontui.store import open_store
from recontui.tui import make_app
from recontui.tui.messages import RunBatch
from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.home import HomeScreen
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.resolve import ResolveScreen
from recontui.tui.screens.run import (
    LOG_LINES,
    RunBuffer,
    RunScreen,
    entity_lines,
    event_line,
    phase_line,
)


class Gated:
    """A real connector whose pull of one entity waits until the test opens the gate."""

    def __init__(self, inner: Any, gate: threading.Event | None, entity: str = "customer"):
        self.inner = inner
        self.gate = gate
        self.entity = entity

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> Gated:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.inner.__aexit__(*exc)

    async def pull(self, entity: str, cursor: str | None) -> Any:
        if self.gate is not None and entity == self.entity:
            while not self.gate.is_set():
                await asyncio.sleep(0.02)
        async for page in self.inner.pull(entity, cursor):
            yield page


def gated_factory(world, gate: threading.Event) -> Callable[..., Any]:
    base = world.factory()
    return lambda side, events: Gated(base(side, events), gate if side == "a" else None)


async def until(pilot, predicate: Callable[[], Any], timeout: float = 30.0) -> None:
    """Let the app run until `predicate()` holds (never waits for the run's worker)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def state_text(screen: RunScreen) -> str:
    return screen.query_one("#run-counts", Static).content.plain


def panel_text(screen: RunScreen) -> str:
    panel = screen.query_one("#run-progress", Static)
    if not panel.display:
        return ""
    return "\n".join(t.plain for t in panel.content.renderables)


def log_text(screen: RunScreen) -> list[str]:
    return [strip.text for strip in screen.query_one(RichLog).lines]


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_run_streams_to_the_run_screen_while_keys_still_respond(world):
    gate = threading.Event()
    app = make_app(world.store, world.profile, world.secrets, gated_factory(world, gate))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("s")
            run = pilot.app.screen
            assert isinstance(run, RunScreen) and run.running
            # BILL waits at customers; QBO pulls everything meanwhile.
            await until(pilot, lambda: re.search(r"QBO\s+\d+ read ✓", panel_text(run)))
            assert run.running
            assert any("Run 2 of profile 't' started." in line for line in log_text(run))
            assert re.search(r"▶ pull \d+/\d+", panel_text(run))
            assert "Running run #2" in state_text(run)

            await pilot.press("2")
            queue = pilot.app.screen
            assert isinstance(queue, ConflictsScreen)
            await until(pilot, lambda: queue.query_one(DataTable).row_count > 0)
            assert queue.query_one(DataTable).cursor_row == 0
            await pilot.press("down", "down")
            assert queue.query_one(DataTable).cursor_row == 2
            await pilot.press("1")
            assert isinstance(pilot.app.screen, HomeScreen)
            await pilot.press("3")
            assert pilot.app.screen is run and run.running, "all of that before the run ended"

            gate.set()
            await until(pilot, lambda: not run.running, timeout=60)
            assert run.last_result.status == "waiting"
            assert "Run #2 finished: waiting (exit 1)" in state_text(run)
            # Every event the run stored reached the screen, once.
            stored = world.store.events(2)
            assert sum(run.levels.values()) == len(stored)
            assert any("Run 2 finished: waiting." in line for line in log_text(run))
    finally:
        gate.set()


async def test_log_lines_show_level_word_phase_entity_and_record():
    line = event_line("warning", "merge", "changed twice", entity="customer", record="[b]Acme")
    assert line.plain == "warn  merge   customer «[b]Acme» changed twice"
    assert any(span.style == "yellow" for span in line.spans)
    assert event_line("error", "push", "refused").plain.startswith("ERROR push ")


def test_progress_panel_puts_the_current_entities_first():
    from recontui.events import ProgressBoard

    board = ProgressBoard()
    for item in (
        Progress("pull", 0, 4),
        Progress("pull", 30, 30, "account", "a"),
        Progress("pull", 12, 12, "account", "b"),
        Progress("pull", 2, 4),
        Progress("pull", 0, 0, "class", "a"),
        Progress("pull", 40, None, "customer", "a"),
        Progress("pull", 4, 4),
        Progress("plan", 1, 2),
        Progress("plan", 7, 10, "customer"),
        Progress("plan", 0, 0, "item"),
    ):
        board.update(item)
    snap = board.snapshot()
    assert phase_line(snap).plain == "✓ pull 4/4   ▶ plan 1/2   · push"
    lines = [t.plain for t in entity_lines(snap, {"a": "BILL", "b": "QBO"})]
    assert lines[0].startswith("▶ plan   customer       ████████░░░░     7/10 merged")
    assert lines[1].startswith("▶ pull   customer       BILL    40 read …")
    assert lines[2].startswith("✓ pull   account        BILL    30 read ✓   QBO    12 read ✓")
    assert len(lines) == 3, "entities with nothing to do are left out"


def test_the_buffer_hands_over_batches_not_events():
    now = [0.0]
    buffer = RunBuffer(every=0.1, clock=lambda: now[0])
    assert buffer.take() is None
    from recontui.events import Event

    buffer.add(Event(1, "info", "pull", "first"))
    events, progress = buffer.take()
    assert [e.message for e in events] == ["first"] and progress is None
    buffer.add(Event(1, "info", "pull", "second"))
    buffer.progress(Progress("pull", 1, 2))
    assert buffer.take() is None, "within 100 ms of the last batch"
    now[0] = 0.1
    events, progress = buffer.take()
    assert [e.message for e in events] == ["second"] and progress["rows"] == [
        ["pull", None, None, 1, 2]
    ]
    buffer.add(Event(1, "info", "end", "last"))
    assert buffer.take(force=True)[0][0].message == "last"


class Noisy(Gated):
    """Emits `count` events while pulling its first entity, as fast as the log takes them."""

    def __init__(self, inner: Any, events: Any, count: int) -> None:
        super().__init__(inner, None)
        self.events = events
        self.count = count

    async def pull(self, entity: str, cursor: str | None) -> Any:
        count, self.count = self.count, 0
        for i in range(count):
            self.events.emit("info", "pull", f"noise {i}", entity=entity)
        async for page in self.inner.pull(entity, cursor):
            yield page


async def test_thousands_of_events_arrive_in_far_fewer_messages_with_exact_counts(
    world, monkeypatch
):
    posted: list[str] = []
    original = RunScreen.post_message

    def counting(self, message):
        posted.append(type(message).__name__)
        return original(self, message)

    monkeypatch.setattr(RunScreen, "post_message", counting)
    base = world.factory()
    noise = 3000
    app = make_app(
        world.store,
        world.profile,
        world.secrets,
        lambda side, events: Noisy(base(side, events), events, noise if side == "a" else 0),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "s")
        run = pilot.app.screen
        await until(pilot, lambda: run.last_result is not None, timeout=120)
        stored = world.store.events(2)
        assert len(stored) > noise
        assert sum(run.levels.values()) == len(stored), "every event counted once"
        assert run.levels["info"] == sum(1 for e in stored if e["level"] == "info")
        batches = posted.count(RunBatch.__name__)
        assert 0 < batches * 10 < len(stored), (batches, len(stored))
        lines = log_text(run)
        assert len(lines) == LOG_LINES, "the log keeps its cap"
        assert any("Run 2 finished: waiting." in line for line in lines[-3:])


def _run_elsewhere(world, gate: threading.Event, done: list[Any]) -> threading.Thread:
    """`recontui sync` as another process would: its own store connection, not the console."""

    def body() -> None:
        store = open_store(world.store.path)
        try:
            profile = store.get_profile(world.profile.name)
            result = asyncio.run(
                run_sync(store, profile, gated_factory(world, gate), RunOptions(trigger="cli"))
            )
            done.append(result)
        finally:
            store.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


async def test_a_run_started_elsewhere_is_followed_and_s_starts_no_second_run(world):
    gate = threading.Event()
    done: list[Any] = []
    thread = _run_elsewhere(world, gate, done)
    try:
        deadline = time.monotonic() + 30
        while world.store.lock_holder(world.profile.id) is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        app = world.app()
        async with app.run_test(size=(80, 24)) as pilot:
            # Home says so at start-up.
            await until(pilot, lambda: any("Run #2" in n for n in notes(pilot.app)))
            assert any("press 3 to follow it" in n for n in notes(pilot.app))
            await pilot.press("3")
            run = pilot.app.screen
            assert isinstance(run, RunScreen)
            await until(pilot, lambda: run.followed is not None)
            expected = f"Following run #2 (started by CLI, pid {os.getpid()} on host"
            assert expected in state_text(run)
            await until(
                pilot, lambda: any("Run 2 of profile 't' started." in x for x in log_text(run))
            )
            await until(pilot, lambda: re.search(r"QBO\s+\d+ read ✓", panel_text(run)))

            pilot.app._notifications.clear()
            await pilot.press("s")
            await pilot.pause()
            assert any(
                "Run #2 (started by CLI" in n and "already in progress on this profile" in n
                for n in notes(pilot.app)
            )
            assert not run.running
            await pilot.press("1", "s")  # from Home too
            await pilot.pause(0.3)
            assert pilot.app.screen is run and not run.running
            assert [r["id"] for r in world.store.runs(world.profile.id)] == [2, 1]

            gate.set()
            await until(pilot, lambda: run.followed is None, timeout=60)
            assert "Run #2 finished: waiting (exit 1)" in state_text(run)
            assert any("Run 2 finished: waiting." in x for x in log_text(run))
            # The note is a message to the app: it may land a moment after the screen let go.
            await until(
                pilot,
                lambda: any(
                    "Run #2 (started by CLI" in n and "finished" in n for n in notes(pilot.app)
                ),
            )
            # Now nothing holds the profile: s starts a run here.
            await pilot.press("s")
            await until(pilot, lambda: run.last_result is not None, timeout=60)
            assert run.last_result.run_id == 3
    finally:
        gate.set()
        thread.join(60)
    assert done and done[0].status == "waiting"


async def test_a_held_lock_found_by_the_runner_is_a_notification_not_a_traceback(world):
    # A lock the look-ahead does not see as a running run (a race): the runner refuses.
    world.store.acquire_lock(world.profile.id, 99)
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        run = pilot.app.screen
        await until(pilot, lambda: run.last_result is not None)
        assert run.last_result.lock_held
        assert any("already in progress on this profile" in n for n in notes(pilot.app))
        assert "Traceback" not in "\n".join(log_text(run))


async def test_s_starts_a_run_from_home_and_from_the_queue(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        await pilot.press("s")
        run = pilot.app.screen
        assert isinstance(run, RunScreen)
        await until(pilot, lambda: run.last_result is not None, timeout=60)
        assert run.last_result.run_id == 2
        await pilot.press("2")
        await until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count > 0)
        await pilot.press("s")
        assert pilot.app.screen is run
        await until(
            pilot, lambda: run.last_result is not None and run.last_result.run_id == 3, timeout=60
        )
    assert [r["trigger"] for r in world.store.runs(world.profile.id)] == ["tui", "tui", "cli"]


async def test_typing_s_in_the_filter_or_under_a_dialog_starts_no_run(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        queue = pilot.app.screen
        await until(pilot, lambda: queue.query_one(DataTable).row_count > 0)
        await pilot.press("slash", "s", "s")
        await pilot.pause()
        assert pilot.app.screen is queue
        assert queue.query_one("#queue-filter", Input).value == "ss"
        await pilot.press("backspace", "backspace", "escape", "down", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, ResolveScreen)
        await pilot.press("a", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
    assert len(world.store.runs(world.profile.id)) == 1


async def test_wrong_credentials_are_one_sentence_with_a_next_step(world):
    from recontui.secrets import env_var_name
    from recontui.wiring import connector_factory, open_secrets

    env = {"RECONTUI_PASSPHRASE": "tui-tests", env_var_name(world.profile.name, "password"): "no"}
    secrets = open_secrets(world.store, env=env)
    factory = connector_factory(world.profile, secrets, transport=world.transport)
    app = make_app(world.store, world.profile, secrets, factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        run = pilot.app.screen
        await until(pilot, lambda: run.last_result is not None, timeout=60)
        message = run.last_result.message
        assert run.last_result.status == "failed" and "password" in message, message
        assert message in notes(pilot.app)
        assert "✗ Run #2 finished: failed (exit 3)" in state_text(run)
        assert message in state_text(run)
        assert "Traceback" not in "\n".join(log_text(run))


async def test_a_followed_run_is_tailed_and_a_vanished_one_reported_as_stopped(world):
    store, pid = world.store, world.profile.id
    run_id = store.start_run(pid, trigger="cron", dry_run=False)
    store.acquire_lock(pid, run_id)
    store.add_event(run_id, "info", "start", f"Run {run_id} started.")
    progress = {
        "phase": "pull",
        "rows": [["pull", None, None, 3, 26], ["pull", "a", "bill", 120, None]],
    }
    store.update_run_counts(run_id, {"pulled": 0, "progress": progress})
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        run = pilot.app.screen
        await until(pilot, lambda: run.followed is not None and "read" in panel_text(run))
        assert f"Following run #{run_id} (started by cron, pid {os.getpid()}" in state_text(run)
        assert "▶ pull 3/26" in panel_text(run) and "BILL   120 read …" in panel_text(run)
        store.add_event(run_id, "warning", "pull", "Slow answer.", entity="bill", record="B-7")
        await until(pilot, lambda: any("Slow answer." in line for line in log_text(run)))
        assert "warn  pull    bill «B-7» Slow answer." in log_text(run)
        assert run.levels == {"info": 1, "warning": 1}
        store.release_lock(pid, run_id)  # its process died without recording an outcome
        await until(pilot, lambda: run.followed is None)
        assert f"✗ Run #{run_id} finished: stopped" in state_text(run)
        assert "process is gone" in state_text(run)
        assert not run.query_one("#run-progress").display


def test_the_runner_reports_progress_and_keeps_a_snapshot_on_the_run_row(tmp_path, monkeypatch):
    from tui_world import make_world

    from recontui.run import context

    monkeypatch.setattr(context, "PROGRESS_EVERY", 0.0)
    fresh = make_world(tmp_path)
    store = fresh.store
    items: list[Progress] = []
    stored: list[dict[str, Any]] = []

    def progress(item: Progress) -> None:
        if item.phase == "plan" and not any(i.phase == "plan" for i in items):
            run = store.runs(fresh.profile.id, limit=1)[0]
            stored.append(run["counts"])  # what a console elsewhere reads now
        items.append(item)

    result = asyncio.run(
        run_sync(store, fresh.profile, fresh.factory(), RunOptions(progress=progress))
    )
    assert result.counts["pushed"] > 0

    def last(phase: str, side: str | None, entity: str | None) -> Progress:
        return [i for i in items if (i.phase, i.side, i.entity) == (phase, side, entity)][-1]

    pulls = {(i.side, i.entity) for i in items if i.phase == "pull" and i.entity}
    assert {side for side, _ in pulls} == {"a", "b"}
    finals = [last("pull", side, entity) for side, entity in pulls]
    assert all(p.total == p.done for p in finals), "each entity ends with its count as total"
    assert sum(p.done for p in finals) == result.counts["pulled"], "a first run: all new"
    assert last("pull", None, None).done == last("pull", None, None).total == len(pulls)
    assert any(i.total is None and i.done > 0 for i in items if i.phase == "pull")
    plan = last("plan", None, None)
    assert plan.done == plan.total > 0
    push = last("push", None, None)
    assert push.done == push.total > 0
    push_entities = {i.entity for i in items if i.phase == "push" and i.entity}
    assert sum(last("push", None, e).total for e in push_entities) == push.total
    # The snapshot stored on the run row while it ran; the outcome replaces it at the end.
    snapshot = stored[0]["progress"]
    assert snapshot["phase"] == "pull"
    assert ["pull", None, None, len(pulls), len(pulls)] in snapshot["rows"]
    assert stored[0]["pulled"] == result.counts["pulled"]
    assert "progress" not in store.run(result.run_id)["counts"]


async def test_an_edit_where_the_edits_are_not_owned_is_counted_on_the_run_screen(world):
    """The run waits (exit 1) with no conflict open for it: the screen says why."""
    from recontui.sandbox.bill_resources import BY_PATH as BILL_RESOURCES

    store, profile = world.store, world.profile
    store.set_setting(profile.id, "owner.invoice", "b", actor="test")
    busy = {c.link_id for c in store.conflicts(profile.id)}
    link = next(
        link
        for link in store.links(profile.id, "invoice", where="state='paired'")
        if link.id not in busy
    )
    with world.sandbox.lock:
        world.sandbox.bill_org.patch(
            BILL_RESOURCES["invoices"], link.a_id, {"dueDate": "2027-03-01"}
        )
    app = make_app(world.store, world.profile, world.secrets, world.factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        run = pilot.app.screen
        assert isinstance(run, RunScreen)
        await until(pilot, lambda: not run.running, timeout=60)
        assert "edited where not owned 1" in state_text(run)
        assert any("owns invoices once they are synced" in line for line in log_text(run))
