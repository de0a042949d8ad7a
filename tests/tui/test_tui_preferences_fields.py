"""Preferences by keys at 80x24: each entity's update fields (none = import only) and
fields synced, checked by the setup's own function, saved with an audit entry."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from recontui.model.entities import SYNCED
from recontui.tui.screens.preferences import FieldsScreen, PreferencesScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def to_customer_row(pilot) -> PreferencesScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PreferencesScreen)
    await pilot.press("u")  # not in the fields table yet: it goes there and says how
    await pilot.pause()
    assert "Choose an entity in the fields table, then press u" in str(
        screen.query_one("#prefs-status", Static).render()
    )
    assert pilot.app.focused.id == "prefs-fields"
    await pilot.press(*["down"] * SYNCED.index("customer"))
    await pilot.pause()
    return screen


def fields_row(screen: PreferencesScreen, entity: str) -> list[str]:
    table = screen.query_one("#prefs-fields", DataTable)
    return [str(cell) for cell in table.get_row(entity)]


def audit_of(world, key: str) -> list[dict]:
    return [r for r in world.store.audit(world.profile.id) if r["field"] == key]


async def test_import_only_and_a_field_subset_by_keys(world):
    async with world.app().run_test(size=(80, 24)) as pilot:
        screen = await to_customer_row(pilot)
        assert fields_row(screen, "customer") == ["Customer", "all", "all"]
        await pilot.press("u")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FieldsScreen)
        assert modal.query_one("#fields-value", Input).value == "all"
        await pilot.press("ctrl+u", *"none", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert fields_row(screen, "customer") == ["Customer", "none (import only)", "all"]
        assert "Saved: Customer" in str(screen.query_one("#prefs-status", Static).render())

        # A subset without the name is refused with the setup's own sentence.
        await pilot.press("f")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FieldsScreen)
        await pilot.press("ctrl+u", *"email phone", "enter")
        await pilot.pause()
        assert pilot.app.screen is modal
        error = str(modal.query_one("#fields-error", Static).render())
        assert "must include name" in error and "Not saved." in error
        await pilot.press("ctrl+u", *"name, email", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert fields_row(screen, "customer") == ["Customer", "none (import only)", "email, name"]

        # escape cancels an edit and saves nothing.
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("ctrl+u", *"phone", "escape")
        await pilot.pause()
        assert pilot.app.screen is screen
    settings = world.store.profile_settings(world.profile.id)
    assert settings.update_fields == {"customer": "none"}
    assert settings.field_subsets == {"customer": ("email", "name")}
    assert [(r["new"], r["actor"]) for r in audit_of(world, "update_fields.customer")] == [
        ("none", "tester")
    ]
    assert [r["new"] for r in audit_of(world, "fields.customer")] == [["email", "name"]]
