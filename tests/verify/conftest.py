"""Fixtures for `recontui verify` tests: the runner's in-process world (both stand-ins)."""

from __future__ import annotations

import sys
from pathlib import Path

# The world lives beside the runner tests (tests/runner/runner_world.py); this directory
# may be run on its own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
