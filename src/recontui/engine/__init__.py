"""The pure reconciliation logic: match, merge, policy, guard. No IO, no clock.

Records go in, decisions come out (writes, conflicts, audit entries), which is
what lets the engine be property-tested and benchmarked on a million pairs.
"""

from ..model.states import Choice
from .guard import big_change
from .match import Candidate, MatchResult, match_records
from .merge import (
    Audit,
    ConflictKind,
    FieldConflict,
    Merge,
    Resolution,
    apply_resolution,
    decide_by_rule,
    merge_record,
)
from .policy import Direction, OnForbidden, Policy, Rule, RuleKind, may_write

__all__ = [
    "Audit",
    "Candidate",
    "Choice",
    "ConflictKind",
    "Direction",
    "FieldConflict",
    "MatchResult",
    "Merge",
    "OnForbidden",
    "Policy",
    "Resolution",
    "Rule",
    "RuleKind",
    "apply_resolution",
    "big_change",
    "decide_by_rule",
    "match_records",
    "may_write",
    "merge_record",
]
