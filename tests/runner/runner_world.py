"""An in-process world for runner tests: stand-ins on an ASGI transport, a fresh store.

Its own module (not conftest) so that tests import it by a name no other directory uses."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recontui.cli import save_sandbox_profile
from recontui.connectors import ConnectorError
from recontui.run import RunOptions, RunResult, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.secrets import SecretStore
from recontui.store import Profile, Store, open_store
from recontui.wiring import connector_factory, open_secrets

PASSPHRASE = "runner-tests"


@dataclass
class World:
    sandbox: Sandbox
    store: Store
    secrets: SecretStore
    profile: Profile
    transport: httpx.ASGITransport
    wrap: Callable[[str, Any], Any] | None = None
    events: list[Any] = field(default_factory=list)

    def factory(self) -> Callable[..., Any]:
        base = connector_factory(self.profile, self.secrets, transport=self.transport)

        def build(side: str, events: Any) -> Any:
            conn = base(side, events)
            return self.wrap(side, conn) if self.wrap else conn

        return build

    def sync(self, **options: Any) -> RunResult:
        self.profile = self.store.get_profile(self.profile.name)
        return asyncio.run(
            run_sync(
                self.store,
                self.profile,
                self.factory(),
                RunOptions(**options),
                listener=self.events.append,
            )
        )

    def connectors(self) -> tuple[Any, Any]:
        base = connector_factory(self.profile, self.secrets, transport=self.transport)

        class _Events:
            def connector_sink(self, label: str) -> Any:
                return lambda *a: None

        return base("a", _Events()), base("b", _Events())

    def fill_held(self) -> int:
        """Do what a held create asks of a person: give its record, in the system it comes
        from, the e-mail address and phone number the target requires; the number filled.
        An edit the network breaks is tried again (tests with injected faults)."""
        held = [
            op
            for op in self.store.ops(self.profile.id, ("held",))
            if op.op == "create" and op.entity in ("customer", "vendor")
        ]

        async def go() -> None:
            for op in held:
                source = "b" if op.side == "a" else "a"
                link = self.store.link(op.link_id)
                remote_id = link.remote_id(source)
                slug = "".join(ch for ch in link.fields(source)["name"].lower() if ch.isalnum())
                fill = {"email": f"accounts@{slug}.example.com", "phone": "(503) 555-0100"}
                for attempt in range(10):
                    try:
                        conn = self.connectors()[0 if source == "a" else 1]
                        async with conn:
                            rec = await conn.read(op.entity, remote_id)
                            await conn.update(
                                op.entity,
                                remote_id,
                                rec.version,
                                fill,
                                idempotency_key=f"fill-{op.id}-{attempt}",
                            )
                        break
                    except ConnectorError:
                        if attempt == 9:
                            raise

        asyncio.run(go())
        return len(held)


def make_world(tmp_path: Path, scenario: str = "conflicts", seed: int = 7, **config: Any) -> World:
    sandbox = Sandbox(SandboxConfig(seed=seed, scenario=scenario, **config))
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    save_sandbox_profile(
        store, argparse.Namespace(), "t", sandbox.credentials("http://sb"), secrets
    )
    return World(
        sandbox, store, secrets, store.get_profile("t"), httpx.ASGITransport(app=sandbox.app)
    )


class Wrapped:
    """A connector with hooks: tests inject the faults a real network produces. Its
    creates go one at a time (``create_batch`` 0), so a hook on ``create`` sees each one;
    tests of the batch path wrap ``create_many`` themselves."""

    create_batch = 0

    def __init__(self, inner: Any, **hooks: Any) -> None:
        self.inner = inner
        self.hooks = hooks
        self.system = inner.system
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> Wrapped:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    def pull(self, entity: str, cursor: str | None) -> Any:
        return self.inner.pull(entity, cursor)

    async def create(self, entity: str, fields: Any, *, idempotency_key: str) -> Any:
        hook = self.hooks.get("create")
        result = await self.inner.create(entity, fields, idempotency_key=idempotency_key)
        return hook(entity, result) if hook else result

    async def update(
        self, entity: str, remote_id: str, version: str, changes: Any, *, idempotency_key: str
    ) -> Any:
        hook = self.hooks.get("before_update")
        if hook:
            await hook(self.inner, entity, remote_id)
        result = await self.inner.update(
            entity, remote_id, version, changes, idempotency_key=idempotency_key
        )
        after = self.hooks.get("after_update")
        return after(entity, result) if after else result

    async def read(self, entity: str, remote_id: str) -> Any:
        rec = await self.inner.read(entity, remote_id)
        hook = self.hooks.get("read")
        return hook(entity, rec) if hook and rec is not None else rec


def act(world: World, side: str, how: Any) -> Any:
    """Run ``how(connector)`` against one system, as a person acting there would."""

    async def go() -> Any:
        ca, cb = world.connectors()
        async with ca if side == "a" else cb as conn:
            return await how(conn)

    return asyncio.run(go())


def create(world: World, side: str, entity: str, fields: dict[str, Any]) -> str:
    """A record made in one system through its API; its remote id."""

    async def how(conn: Any) -> str:
        made = await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)
        return str(made.remote_id)

    return str(act(world, side, how))
