"""The runner honours the setup's Match review (``RunOptions.links``/``apart``): the pairs a
person checked are linked at the start of the plan (a dry run shows them and rolls them
back), the exact pairs a person kept apart are each created on the other side, a suggestion
left unchecked is a match conflict, and no record is created twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from setup_matches_world import TWINS, MatchWorld, in_process, names

from recontui.sandbox import Sandbox, SandboxConfig

#: Two cafés sharing a bookkeeper's e-mail (an exact pair by e-mail), which a person keeps
#: apart. (QuickBooks refuses a second customer of the same name: kept apart, namesakes
#: would be a refused create, not a copy.)
CAFE = {"email": "books@harbor.test", "phone": "555-0100"}
HARBOR = ({"name": "Harbor Cafe", **CAFE}, {"name": "Harbor Bistro", **CAFE})


@pytest.fixture
def books(tmp_path: Path) -> tuple[MatchWorld, Sandbox]:
    sandbox = Sandbox(SandboxConfig(seed=7, scenario="empty"))
    world = in_process(tmp_path, sandbox)
    world.add_twins()
    world.add_twins({"customer": HARBOR})
    world.read_both()
    return world, sandbox


def link_named(world: MatchWorld, entity: str, side: str, name: str) -> int:
    for link in world.store.unpaired_links(world.profile.id, entity, side):  # type: ignore[arg-type]
        if (link.fields(side) or {}).get("name") == name:  # type: ignore[arg-type]
            return link.id
    raise AssertionError(f"no {entity} {name!r} on side {side}")


def chosen(world: MatchWorld) -> dict[str, tuple[int, ...]]:
    """The customers and vendors linked as suggested, the item left; the café kept apart."""
    pairs = tuple(
        (
            link_named(world, entity, "a", TWINS[entity][0]["name"]),
            link_named(world, entity, "b", TWINS[entity][1]["name"]),
        )
        for entity in ("customer", "vendor")
    )
    return {"links": pairs, "apart": (link_named(world, "customer", "a", "Harbor Cafe"),)}


def messages(world: MatchWorld, run_id: int | None) -> str:
    return "\n".join(e["message"] for e in world.store.events(run_id or 0))


def test_a_dry_run_shows_the_chosen_links_and_rolls_them_back(books: tuple) -> None:
    world, sandbox = books
    before = sandbox.snapshot()
    options = chosen(world)
    harbor_b = link_named(world, "customer", "b", "Harbor Bistro")
    result = world.run(dry_run=True, **options)
    assert result.status == "dry-run", result.message
    said = messages(world, result.run_id)
    assert "Linked by you in setup: 2 (customer 'Northwind Traders, Inc.' = " in said
    assert "kept apart by you in setup: 1 (customer 'Harbor Cafe')" in said
    # The plan: the two pairs are not asked about, the item is; the café is created on both.
    asked = {(i["entity"], i.get("kind")) for i in result.plan if i["op"] == "conflict"}
    assert ("item", "match") in asked
    assert ("customer", "match") not in asked and ("vendor", "match") not in asked
    creates = {(i["link"], i["system"]) for i in result.plan if i["op"] == "create"}
    assert (options["apart"][0], "QuickBooks Online") in creates
    assert (harbor_b, "BILL") in creates
    # Rolled back: nothing linked, kept apart or asked in the store, nothing written.
    for a_link, b_link in options["links"]:
        for link_id in (a_link, b_link):
            link = world.store.link(link_id)
            assert link is not None and link.state == "unpaired"
    link = world.store.link(options["apart"][0])
    assert link is not None and link.state == "unpaired"
    assert world.store.conflict_counts(world.profile.id) == {}
    assert world.store.op_counts(world.profile.id) == {}
    assert sandbox.snapshot() == before


def test_the_first_sync_links_keeps_apart_and_asks_without_a_copy(books: tuple) -> None:
    world, sandbox = books
    before = {entity: names(sandbox.snapshot(), entity) for entity in TWINS}
    options = chosen(world)
    result = world.run(**options)
    assert result.exit_code == 1, result.message  # the item's question waits
    assert result.counts["linked"] >= 2
    for a_link, b_link in options["links"]:
        link = world.store.link(a_link)
        assert link is not None and link.state == "paired" and link.b_id is not None
        assert world.store.canonical_link_id(b_link) == a_link
    (conflict,) = world.store.conflicts(world.profile.id, statuses=("open",), entity="item")
    assert conflict.kind == "match"
    after = sandbox.snapshot()
    for entity in ("vendor", "item"):  # no twin was copied to the other side
        assert names(after, entity) == before[entity]
    customers = names(after, "customer")
    for system in ("bill", "qbo"):
        assert customers[system].count("Northwind Traders, Inc.") <= 1
        assert customers[system].count("Northwind Traders Inc") <= 1
        # Kept apart: each café was created on the other side, so each system holds both.
        assert customers[system].count("Harbor Cafe") == 1
        assert customers[system].count("Harbor Bistro") == 1
    assert "Northwind Traders Inc" not in customers["bill"]
    assert "Northwind Traders, Inc." not in customers["qbo"]

    # Run again with the same options: already carried out, they are left to matching.
    again = world.run(**options)
    assert "3 decisions of the setup's match review were left to matching" in messages(
        world, again.run_id
    )
    assert names(sandbox.snapshot(), "customer") == customers
