"""Step 9, headless: the plan of the first sync (a dry run: both systems read, nothing
written) and, once a person confirmed it, the first sync. The console's last step and
`recontui setup --from-file` both run it here, with the same options."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ..events import Event
from ..model import ENTITIES
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


def plan_counts(plan: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """How many writes of each kind the plan makes, per entity."""
    return Counter((item["entity"], OP_WORDS.get(item["op"], item["op"])) for item in plan)


def plan_words(store: Store, result: RunResult) -> list[str]:
    """The plan in lines a person reads: why it could not be made, or what it would do."""
    if result.status != "dry-run":
        return [f"The plan could not be made: {result.message or result.status}."]
    counts = plan_counts(result.plan)
    if not counts:
        return ["Both systems already agree: the first sync has nothing to write."]
    lines = ["The first sync would:"]
    for (entity, change), n in sorted(counts.items()):
        label = ENTITIES[entity].label.lower() if entity in ENTITIES else entity
        lines.append(f"  {change} {n} × {label}")
    return lines


def plan_by_name(store: Store, result: RunResult, *, per_entity: int = 20) -> list[str]:
    """The plan with a line per record, by name (what `recontui sync --dry-run` prints)."""
    from ..present import Names, plan_lines

    if result.status != "dry-run" or not result.plan:
        return plan_words(store, result)
    return plan_lines(result.plan, Names(store).link_name, per_entity=per_entity)
