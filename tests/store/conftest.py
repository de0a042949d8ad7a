"""Fixtures for the store tests: a fresh state database per test, on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import TickingClock

from recontui.store import Profile, Store, open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "recontui.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path, clock=TickingClock())
    yield s
    s.close()


@pytest.fixture
def profile(store: Store) -> Profile:
    return store.save_profile(
        "acme",
        "bill",
        "qbo",
        {
            "api_base": "https://api.bill.test",
            "organization_id": "00801ORG",
            "username": "ap@acme.test",
        },
        {
            "api_base": "https://qbo.test",
            "token_url": "https://oauth.qbo.test/token",
            "realm_id": "9130350000001",
        },
    )
