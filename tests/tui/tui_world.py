"""An in-process world for console tests: stand-ins over httpx.ASGITransport, one sync done.

Its own module (not conftest) so that tests import it by a name no other directory uses."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from world_copy import copy_sandbox, copy_state

from recontui.cli import save_sandbox_profile
from recontui.run import RunOptions, RunResult, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.secrets import SecretStore
from recontui.store import Profile, Store, open_store
from recontui.tui import ReconApp, make_app
from recontui.wiring import connector_factory, open_secrets

PASSPHRASE = "tui-tests"
SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"
FIXED_NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@dataclass
class World:
    sandbox: Sandbox
    store: Store
    secrets: SecretStore
    profile: Profile
    transport: httpx.ASGITransport

    def factory(self) -> Callable[..., Any]:
        return connector_factory(self.profile, self.secrets, transport=self.transport)

    async def sync(self) -> RunResult:
        return await run_sync(
            self.store, self.store.get_profile(self.profile.name), self.factory(), RunOptions()
        )

    def app(self) -> ReconApp:
        return make_app(self.store, self.profile, self.secrets, self.factory(), actor="tester")

    def connectors(self) -> tuple[Any, Any]:
        class _Events:
            def connector_sink(self, label: str) -> Any:
                return lambda *a: None

        base = self.factory()
        return base("a", _Events()), base("b", _Events())


def make_world(
    tmp_path: Path, scenario: str = "conflicts", seed: int = 7, fixed_clock: bool = False
) -> World:
    if fixed_clock:  # for snapshots: run times, record times and the like stay put
        sandbox = Sandbox(
            SandboxConfig(seed=seed, scenario=scenario, anchor_date=FIXED_NOW.date()),
            clock=lambda: FIXED_NOW,
        )
        store = open_store(tmp_path / "state.db", clock=lambda: FIXED_NOW)
    else:
        sandbox = Sandbox(SandboxConfig(seed=seed, scenario=scenario))
        store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    save_sandbox_profile(
        store, argparse.Namespace(), "t", sandbox.credentials("http://sb"), secrets
    )
    return World(
        sandbox, store, secrets, store.get_profile("t"), httpx.ASGITransport(app=sandbox.app)
    )


def copy_world(template: World, tmp_path: Path, fixed_clock: bool = False) -> World:
    """An independent copy of ``template`` (stand-ins, state database, secrets) in tmp_path.

    The template is never handed to a test; copying it skips the sync each test would
    otherwise run to reach the same state."""
    sandbox = copy_sandbox(template.sandbox)
    copy_state(template.store.path, tmp_path / "state.db")
    if fixed_clock:
        store = open_store(tmp_path / "state.db", clock=lambda: FIXED_NOW)
    else:
        store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    return World(
        sandbox,
        store,
        secrets,
        store.get_profile(template.profile.name),
        httpx.ASGITransport(app=sandbox.app),
    )
