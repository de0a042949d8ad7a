"""Every value a run counts as decided by a rule is listed by `conflicts auto` and the
Auto-resolved screen, whether or not its write has landed yet (issue 14, finding 1).

The count (`auto_resolved`, History) is made when the rule decides; the list used to be
written only when the write landed, so a decision whose write waited (on a person's match
decision, on a server that did not answer) was counted and said in the log, but listed
nowhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from runner_world import World, Wrapped

from recontui import cli
from recontui.connectors import UnreachableError
from recontui.decisions import OverrideError, override_rule_decision
from recontui.present import rule_decision_rows

QBO = "QuickBooks Online"


def with_master(world: World, side: str = "a") -> None:
    """The scenario's conflicts opened by a first sync, then a master rule: `side` wins
    every field of every entity."""
    world.sync()
    world.store.add_rule(world.profile.id, "prefer", side, None, None, actor="test")


def listed(world: World) -> list[dict[str, Any]]:
    return rule_decision_rows(world.store, world.profile, limit=10_000)


def said(world: World, run_id: int | None) -> list[tuple[int, str]]:
    """The (link, field) of each "... decided by rule:N." line of the run's log."""
    return sorted(
        (e.data["link"], e.data["field"])
        for e in world.events
        if e.run_id == run_id and e.data.get("rule", "").startswith("rule:")
    )


def updates_unreachable(side: str, conn: Any) -> Any:
    """Both systems answer reads but never an update: every write stays in the outbox."""

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise UnreachableError("connection refused")

    return Wrapped(conn, before_update=refuse)


def cli_rows(world: World, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    db = ["--db", str(world.store.path)]
    assert cli.main([*db, "conflicts", "auto", "--profile", "t", "--limit", "1000", "--json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_every_decision_the_run_counts_is_listed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with_master(world)
    result = world.sync()
    counted = result.counts["auto_resolved"]
    # Some of the rule's writes wait on a person (a match decision they refer to).
    assert counted > 0 and result.counts["deferred"] > 0, result.counts

    rows = listed(world)
    assert len(rows) == counted
    assert sorted((r["link_id"], r["field"]) for r in rows) == said(world, result.run_id)
    for r in rows:
        assert r["run_id"] == result.run_id and r["record"] not in ("", "?"), r
        assert r["system"] == QBO and r["winner"] == "BILL", r
        assert r["rule"] == "rule 1: prefer BILL for every field of every record", r
        assert r["old"] != r["new"], r
    waiting = {op.link_id for op in world.store.ops(world.profile.id, ("pending",))}
    assert waiting and {r["link_id"] for r in rows if r["waiting"]} == waiting
    assert all(r["waiting"] is None for r in rows if r["link_id"] not in waiting)

    assert len(cli_rows(world, capsys)) == counted
    db = ["--db", str(world.store.path)]
    assert cli.main([*db, "conflicts", "auto", "--profile", "t", "--limit", "1000"]) == 0
    out = capsys.readouterr().out
    assert "No rule has decided anything yet" not in out
    assert out.count("by rule 1: prefer BILL for every field of every record") == counted
    assert out.count(f"not written to {QBO} yet") == sum(1 for r in rows if r["waiting"])


def test_decisions_whose_writes_did_not_land_are_listed_once(world: World) -> None:
    with_master(world)
    world.wrap = updates_unreachable
    failed = world.sync()
    counted = failed.counts["auto_resolved"]
    assert counted > 0 and failed.counts["updated"] == 0, failed.counts

    rows = listed(world)
    assert len(rows) == counted
    assert sorted((r["link_id"], r["field"]) for r in rows) == said(world, failed.run_id)
    assert all(r["waiting"] for r in rows)
    unsent = next(r for r in rows if "connection refused" in r["waiting"])
    with pytest.raises(OverrideError, match=f"not written to {QBO} yet"):
        override_rule_decision(world.store, world.profile, unsent["id"], actor="alice")

    world.wrap = None
    replayed = world.sync()
    assert replayed.counts["updated"] > 0 and replayed.counts["auto_resolved"] == 0
    again = listed(world)
    assert [r["id"] for r in again] == [r["id"] for r in rows], "listed once, when decided"
    landed = [r for r in again if r["waiting"] is None]
    assert landed, "the replayed writes landed"
    cid = override_rule_decision(world.store, world.profile, landed[0]["id"], actor="alice")
    assert world.store.conflict(cid).status == "open"


def test_a_dry_run_lists_no_decision(world: World) -> None:
    """A dry run writes nothing, its rule decisions included (its plan says them)."""
    with_master(world)
    dry = world.sync(dry_run=True)
    assert dry.counts["auto_resolved"] > 0
    assert listed(world) == []
