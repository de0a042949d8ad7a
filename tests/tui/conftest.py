"""An in-process world for console tests: stand-ins over httpx.ASGITransport, one sync done."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_textual_snapshot import SVGImageExtension

from recontui.cli import make_factory, save_sandbox_profile
from recontui.runner import RunOptions, RunResult, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.secrets import SecretStore
from recontui.store import Profile, Store, open_store
from recontui.tui import ReconApp, make_app
from recontui.wiring import open_secrets

PASSPHRASE = "tui-tests"
SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"
FIXED_NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True, scope="session")
def _snapshots_at_top_level():
    """SVG snapshots live in the repository's top-level `snapshots/` folder."""

    def dirname(cls: Any, *, test_location: Any) -> str:
        return str(SNAPSHOTS / test_location.basename)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SVGImageExtension, "dirname", classmethod(dirname))
        yield


@dataclass
class World:
    sandbox: Sandbox
    store: Store
    secrets: SecretStore
    profile: Profile
    transport: httpx.ASGITransport

    def factory(self) -> Callable[..., Any]:
        return make_factory(self.profile, self.secrets, self.transport)

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


@pytest.fixture
def world(tmp_path: Path) -> World:
    """After one sync: the conflicts scenario leaves 33 conflicts open."""
    w = make_world(tmp_path)
    asyncio.run(w.sync())
    return w


@pytest.fixture
def still_world(tmp_path: Path) -> World:
    """Like `world`, on a store whose clock stands still (for snapshots)."""
    w = make_world(tmp_path, fixed_clock=True)
    asyncio.run(w.sync())
    return w
