"""`recontui verify` on both stand-ins: what it finds, and what it says to do about it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from runner_world import Wrapped, make_world
from verify_world import a_paired, agreed_world, check, create, edit

from recontui.connectors.base import Page
from recontui.decisions import resolve_conflict
from recontui.model import RemoteRecord, RemoteRef
from recontui.verify import VerifyError, report_lines


def test_books_agree_after_a_full_sync(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    result = check(world)
    assert result.agree and result.count == 0 and result.disagreements == []
    paired = {
        entity: len(world.store.links(world.profile.id, entity, where="state='paired'"))
        for entity in result.checked
    }
    assert {e: c["pairs"] for e, c in result.checked.items()} == paired
    assert result.checked["invoice"]["a"] == result.checked["invoice"]["b"] > 0
    assert report_lines(result)[0].startswith("The books agree:")


def test_books_agree_once_every_conflict_is_decided_and_synced(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="conflicts")
    # A walk-in customer QuickBooks holds without an e-mail: BILL creates none without one.
    create(world, "b", "customer", name="Counter Sales (Walk-in)", phone="(503) 555-0142")
    assert world.sync().exit_code == 1
    before = check(world)
    open_ids = {c.id for c in world.store.conflicts(world.profile.id, statuses=("open",))}
    assert not before.agree
    assert {d.conflict_id for d in before.disagreements} <= open_ids | {None}
    # An invoice of a customer waiting for a match decision is not copied until it is made.
    match = next(c for c in world.store.conflicts(world.profile.id) if c.kind == "match")
    customer = world.store.link(match.link_id)
    made = create(
        world,
        "a",
        "invoice",
        number="WAITS-1",
        customer=RemoteRef("customer", customer.a_id),
        date=dt.date.today(),
        due_date=dt.date.today(),
        lines=[{"item": RemoteRef("item", a_paired(world, "item").a_id), "amount": Decimal(10)}],
    )
    assert world.sync().exit_code == 1
    (waiting,) = [d for d in check(world).disagreements if d.a_id == made.remote_id]
    assert waiting.conflict_id == match.id and waiting.action == "decide"
    assert waiting.todo.startswith("Not copied until customer 'Eriksen & Rossi' is matched")
    for conflict in world.store.conflicts(world.profile.id, statuses=("open",)):
        if conflict.kind == "match":
            resolve_conflict(world.store, conflict, link_to=conflict.candidates[0], actor="t")
        else:
            resolve_conflict(world.store, conflict, take_all="a", actor="t")
    # The walk-in customer waits for its e-mail address: verify says what the run said.
    (held,) = [d for d in check(world).disagreements if d.action == "fix"]
    assert (held.entity, held.record, held.action) == ("customer", "Counter Sales (Walk-in)", "fix")
    assert "BILL requires an e-mail address" in held.todo
    assert world.fill_held() == 1
    assert world.sync().exit_code == 0
    assert check(world).agree


def test_a_field_changed_in_one_system_is_reported_with_both_values(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    link, other = world.store.links(world.profile.id, "customer", where="state='paired'")[:2]
    edit(world, "b", "customer", link.b_id, email="Changed.In.QBO@example.com")
    # A difference `same` does not count (case, spacing) is no disagreement.
    edit(world, "a", "customer", other.a_id, name=f"  {other.a_fields['name'].upper()} ")
    result = check(world)
    assert not result.agree and result.count == 1
    (found,) = result.disagreements
    assert (found.entity, found.link_id, found.field) == ("customer", link.id, "email")
    assert found.a == link.a_fields["email"]
    assert found.b == "Changed.In.QBO@example.com"
    assert found.record == link.a_fields["name"]
    assert found.action == "sync" and "Changed in QuickBooks Online" in found.todo
    text = "\n".join(report_lines(result))
    assert "Changed.In.QBO@example.com" in text and link.a_fields["email"] in text
    # The sync it advises settles it.
    assert world.sync().exit_code == 0
    assert check(world).agree


def test_a_record_created_on_one_side_is_reported(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    made = create(world, "a", "customer", name="Only In Billing Ltd", email="o@example.com")
    result = check(world)
    assert result.count == 1
    (found,) = result.disagreements
    assert (found.field, found.a_id, found.b_id, found.link_id) == (
        None,
        made.remote_id,
        None,
        None,
    )
    assert found.record == "Only In Billing Ltd" and found.b == ""
    assert "New in BILL since the last sync" in found.todo
    assert "only in BILL" in "\n".join(report_lines(result))


def test_a_disagreement_waiting_for_a_decision_names_its_conflict(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    link = a_paired(world, "vendor")
    edit(world, "a", "vendor", link.a_id, phone="(206) 555-0001")
    edit(world, "b", "vendor", link.b_id, phone="(206) 555-0002")
    assert world.sync().exit_code == 1
    conflict = world.store.live_conflict_for_link(link.id)
    result = check(world)
    (found,) = result.disagreements
    assert (found.field, found.conflict_id, found.action) == ("phone", conflict.id, "decide")
    assert f"Waiting for your decision in conflict {conflict.id}" in found.todo
    assert not result.agree


def test_one_entity_only_and_the_list_limit(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    for link in world.store.links(world.profile.id, "customer", where="state='paired'")[:3]:
        edit(world, "a", "customer", link.a_id, email=f"new-{link.id}@example.com")
    result = check(world, entity="customer", limit=2)
    assert list(result.checked) == ["customer"]
    assert result.count == 3 and len(result.disagreements) == 2
    assert "1 more not listed" in "\n".join(report_lines(result))


def test_a_profile_that_never_synced_is_refused_in_one_sentence(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="demo")
    with pytest.raises(VerifyError, match="has not synced yet: run `recontui sync` first"):
        check(world)


class _ReadTwice(Wrapped):
    """A pull that meets records again, as when they are edited or deleted mid-read:
    ``before`` pages come first, ``after`` pages last."""

    def __init__(self, inner, entity: str, before=(), after=()) -> None:
        super().__init__(inner)
        self.entity, self.before, self.after = entity, list(before), list(after)

    async def _pages(self, entity: str, cursor):
        if entity == self.entity and self.before:
            yield Page(self.before, None)
        async for page in self.inner.pull(entity, cursor):
            yield page
        if entity == self.entity and self.after:
            yield Page(self.after, None)

    def pull(self, entity: str, cursor):
        return self._pages(entity, cursor)


def test_a_record_read_again_counts_as_read_last(tmp_path: Path) -> None:
    world = agreed_world(tmp_path)
    customer = a_paired(world, "customer")
    invoice = a_paired(world, "invoice")
    stale = RemoteRecord(
        "customer", customer.a_id, "old", {**customer.a_fields, "email": "stale@example.com"}
    )
    gone = RemoteRecord("invoice", invoice.a_id, "gone", {}, deleted=True)
    wraps = {"customer": dict(before=[stale]), "invoice": dict(after=[gone])}

    def wrap(side: str, conn):
        if side != "a":
            return conn
        return _ReadTwice(
            _ReadTwice(conn, "customer", **wraps["customer"]), "invoice", **wraps["invoice"]
        )

    world.wrap = wrap
    result = check(world)
    # The stale copy of the customer was replaced by its later read: no disagreement there;
    # the invoice deleted at the end of the read is missing in BILL.
    assert [(d.entity, d.field, d.b_id) for d in result.disagreements] == [
        ("invoice", None, invoice.b_id)
    ]
    assert "No longer found in BILL" in result.disagreements[0].todo


def test_verify_waits_for_a_run_in_progress(tmp_path: Path) -> None:
    world = make_world(tmp_path, scenario="demo")
    run_id = world.store.start_run(world.profile.id, trigger="test", dry_run=False)
    world.store.acquire_lock(world.profile.id, run_id)
    with pytest.raises(VerifyError, match=f"Run {run_id} is syncing profile 't' now"):
        check(world)
