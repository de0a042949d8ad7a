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
            raise _first(grouped) from None

    async def pull_side(self, side: Side) -> None:
        """Every entity of one side at once: the connector holds its requests to the
        company's in-flight and rate limits, so the side's slots are used by the entities
        together rather than one page at a time. (Within an entity, pages come in order:
        each starts where the last ended.)"""
        conn = self.conns[side]
        entities = [entity for entity in ORDER if conn.supports(entity)]
        refused: dict[str, ConnectorError | StoreError] = {}

        async def pull(entity: str) -> None:
            # One entity refused stops neither the others nor their pages (each page is
            # kept with its cursor as it comes): what can be read is read, then the first
            # refusal, in the order entities sync, ends the side.
            try:
                await self.pull_entity(side, entity)
            except (ConnectorError, StoreError) as exc:
                refused[entity] = exc

        async with asyncio.TaskGroup() as group:
            for entity in entities:
                group.create_task(pull(entity))
        for entity in entities:
            if entity in refused:
                raise refused[entity]

    async def pull_entity(self, side: Side, entity: str) -> None:
        conn = self.conns[side]
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


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first error of a group of task groups (each side's, each of its entities')."""
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found
