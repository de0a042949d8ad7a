"""Preferences' section for summarised journal entries (setup/summary_mode.py): what the
setting is, and turning it on by keys (``j``: the master customer, then the words, each
typed in the fields dialog and checked by the setup's own check-and-save).

Kept apart from preferences.py, which only composes the section, shows it on ``load`` and
binds the key to :func:`turn_on`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Label, Static

from ...setup.summary_mode import (
    CONFIRM_WORDS,
    LOCKED,
    find_customer,
    save_summary_mode,
    setting_words,
    summary_state,
    what_changes,
)

if TYPE_CHECKING:
    from .preferences import PreferencesScreen

KEY_ID = "prefs.summary"


def summary_rows(screen: PreferencesScreen) -> ComposeResult:
    turns = screen.app.key(KEY_ID)
    yield Label(
        Text(f"Summarised journal entries ({turns} turns them on; it cannot be undone)"),
        classes="title",
    )
    yield Static(id="prefs-summary")


def show_summary(screen: PreferencesScreen) -> None:
    app = screen.app
    state = summary_state(app.store, app.profile)
    words = (
        f"each day's {app.a_label} invoices, credit memos and payments received reach "
        f"{app.b_label} as one journal entry"
        if state.on
        else f"each {app.a_label} invoice, credit memo and payment received is copied on its own"
    )
    screen.query_one("#prefs-summary", Static).update(Text(f"{setting_words(state)}: {words}"))


def turn_on(screen: PreferencesScreen) -> None:
    """Ask for the master customer, then show what changes and ask for the words; once
    on, say it is locked."""
    from .preferences import FieldsScreen

    app = screen.app
    if summary_state(app.store, app.profile).on:
        screen.status(LOCKED)
        return
    chosen: dict[str, str] = {}

    def check(text: str) -> str | None:
        found = find_customer(app.store, app.profile, text)
        if isinstance(found, str):
            return found
        chosen.update(customer=found.b_id or text, name=str((found.b_fields or {})["name"]))
        return None

    def confirm(text: str | None) -> None:
        if text is None:
            return
        start = dt.date.today()

        def save(words: str) -> str | None:
            return save_summary_mode(
                app.store, app.profile, True, chosen["customer"], words, app.actor, today=start
            )

        def saved(words: str | None) -> None:
            if words is None:
                return
            screen.status("Saved: summarised journal entries are on (locked).")
            screen.load()

        hint = f'{what_changes(app.profile, chosen["name"], start)} Type "{CONFIRM_WORDS}".'
        app.push_screen(FieldsScreen("Summarised journal entries", hint, "", save), saved)

    hint = (
        f"The {app.b_label} customer each day's journal entry is posted against: its name "
        "or its id."
    )
    app.push_screen(
        FieldsScreen("Summarised journal entries: master customer", hint, "", check), confirm
    )
