"""Step 6: each BILL sales tax mapped to the QuickBooks Online tax code that charges it, from
what step 4 read. An invoice charging a sales tax left unmapped is held by the run, never
copied (QuickBooks would compute another total); the screen says how many before Next.
Next saves the map with the same function `recontui setup --from-file` uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...setup import Step
from ...setup.taxes import (
    BillingTax,
    TaxCode,
    accounting_tax_codes,
    billing_tax_codes,
    held_words,
    save_tax_map,
    tax_map,
)
from .base import StepScreen

INTRO = (
    "Map each BILL sales tax to the QuickBooks tax code with the same rate (enter "
    "chooses). An invoice whose sales tax maps to none is held, not copied."
)
NOTHING = (
    "BILL charges no sales tax: there is nothing to map. ctrl+n goes on (an invoice that "
    "charges one later is held until you map it here)."
)
NOT_READ = "Both systems must be read first: esc goes back to Accounting lists."
#: The picker's entry that leaves a sales tax unmapped.
UNMAPPED = ""


class PickTaxCode(ModalScreen[str | None]):
    """The QuickBooks tax codes to choose from (and "not mapped"); None: nothing chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="setup.tax_pick_cancel"),
    ]

    def __init__(self, tax: BillingTax, codes: list[TaxCode], current: str) -> None:
        super().__init__()
        self.tax, self.codes, self.current = tax, codes, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"QuickBooks tax code for {self.tax.name}"))
            options = [Option(Text("Not mapped (its invoices are held)"), id="-")]
            for code in self.codes:
                label = Text(code.name)
                if code.description:
                    label.append(f"  {code.description}", style="dim")
                options.append(Option(label, id=f"c{code.id}"))
            yield OptionList(*options, id="codes")
            yield Label("enter choose · esc cancel")

    def on_mount(self) -> None:
        picker = self.query_one("#codes", OptionList)
        ids = ["-", *[f"c{code.id}" for code in self.codes]]
        wanted = f"c{self.current}" if self.current else "-"
        picker.highlighted = ids.index(wanted) if wanted in ids else 0
        picker.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or "-"
        self.dismiss(UNMAPPED if option_id == "-" else option_id[1:])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TaxStep(StepScreen):
    STEP = Step.TAX
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: before the table's own enter, so the footer shows it
        Binding("enter", "choose", "Choose tax code", priority=True, id="setup.tax_choose"),
        Binding("delete", "unmap", "Not mapped", id="setup.tax_unmap"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.taxes: list[BillingTax] = []
        self.codes: list[TaxCode] = []
        #: Billing sales tax id -> chosen QuickBooks tax code id ("" unmapped).
        self.mapping: dict[str, str] = {}
        self.read = False

    def form(self) -> Iterator[Widget]:
        profile = self.setup.profile
        assert profile is not None  # the first step makes it
        store = self.setup.store
        self.read = store.count_links(profile.id, "a") > 0 or store.count_links(profile.id, "b") > 0
        self.taxes = billing_tax_codes(store, profile)
        self.codes = accounting_tax_codes(store, profile)
        saved = tax_map(store, profile)
        self.mapping = {t.id: saved.get(t.id, UNMAPPED) for t in self.taxes}
        if not self.read:
            yield Static(Text(NOT_READ), id="intro")
            return
        if not self.taxes:
            yield Static(Text(NOTHING), id="intro")
            return
        yield Static(Text(INTRO), id="intro")
        table: DataTable[Any] = DataTable(id="taxes", cursor_type="row", zebra_stripes=True)
        table.add_column("BILL sales tax", key="tax")
        table.add_column("rate", key="rate")
        table.add_column("inv.", key="invoices")
        table.add_column("maps to", key="code")
        for tax in self.taxes:
            table.add_row(*self.row(tax), key=tax.id)
        yield table
        yield Static(id="held")

    def row(self, tax: BillingTax) -> tuple[Text, Text, Text, Text]:
        rate = "" if tax.rate is None else f"{tax.rate.normalize():f}%"
        code = self.code_name(self.mapping.get(tax.id, UNMAPPED))
        shown = (
            Text(code) if code else Text("not mapped", style="bold red" if tax.invoices else "dim")
        )
        name = Text(tax.name if tax.active else f"{tax.name} (inactive)")
        return name, Text(rate), Text(str(tax.invoices)), shown

    def code_name(self, code_id: str) -> str:
        if not code_id:
            return ""
        return next((c.name for c in self.codes if c.id == code_id), f"id {code_id} (gone)")

    def on_mount(self) -> None:
        super().on_mount()
        if not self.read:
            self.say(NOT_READ, error=True)
            return
        if not self.taxes:
            self.say(NOTHING)
            return
        self.query_one("#taxes", DataTable).focus()
        self.show_held()
        if not self.codes:
            self.say(
                "QuickBooks has no active tax code to map to: add one there (its sales tax "
                "settings), then read the lists again; until then these invoices are held.",
                error=True,
            )

    def show_held(self) -> None:
        """The line that says how many invoices the first sync would hold."""
        profile = self.setup.profile
        assert profile is not None
        words = held_words(self.setup.store, profile, self.mapping)
        held = any(t.invoices and not self.mapping.get(t.id) for t in self.taxes)
        self.query_one("#held", Static).update(Text(words, style="bold" if held else ""))
        self.query_one("#held", Static).set_class(held, "error")
        if not held:
            self.say("ctrl+n saves the map and goes on.")
        else:
            self.say("enter chooses a tax code for the row; ctrl+n saves and goes on.")

    def current(self) -> BillingTax | None:
        if not self.taxes:
            return None
        table = self.query_one("#taxes", DataTable)
        row = table.cursor_row
        return self.taxes[row] if 0 <= row < len(self.taxes) else None

    def action_choose(self) -> None:
        tax = self.current()
        if tax is None:
            return
        picker = PickTaxCode(tax, self.codes, self.mapping.get(tax.id, UNMAPPED))
        self.app.push_screen(picker, lambda code: self.chose(tax, code))

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_choose()

    def action_unmap(self) -> None:
        tax = self.current()
        if tax is not None:
            self.chose(tax, UNMAPPED)

    def chose(self, tax: BillingTax, code: str | None) -> None:
        """Show a choice (None: the picker was cancelled); it is saved by Next."""
        if code is None:
            return
        self.mapping[tax.id] = code
        table = self.query_one("#taxes", DataTable)
        table.update_cell(tax.id, "code", self.row(tax)[3])
        self.show_held()

    async def finish(self) -> str | None:
        if not self.read:
            return NOT_READ
        profile = self.setup.profile
        assert profile is not None
        mapping = {tax_id: code or None for tax_id, code in self.mapping.items()}
        return save_tax_map(self.setup.store, profile, mapping, self.setup.actor)
