"""The first-sync setup: its steps and progress (kept per profile), and the checks each
step makes against the two systems. Headless: the console's setup screens
(`tui/setup/`) and `recontui setup` word it for their user."""

from ..connectors.base import Company
from .connect import (
    BillLogin,
    QboApp,
    SetupRefused,
    check_bill,
    check_qbo,
    connect_qbo,
    qbo_consent,
)
from .progress import STEPS, Step, needs_setup, reached_step, set_reached, setup_done

__all__ = [
    "STEPS",
    "BillLogin",
    "Company",
    "QboApp",
    "SetupRefused",
    "Step",
    "check_bill",
    "check_qbo",
    "connect_qbo",
    "needs_setup",
    "qbo_consent",
    "reached_step",
    "set_reached",
    "setup_done",
]
