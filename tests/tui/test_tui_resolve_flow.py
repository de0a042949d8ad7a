"""Keys only: open a conflict, pick per field, edit a value, save, sync from the console."""

from __future__ import annotations

from textual.widgets import DataTable

from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.resolve import ResolveScreen
from recontui.tui.screens.run import RunScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def conflict_for(world, record: str):
    from recontui.present import conflict_summary

    for c in world.store.conflicts(world.profile.id):
        if conflict_summary(world.store, world.profile, c)["record"] == record:
            return c
    raise AssertionError(record)


async def open_conflict(pilot, conflict_id: int) -> ResolveScreen:
    await pilot.press("c")
    await settle(pilot)
    queue = pilot.app.screen
    assert isinstance(queue, ConflictsScreen)
    await pilot.press(*["down"] * queue.ids.index(conflict_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ResolveScreen)
    assert screen.conflict.id == conflict_id
    return screen


async def test_pick_edit_save_and_sync_from_the_console(world):
    target = conflict_for(world, "D'Angelo Dental")
    assert sorted(target.fields) == ["company_name", "phone"]
    link = world.store.link(target.link_id)
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_conflict(pilot, target.id)
        table = screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()][2:4] == ["BILL", "QuickBooks Online"]
        # company_name: edit a value of our own; phone: take the accounting side.
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"D'Angelo Dental Care", "enter")
        await pilot.pause()
        await pilot.press("down", "b")
        await pilot.pause()
        assert screen.picks["phone"][0] == "b"
        assert screen.picks["company_name"][:2] == ("custom", "D'Angelo Dental Care")
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = world.store.conflict(target.id)
        assert saved.status == "resolved"
        assert screen.picks == {}
        status = str(screen.query_one("#resolve-head").render())
        assert "resolved: pushed on the next run" in status

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RunScreen)
        await pilot.press("s")
        await settle(pilot)
        run = pilot.app.screen
        assert run.last_result is not None, "the run finished"
        assert run.last_result.counts["pushed"] >= 1
        await pilot.press("2")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        assert target.id not in queue.ids, "pushed conflicts leave the queue"

    assert world.store.conflict(target.id).status == "pushed"
    a, b = world.connectors()
    async with a, b:
        rec_a = await a.read("customer", link.a_id)
        rec_b = await b.read("customer", link.b_id)
    for rec in (rec_a, rec_b):
        assert rec.fields["company_name"] == "D'Angelo Dental Care"
        assert rec.fields["phone"] == "(916) 555-0169"


async def test_link_a_match_candidate_and_sync_from_the_console(world):
    target = world.store.conflict(1)
    assert target.kind == "match" and target.status == "open"
    first = target.candidates[0]
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_conflict(pilot, target.id)
        table = screen.query_one(DataTable)
        assert table.row_count == 1 + len(target.candidates)
        assert table.cursor_row == 1, "the cursor starts on the first candidate"
        b_id = world.store.link(world.store.canonical_link_id(first)).b_id
        assert str(table.get_cell_at((1, 2))) == b_id
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        saved = world.store.conflict(target.id)
        assert saved.status == "resolved"
        assert saved.choices == {"$match": ["link", first]}
        head = str(screen.query_one("#resolve-head").render())
        assert "resolved: pushed on the next run" in head

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(pilot.app.screen, RunScreen)
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen.last_result is not None, "the run finished"

    assert world.store.conflict(target.id).status == "pushed"


async def test_match_keys_ask_first_and_no_keeps_it_open(world):
    app = world.app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_conflict(pilot, 1)
        keys = {key for key, active in screen.active_bindings.items() if active.node is screen}
        assert {"l", "k", "i"} <= keys and not {"a", "b", "e", "ctrl+s"} & keys
        for key in ("k", "i", "l"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(pilot.app.screen, ConfirmScreen)
            await pilot.press("n")
            await pilot.pause()
            assert pilot.app.screen is screen
    assert world.store.conflict(1).status == "open"
