"""Step 8, Match review, by keys at 80x24: two suggested pairs of near-duplicates checked,
one left; on to step 9 and the first sync against the stand-ins on 127.0.0.1: the two are
linked, the third is a match conflict, and neither system got a copy of a twin. Then the
other keys: filter (escape leaves it, then goes Back), sort, check all, link and unlink by
hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from setup_matches_world import TWINS, MatchWorld, in_process, names, open_world
from textual.widgets import DataTable, Static

from recontui.sandbox import RunningSandbox, Sandbox, SandboxConfig
from recontui.setup import Step, set_reached
from recontui.setup.matches import PairKind, saved_choices
from recontui.tui.setup import SetupApp
from recontui.tui.setup.matches_step import MatchesStep

#: A customer only in BILL, and one only in QuickBooks nothing suggests as its twin.
BIRCH = {"name": "Birch Hall", "email": "b@birchhall.test"}


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def at_review(world: MatchWorld) -> SetupApp:
    """The setup resumed at the Match review (both systems read, as step 4 does)."""
    set_reached(world.store, world.profile, Step.MATCHES, actor="test")
    return SetupApp(world.store, world.secrets, profile=world.profile, actor="test")


def text_of(app: SetupApp, widget_id: str) -> str:
    return str(app.screen.query_one(widget_id, Static).render())


async def filter_to(pilot: Any, words: str) -> None:
    """/ words enter: the filter shows the rows holding ``words``; the cursor is on the rows."""
    await pilot.press("slash", "escape", "slash", *words, "enter")  # escape empties it first
    await settle(pilot)


def link_named(world: MatchWorld, entity: str, side: str, name: str) -> int:
    for link in world.store.links(world.profile.id, entity):
        if (link.fields(side) or {}).get("name") == name:  # type: ignore[arg-type]
            return link.id
    raise AssertionError(f"no {entity} {name!r} on side {side}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RunningSandbox, MatchWorld]]:
    """The demo books with near-duplicates, served on 127.0.0.1, read into a store (the
    worlds are made outside the tests' event loop: their helpers run their own)."""
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as running:
        world = open_world(tmp_path, running.credentials())
        world.add_twins()
        world.read_both()
        yield running, world


@pytest.fixture
def in_memory(tmp_path: Path) -> MatchWorld:
    world = in_process(tmp_path, Sandbox(SandboxConfig(seed=7, scenario="demo")))
    world.add_twins()
    world.add_twins({"customer": (BIRCH, {"name": "Oakwood"})})
    world.read_both()
    return world


async def test_two_pairs_linked_by_keys_one_left_and_the_first_sync(served: Any) -> None:
    running, world = served
    app = at_review(world)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MatchesStep)
        assert "3 suggested, unchecked: asked in the conflict queue" in text_of(app, "#summary")
        await filter_to(pilot, "northwind")
        shown = screen_text(app)  # the deciding fields of the pair, side by side
        assert "ap@northwind.test" in shown and "o@northwind.test" in shown, shown
        assert "(503) 555-0100" in shown
        await pilot.press("space")
        await filter_to(pilot, "eriksen and rossi")
        await pilot.press("space")
        await pilot.press("slash", "escape")  # the filter emptied, back on the rows
        await settle(pilot)
        assert app.screen.STEP == Step.MATCHES
        assert "1 suggested, unchecked" in text_of(app, "#summary")
        before = running.sandbox.snapshot()
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.SYNC, text_of(app, "#status")
        assert running.sandbox.snapshot() == before, "the review or the plan wrote"
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert "first sync finished" in text_of(app, "#status")
    after = running.sandbox.snapshot()

    store, pid = world.store, world.profile.id
    assert len(saved_choices(store, world.profile).links) == 2
    for entity in ("customer", "vendor"):  # linked as checked
        a_name, b_name = (fields["name"] for fields in TWINS[entity])
        link = store.link(link_named(world, entity, "a", a_name))
        assert link is not None and link.state == "paired", entity
        assert (link.b_fields or {}).get("name") == b_name
    (conflict,) = [
        c for c in store.conflicts(pid, statuses=("open",), entity="item") if c.kind == "match"
    ]
    assert "similar name" in (conflict.note or "")
    for entity, (a_fields, b_fields) in TWINS.items():  # no twin copied: one of each, once
        held = names(after, entity)
        assert held["bill"].count(a_fields["name"]) == 1 and b_fields["name"] not in held["bill"]
        assert held["qbo"].count(b_fields["name"]) == 1 and a_fields["name"] not in held["qbo"]


async def test_filter_sort_check_all_and_linking_by_hand(in_memory: MatchWorld) -> None:
    app = at_review(in_memory)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MatchesStep) and screen.review is not None
        review = screen.review
        pairs = screen.query_one("#pairs", DataTable)
        exact = sum(p.kind is PairKind.EXACT for p in review.pairs)

        # s sorts by the column under the cursor (the score), s again reverses it.
        await pilot.press("right", "right", "right", "right", "s")
        assert [p.score or 0 for p in screen.shown["pairs"]] == sorted(
            p.score or 0 for p in review.pairs
        )
        await pilot.press("s")
        assert screen.shown["pairs"][0].score == 100
        # a checks every pair shown, a again unchecks them; the filter narrows "every".
        await filter_to(pilot, "site survey")
        assert len(screen.shown["pairs"]) == 1 and pairs.row_count == 1
        await pilot.press("a")
        assert screen.shown["pairs"][0].key in review.checked
        await pilot.press("a")
        assert screen.shown["pairs"][0].key not in review.checked
        # Escape in the filter empties it and stays on the step.
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert screen.needle == "" and pairs.row_count == len(review.pairs)
        assert app.screen is screen and screen.focused is pairs
        assert len(review.checked) == exact

        # m on a billing-only customer, l on an accounting-only vendor: refused.
        await pilot.press("2")
        birch = next(i for i, r in enumerate(screen.shown["only-a"]) if r.name == "Birch Hall")
        marked = screen.shown["only-a"][birch]
        await pilot.press(*["down"] * birch, "m", "3")
        only_b = screen.shown["only-b"]
        vendor = next(i for i, r in enumerate(only_b) if r.entity == "vendor")
        oak = next(i for i, r in enumerate(only_b) if r.name == "Oakwood")
        await pilot.press(*["down"] * vendor, "l")
        assert "can only be linked to another customer" in text_of(app, "#status")
        # The customer only in QuickBooks: linked by hand, checked in Pairs; u undoes it.
        await pilot.press(*(["down"] * (oak - vendor) if oak > vendor else ["up"] * (vendor - oak)))
        await pilot.press("l")
        mine = review.pair((marked.link, only_b[oak].link))
        assert mine is not None and mine.kind is PairKind.YOURS and mine.key in review.checked
        assert screen.tab() == "pairs" and screen.current() is mine
        assert marked not in review.only["a"]
        assert review.chosen().links == (mine.key,)
        await pilot.press("u")
        assert review.pair(mine.key) is None and marked in review.only["a"]
        assert review.chosen().links == ()

        # Escape on the rows goes Back.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.STEP == Step.SYNCS
