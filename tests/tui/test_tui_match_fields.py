"""A match conflict on the Resolve screen: the record and a candidate side by side."""

from __future__ import annotations

from screen_text import screen_text
from textual.widgets import DataTable

from recontui.tui.screens.conflicts import queue_row
from recontui.tui.screens.resolve import ResolveScreen


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def line_of(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


async def test_the_candidate_under_the_cursor_is_shown_beside_the_record(world):
    target = world.store.conflict(1)  # Eriksen & Rossi: two QuickBooks records, one email
    assert target.kind == "match" and len(target.candidates) == 2
    b_ids = [world.store.link(c).b_id for c in target.candidates]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ResolveScreen) and screen.conflict.id == target.id
        await pilot.pause()
        text = screen_text(pilot.app)
        # Every candidate row still fits above the fields, and the keys below them.
        assert screen.query_one(DataTable).row_count == 3
        assert "Eriksen & Rossi (Annex)" in line_of(text, "candidate   Eriksen & Rossi (Annex)")
        assert f"QuickBooks Online: id {b_ids[0]}" in text
        email = line_of(text, "Email")
        assert email.count("hello@eriksenrossi.com") == 2 and "= " in email
        assert "= Eriksen & Rossi" in line_of(text, "Name")
        assert "Last changed" in text and "Which record is this?" in text

        await pilot.press("down")  # the second candidate: a name of its own
        await pilot.pause()
        text = screen_text(pilot.app)
        assert f"QuickBooks Online: id {b_ids[1]}" in text
        assert "≠ Eriksen & Rossi (Annex)" in line_of(text, "Name")
        assert "l Link" in text.splitlines()[-1]


async def test_a_refused_create_says_why_and_that_k_creates_it_again(world):
    """Issue 9: a create the other system refused is a decision in the queue; Resolve shows
    the system's reason and words the keys for it (not "keep both")."""
    link = world.store.links(world.profile.id, "customer", where="a_id IS NOT NULL")[0]
    reason = "BILL rejected the create of customer (BDC_1119: email: must not be blank)."
    with world.store.transaction():
        cid = world.store.open_conflict(
            world.profile.id,
            link.id,
            "customer",
            "match",
            {"refused": {"base": None, "a": "Acme", "b": None, "kind": "refused", "side": "b"}},
            link.a_version,
            None,
            None,
            candidates=[],
            note=f"QuickBooks Online refused to create it: {reason}",
        )
    assert world.store.conflict(cid).field_names == "refused create"
    assert queue_row(world.store.conflict(cid))["field_names"] == "refused create"
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ResolveScreen(cid)
        await pilot.app.push_screen(screen)
        await settle(pilot)
        text = " ".join(screen_text(pilot.app).split())
        assert "email: must not be blank" in text
        assert "k creates it again" in text and "keeps both" not in text
