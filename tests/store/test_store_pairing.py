"""pair_links: one identity for a matched pair, an alias left for the absorbed link."""

from __future__ import annotations

import itertools

import pytest
from store_helpers import customer_fields, open_field_conflict, pull_one, record

from recontui.model import Ref
from recontui.store import Profile, Store, StoreError


@pytest.fixture
def pair(store: Store, profile: Profile) -> tuple[int, int]:
    """An a-only and a b-only customer link for the same company, not yet paired."""
    a_link = pull_one(store, profile.id, "a", record("0cu01", "v1"))
    b_link = pull_one(
        store, profile.id, "b", record("58", "4", customer_fields(email="accounts@acme.test"))
    )
    return a_link, b_link


def test_pairing_moves_the_b_side_onto_the_a_link(
    store: Store, profile: Profile, pair: tuple[int, int]
) -> None:
    a_link, b_link = pair
    with store.transaction():
        survivor = store.pair_links(a_link, b_link)

    assert survivor == a_link
    link = store.link(a_link)
    assert link is not None and link.paired and link.state == "paired"
    assert (link.a_id, link.b_id, link.b_version) == ("0cu01", "58", "4")
    assert link.b_fields == customer_fields(email="accounts@acme.test")
    assert link.dirty == 3  # both sides must be merged now
    assert store.remote_index(profile.id, "b") == {("customer", "58"): a_link}
    assert store.count_links(profile.id, "b", "customer") == 1


def test_absorbed_link_stays_as_an_alias_that_resolves_to_the_survivor(
    store: Store, pair: tuple[int, int]
) -> None:
    a_link, b_link = pair
    with store.transaction():
        store.pair_links(a_link, b_link)

    alias = store.link(b_link)
    assert alias is not None
    assert alias.state == "merged" and alias.merged_into == a_link
    assert alias.b_id is None and alias.a_id is None and alias.dirty == 0
    assert store.canonical_link_id(b_link) == a_link
    assert store.canonical_link_id(a_link) == a_link
    assert store.link(a_link).merged_into is None  # type: ignore[union-attr]


def test_reference_stored_before_pairing_still_finds_its_record(
    store: Store, profile: Profile, pair: tuple[int, int]
) -> None:
    a_link, b_link = pair
    invoice = store.placeholder_link(profile.id, "invoice", "b", "145")
    with store.transaction():
        store.set_base(invoice, {"customer": Ref("customer", b_link)}, None, "0", None)
        store.pair_links(a_link, b_link)

    ref = store.base(invoice)["customer"]  # type: ignore[index]
    assert ref == Ref("customer", b_link)
    assert store.canonical_link_id(ref.link) == a_link
    # and a reference by the b side's own id now lands on the survivor
    assert store.placeholder_link(profile.id, "customer", "b", "58") == a_link


def test_conflicts_and_outbox_rows_of_the_absorbed_link_move_to_the_survivor(
    store: Store, profile: Profile, pair: tuple[int, int]
) -> None:
    a_link, b_link = pair
    conflict_id = open_field_conflict(store, profile.id, b_link)
    with store.transaction():
        op_id = store.add_op(
            profile.id,
            None,
            b_link,
            "customer",
            "b",
            "update",
            "58",
            "4",
            {"email": "ap@acme.test"},
            "idem-58-4",
        )
        store.pair_links(a_link, b_link)

    assert store.conflict(conflict_id).link_id == a_link  # type: ignore[union-attr]
    assert store.live_conflict_for_link(a_link).id == conflict_id  # type: ignore[union-attr]
    assert store.live_conflict_for_link(b_link) is None
    assert [op.id for op in store.live_ops_for_link(a_link)] == [op_id]
    assert store.live_ops_for_link(b_link) == []


def test_canonical_link_id_follows_a_chain_of_aliases_and_survives_a_cycle(
    store: Store, profile: Profile
) -> None:
    ids = [store.placeholder_link(profile.id, "customer", "a", f"0cu0{i}") for i in range(4)]
    with store.transaction() as conn:
        for alias, target in itertools.pairwise(ids):
            conn.execute("UPDATE links SET merged_into=? WHERE id=?", (target, alias))
    assert [store.canonical_link_id(i) for i in ids] == [ids[-1]] * 4

    with store.transaction() as conn:  # a corrupt loop must not hang the caller
        conn.execute("UPDATE links SET merged_into=? WHERE id=?", (ids[0], ids[-1]))
    assert store.canonical_link_id(ids[0]) in ids


def test_pairing_with_a_vanished_link_is_a_store_error(store: Store, pair: tuple[int, int]) -> None:
    a_link, _ = pair
    with pytest.raises(StoreError, match="vanished"), store.transaction():
        store.pair_links(a_link, 9999)
    assert store.link(a_link).b_id is None  # type: ignore[union-attr]
