"""Fixtures for console tests; the world itself is in ``tui_world``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual import _wait as textual_wait
from tui_world import SNAPSHOTS, World, copy_world, make_world


@pytest.fixture(autouse=True, scope="session")
def _snapshots_at_top_level():
    """SVG snapshots live in the repository's top-level `snapshots/` folder."""

    def dirname(cls: Any, *, test_location: Any) -> str:
        return str(SNAPSHOTS / test_location.basename)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SVGImageExtension, "dirname", classmethod(dirname))
        yield


#: How long Textual's pilot sleeps between looks at the process's CPU clock when it waits
#: for the app to go idle after a key (Textual: 1/50 s, so every key costs at least 40 ms).
#: Idle still means the same thing: under 5 % of one CPU used during the look.
PILOT_IDLE_POLL = 0.005


@pytest.fixture(autouse=True, scope="session")
def _pilot_polls_faster():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(textual_wait, "SLEEP_GRANULARITY", PILOT_IDLE_POLL)
        mp.setattr(textual_wait, "SLEEP_IDLE", PILOT_IDLE_POLL / 20)
        yield


def _synced(tmp_path: Path, fixed_clock: bool) -> World:
    w = make_world(tmp_path, fixed_clock=fixed_clock)
    asyncio.run(w.sync())
    return w


@pytest.fixture(scope="session")
def _synced_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The template of `world`: built once, never handed to a test (they get copies)."""
    return _synced(tmp_path_factory.mktemp("synced-world"), fixed_clock=False)


@pytest.fixture(scope="session")
def _synced_still_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _synced(tmp_path_factory.mktemp("synced-still-world"), fixed_clock=True)


@pytest.fixture
def world(tmp_path: Path, _synced_world: World) -> World:
    """After one sync: the conflicts scenario leaves 31 conflicts open."""
    return copy_world(_synced_world, tmp_path)


@pytest.fixture
def still_world(tmp_path: Path, _synced_still_world: World) -> World:
    """Like `world`, on a store whose clock stands still (for snapshots)."""
    return copy_world(_synced_still_world, tmp_path, fixed_clock=True)
