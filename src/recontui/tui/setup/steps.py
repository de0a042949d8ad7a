"""Which screen shows which step."""

from __future__ import annotations

from ...setup import Step
from .accounts_step import AccountsStep
from .base import StepScreen
from .company_step import CompanyStep
from .credentials_step import CredentialsStep
from .lists_step import ListsStep
from .matches_step import MatchesStep
from .profile_step import ProfileStep
from .sync_step import SyncStep
from .syncs_step import SyncsStep
from .tax_step import TaxStep

STEP_SCREENS: dict[Step, type[StepScreen]] = {
    Step.PROFILE: ProfileStep,
    Step.CREDENTIALS: CredentialsStep,
    Step.COMPANY: CompanyStep,
    Step.LISTS: ListsStep,
    Step.ACCOUNTS: AccountsStep,
    Step.TAX: TaxStep,
    Step.SYNCS: SyncsStep,
    Step.MATCHES: MatchesStep,
    Step.SYNC: SyncStep,
}

__all__ = ["STEP_SCREENS", "StepScreen"]
