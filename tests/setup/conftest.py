"""What the setup tests share: the stand-ins, served on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from recontui.sandbox import RunningSandbox, SandboxConfig


@pytest.fixture
def served() -> Iterator[RunningSandbox]:
    """Both stand-ins with the demo company, served for the test and stopped after it."""
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as running:
        yield running
