"""Phase 1 of a run: check each side is the profile's company, then pull both sides
concurrently.
"""

from __future__ import annotations

import asyncio

from ..connectors.base import (
    ConnectorError,
)
from ..model import (
    ENTITIES,
    ORDER,
    SIDES,
    Side,
)
from ..store import StoreError
from .context import Interrupted, RunContext


class Pull(RunContext):
    """Phase 1 of a run."""

    async def check_companies(self) -> None:
        """Never apply one company's links, bases and cursors to another."""
        ids: dict[Side, str] = {}
        for side in SIDES:
            company = await self.conns[side].company()
            ids[side] = company.company_id
            known = self.profile.a_company_id if side == "a" else self.profile.b_company_id
            if known and known != company.company_id:
                raise ConnectorError(
                    f"{self.labels[side]} answered for company {company.company_id}, but profile "
                    f"{self.profile.name!r} was set up with {known}; check the profile's "
                    "settings, or make a new profile for the other company (or, to move this "
                    "profile to it, `recontui state forget`)."
                )
            self.emit(
                "info",
                "connect",
                f"Connected to {self.labels[side]}: {company.name} ({company.company_id}).",
            )
        if not self.options.dry_run:
            self.store.set_company_ids(self.pid, ids["a"], ids["b"])

    # -- pull -------------------------------------------------------------
    async def pull(self) -> None:
        self.emit("info", "pull", "Pulling changes from both sides.")
        total = sum(1 for side in SIDES for entity in ORDER if self.conns[side].supports(entity))
        self.pulled = [0, total]
        self.progress("pull", 0, total)
        try:
            async with asyncio.TaskGroup() as group:
                for side in SIDES:
                    group.create_task(self.pull_side(side))
        except* (ConnectorError, Interrupted, StoreError) as grouped:
            raise grouped.exceptions[0] from None

    async def pull_side(self, side: Side) -> None:
        conn = self.conns[side]
        for entity in ORDER:
            if not conn.supports(entity):
                continue
            cursor = self.store.cursor(self.pid, side, entity)
            new = changed = read = 0
            self.progress("pull", 0, entity=entity, side=side)
            async for page in conn.pull(entity, cursor):
                self.check_cancel()
                got = self.store.store_pulled(self.pid, side, entity, page.records, page.cursor)
                new += got.new
                changed += got.changed
                self.counts["pulled"] += got.new + got.changed
                read += len(page.records)
                self.progress("pull", read, entity=entity, side=side)
                self.emit(
                    "debug",
                    "pull",
                    f"{self.labels[side]}: page of {len(page.records)} {entity} records",
                    entity=entity,
                )
            if new or changed:
                self.emit(
                    "info",
                    "pull",
                    f"{self.labels[side]}: {new} new and {changed} changed "
                    f"{ENTITIES[entity].label.lower()} records.",
                    entity=entity,
                    side=side,
                    new=new,
                    changed=changed,
                )
            self.progress("pull", read, read, entity=entity, side=side)
            self.pulled[0] += 1
            self.progress("pull", *self.pulled)
