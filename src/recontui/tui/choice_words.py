"""What is wrong with a choice made in the console, in the console's terms (never the
command line's options)."""

from __future__ import annotations

from ..decisions import ChoiceProblem, Problem
from ..store import Conflict


def choice_problem_text(problem: ChoiceProblem, conflict: Conflict) -> str:
    """One sentence for a :class:`ChoiceProblem` met while saving ``conflict``."""
    fields = ", ".join(problem.fields)
    if problem.problem == Problem.STILL_OPEN:
        return f"Choose a value for every field first; still open: {fields}."
    if problem.problem == Problem.NOT_IN_CONFLICT:
        return f"{fields} is no longer in conflict {conflict.id}; reload it and choose again."
    if problem.problem == Problem.NOT_A_CANDIDATE:
        return (
            f"Record {problem.value} is no longer a candidate of conflict {conflict.id}; "
            "reload it and choose again."
        )
    if problem.problem == Problem.NOT_LIVE:
        return f"Conflict {conflict.id} is {conflict.status} now: there is nothing to decide."
    if conflict.kind == "delete":
        return "Choose which side's state wins: keep the record, or delete it on both sides."
    return f"That choice does not answer this {conflict.kind} conflict."
