"""Suite-wide settings that keep `make test` quick (the contract: about 3 minutes on 2 cores).

Only costs are lowered here, never checks: every path still runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from recontui import secrets as secrets_mod
from recontui.connectors.http import BACKOFF_SHRINK_ENV

#: The cheapest scrypt cost the secrets file accepts (2**10). Real files use 2**15, about
#: a quarter of a second per new file on this machine, and almost every world of the suite
#: writes a new one. The cost is read back from each file's header, so files written with
#: it open like any other; `test_secrets.py` pins the real default on its own.
TEST_SCRYPT_N = 2**10


@pytest.fixture(autouse=True, scope="session")
def _cheap_scrypt() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(secrets_mod, "_SCRYPT_N", TEST_SCRYPT_N)
        yield


@pytest.fixture(autouse=True, scope="session")
def _rate_ledgers_in_a_temporary_directory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """The rate budgets shared by processes (connectors/ledger.py) live in a directory of
    the test session, not in the user's cache; subprocesses inherit it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECONTUI_RATE_DIR", str(tmp_path_factory.mktemp("rate")))
        yield


#: Retry back-off in tests that ask for ``fast_backoff`` is this many times shorter.
BACKOFF_SHRINK = 50


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connectors' retry back-off, 50 times shorter: the same retries in the same order
    without sleeping out real seconds (0.5 s doubling per attempt, 2 s after a 429). For
    tests about what a run does through faults or an unreachable server, in this process
    and in the `recontui` processes it starts (they inherit ``RECONTUI_BACKOFF_SHRINK``);
    the back-off itself is pinned by the tests of tests/connectors/test_connector_http.py
    that count its sleeps, which do not use this."""
    monkeypatch.setenv(BACKOFF_SHRINK_ENV, str(BACKOFF_SHRINK))
