"""What the console looks like: every screen at 80x24, and Home at 120x40.

Review the SVGs in snapshots/ when they change (`pytest --snapshot-update`, then look at
each changed file before committing). An SVG with no test here fails
test_tui_snapshot_files.py on purpose.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from setup_lists_world import ready_for_lists
from textual.widgets import Input
from tui_world import FIXED_NOW, World, make_world
from world_copy import copy_state

from recontui.engine.defaults import Account
from recontui.run import RunOptions, run_sync
from recontui.sandbox import RunningSandbox, Sandbox, SandboxConfig
from recontui.setup import Step, set_reached
from recontui.setup.accounts import account_choices, save_default_accounts
from recontui.setup.matches import review, save_review
from recontui.setup.profile import save_profile_step
from recontui.setup.syncs import current_syncs, save_syncs
from recontui.setup.taxes import accounting_tax_codes, billing_tax_codes, save_tax_map
from recontui.store import open_store
from recontui.tui.setup import SetupApp
from recontui.wiring import connector_factory, open_secrets

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
        # A tab's underline slides to its tab: a picture taken mid-slide differs by load.
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        # One more layout once everything has settled: under load a table could be laid
        # out against a detail panel not yet at its final height (a scrollbar column that
        # the settled screen does not have).
        pilot.app.screen.refresh(layout=True)
        await pilot.pause()
        await _settle(pilot)

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


def _lines_view(pilot_keys=()):
    """Resolve on the first open invoice conflict over its lines, then `e`: the lines view."""
    from textual.widgets import DataTable

    from recontui.model.states import ConflictStatus
    from recontui.tui.screens.resolve import ResolveScreen

    async def run_before(pilot) -> None:
        await _settle(pilot)
        app = pilot.app
        conflict = next(
            c
            for c in app.store.conflicts(app.profile.id, statuses=(ConflictStatus.OPEN,))
            if c.entity == "invoice" and "lines" in c.fields
        )
        screen = ResolveScreen(conflict.id)
        app.push_screen(screen)
        await _settle(pilot)
        table = screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("lines"))
        await pilot.press("e", *pilot_keys)
        await _settle(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


class TestNewViews:
    """The views issue 14 added: the lines of a line-item conflict, a dry run's plan and
    the audit trail, at 80x24."""

    def test_lines_line_against_line(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_lines_view(("b",)))

    def test_dry_run_plan(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("3", "d", "down"))

    def test_audit_of_a_run(self, decided_world, snap_compare):
        assert snap_compare(_app(decided_world), run_before=_keys("4", "a"))


WIDE = (120, 40)


class TestAt120x40:
    """Every screen at 120x40: the room goes to the values, the footer shows more keys."""

    def test_queue(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("c"), terminal_size=WIDE)

    def test_resolve(self, still_world, snap_compare):
        keys = ("c", "down", "down", "down", "enter", "b")
        assert snap_compare(_app(still_world), run_before=_keys(*keys), terminal_size=WIDE)

    def test_match(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("c", "enter"), terminal_size=WIDE)

    def test_help_on_resolve(self, still_world, snap_compare):
        keys = ("c", "down", "enter", "question_mark")
        assert snap_compare(_app(still_world), run_before=_keys(*keys), terminal_size=WIDE)

    def test_run(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("3", "s"), terminal_size=WIDE)

    def test_history(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("y"), terminal_size=WIDE)

    def test_preferences(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_keys("5"), terminal_size=WIDE)

    def test_auto_resolved(self, decided_world, snap_compare):
        assert snap_compare(_app(decided_world), run_before=_keys("6"), terminal_size=WIDE)

    def test_lines(self, still_world, snap_compare):
        assert snap_compare(_app(still_world), run_before=_lines_view(), terminal_size=WIDE)


# -- the setup (`recontui setup`), one picture per step ----------------------------------

SETUP_ENV = {"RECONTUI_PASSPHRASE": "setup snapshots"}


@pytest.fixture(scope="module")
def setup_served() -> Iterator[RunningSandbox]:
    """The demo books with a BILL sales tax and near-duplicates, their clock standing
    still, served on 127.0.0.1 (steps 4 and 9 read them from the screen's own worker)."""
    config = SandboxConfig(
        seed=7,
        scenario="demo",
        bill_sales_tax=True,
        near_duplicates=True,
        anchor_date=FIXED_NOW.date(),
    )
    sandbox = Sandbox(config, clock=lambda: FIXED_NOW)
    with RunningSandbox(sandbox=sandbox) as running:
        yield running


@pytest.fixture(scope="module")
def setup_read(tmp_path_factory, setup_served: RunningSandbox) -> Path:
    """The template database (copied per test): the setup as step 3 leaves it, with the
    companies each system answers for, and both systems read as step 4 does."""
    db = tmp_path_factory.mktemp("setup-read") / "state.db"
    store = open_store(db, clock=lambda: FIXED_NOW)
    secrets = open_secrets(store, env=SETUP_ENV)
    profile = ready_for_lists(store, secrets, setup_served.credentials(), step=Step.COMPANY)
    config = setup_served.sandbox.config
    for side, name, company in (
        ("a", config.bill_org_name, profile.a_company_id),
        ("b", config.qbo_company_name, profile.b_company_id),
    ):
        store.set_setting(
            profile.id, f"setup.{side}_company", {"id": company, "name": name}, actor="test"
        )
    factory = connector_factory(profile, secrets)
    result = asyncio.run(run_sync(store, profile, factory, RunOptions(pull_only=True)))
    assert result.status == "read", result.message
    store.close()
    return db


def _setup_app(db: Path, step: Step | None) -> SetupApp:
    """The setup opened on ``db`` where it stands (``step``: moved on to it first; None: a
    new database, no profile yet)."""
    store = open_store(db, clock=lambda: FIXED_NOW)
    secrets = open_secrets(store, env=SETUP_ENV)
    profiles = store.list_profiles()
    profile = profiles[0] if profiles else None
    if profile is not None and step is not None:
        set_reached(store, profile, step, actor="test")
    app = SetupApp(store, secrets, profile=profile, actor="test")
    app.secrets = _FixedSecrets(app.secrets)
    return app


def _decide_steps_5_to_8(db: Path) -> None:
    """What steps 5 to 8 save, as a person would choose (the plan depends on it): the two
    required accounts, the sales tax charged by invoices mapped, the usual directions, the
    Match review as suggested."""
    store = open_store(db, clock=lambda: FIXED_NOW)
    profile = store.list_profiles()[0]
    choices = account_choices(store, profile)
    accounts = {
        account: next(c.id for c in choices[account] if word in c.name.casefold())
        for account, word in ((Account.INCOME, "consult"), (Account.EXPENSE, "office"))
    }
    assert save_default_accounts(store, profile, accounts, "test") is None
    california = next(c.id for c in accounting_tax_codes(store, profile) if c.name == "California")
    taxes = {t.id: california for t in billing_tax_codes(store, profile) if t.invoices}
    assert save_tax_map(store, profile, taxes, "test") is None
    assert save_syncs(store, profile, current_syncs(store, profile), "test") is None
    chosen = review(store, profile).chosen()
    assert save_review(store, profile, chosen.links, chosen.apart, actor="test") is None
    store.close()


def _at(tmp_path: Path, template: Path, step: Step) -> SetupApp:
    copy_state(template, tmp_path / "state.db")
    return _setup_app(tmp_path / "state.db", step)


class TestSetup:
    def test_step_1_profile(self, tmp_path, snap_compare):
        assert snap_compare(
            _setup_app(tmp_path / "state.db", None), run_before=_keys(), terminal_size=(80, 24)
        )

    def test_step_2_credentials(self, tmp_path, snap_compare):
        # As step 1 leaves it: the production addresses offered, nothing connected yet.
        store = open_store(tmp_path / "state.db", clock=lambda: FIXED_NOW)
        profile = save_profile_step(store, None, "main", "bill", "qbo")
        assert not isinstance(profile, str), profile
        set_reached(store, profile, Step.CREDENTIALS, actor="test")
        store.close()
        app = _setup_app(tmp_path / "state.db", None)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_3_companies(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.COMPANY)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_4_lists(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.LISTS)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_5_accounts(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.ACCOUNTS)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_6_tax(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.TAX)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_7_syncs(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.SYNCS)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_8_matches(self, tmp_path, setup_read, snap_compare):
        app = _at(tmp_path, setup_read, Step.MATCHES)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))

    def test_step_9_plan(self, tmp_path, setup_read, snap_compare):
        copy_state(setup_read, tmp_path / "state.db")
        _decide_steps_5_to_8(tmp_path / "state.db")
        app = _setup_app(tmp_path / "state.db", Step.SYNC)
        assert snap_compare(app, run_before=_keys(), terminal_size=(80, 24))
