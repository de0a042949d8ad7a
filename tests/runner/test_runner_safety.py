"""What a run promises when things go wrong: nothing lost, nothing duplicated."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3

from agreement import pull_everything
from runner_world import World, Wrapped, make_world

from recontui.connectors.base import UnreachableError
from recontui.decisions import resolve_conflict
from recontui.model import SYNCED


def remote_counts(world: World) -> tuple[dict, dict]:
    async def go():
        ca, cb = world.connectors()
        async with ca, cb:
            a, b = await pull_everything(ca), await pull_everything(cb)
        return ({e: len(v) for e, v in a.items()}, {e: len(v) for e, v in b.items()})

    return asyncio.run(go())


def resolve_all(world: World, side: str = "a") -> None:
    for c in world.store.conflicts(world.profile.id, statuses=("open",)):
        if c.kind == "match":
            resolve_conflict(world.store, c, link_to=c.candidates[0], actor="test")
        else:
            resolve_conflict(world.store, c, take_all=side, actor="test")


def test_dry_run_writes_nothing_remote_and_shows_the_plan(world: World) -> None:
    before = remote_counts(world)
    result = world.sync(dry_run=True)
    assert result.status == "dry-run"
    assert any(item["op"] == "create" for item in result.plan)
    assert any(item["op"] == "conflict" for item in result.plan)
    assert remote_counts(world) == before
    assert world.store.conflicts(world.profile.id) == []
    assert world.store.ops(world.profile.id, ("pending", "sent", "done", "held")) == []
    # The real run afterwards still sees everything as new.
    assert world.sync().counts["conflicts_opened"] > 0


def test_lost_create_answer_is_not_duplicated_on_replay(world: World) -> None:
    lost: list[str] = []

    def lose_first_answer(entity: str, record):
        if not lost:
            lost.append(record.remote_id)
            raise UnreachableError("connection reset", outcome_unknown=True)
        return record

    world.wrap = lambda side, conn: Wrapped(conn, create=lose_first_answer)
    first = world.sync()
    assert first.exit_code == 2 and lost
    world.wrap = None
    second = world.sync()
    assert second.counts["push_failed"] == 0
    a, b = remote_counts(world)
    world.sync()
    assert remote_counts(world) == (a, b)
    # Every record on each side is linked exactly once: no duplicate was created.
    for entity in SYNCED:
        links = world.store.links(world.profile.id, entity, where="state='paired'")
        assert len({link.a_id for link in links}) == len(links)
        assert len({link.b_id for link in links}) == len(links)


def test_stale_version_during_push_reopens_the_conflict(world: World) -> None:
    world.sync()
    target = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field"
    )
    resolve_conflict(world.store, target, take_all="a", actor="test")

    async def someone_edits_first(inner, entity, remote_id):
        rec = await inner.read(entity, remote_id)
        await inner.update(
            entity,
            remote_id,
            rec.version,
            {"memo": None} if entity != "customer" else {"city": "Elsewhere"},
            idempotency_key="x" + remote_id,
        )

    world.wrap = lambda side, conn: Wrapped(conn, before_update=someone_edits_first)
    result = world.sync()
    assert result.exit_code in (1, 2)
    conflict = world.store.conflict(target.id)
    assert conflict.status == "open"
    assert conflict.suggestion, "the earlier choice is kept as a suggestion"
    world.wrap = None
    world.sync()
    again = world.store.conflict(target.id)
    assert again.status in ("open", "resolved", "pushed", "superseded")


def test_a_value_that_did_not_land_reopens_the_conflict(world: World) -> None:
    world.sync()
    target = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field" and "phone" in c.fields
    )
    resolve_conflict(world.store, target, take_all="a", actor="test")

    def garble(entity: str, rec):
        if entity == "customer" and "phone" in rec.fields:
            return dataclasses.replace(rec, fields={**rec.fields, "phone": "000"})
        return rec

    world.wrap = lambda side, conn: Wrapped(conn, read=garble)
    world.sync()
    conflict = world.store.conflict(target.id)
    assert conflict.status == "open"
    assert "did not land" in (conflict.note or "")
    errors = [e for e in world.events if e.level == "error" and e.phase == "verify"]
    assert errors


def test_big_change_guard_holds_then_releases(tmp_path) -> None:
    world = make_world(tmp_path)
    world.sync()
    resolve_all(world)
    world.store.set_setting(world.profile.id, "big_change.share", 0.001, actor="test")
    world.store.set_setting(world.profile.id, "big_change.min", 1, actor="test")
    held = world.sync()
    assert held.exit_code == 1 and held.counts["held"] > 0
    assert any(e.phase == "guard" for e in world.events)
    released = world.sync(accept_big_change=True)
    assert released.counts["held"] == 0
    assert released.exit_code == 0, released


def test_second_run_on_the_same_profile_is_refused(world: World) -> None:
    run_id = world.store.start_run(world.profile.id, trigger="test", dry_run=False)
    world.store.acquire_lock(world.profile.id, run_id)
    result = world.sync()
    assert result.exit_code == 3
    assert "Another run" in result.message


def test_other_company_is_refused_before_pulling(world: World) -> None:
    world.sync()
    with world.store.transaction() as conn:
        conn.execute("UPDATE profiles SET b_company_id='999' WHERE id=?", (world.profile.id,))
    result = world.sync()
    assert result.exit_code == 3
    assert "999" in result.message
    assert result.counts["pulled"] == 0


def test_every_overwritten_value_has_an_audit_entry(world: World) -> None:
    world.sync()
    resolve_all(world, "b")
    world.sync()
    done = world.store.ops(world.profile.id, ("done",))
    audit = world.store.audit(world.profile.id, limit=100000)
    for op in done:
        if op.op != "update":
            continue
        for field_name in op.payload["changes"]:
            assert any(
                a["link_id"] == world.store.canonical_link_id(op.link_id)
                and a["field"] == field_name
                and a["side"] == op.side
                for a in audit
            ), (op.entity, field_name)


def test_no_secret_reaches_the_database(world: World) -> None:
    world.sync(keep_debug=True)
    creds = world.sandbox.credentials("http://sb")
    secrets = [
        creds["qbo"]["client_secret"],
        creds["bill"]["password"],
        creds["bill"]["dev_key"],
        world.secrets.get("t", "refresh_token"),
    ]
    conn = sqlite3.connect(world.store.path)
    dump = "\n".join(conn.iterdump())
    for secret in secrets:
        assert secret and secret not in dump
    events = json.dumps([e.message for e in world.events] + [str(e.data) for e in world.events])
    for secret in secrets:
        assert secret not in events


def test_run_with_no_outside_change_plans_nothing(demo_world: World) -> None:
    demo_world.sync()
    resolve_all(demo_world)
    demo_world.sync()
    quiet = demo_world.sync()
    assert quiet.counts["pulled"] == 0
    assert quiet.counts["pushed"] == 0
    assert quiet.exit_code == 0


def test_record_changed_after_resolution_reopens_with_the_choice_as_suggestion(
    world: World,
) -> None:
    world.sync()
    target = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field" and "phone" in c.fields
    )
    resolve_conflict(world.store, target, take_all="a", actor="test")
    link = world.store.link(target.link_id)

    async def edit_in_qbo():
        _, cb = world.connectors()
        async with cb:
            rec = await cb.read("customer", link.b_id)
            await cb.update(
                "customer",
                link.b_id,
                rec.version,
                {"phone": "+1 555 0111"},
                idempotency_key="edit-" + link.b_id,
            )

    asyncio.run(edit_in_qbo())
    result = world.sync()
    conflict = world.store.conflict(target.id)
    assert conflict.status == "open"
    assert conflict.suggestion["phone"][0] == "a"
    assert conflict.fields["phone"]["b"] == "+1 555 0111"
    assert result.counts["conflicts_reopened"] == 1
    assert "kept as a suggestion" in conflict.note


def test_a_prefer_rule_decides_conflicts_and_is_audited(tmp_path) -> None:
    world = make_world(tmp_path)
    rule_id = world.store.add_rule(world.profile.id, "prefer", "b", "customer", None, actor="test")
    first = world.sync()
    assert first.counts["auto_resolved"] > 0
    open_customer = [
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field"
    ]
    assert open_customer == []
    by_rule = [
        a for a in world.store.audit(world.profile.id, limit=10000) if a["by"] == f"rule:{rule_id}"
    ]
    assert by_rule and all(a["side"] == "a" and a["entity"] == "customer" for a in by_rule)


def test_a_deletion_on_one_side_is_a_conflict_and_its_decision_is_carried_out(
    demo_world: World,
) -> None:
    world = demo_world
    world.sync()
    resolve_all(world)
    world.sync()
    paid = {
        ref.remote_id
        for p in world.store.links(world.profile.id, "payment")
        for line in (p.a_fields or {}).get("applied") or []
        for ref in [line.get("invoice")]
        if ref is not None
    }
    invoice = next(
        link
        for link in world.store.links(world.profile.id, "invoice", where="state='paired'")
        if link.a_id not in paid
    )

    async def archive_in_bill():
        ca, _ = world.connectors()
        async with ca:
            rec = await ca.read("invoice", invoice.a_id)
            await ca.deactivate("invoice", invoice.a_id, rec.version, idempotency_key="arch")

    asyncio.run(archive_in_bill())
    world.sync()
    conflict = next(c for c in world.store.conflicts(world.profile.id) if c.kind == "delete")
    assert conflict.link_id == invoice.id
    resolve_conflict(world.store, conflict, take_all="a", actor="test")
    done = world.sync()
    assert world.store.conflict(conflict.id).status == "pushed"
    assert world.store.link(invoice.id).b_deleted
    assert done.exit_code == 0


def test_lost_answer_to_an_update_is_recognised_as_landed_on_replay(world: World) -> None:
    world.sync()
    target = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.entity == "customer" and c.kind == "field"
    )
    resolve_conflict(world.store, target, take_all="b", actor="test")

    def lose_answer(entity: str, record):
        raise UnreachableError("connection reset", outcome_unknown=True)

    world.wrap = lambda side, conn: Wrapped(conn, after_update=lose_answer) if side == "a" else conn
    assert world.sync().exit_code == 2
    assert world.store.conflict(target.id).status == "resolved"
    world.wrap = None
    replay = world.sync()
    assert world.store.conflict(target.id).status == "pushed"
    assert replay.counts["conflicts_reopened"] == 0
    assert replay.counts["rejected"] == 0
