"""Summarised journal entries (issue 13): sending the entries run/summary.py planned, and
how a dry run's plan shows them.

An entry is an outbox op (``journal_entry`` create, payload ``summary``) sent by
:meth:`Summaries.push_one` instead of the record-by-record push: marked ``sent`` before
the request, with its idempotency key as QuickBooks' ``requestid``; a ``sent`` one (its
answer lost) is first looked for by its number, so it is never posted twice. Once posted
it is read back and its debits and credits compared, account by account, with what was
sent. A refusal is said with QuickBooks' reason and voids the entry's claims: the next
run summarises its documents again (store/summaries.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..connectors.base import (
    NotFoundError,
    ProtocolError,
    RejectedError,
    UnreachableError,
)
from ..model import RemoteRecord, RemoteRef
from ..model.states import OpState
from ..store import Link, Op
from .context import MissingDependency
from .ops import CLOCK_MARGIN
from .plan import Plan
from .push import Push
from .summary import SummaryPlan

ENTITY = "journal_entry"


def is_summary(op: Op) -> bool:
    """An op carrying a summarised journal entry."""
    return op.entity == ENTITY and isinstance(op.payload.get("summary"), dict)


def posted_totals(lines: Any) -> dict[tuple[str, str], Decimal]:
    """(account id, posting) -> amount, of an entry's lines as sent or as read back."""
    out: dict[tuple[str, str], Decimal] = {}
    for line in lines or ():
        if not isinstance(line, Mapping):
            continue
        account = line.get("account")
        ident = account.remote_id if isinstance(account, RemoteRef) else str(account)
        key = (ident, str(line.get("posting")))
        amount = line.get("amount")
        out[key] = out.get(key, Decimal(0)) + (
            Decimal(amount) if isinstance(amount, Decimal | int) else Decimal(0)
        )
    return out


class Summaries(SummaryPlan, Plan, Push):
    """Plans (run/summary.py), pushes and describes summarised journal entries."""

    def batches(self, op: Op) -> bool:
        return not is_summary(op) and super().batches(op)

    async def push_one(self, op: Op) -> None:
        if not is_summary(op):
            await super().push_one(op)
            return
        link = self.store.link(self.store.canonical_link_id(op.link_id))
        if link is None:
            self.store.set_op_state(op.id, OpState.REJECTED, error="its record is gone")
            return
        changes = op.payload.get("changes", {})
        name = str(changes.get("number") or f"journal entry #{link.id}")
        try:
            remote = self.to_remote(changes, op.side)
        except MissingDependency as missing:
            words = self.ref_words(missing.ref)
            self.store.set_op_state(
                op.id,
                OpState.PENDING,
                error=f"waiting for {missing} to exist in {self.labels[op.side]}",
            )
            self.emit(
                "warning",
                "push",
                f"Journal entry {name!r} waits for {words} to exist in "
                f"{self.labels[op.side]}; it will be posted once that record is.",
                entity=ENTITY,
                record=name,
            )
            return
        try:
            rec = await self.post_entry(op, link, name, remote)
        except (RejectedError, NotFoundError) as exc:
            self.entry_refused(op, name, str(exc))
            return
        except UnreachableError as exc:
            self.on_unreachable(op, name, exc)
            if op.state == OpState.SENT:  # sent before: it may have landed, look it up again
                self.store.set_op_state(op.id, OpState.SENT, error=str(exc))
            return
        except ProtocolError as exc:
            self.on_unreadable_answer(op, name, exc)
            return
        await self.entry_posted(op, link, rec, name, remote)

    async def post_entry(
        self, op: Op, link: Link, name: str, remote: dict[str, Any]
    ) -> RemoteRecord:
        """Post the entry, unless an earlier attempt whose answer was lost already did."""
        conn = self.conns[op.side]
        if op.state == OpState.SENT:
            found = await conn.find_existing(ENTITY, remote, skip=self.not_this_entry(op, link))
            if found is not None:
                self.emit(
                    "info",
                    "push",
                    f"{self.labels[op.side]} already has journal entry {name!r} from an "
                    "earlier attempt; it is not posted again.",
                    entity=ENTITY,
                    record=name,
                )
                return found
        self.store.set_op_state(op.id, OpState.SENT, count_attempt=True)
        return await conn.create(ENTITY, remote, idempotency_key=op.idem_key)

    def not_this_entry(self, op: Op, link: Link) -> Callable[[RemoteRecord], bool]:
        """What rules a journal entry found by the number out as this one: another
        summarised entry holds it, or QuickBooks made it before this one was planned (less
        a margin for the clocks). One a pull brought in while the answer was lost (held by
        a link of its own) is this one."""
        planned = op.created_at and dt.datetime.fromisoformat(op.created_at)
        since = planned - CLOCK_MARGIN if isinstance(planned, dt.datetime) else None
        others = self.store.summary_entry_links(self.pid) - {link.id}

        def skip(rec: RemoteRecord) -> bool:
            if self.holder(ENTITY, op.side, rec.remote_id) in others:
                return True
            made = rec.created_at
            if since is None or made is None:
                return False
            return made < (since if since.tzinfo else since.replace(tzinfo=dt.UTC))

        return skip

    async def entry_posted(
        self, op: Op, link: Link, rec: RemoteRecord, name: str, remote: Mapping[str, Any]
    ) -> None:
        """Read the entry back, compare it with what was sent, then settle: the op done
        and the ledger's record on the entry's link, in one transaction."""
        shown = op.payload.get("summary", {})
        got = await self.conns[op.side].read(ENTITY, rec.remote_id)
        readback = rec if got is None else got
        holder = self.holder(ENTITY, op.side, readback.remote_id)
        with self.store.transaction():
            self.store.set_op_state(op.id, OpState.DONE, result_version=readback.version)
            if holder is None or holder == link.id:  # else a pull already brought it in
                self.store.set_link_side(link.id, op.side, readback, clear_dirty=True)
                self.index[op.side][(ENTITY, readback.remote_id)] = link.id
        self.counts["pushed"] += 1
        self.counts["created"] += 1
        self.emit(
            "info",
            "push",
            f"Posted journal entry {name!r} of {shown.get('day', '?')} to "
            f"{self.labels[op.side]}: debits {Decimal(shown.get('debits', 0)):,.2f} = "
            f"credits {Decimal(shown.get('credits', 0)):,.2f}, {_documents(shown)}.",
            entity=ENTITY,
            record=name,
            side=op.side,
        )
        sent = posted_totals(remote.get("lines"))
        held = posted_totals(readback.fields.get("lines"))
        if sent != held:
            self.counts["totals_differ"] += 1
            self.emit(
                "error",
                "verify",
                f"{self.labels[op.side]} holds journal entry {name!r} with other lines than "
                f"were sent (sent {_words(sent)}; it holds {_words(held)}): check it in "
                f"{self.labels[op.side]}; recontui does not change it.",
                entity=ENTITY,
                record=name,
            )

    def entry_refused(self, op: Op, name: str, reason: str) -> None:
        """A refused entry is said with the ledger's reason; its claims no longer count,
        so its documents are summarised again on the next sync."""
        self.counts["push_failed"] += 1
        self.counts["rejected"] += 1
        self.store.set_op_state(op.id, OpState.REJECTED, error=reason)
        day = op.payload.get("summary", {}).get("day", "?")
        self.emit(
            "error",
            "push",
            f"{self.labels[op.side]} refused journal entry {name!r} of {day}: {reason} "
            "Its documents are summarised again on the next sync, once that is fixed.",
            entity=ENTITY,
            record=name,
        )

    # -- a dry run's plan ---------------------------------------------------------------
    def describe_plan(self, op_ids: list[int]) -> list[dict[str, Any]]:
        """The plan, each summarised entry as its date, lines and documents."""
        items = super().describe_plan(op_ids)
        entries = {
            op.link_id: op
            for op in self.store.ops(self.pid, (OpState.PENDING, OpState.HELD))
            if op.id in op_ids and is_summary(op)
        }
        out = []
        for item in items:
            op = entries.get(item.get("link", -1)) if item.get("entity") == ENTITY else None
            if op is not None:
                shown = op.payload["summary"]
                item = {**item, "name": shown.get("number"), "summary": shown}
            out.append(item)
        return out


def _documents(shown: Mapping[str, Any]) -> str:
    n = len(shown.get("covers") or ())
    return f"{n} document{'' if n == 1 else 's'}"


def _words(totals: Mapping[tuple[str, str], Decimal]) -> str:
    return ", ".join(
        f"{posting} {amount:,.2f} to account {account}"
        for (account, posting), amount in sorted(totals.items())
    )
