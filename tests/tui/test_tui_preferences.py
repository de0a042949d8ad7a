"""Preferences by keys only: directions, the big-change guard, master rules; all audited."""

from __future__ import annotations

from textual.widgets import Static

from recontui.model.entities import SYNCED
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.preferences import AddRuleScreen, PreferencesScreen


def screen_words(screen) -> str:
    return " ".join(str(w.render()) for w in screen.query(Static))


def status_text(app) -> str:
    return str(app.screen.query_one("#prefs-status", Static).render())


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_preferences(pilot) -> PreferencesScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    return screen


async def focus_share(pilot) -> None:
    # directions table -> forbidden select -> share input
    await pilot.press("tab", "tab")
    await pilot.pause()
    assert pilot.app.focused.id == "prefs-share"
    await pilot.press("end", *["backspace"] * 8)


def settings_audit(world) -> list[dict]:
    return [r for r in world.store.audit(world.profile.id) if r["entity"] == "settings"]


async def test_direction_and_share_are_saved_and_audited(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await open_preferences(pilot)
        customer = SYNCED.index("customer")
        await pilot.press(*["down"] * customer, "space")
        await pilot.pause()
        # A direction decides what is copied where: asked first, never on one keypress.
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "Customers will no longer be copied from" in screen_words(pilot.app.screen)
        assert "direction.customer" not in world.store.settings(world.profile.id)
        await pilot.press("n")
        await pilot.pause()
        assert "direction.customer" not in world.store.settings(world.profile.id)
        assert "the direction is unchanged" in status_text(pilot.app)
        await pilot.press("space", "y")
        await pilot.pause()
        assert world.store.settings(world.profile.id)["direction.customer"] == "a_to_b"
        await focus_share(pilot)
        await pilot.press("3", "0", "enter")
        await pilot.pause()
        settings = world.store.settings(world.profile.id)
        assert settings["big_change.share"] == 0.3
    audit = {r["field"]: r for r in settings_audit(world)}
    assert audit["direction.customer"]["new"] == "a_to_b"
    assert audit["direction.customer"]["actor"] == "tester"
    assert float(audit["big_change.share"]["new"]) == 0.3


async def test_the_app_key_5_opens_preferences(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PreferencesScreen)


async def test_an_invalid_share_is_refused(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_preferences(pilot)
        await focus_share(pilot)
        await pilot.press("1", "5", "0", "enter")
        await pilot.pause()
        error = str(screen.query_one("#prefs-error", Static).render())
        assert "1 to 100" in error
        assert "Not saved" in error
        await pilot.press("backspace", "backspace", "backspace", "x", "enter")
        await pilot.pause()
    assert "big_change.share" not in world.store.settings(world.profile.id)
    assert not settings_audit(world)


async def test_add_and_delete_a_rule(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await open_preferences(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AddRuleScreen)
        # kind prefer, side: the ledger (second option), whole profile.
        await pilot.press("tab", "enter", "down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PreferencesScreen)
        rules = world.store.rules(world.profile.id)
        assert [(r["kind"], r["side"], r["entity"], r["field"]) for r in rules] == [
            ("prefer", "b", None, None)
        ]
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert world.store.rules(world.profile.id) == []
    # Adding and deleting are both in the audit trail, the rule in words.
    trail = [r for r in world.store.iter_table("audit") if r["entity"] == "rules"]
    assert len(trail) == 2
    assert trail[0]["old"] == "null" and "prefer" in trail[0]["new"]
    assert trail[1]["new"] == "null" and trail[1]["old"] == trail[0]["new"]


async def test_a_field_rule_needs_an_entity(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await open_preferences(pilot)
        await pilot.press("n")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, AddRuleScreen)
        await pilot.press("tab", "tab", "tab", *"email", "enter")
        await pilot.pause()
        assert pilot.app.screen is modal
        error = str(modal.query_one("#rule-error", Static).render())
        assert "must name its entity" in error
        # entity: Customer, then save a field rule.
        await pilot.press("shift+tab", "enter", *["down"] * (SYNCED.index("customer") + 1))
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PreferencesScreen)
    rules = world.store.rules(world.profile.id)
    assert [(r["kind"], r["entity"], r["field"]) for r in rules] == [
        ("prefer", "customer", "email")
    ]


async def test_schedule_and_window_are_validated_saved_and_explained(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        schedule = app.screen.query_one("#prefs-schedule")
        schedule.focus()
        await pilot.press("ctrl+u", *"sometimes", "enter")
        await pilot.pause()
        assert "not a schedule" in str(app.screen.query_one("#prefs-error").render())
        assert "schedule" not in world.store.settings(world.profile.id)
        await pilot.press("ctrl+u", *"daily at 2:30", "enter")
        await pilot.pause()
        assert world.store.settings(world.profile.id)["schedule"] == "daily 02:30"
        assert schedule.value == "daily 02:30"

        window = app.screen.query_one("#prefs-window")
        window.focus()
        await pilot.press("ctrl+u", *"from 2026-01-01", "enter")
        await pilot.pause()
        assert world.store.settings(world.profile.id)["initial_window"] == "from 2026-01-01"
        note = str(app.screen.query_one("#prefs-window-note").render())
        assert "before 2026-01-01 are left alone" in note
    audit = [
        r for r in world.store.iter_table("audit") if r["field"] in ("schedule", "initial_window")
    ]
    assert len(audit) == 2


def direction_row(app, name: str) -> list[str]:
    from textual.widgets import DataTable

    table = app.screen.query_one("#prefs-directions", DataTable)
    return [str(cell) for cell in table.get_row(name)]


async def test_who_edits_a_synced_record_is_set_by_e_and_a_direction_asks_first(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        await open_preferences(pilot)
        await pilot.press(*["down"] * SYNCED.index("invoice"), "e", "e")  # both -> a -> b
        await pilot.pause()
        assert direction_row(pilot.app, "invoice")[2] == "QuickBooks Online"
        assert world.store.profile_settings(world.profile.id).owners == {"invoice": "b"}
        assert "a change made in BILL is reported on every run" in status_text(pilot.app)
        # invoice -> QuickBooks only: QuickBooks' edits could no longer reach BILL; the
        # question says so before anything is saved.
        await pilot.press("space")  # both -> a_to_b
        await pilot.pause()
        words = screen_words(pilot.app.screen)
        assert "QuickBooks Online would no longer own their edits" in words
        await pilot.press("y")
        await pilot.pause()
        settings = world.store.profile_settings(world.profile.id)
        assert settings.directions["invoice"] == "a_to_b" and settings.owners == {}
        assert direction_row(pilot.app, "invoice")[2] == "both"
        # Under BILL -> QuickBooks only BILL can own the edits: e skips QuickBooks.
        await pilot.press("e")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).owners == {"invoice": "a"}
        await pilot.press("e")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).owners == {}
        assert "edits made in either system are sent" in status_text(pilot.app)
    audit = [r["field"] for r in settings_audit(world)]
    assert audit.count("owner.invoice") == 5  # a, b, cleared by the direction, a, none


async def test_include_inactive_is_a_checkbox_saved_at_once(world):
    from textual.widgets import Checkbox

    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await open_preferences(pilot)
        box = screen.query_one("#prefs-inactive", Checkbox)
        assert box.value is False
        box.focus()
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).include_inactive is True
        assert "is created in the other too, inactive there" in status_text(pilot.app)
        await pilot.press("space")
        await pilot.pause()
        assert world.store.profile_settings(world.profile.id).include_inactive is False
    assert [r["field"] for r in settings_audit(world)].count("include_inactive") == 2
