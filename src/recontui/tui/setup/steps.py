"""Which screen shows which step."""

from __future__ import annotations

from ...setup import Step
from .base import StepScreen
from .company_step import CompanyStep
from .credentials_step import CredentialsStep
from .profile_step import ProfileStep
from .sync_step import SyncStep

STEP_SCREENS: dict[Step, type[StepScreen]] = {
    Step.PROFILE: ProfileStep,
    Step.CREDENTIALS: CredentialsStep,
    Step.COMPANY: CompanyStep,
    Step.SYNC: SyncStep,
}

__all__ = ["STEP_SCREENS", "StepScreen"]
