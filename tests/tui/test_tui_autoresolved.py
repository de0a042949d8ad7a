"""Keys only: the Auto-resolved screen lists what rules decided; o reopens one as a conflict."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from agreement import pull_everything
from textual.widgets import DataTable, Static
from tui_world import World, make_world

from recontui.store import Link
from recontui.tui.screens import autoresolved
from recontui.tui.screens.autoresolved import PAGE, AutoResolvedScreen
from recontui.tui.screens.conflicts import ConflictsScreen
from recontui.tui.screens.home import HomeScreen
from recontui.tui.screens.modals import ConfirmScreen
from recontui.tui.screens.resolve import ResolveScreen

BILL_EMAIL, QBO_EMAIL = "ap-bill@example.com", "ap-qbo@example.com"


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def edit(world: World, link: Link, side: str, changes: dict[str, Any]) -> None:
    """Change a customer in one stand-in through its HTTP API, as a person there would."""
    conn = world.connectors()[0 if side == "a" else 1]
    async with conn:
        remote_id = link.remote_id(side)  # type: ignore[arg-type]
        rec = await conn.read("customer", remote_id)
        await conn.update(
            "customer", remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex
        )


async def everything(world: World) -> tuple[dict, dict]:
    """Both stand-ins' records as they are now: {entity: {remote id: fields}}."""
    ca, cb = world.connectors()
    async with ca, cb:
        a, b = await pull_everything(ca), await pull_everything(cb)
    flat = [
        {e: {rid: rec.fields for rid, rec in recs.items()} for e, recs in data.items()}
        for data in (a, b)
    ]
    return flat[0], flat[1]


async def decided_world(tmp_path: Path) -> tuple[World, Link]:
    """A demo world where "prefer QuickBooks Online for customer" decided one email."""
    world = make_world(tmp_path, scenario="demo")
    await world.sync()
    world.store.add_rule(world.profile.id, "prefer", "b", "customer", None, actor="test")
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    await edit(world, link, "a", {"email": BILL_EMAIL})
    await edit(world, link, "b", {"email": QBO_EMAIL})
    result = await world.sync()
    assert result.counts["auto_resolved"] == 1
    return world, link


async def test_override_by_keys_then_resolve_restores_bills_value(tmp_path: Path) -> None:
    world, link = await decided_world(tmp_path)
    record = world.store.link(link.id).a_fields["name"]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")  # the queue, read before the override: it must reload after
        await settle(pilot)
        assert pilot.app.screen.ids == []
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AutoResolvedScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[1:5] == ["customer", record, "email", "BILL"]
        assert cells[5] == f"{BILL_EMAIL} → {QBO_EMAIL}"
        detail = text_of(screen, "#auto-detail")
        assert "rule 1: prefer QuickBooks Online for every customer field" in detail
        assert f"BILL had {BILL_EMAIL}, overwritten with QuickBooks Online's {QBO_EMAIL}" in detail

        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert (
            record in pilot.app.screen.question and "1 rule decision" in pilot.app.screen.question
        )
        await pilot.press("y")
        await settle(pilot)
        (conflict,) = world.store.conflicts(world.profile.id)
        assert conflict.status == "open" and conflict.link_id == link.id
        assert conflict.fields["email"]["a"] == BILL_EMAIL
        assert conflict.fields["email"]["b"] == QBO_EMAIL
        assert str(table.get_cell_at((0, 0))).startswith("↺")
        assert f"Overridden: conflict {conflict.id}" in text_of(screen, "#auto-detail")

        await pilot.press("o")  # a second override: a sentence, no question
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "already overridden" in text_of(screen, "#auto-detail")

        await pilot.press("2")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConflictsScreen)
        assert pilot.app.screen.ids == [conflict.id]

        await pilot.press("6")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        resolve = pilot.app.screen
        assert isinstance(resolve, ResolveScreen) and resolve.conflict_id == conflict.id
        await pilot.press("a", "ctrl+s")  # BILL's value, from before the rule overwrote it
        await settle(pilot)
        assert world.store.conflict(conflict.id).status == "resolved"
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen

    before = await everything(world)
    done = await world.sync()
    assert done.counts["pushed"] == 2 and done.exit_code == 0
    after = await everything(world)
    for side, remote_id, old, new in (
        (0, link.a_id, before[0], after[0]),
        (1, link.b_id, before[1], after[1]),
    ):
        assert new["customer"][remote_id]["email"] == BILL_EMAIL, side
        changed = {
            (entity, rid, key)
            for entity, recs in new.items()
            for rid, fields in recs.items()
            for key in set(fields) | set(old[entity].get(rid, {}))
            if fields.get(key) != old[entity].get(rid, {}).get(key)
        }
        assert changed == {("customer", remote_id, "email")}, side
    assert world.store.conflict(conflict.id).status == "pushed"
    quiet = await world.sync()
    assert (quiet.counts["pulled"], quiet.counts["pushed"], quiet.exit_code) == (0, 0, 0)


async def test_no_to_the_question_keeps_the_decision(tmp_path: Path) -> None:
    world, _ = await decided_world(tmp_path)
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AutoResolvedScreen)
        await pilot.press("enter")  # not overridden: nothing to open
        await pilot.pause()
        assert isinstance(pilot.app.screen, AutoResolvedScreen)
        assert "o overrides this one" in text_of(pilot.app.screen, "#auto-detail")
    assert world.store.conflicts(world.profile.id) == []


def add_decisions(world: World, count: int, by: str = "rule:1", **values: Any) -> None:
    links = [
        lk.id for lk in world.store.links(world.profile.id, "customer", where="b_id IS NOT NULL")
    ]
    with world.store.transaction():
        for i in range(count):
            entry = {"field": "phone", "side": "a", "old": f"old {i}", "new": f"new {i}", "by": by}
            world.store.add_audit(
                world.profile.id,
                1,
                "customer",
                links[i % len(links)],
                [{**entry, **values}],
                "t",
            )


async def test_pages_of_fifty_more_near_the_end_and_f5_rereads(world: World) -> None:
    add_decisions(world, 2 * PAGE + 20)
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")  # from Home
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AutoResolvedScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == PAGE
        assert table.max_scroll_x == 0, "the columns fit 80 columns, scroll bar included"
        assert str(table.get_row_at(0)[5]).startswith(f"old {2 * PAGE + 19}")
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert table.row_count == 2 * PAGE
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert table.row_count == 2 * PAGE + 20
        assert "120 rule decisions shown, newest first." in text_of(screen, "#auto-status")
        ids = [r["id"] for r in screen.rows]
        assert ids == sorted(set(ids), reverse=True)

        add_decisions(world, 1, old="newest")
        await pilot.press("f5")
        await settle(pilot)
        assert table.row_count == PAGE and str(table.get_row_at(0)[5]).startswith("newest")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_remote_text_is_shown_literally(world: World) -> None:
    add_decisions(world, 1, old="[bold red]boom[/]", new="x\x1b[31m")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        detail = text_of(pilot.app.screen, "#auto-detail")
        assert "[bold red]boom[/]" in detail and "\\x1b[31m" in detail


async def test_nothing_decided_yet_says_where_rules_are(world: World) -> None:
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        assert "No rule has decided anything yet" in text_of(screen, "#auto-status")
        await pilot.press("o")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "no rule decision to override" in text_of(screen, "#auto-detail")


async def test_a_refused_override_says_why_in_one_sentence(world: World) -> None:
    """A decision on a record whose conflict waits to be pushed cannot be reopened."""
    conflict = next(
        c
        for c in world.store.conflicts(world.profile.id)
        if c.kind == "field" and c.entity == "customer"
    )
    link = world.store.link(conflict.link_id)
    spare = next(f for f in ("email", "phone", "city") if f not in conflict.fields)
    with world.store.transaction():
        value = (link.a_fields or {}).get(spare)
        entry = {"field": spare, "side": "a", "old": "before", "new": value, "by": "rule:1"}
        world.store.add_audit(world.profile.id, 1, "customer", link.id, [entry], "t")
    from recontui.decisions import resolve_conflict

    resolve_conflict(world.store, conflict, take_all="a", actor="t")
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("o", "y")
        await settle(pilot)
        detail = text_of(pilot.app.screen, "#auto-detail")
        assert f"has conflict {conflict.id} resolved and waiting" in detail
        assert "sync first, then override" in detail
    assert world.store.conflict(conflict.id).status == "resolved"


def test_every_binding_on_the_screen_has_an_id() -> None:
    from textual.binding import Binding

    classes = [
        v
        for v in vars(autoresolved).values()
        if isinstance(v, type) and v.__module__ == autoresolved.__name__
    ]
    assert classes
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            assert isinstance(binding, Binding) and binding.id, (cls, binding)


async def test_the_list_headless_is_read_only(tmp_path: Path, capsys) -> None:
    import json

    from recontui import cli

    world, link = await decided_world(tmp_path)
    db = ["--db", str(world.store.path)]
    assert cli.main([*db, "conflicts", "auto", "--profile", "t"]) == 0
    out = capsys.readouterr().out
    assert f"BILL had '{BILL_EMAIL}', overwritten with QuickBooks Online's '{QBO_EMAIL}'" in out
    assert "by rule 1: prefer QuickBooks Online for every customer field" in out
    assert cli.main([*db, "conflicts", "auto", "--limit", "5", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["link_id"], row["field"], row["overridden"]) == (link.id, "email", False)
    assert world.store.conflicts(world.profile.id) == []
