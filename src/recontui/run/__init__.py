"""One sync run, in phases over a shared context (see docs/architecture.md, "How a run flows").

``runner.run_sync`` takes the lock and runs the phases in order: ``pull`` (companies, then
both sides), ``matching`` (link new records), ``plan`` (merge each changed pair; carry out
the conflict lifecycle's steps as outbox ops), ``guard`` (hold an unusually big change),
``push`` (write, read back, move the base). ``context`` holds what they share, ``ops`` the
outbox writes they plan, ``settings`` the policy a run reads.
"""

from .context import Interrupted, RunOptions, RunResult
from .runner import EXIT_FATAL, EXIT_OK, EXIT_PARTIAL, EXIT_WAITING, run_sync, summary_lines
from .settings import first_synced_date, policy_from

__all__ = [
    "EXIT_FATAL",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_WAITING",
    "Interrupted",
    "RunOptions",
    "RunResult",
    "first_synced_date",
    "policy_from",
    "run_sync",
    "summary_lines",
]
