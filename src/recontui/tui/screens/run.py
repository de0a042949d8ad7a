"""A sync run from the console: a thread worker runs it, its events stream into a log."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog, Static

from ...runner import RunOptions, run_sync
from ...store import open_store
from ..messages import RunEventPosted, RunFinished
from ..text import plain

LOG_LINES = 2000
LEVEL_STYLE = {"warning": "yellow", "error": "bold red", "debug": "dim"}


def event_line(level: str, phase: str, message: str) -> Text:
    line = Text(no_wrap=False)
    line.append(f"{level[:4]:4} ", LEVEL_STYLE.get(level, "green"))
    line.append(f"{phase:7} ", "bold")
    line.append_text(plain(message))
    return line


class RunScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start sync", id="run.start"),
        Binding("c", "cancel", "Cancel run", id="run.cancel"),
        Binding("escape", "app.switch_mode('home')", "Home", id="run.home"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event: threading.Event | None = None
        self.levels: Counter[str] = Counter()
        self.phases: Counter[str] = Counter()
        self.last_result: Any = None

    @property
    def running(self) -> bool:
        return self.cancel_event is not None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="run-counts")
        yield RichLog(id="run-log", max_lines=LOG_LINES, markup=False, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.show_counts()

    def show_counts(self) -> None:
        if self.running:
            state = Text("Running", style="bold yellow")
        elif self.last_result is not None:
            r = self.last_result
            state = Text.assemble(("Finished: ", "bold"), plain(r.status), f" (exit {r.exit_code})")
        else:
            state = Text("Idle: s starts a sync run.")
        state.append(
            f"   events {sum(self.levels.values())}, warnings "
            f"{self.levels['warning']}, errors {self.levels['error']}"
        )
        if self.phases:
            state.append("\n" + "  ".join(f"{p} {n}" for p, n in self.phases.items()), "dim")
        if self.last_result is not None and not self.running:
            c = self.last_result.counts
            state.append(
                f"\npulled {c.get('pulled', 0)} · pushed {c.get('pushed', 0)} · conflicts "
                f"{c.get('open_conflicts', 0)} open · failed {c.get('push_failed', 0)}"
            )
        self.query_one("#run-counts", Static).update(state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.running
        if action == "cancel":
            return self.running
        return True

    def action_start(self) -> None:
        if self.running:
            return
        self.cancel_event = threading.Event()
        self.levels.clear()
        self.phases.clear()
        self.last_result = None
        self.query_one(RichLog).clear()
        self.refresh_bindings()
        self.show_counts()
        self.sync(self.cancel_event)

    def action_cancel(self) -> None:
        if self.cancel_event is not None and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.query_one(RichLog).write(
                Text("Cancelling: the run stops at the next safe point…", style="bold")
            )

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def sync(self, cancel: threading.Event) -> None:
        app: Any = self.app
        # The run gets its own connection: its transactions must not take in the UI's writes.
        store = open_store(app.store.path)
        try:
            profile = store.get_profile(app.profile.name)

            def listener(event: Any) -> None:
                if event.level != "debug":
                    self.post_message(RunEventPosted(event))

            options = RunOptions(trigger="tui", actor=app.actor, cancel=cancel)
            result = asyncio.run(
                run_sync(store, profile, app.connector_factory, options, listener=listener)
            )
            self.post_message(RunFinished(result))
        except Exception as exc:  # a bug, not a user error: keep the console alive
            self.post_message(RunFinished(None, f"{type(exc).__name__}: {exc}"))
        finally:
            store.close()

    @on(RunEventPosted)
    def got_event(self, message: RunEventPosted) -> None:
        event = message.event
        self.levels[event.level] += 1
        self.phases[event.phase] += 1
        self.query_one(RichLog).write(event_line(event.level, event.phase, event.message))
        self.show_counts()

    @on(RunFinished)
    def finished(self, message: RunFinished) -> None:
        self.cancel_event = None
        self.last_result = message.result
        app: Any = self.app
        app.runs_finished += 1
        if message.error:
            self.query_one(RichLog).write(Text(message.error, style="bold red"))
        self.refresh_bindings()
        self.show_counts()
