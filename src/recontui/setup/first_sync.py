"""Step 9, headless: the plan of the first sync (a dry run: both systems read, nothing
written) and, once a person confirmed it, the first sync. The console's last step and
`recontui setup --from-file` both run it here, with the same options."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ..events import Event
from ..model import ORDER
from ..present import plural_label
from ..run import RunOptions, RunResult, run_sync
from ..secrets import SecretStore
from ..store import Profile, Store
from ..wiring import connector_factory
from .matches import saved_choices
from .progress import setup_done

#: How the plan names each kind of write.
OP_WORDS = {
    "create": "create",
    "update": "update",
    "deactivate": "deactivate",
    "restore": "restore",
    "delete": "delete",
    "conflict": "ask you",
    "decision": "ask you",
}


def first_sync_options(store: Store, profile: Profile, *, dry_run: bool) -> RunOptions:
    """The options of the setup's plan and first sync (with the Match review's decisions)."""
    chosen = saved_choices(store, profile)
    return RunOptions(dry_run=dry_run, trigger="setup", links=chosen.links, apart=chosen.apart)


async def first_sync(
    store: Store,
    profile: Profile,
    secrets: SecretStore,
    *,
    dry_run: bool,
    listener: Callable[[Event], None] | None = None,
) -> RunResult:
    """The plan (``dry_run``) or the first sync itself."""
    return await run_sync(
        store,
        profile,
        connector_factory(profile, secrets),
        first_sync_options(store, profile, dry_run=dry_run),
        listener=listener,
    )


#: A first sync that ended so did not carry out its plan: the setup stays at its last step
#: (the Match review's decisions still saved) so that starting it again carries them out.
NOT_RUN = ("failed", "interrupted")


async def start_first_sync(
    store: Store,
    profile: Profile,
    secrets: SecretStore,
    *,
    actor: str,
    listener: Callable[[Event], None] | None = None,
) -> RunResult:
    """The first sync, once a person confirmed its plan. The setup is done when it ran;
    one that failed or was interrupted leaves the setup at its last step, to start again
    (the console's `recontui tui` and `recontui setup` come back to it)."""
    result = await first_sync(store, profile, secrets, dry_run=False, listener=listener)
    if result.status not in NOT_RUN:
        setup_done(store, profile, actor=actor)
    return result


def change_words(item: dict[str, Any]) -> str:
    """What the plan does with one record: "create in QuickBooks Online", "held: create in
    QuickBooks Online" (waits for something a person gives; the run log says what), "ask
    you" (a conflict or a decision)."""
    if item["op"] in ("conflict", "decision"):
        return OP_WORDS[item["op"]]
    if item["op"] == "not_sent" and item.get("kind") == "direction":
        return "not copied: one-way"  # the direction keeps it where it is
    if item["op"] == "not_sent" and item.get("kind") == "filter":  # setup/filters.py
        return "not copied by your filters"
    if item["op"] == "not_sent":  # the profile's update fields leave it alone
        return f"not sent: {item.get('why') or 'update fields'}"
    words = f"{OP_WORDS.get(item['op'], item['op'])} in {item.get('system', '?')}"
    return f"held: {words}" if item.get("state") == "held" else words


def change_detail(item: dict[str, Any]) -> str:
    """:func:`change_words` with what a person is asked about, or which fields an update
    writes ("ask you: email, name", "ask you: which record it is")."""
    words = change_words(item)
    if item.get("kind") == "filter":  # its own reason ("not copied: customer type ...")
        return str(item.get("why") or words)
    if item["op"] in ("conflict", "decision"):
        fields = ", ".join(item.get("fields") or ())
        about = "which record it is" if item.get("kind") == "match" else fields
        return f"{words}: {about}" if about else words
    if item["op"] in ("update", "not_sent") and item.get("fields"):
        return f"{words}: {', '.join(item['fields'])}"
    return words


def plan_counts(plan: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """How many records the plan does each thing with, per entity."""
    return Counter((item["entity"], change_words(item)) for item in plan)


def plan_words(result: RunResult) -> list[str]:
    """The plan in lines a person reads: why it could not be made, or what it would do,
    entity by entity ("Customers: create in QuickBooks Online 3, ask you 2")."""
    if result.status != "dry-run":
        return [f"The plan could not be made: {result.message or result.status}."]
    counts = plan_counts(result.plan)
    if not counts:
        return ["Both systems already agree: the first sync has nothing to write."]
    by_entity: dict[str, list[str]] = {}
    for (entity, change), n in sorted(counts.items()):
        by_entity.setdefault(entity, []).append(f"{change} {n}")
    lines = ["The first sync would:"]
    for entity in sorted(by_entity, key=lambda e: ORDER.index(e) if e in ORDER else len(ORDER)):
        lines.append(f"  {plural_label(entity)}: {', '.join(by_entity[entity])}")
    return lines


def plan_by_name(store: Store, result: RunResult, *, per_entity: int = 20) -> list[str]:
    """The plan with a line per record, by name (what `recontui sync --dry-run` prints)."""
    from ..present import Names, plan_lines

    if result.status != "dry-run" or not result.plan:
        return plan_words(result)
    return plan_lines(result.plan, Names(store).link_name, per_entity=per_entity)
