"""Home: both systems, the last run, open conflicts by entity, keys to everything else."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ..messages import HomeLoaded
from ..text import plain


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "app.switch_mode('conflicts')", "Conflicts", id="home.conflicts"),
        Binding("r", "app.switch_mode('run')", "Run", id="home.run"),
        Binding("y", "app.switch_mode('history')", "History", id="home.history"),
        Binding(
            "p",
            "app.switch_mode('preferences')",
            "Preferences",
            show=False,
            id="home.preferences",
        ),
        Binding("f5", "reload", "Refresh", id="home.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="home-systems", classes="panel")
        yield Static(id="home-body", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        profile = app.profile
        systems = Table.grid(padding=(0, 2))
        systems.add_row(
            Text("Billing", style="bold"),
            plain(app.a_label),
            plain(profile.a_settings.get("company_name", "")),
        )
        systems.add_row(
            Text("Accounting", style="bold"),
            plain(app.b_label),
            plain(profile.b_settings.get("company_name", "")),
        )
        self.query_one("#home-systems", Static).update(systems)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="home")
    def load(self) -> None:
        app: Any = self.app
        runs = app.store.runs(app.profile.id, limit=1)
        counts = app.store.conflict_counts(app.profile.id)
        self.post_message(HomeLoaded(runs[0] if runs else None, counts))

    @on(HomeLoaded)
    def show(self, message: HomeLoaded) -> None:
        run = message.last_run
        if run is None:
            last = Text("No run yet: press r, then s to start one.")
        else:
            last = Text.assemble(
                ("Last run ", "bold"),
                f"#{run['id']} ",
                plain(run["status"], "bold"),
                f"  {(run.get('finished_at') or run['started_at'])[:19].replace('T', ' ')}",
                f"  exit {run['exit_code']}" if run.get("exit_code") is not None else "",
            )
            if run.get("message"):
                last.append("\n")
                last.append_text(plain(run["message"]))
        table = Table(
            title="Open conflicts",
            title_justify="left",
            box=None,
            show_header=True,
            header_style="bold",
        )
        table.add_column("entity")
        table.add_column("open", justify="right")
        table.add_column("resolved, to push", justify="right")
        open_ = message.counts.get("open", {})
        resolved = message.counts.get("resolved", {})
        for name in sorted(set(open_) | set(resolved)):
            table.add_row(plain(name), str(open_.get(name, 0)), str(resolved.get(name, 0)))
        if not open_ and not resolved:
            table.add_row("none", "0", "0")
        self.query_one("#home-body", Static).update(Group(last, Text(""), table))
