"""Step 4, Accounting lists: both systems read into this computer's store, nothing written
to either, then what each holds, counted from the store.

The read is a run with ``pull_only``: the profile's lock, the company check, then every
entity each side keeps, page by page (incremental: a second read takes only what changed).
It makes no plan and sends nothing. The later steps choose from what it read (default
accounts, tax codes, matches), so the setup goes on only once it read both sides in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..events import Progress, ProgressListener
from ..model import ENTITIES, ORDER, SIDES, Side
from ..run import EXIT_OK, RunOptions, run_sync
from ..run.context import ConnectorFactory
from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import connector_factory, system_label

#: How the step names each entity's list.
LIST_TITLES: Mapping[str, str] = {
    "account": "Chart of accounts",
    "class": "Classes",
    "department": "Departments",
    "tax_rate": "Tax rates",
    "tax_code": "Tax codes",
    "sales_tax": "Sales taxes",
    "item": "Items",
    "customer": "Customers",
    "vendor": "Vendors",
    "invoice": "Invoices",
    "credit_memo": "Credit memos",
    "payment": "Payments received",
    "bill": "Bills",
    "bill_payment": "Bill payments",
    "vendor_credit": "Vendor credits",
    "journal_entry": "Journal entries",
}


def list_title(entity: str) -> str:
    return LIST_TITLES.get(entity) or ENTITIES[entity].label


@dataclass(frozen=True)
class ListsReport:
    """What one read of both systems gave."""

    #: Each side's system, as people call it ("BILL", "QuickBooks Online").
    labels: Mapping[Side, str]
    #: (side, entity) -> the records the store holds, for every list read in full.
    counts: Mapping[tuple[Side, str], int]
    #: (side, entity) whose read began and did not end: the read stopped there.
    unread: tuple[tuple[Side, str], ...] = ()
    #: One sentence per problem, each saying what to do; none when both sides were read.
    problems: tuple[str, ...] = ()
    #: The companies the profile held when it was read (a read of others is stale).
    companies: tuple[str | None, str | None] = (None, None)
    run_id: int | None = None
    #: The entities each side keeps, in dependency order (known once the read began).
    entities: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, side: Side, entity: str) -> int | None:
        """How many ``entity`` records ``side`` holds; None when it was not read."""
        return self.counts.get((side, entity))

    def lines(self) -> list[str]:
        """One line per side of what it holds, list by list (for a terminal or a log):
        "BILL: chart of accounts 23, classes 3, ..."."""
        out = []
        for side in SIDES:
            held = [
                f"{list_title(entity).lower()} {self.counts[(side, entity)]:,}"
                for entity in self.entities
                if (side, entity) in self.counts
            ]
            out.append(f"{self.labels[side]}: {', '.join(held) if held else 'nothing read'}")
        return out


class _Watch:
    """Which lists each side began and finished reading (from the run's progress)."""

    def __init__(self, forward: ProgressListener | None) -> None:
        self.forward = forward
        self.begun: dict[tuple[Side, str], None] = {}
        self.done: set[tuple[Side, str]] = set()

    def __call__(self, item: Progress) -> None:
        if item.phase == "pull" and item.entity and item.side in SIDES:
            key: tuple[Side, str] = ("a" if item.side == "a" else "b", item.entity)
            self.begun.setdefault(key, None)
            if item.total is not None and item.done >= item.total:
                self.done.add(key)
        if self.forward is not None:
            self.forward(item)


async def read_lists(
    store: Store,
    profile: Profile,
    secrets: SecretStore,
    *,
    progress: ProgressListener | None = None,
    connectors: ConnectorFactory | None = None,
) -> ListsReport:
    """Read both systems into ``store`` (nothing is written to either) and count what
    each holds. Never raises for what a person can fix: a refused sign-in, a company that
    is not the profile's, an unreachable system or a list a system refused end the read
    with a problem sentence. ``connectors``: the profile's own unless given (tests)."""
    profile = store.get_profile(profile.name)  # the companies the last step confirmed
    watch = _Watch(progress)
    result = await run_sync(
        store,
        profile,
        connectors or connector_factory(profile, secrets),
        RunOptions(pull_only=True, trigger="setup", progress=watch),
    )
    labels = {side: system_label(profile.system(side)) for side in SIDES}
    unread = tuple(key for key in watch.begun if key not in watch.done)
    problems: tuple[str, ...] = ()
    if result.exit_code != EXIT_OK:
        problems = (_problem(result.message or result.status, unread, labels),)
    counts = {key: store.count_links(profile.id, *key) for key in watch.done}
    seen = {entity for _, entity in watch.begun}
    return ListsReport(
        labels=labels,
        counts=counts,
        unread=unread,
        problems=problems,
        companies=(profile.a_company_id, profile.b_company_id),
        run_id=result.run_id,
        entities=tuple(entity for entity in ORDER if entity in seen),
    )


def _problem(message: str, unread: tuple[tuple[Side, str], ...], labels: Mapping[Side, str]) -> str:
    """The one sentence for a read that stopped: where it stopped, the system's reason
    (which says what to fix), and that nothing was written."""
    message = message.strip()
    if not message.endswith((".", "!", "?")):
        message += "."
    if len(unread) == 1:
        side, entity = unread[0]
        where = f"Reading {labels[side]}'s {list_title(entity).lower()} stopped"
    else:
        where = "The lists were not read"
    return f"{where}: {message} Nothing was written to either system."
