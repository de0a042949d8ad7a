"""Summarised journal entries' claims: which billing document each entry covers.

One row per (entry, document, day): the document's whole share of that day as the entry
posted it (``parts``, tagged JSON: account key, posting, amount). The entry itself is an
outbox op (entity ``journal_entry``), and the outbox is the source of truth: a claim
counts while its op is live or done, and no longer once the op is rejected or superseded
(its documents are then summarised again). A document's posted share of a day is its
latest claim that counts. Rows go with their op (``ON DELETE CASCADE``), so forgetting a
company's outbox forgets them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..model.codec import dumps, loads
from ..model.states import LinkState, OpState
from .base import StoreBase
from .database import inserted_id, rows, scalar
from .rows import Link, link_of

#: Op states whose claims no longer count: the entry never reached the ledger.
_VOID = (OpState.REJECTED, OpState.SUPERSEDED)


@dataclass(frozen=True)
class SummaryClaim:
    """What one entry posted for one document on one day."""

    op_id: int
    link_id: int
    day: str
    kind: str
    number: str
    amount: Decimal
    #: (account key, "debit"/"credit", amount) per part; empty: reversed.
    parts: tuple[tuple[str, str, Decimal], ...]
    #: The document's version (BILL ``updatedTime``) the share was read from.
    version: str | None = None


class SummariesRepo(StoreBase):
    """Claims of summarised journal entries (run/summary.py)."""

    def add_summary_claims(
        self, profile_id: int, op_id: int, claims: Sequence[SummaryClaim]
    ) -> None:
        """Record what the entry ``op_id`` posts for each document it covers."""
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO summary_claims (profile_id, op_id, link_id, day, kind, number, "
                "amount, parts, version) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        profile_id,
                        op_id,
                        c.link_id,
                        c.day,
                        c.kind,
                        c.number,
                        format(c.amount, "f"),
                        dumps([list(p) for p in c.parts]),
                        c.version,
                    )
                    for c in claims
                ],
            )

    def summary_claims(self, profile_id: int) -> dict[tuple[int, str], SummaryClaim]:
        """(document link, day) -> its latest claim that counts (its op not rejected or
        superseded)."""
        marks = ",".join("?" * len(_VOID))
        out: dict[tuple[int, str], SummaryClaim] = {}
        for row in rows(
            self.db,
            "SELECT s.* FROM summary_claims s JOIN outbox o ON o.id = s.op_id "
            f"WHERE s.profile_id = ? AND o.state NOT IN ({marks}) ORDER BY s.id",
            (profile_id, *_VOID),
        ):
            claim = _claim_of(row)
            out[(claim.link_id, claim.day)] = claim
        return out

    def summary_claims_of_op(self, op_id: int) -> list[SummaryClaim]:
        """The documents one entry covers, in the order it lists them."""
        return [
            _claim_of(r)
            for r in rows(
                self.db, "SELECT * FROM summary_claims WHERE op_id = ? ORDER BY id", (op_id,)
            )
        ]

    def summary_entries_on(self, profile_id: int, day: str) -> int:
        """How many entries were ever planned for a day (refused ones too): the next one's
        number follows them."""
        return int(
            scalar(
                self.db,
                "SELECT count(DISTINCT op_id) FROM summary_claims WHERE profile_id=? AND day=?",
                (profile_id, day),
            )
        )

    def summarised_link_ids(self, profile_id: int) -> set[int]:
        """The documents whose share the ledger holds now (a reversed one is left out)."""
        return {
            link_id for (link_id, _day), c in self.summary_claims(profile_id).items() if c.parts
        }

    def summary_entry_links(self, profile_id: int) -> set[int]:
        """The links of every summarised journal entry planned (whatever became of it)."""
        return {
            int(r[0])
            for r in self.db.conn.execute(
                "SELECT DISTINCT o.link_id FROM summary_claims s JOIN outbox o ON o.id = s.op_id "
                "WHERE s.profile_id = ?",
                (profile_id,),
            )
        }

    def summary_claimed(self, profile_id: int, link_id: int) -> bool:
        """Whether an entry that counts covered the document."""
        marks = ",".join("?" * len(_VOID))
        return bool(
            scalar(
                self.db,
                "SELECT 1 FROM summary_claims s JOIN outbox o ON o.id = s.op_id WHERE "
                f"s.profile_id = ? AND s.link_id = ? AND o.state NOT IN ({marks}) LIMIT 1",
                (profile_id, link_id, *_VOID),
            )
        )

    def summary_candidates(self, profile_id: int, entity: str) -> list[Link]:
        """The billing documents of ``entity`` the ledger does not hold as records: in
        BILL (side a) only, not deleted there, not waiting for a match decision
        (unpaired, or kept apart by a person), in id order."""
        return [
            link_of(r)
            for r in rows(
                self.db,
                "SELECT * FROM links WHERE profile_id=? AND entity=? AND a_id IS NOT NULL "
                "AND b_id IS NULL AND a_fields IS NOT NULL AND a_deleted=0 AND state IN (?,?) "
                "ORDER BY id",
                (profile_id, entity, LinkState.UNPAIRED, LinkState.SINGLE),
            )
        ]

    def new_summary_link(self, profile_id: int) -> int:
        """The link of a journal entry recontui is about to post: no record on either side
        yet (the create's answer fills in the ledger's side)."""
        now = self.now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO links (profile_id, entity, state, created_at, updated_at) "
                "VALUES (?,?,?,?,?)",
                (profile_id, "journal_entry", LinkState.UNPAIRED, now, now),
            )
        return inserted_id(cur)


def _claim_of(row: dict[str, Any]) -> SummaryClaim:
    return SummaryClaim(
        op_id=int(row["op_id"]),
        link_id=int(row["link_id"]),
        day=str(row["day"]),
        kind=str(row["kind"]),
        number=str(row["number"]),
        amount=Decimal(str(row["amount"])),
        parts=tuple((str(a), str(p), Decimal(m)) for a, p, m in loads(row["parts"]) or ()),
        version=None if row["version"] is None else str(row["version"]),
    )
