"""Step 9, headless: the setup is done once the first sync ran; one that could not run
leaves the setup at its last step, the Match review's decisions still saved, so that
starting it again carries them out (they travel only with the setup's first sync)."""

from __future__ import annotations

from pathlib import Path

from setup_lists_world import ENV, ready_for_lists

from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup import Step, needs_setup, reached_step
from recontui.setup.first_sync import start_first_sync
from recontui.setup.matches import LINKS_KEY
from recontui.store import open_store
from recontui.wiring import open_secrets


async def test_a_first_sync_that_did_not_run_leaves_the_setup_at_its_last_step(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env=ENV)
    with RunningSandbox(SandboxConfig(seed=7, scenario="empty")) as running:
        profile = ready_for_lists(store, secrets, running.credentials(), step=Step.SYNC)
        secrets.set(profile.name, "password", "changed since")  # BILL refuses the sign-in
        store.set_setting(profile.id, LINKS_KEY, [[1, 2]], actor="test")
        result = await start_first_sync(store, profile, secrets, actor="test")
    assert result.status == "failed", result
    assert needs_setup(store, profile) and reached_step(store, profile) == Step.SYNC
    assert store.settings(profile.id)[LINKS_KEY] == [[1, 2]]


async def test_a_first_sync_that_ran_finishes_the_setup(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env=ENV)
    with RunningSandbox(SandboxConfig(seed=7, scenario="empty")) as running:
        profile = ready_for_lists(store, secrets, running.credentials(), step=Step.SYNC)
        result = await start_first_sync(store, profile, secrets, actor="test")
    assert result.status in ("ok", "waiting"), result
    assert not needs_setup(store, profile)


def test_the_plan_is_worded_by_entity_and_says_what_a_person_is_asked() -> None:
    from recontui.run import RunResult
    from recontui.setup.first_sync import change_detail, plan_words

    plan = [
        {"entity": "customer", "op": "create", "system": "QuickBooks Online", "link": 1},
        {"entity": "customer", "op": "conflict", "kind": "field", "fields": ["email"], "link": 2},
        {"entity": "vendor", "op": "conflict", "kind": "match", "fields": [], "link": 3},
        {
            "entity": "invoice",
            "op": "create",
            "system": "QuickBooks Online",
            "state": "held",
            "link": 4,
        },
        {"entity": "item", "op": "update", "system": "BILL", "fields": ["name"], "link": 5},
    ]
    result = RunResult(1, "dry-run", 1, {}, plan=plan)
    assert plan_words(result) == [
        "The first sync would:",
        "  Items: update in BILL 1",
        "  Customers: ask you 1, create in QuickBooks Online 1",
        "  Vendors: ask you 1",
        "  Invoices: held: create in QuickBooks Online 1",
    ]
    assert [change_detail(i) for i in plan] == [
        "create in QuickBooks Online",
        "ask you: email",
        "ask you: which record it is",
        "held: create in QuickBooks Online",
        "update in BILL: name",
    ]
    failed = RunResult(None, "failed", 3, {}, "BILL refused the sign-in")
    assert plan_words(failed) == ["The plan could not be made: BILL refused the sign-in."]


def test_what_the_update_fields_leave_alone_is_not_counted_as_a_write() -> None:
    from recontui.run import RunResult
    from recontui.setup.first_sync import change_detail, plan_words

    item = {
        "entity": "customer",
        "op": "not_sent",
        "link": 9,
        "fields": ["phone"],
        "why": "import only",
    }
    assert change_detail(item) == "not sent: import only: phone"
    assert plan_words(RunResult(1, "dry-run", 1, {}, plan=[item]))[1] == (
        "  Customers: not sent: import only 1"
    )
