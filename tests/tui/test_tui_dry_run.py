"""The console's dry run (Run screen, `d`): the plan of the next sync by entity and record
name, each field's value before and after; nothing is written. (Issue 14: "The console has
no dry run at all.")"""

from __future__ import annotations

import uuid

from textual.widgets import DataTable, Static
from tui_world import World, make_world

from recontui.model.states import OpState
from recontui.tui.screens.plan import PlanScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def edit_email(world: World) -> str:
    """A customer's email changed in QuickBooks Online after the first sync; its name."""
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    conn = world.connectors()[1]
    async with conn:
        rec = await conn.read("customer", link.b_id)
        await conn.update(
            "customer",
            link.b_id,
            rec.version,
            {"email": "new-ap@example.com"},
            idempotency_key=uuid.uuid4().hex,
        )
    name = link.b_fields.get("name") or link.a_fields.get("name")
    assert name
    return str(name)


async def test_d_shows_the_plan_by_name_with_before_and_after_and_writes_nothing(
    tmp_path,
) -> None:
    world = make_world(tmp_path, scenario="demo")
    await world.sync()
    name = await edit_email(world)
    before = world.store.link(
        world.store.links(world.profile.id, "customer", where="state='paired'")[0].id
    )
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("d")
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, PlanScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        counts = str(screen.query_one("#plan-counts", Static).render())
        assert "nothing was written" in counts and "Customers" in counts
        table = screen.query_one("#plan-table", DataTable)
        names = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        assert name in names
        table.move_cursor(row=names.index(name))
        await settle(pilot)
        values = str(screen.query_one("#plan-values", Static).render())
        assert "email" in values and "→" in values and "new-ap@example.com" in values
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PlanScreen)
    # Nothing was written: no op left to send, the BILL side unchanged.
    assert not world.store.ops(world.profile.id, (OpState.PENDING, OpState.SENT))
    after = world.store.link(before.id)
    assert after.a_fields == before.a_fields
