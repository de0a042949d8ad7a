"""Preferences: sync directions and who edits synced records (a direction change asks
first), forbidden changes, the big-change guard, master rules and
each entity's fields (which fields an update may replace, which fields sync at all).

Every change is saved at once with `Store.set_setting`, so it lands in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, cast

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, DataTable, Header, Input, Label, Select, Static

from ...decisions import forget_rule, remember_rule
from ...engine.policy import DIRECTIONS, ON_FORBIDDEN, RULE_KINDS, Rule, RuleKind
from ...engine.window import WindowError, parse_window
from ...model.entities import ENTITIES, SYNCED, Side
from ...run import first_synced_date
from ...schedule import ScheduleError, parse_schedule
from ...setup.approved_bills import (
    CONFIRM_WORDS,
    LOCKED,
    only_approved_bills,
    save_only_approved_bills,
)
from ...setup.approved_bills import setting_words as approved_words
from ...setup.one_way import CONFIRM_WORDS as ONE_WAY_WORDS
from ...setup.one_way import LOCKED as ONE_WAY_LOCKED
from ...setup.one_way import (
    locked_for,
    one_way_transactions,
    save_one_way_transactions,
    save_two_way_ap_payments,
    two_way_ap_payments,
)
from ...setup.one_way import setting_words as one_way_words
from ...setup.sync_fields import (
    field_settings,
    parse_choice,
    save_field_subset,
    save_update_fields,
    setting_words,
)
from ...setup.syncs import (
    direction_question,
    owner_change,
    owner_label,
    owner_side,
    save_direction,
    save_include_inactive,
    save_owner,
)
from ...setup.syncs import direction_words as direction_label
from ...store import StoreError
from ...store.settings import DEFAULT_SETTINGS
from ..console import ConsoleApp
from ..footer import ConsoleFooter
from ..text import plain
from .filters import FiltersScreen, range_lines, type_lines
from .modals import ConfirmScreen
from .summary_prefs import show_summary, summary_rows, turn_on

WHOLE_PROFILE = "*"
NO_SIDE = "-"

FORBIDDEN_LABELS = {
    "queue": "queue it as a conflict",
    "revert": "revert it on the side that changed",
    "ignore": "ignore it",
}
KIND_LABELS = {
    "prefer": "prefer: wins conflicts",
    "force": "force: wins every difference",
    "fill_blanks": "fill blanks: take the value when one side is blank",
}


def side_label(side: str | None, a_label: str, b_label: str) -> str:
    return {"a": a_label, "b": b_label}.get(side or "", "—")


def scope_label(entity: str | None, field_name: str | None) -> str:
    if entity is None:
        return "whole profile"
    label = ENTITIES[entity].label if entity in ENTITIES else entity
    return f"{label} · {field_name}" if field_name else label


class ShareValidator(Validator):
    """The big-change share, in percent: 1 to 100."""

    def validate(self, value: str) -> ValidationResult:
        try:
            share = typed_share(value)
        except (ArithmeticError, ValueError):
            return self.failure("The share is a percentage: a number from 1 to 100.")
        if not share.is_finite() or not Decimal("0.01") <= share <= 1:
            return self.failure("The share must be from 1 to 100 percent.")
        return self.success()


class MinValidator(Validator):
    """The big-change minimum: a whole number, zero or more."""

    def validate(self, value: str) -> ValidationResult:
        try:
            number = int(value.strip())
        except ValueError:
            return self.failure("The minimum is a whole number of records, 0 or more.")
        if number < 0:
            return self.failure("The minimum cannot be below 0.")
        return self.success()


class ScheduleValidator(Validator):
    """A schedule cron follows with `recontui sync --if-due`."""

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_schedule(value)
        except ScheduleError as exc:
            return self.failure(str(exc))
        return self.success()


class WindowValidator(Validator):
    """The initial window: all, N days, or from a date."""

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_window(value)
        except WindowError as exc:
            return self.failure(str(exc))
        return self.success()


def percent_text(share: Decimal | float | str) -> str:
    """A stored share (0.25) as the percentage typed for it ("25"), exact: the stored
    text is read as a Decimal, never through a float."""
    percent = Decimal(str(share)) * 100
    return format(percent.normalize(), "f")


def typed_share(text: str) -> Decimal:
    """The share a typed percentage means ("25 %" -> 0.25), exact."""
    return Decimal(text.strip().rstrip("%").strip()) / 100


class SettingInput(Input):
    """A setting typed in. Digits and letters are the field's (the app keys wait), so the
    footer names the two ways out: Enter saves, escape leaves the field (what was typed and
    not saved is put back; the Preferences screen says so)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Save", id="prefs.field_save"),
        Binding("escape", "screen.leave_field", "Leave field", id="prefs.field_leave"),
    ]


#: The settings typed in: field id -> what the status line calls it.
FIELD_NAMES = {
    "prefs-share": "the big-change share",
    "prefs-min": "the big-change minimum",
    "prefs-schedule": "the schedule",
    "prefs-window": "the initial window",
}


def checked_input(input_id: str, validator: Validator, placeholder: str) -> Input:
    """A setting typed in: checked as it is typed and when Enter saves it."""
    return SettingInput(
        validators=[validator],
        validate_on=["changed", "submitted"],
        id=input_id,
        placeholder=placeholder,
    )


class PreferencesScreen(Screen[None]):
    app = getters.app(ConsoleApp)
    AUTO_FOCUS = "#prefs-directions"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "cycle_direction", "Next direction", id="prefs.direction"),
        Binding("e", "cycle_owner", "Edits", show=False, id="prefs.owner"),
        Binding("n", "add_rule", "New rule", id="prefs.rule_add"),
        Binding("d", "delete_rule", "Delete rule", id="prefs.rule_delete"),
        Binding("f5", "reload", "Refresh", id="prefs.refresh"),
        # As on the other screens; in a text field escape first leaves the field.
        Binding("escape", "app.switch_mode('home')", "Home", show=False, id="prefs.home"),
        # Named in the fields table's title (the footer keeps ? Help visible at 80 columns).
        Binding(
            "u", "edit_fields('update')", "Update fields", show=False, id="prefs.update_fields"
        ),
        Binding("f", "edit_fields('synced')", "Fields synced", show=False, id="prefs.fields"),
        Binding(
            "o", "approved_bills", "Only approved bills", show=False, id="prefs.approved_bills"
        ),
        Binding("t", "one_way", "One-way transactions", show=False, id="prefs.one_way"),
        Binding("a", "ap_payments", "Two-way AP payments", show=False, id="prefs.ap_payments"),
        # Filters (setup/filters.py): what a record found in one system only needs to be
        # copied to the other; each opens the filters dialog (screens/filters.py).
        Binding("i", "filters('types')", "Types copied", show=False, id="prefs.types"),
        Binding("c", "filters('created')", "Created dates copied", show=False, id="prefs.created"),
        # Summarised journal entries (screens/summary_prefs.py, setup/summary_mode.py).
        Binding("j", "summary", "Summarised entries", show=False, id="prefs.summary"),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header()
        with VerticalScroll(id="prefs-body", can_focus=False):
            yield from self.direction_rows()
            yield Label("A change the direction forbids", classes="title")
            yield Select(
                [(label, key) for key, label in FORBIDDEN_LABELS.items() if key in ON_FORBIDDEN],
                allow_blank=False,
                id="prefs-forbidden",
            )
            yield Label(
                "Big-change guard: share of records, 1-100 % (Enter saves)", classes="title"
            )
            yield checked_input("prefs-share", ShareValidator(), "share in %")
            yield Label("Big-change guard: and at least this many records", classes="title")
            yield checked_input("prefs-min", MinValidator(), "minimum count")
            yield Label(
                "Schedule for cron's `recontui sync --if-due` (Enter saves)", classes="title"
            )
            yield checked_input(
                "prefs-schedule",
                ScheduleValidator(),
                "off, every 30 minutes, daily 02:30, weekdays 18:00",
            )
            yield Label(
                "Initial window: which transactions are synced, by date (Enter saves)",
                classes="title",
            )
            yield checked_input(
                "prefs-window",
                WindowValidator(),
                "all, 90 days (before the first run), from 2026-01-01",
            )
            yield Static(id="prefs-window-note")
            yield Checkbox("Include inactive records (space changes it)", id="prefs-inactive")
            yield Static(id="prefs-error", classes="error")
            add, delete = app.key("prefs.rule_add"), app.key("prefs.rule_delete")
            yield Label(
                Text(
                    f"Master rules ({add} new, {delete} delete; "
                    f"sides: {app.a_label}, {app.b_label})"
                ),
                classes="title",
            )
            yield DataTable(id="prefs-rules", cursor_type="row")
            upd, syn = app.key("prefs.update_fields"), app.key("prefs.fields")
            yield Label(
                Text(
                    f"Fields ({upd}: what updates replace, none: import only; {syn}: fields synced)"
                ),
                classes="title",
            )
            yield DataTable(id="prefs-fields", cursor_type="row")
            yield from self.approved_bills_rows()
        yield Static(id="prefs-status")
        yield ConsoleFooter()

    def direction_rows(self) -> ComposeResult:
        cycles, owns = self.app.key("prefs.direction"), self.app.key("prefs.owner")
        yield Label(
            Text(
                f"Sync direction ({cycles} or enter changes it) and where synced records "
                f"are edited ({owns}): the other system's edits are reported, never sent"
            ),
            classes="title",
        )
        yield DataTable(id="prefs-directions", cursor_type="row")

    def approved_bills_rows(self) -> ComposeResult:
        approves = self.app.key("prefs.approved_bills")
        yield Label(
            Text(f"Only approved bills ({approves} turns it on; it cannot be undone)"),
            classes="title",
        )
        yield Static(id="prefs-approved")
        one_way, ap = self.app.key("prefs.one_way"), self.app.key("prefs.ap_payments")
        yield Label(
            Text(f"One-way transactions ({one_way} turns it on; it cannot be undone)"),
            classes="title",
        )
        yield Static(id="prefs-one-way")
        yield Label(Text(f"Two-way AP payments ({ap} changes it)"), classes="title")
        yield Static(id="prefs-ap-payments")
        yield from summary_rows(self)  # screens/summary_prefs.py

    def on_mount(self) -> None:
        self.query_one("#prefs-directions", DataTable).add_columns("entity", "direction", "edits")
        self.query_one("#prefs-rules", DataTable).add_columns("id", "kind", "side", "scope")
        self.query_one("#prefs-fields", DataTable).add_columns(
            "entity", "updates replace", "fields synced"
        )
        self.load(inputs=True)

    def on_screen_resume(self) -> None:
        self.load(inputs=True)

    def action_reload(self) -> None:
        self.load(inputs=True)

    # -- reading ------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        app = self.app
        return {**DEFAULT_SETTINGS, **app.store.settings(app.profile.id)}

    def load(self, *, inputs: bool = False) -> None:
        app = self.app
        settings = self.settings()
        table = self.query_one("#prefs-directions", DataTable)
        row = table.cursor_row
        table.clear()
        for name in SYNCED:
            direction = settings.get(f"direction.{name}", "both")
            table.add_row(
                plain(ENTITIES[name].label),
                plain(direction_label(direction, app.a_label, app.b_label)),
                plain(owner_label(settings.get(f"owner.{name}"), app.a_label, app.b_label)),
                key=name,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        forbidden = self.query_one("#prefs-forbidden", Select)
        if forbidden.value != settings["on_forbidden"]:
            forbidden.value = settings["on_forbidden"]
        if inputs:
            for input_id, text in self.field_texts(settings).items():
                self.query_one(f"#{input_id}", Input).value = text
        self.show_window()
        inactive = self.query_one("#prefs-inactive", Checkbox)
        held = bool(settings.get("include_inactive"))
        if inactive.value != held:
            with inactive.prevent(Checkbox.Changed):
                inactive.value = held
        on = only_approved_bills(app.store, app.profile)
        self.query_one("#prefs-approved", Static).update(
            Text(f"{approved_words(on)}: a bill not approved in {app.a_label} waits until it is")
        )
        one_way = one_way_transactions(app.store, app.profile)
        self.query_one("#prefs-one-way", Static).update(
            Text(
                f"{one_way_words(one_way)}: transactions go {app.a_label} → {app.b_label} "
                f"only and are edited in {app.a_label}; lists stay two-way"
            )
        )
        two_way = two_way_ap_payments(app.store, app.profile)
        self.query_one("#prefs-ap-payments", Static).update(
            Text(
                f"{'on' if two_way else 'off'}: bill payments made in {app.b_label} are "
                f"{'' if two_way else 'not '}recorded in {app.a_label}"
            )
        )
        show_summary(self)
        self.load_rules()
        self.load_fields()

    def load_fields(self) -> None:
        app = self.app
        table = self.query_one("#prefs-fields", DataTable)
        row = table.cursor_row
        table.clear()
        for item in field_settings(app.store, app.profile):
            table.add_row(
                plain(ENTITIES[item.entity].label),
                plain(setting_words(item.update_fields)),
                plain(setting_words(item.fields)),
                key=item.entity,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def load_rules(self) -> None:
        app = self.app
        table = self.query_one("#prefs-rules", DataTable)
        row = table.cursor_row
        table.clear()
        for rule in app.store.rules(app.profile.id):
            table.add_row(
                str(rule["id"]),
                plain(rule["kind"]),
                plain(side_label(rule["side"], app.a_label, app.b_label)),
                plain(scope_label(rule["entity"], rule["field"])),
                key=str(rule["id"]),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    @staticmethod
    def field_texts(settings: dict[str, Any]) -> dict[str, str]:
        """What each typed-in field shows for the saved settings."""
        return {
            "prefs-share": percent_text(settings["big_change.share"]),
            "prefs-min": str(settings["big_change.min"]),
            "prefs-schedule": str(settings["schedule"]),
            "prefs-window": str(settings["initial_window"]),
        }

    def kept_words(self, input_id: str) -> tuple[str, str]:
        """The saved text of a typed-in field, and the sentence naming it: "the big-change
        share stays 10 %" (as the saved messages word it)."""
        text = self.field_texts(self.settings())[input_id]
        unit = {"prefs-share": " %", "prefs-min": " records"}.get(input_id, "")
        return text, f"{FIELD_NAMES[input_id]} stays {text}{unit}"

    # -- saving -------------------------------------------------------------
    def save(self, key: str, value: Any, said: str) -> None:
        app = self.app
        app.store.set_setting(app.profile.id, key, value, actor=app.actor)
        self.status(f"Saved: {said}.")

    def status(self, text: str, *, problem: bool = False) -> None:
        style = "bold red" if problem else ""
        self.query_one("#prefs-status", Static).update(Text(text, style=style))

    def refuse(self, input_id: str, problem: str) -> None:
        """A typed value that cannot be saved: said under the fields and in the status line
        (always on screen at 80x24); the saved value stays and the typing stays to fix."""
        _, stays = self.kept_words(input_id)
        self.error(f"{problem} Not saved.")
        self.status(f"{problem} Not saved: {stays}.", problem=True)

    def action_leave_field(self) -> None:
        """Escape in a typed-in field: back to the directions table; what was typed and
        not saved with Enter is put back (escape cancels, as in every dialog)."""
        field = self.focused
        if not isinstance(field, SettingInput) or field.id not in FIELD_NAMES:
            return
        kept, stays = self.kept_words(field.id)
        typed = field.value.strip() != kept
        field.value = kept
        self.error("")
        self.query_one("#prefs-directions", DataTable).focus()
        home = self.app.key("prefs.home")
        if typed:
            saves = self.app.key("prefs.field_save")
            self.status(f"Not saved ({saves} in the field saves): {stays}; {home} again goes Home.")
        else:
            self.status(f"Left {FIELD_NAMES[field.id]} field; {home} again goes Home.")

    def error(self, text: str) -> None:
        self.query_one("#prefs-error", Static).update(Text(text))

    def action_cycle_direction(self) -> None:
        table = self.query_one("#prefs-directions", DataTable)
        if self.focused is not table or not table.row_count:
            return
        self.cycle(table)

    @on(DataTable.RowSelected, "#prefs-directions")
    def direction_selected(self, event: DataTable.RowSelected) -> None:
        self.cycle(event.data_table)

    def cycle(self, table: DataTable) -> None:
        """The next direction for the selected entity, saved once the question is answered
        yes (a direction decides what is copied where: never on one keypress)."""
        app = self.app
        name = SYNCED[table.cursor_row]
        locked = locked_for(app.store, app.profile, name)
        if locked:
            self.status(locked)
            return
        current = self.settings().get(f"direction.{name}", "both")
        order = list(DIRECTIONS)
        new = order[(order.index(current) + 1) % len(order)] if current in order else "both"
        question = direction_question(app.store, app.profile, name, new)

        def answered(yes: bool | None) -> None:
            if not yes:
                self.status(f"{ENTITIES[name].label}: the direction is unchanged.")
                return
            said = save_direction(app.store, app.profile, name, new, app.actor)
            self.status(f"Saved: {said}.")
            self.load()

        app.push_screen(ConfirmScreen(question), answered)

    def action_cycle_owner(self) -> None:
        """Who edits the selected entity once synced: both, then each side whose edits can
        reach the other (engine/policy.py owners)."""
        app = self.app
        table = self.query_one("#prefs-directions", DataTable)
        if self.focused is not table:
            table.focus()
            self.status(
                f"Choose an entity in the directions table, then press {app.key('prefs.owner')}."
            )
            return
        name = SYNCED[max(table.cursor_row, 0)]
        locked = locked_for(app.store, app.profile, name)
        if locked:
            self.status(locked)
            return
        order: tuple[Side | None, ...] = (None, "a", "b")
        current = owner_side(self.settings().get(f"owner.{name}"))
        for step in (1, 2, 3):
            side = order[(order.index(current) + step) % len(order)]
            if save_owner(app.store, app.profile, name, side, app.actor) is None:
                break
        self.status(f"Saved: {owner_change(name, side, app.a_label, app.b_label)}")
        self.load()

    @on(Select.Changed, "#prefs-forbidden")
    def forbidden_changed(self, event: Select.Changed) -> None:
        value = event.value
        if value is Select.BLANK or value == self.settings()["on_forbidden"]:
            return
        self.save("on_forbidden", value, f"a forbidden change: {FORBIDDEN_LABELS[str(value)]}")

    @on(Checkbox.Changed, "#prefs-inactive")
    def inactive_changed(self, event: Checkbox.Changed) -> None:
        app = self.app
        said = save_include_inactive(app.store, app.profile, event.value, app.actor)
        self.status(f"Saved: {said}.")

    @on(Input.Changed, "#prefs-share, #prefs-min, #prefs-schedule, #prefs-window")
    def guard_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = "" if result is None or result.is_valid else " ".join(result.failure_descriptions)
        self.error(problem)
        input_id = event.input.id or ""
        kept, stays = self.kept_words(input_id)
        if event.value.strip() == kept:
            return  # loaded, put back or just saved: the status keeps what it says
        # Typing: the status line no longer says an earlier "Saved:".
        saves, leaves = self.app.key("prefs.field_save"), self.app.key("prefs.field_leave")
        if problem:
            self.status(f"{problem} Not saved yet: {stays}.", problem=True)
        else:
            self.status(f"Not saved yet: {saves} saves it, {leaves} puts back {kept}.")

    @on(Input.Submitted, "#prefs-share")
    def share_submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.refuse("prefs-share", " ".join(result.failure_descriptions))
            return
        share = typed_share(event.value)
        self.error("")
        # The store keeps the share as its setting's type (a ratio, not money); the text
        # was read and is shown exactly.
        self.save("big_change.share", float(share), f"big-change share {percent_text(share)} %")
        event.input.value = percent_text(share)

    @on(Input.Submitted, "#prefs-min")
    def min_submitted(self, event: Input.Submitted) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.refuse("prefs-min", " ".join(result.failure_descriptions))
            return
        number = int(event.value.strip())
        self.error("")
        self.save("big_change.min", number, f"big-change minimum {number} records")
        event.input.value = str(number)

    @on(Input.Submitted, "#prefs-schedule")
    def schedule_submitted(self, event: Input.Submitted) -> None:
        try:
            schedule = parse_schedule(event.value)
        except ScheduleError as exc:
            self.refuse("prefs-schedule", str(exc))
            return
        self.error("")
        event.input.value = str(schedule)
        self.save("schedule", str(schedule), f"schedule {schedule}")

    @on(Input.Submitted, "#prefs-window")
    def window_submitted(self, event: Input.Submitted) -> None:
        try:
            window = parse_window(event.value)
        except WindowError as exc:
            self.refuse("prefs-window", str(exc))
            return
        self.error("")
        event.input.value = str(window)
        self.save("initial_window", str(window), f"initial window {window}")
        self.show_window()

    def show_window(self) -> None:
        """The window as the date it means for this profile."""
        app = self.app
        try:
            first = first_synced_date(app.store, app.profile)
        except StoreError as exc:
            note = str(exc)
        else:
            note = (
                "Every transaction is synced, whatever its date."
                if first is None
                else f"Transactions dated before {first.isoformat()} are left alone; "
                "customers, vendors, accounts and items are always synced."
            )
        self.query_one("#prefs-window-note", Static).update(Text(note, style="dim"))

    # -- fields per entity ----------------------------------------------------
    def action_edit_fields(self, which: str) -> None:
        """Edit the entity under the fields table's cursor (elsewhere: go to the table
        first): what its updates may replace, or which fields it syncs."""
        app = self.app
        table = self.query_one("#prefs-fields", DataTable)
        if self.focused is not table:
            table.focus()
            key = app.key("prefs.update_fields" if which == "update" else "prefs.fields")
            self.status(f"Choose an entity in the fields table, then press {key}.")
            return
        entity = SYNCED[max(table.cursor_row, 0)]
        current = {i.entity: i for i in field_settings(app.store, app.profile)}[entity]
        save_one = save_update_fields if which == "update" else save_field_subset
        value = current.update_fields if which == "update" else current.fields
        what = "an update may replace" if which == "update" else "synced at all"

        def save(text: str) -> str | None:
            return save_one(app.store, app.profile, entity, parse_choice(text), app.actor)

        def saved(text: str | None) -> None:
            if text is None:
                return
            self.status(f"Saved: {ENTITIES[entity].label}: the fields {what}: {text}.")
            self.load_fields()

        choices = ", ".join(spec.name for spec in ENTITIES[entity].synced_fields)
        title = f"{ENTITIES[entity].label}: the fields {what}"
        if which == "update":
            hint = f"all, none (import only), or some of: {choices}"
        else:
            hint = f"all, or some of: {choices}"
        self.app.push_screen(FieldsScreen(title, hint, setting_words(value), save), saved)

    def action_summary(self) -> None:
        """Summarised journal entries: turned on by keys, then locked (summary_prefs.py)."""
        turn_on(self)

    # -- irreversible settings: typed words, then locked ---------------------------------
    def turn_on_for_good(
        self,
        title: str,
        hint: str,
        locked: str | None,
        save: Callable[[str], str | None],
        said: str,
    ) -> None:
        """Ask for the typed words of an irreversible setting (``locked``: why it cannot
        change any more, said instead), then save it through its headless check."""
        if locked is not None:
            self.status(locked)
            return

        def saved(text: str | None) -> None:
            if text is None:
                return
            self.status(f"Saved: {said} is on (locked).")
            self.load()

        self.app.push_screen(FieldsScreen(title, hint, "", save), saved)

    def action_approved_bills(self) -> None:
        """Turn only approved bills on, once the words are typed; once on, refuse."""
        app = self.app
        self.turn_on_for_good(
            "Only approved bills",
            f'Type "{CONFIRM_WORDS}". Once on, it cannot be turned off.',
            LOCKED if only_approved_bills(app.store, app.profile) else None,
            lambda text: save_only_approved_bills(app.store, app.profile, True, text, app.actor),
            "only approved bills",
        )

    def action_one_way(self) -> None:
        """Turn one-way transactions on, once the words are typed; once on, refuse."""
        app = self.app
        self.turn_on_for_good(
            "One-way transactions",
            f"Transactions will go {app.a_label} → {app.b_label} only, edited in "
            f'{app.a_label}. Type "{ONE_WAY_WORDS}". Once on, it cannot be turned off.',
            ONE_WAY_LOCKED if one_way_transactions(app.store, app.profile) else None,
            lambda text: save_one_way_transactions(app.store, app.profile, True, text, app.actor),
            "one-way transactions",
        )

    def action_ap_payments(self) -> None:
        """Copy bill payments both ways, or billing -> accounting only: asked first."""
        app = self.app
        wanted = not two_way_ap_payments(app.store, app.profile)
        locked = locked_for(app.store, app.profile, "bill_payment")
        if locked:
            self.status(locked)
            return
        question = direction_question(
            app.store, app.profile, "bill_payment", "both" if wanted else "a_to_b"
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                self.status("Bill payments: the direction is unchanged.")
                return
            problem = save_two_way_ap_payments(app.store, app.profile, wanted, app.actor)
            self.status(problem or f"Saved: two-way AP payments {'on' if wanted else 'off'}.")
            self.load()

        app.push_screen(ConfirmScreen(question), answered)

    # -- filters (screens/filters.py, setup/filters.py) ------------------------------
    def action_filters(self, which: str) -> None:
        """The type include lists (``i``) or the created-date ranges (``c``), each line
        saved on Enter by the setup file's own check-and-save."""
        app = self.app
        if which == "types":
            title = "Types copied (a record of another type stays in its system)"
            lines = type_lines(app.store, app.profile, app.actor)
        else:
            title = "Created dates copied (a record created outside stays in its system)"
            lines = range_lines(app.store, app.profile, app.actor)

        def saved(said: list[str] | None) -> None:
            if said:
                self.status(f"Saved: {'; '.join(said)}.")

        self.app.push_screen(FiltersScreen(title, lines), saved)

    # -- rules ----------------------------------------------------------------
    def action_add_rule(self) -> None:
        app = self.app

        def added(rule: Rule | None) -> None:
            if rule is None:
                return
            rule_id = remember_rule(
                app.store,
                app.profile,
                rule.kind,
                rule.side,
                rule.entity,
                rule.field,
                actor=app.actor,
            )
            self.status(f"Added rule #{rule_id}; the next run applies it.")
            self.load_rules()

        self.app.push_screen(AddRuleScreen(app.a_label, app.b_label), added)

    def action_delete_rule(self) -> None:
        app = self.app
        table = self.query_one("#prefs-rules", DataTable)
        if not table.row_count:
            self.status("There is no rule to delete.")
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        rule_id = int(str(row_key.value))

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if forget_rule(app.store, app.profile, rule_id, actor=app.actor):
                self.status(f"Deleted rule #{rule_id}.")
            self.load_rules()

        self.app.push_screen(ConfirmScreen(f"Delete master rule #{rule_id}?"), answered)


class AddRuleScreen(ModalScreen[Rule | None]):
    """Kind, side, entity (or the whole profile) and an optional field."""

    app = getters.app(ConsoleApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="rule.save"),
        Binding("escape", "cancel", "Cancel", id="rule.cancel"),
    ]

    def __init__(self, a_label: str, b_label: str) -> None:
        super().__init__()
        self.a_label = a_label
        self.b_label = b_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            saves, cancels = self.app.key("rule.save"), self.app.key("rule.cancel")
            yield Label(Text(f"New master rule ({saves} or Enter saves, {cancels} cancels)"))
            yield Select(
                [(KIND_LABELS[k], k) for k in RULE_KINDS], allow_blank=False, id="rule-kind"
            )
            yield Select(
                [
                    (f"{self.a_label} is master", "a"),
                    (f"{self.b_label} is master", "b"),
                    ("no side (fill blanks)", NO_SIDE),
                ],
                allow_blank=False,
                id="rule-side",
            )
            yield Select(
                [("whole profile", WHOLE_PROFILE)]
                + [(ENTITIES[name].label, name) for name in SYNCED],
                allow_blank=False,
                id="rule-entity",
            )
            yield Input(placeholder="field (optional), e.g. email", id="rule-field")
            yield Static(id="rule-error", classes="error")

    @on(Input.Submitted, "#rule-field")
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        kind = str(self.query_one("#rule-kind", Select).value)
        side: str | None = str(self.query_one("#rule-side", Select).value)
        entity: str | None = str(self.query_one("#rule-entity", Select).value)
        field_name: str | None = self.query_one("#rule-field", Input).value.strip() or None
        if entity == WHOLE_PROFILE:
            entity = None
        if kind == "fill_blanks":
            side = None
        elif side == NO_SIDE:
            return self.refuse(
                f"A {kind} rule needs a master side: {self.a_label} or {self.b_label}."
            )
        if field_name is not None:
            if entity is None:
                return self.refuse("A rule for one field must name its entity.")
            fields = {spec.name for spec in ENTITIES[entity].synced_fields}
            if field_name not in fields:
                return self.refuse(
                    f"{ENTITIES[entity].label} has no synced field {field_name!r}; "
                    f"fields: {', '.join(sorted(fields))}."
                )
        try:
            # The selects offer only rule kinds and sides; Rule checks both again.
            chosen_kind, chosen_side = cast(RuleKind, kind), cast(Side | None, side)
            rule = Rule(kind=chosen_kind, side=chosen_side, entity=entity, field=field_name)
        except ValueError as exc:
            return self.refuse(f"{exc}.")
        self.dismiss(rule)

    def refuse(self, text: str) -> None:
        self.query_one("#rule-error", Static).update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FieldsScreen(ModalScreen[str | None]):
    """One entity's field setting typed in ("all", "none", "address_line1, phone"),
    checked and saved by the headless function the setup file uses too."""

    app = getters.app(ConsoleApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="fields.cancel"),
    ]

    def __init__(
        self, title: str, hint: str, value: str, save: Callable[[str], str | None]
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value.removesuffix(" (import only)")
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            cancels = self.app.key("fields.cancel")
            yield Label(Text(f"{self.title_text} (Enter saves, {cancels} cancels)"))
            yield Static(Text(self.hint, style="dim"))
            yield Input(value=self.value, id="fields-value")
            yield Static(id="fields-error", classes="error")

    @on(Input.Submitted, "#fields-value")
    def submitted(self, event: Input.Submitted) -> None:
        problem = self.save(event.value)
        if problem:
            self.query_one("#fields-error", Static).update(Text(problem + " Not saved."))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
