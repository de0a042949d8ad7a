"""Step 6, Tax mapping, by keys at 80x24, against the stand-ins on 127.0.0.1: BILL's sales
taxes listed with their rate and how many invoices charge them, a QuickBooks tax code
chosen from a picker, the count of invoices that would be held said before Next, the map
saved by Next (and nothing written to either system); a company without sales tax says
there is nothing to map and Next goes on; escape goes back from the table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from setup_lists_world import ENV, ready_for_lists
from textual.widgets import DataTable, Static

from recontui.run import RunOptions, run_sync
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup import Step, reached_step
from recontui.store import open_store
from recontui.tui.setup import SetupApp
from recontui.tui.setup.tax_step import PickTaxCode
from recontui.wiring import connector_factory, open_secrets

SIZE = (80, 24)


@pytest.fixture(scope="module")
def taxed() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo", bill_sales_tax=True)) as running:
        yield running


@pytest.fixture(scope="module")
def untaxed() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as running:
        yield running


async def read_and_open(path: Path, running: RunningSandbox) -> SetupApp:
    """A setup standing at step 6 after step 4's read (a pull, nothing written)."""
    store = open_store(path / "state.db")
    secrets = open_secrets(store, env=ENV)
    profile = ready_for_lists(store, secrets, running.credentials(), step=Step.TAX)
    options = RunOptions(pull_only=True)
    result = await run_sync(store, profile, connector_factory(profile, secrets), options)
    assert result.exit_code == 0, result.message
    return SetupApp(store, secrets, profile=store.get_profile("main"), actor="test")


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text(app: SetupApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def cells(app: SetupApp) -> list[list[str]]:
    table = app.screen.query_one("#taxes", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def fits(app: SetupApp, selector: str) -> bool:
    region = app.screen.query_one(selector).region
    return region.height > 0 and region.y + region.height <= SIZE[1] - 1  # above the footer


async def test_a_sales_tax_is_mapped_by_keys_and_saved_by_next(
    tmp_path: Path, taxed: RunningSandbox
) -> None:
    """Chosen from the picker with enter, shown in the row; the held count goes to none;
    Next saves ``tax.<BILL id>`` = the QuickBooks tax code's id and goes on."""
    bill_id = taxed.sandbox.seed_ids["bill"]["salestax:CA"]
    california = taxed.sandbox.seed_ids["qbo"]["taxcode:California"]
    before = taxed.sandbox.snapshot()
    app = await read_and_open(tmp_path, taxed)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.TAX
        rows = cells(app)
        assert rows[0] == ["CA + SF Sales Tax 8.625%", "8.625%", "2", "not mapped"]
        assert rows[1][0] == "Oregon (no sales tax)" and rows[1][2] == "0"
        held = text(app, "#held")
        assert held.startswith("2 invoices will be held") and "CA + SF Sales Tax" in held
        assert fits(app, "#held") and fits(app, "#taxes")
        footer = screen_text(app).splitlines()[-1]
        for key in ("Choose tax code", "Back", "Next", "Not mapped"):
            assert key in footer, footer
        await pilot.press("enter")  # the first row: the picker opens on "Not mapped"
        await settle(pilot)
        assert isinstance(app.screen, PickTaxCode)
        await pilot.press("down", "enter")  # California
        await settle(pilot)
        assert app.screen.STEP == Step.TAX
        assert cells(app)[0][3] == "California"
        assert "no invoice will be held" in text(app, "#held")
        store = app.store
        assert "tax." + bill_id not in store.settings(app.profile.id)  # saved by Next only
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.SYNCS, text(app, "#status")
    profile = store.get_profile("main")
    assert store.profile_settings(profile.id).tax_map == {bill_id: california}
    assert reached_step(store, profile) == Step.SYNCS
    assert taxed.sandbox.snapshot() == before, "the step wrote to a system"


async def test_an_unmapped_sales_tax_is_said_with_its_invoices_and_next_still_goes_on(
    tmp_path: Path, taxed: RunningSandbox
) -> None:
    """Leaving a charged sales tax unmapped is allowed (its invoices are held by the run),
    but only after the screen said how many; delete unmaps a mapped one again."""
    bill_id = taxed.sandbox.seed_ids["bill"]["salestax:CA"]
    app = await read_and_open(tmp_path, taxed)
    app.store.set_setting(app.profile.id, "tax." + bill_id, "1", actor="test")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cells(app)[0][3] == "California"  # the saved map is shown
        await pilot.press("delete")
        await settle(pilot)
        assert cells(app)[0][3] == "not mapped"
        assert text(app, "#held").startswith("2 invoices will be held")
        await pilot.press("enter", "escape")  # the picker cancelled: nothing changes
        await settle(pilot)
        assert app.screen.STEP == Step.TAX and cells(app)[0][3] == "not mapped"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.SYNCS
    assert app.store.profile_settings(app.profile.id).tax_map == {}


async def test_without_sales_tax_there_is_nothing_to_map_and_next_goes_on(
    tmp_path: Path, untaxed: RunningSandbox
) -> None:
    app = await read_and_open(tmp_path, untaxed)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "BILL charges no sales tax: there is nothing to map" in text(app, "#intro")
        assert not app.screen.query("#taxes")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.SYNCS


async def test_escape_goes_back_from_the_table(tmp_path: Path, taxed: RunningSandbox) -> None:
    app = await read_and_open(tmp_path, taxed)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#taxes", DataTable).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
