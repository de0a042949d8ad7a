"""References between records.

A connector speaks in its own system's ids (``RemoteRef``); the canonical model
speaks in link ids (``Ref``), so a record on one side can point at a record that
exists on the other side only under a different id. The runner translates
between the two through the links table.
"""

from __future__ import annotations

from typing import NamedTuple


class Ref(NamedTuple):
    """A canonical reference: the link id of the record pointed at."""

    entity: str
    link: int


class RemoteRef(NamedTuple):
    """A reference as one remote system spells it."""

    entity: str
    remote_id: str
