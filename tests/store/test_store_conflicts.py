"""The conflict queue: open, resolve, unresolve, reopen, pages and counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from store_helpers import open_field_conflict

from recontui.store import Profile, Store, StoreError

CHOICES = {"email": ["b", "accounts@acme.test"], "balance": ["a", Decimal("1250.40")]}


@pytest.fixture
def link_id(store: Store, profile: Profile) -> int:
    return store.placeholder_link(profile.id, "customer", "a", "0cu01")


@pytest.fixture
def conflict_id(store: Store, profile: Profile, link_id: int) -> int:
    return open_field_conflict(store, profile.id, link_id)


def test_opened_conflict_is_open_with_no_choices(
    store: Store, profile: Profile, link_id: int, conflict_id: int
) -> None:
    c = store.conflict(conflict_id)
    assert c is not None
    assert (c.status, c.kind, c.entity, c.link_id) == ("open", "field", "customer", link_id)
    assert c.fields["email"]["b"] == "accounts@acme.test"
    assert (c.a_version, c.b_version) == ("3", "17")
    assert c.choices is None and c.suggestion is None and c.resolved_at is None
    assert store.live_conflict_for_link(link_id).id == conflict_id  # type: ignore[union-attr]


def test_resolving_saves_the_choices_and_who_made_them(store: Store, conflict_id: int) -> None:
    store.resolve_conflict(conflict_id, CHOICES, actor="alice")
    c = store.conflict(conflict_id)
    assert c is not None
    assert c.status == "resolved" and c.choices == CHOICES
    assert type(c.choices["balance"][1]) is Decimal
    assert c.resolved_by == "alice" and c.resolved_at is not None

    store.resolve_conflict(conflict_id, {"email": ["a", "ap@acme.test"]}, actor="bob")
    c = store.conflict(conflict_id)
    assert c is not None  # a resolved conflict can be resolved again before the push
    assert c.choices == {"email": ["a", "ap@acme.test"]} and c.resolved_by == "bob"


def test_unresolving_reopens_and_keeps_the_choices_as_a_suggestion(
    store: Store, conflict_id: int
) -> None:
    store.resolve_conflict(conflict_id, CHOICES, actor="alice")
    store.unresolve_conflict(conflict_id)
    c = store.conflict(conflict_id)
    assert c is not None
    assert c.status == "open" and c.choices is None
    assert c.suggestion == CHOICES
    assert c.resolved_at is None and c.resolved_by is None


@pytest.mark.parametrize("status", ["pushed", "superseded"])
def test_a_conflict_that_is_no_longer_live_cannot_be_resolved(
    store: Store, conflict_id: int, status: str
) -> None:
    store.resolve_conflict(conflict_id, CHOICES, actor="alice")
    with store.transaction():
        store.set_conflict_status(conflict_id, status, note="done")
    before = store.conflict(conflict_id)

    with pytest.raises(StoreError, match=f"Conflict {conflict_id} is {status}"):
        store.resolve_conflict(conflict_id, {"email": ["a", "x@acme.test"]}, actor="bob")
    with pytest.raises(StoreError, match="only a resolved conflict"):
        store.unresolve_conflict(conflict_id)
    assert store.conflict(conflict_id) == before


def test_pushing_a_conflict_stamps_pushed_at(store: Store, conflict_id: int) -> None:
    with store.transaction():
        store.set_conflict_status(conflict_id, "pushed", note="written to both sides")
    c = store.conflict(conflict_id)
    assert c is not None
    assert c.status == "pushed" and c.pushed_at is not None
    assert c.note == "written to both sides"


def test_an_open_conflict_cannot_be_unresolved(store: Store, conflict_id: int) -> None:
    with pytest.raises(StoreError, match="is open"):
        store.unresolve_conflict(conflict_id)


def test_reopening_keeps_the_suggestion_it_already_had(store: Store, conflict_id: int) -> None:
    store.resolve_conflict(conflict_id, CHOICES, actor="alice")
    store.unresolve_conflict(conflict_id)
    fresh = {
        "email": {
            "base": "ap@acme.test",
            "a": "pay@acme.test",
            "b": "accounts@acme.test",
            "kind": "both_changed",
        }
    }
    with store.transaction():
        store.reopen_conflict(
            conflict_id, fresh, "4", "17", suggestion=None, note="changed again in BILL"
        )

    c = store.conflict(conflict_id)
    assert c is not None
    assert c.status == "open" and c.fields == fresh and (c.a_version, c.b_version) == ("4", "17")
    assert c.suggestion == CHOICES and c.choices is None
    assert c.note == "changed again in BILL"


def test_reopening_a_resolved_conflict_turns_its_choices_into_the_suggestion(
    store: Store, conflict_id: int
) -> None:
    store.resolve_conflict(conflict_id, CHOICES, actor="alice")
    with store.transaction():
        store.set_conflict_status(conflict_id, "pushed")
    pushed = store.conflict(conflict_id)
    assert pushed is not None
    with store.transaction():
        store.reopen_conflict(
            conflict_id,
            pushed.fields,
            "5",
            "18",
            suggestion=pushed.choices,
            note="review it again",
        )

    c = store.conflict(conflict_id)
    assert c is not None
    assert c.status == "open" and c.choices is None and c.suggestion == CHOICES
    assert c.resolved_at is None and c.resolved_by is None


def test_following_our_own_write_moves_only_the_matching_version(
    store: Store, conflict_id: int, link_id: int
) -> None:
    with store.transaction():
        store.follow_own_write(link_id, "b", "16", "99")  # not the version it holds
        store.follow_own_write(link_id, "a", "3", "4")
    c = store.conflict(conflict_id)
    assert c is not None and (c.a_version, c.b_version) == ("4", "17")


def test_keyset_pages_cover_every_conflict_once_in_id_order(store: Store, profile: Profile) -> None:
    ids = [
        open_field_conflict(
            store, profile.id, store.placeholder_link(profile.id, "customer", "a", f"0cu{i:02}")
        )
        for i in range(7)
    ]
    pages: list[list[int]] = []
    after = 0
    while True:
        page = [c.id for c in store.conflicts(profile.id, after_id=after, limit=3)]
        if not page:
            break
        pages.append(page)
        after = page[-1]

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == ids


def test_pages_respect_status_and_entity_filters(store: Store, profile: Profile) -> None:
    def conflict_for(entity: str, rid: str) -> int:
        link = store.placeholder_link(profile.id, entity, "a", rid)
        return open_field_conflict(store, profile.id, link, entity=entity)

    c1, v1, c2, c3, c4 = (
        conflict_for("customer", "c1"),
        conflict_for("vendor", "v1"),
        conflict_for("customer", "c2"),
        conflict_for("customer", "c3"),
        conflict_for("customer", "c4"),
    )
    store.resolve_conflict(c2, CHOICES, actor="alice")
    with store.transaction():
        store.set_conflict_status(c3, "pushed")

    first = store.conflicts(profile.id, entity="customer", limit=2)
    second = store.conflicts(profile.id, entity="customer", after_id=first[-1].id, limit=2)
    assert [c.id for c in first] == [c1, c2]
    assert [c.id for c in second] == [c4]
    assert [c.id for c in store.conflicts(profile.id, statuses=("pushed",))] == [c3]
    assert [c.id for c in store.conflicts(profile.id, statuses=("open",))] == [c1, v1, c4]


def test_conflict_counts_group_by_status_then_entity_for_one_profile(
    store: Store, profile: Profile
) -> None:
    other = store.save_profile("globex", "bill", "qbo", {}, {})

    def conflict_for(pid: int, entity: str, rid: str) -> int:
        link = store.placeholder_link(pid, entity, "a", rid)
        return open_field_conflict(store, pid, link, entity=entity)

    conflict_for(profile.id, "customer", "c1")
    resolved = conflict_for(profile.id, "customer", "c2")
    conflict_for(profile.id, "vendor", "v1")
    pushed = conflict_for(profile.id, "invoice", "i1")
    conflict_for(other.id, "customer", "c1")
    store.resolve_conflict(resolved, CHOICES, actor="alice")
    with store.transaction():
        store.set_conflict_status(pushed, "pushed")

    assert store.conflict_counts(profile.id) == {
        "open": {"customer": 1, "vendor": 1},
        "resolved": {"customer": 1},
        "pushed": {"invoice": 1},
    }
    assert store.conflict_counts(other.id) == {"open": {"customer": 1}}


def test_a_conflict_is_only_visible_through_its_own_profile(
    store: Store, profile: Profile, conflict_id: int
) -> None:
    other = store.save_profile("globex", "bill", "qbo", {}, {})
    assert store.conflict(conflict_id, profile.id) is not None
    assert store.conflict(conflict_id, other.id) is None
    assert store.conflicts(other.id) == []


def test_match_conflict_keeps_its_candidates(store: Store, profile: Profile) -> None:
    a_link = store.placeholder_link(profile.id, "customer", "a", "0cu01")
    b_links = [store.placeholder_link(profile.id, "customer", "b", rid) for rid in ("58", "59")]
    with store.transaction():
        cid = store.open_conflict(
            profile.id,
            a_link,
            "customer",
            "match",
            {"name": {"a": "Acme Ltd"}},
            "1",
            None,
            None,
            candidates=b_links,
            note="two records share the name",
        )
    c = store.conflict(cid)
    assert c is not None
    assert c.kind == "match" and c.candidates == b_links
    assert c.note == "two records share the name"
