"""Fixtures for console tests; the world itself is in ``tui_world``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual import _wait as textual_wait
from tui_world import SNAPSHOTS, World, make_world


@pytest.fixture(autouse=True, scope="session")
def _snapshots_at_top_level():
    """SVG snapshots live in the repository's top-level `snapshots/` folder."""

    def dirname(cls: Any, *, test_location: Any) -> str:
        return str(SNAPSHOTS / test_location.basename)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SVGImageExtension, "dirname", classmethod(dirname))
        yield


@pytest.fixture(autouse=True, scope="session")
def _pilot_polls_faster():
    import os

    g = float(os.environ.get("XG", "0.02"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(textual_wait, "SLEEP_GRANULARITY", g)
        mp.setattr(textual_wait, "SLEEP_IDLE", g / 20)
        yield


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
