"""Overriding a rule's decision: it becomes an open conflict, and its resolution pushes right."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from runner_world import World

from recontui.decisions import OverrideError, override_rule_decision, resolve_conflict
from recontui.engine.lifecycle import override_choice, standing_overrides
from recontui.model.states import Choice
from recontui.present import rule_decision_rows
from recontui.store import Conflict, Link

BILL_EMAIL, QBO_EMAIL = "ap-bill@example.com", "ap-qbo@example.com"


def edit(world: World, link: Link, side: str, changes: dict[str, Any]) -> None:
    """Change a customer in one stand-in through its HTTP API, as a person there would."""

    async def go() -> None:
        conn = world.connectors()[0 if side == "a" else 1]
        async with conn:
            remote_id = link.remote_id(side)  # type: ignore[arg-type]
            rec = await conn.read("customer", remote_id)
            await conn.update(
                "customer", remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex
            )

    asyncio.run(go())


def remote(world: World, link: Link, field: str) -> tuple[Any, Any]:
    async def go() -> tuple[Any, Any]:
        ca, cb = world.connectors()
        async with ca, cb:
            a = await ca.read("customer", link.a_id)
            b = await cb.read("customer", link.b_id)
        return a.fields[field], b.fields[field]

    return asyncio.run(go())


def decided(world: World, winner: str = "b", field: str | None = None) -> tuple[Link, int]:
    """A customer whose email both sides changed differently, decided by a prefer rule."""
    world.sync()
    world.store.add_rule(world.profile.id, "prefer", winner, "customer", field, actor="test")
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit(world, link, "a", {"email": BILL_EMAIL})
    edit(world, link, "b", {"email": QBO_EMAIL})
    result = world.sync()
    assert result.counts["auto_resolved"] == 1 and result.counts["open_conflicts"] == 0
    rows = rule_decision_rows(world.store, world.profile)
    assert [(r["link_id"], r["field"]) for r in rows] == [(link.id, "email")]
    return link, rows[0]["id"]


@pytest.mark.parametrize(
    ("winner", "kept", "lost"), [("b", QBO_EMAIL, BILL_EMAIL), ("a", BILL_EMAIL, QBO_EMAIL)]
)
def test_taking_the_overwritten_value_writes_it_to_both_sides(
    demo_world: World, winner: str, kept: str, lost: str
) -> None:
    link, decision = decided(demo_world, winner)
    assert remote(demo_world, link, "email") == (kept, kept)
    cid = override_rule_decision(demo_world.store, demo_world.profile, decision, actor="alice")
    conflict = demo_world.store.conflict(cid)
    loser = "a" if winner == "b" else "b"
    assert conflict.status == "open" and conflict.fields["email"][loser] == lost
    assert conflict.fields["email"][winner] == kept
    fresh = demo_world.store.link(link.id)
    assert (conflict.a_version, conflict.b_version) == (fresh.a_version, fresh.b_version)

    waiting = demo_world.sync()
    assert demo_world.store.conflict(cid).status == "open", "the override is not settled away"
    assert waiting.counts["pushed"] == 0 and waiting.counts["conflicts_reopened"] == 0

    resolve_conflict(demo_world.store, demo_world.store.conflict(cid), take_all=loser, actor="al")
    done = demo_world.sync()
    assert done.counts["pushed"] == 2, "both sides held the rule's value"
    assert remote(demo_world, link, "email") == (lost, lost)
    assert demo_world.store.conflict(cid).status == "pushed"
    quiet = demo_world.sync()
    assert (quiet.counts["pulled"], quiet.counts["pushed"], quiet.exit_code) == (0, 0, 0)


def test_keeping_the_rules_value_writes_nothing(demo_world: World) -> None:
    link, decision = decided(demo_world)
    cid = override_rule_decision(demo_world.store, demo_world.profile, decision, actor="alice")
    resolve_conflict(demo_world.store, demo_world.store.conflict(cid), take_all="b", actor="al")
    done = demo_world.sync()
    assert done.counts["pushed"] == 0
    assert demo_world.store.conflict(cid).status == "pushed"
    assert remote(demo_world, link, "email") == (QBO_EMAIL, QBO_EMAIL)


def test_a_second_override_is_refused_and_the_row_shows_it(demo_world: World) -> None:
    _, decision = decided(demo_world)
    cid = override_rule_decision(demo_world.store, demo_world.profile, decision, actor="alice")
    row = rule_decision_rows(demo_world.store, demo_world.profile)[0]
    assert row["overridden"] and row["conflict_id"] == cid
    with pytest.raises(OverrideError, match=r"already overridden .*by alice"):
        override_rule_decision(demo_world.store, demo_world.profile, decision, actor="bob")
    assert len(demo_world.store.conflicts(demo_world.profile.id)) == 1


def test_only_the_latest_decision_on_a_field_can_be_overridden(demo_world: World) -> None:
    link, first = decided(demo_world)
    edit(demo_world, link, "a", {"email": "bill-2@example.com"})
    edit(demo_world, link, "b", {"email": "qbo-2@example.com"})
    assert demo_world.sync().counts["auto_resolved"] == 1
    latest, older = rule_decision_rows(demo_world.store, demo_world.profile)
    assert older["id"] == first and older["replaced"] and not latest["replaced"]
    with pytest.raises(OverrideError, match="A later rule decision"):
        override_rule_decision(demo_world.store, demo_world.profile, first, actor="alice")
    cid = override_rule_decision(demo_world.store, demo_world.profile, latest["id"], actor="al")
    assert demo_world.store.conflict(cid).fields["email"]["a"] == "bill-2@example.com"
    latest, older = rule_decision_rows(demo_world.store, demo_world.profile)
    assert latest["overridden"] and not older["overridden"]


def test_the_override_joins_the_records_open_conflict(demo_world: World) -> None:
    world = demo_world
    world.sync()
    world.store.add_rule(world.profile.id, "prefer", "b", "customer", "email", actor="test")
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit(world, link, "a", {"email": BILL_EMAIL, "phone": "+1 206 555 0101"})
    edit(world, link, "b", {"email": QBO_EMAIL, "phone": "+1 206 555 0202"})
    world.sync()
    (open_,) = world.store.conflicts(world.profile.id)
    assert sorted(open_.fields) == ["phone"]
    decision = rule_decision_rows(world.store, world.profile)[0]["id"]
    cid = override_rule_decision(world.store, world.profile, decision, actor="alice")
    assert cid == open_.id
    assert world.store.conflict(cid).field_names == "email, phone", "the queue shows both"
    world.sync()
    conflict = world.store.conflict(cid)
    assert conflict.status == "open" and sorted(conflict.fields) == ["email", "phone"]
    resolve_conflict(world.store, conflict, take_all="a", actor="alice")
    world.sync()
    assert remote(world, link, "email") == (BILL_EMAIL, BILL_EMAIL)
    phones = remote(world, link, "phone")
    assert phones[0] == phones[1] and "0101" in phones[0]


def test_no_override_while_a_resolution_waits_to_be_pushed(demo_world: World) -> None:
    world = demo_world
    world.sync()
    world.store.add_rule(world.profile.id, "prefer", "b", "customer", "email", actor="test")
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit(world, link, "a", {"email": BILL_EMAIL, "phone": "+1 206 555 0101"})
    edit(world, link, "b", {"email": QBO_EMAIL, "phone": "+1 206 555 0202"})
    world.sync()
    (conflict,) = world.store.conflicts(world.profile.id)
    resolve_conflict(world.store, conflict, take_all="a", actor="alice")
    decision = rule_decision_rows(world.store, world.profile)[0]["id"]
    with pytest.raises(OverrideError, match=r"resolved and waiting .* sync first"):
        override_rule_decision(world.store, world.profile, decision, actor="alice")
    assert world.store.conflict(conflict.id).status == "resolved"


def test_no_override_once_the_field_changed_again(demo_world: World) -> None:
    link, decision = decided(demo_world)
    edit(demo_world, link, "a", {"email": "third@example.com"})
    demo_world.sync()
    with pytest.raises(OverrideError, match="changed after the rule decided it"):
        override_rule_decision(demo_world.store, demo_world.profile, decision, actor="alice")
    assert demo_world.store.conflicts(demo_world.profile.id) == []


def test_an_edit_to_the_field_settles_an_open_override(demo_world: World) -> None:
    link, decision = decided(demo_world)
    cid = override_rule_decision(demo_world.store, demo_world.profile, decision, actor="alice")
    edit(demo_world, link, "a", {"email": "third@example.com"})
    demo_world.sync()
    assert demo_world.store.conflict(cid).status == "superseded"
    assert remote(demo_world, link, "email") == ("third@example.com", "third@example.com")


def test_the_rule_is_named_in_words_and_a_deleted_one_by_its_id(demo_world: World) -> None:
    world = demo_world
    decided(world)
    (rule,) = world.store.rules(world.profile.id)
    row = rule_decision_rows(world.store, world.profile)[0]
    assert row["rule"] == f"rule {rule['id']}: prefer QuickBooks Online for every customer field"
    assert (row["system"], row["winner"], row["old"], row["new"]) == (
        "BILL",
        "QuickBooks Online",
        BILL_EMAIL,
        QBO_EMAIL,
    )
    world.store.delete_rule(world.profile.id, rule["id"])
    assert (
        rule_decision_rows(world.store, world.profile)[0]["rule"] == f"rule {rule['id']} (deleted)"
    )
    # SQLite may hand the same id to the next rule: it did not make this decision.
    again = world.store.add_rule(world.profile.id, "fill_blanks", None, None, None, actor="t")
    assert again == rule["id"]
    assert rule_decision_rows(world.store, world.profile)[0]["rule"] == f"rule {again} (deleted)"


def _conflict(fields: dict[str, Any], kind: str = "field") -> Conflict:
    return Conflict(
        id=1, profile_id=1, link_id=1, entity="customer", kind=kind, status="open",
        fields=fields, choices=None, suggestion=None, candidates=None, a_version="1",
        b_version="1", opened_run=None, opened_at="", updated_at="", resolved_at=None,
        resolved_by=None, pushed_at=None, note=None,
    )  # fmt: skip


def test_an_override_stands_while_both_sides_hold_the_rules_value() -> None:
    from recontui.model import ENTITIES

    fields = ENTITIES["customer"].synced_fields
    entry = {"base": "q@x", "a": "old@x", "b": "q@x", "kind": "override", "side": "a"}
    live = _conflict(
        {"email": entry, "phone": {"base": None, "a": "1", "b": "2", "kind": "no_base"}}
    )
    assert standing_overrides(live, fields, {"email": "Q@X "}, {"email": "q@x"}) == {"email": entry}
    assert standing_overrides(live, fields, {"email": "new@x"}, {"email": "q@x"}) == {}
    assert standing_overrides(_conflict({"email": entry}, "match"), fields, {}, {}) == {}
    assert standing_overrides(None, fields, {}, {}) == {}


def test_a_side_picked_on_an_override_means_the_value_shown_for_it() -> None:
    entry = {"base": "q@x", "a": "old@x", "b": "q@x", "kind": "override", "side": "a"}
    assert override_choice(entry, Choice.of(("a", None))) == ("custom", "old@x")
    assert override_choice(entry, Choice.of(("b", None))) == ("custom", "q@x")
    assert override_choice(entry, Choice.of(("custom", "mine@x"))) == ("custom", "mine@x")
    plain = {"base": "q@x", "a": "old@x", "b": "q@x", "kind": "both_changed"}
    assert override_choice(plain, Choice.of(("a", None))) == ("a", None)
