"""The conflict queue sorted by any column, a keyset page at a time, and bulk resolution."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from store_helpers import START, customer_fields, open_field_conflict, pull_one, record

from recontui.store import Profile, Store
from recontui.store.store import CONFLICT_SORTS

NAMES = ["acme", "ACME", "Beta", "beta", "Gamma"]
TIMES = [None, START, START + dt.timedelta(hours=1)]


@pytest.fixture
def queue(store: Store, profile: Profile) -> list[int]:
    """61 conflicts whose names, entities, times and suggestions repeat a lot;
    a few are pushed (never in the queue) and some resolved."""
    ids = []
    for i in range(61):
        entity = "customer" if i % 2 else "vendor"
        when = TIMES[i % 3]
        link = pull_one(
            store,
            profile.id,
            "a",
            record(f"r{i}", "1", customer_fields(NAMES[i % 5]), entity=entity, updated_at=when),
        )
        cid = open_field_conflict(
            store,
            profile.id,
            link,
            entity=entity,
            field="email" if i % 4 else "phone",
            suggestion={"email": ["a", None]} if i % 7 == 0 else None,
        )
        ids.append(cid)
        if i % 5 == 1:
            store.resolve_conflict(cid, {"email": ["b", None]}, actor="alice")
        if i % 11 == 3:
            with store.transaction():
                store.set_conflict_status(cid, "pushed")
    return ids


def expected_order(store: Store, profile: Profile, sort: str, descending: bool) -> list[int]:
    def key(c: Any) -> Any:
        return {
            "id": c.id,
            "entity": c.entity,
            "record": c.title.lower(),
            "fields": c.field_names,
            "a_changed": c.a_changed_at,
            "b_changed": c.b_changed_at,
            "status": c.status,
            "suggestion": c.suggestion is not None,
        }[sort]

    live = store.conflicts(profile.id)
    return [c.id for c in sorted(live, key=lambda c: (key(c), c.id), reverse=descending)]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", sorted(CONFLICT_SORTS))
def test_keyset_pages_in_any_sort_skip_and_repeat_nothing(
    store: Store, profile: Profile, queue: list[int], sort: str, descending: bool
) -> None:
    seen: list[int] = []
    after = None
    for _ in range(100):
        page = store.conflict_page(
            profile.id, sort=sort, descending=descending, after=after, limit=4
        )
        if not page:
            break
        seen += [c.id for _, c in page]
        after = (page[-1][0], page[-1][1].id)
    expected = expected_order(store, profile, sort, descending)
    assert len(expected) == store.count_live_conflicts(profile.id) == 61 - 6
    assert seen == expected

    # The filter's light rows walk the same order.
    light: list[int] = []
    after = None
    for _ in range(100):
        rows = store.conflict_keys(
            profile.id, sort=sort, descending=descending, after=after, limit=3
        )
        if not rows:
            break
        light += [r["id"] for r in rows]
        after = (rows[-1]["sort_key"], rows[-1]["id"])
    assert light == expected
    first = store.conflict_keys(profile.id, sort=sort, limit=1)[0]
    assert set(first) == {"sort_key", "id", "entity", "kind", "title", "field_names"}


def test_opening_a_conflict_copies_the_name_fields_and_times(
    store: Store, profile: Profile
) -> None:
    later = START + dt.timedelta(days=2)
    link = pull_one(store, profile.id, "a", record("c1", "1", customer_fields("Acme Ltd")))
    b_link = pull_one(
        store, profile.id, "b", record("q1", "4", customer_fields("Acme"), updated_at=later)
    )
    with store.transaction():
        store.pair_links(link, b_link)
    cid = open_field_conflict(store, profile.id, link)
    c = store.conflict(cid)
    assert c is not None
    assert (c.title, c.field_names) == ("Acme Ltd", "email")
    assert (c.a_changed_at, c.b_changed_at) == (START.isoformat(), later.isoformat())

    # Fresh values: the reopened conflict takes the link's new name and times.
    newer = later + dt.timedelta(hours=3)
    pull_one(
        store, profile.id, "a", record("c1", "2", customer_fields("Acme Group"), updated_at=newer)
    )
    with store.transaction():
        store.reopen_conflict(
            cid, {"phone": {"a": "1", "b": "2"}}, "2", "4", suggestion=None, note="again"
        )
    c = store.conflict(cid)
    assert c is not None
    assert (c.title, c.field_names, c.a_changed_at) == ("Acme Group", "phone", newer.isoformat())


def test_resolve_many_saves_every_open_conflict_in_one_go(
    store: Store, profile: Profile, queue: list[int]
) -> None:
    pushed = next(c for c in queue if store.conflict(c).status == "pushed")  # type: ignore[union-attr]
    chosen = [c for c in queue if store.conflict(c).status == "open"][:20]  # type: ignore[union-attr]
    earlier = chosen.pop()
    store.resolve_conflict(earlier, {"email": ["a", None]}, actor="one-by-one")
    choices = {cid: {"email": ["b", None]} for cid in [*chosen, pushed, earlier]}
    done = store.resolve_many(profile.id, choices, actor="bulk-tester")
    assert done == sorted(chosen)
    # A choice already made one by one is not overwritten in bulk.
    assert store.conflict(earlier).choices == {"email": ["a", None]}  # type: ignore[union-attr]
    for cid in chosen:
        c = store.conflict(cid)
        assert c is not None
        assert (c.status, c.choices, c.resolved_by) == (
            "resolved",
            {"email": ["b", None]},
            "bulk-tester",
        )
    assert store.conflict(pushed).status == "pushed"  # type: ignore[union-attr]
    # Another profile's conflicts are out of reach.
    other = store.save_profile("other", "bill", "qbo", {}, {})
    assert store.resolve_many(other.id, {chosen[0]: {"email": ["a", None]}}, actor="x") == []
