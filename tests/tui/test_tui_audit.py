"""The audit trail in the console (issue 14: "The audit of every overwrite is stored but has
no viewer: add one (console and `recontui audit`), filterable by record, run and field").
History's `a` opens it on the run under the cursor; the filter line narrows by record
name, run, field and entity."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from recontui.present import audit_rows
from recontui.tui.screens.audit import AuditFilter, AuditScreen, FilterError, parse_filter


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_the_filter_line_reads_terms_and_words() -> None:
    wanted = parse_filter("run:3 field:phone Cedar  Bay entity:customer")
    assert wanted == AuditFilter(record="Cedar Bay", run_id=3, field="phone", entity="customer")
    assert parse_filter(wanted.words()) == wanted
    assert parse_filter("") == AuditFilter()
    with pytest.raises(FilterError, match="not a run number"):
        parse_filter("run:x")


async def test_history_a_shows_what_the_run_overwrote_and_the_filter_narrows_it(world) -> None:
    world.store.add_rule(world.profile.id, "prefer", "b", "customer", None, actor="test")
    await world.sync()
    run_id = world.store.runs(world.profile.id, limit=1)[0]["id"]
    expected, _ = audit_rows(world.store, world.profile, run_id=run_id, limit=500)
    assert expected, "the rule decided some customer fields"
    one = expected[0]
    app = world.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert screen.query_one("#audit-filter", Input).value == f"run:{run_id}"
        table = screen.query_one("#audit-table", DataTable)
        assert table.row_count == len(expected)
        status = str(screen.query_one("#audit-status", Static).render())
        assert f"{len(expected)} entr" in status
        # Narrow to one record's field.
        await pilot.press("slash")
        field = screen.query_one("#audit-filter", Input)
        assert field.has_focus
        field.value = ""
        await pilot.press(*f"field:{one['field']} {one['record'].split()[0]}")
        await pilot.press("enter")
        await settle(pilot)
        rows = [table.get_row_at(r) for r in range(table.row_count)]
        assert rows and all(str(r[3]) == one["field"] for r in rows)
        assert any(str(r[2]) == one["record"] for r in rows)
        # A term that cannot be used is said, nothing lost.
        await pilot.press("slash")
        field.value = "run:x"
        await pilot.press("enter")
        await settle(pilot)
        assert "not a run number" in str(screen.query_one("#audit-status", Static).render())
        assert table.row_count == len(rows)
        # escape leaves the filter, then the screen.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen) and not field.has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AuditScreen)
