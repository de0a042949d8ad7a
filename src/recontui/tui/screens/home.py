"""Home: both systems, the last run, open conflicts by entity, keys to everything else."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static

from ...present import local_time, next_scheduled_run
from ...verify import check_line
from ...wiring import Reach, reachability
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..messages import HomeLoaded, SystemsChecked
from ..text import plain


def reach_text(reach: Reach, retry_key: str, timeout: float = 15.0) -> str:
    """A side's reachability in the Home screen's words."""
    if reach.answered:
        return f"{reach.company_name} ({reach.company_id}), reachable"
    if reach.timed_out:
        return f"no answer within {timeout:g} s: check the network, {retry_key} retries"
    return reach.reason


def check_text(row: dict[str, Any] | None) -> Text:
    """The last `recontui verify` result in one line, marked ✔ (agree) or ✘ (not)."""
    if row is None:
        return plain(check_line(None, ""), "dim")
    line = Text("✔ ", style="bold green") if row["agree"] else Text("✘ ", style="bold red")
    line.append_text(plain(check_line(row, local_time(row["finished_at"], seconds=False))))
    return line


def last_run_text(message: HomeLoaded, sync_key: str, preferences_key: str) -> Text:
    """The last run, the next scheduled one and the last check of the books."""
    run = message.last_run
    if run is None:
        last = Text(f"No run yet: press {sync_key} to start one.")
    else:
        last = Text.assemble(
            ("Last run ", "bold"),
            f"#{run['id']} ",
            plain(run["status"], "bold"),
            f"  {local_time(run.get('finished_at') or run['started_at'])}",
            f"  exit {run['exit_code']}" if run.get("exit_code") is not None else "",
        )
        if run.get("message"):
            last.append("\n")
            last.append_text(plain(run["message"]))
    if message.due is None:
        last.append(
            f"\nSchedule {message.schedule}: no scheduled run (set one in Preferences, "
            f"{preferences_key})."
            if message.schedule == "off"
            else f"\nSchedule {message.schedule!r} is not valid: fix it in Preferences "
            f"({preferences_key})."
        )
    else:
        when = local_time(message.due.isoformat(), seconds=False)
        now = dt.datetime.now(dt.UTC)
        if message.due <= now:
            when = "due now (cron starts it with `recontui sync --if-due`)"
        last.append(f"\nNext scheduled run ({message.schedule}): {when}")
    last.append("\n")
    last.append_text(check_text(message.last_check))
    return last


def open_conflicts_table(counts: dict[str, dict[str, int]]) -> Table:
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
    open_ = counts.get("open", {})
    resolved = counts.get("resolved", {})
    for name in sorted(set(open_) | set(resolved)):
        table.add_row(plain(name), str(open_.get(name, 0)), str(resolved.get(name, 0)))
    if not open_ and not resolved:
        table.add_row("none", "0", "0")
    return table


class HomeScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        # In footer order: what a person comes here for first (ConsoleFooter keeps `?` and
        # `q` on the row and leaves out what does not fit; `?` lists every key).
        Binding("c", "app.switch_mode('conflicts')", "Conflicts", id="home.conflicts"),
        Binding("s", "app.sync", "Start sync", id="home.sync"),
        Binding("p", "app.switch_mode('preferences')", "Preferences", id="home.preferences"),
        Binding("r", "app.switch_mode('run')", "Run", id="home.run"),
        Binding("y", "app.switch_mode('history')", "History", id="home.history"),
        Binding("u", "app.switch_mode('auto')", "Auto-resolved", id="home.auto"),
        Binding("f5", "reload", "Refresh", id="home.refresh"),
    ]

    #: side -> (reachable, what to show); a side is missing until its check answers.
    reach: var[dict[str, tuple[bool, str]]] = var(dict)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="home-systems", classes="panel")
        yield Static(id="home-body", classes="panel")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.check_systems()

    def watch_reach(self) -> None:
        self.show_systems()

    def show_systems(self) -> None:
        profile = self.app.profile
        systems = Table.grid(padding=(0, 1))
        for side, role, label in (
            ("a", "Billing", self.app.a_label),
            ("b", "Accounting", self.app.b_label),
        ):
            if side not in self.reach:
                known = profile.a_company_id if side == "a" else profile.b_company_id
                line = plain(f"company {known}  " if known else "")
                line.append("… checking", style="dim")
            else:
                ok, said = self.reach[side]
                line = Text("✔ ", style="bold green") if ok else Text("✘ ", style="bold red")
                line.append_text(plain(said, "" if ok else "red"))
            # A company that answered is one line (a long id ends in "…"); why a system
            # cannot be reached wraps: it is what the person has to act on.
            reached = side in self.reach and self.reach[side][0]
            if reached or side not in self.reach:
                line.no_wrap, line.overflow = True, "ellipsis"
            systems.add_row(Text(role, style="bold"), plain(label), line)
        secrets = self.app.secrets.describe() if self.app.secrets is not None else "none (test)"
        systems.add_row(Text("Secrets", style="bold"), Text(""), plain(secrets))
        self.query_one("#home-systems", Static).update(systems)

    def on_screen_resume(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.reach = {}
        self.check_systems()
        self.load()

    @work(thread=True, exclusive=True, group="home")
    def load(self) -> None:
        store, profile = self.app.store, self.app.profile
        runs = store.runs(profile.id, limit=1)
        counts = store.conflict_counts(profile.id)
        schedule, due = next_scheduled_run(store, profile)
        check = store.last_verification(profile.id)
        self.post_message(HomeLoaded(runs[0] if runs else None, counts, schedule, due, check))

    @work(thread=True, exclusive=True, group="home-reach", exit_on_error=False)
    def check_systems(self) -> None:
        """Ask each side who it is (one light request); say why when it cannot answer."""
        factory, retry = self.app.connector_factory, self.app.key("home.refresh")
        reach = asyncio.run(reachability(factory))
        words: dict[str, tuple[bool, str]] = {
            side: (r.answered, reach_text(r, retry)) for side, r in reach.items()
        }
        self.post_message(SystemsChecked(words))

    @on(SystemsChecked)
    def systems_checked(self, message: SystemsChecked) -> None:
        self.reach = dict(message.reach)

    @on(HomeLoaded)
    def show(self, message: HomeLoaded) -> None:
        keys = self.app.key("app.sync"), self.app.key("app.preferences")
        last = last_run_text(message, *keys)
        table = open_conflicts_table(message.counts)
        self.query_one("#home-body", Static).update(Group(last, Text(""), table))
