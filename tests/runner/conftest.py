"""Fixtures for runner tests; the world itself is in ``runner_world``."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_world import World, make_world


@pytest.fixture(autouse=True)
def _runs_retry_without_waiting(fast_backoff: None) -> None:
    """Runs here meet faults on purpose; what they do about them is under test, not how
    long the back-off sleeps (see ``fast_backoff`` in tests/conftest.py)."""


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def demo_world(tmp_path: Path) -> World:
    return make_world(tmp_path, scenario="demo")


@pytest.fixture
def taxed_world(tmp_path: Path) -> World:
    """The demo, with a QuickBooks company that charges California sales tax."""
    return make_world(tmp_path, scenario="demo", qbo_sales_tax_code="California")
