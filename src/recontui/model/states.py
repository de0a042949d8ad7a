"""The states and choices every layer shares, typed once.

They are ``StrEnum`` members: each is stored in SQLite and JSON as its plain text value
(``ConflictStatus.OPEN == "open"``), so the database and older rows read the same, while
code names a state by its member and a typo is an error, not a silent mismatch.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple


class ConflictStatus(StrEnum):
    """Where a conflict is in its life: open -> resolved -> pushed, or superseded."""

    OPEN = "open"
    RESOLVED = "resolved"
    PUSHED = "pushed"
    SUPERSEDED = "superseded"


#: The statuses of a conflict that still asks or waits for something.
LIVE_STATUSES: tuple[ConflictStatus, ...] = (ConflictStatus.OPEN, ConflictStatus.RESOLVED)


class ConflictKind(StrEnum):
    """What a conflict asks: which value (field), which record (match), or whether a
    record deleted on one side goes on both (delete)."""

    FIELD = "field"
    MATCH = "match"
    DELETE = "delete"


class EntryKind(StrEnum):
    """Why one field of a conflict is in it."""

    BOTH_CHANGED = "both_changed"  # changed differently on both sides
    NO_BASE = "no_base"  # the pair has no agreed state yet and the sides differ
    FORBIDDEN = "forbidden"  # a change the sync direction does not let through
    OVERRIDE = "override"  # a rule's decision a person reopened
    REFUSED = "refused"  # a change (or create) a system refused
    DELETE = "delete"  # the ``deleted`` entry of a delete conflict
    MATCH = "match"  # the ``key`` entry of a match conflict


class LinkState(StrEnum):
    """What recontui knows about one record's identity across the two systems."""

    UNPAIRED = "unpaired"  # on one side only so far
    PAIRED = "paired"  # the same record on both sides: merged and synced
    MATCHING = "matching"  # waiting for a person to say which record it is
    SINGLE = "single"  # a person said: create it on the other side, do not match
    IGNORED = "ignored"  # a person said: never sync it
    MERGED = "merged"  # absorbed into another link by matching (kept as an alias)
    REFERENCE = "reference"  # before the initial window: linked for references only


class OpState(StrEnum):
    """Where one remote write is: pending -> sent -> done, or it stopped."""

    PENDING = "pending"
    SENT = "sent"
    DONE = "done"
    REJECTED = "rejected"
    HELD = "held"
    SUPERSEDED = "superseded"


#: Ops that have not landed and may still be carried out.
LIVE_OP_STATES: tuple[OpState, ...] = (OpState.PENDING, OpState.SENT, OpState.HELD)


class OpKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    RESTORE = "restore"


class Pick(StrEnum):
    """What a person chose for one field, or for a match or delete question."""

    A = "a"  # the value side a holds (or shows, on an override)
    B = "b"
    CUSTOM = "custom"  # a value typed by the person
    # The answers to "which record is this?" (the ``$match`` entry of a match conflict):
    LINK = "link"  # link it to the candidate in ``value``
    CREATE = "create"  # create it on the other side
    IGNORE = "ignore"  # never sync it


class Choice(NamedTuple):
    """One decision on one entry of a conflict: a pick and, for custom/link, its value.

    Stored in the conflict's ``choices`` JSON as ``[pick, value]``; a choice read back
    compares and unpacks like that pair.
    """

    pick: Pick
    value: Any = None

    @classmethod
    def of(cls, raw: Any) -> Choice:
        """A choice from its stored form (``[pick, value]`` or ``[pick]``)."""
        if isinstance(raw, Choice):
            return raw
        items = list(raw)
        return cls(Pick(items[0]), items[1] if len(items) > 1 else None)

    def __eq__(self, other: object) -> bool:
        """Equal to the same choice, also given as its stored pair ``[pick, value]``."""
        if isinstance(other, list) and 1 <= len(other) <= 2:
            other = tuple(other) if len(other) == 2 else (other[0], None)
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        # Defining __eq__ would drop the tuple's hash; a choice stays usable as a key.
        return tuple.__hash__(self)


#: The key of a match conflict's answer in its choices.
MATCH_KEY = "$match"
#: The key of the choice that unlinks the record of a field conflict: never synced again.
IGNORE_KEY = "$ignore"

Choices = dict[str, Choice]


def choices_of(raw: Any) -> Choices | None:
    """Typed choices from their stored form (``{field: [pick, value]}``), None if none."""
    if raw is None:
        return None
    return {name: Choice.of(value) for name, value in dict(raw).items()}
