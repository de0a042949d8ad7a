"""Home says in full why a system cannot be reached: the reason wraps at 80 columns
instead of being cut mid-word (issue 14)."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import Static

from recontui.tui.screens.home import HomeScreen

REASON = (
    "Could not reach BILL (POST /connect/v3/login: ConnectError) after 5 attempts: check "
    "the network connection and the profile's API address, then sync again."
)


async def test_an_unreachable_systems_reason_is_shown_whole_at_80_columns(world) -> None:
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        screen.reach = {"a": (False, REASON), "b": (True, "Harbor Lane (9341), reachable")}
        await pilot.pause()
        panel = screen.query_one("#home-systems", Static)
        console = Console(width=panel.content_region.width, record=True, color_system=None)
        console.print(panel.content)
        shown = " ".join(console.export_text().split())
        assert " ".join(REASON.split()) in shown.replace("✘ ", "")
