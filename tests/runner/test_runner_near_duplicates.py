"""Near-duplicates across the sides are a question for a person, never two new copies.

Issue 9, finding 5: "Northwind Traders, Inc." in BILL and "Northwind Traders Inc" in
QuickBooks were each created on the other side and the run exited 0.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from agreement import pull_everything
from runner_world import World, make_world

from recontui.cli import main
from recontui.decisions import resolve_conflict
from recontui.model import RemoteRef
from recontui.present import conflict_detail

TWINS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "customer": (
        {"name": "Northwind Traders, Inc.", "email": "ap@northwind.test"},
        # BILL creates no customer without an e-mail address ("keep both" copies it there).
        {
            "name": "Northwind Traders Inc",
            "phone": "(503) 555-0100",
            "email": "orders@northwind.test",
        },
    ),
    "vendor": (
        # BILL creates no vendor without an e-mail address and a phone number.
        {"name": "Eriksen & Rossi", "email": "office@eriksenrossi.test", "phone": "555-0142"},
        {"name": "Eriksen and Rossi (Annex)"},
    ),
    "item": ({"name": "Consulting Hours"}, {"name": "Consulting  hour"}),
}


def create(world: World, side: str, entity: str, fields: dict[str, Any]) -> str:
    """Create a record through that side's API, as a person using that system would."""

    async def go() -> str:
        ca, cb = world.connectors()
        conn = ca if side == "a" else cb
        async with conn:
            if entity == "item":  # QuickBooks wants an income account on every item
                async for page in conn.pull("account", None):
                    for rec in page.records:
                        if rec.fields.get("type") == "income":
                            fields["income_account"] = RemoteRef("account", rec.remote_id)
            made = await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)
            return made.remote_id

    return asyncio.run(go())


def names(world: World) -> dict[str, dict[str, list[str]]]:
    """Per side, per entity: the names of the active records each system holds now."""

    async def go() -> tuple[dict, dict]:
        ca, cb = world.connectors()
        async with ca, cb:
            return await pull_everything(ca), await pull_everything(cb)

    out = {}
    for side, data in zip(("a", "b"), asyncio.run(go()), strict=True):
        out[side] = {
            entity: sorted(
                r.fields["name"] for r in data.get(entity, {}).values() if r.fields.get("active")
            )
            for entity in TWINS
        }
    return out


@pytest.fixture
def twin_world(tmp_path: Path) -> World:
    world = make_world(tmp_path, scenario="empty")
    for entity, (a_fields, b_fields) in TWINS.items():
        create(world, "a", entity, dict(a_fields))
        create(world, "b", entity, dict(b_fields))
    return world


def match_conflicts(world: World) -> dict[str, Any]:
    found = {}
    for c in world.store.conflicts(world.profile.id, statuses=("open",)):
        if c.kind == "match":
            found[c.entity] = c
    return found


def test_near_duplicates_become_match_conflicts_not_copies(twin_world: World) -> None:
    world = twin_world
    before = names(world)
    result = world.sync()
    assert result.exit_code == 1, result.message  # a question waits: not "the books agree"
    assert names(world) == before  # neither side gained a copy of its twin

    conflicts = match_conflicts(world)
    assert set(conflicts) == set(TWINS)
    for entity, (_a_fields, b_fields) in TWINS.items():
        c = conflicts[entity]
        link = world.store.link(c.link_id)
        assert link is not None and link.a_id is not None and link.b_id is None
        assert link.state == "matching"
        assert len(c.candidates or []) == 1
        twin = world.store.link(c.candidates[0])
        assert twin is not None and twin.b_fields["name"] == b_fields["name"]
        assert twin.state == "matching"
        assert "similar name" in (c.note or "") and b_fields["name"] in (c.note or "")

    # A second run neither copies them nor asks again.
    again = world.sync()
    assert again.exit_code == 1
    assert names(world) == before
    assert len(match_conflicts(world)) == len(TWINS)
    assert len(world.store.conflicts(world.profile.id, statuses=("open",))) == len(TWINS)


def test_linking_a_proposed_twin_pairs_them(twin_world: World) -> None:
    world = twin_world
    before = names(world)
    world.sync()
    c = match_conflicts(world)["customer"]
    resolve_conflict(world.store, c, link_to=c.candidates[0], actor="test")
    world.sync()
    link = world.store.link(world.store.canonical_link_id(c.link_id))
    assert link is not None and link.paired
    assert names(world)["a"]["customer"] == before["a"]["customer"]
    assert names(world)["b"]["customer"] == before["b"]["customer"]


def test_keeping_both_creates_each_once_and_never_asks_again(twin_world: World) -> None:
    world = twin_world
    world.sync()
    c = match_conflicts(world)["customer"]
    resolve_conflict(world.store, c, create=True, actor="test")
    world.sync()
    after = names(world)
    both = sorted(["Northwind Traders Inc", "Northwind Traders, Inc."])
    assert after["a"]["customer"] == both
    assert after["b"]["customer"] == both
    world.sync()
    world.sync()
    assert names(world)["a"]["customer"] == both  # no third copy
    assert "customer" not in match_conflicts(world)  # the pair is not proposed again


def test_conflict_detail_names_the_twin(twin_world: World) -> None:
    world = twin_world
    world.sync()
    c = match_conflicts(world)["customer"]
    detail = conflict_detail(world.store, world.profile, c)
    assert [cand["record"] for cand in detail["candidates"]] == ["Northwind Traders Inc"]


def test_a_twin_two_records_ask_about_waits_for_both_answers(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="empty")
    create(world, "a", "customer", {"name": "Northwind Traders, Inc.", "email": "a@nw1.test"})
    create(world, "a", "customer", {"name": "Northwind Traders Inc.", "email": "b@nw2.test"})
    create(world, "b", "customer", {"name": "Northwind Traders Inc"})
    before = names(world)
    world.sync()
    asked = [
        c for c in world.store.conflicts(world.profile.id, statuses=("open",)) if c.kind == "match"
    ]
    assert len(asked) == 2 and asked[0].candidates == asked[1].candidates
    first, second = asked
    resolve_conflict(world.store, first, create=True, actor="test")
    world.sync()
    # The first is kept apart (created in QuickBooks); the QuickBooks twin is not copied
    # to BILL while the second question about it is open.
    after = names(world)
    assert after["a"]["customer"] == before["a"]["customer"]
    assert len(after["b"]["customer"]) == 2
    twin = world.store.link(first.candidates[0])
    assert twin is not None and twin.state == "matching"
    resolve_conflict(world.store, world.store.conflict(second.id), link_to=twin.id, actor="test")
    world.sync()
    # Linked: what is left is which spelling of the name both should hold (and the e-mail
    # address, which BILL requires and the QuickBooks twin lacks).
    left = world.store.conflicts(world.profile.id, statuses=("open",))
    assert [(c.kind, sorted(c.fields)) for c in left] == [("field", ["email", "name"])]
    assert names(world)["a"]["customer"] == before["a"]["customer"]
    assert len(names(world)["b"]["customer"]) == 2


def test_conflicts_show_puts_the_deciding_fields_side_by_side(
    twin_world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world = twin_world
    world.sync()
    c = match_conflicts(world)["customer"]
    capsys.readouterr()
    args = ["--db", str(world.store.path), "conflicts", "show", str(c.id), "--profile", "t"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "similar name: 'Northwind Traders Inc' (score 100, same e-mail domain)" in out
    rows = {line.strip().split("  ")[0]: line for line in out.splitlines()[3:]}
    # Both records on one line per field: BILL's value, then the QuickBooks candidate's.
    assert "Northwind Traders, Inc." in rows["Name"] and "Northwind Traders Inc" in rows["Name"]
    assert "ap@northwind.test" in rows["Email"]
    assert "(503) 555-0100" in rows["Phone"]
    assert rows["Email"].index("ap@northwind.test") < rows["Phone"].index("(503) 555-0100")
    assert "Last changed" in rows
    assert f"link {c.candidates[0]}" in out
    assert f"recontui conflicts resolve {c.id} --candidate N (or --link LINK)" in out
    assert main([*args, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    record, twin = shown["sides"]["columns"]
    assert record["values"]["Email"] == "ap@northwind.test"
    assert twin["values"]["Phone"] == "(503) 555-0100" and twin["link"] == c.candidates[0]


def test_linking_to_a_record_already_taken_reopens_the_question(tmp_path: Path) -> None:
    """Two questions name the same twin and both answer "link": the first links it, the
    second finds it taken, goes back to the queue with its answer as a suggestion, and
    its record is neither linked nor copied."""
    world = make_world(tmp_path, scenario="empty")
    create(world, "a", "customer", {"name": "Northwind Traders, Inc.", "email": "a@nw1.test"})
    create(world, "a", "customer", {"name": "Northwind Traders Inc.", "email": "b@nw2.test"})
    create(world, "b", "customer", {"name": "Northwind Traders Inc"})
    before = names(world)
    world.sync()
    first, second = (
        c for c in world.store.conflicts(world.profile.id, statuses=("open",)) if c.kind == "match"
    )
    twin = first.candidates[0]
    resolve_conflict(world.store, first, link_to=twin, actor="test")
    resolve_conflict(world.store, world.store.conflict(second.id), link_to=twin, actor="test")
    result = world.sync()
    assert result.exit_code == 1, result.message
    again = world.store.conflict(second.id)
    assert again is not None and again.status == "open"
    assert again.note == "the chosen record is no longer available"
    assert again.suggestion == {"$match": ["link", twin]}
    left = world.store.link(second.link_id)
    assert left is not None and left.b_id is None and left.state == "matching"
    assert names(world) == before  # nothing copied either way
