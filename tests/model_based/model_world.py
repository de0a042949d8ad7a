"""A world for the model-based test: the stand-ins in process, a store on disk, and the
means to hurt a run (faults on the wire, a kill at a chosen point) and to act as the
people who keep the books (edits through the stand-ins' APIs, decisions through the
conflict queue the way the CLI saves them).

Like ``tests/runner/runner_world.py`` (Sandbox on an in-process transport, a fresh store,
``save_sandbox_profile``), with what a model needs on top: a clock that ticks the same on
every replay (shared by the stand-ins and the store, which the runner compares),
idempotency keys drawn from a counter, connectors that retry without waiting, and a
second, fault-free way in for the outside world and the checks. Together they make a run
the same on every replay, so hypothesis can shrink a failure and replay it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from books import Books, read_books

import recontui.run.ops as runner_module
from recontui.cli import save_sandbox_profile
from recontui.connectors.bill import BillConnector
from recontui.connectors.qbo import QboConnector
from recontui.events import Event, Progress
from recontui.run import RunOptions, RunResult, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.faults import FaultPlan
from recontui.sandbox.sandbox import InProcessTransport
from recontui.store import Profile, open_store
from recontui.verify import VerifyResult, verify
from recontui.wiring import BoundSecrets

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
PROFILE = "m"


class TickingClock:
    """Time that moves ``step`` seconds at every reading: the same on every replay."""

    def __init__(self, start: dt.datetime = START, step: float = 0.02) -> None:
        self.start = start
        self.step = dt.timedelta(seconds=step)
        self.readings = 0

    def __call__(self) -> dt.datetime:
        self.readings += 1
        return self.start + self.step * self.readings

    def peek(self) -> dt.datetime:
        """The time now, without moving it (this machine's clock: its readings depend on
        how long the run took, and must not shift the stand-ins' timestamps)."""
        return self.start + self.step * self.readings

    def advance(self, seconds: float) -> None:
        self.start += dt.timedelta(seconds=seconds)


class MemorySecretStore:
    """The secret store a profile is saved with, in memory (no scrypt on every token)."""

    kind = "memory"

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, profile: str, name: str) -> str | None:
        return self.values.get((profile, name))

    def set(self, profile: str, name: str, value: str) -> None:
        self.values[(profile, name)] = value

    def delete(self, profile: str, name: str) -> None:
        self.values.pop((profile, name), None)


class SimulatedKill(BaseException):
    """The process died here (kill -9): nothing below the raise runs, no handler sees it."""


@dataclass(frozen=True)
class Kill:
    """Where a run dies: the ``at``-th point of ``phase``.

    Phases: ``pull``, ``plan`` and ``push`` count the run's progress reports (pages pulled,
    records planned, ops pushed); ``write`` counts the writes sent to either system, before
    the request (``landed`` False) or after the system did it and before its answer was
    taken in (``landed`` True). ``how``: ``crash`` dies on the spot (the lock stays, the
    run row says running, an open transaction rolls back); ``cancel`` asks the run to stop
    at its next safe point (SIGTERM).
    """

    phase: str
    at: int
    how: str = "crash"
    landed: bool = False


class KillSwitch:
    def __init__(self, kill: Kill | None, cancel: Any) -> None:
        self.kill = kill
        self.cancel = cancel
        self.seen: dict[str, int] = {}
        self.fired = False

    def point(self, phase: str, *, landed: bool = False) -> None:
        kill = self.kill
        if kill is None or self.fired or kill.phase != phase or kill.landed != landed:
            return
        self.seen[phase] = n = self.seen.get(phase, 0) + 1
        if n < kill.at:
            return
        self.fired = True
        if kill.how == "cancel":
            self.cancel.set()
        else:
            raise SimulatedKill(f"killed at {kill}")

    def progress(self, item: Progress) -> None:
        self.point("push" if item.phase == "replay" else item.phase)


class Hooked:
    """A connector whose writes pass the kill switch before and after they land."""

    def __init__(self, inner: Any, switch: KillSwitch) -> None:
        self.inner = inner
        self.switch = switch
        self.system = inner.system
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> Hooked:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    def pull(self, entity: str, cursor: str | None) -> Any:
        return self.inner.pull(entity, cursor)

    async def _write(self, call: Callable[[], Any]) -> Any:
        self.switch.point("write")
        result = await call()
        self.switch.point("write", landed=True)
        return result

    async def create(self, entity: str, fields: Any, *, idempotency_key: str) -> Any:
        return await self._write(
            lambda: self.inner.create(entity, fields, idempotency_key=idempotency_key)
        )

    async def create_many(self, entity: str, items: Any) -> Any:
        """A batch of creates (QuickBooks): killed before it is sent or after it landed,
        as a single write is."""
        return await self._write(lambda: self.inner.create_many(entity, items))

    async def update(
        self, entity: str, remote_id: str, version: str, changes: Any, *, idempotency_key: str
    ) -> Any:
        return await self._write(
            lambda: self.inner.update(
                entity, remote_id, version, changes, idempotency_key=idempotency_key
            )
        )

    async def deactivate(
        self, entity: str, remote_id: str, version: str, *, idempotency_key: str
    ) -> Any:
        return await self._write(
            lambda: self.inner.deactivate(
                entity, remote_id, version, idempotency_key=idempotency_key
            )
        )


@dataclass
class Outcome:
    """What one run left: its result, or None when the process was killed."""

    result: RunResult | None
    events: list[Event] = field(default_factory=list)
    fired: bool = False

    @property
    def killed(self) -> bool:
        return self.result is None

    @property
    def exit_code(self) -> int | None:
        return None if self.result is None else self.result.exit_code

    def said(self, level: str = "error") -> list[str]:
        return [e.message for e in self.events if e.level == level]


class _CountedUuids:
    """``uuid.uuid4`` for the runner's idempotency keys, from a counter: QBO's requestid is
    part of a request, and the faults a request meets are a function of the request."""

    def __init__(self) -> None:
        self.n = 0

    def uuid4(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=self.n)


def _is_kill(exc: BaseException | None) -> bool:
    """The process died: whatever else was raising at that moment died with it.

    Walks groups, causes and contexts once each: concurrent tasks can leave a context
    chain that loops back on itself."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, SimulatedKill):
            return True
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        todo.extend((e.__context__, e.__cause__))
    return False


def dead_pid() -> int:
    """The pid of a process that has ended (what a killed run leaves in the lock)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


class ModelWorld:
    def __init__(self, root: Path, scenario: str = "conflicts", seed: int = 7, **config: Any):
        self.root = root
        self.clock = TickingClock()
        config = {
            "qbo_per_minute": None,
            "bill_per_hour": None,
            "slow_seconds": 0.01,
            "anchor_date": START.date(),
            **config,
        }
        self.sandbox = Sandbox(
            SandboxConfig(seed=seed, scenario=scenario, **config), clock=self.clock
        )
        self.db_path = root / "state.db"
        # One time for both systems and this machine: the runner compares them.
        self.store = open_store(self.db_path, clock=self.clock.peek)
        self.secrets = MemorySecretStore()
        save_sandbox_profile(
            self.store,
            argparse.Namespace(),
            PROFILE,
            self.sandbox.credentials("http://sb"),
            self.secrets,  # type: ignore[arg-type]
        )
        # The stand-ins' rate limits and the clients' governors are tested elsewhere; here
        # they would only make the runs wait.
        p = self.store.get_profile(PROFILE)
        self.store.save_profile(
            PROFILE,
            p.a_system,
            p.b_system,
            {**p.a_settings, "rate_limit": "off"},
            {**p.b_settings, "rate_limit": "off"},
        )
        #: The runs' way in (through the fault injector) and the outside world's (around it).
        self.run_transport = self.sandbox.transport()
        self.quiet_transport = InProcessTransport(self.sandbox.faults.app)
        self.uuids = _CountedUuids()
        self.runs = 0
        self.kills = 0

    @property
    def profile(self) -> Profile:
        return self.store.get_profile(PROFILE)

    def connector(self, side: str, transport: Any, on_event: Any = None) -> Any:
        profile = self.profile
        system = profile.system(side)  # type: ignore[arg-type]
        cls = {"bill": BillConnector, "qbo": QboConnector}[system]
        return cls(
            {**profile.side_settings(side), "profile_name": profile.name},  # type: ignore[arg-type]
            BoundSecrets(self.secrets, profile.name),  # type: ignore[arg-type]
            transport=transport,
            on_event=on_event,
            # Retries wait no time: a real wait would let the two sides' requests
            # interleave differently on every replay (a 429 too: not QBO's minute).
            base_delay=0.0,
            throttle_wait=0.0,
        )

    @contextlib.contextmanager
    def _counted_uuids(self) -> Iterator[None]:
        saved = runner_module.uuid
        runner_module.uuid = self.uuids  # type: ignore[assignment]
        try:
            yield
        finally:
            runner_module.uuid = saved

    def sync(
        self, faults: FaultPlan | None = None, kill: Kill | None = None, **options: Any
    ) -> Outcome:
        """One run, as `recontui sync` makes it; a killed run leaves what kill -9 leaves."""
        cancel = threading.Event()
        switch = KillSwitch(kill, cancel)
        events: list[Event] = []

        def factory(side: str, log: Any) -> Any:
            label = self.profile.system(side).upper()  # type: ignore[arg-type]
            return Hooked(
                self.connector(side, self.run_transport, log.connector_sink(label)), switch
            )

        self.sandbox.faults.plan = faults or FaultPlan()
        self.runs += 1
        try:
            with self._counted_uuids():
                result = asyncio.run(
                    run_sync(
                        self.store,
                        self.profile,
                        factory,
                        RunOptions(cancel=cancel, progress=switch.progress, **options),
                        listener=events.append,
                    )
                )
        except BaseException as exc:
            if not _is_kill(exc):
                raise
            self.after_kill()
            return Outcome(None, events, fired=True)
        finally:
            self.sandbox.faults.plan = FaultPlan()
        return Outcome(result, events, fired=switch.fired)

    def after_kill(self) -> None:
        """What the next process finds: the database as the dead one left it (its open
        transaction rolled back) and a lock held by a process that no longer exists."""
        self.kills += 1
        with contextlib.suppress(sqlite3.Error):
            self.store.close()
        self.store = open_store(self.db_path, clock=self.clock.peek)
        with self.store.transaction() as conn:
            conn.execute("UPDATE locks SET pid=?", (dead_pid(),))

    @contextlib.asynccontextmanager
    async def outside(self) -> AsyncIterator[tuple[Any, Any]]:
        """Connectors to both systems that no fault reaches (people, and the checks)."""
        ca = self.connector("a", self.quiet_transport)
        cb = self.connector("b", self.quiet_transport)
        async with ca, cb:
            yield ca, cb

    def read_books(self) -> Books:
        async def go() -> Books:
            async with self.outside() as (ca, cb):
                return await read_books(ca, cb)

        return asyncio.run(go())

    def verify(self) -> VerifyResult:
        """`recontui verify`: both systems read in full and compared, record by record."""
        profile = self.profile
        return asyncio.run(
            verify(
                self.store,
                profile,
                lambda side, _events: self.connector(side, self.quiet_transport),
                scratch_dir=self.root,
            )
        )

    def integrity(self) -> list[str]:
        """``PRAGMA integrity_check`` and ``foreign_key_check`` problems (empty: sound)."""
        conn = self.store.db.conn
        out = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        out += [repr(tuple(r)) for r in conn.execute("PRAGMA foreign_key_check")]
        return out

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.store.close()
