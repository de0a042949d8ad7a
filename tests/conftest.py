"""Suite-wide settings that keep `make test` quick (the contract: about 3 minutes on 2 cores).

Only costs are lowered here, never checks: every path still runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from recontui import secrets as secrets_mod

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
