"""A profile belongs to one pair of companies; `state forget` lets it move to other books."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import httpx
from runner_world import World, make_world

from recontui.cli import save_sandbox_profile
from recontui.sandbox import Sandbox, SandboxConfig


def point_at(world: World, sandbox: Sandbox) -> None:
    """The same profile, its URLs and credentials changed to other books."""
    save_sandbox_profile(
        world.store, argparse.Namespace(), "t", sandbox.credentials("http://sb"), world.secrets
    )
    world.sandbox = sandbox
    world.transport = httpx.ASGITransport(app=sandbox.app)


def cli(world: World, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECONTUI_DB": str(world.store.path), "RECONTUI_PASSPHRASE": "x"}
    return subprocess.run(
        [sys.executable, "-m", "recontui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_other_books_are_refused_until_the_profile_forgets_its_companies(tmp_path) -> None:
    world = make_world(tmp_path, scenario="demo")
    assert world.sync().exit_code in (0, 1)
    first = world.store.get_profile("t")
    assert first.a_company_id and first.b_company_id

    other = Sandbox(SandboxConfig(seed=8, scenario="demo"))
    assert other.realm_id != world.sandbox.realm_id
    point_at(world, other)
    refused = world.sync()
    assert refused.exit_code == 3 and "recontui state forget" in refused.message
    assert world.store.get_profile("t").b_company_id == first.b_company_id

    shown = json.loads(cli(world, "state", "show", "--profile", "t", "--json").stdout)
    assert [c["company_id"] for c in shown["companies"]] == [
        first.a_company_id,
        first.b_company_id,
    ]
    assert {c["system"] for c in shown["cursors"]} == {"BILL", "QuickBooks Online"}

    unasked = cli(world, "state", "forget", "--profile", "t")
    assert unasked.returncode == 2 and "--yes" in unasked.stderr
    forgot = cli(world, "state", "forget", "--profile", "t", "--yes")
    assert forgot.returncode == 0, forgot.stderr
    assert world.store.links(world.profile.id, "customer") == []
    assert world.store.cursors(world.profile.id) == []

    moved = world.sync()
    assert moved.exit_code in (0, 1), moved.message
    now = world.store.get_profile("t")
    assert now.b_company_id == other.realm_id and now.a_company_id == other.organization_id
    assert world.store.runs(world.profile.id)  # history kept: runs of both companies
    assert len(world.store.runs(world.profile.id)) == 3
