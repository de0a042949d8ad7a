"""Keys only: every action of the Resolve screen (show all, fill blanks, reset, apply to all,
remember as a rule, reopen and take the suggestion, a reference chosen from a list)."""

from __future__ import annotations

import pytest
from pilot_steps import conflict_for, press
from textual.widgets import DataTable, Input

from recontui.decisions import ResolveError, resolve_conflict
from recontui.model import Ref, RemoteRef
from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.help import HelpScreen
from recontui.tui.screens.modals import (
    ChoiceScreen,
    ConfirmScreen,
    EditValueScreen,
    RecordChooserScreen,
)
from recontui.tui.screens.preferences import PreferencesScreen
from recontui.tui.screens.resolve import ResolveScreen


async def open_conflict(pilot, conflict_id: int) -> ResolveScreen:
    await press(pilot, "c")
    queue = pilot.app.screen
    assert isinstance(queue, ConflictsScreen)
    await pilot.press(*["down"] * queue.ids.index(conflict_id))
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, ResolveScreen)
    assert screen.conflict.id == conflict_id
    return screen


def row_keys(screen: ResolveScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(key.value) for key in table.rows]


def cursor_field(screen: ResolveScreen) -> str:
    table = screen.query_one(DataTable)
    return str(table.coordinate_to_cell_key(table.cursor_coordinate)[0].value)


def status_line(screen: ResolveScreen) -> str:
    return str(screen.query_one("#resolve-status").render())


def head_line(screen: ResolveScreen) -> str:
    return str(screen.query_one("#resolve-head").render())


async def read_both(world, entity: str, link_id: int):
    link = world.store.link(world.store.canonical_link_id(link_id))
    a, b = world.connectors()
    async with a, b:
        return await a.read(entity, link.a_id), await b.read(entity, link.b_id)


async def test_v_shows_the_fields_not_in_conflict_dimmed_and_keeps_the_cursor(world):
    target = conflict_for(world, "D'Angelo Dental")
    link = world.store.link(target.link_id)
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        assert row_keys(screen) == ["company_name", "phone"]
        await press(pilot, "down")
        assert cursor_field(screen) == "phone"

        await press(pilot, "v")
        keys = row_keys(screen)
        assert {"company_name", "phone", "email", "city", "name"} <= set(keys)
        assert "currency" not in keys, "BILL has no customer currency: not a synced field"
        assert cursor_field(screen) == "phone", "the cursor stays on the same field"
        table = screen.query_one(DataTable)
        email = keys.index("email")
        cells = [str(table.get_cell_at((email, col))) for col in range(5)]
        assert cells[2] == link.a_fields["email"] == cells[3]
        assert "same" in cells[4]

        # A field not in conflict cannot be picked.
        await pilot.press(*["up"] * (keys.index("phone") - email))
        assert cursor_field(screen) == "email"
        await press(pilot, "a")
        assert screen.picks == {}
        assert "not in conflict" in status_line(screen)

        await press(pilot, "v")
        assert row_keys(screen) == ["company_name", "phone"]


async def test_f_fills_blanks_from_the_other_side_on_top_of_use_as_master(world):
    target = conflict_for(world, "593121")  # bill memo: blank in BILL, set in QuickBooks
    assert target.fields["memo"]["a"] is None and target.fields["memo"]["b"]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        await press(pilot, "A")
        assert screen.picks["memo"].side == "a"
        await press(pilot, "f")
        assert screen.picks["memo"].side == "b"
        await press(pilot, "ctrl+s")
    saved = world.store.conflict(target.id)
    assert saved.status == "resolved" and saved.choices == {"memo": ["b", None]}


async def test_f_says_so_when_no_field_is_blank_on_one_side(world):
    target = conflict_for(world, "D'Angelo Dental")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        await press(pilot, "f")
        assert screen.picks == {}
        assert "nothing to fill" in status_line(screen)


async def test_x_drops_unsaved_picks_back_to_what_is_saved(world):
    target = conflict_for(world, "D'Angelo Dental")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        await press(pilot, "a", "b", "ctrl+s")  # company_name: BILL, phone: QuickBooks
        assert world.store.conflict(target.id).status == "resolved"
        await press(pilot, "up", "b", "a")
        assert [p.side for p in screen.picks.values()] == ["b", "a"]
        table = screen.query_one(DataTable)
        assert "Group" in str(table.get_cell_at((0, 4)))
        await press(pilot, "x")
        assert screen.picks == {}
        assert "Group" not in str(table.get_cell_at((0, 4))), "back to the saved choice"
        assert "(916) 555-0169" in str(table.get_cell_at((1, 4)))
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, (ConfirmScreen, ResolveScreen)), (
            "nothing unsaved is left, so leaving does not ask"
        )
    assert world.store.conflict(target.id).choices == {
        "company_name": ["a", None],
        "phone": ["b", None],
    }


async def test_apply_to_all_chooses_the_field_in_the_entitys_other_conflicts(world):
    cedar = conflict_for(world, "Cedar Bay Veterinary")  # phone only
    dangelo = conflict_for(world, "D'Angelo Dental")  # company_name and phone
    silver = conflict_for(world, "Silver Otter Cafe")  # phone only
    vendor_phone = conflict_for(world, "Willow Lantern Travel")  # a vendor's phone
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, cedar.id)
        await press(pilot, "b", "up", "equals_sign")
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "in 2 other open customer conflict(s)" in confirm.question
        await press(pilot, "y")
        assert pilot.app.screen is screen
        assert "2 other conflict(s): 1 resolved, 1 still open" in status_line(screen)
        await press(pilot, "ctrl+s")

    silver_now = world.store.conflict(silver.id)
    assert silver_now.status == "resolved" and silver_now.choices == {"phone": ["b", None]}
    dangelo_now = world.store.conflict(dangelo.id)
    assert dangelo_now.status == "open", "company_name is still undecided"
    assert dangelo_now.choices == {"phone": ["b", None]}
    assert world.store.conflict(vendor_phone.id).choices is None, "other entities untouched"

    # A run pushes the resolved ones and leaves the partial choice alone.
    await world.sync()
    assert world.store.conflict(silver.id).status == "pushed"
    assert world.store.conflict(cedar.id).status == "pushed"
    dangelo_now = world.store.conflict(dangelo.id)
    assert dangelo_now.status == "open" and dangelo_now.choices == {"phone": ["b", None]}
    rec_a, rec_b = await read_both(world, "customer", dangelo.link_id)
    assert rec_a.fields["phone"] == dangelo.fields["phone"]["a"], "not pushed while open"
    rec_a, rec_b = await read_both(world, "customer", silver.link_id)
    assert rec_a.fields["phone"] == rec_b.fields["phone"] == silver.fields["phone"]["b"]

    # The Resolve screen shows the partial choice; choosing the rest resolves it.
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, dangelo.id)
        assert "1 of 2 fields chosen" in head_line(screen)
        table = screen.query_one(DataTable)
        assert "(916) 555-0169" in str(table.get_cell_at((1, 4)))
        await press(pilot, "a", "ctrl+s")
    done = world.store.conflict(dangelo.id)
    assert done.status == "resolved"
    assert done.choices == {"company_name": ["a", None], "phone": ["b", None]}


async def test_apply_to_all_needs_a_choice_first(world):
    cedar = conflict_for(world, "Cedar Bay Veterinary")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, cedar.id)
        await press(pilot, "equals_sign")
        assert pilot.app.screen is screen
        assert "Choose phone first" in status_line(screen)


async def test_remember_as_a_rule_is_listed_in_preferences_and_the_next_run_applies_it(world):
    becker = conflict_for(world, "Becker & Haddad")  # customer email
    creme = conflict_for(world, "Crème & Co.")  # customer email too
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, becker.id)
        await press(pilot, "R")
        assert pilot.app.screen is screen, "no side picked yet: nothing to remember"
        assert "pick a side for email first" in status_line(screen)

        await press(pilot, "b", "up", "R")
        choice = pilot.app.screen
        assert isinstance(choice, ChoiceScreen)
        assert choice.answers[0][0] == "prefer QuickBooks Online for customer email"
        await press(pilot, "enter")
        assert pilot.app.screen is screen
        rules = world.store.rules(world.profile.id)
        assert [(r["kind"], r["side"], r["entity"], r["field"]) for r in rules] == [
            ("prefer", "b", "customer", "email")
        ]
        rule_id = rules[0]["id"]
        said = status_line(screen)
        assert f"rule #{rule_id}: prefer QuickBooks Online for customer email" in said
        assert "Preferences (key 5)" in said
        audit = [a for a in world.store.audit(world.profile.id) if a["by"] == "rules"]
        assert audit and audit[0]["actor"] == "tester"

        await press(pilot, "x", "5")
        prefs = pilot.app.screen
        assert isinstance(prefs, PreferencesScreen)
        rules_table = prefs.query_one("#prefs-rules", DataTable)
        assert rules_table.row_count == 1
        assert "email" in str(rules_table.get_cell_at((0, 3)))

    assert world.store.conflict(becker.id).status == "open"
    await world.sync()
    for conflict in (becker, creme):
        now = world.store.conflict(conflict.id)
        assert now.status != "open"
        assert now.note == f"decided by rule:{rule_id}"
        rec_a, rec_b = await read_both(world, "customer", conflict.link_id)
        assert rec_a.fields["email"] == rec_b.fields["email"] == conflict.fields["email"]["b"]
    by_rule = [a for a in world.store.audit(world.profile.id) if a["by"] == f"rule:{rule_id}"]
    assert {(a["link_id"], a["side"], a["field"]) for a in by_rule} == {
        (becker.link_id, "a", "email"),
        (creme.link_id, "a", "email"),
    }


async def test_u_reopens_and_g_takes_the_suggestion_back_exactly(world):
    target = conflict_for(world, "D'Angelo Dental")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        await press(pilot, "a", "e")  # company_name: BILL; phone: a value of our own
        assert isinstance(pilot.app.screen, EditValueScreen)
        await press(pilot, "ctrl+u", *"+1 916 555 0111", "enter")
        await press(pilot, "ctrl+s")
        assert world.store.conflict(target.id).status == "resolved"

        await press(pilot, "u")
        reopened = world.store.conflict(target.id)
        assert reopened.status == "open" and reopened.choices is None
        assert reopened.suggestion == {
            "company_name": ["a", None],
            "phone": ["custom", "+1 916 555 0111"],
        }
        assert "(g: earlier choice)" in head_line(screen)
        assert screen.picks == {}

        await press(pilot, "g")
        assert screen.picks["company_name"].side == "a"
        assert screen.picks["phone"][:2] == ("custom", "+1 916 555 0111")
        await press(pilot, "ctrl+s")
        assert world.store.conflict(target.id).choices == reopened.suggestion

        # A saved value of our own is edited again from exactly what was saved.
        await press(pilot, "e")
        editor = pilot.app.screen
        assert isinstance(editor, EditValueScreen)
        assert editor.query_one(Input).value == "+1 916 555 0111"
        await press(pilot, "escape")


async def test_u_refuses_while_the_choice_waits_in_the_outbox(world):
    target = conflict_for(world, "Cedar Bay Veterinary")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, target.id)
        await press(pilot, "b", "ctrl+s")
        # A run turned the choice into a write it could not send yet.
        link = world.store.link(target.link_id)
        with world.store.transaction():
            world.store.add_op(
                world.profile.id,
                None,
                link.id,
                "customer",
                "a",
                "update",
                link.a_id,
                link.a_version,
                {"changes": {"phone": target.fields["phone"]["b"]}},
                "test-waiting-op",
                conflict_id=target.id,
            )
        await press(pilot, "u")
        assert world.store.conflict(target.id).status == "resolved"
        assert "already being pushed" in status_line(screen)
    # Nor can the choice be changed under the waiting write (CLI or console alike).
    with pytest.raises(ResolveError, match="already being pushed"):
        resolve_conflict(world.store, world.store.conflict(target.id), take_all="a", actor="tester")
    assert world.store.conflict(target.id).choices == {"phone": ["b", None]}


async def test_a_reference_is_chosen_from_a_list_and_lands_on_both_sides(world, monkeypatch):
    monkeypatch.setattr(RecordChooserScreen, "PAGE", 10)
    invoice = conflict_for(world, "1011")  # its customer differs between the systems
    assert sorted(invoice.fields) == ["customer"]
    florist = next(
        link
        for link in world.store.links(world.profile.id, "customer", where="state='paired'")
        if (link.a_fields or {}).get("name") == "Becker Florist"
    )
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, invoice.id)
        await press(pilot, "e")
        chooser = pilot.app.screen
        assert isinstance(chooser, RecordChooserScreen)
        table = chooser.query_one("#records", DataTable)
        assert table.row_count == 10, "one keyset page at a time"
        await press(pilot, *["down"] * 9)
        assert table.row_count == 20, "the last row reads the next page"
        names = [row["name"] for row in chooser.rows]
        assert names == sorted(names, key=str.lower) and len(set(names)) == 20

        await press(pilot, *"becker fl")
        assert [row["name"] for row in chooser.rows] == ["Becker Florist"]
        await press(pilot, "enter")
        assert pilot.app.screen is screen
        pick = screen.picks["customer"]
        assert pick.side == "custom" and pick.value == Ref("customer", florist.id)
        assert "Becker Florist" in str(screen.query_one(DataTable).get_cell_at((0, 4)))
        await press(pilot, "ctrl+s")

    saved = world.store.conflict(invoice.id)
    assert saved.status == "resolved"
    assert saved.choices == {"customer": ["custom", Ref("customer", florist.id)]}
    await world.sync()
    assert world.store.conflict(invoice.id).status == "pushed"
    rec_a, rec_b = await read_both(world, "invoice", invoice.link_id)
    assert rec_a.fields["customer"] == RemoteRef("customer", florist.a_id)
    assert rec_b.fields["customer"] == RemoteRef("customer", florist.b_id)


async def test_help_lists_every_key_of_a_field_conflict(world):
    target = conflict_for(world, "D'Angelo Dental")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_conflict(pilot, target.id)
        await press(pilot, "question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        actions = {description for _, description in help_screen.rows}
        assert {
            "Use BILL",
            "Use QuickBooks Online",
            "Edit value",
            "Save",
            "BILL as master",
            "QuickBooks Online as master",
            "Fill blanks",
            "Reset",
            "Show all fields",
            "Apply to all",
            "Remember as rule",
            "Next",
            "Previous",
            "Back",
        } <= actions
        # Reopen and take-suggestion show only where they apply (resolved / a suggestion).
        assert not {"Link", "Keep both", "Ignore", "Reopen", "Take suggestion"} & actions, {
            "Link",
            "Keep both",
            "Ignore",
            "Reopen",
            "Take suggestion",
        } & actions
        assert ("=", "Apply to all") in help_screen.rows


async def test_a_match_conflict_hides_the_field_keys(world):
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_conflict(pilot, 1)
        keys = {key for key, active in screen.active_bindings.items() if active.node is screen}
        assert {"l", "k", "i", "n", "p", "escape"} <= keys
        assert not {"a", "b", "e", "f", "v", "equals_sign", "R", "g", "x", "ctrl+s"} & keys
