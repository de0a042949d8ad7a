"""store_pulled: links from pulled pages, the dirty bits, the cursor, exact values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from store_helpers import count, customer_fields, invoice_fields, pull_one, record

from recontui.model import RemoteRecord, RemoteRef
from recontui.store import Profile, Store, open_store

A_BIT, B_BIT = 1, 2


def test_new_records_create_unpaired_links_dirty_for_their_side(
    store: Store, profile: Profile
) -> None:
    counts = store.store_pulled(
        profile.id,
        "a",
        "customer",
        [record("0cu01", "v1"), record("0cu02", "v1", customer_fields("Globex"))],
        None,
    )
    assert (counts.new, counts.changed, counts.unchanged) == (2, 0, 0)
    b_counts = store.store_pulled(
        profile.id, "b", "customer", [record("58", "0", customer_fields("Initech"))], None
    )
    assert (b_counts.new, b_counts.changed, b_counts.unchanged) == (1, 0, 0)

    links = store.links(profile.id, "customer")
    assert [link.id for link in links] == counts.link_ids + b_counts.link_ids
    a1, a2, b1 = links
    for link in (a1, a2):
        assert link.state == "unpaired" and not link.paired
        assert link.b_id is None and link.b_fields is None and link.b_version is None
        assert link.dirty == A_BIT
        assert link.version("a") == "v1"
    assert (a1.a_id, a2.a_id) == ("0cu01", "0cu02")
    assert a2.a_fields == customer_fields("Globex")
    assert b1.state == "unpaired" and b1.a_id is None and b1.a_fields is None
    assert b1.b_id == "58" and b1.b_fields == customer_fields("Initech")
    assert b1.dirty == B_BIT


def test_same_version_again_is_unchanged_and_leaves_dirty_alone(
    store: Store, profile: Profile
) -> None:
    settled = pull_one(store, profile.id, "a", record("0cu01", "v1"))
    still_dirty = pull_one(store, profile.id, "a", record("0cu02", "v1", customer_fields("Globex")))
    with store.transaction():
        store.clear_dirty(settled)
    before = {r["id"]: r for r in store.iter_table("links")}

    counts = store.store_pulled(
        profile.id,
        "a",
        "customer",
        [
            record("0cu01", "v1", customer_fields(email="ignored@acme.test")),
            record("0cu02", "v1", customer_fields("Globex")),
        ],
        None,
    )

    assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 2)
    assert counts.link_ids == []
    assert store.link(settled).dirty == 0  # type: ignore[union-attr]
    assert store.link(still_dirty).dirty == A_BIT  # type: ignore[union-attr]
    assert {r["id"]: r for r in store.iter_table("links")} == before  # not even touched


def test_new_version_marks_dirty_and_updates_the_side_fields(
    store: Store, profile: Profile
) -> None:
    link_id = pull_one(store, profile.id, "a", record("0cu01", "v1"))
    with store.transaction():
        store.clear_dirty(link_id)

    changed = customer_fields(email="billing@acme.test", balance=Decimal("99.95"))
    later = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
    counts = store.store_pulled(
        profile.id, "a", "customer", [record("0cu01", "v2", changed, updated_at=later)], None
    )

    assert (counts.new, counts.changed, counts.unchanged) == (0, 1, 0)
    assert counts.link_ids == [link_id]
    link = store.link(link_id)
    assert link is not None
    assert link.a_version == "v2" and link.a_fields == changed and link.dirty == A_BIT
    assert (
        store.db.execute("SELECT a_updated_at FROM links WHERE id=?", (link_id,)).fetchone()[0]
        == later.isoformat()
    )


def test_a_change_on_one_side_adds_its_bit_to_the_other_sides_dirty(
    store: Store, profile: Profile
) -> None:
    a_link = pull_one(store, profile.id, "a", record("0cu01", "v1"))
    b_link = pull_one(store, profile.id, "b", record("58", "3"))
    with store.transaction():
        store.pair_links(a_link, b_link)
        store.clear_dirty(a_link)

    store.store_pulled(
        profile.id, "b", "customer", [record("58", "4", customer_fields(phone="+1 555 0199"))], None
    )
    assert store.link(a_link).dirty == B_BIT  # type: ignore[union-attr]
    store.store_pulled(
        profile.id,
        "a",
        "customer",
        [record("0cu01", "v2", customer_fields(city="Springfield"))],
        None,
    )
    assert store.link(a_link).dirty == A_BIT | B_BIT  # type: ignore[union-attr]


def test_tombstone_is_stored_as_deleted_on_its_side(store: Store, profile: Profile) -> None:
    link_id = pull_one(
        store, profile.id, "b", record("145", "0", invoice_fields(), entity="invoice")
    )
    store.store_pulled(
        profile.id,
        "b",
        "invoice",
        [record("145", "1", invoice_fields(), entity="invoice", deleted=True)],
        None,
    )
    link = store.link(link_id)
    assert link is not None and link.deleted("b") and not link.deleted("a")


def test_pull_fills_a_placeholder_link_instead_of_adding_another(
    store: Store, profile: Profile
) -> None:
    placeholder = store.placeholder_link(profile.id, "customer", "a", "0cu01")
    assert store.placeholder_link(profile.id, "customer", "a", "0cu01") == placeholder
    assert store.link(placeholder).a_fields is None  # type: ignore[union-attr]

    counts = store.store_pulled(profile.id, "a", "customer", [record("0cu01", "v1")], None)

    assert (counts.new, counts.changed) == (0, 1)
    assert counts.link_ids == [placeholder]
    assert count(store, "links") == 1
    assert store.link(placeholder).a_fields == customer_fields()  # type: ignore[union-attr]


def test_cursor_moves_with_the_page_and_counts_what_was_pulled(
    store: Store, profile: Profile
) -> None:
    assert store.cursor(profile.id, "a", "customer") is None
    store.store_pulled(
        profile.id,
        "a",
        "customer",
        [record("0cu01", "v1"), record("0cu02", "v1")],
        "2026-03-15T12:00:00Z",
    )
    assert store.cursor(profile.id, "a", "customer") == "2026-03-15T12:00:00Z"

    store.store_pulled(
        profile.id,
        "a",
        "customer",
        [record("0cu02", "v1"), record("0cu03", "v1")],
        "2026-03-15T13:00:00Z",
    )
    store.store_pulled(profile.id, "a", "customer", [record("0cu04", "v1")], None)

    assert store.cursor(profile.id, "a", "customer") == "2026-03-15T13:00:00Z"
    assert store.cursor(profile.id, "b", "customer") is None
    (row,) = store.cursors(profile.id)
    assert (row["side"], row["entity"], row["pulled"]) == ("a", "customer", 4)


def test_failure_midway_through_a_page_stores_nothing_and_keeps_the_cursor(
    store: Store, profile: Profile
) -> None:
    first = pull_one(store, profile.id, "a", record("0cu01", "v1"), cursor="cursor-1")
    with store.transaction():
        store.clear_dirty(first)
    links_before = list(store.iter_table("links"))
    cursors_before = store.cursors(profile.id)

    def page() -> Iterator[RemoteRecord]:
        yield record("0cu01", "v2", customer_fields(email="changed@acme.test"))
        yield record("0cu02", "v1", customer_fields("Globex"))
        raise ConnectionError("connection reset while reading the page")

    with pytest.raises(ConnectionError):
        store.store_pulled(profile.id, "a", "customer", page(), "cursor-2")

    assert not store.db.conn.in_transaction
    assert list(store.iter_table("links")) == links_before
    assert store.cursor(profile.id, "a", "customer") == "cursor-1"
    assert store.cursors(profile.id) == cursors_before


def test_canonical_values_round_trip_exactly_through_link_fields(
    store: Store, profile: Profile, db_path: Path
) -> None:
    fields = {
        **invoice_fields(),
        "memo": "Évaluation — naïve café ✓",
        "discount": Decimal("0.10"),
        "rounding": Decimal("-0.00"),
        "tiny": Decimal("0.0000001"),
        "big": Decimal("12345678901234567890.12"),
        "sent_at": dt.datetime(
            2026, 3, 2, 8, 15, 30, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5))
        ),
        "paid": False,
        "count": 3,
        "tags": ["net30", "priority"],
        "ship_to": None,
    }
    link_id = pull_one(store, profile.id, "b", record("145", "0", fields, entity="invoice"))

    reopened = open_store(db_path)
    try:
        got = reopened.link(link_id).b_fields  # type: ignore[union-attr]
    finally:
        reopened.close()

    assert got == fields
    for key in ("total", "discount", "rounding", "tiny", "big"):
        assert type(got[key]) is Decimal and str(got[key]) == str(fields[key]), key
    assert type(got["date"]) is dt.date and got["date"] == dt.date(2026, 3, 1)
    assert got["sent_at"].utcoffset() == dt.timedelta(hours=-5)
    assert type(got["customer"]) is RemoteRef and got["customer"].remote_id == "0cu01"
    for got_line, line in zip(got["lines"], fields["lines"], strict=True):
        assert type(got_line["item"]) is RemoteRef and got_line["item"] == line["item"]
        assert str(got_line["qty"]) == str(line["qty"])
        assert str(got_line["amount"]) == str(line["amount"])
    assert type(got["paid"]) is bool and type(got["count"]) is int
