"""Step: PLACEHOLDER being written (replace this module whole)."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Static

from ...setup import Step
from .base import StepScreen


class SyncsStep(StepScreen):
    STEP = Step.SYNCS

    def form(self) -> Iterator[Widget]:
        yield Static("PLACEHOLDER")

    async def finish(self) -> str | None:
        return None
