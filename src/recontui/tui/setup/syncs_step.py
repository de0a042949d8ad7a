"""Step 7, What syncs: a table of entities with their direction, master and who edits them
once synced (keys change the selected row; a direction moved off the usual one asks
first), the initial window, inactive records, the schedule. Next saves them all through
`setup.syncs.save_syncs`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Label, Static

from ...engine.policy import DIRECTIONS
from ...model.entities import SYNCED, Side
from ...setup import Step
from ...setup.one_way import locked_for
from ...setup.syncs import (
    PRESET_DIRECTIONS,
    SyncsChoices,
    check_owner,
    current_syncs,
    direction_change,
    direction_words,
    master_words,
    owner_change,
    owner_label,
    plural,
    save_syncs,
    short_label,
)
from ...wiring import system_code
from ..screens.preferences import ScheduleValidator, WindowValidator
from .base import StepScreen

_MASTERS: tuple[Side | None, ...] = (None, "a", "b")


class ConfirmChange(ModalScreen[bool]):
    """Asks before a direction moves off the usual one, saying what it means."""

    DEFAULT_CSS = """
    ConfirmChange { align: center middle; }
    ConfirmChange > Vertical {
        width: 60; height: auto; border: thick $primary; padding: 1 2; background: $surface;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, change it", id="setup.syncs_yes"),
        Binding("n", "answer(False)", "No", id="setup.syncs_no"),
        Binding("escape", "answer(False)", "No", show=False, id="setup.syncs_no_escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="question")
            yield Label("y change it · n keep it as it is")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SyncsStep(StepScreen):
    STEP = Step.SYNCS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "direction", "Direction", id="setup.syncs_direction"),
        Binding("m", "master", "Master", id="setup.syncs_master"),
        Binding("e", "owner", "Edits", id="setup.syncs_owner"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.directions: dict[str, str] = {}
        self.masters: dict[str, Side | None] = {}
        self.owners: dict[str, Side | None] = {}
        self.columns: list[Any] = []
        #: Whether the usual choices are shown (nothing saved for the profile yet).
        self.preset = False

    def form(self) -> Iterator[Widget]:
        yield Static(
            Text(
                "Which way each kind of record is copied, whose value wins a conflict (the "
                "master) and where it is edited once in both systems: d, m, e change a row."
            )
        )
        yield DataTable(id="syncs", cursor_type="row", zebra_stripes=True)
        yield Static(id="owner-note")
        yield Label("Initial window: all, 90 days or from 2026-01-01", classes="section")
        yield Input(
            id="window",
            validators=[WindowValidator()],
            validate_on=["changed", "submitted"],
            placeholder="90 days (before the first sync), all, from 2026-01-01",
        )
        yield Checkbox("Include inactive records", id="inactive")
        yield Static(
            Text(
                "Ticked, a record inactive in one system is created in the other too, "
                "inactive there.",
                style="dim",
            )
        )
        yield Label("Schedule (cron runs `recontui sync --if-due`)", classes="section")
        yield Input(
            id="schedule",
            validators=[ScheduleValidator()],
            validate_on=["changed", "submitted"],
            placeholder="off, every 30 minutes, daily 02:30, weekdays 18:00",
        )

    @property
    def labels(self) -> tuple[str, str]:
        profile = self.setup.profile
        assert profile is not None  # step 1 made it
        return short_label(profile.a_system), short_label(profile.b_system)

    def on_mount(self) -> None:
        super().on_mount()
        profile = self.setup.profile
        assert profile is not None
        choices = current_syncs(self.setup.store, profile)
        self.directions = dict(choices.directions)
        self.masters = dict(choices.masters)
        self.owners = {name: choices.owners.get(name) for name in SYNCED}
        table = self.query_one("#syncs", DataTable)
        self.columns = table.add_columns("records", "direction", "master", "edits")
        a, b = self.labels
        codes = " · ".join(
            f"{code} {label}"
            for code, label in zip(self.codes, (a, b), strict=True)
            if code != label
        )
        note = "Edits: a change made in the other system is reported on every run, never sent."
        self.query_one("#owner-note", Static).update(
            Text(f"{codes}. {note}" if codes else note, style="dim")
        )
        for name in SYNCED:
            table.add_row(*self.row(name), key=name)
        self.query_one("#window", Input).value = choices.window
        self.query_one("#inactive", Checkbox).value = choices.include_inactive
        self.query_one("#schedule", Input).value = choices.schedule
        self.preset = choices.preset
        table.focus()
        self.say(self.hint())

    def hint(self) -> str:
        what = "The usual choices are filled in" if self.preset else "These are the saved choices"
        return f"{what}; tab moves between fields, ctrl+n saves and goes on."

    @property
    def codes(self) -> tuple[str, str]:
        """The systems as the narrow table names them ("BILL", "QBO"; the note says which)."""
        profile = self.setup.profile
        assert profile is not None
        return system_code(profile.a_system), system_code(profile.b_system)

    def row(self, name: str) -> tuple[Text, Text, Text, Text]:
        a, b = self.codes
        return (
            Text(plural(name)),
            Text(direction_words(self.directions[name], a, b)),
            Text(master_words(self.masters[name], a, b)),
            Text(owner_label(self.owners[name], a, b)),
        )

    def selected(self) -> str:
        return SYNCED[self.query_one("#syncs", DataTable).cursor_row]

    def redraw(self, name: str) -> None:
        table = self.query_one("#syncs", DataTable)
        for column, value in zip(self.columns, self.row(name), strict=True):
            table.update_cell(name, column, value)

    def locked(self, name: str) -> bool:
        """Say so when one-way transactions (locked) holds the row's direction and owner."""
        profile = self.setup.profile
        assert profile is not None
        why = locked_for(self.setup.store, profile, name)
        if why:
            self.say(why, error=True)
        return why is not None

    def action_direction(self) -> None:
        name = self.selected()
        if self.locked(name):
            return
        old = self.directions[name]
        order = list(DIRECTIONS)
        new = order[(order.index(old) + 1) % len(order)] if old in order else "both"
        if new == PRESET_DIRECTIONS[name]:
            self.set_direction(name, new)
            return
        a, b = self.labels
        question = (
            f"{direction_change(name, old, new, a, b)} Change the direction of "
            f"{plural(name).lower()} to {direction_words(new, a, b)}?"
        )
        self.app.push_screen(ConfirmChange(question), self.answered(name, new))

    def answered(self, name: str, new: str) -> Callable[[bool | None], None]:
        def done(yes: bool | None) -> None:
            if yes:
                self.set_direction(name, new)
            else:
                self.say(f"{plural(name)}: the direction is unchanged.")

        return done

    def set_direction(self, name: str, direction: str) -> None:
        self.directions[name] = direction
        a, b = self.labels
        said = f"{plural(name)}: {direction_words(direction, a, b)} (saved by ctrl+n)."
        if check_owner(name, self.owners[name], direction, a, b):
            # The owner's edits could no longer reach the other side: both sides edit.
            self.owners[name] = None
            said += " Its edits are now made in both systems."
        self.redraw(name)
        self.say(said)

    def action_owner(self) -> None:
        name = self.selected()
        if self.locked(name):
            return
        a, b = self.labels
        order: tuple[Side | None, ...] = (None, "a", "b")
        current = order.index(self.owners[name])
        for step in (1, 2):  # the next owner whose edits can reach the other side
            side = order[(current + step) % len(order)]
            if check_owner(name, side, self.directions[name], a, b) is None:
                break
        self.owners[name] = side
        self.redraw(name)
        self.say(f"{owner_change(name, side, a, b)} (saved by ctrl+n)")

    def action_master(self) -> None:
        name = self.selected()
        side = _MASTERS[(_MASTERS.index(self.masters[name]) + 1) % len(_MASTERS)]
        self.masters[name] = side
        self.redraw(name)
        a, b = self.labels
        who = master_words(side, a, b)
        self.say(
            f"{plural(name)}: conflicts wait for you to decide (saved by ctrl+n)."
            if side is None
            else f"{plural(name)}: {who}'s value wins a conflict (saved by ctrl+n)."
        )

    @on(Input.Changed, "#window, #schedule")
    def typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.say(" ".join(result.failure_descriptions), error=True)
        else:
            self.say(self.hint())

    def choices(self) -> SyncsChoices:
        return SyncsChoices(
            dict(self.directions),
            dict(self.masters),
            self.query_one("#window", Input).value,
            self.query_one("#inactive", Checkbox).value,
            self.query_one("#schedule", Input).value,
            owners=dict(self.owners),
        )

    async def finish(self) -> str | None:
        profile = self.setup.profile
        assert profile is not None
        return save_syncs(self.setup.store, profile, self.choices(), self.setup.actor)
