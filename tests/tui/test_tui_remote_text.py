"""Remote text is data: a customer called `[bold red]X[/]` shows literally, everywhere."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.resolve import ResolveScreen

MARKUP_NAME = "[bold red]X[/] & [link=http://evil]co[/link]"


async def test_customer_name_with_markup_renders_literally(world):
    target = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field"
    )
    link = world.store.link(target.link_id)
    a, _ = world.connectors()
    async with a:
        await a.update(
            "customer",
            link.a_id,
            link.a_version,
            {"name": MARKUP_NAME},
            idempotency_key="tui-test-markup",
        )
    await world.sync()
    assert world.store.conflict(target.id).status == "open"

    app = world.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("c")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        queue = pilot.app.screen
        assert isinstance(queue, ConflictsScreen)
        cell = queue.query_one(DataTable).get_cell(str(target.id), "record")
        assert isinstance(cell, Text)
        assert cell.plain == MARKUP_NAME
        assert cell.spans == []

        await pilot.press(*["down"] * queue.ids.index(target.id), "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ResolveScreen)
        assert MARKUP_NAME in str(screen.query_one("#resolve-head").render())
        svg = app.export_screenshot()
        assert "[bold&#160;red]X[/]" in svg or "[bold red]X[/]" in svg
