"""Setup step 7, What syncs, by keys at 80x24: the usual ownership filled in, a direction
moved off it asks first and is saved only on yes, a bad window blocks Next with the same
sentence Preferences gives, escape goes Back even from an Input, a resumed setup shows
what was saved. No system is reached: the step only reads and writes settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, DataTable, Input, Static

from recontui.engine.window import WindowError, parse_window
from recontui.model.entities import SYNCED
from recontui.setup import Step, set_reached
from recontui.store import Store, open_store
from recontui.tui.setup import SetupApp
from recontui.tui.setup.base import StepScreen
from recontui.tui.setup.steps import STEP_SCREENS
from recontui.tui.setup.syncs_step import ConfirmChange, SyncsStep


class Elsewhere(StepScreen):
    """Stands for the steps around this one (written by others), so that this test pins
    only step 7: their screens reach the systems, this one never does."""

    def form(self) -> Iterator[Any]:
        yield Static("elsewhere")

    async def finish(self) -> str | None:
        return None


@pytest.fixture(autouse=True)
def _neighbours_stand_still(monkeypatch: pytest.MonkeyPatch) -> None:
    for step in (Step.TAX, Step.MATCHES):
        monkeypatch.setitem(
            STEP_SCREENS, step, type(f"Step{int(step)}", (Elsewhere,), {"STEP": step})
        )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("main", "bill", "qbo", {}, {})
    set_reached(store, profile, Step.SYNCS, actor="test")
    return store


def new_app(store: Store) -> SetupApp:
    return SetupApp(store, None, profile=store.list_profiles()[0], actor="test")


def rows(app: SetupApp) -> dict[str, list[str]]:
    table = app.screen.query_one("#syncs", DataTable)
    return {name: [str(cell) for cell in table.get_row(name)] for name in SYNCED}


def status(app: SetupApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


async def to_row(pilot: Any, name: str) -> None:
    table = pilot.app.screen.query_one("#syncs", DataTable)
    await pilot.press(*["up"] * table.cursor_row, *["down"] * SYNCED.index(name))
    assert table.cursor_row == SYNCED.index(name)


async def test_the_usual_ownership_is_shown_and_fits(store: Store) -> None:
    app = new_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SyncsStep)
        shown = rows(app)
        assert shown["bill"] == ["Bills", "BILL → QBO", "BILL", "BILL"]
        assert shown["vendor_credit"] == ["Vendor credits", "BILL → QBO", "BILL", "BILL"]
        assert shown["invoice"] == ["Invoices", "both ways", "ask me", "QBO"]
        assert shown["customer"] == ["Customers", "both ways", "ask me", "both"]
        assert app.screen.query_one("#window", Input).value == "90 days"
        assert app.screen.query_one("#inactive", Checkbox).value is False
        assert "never sent" in str(app.screen.query_one("#owner-note", Static).render())
        assert "usual choices" in status(app)
        table = app.screen.query_one("#syncs", DataTable)
        assert table.region.right <= 80 and table.virtual_size.width <= table.size.width
        keys = {key for key, b in app.screen.active_bindings.items() if b.binding.show}
        assert {"d", "m", "e", "escape", "ctrl+n"} <= keys
        # Every field is reached by tab, and the body scrolls to it.
        for widget_id in ("#window", "#inactive", "#schedule"):
            await pilot.press("tab")
            await pilot.wait_for_scheduled_animations()  # the scroll to the field
            await pilot.pause()
            focused = app.focused
            assert focused is not None and focused.id == widget_id.lstrip("#")
            assert app.screen.region.contains_region(focused.region)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.STEP == Step.MATCHES
    settings = store.profile_settings(store.list_profiles()[0].id)
    assert settings.directions["bill"] == "a_to_b" and settings.initial_window == "90 days"
    assert settings.owners == {
        "invoice": "b",
        "bill": "a",
        "bill_payment": "a",
        "vendor_credit": "a",
    }


async def test_who_edits_a_synced_record_is_chosen_by_e_and_saved(store: Store) -> None:
    app = new_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await to_row(pilot, "invoice")
        await pilot.press("e")  # QuickBooks -> both
        await pilot.pause()
        assert rows(app)["invoice"][3] == "both"
        assert "edits made in either system are sent" in status(app)
        await to_row(pilot, "bill")
        await pilot.press("e")  # BILL -> both: QuickBooks' edits could never reach BILL
        await pilot.pause()
        assert rows(app)["bill"][3] == "both"
        await pilot.press("e")
        await pilot.pause()
        assert rows(app)["bill"][3] == "BILL", "QuickBooks cannot own a one-way copy to it"
        await to_row(pilot, "customer")
        await pilot.press("e", "e")  # both -> BILL -> QuickBooks
        await pilot.pause()
        assert rows(app)["customer"][3] == "QBO"
        assert "a change made in BILL is reported on every run, never sent" in status(app)
        await to_row(pilot, "bill_payment")
        await pilot.press("d", "y")  # BILL -> QuickBooks becomes QuickBooks -> BILL
        await pilot.pause()
        assert rows(app)["bill_payment"][3] == "both"
        assert "now made in both systems" in status(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.STEP == Step.MATCHES
    owners = store.profile_settings(store.list_profiles()[0].id).owners
    assert owners == {"customer": "b", "bill": "a", "vendor_credit": "a"}


async def test_a_direction_change_asks_and_is_saved_only_on_yes(store: Store) -> None:
    app = new_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await to_row(pilot, "bill")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmChange)
        question = str(app.screen.query_one("#question", Static).render())
        assert question.startswith("Bills will no longer be copied from BILL to QuickBooks.")
        await pilot.press("n")
        await pilot.pause()
        assert rows(app)["bill"][1] == "BILL → QBO"
        await pilot.press("d", "y")
        await pilot.pause()
        assert rows(app)["bill"][1] == "QBO → BILL"
        await to_row(pilot, "customer")
        await pilot.press("m", "m")  # ask me -> BILL -> QuickBooks
        await pilot.pause()
        assert rows(app)["customer"][2] == "QBO"
        await to_row(pilot, "vendor")
        await pilot.press("d", "n")  # asked, declined: vendors stay both ways
        await pilot.pause()
        assert store.profile_settings(1).directions == {}, "saved before Next"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.STEP == Step.MATCHES
    profile = store.list_profiles()[0]
    directions = store.profile_settings(profile.id).directions
    assert directions["bill"] == "b_to_a" and directions["vendor"] == "both"
    assert [
        (r["entity"], r["side"]) for r in store.rules(profile.id) if r["entity"] == "customer"
    ] == [("customer", "b")]
    again = new_app(store)  # resumed: what was saved, not the preset
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.screen.STEP == Step.MATCHES
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(again.screen, SyncsStep)
        assert rows(again)["bill"][1] == "QBO → BILL"
        assert rows(again)["customer"][2] == "QBO"
        assert "saved choices" in status(again)


async def test_a_bad_window_blocks_next_with_the_sentence(store: Store) -> None:
    with pytest.raises(WindowError) as said:
        parse_window("90 weeks")
    app = new_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        window = app.screen.query_one("#window", Input)
        window.focus()
        await pilot.press("ctrl+u", *"90 weeks")
        await pilot.pause()
        assert window.value == "90 weeks"
        assert status(app) == str(said.value)  # said as it is typed ...
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SyncsStep)  # ... and Next refuses with it
        assert status(app) == str(said.value)
        assert app.screen.query_one("#status").has_class("error")
    assert store.profile_settings(1).directions == {}


async def test_escape_in_the_window_input_goes_back(store: Store) -> None:
    app = new_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#window", Input).focus()
        await pilot.press("1", "escape")
        await pilot.pause()
        assert app.screen.STEP == Step.TAX
    assert store.profile_settings(1).directions == {}, "Back saved the step"
