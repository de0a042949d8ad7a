"""Step 8, Match review: three tabs (Suggested pairs, Only in billing, Only in accounting),
each a table; the pairs the first sync would link are checked, the suggestions it would ask
about are not, and a person can check, uncheck, sort, filter, and link or unlink two records
by hand. The deciding fields of the row under the cursor (e-mail, phone, address...) are
shown below the table, both records side by side. Nothing is linked here: Next saves the
decisions (setup/matches.py) and the first sync carries them out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane, Tabs

from ...model import ENTITIES, ORDER, Side
from ...setup import Step
from ...setup.matches import (
    Pair,
    PairKind,
    Record,
    Review,
    deciding_fields,
    record_fields,
    review,
    save_review,
)
from ...store import StoreError
from ..text import plain
from ..threads import thread_store
from .base import StepScreen

#: The tabs, in order: the pairs, then each side's records found there only.
TABS = ("pairs", "only-a", "only-b")
#: Columns of each tab's table: (title, width).
PAIR_COLUMNS = (("✓", 3), ("entity", 8), ("billing", 22), ("accounting", 22), ("score", 5))
ONLY_COLUMNS = (("entity", 8), ("name", 26), ("e-mail", 26), ("copy", 5))
#: What the first sync does with a pair, by kind and checked or not.
_PAIR_WORDS = {
    (PairKind.EXACT, True): "same {why}: linked by the first sync",
    (PairKind.EXACT, False): "kept apart: each created in the other system",
    (PairKind.SIMILAR, True): "{why} · linked, as you checked",
    (PairKind.SIMILAR, False): "{why} · asked unless checked",
    (PairKind.SHARED, True): "{why} · linked, as you checked",
    (PairKind.SHARED, False): "{why} · asked unless checked",
    (PairKind.YOURS, True): "linked by you (u unlinks)",
}
Item = Pair | Record
#: Rows a table holds at most (the suggestions come first; / narrows the rest): a table
#: measures every cell it is given, about 0.15 s per thousand rows.
SHOWN_MAX = 1000
#: Seconds of no typing before the filter reads the rows again.
FILTER_PAUSE = 0.15


def _pair_sort(column: int, checked: set[tuple[int, int]]) -> Callable[[Pair], Any]:
    """The sort key of the pairs' column ``column`` (checked pairs first)."""
    keys: list[Callable[[Pair], Any]] = [
        lambda p: p.key not in checked,
        lambda p: ORDER.index(p.entity),
        lambda p: p.a.name.casefold(),
        lambda p: p.b.name.casefold(),
        lambda p: -1 if p.score is None else p.score,
        lambda p: p.why.casefold(),
    ]
    return keys[min(column, len(keys) - 1)]


def _record_sort(column: int) -> Callable[[Record], Any]:
    """The sort key of a one-sided list's column ``column``."""
    keys: list[Callable[[Record], Any]] = [
        lambda r: ORDER.index(r.entity),
        lambda r: r.name.casefold(),
        lambda r: str(r.fields.get("email") or "").casefold(),
        lambda r: not r.creates,
    ]
    return keys[min(column, len(keys) - 1)]


def _haystack(item: Item) -> str:
    records = (item.a, item.b) if isinstance(item, Pair) else (item,)
    words = [ENTITIES[records[0].entity].label]
    for r in records:
        words += [r.name, str(r.fields.get("email") or ""), str(r.fields.get("phone") or "")]
    if isinstance(item, Pair):
        words.append(item.why)
    return " ".join(words).casefold()


class MatchesStep(StepScreen):
    STEP = Step.MATCHES
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "check", "Check", id="setup.match_toggle"),
        Binding("a", "check_all", "All", id="setup.match_all"),
        Binding("s", "sort", "Sort", id="setup.match_sort"),
        Binding("slash", "filter", "Filter", key_display="/", id="setup.match_filter"),
        Binding("m", "mark", "Mark", id="setup.match_mark"),
        Binding("l", "link", "Link", id="setup.match_link"),
        Binding("u", "unlink", "Unlink", show=False, id="setup.match_unlink"),
        Binding("tab", "next_tab", "Next tab", show=False, id="setup.match_tab"),
        Binding("1", "tab(0)", "Pairs", show=False, id="setup.match_tab1"),
        Binding("2", "tab(1)", "Only in billing", show=False, id="setup.match_tab2"),
        Binding("3", "tab(2)", "Only in accounting", show=False, id="setup.match_tab3"),
    ]
    # The rail gives way here: the two records' fields side by side need the width (the
    # header still says which step this is, the footer has Back and Next).
    DEFAULT_CSS = """
    MatchesStep #rail { display: none; }
    MatchesStep #summary { height: auto; }
    MatchesStep TabbedContent { height: auto; }
    MatchesStep DataTable { height: 6; }
    MatchesStep #detail { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.review: Review | None = None
        #: Per tab: the items shown, in the table's order.
        self.shown: dict[str, list[Any]] = {tab: [] for tab in TABS}
        #: Per tab: the sorted column and whether reversed (None: the review's order).
        self.order: dict[str, tuple[int, bool] | None] = dict.fromkeys(TABS)
        self.needle = ""
        #: The billing record marked to link by hand (m).
        self.marked: Record | None = None
        #: Why the review could not be made, if it could not.
        self.problem = ""
        #: Per tab: how many items the filter lets through (the table shows SHOWN_MAX).
        self.matching: dict[str, int] = dict.fromkeys(TABS, 0)
        #: Tabs whose rows the filter changed since they were last shown.
        self.stale: set[str] = set()
        self.refilter: Timer | None = None

    def form(self) -> Iterator[Widget]:
        yield Static(Text("Reading the records both systems hold…"), id="summary")
        with TabbedContent(id="tabs"):
            for tab, title in zip(TABS, ("Pairs", "Only billing", "Only accounting"), strict=True):
                with TabPane(title, id=f"tab-{tab}"):
                    table: DataTable[Any] = DataTable(id=tab, cursor_type="cell")
                    columns = PAIR_COLUMNS if tab == "pairs" else ONLY_COLUMNS
                    for name, width in columns:
                        table.add_column(name, width=width, key=name)
                    if tab == "pairs":
                        table.add_column("why", key="why")
                    yield table
        yield Input(placeholder="/ filter: name, e-mail, phone", compact=True, id="match-filter")
        yield Static(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.say("Comparing the records of both systems (nothing is linked or written)…")
        self.load()

    @work(thread=True, exclusive=True, group="match-review", exit_on_error=False)
    def load(self) -> None:
        profile = self.setup.profile
        assert profile is not None
        try:
            with thread_store(self.setup.store) as store:
                found = review(store, profile)
        except (StoreError, ValueError) as exc:  # a damaged file, a setting gone wrong
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.loaded, found)

    def failed(self, problem: str) -> None:
        self.problem = f"The records could not be compared: {problem}"
        self.say(self.problem, error=True)

    def loaded(self, found: Review) -> None:
        self.review = found
        for tab in TABS:
            self.fill(tab)
        self.query_one("#pairs", DataTable).focus()
        if not found.pairs and not found.only["a"] and not found.only["b"]:
            self.say(
                "No records were read from either system yet: esc goes back to the earlier "
                "steps (Accounting lists reads both systems).",
                error=True,
            )
        else:
            self.say(
                "space check · a all · s sort · / filter · m then l: link by hand · 1 2 3 tabs"
            )

    # -- the tables ---------------------------------------------------------
    def items(self, tab: str) -> list[Any]:
        assert self.review is not None
        side: Side = "a" if tab == "only-a" else "b"
        found: list[Any] = list(self.review.pairs if tab == "pairs" else self.review.only[side])
        if self.needle:
            found = [item for item in found if self.needle in _haystack(item)]
        order = self.order[tab]
        if order is not None:
            column, reverse = order
            key: Callable[[Any], Any] = (
                _pair_sort(column, self.review.checked) if tab == "pairs" else _record_sort(column)
            )
            found.sort(key=key, reverse=reverse)
        return found

    def fill(self, tab: str, keep: Any = None) -> None:
        """Show the tab's items afresh (filter and sort applied), the cursor on ``keep``."""
        table = self.query_one(f"#{tab}", DataTable)
        found = self.items(tab)
        self.matching[tab] = len(found)
        self.shown[tab] = found[:SHOWN_MAX]
        column = table.cursor_column
        table.clear()
        table.add_rows(self.row(tab, item) for item in self.shown[tab])
        if keep is not None and keep in self.shown[tab]:
            table.move_cursor(row=self.shown[tab].index(keep), column=column)
        else:
            table.move_cursor(row=0, column=column)
        self.titles()
        self.show_detail()

    def row(self, tab: str, item: Any) -> list[Text]:
        if tab == "pairs":
            return [
                self.check_mark(item),
                plain(ENTITIES[item.entity].label),
                plain(item.a.name),
                plain(item.b.name),
                plain("" if item.score is None else str(item.score)),
                plain(item.why),
            ]
        copy = plain("yes" if item.creates else "no", "" if item.creates else "dim")
        name = plain(("▶ " if item is self.marked else "") + item.name)
        return [plain(ENTITIES[item.entity].label), name, plain(item.fields.get("email")), copy]

    def check_mark(self, pair: Pair) -> Text:
        assert self.review is not None
        return Text("[x]", style="bold") if pair.key in self.review.checked else Text("[ ]")

    def titles(self) -> None:
        """The summary line, and each tab's title with its count (of those shown)."""
        if self.review is None:
            return
        self.query_one("#summary", Static).update(Text(self.review.summary()))
        tabs = self.query_one(TabbedContent)
        labels = self.review.labels
        titles = ("Pairs", f"Only {labels['a']}", f"Only {labels['b']}")
        for tab, title in zip(TABS, titles, strict=True):
            shown, found = len(self.shown[tab]), self.matching[tab]
            count = f"{found:,}" if shown == found else f"{shown:,} of {found:,}"
            tabs.get_tab(f"tab-{tab}").label = Text(f"{title} {count}")
        # Textual redraws the active tab's underline on a relabel, but measures the tab
        # before the new label is laid out (so under load it stays the old label's width):
        # measure again once the layout is done.
        self.call_after_refresh(self.underline)

    def underline(self) -> None:
        bar = self.query_one(TabbedContent).query_one(Tabs)
        highlight = getattr(bar, "_highlight_active", None)  # Textual 8: no public API
        if highlight is not None:
            highlight(animate=False)

    # -- where the cursor is ----------------------------------------------------
    def tab(self) -> str:
        return self.query_one(TabbedContent).active.removeprefix("tab-") or "pairs"

    def current(self, tab: str | None = None) -> Any:
        tab = tab or self.tab()
        table = self.query_one(f"#{tab}", DataTable)
        rows = self.shown[tab]
        return rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None

    @on(DataTable.CellHighlighted)
    def highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The deciding fields of the row under the cursor, both records side by side."""
        detail = self.query_one("#detail", Static)
        profile = self.setup.profile
        item = self.current() if self.review is not None else None
        if item is None or profile is None or self.review is None:
            detail.update(Text(""))
            return
        labels = self.review.labels
        table = Table(box=None, pad_edge=False, expand=True, show_edge=False)
        table.add_column("", no_wrap=True, style="dim", width=13)
        if isinstance(item, Pair):
            checked = item.key in self.review.checked
            words = _PAIR_WORDS[(item.kind, checked)].format(why=item.why.removeprefix("same "))
            head = Text(
                f"{item.a.label} · {words}", style="bold", no_wrap=True, overflow="ellipsis"
            )
            table.add_column(Text(labels["a"]), ratio=1, overflow="fold")
            table.add_column(Text(labels["b"]), ratio=1, overflow="fold")
            for label, a, b in deciding_fields(self.setup.store, profile, item):
                mark = "≠ " if a != b else "= "
                table.add_row(Text(mark + label), Text(a), Text(b))
        else:
            where: Side = "b" if item.side == "a" else "a"
            copy = f"created in {labels[where]}" if item.creates else item.why_not
            head = Text(
                f"{item.label} only in {labels[item.side]} · {copy}",
                style="bold",
                no_wrap=True,
                overflow="ellipsis",
            )
            table.add_column(Text(labels[item.side]), ratio=1, overflow="fold")
            for label, value in record_fields(self.setup.store, profile, item):
                table.add_row(Text(label), Text(value))
        grid = Table.grid(expand=True)
        grid.add_row(head)
        grid.add_row(table)
        detail.update(grid)

    # -- keys -------------------------------------------------------------------
    def action_check(self) -> None:
        item = self.current()
        if self.review is None or self.tab() != "pairs" or item is None:
            return
        rivals = self.review.toggle(item.key)
        table = self.query_one("#pairs", DataTable)
        for pair in (item, *rivals):
            if pair in self.shown["pairs"]:
                table.update_cell_at(
                    Coordinate(self.shown["pairs"].index(pair), 0), self.check_mark(pair)
                )
        if rivals:
            self.say(f"Unchecked {len(rivals)} other pair(s) holding one of these records.")
        self.titles()
        self.show_detail()

    def action_check_all(self) -> None:
        """Check every pair the filter lets through, or uncheck them if all are checked."""
        if self.review is None or self.tab() != "pairs":
            return
        keys = [p.key for p in self.items("pairs")]
        on = not all(k in self.review.checked for k in keys)
        self.review.check_all(keys, on)
        self.fill("pairs", keep=self.current("pairs"))
        self.say(f"{'Checked' if on else 'Unchecked'} {len(keys):,} pairs.")

    def action_sort(self) -> None:
        if self.review is None:
            return
        tab = self.tab()
        column = self.query_one(f"#{tab}", DataTable).cursor_column
        was = self.order[tab]
        reverse = bool(was and was[0] == column and not was[1])
        self.order[tab] = (column, reverse)
        self.fill(tab, keep=self.current(tab))
        names = [name for name, _width in (PAIR_COLUMNS if tab == "pairs" else ONLY_COLUMNS)]
        name = [*names, "why"][min(column, len(names))]
        self.say(f"Sorted by {name} ({'reversed' if reverse else 's again reverses it'}).")

    def action_filter(self) -> None:
        self.query_one("#match-filter", Input).focus()

    @on(Input.Changed, "#match-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Filter each tab's rows; typed quickly, the rows are read once typing pauses, and
        the other tabs' when they are shown (thousands of rows each)."""
        needle = event.value.strip().casefold()
        if needle == self.needle:
            return
        self.needle = needle
        self.stale = set(TABS)
        if self.refilter is not None:
            self.refilter.stop()
        self.refilter = self.set_timer(FILTER_PAUSE, self.filter_now)

    def filter_now(self) -> None:
        """Show the current tab's rows for the filter as it stands (now, not after a pause)."""
        if self.refilter is not None:
            self.refilter.stop()
            self.refilter = None
        tab = self.tab()
        if self.review is not None and tab in self.stale:
            self.stale.discard(tab)
            self.fill(tab)

    @on(Input.Submitted, "#match-filter")
    def filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.filter_now()
        self.query_one(f"#{self.tab()}", DataTable).focus()

    def action_back(self) -> None:
        """Escape in the filter clears it and goes back to the table; elsewhere, Back."""
        box = self.query_one("#match-filter", Input)
        if self.focused is box:
            box.value = ""
            if self.needle:
                self.needle = ""
                self.stale = set(TABS)
            self.filter_now()
            self.query_one(f"#{self.tab()}", DataTable).focus()
            return
        super().action_back()

    def action_tab(self, index: int) -> None:
        self.query_one(TabbedContent).active = f"tab-{TABS[index]}"

    def action_next_tab(self) -> None:
        self.action_tab((TABS.index(self.tab()) + 1) % len(TABS))

    @on(TabbedContent.TabActivated)
    def tab_shown(self) -> None:
        tab = self.tab()
        if self.review is not None and tab in self.stale:
            self.stale.discard(tab)
            self.fill(tab)
        self.query_one(f"#{tab}", DataTable).focus()
        self.show_detail()

    def action_mark(self) -> None:
        item = self.current()
        if self.review is None or self.tab() != "only-a" or item is None:
            self.say(f"m marks a record in Only in {self.labels('a')} (2) to link by hand.")
            return
        self.marked = None if self.marked is item else item
        self.fill("only-a", keep=item)
        if self.marked is not None:
            self.say(
                f"Marked {item.name!r}: choose its counterpart in Only in {self.labels('b')} "
                "(3) and press l."
            )

    def action_link(self) -> None:
        item = self.current()
        if self.review is None or self.marked is None or self.tab() != "only-b" or item is None:
            self.say(
                f"To link by hand: m on a record in Only in {self.labels('a')} (2), then l on "
                f"its counterpart in Only in {self.labels('b')} (3).",
                error=True,
            )
            return
        marked = self.marked
        problem = self.review.link_by_hand(marked.link, item.link)
        if problem:
            self.say(problem, error=True)
            return
        self.marked = None
        pair = self.review.pair((marked.link, item.link))
        for tab in TABS:
            self.fill(tab, keep=pair)
        self.action_tab(0)
        self.say(f"Linked {marked.name!r} with {item.name!r}: checked in Pairs; u unlinks.")

    def action_unlink(self) -> None:
        item = self.current()
        if self.review is None or self.tab() != "pairs" or item is None:
            return
        problem = self.review.unlink(item.key)
        if problem:
            self.say(problem, error=True)
            return
        for tab in TABS:
            self.fill(tab)
        self.say(f"Unlinked {item.a.name!r} and {item.b.name!r}: back in the two lists.")

    def labels(self, side: Side) -> str:
        return self.review.labels[side] if self.review is not None else side

    async def finish(self) -> str | None:
        profile = self.setup.profile
        assert profile is not None
        if self.review is None:
            return self.problem or (
                "The records are still being compared: wait a moment, then ctrl+n."
            )
        chosen = self.review.chosen()
        return save_review(
            self.setup.store, profile, chosen.links, chosen.apart, actor=self.setup.actor
        )
