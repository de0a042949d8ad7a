"""What a person decided in the setup's Match review (``RunOptions.links``/``apart``),
carried out at the start of the plan, inside its transaction: a dry run shows the plan that
follows from them and rolls them back, a real run keeps them.

A chosen pair is linked only while both records are still on their side alone (unpaired);
a record kept apart becomes ``single`` ("create, keep both", as a match conflict decided so
by a person): it is created on the other side and not matched. A decision no longer
possible (a record linked or removed since) is left to matching, and said.
"""

from __future__ import annotations

from ..model import ENTITIES, Side
from ..model.states import LinkState
from ..store import Link
from .context import RunContext


def alone(link: Link | None, side: Side) -> bool:
    """A record read from ``side`` only: not linked, not waiting for a decision, not a
    placeholder (it holds fields)."""
    return (
        link is not None
        and link.state == LinkState.UNPAIRED
        and link.remote_id(side) is not None
        and link.fields(side) is not None
        and link.remote_id("b" if side == "a" else "a") is None
    )


def _name(run: RunContext, link: Link, side: Side) -> str:
    return run.record_name(link.entity, link.fields(side), link.remote_id(side))


def link_chosen(run: RunContext) -> None:
    """Link the pairs chosen in the setup and keep apart the records chosen so."""
    options = run.options
    if not options.links and not options.apart:
        return
    linked: list[str] = []
    kept: list[str] = []
    left = 0
    for a_link, b_link in options.links:
        a, b = run.store.link(a_link), run.store.link(b_link)
        if a is None or b is None or not (alone(a, "a") and alone(b, "b")):
            left += 1
            continue
        if a.entity != b.entity or not run.syncs(a.entity):
            left += 1
            continue
        run.store.pair_links(a_link, b_link)
        if b.b_id is not None:
            run.index["b"][(b.entity, b.b_id)] = a_link
        run.counts["linked"] += 1
        label = ENTITIES[a.entity].label.lower()
        linked.append(f"{label} {_name(run, a, 'a')!r} = {_name(run, b, 'b')!r}")
    for a_link in options.apart:
        a = run.store.link(a_link)
        if a is None or not alone(a, "a") or not run.syncs(a.entity):
            left += 1
            continue
        run.store.set_link_state(a_link, LinkState.SINGLE)
        run.store.mark_dirty(a_link, "a")
        kept.append(f"{ENTITIES[a.entity].label.lower()} {_name(run, a, 'a')!r}")
    _say(run, linked, kept, left)


def _say(run: RunContext, linked: list[str], kept: list[str], left: int) -> None:
    parts = []
    if linked:
        parts.append(f"Linked by you in setup: {len(linked)} ({_some(linked)})")
    if kept:
        parts.append(f"kept apart by you in setup: {len(kept)} ({_some(kept)})")
    if parts:
        text = "; ".join(parts)
        run.emit("info", "match", text[0].upper() + text[1:] + ".")
    if left:
        run.emit(
            "info",
            "match",
            f"{left} decisions of the setup's match review were left to matching: their "
            "records were linked or removed since.",
        )


def _some(items: list[str], shown: int = 5) -> str:
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")
