"""What `recontui verify` leaves out on purpose, and counts: records a person chose never
to sync, inactive ones, transactions before the initial window, directions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from runner_world import make_world
from verify_world import a_paired, agreed_world, check, create, deactivate, edit

from recontui.verify import report_lines


def test_an_ignored_record_is_left_out_and_counted(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    made = create(world, "b", "vendor", name="Never Sync Me Inc")
    link_id = world.store.placeholder_link(world.profile.id, "vendor", "b", made.remote_id)
    with world.store.transaction():
        world.store.set_link_state(link_id, "ignored")
    result = check(world)
    assert result.agree
    assert result.excluded == {"vendor": {"ignored": 1}}
    assert "1 ignored by a person's decision" in "\n".join(report_lines(result))


def test_inactive_and_direction_left_out_but_a_record_that_should_be_copied_is_not(
    tmp_path: Path,
) -> None:
    world = agreed_world(tmp_path)
    retired = create(
        world, "a", "customer", name="Retired Before Sync", email="retired@example.com"
    )
    deactivate(world, "a", "customer", retired.remote_id)
    world.store.set_setting(world.profile.id, "direction.vendor", "a_to_b", actor="t")
    create(world, "b", "vendor", name="Ledger Only Vendor")  # the direction never copies it
    copied = create(
        world,
        "a",
        "vendor",
        name="Billing Vendor To Copy",
        email="ap@copy.example.com",
        phone="555-0100",
    )
    result = check(world)
    assert result.excluded == {"customer": {"inactive": 1}, "vendor": {"direction": 1}}
    assert [(d.entity, d.a_id) for d in result.disagreements] == [("vendor", copied.remote_id)]


def test_a_pair_a_person_unlinked_is_left_out_and_counted(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    link = a_paired(world, "customer")
    with world.store.transaction():  # what `conflicts resolve --ignore` leaves
        world.store.set_link_state(link.id, "ignored")
    edit(world, "b", "customer", link.b_id, email="unlinked-on-purpose@example.com")
    result = check(world)
    assert result.agree, result.disagreements
    assert result.excluded == {"customer": {"ignored": 2}}  # its record on each side


def test_transactions_linked_as_references_before_the_window_are_left_out(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, scenario="demo")
    start = dt.date.today() - dt.timedelta(days=60)
    world.store.set_setting(world.profile.id, "initial_window", f"from {start}", actor="t")
    assert world.sync().exit_code == 0
    old = world.store.links(world.profile.id, "invoice", where="state='reference'")
    assert old, "the demo has invoices older than the window"
    edit(world, "b", "invoice", old[0].b_id, memo="edited long after the window")
    result = check(world)
    assert result.agree, result.disagreements
    assert result.excluded["invoice"]["before_window"] >= 2 * len(old)
