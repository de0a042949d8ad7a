"""Step 8, Match review, headless: the review of both systems' records (exact pairs checked,
near-duplicates suggested unchecked with the fields that decide, records on one side only),
its rules (a record in one pair at most, links by hand), and the saved decisions: checked
before they are kept, nothing linked or written by the review itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from setup_matches_world import TWINS, MatchWorld, in_process, names

from recontui.sandbox import Sandbox, SandboxConfig
from recontui.setup.matches import (
    APART_KEY,
    LINKS_KEY,
    Chosen,
    Pair,
    PairKind,
    Record,
    Review,
    deciding_fields,
    review,
    save_review,
    saved_choices,
)


def demo_world(tmp_path: Path) -> tuple[MatchWorld, Sandbox]:
    sandbox = Sandbox(SandboxConfig(seed=7, scenario="demo"))
    world = in_process(tmp_path, sandbox)
    world.add_twins()
    world.read_both()
    return world, sandbox


def by_names(found: Review) -> dict[tuple[str, str], Pair]:
    return {(p.a.name, p.b.name): p for p in found.pairs}


def test_the_demo_books_review_pairs_suggestions_and_one_sided_records(tmp_path: Path) -> None:
    world, sandbox = demo_world(tmp_path)
    books = sandbox.snapshot()
    found = review(world.store, world.profile)

    # The near-duplicates entered in each system are suggested, unchecked, with their score.
    similar = [p for p in found.pairs if p.kind is PairKind.SIMILAR]
    assert sorted((p.entity, p.a.name, p.b.name) for p in similar) == sorted(
        (entity, a["name"], b["name"]) for entity, (a, b) in TWINS.items()
    )
    assert all(p.key not in found.checked for p in similar)
    assert all(p.score is not None and 80 <= p.score <= 100 for p in similar)
    assert found.pairs[: len(similar)] == similar  # the ones to look at come first
    northwind = by_names(found)[("Northwind Traders, Inc.", "Northwind Traders Inc")]
    assert northwind.why == "score 100, same e-mail domain"
    rows = {label: (a, b) for label, a, b in deciding_fields(world.store, world.profile, northwind)}
    assert rows["Email"] == ("ap@northwind.test", "o@northwind.test")
    assert rows["Phone"] == ("", "(503) 555-0100")

    # Every record both systems hold alike is an exact pair, checked: the first sync links it.
    exact = [p for p in found.pairs if p.kind is PairKind.EXACT]
    assert exact and all(p.key in found.checked and p.score == 100 for p in exact)
    customers = names(books, "customer", active=False)
    shared = set(customers["bill"]) & set(customers["qbo"])
    assert {p.a.name for p in exact if p.entity == "customer"} == shared

    # The rest is on one side only, and would be created on the other.
    twins = {side: {fields[i]["name"] for fields in TWINS.values()} for i, side in enumerate("ab")}
    for side, system, other in (("a", "bill", "qbo"), ("b", "qbo", "bill")):
        for entity in ("customer", "vendor"):
            held = names(books, entity, active=False)
            alone = set(held[system]) - set(held[other]) - twins[side]
            listed = {r.name for r in found.only[side] if r.entity == entity}
            assert listed == alone, (side, entity)
    assert found.only["a"] and found.only["b"]
    assert all(r.creates for side in "ab" for r in found.only[side])

    summary = found.summary()
    assert f"{len(found.checked)} pairs to link" in summary
    assert "3 suggested, unchecked: asked in the conflict queue" in summary
    assert f"{len(found.only['a'])} to create in QuickBooks Online" in summary
    assert f"{len(found.only['b'])} to create in BILL" in summary
    # The review wrote nothing: every record still waits unpaired, nothing planned.
    assert world.store.op_counts(world.profile.id) == {}
    assert world.store.conflict_counts(world.profile.id) == {}
    assert sandbox.snapshot() == books


def test_northwind_is_suggested_and_the_first_sync_creates_neither(tmp_path: Path) -> None:
    """ "Northwind Traders, Inc." in BILL and "Northwind Traders Inc" in QuickBooks: one
    suggested pair, not two creates; left unchecked, the first sync asks about it."""
    sandbox = Sandbox(SandboxConfig(seed=7, scenario="empty"))
    world = in_process(tmp_path, sandbox)
    world.add_twins({"customer": TWINS["customer"]})
    world.read_both()
    found = review(world.store, world.profile)
    customers = [p for p in found.pairs if p.entity == "customer"]
    assert [(p.kind, p.a.name, p.b.name) for p in customers] == [
        (PairKind.SIMILAR, "Northwind Traders, Inc.", "Northwind Traders Inc")
    ]
    assert {p.entity for p in found.pairs} == {"customer", "account"}  # the empty books' chart
    assert found.only == {"a": [], "b": []}
    assert found.summary().endswith("0 to create in QuickBooks Online · 0 to create in BILL")
    chosen = found.chosen()
    assert save_review(world.store, world.profile, chosen.links, chosen.apart, actor="t") is None
    before = names(sandbox.snapshot(), "customer")

    saved = saved_choices(world.store, world.profile)
    result = world.run(links=saved.links, apart=saved.apart)
    assert result.exit_code == 1, result.message  # a question waits
    assert names(sandbox.snapshot(), "customer") == before  # created on neither side
    (conflict,) = world.store.conflicts(world.profile.id, statuses=("open",))
    assert conflict.kind == "match" and "similar name" in (conflict.note or "")


# -- the review's rules, without a system ------------------------------------------------
def rec(link: int, side: str, name: str, entity: str = "customer") -> Record:
    return Record(link, side, entity, name, f"r{link}", {"name": name})  # type: ignore[arg-type]


def small_review() -> Review:
    """Two exact pairs; billing record 5 has two suggested twins (6 and 7)."""
    found = Review({"a": "BILL", "b": "QuickBooks Online"})
    found.pairs = [
        Pair(PairKind.SIMILAR, rec(5, "a", "Acme Supply"), rec(6, "b", "Acme Supplies"), 95, ""),
        Pair(PairKind.SIMILAR, rec(5, "a", "Acme Supply"), rec(7, "b", "ACME Supply Co"), 90, ""),
        Pair(PairKind.EXACT, rec(1, "a", "Oak Cafe"), rec(2, "b", "Oak Cafe"), 100, "same email"),
        Pair(PairKind.EXACT, rec(3, "a", "Elm Inn"), rec(4, "b", "Elm Inn"), 100, "same email"),
    ]
    found.only = {
        "a": [rec(8, "a", "Birch Hall"), rec(10, "a", "Widget", "item")],
        "b": [rec(9, "b", "Birch Hall Ltd")],
    }
    found.checked = {(1, 2), (3, 4)}
    return found


def test_a_record_is_checked_in_one_pair_at_most() -> None:
    found = small_review()
    assert found.toggle((5, 6)) == []
    rivals = found.toggle((5, 7))  # the other twin of record 5: the first is unchecked
    assert [p.key for p in rivals] == [(5, 6)]
    assert found.checked == {(1, 2), (3, 4), (5, 7)}
    assert found.check_all([(5, 6), (5, 7)], on=True) == 0  # 5 is taken: nothing changes
    assert found.check_all([(1, 2), (3, 4), (5, 7)], on=False) == 3
    assert found.checked == set()


def test_unchecked_exact_pairs_are_kept_apart_and_checked_suggestions_linked() -> None:
    found = small_review()
    assert found.chosen() == Chosen((), ())
    assert found.counts() == {"link": 2, "asked": 1, "create_in_b": 1 + 1, "create_in_a": 1}
    found.toggle((3, 4))  # not the same: each is created on the other side
    found.toggle((5, 6))
    assert found.chosen() == Chosen(((5, 6),), (3,))
    # Record 7 lost its only suggestion to 6: nothing asks about it, so it is created.
    assert found.counts() == {"link": 2, "asked": 0, "create_in_b": 3, "create_in_a": 3}


def test_linking_by_hand_and_unlinking() -> None:
    found = small_review()
    problem = found.link_by_hand(10, 9)
    assert problem is not None and "Widget" in problem and "customer" in problem
    assert found.link_by_hand(8, 2) is not None  # 2 is not on a one-sided list
    assert found.link_by_hand(8, 9) is None
    mine = found.pair((8, 9))
    assert mine is not None and mine.kind is PairKind.YOURS and (8, 9) in found.checked
    assert [r.link for r in found.only["a"]] == [10] and found.only["b"] == []
    assert found.chosen().links == ((8, 9),)
    assert found.unlink((1, 2)) is not None  # a suggestion is unchecked, not unlinked
    assert found.unlink((8, 9)) is None
    assert {r.link for r in found.only["a"]} == {8, 10} and found.only["b"][0].link == 9
    assert found.chosen().links == ()


# -- saving ----------------------------------------------------------------------------
#: Two customers nothing suggests as a pair (a person may still know they are one).
STRANGERS = {"customer": ({"name": "Birch Hall", "email": "b@birchhall.test"}, {"name": "Oakwood"})}


@pytest.fixture
def twins_read(tmp_path: Path) -> MatchWorld:
    world = in_process(tmp_path, Sandbox(SandboxConfig(seed=7, scenario="empty")))
    world.add_twins()
    world.add_twins(STRANGERS)
    world.read_both()
    return world


def link_named(world: MatchWorld, entity: str, side: str, name: str) -> int:
    for link in world.store.unpaired_links(world.profile.id, entity, side):  # type: ignore[arg-type]
        if (link.fields(side) or {}).get("name") == name:  # type: ignore[arg-type]
            return link.id
    raise AssertionError(f"no {entity} {name!r} on side {side}")


def twin_ids(world: MatchWorld, entity: str) -> tuple[int, int]:
    a, b = TWINS[entity]
    return link_named(world, entity, "a", a["name"]), link_named(world, entity, "b", b["name"])


def test_saved_decisions_are_checked_and_come_back_in_the_review(twins_read: MatchWorld) -> None:
    world = twins_read
    store, profile = world.store, world.profile
    cust, vend, item = (twin_ids(world, e) for e in ("customer", "vendor", "item"))
    # A record in two pairs, a pair across entities, a record of the wrong side: refused,
    # one sentence each, nothing saved.
    twice = [cust, (cust[0], link_named(world, "customer", "b", "Oakwood"))]
    assert "two pairs" in (save_review(store, profile, twice, [], actor="t") or "")
    across = save_review(store, profile, [(cust[0], vend[1])], [], actor="t")
    assert "cannot be linked" in (across or "")
    wrong = save_review(store, profile, [(cust[1], cust[0])], [], actor="t")
    assert "no longer a record only in BILL" in (wrong or "")
    kept = save_review(store, profile, [], [item[1]], actor="t")
    assert "no longer a record only in BILL" in (kept or "")
    assert LINKS_KEY not in store.settings(profile.id)

    assert save_review(store, profile, [cust, vend], [], actor="t") is None
    assert saved_choices(store, profile) == Chosen((cust, vend), ())
    assert store.settings(profile.id)[APART_KEY] == []
    again = review(store, profile)
    similar = {p.key for p in again.pairs if p.kind is PairKind.SIMILAR}
    assert similar == {cust, vend, item}
    assert {k for k in similar if k in again.checked} == {cust, vend}
    # Nothing is linked before the first sync.
    for link_id in (*cust, *vend):
        link = store.link(link_id)
        assert link is not None and link.state == "unpaired"


def test_a_pair_made_by_hand_is_saved_and_made_again(twins_read: MatchWorld) -> None:
    world = twins_read
    store, profile = world.store, world.profile
    found = review(store, profile)
    birch = link_named(world, "customer", "a", "Birch Hall")
    oak = link_named(world, "customer", "b", "Oakwood")
    assert {r.link for r in found.only["a"]} == {birch}
    assert {r.link for r in found.only["b"]} == {oak}
    assert found.link_by_hand(birch, oak) is None
    chosen = found.chosen()
    assert chosen.links == ((birch, oak),)
    assert save_review(store, profile, chosen.links, chosen.apart, actor="t") is None
    again = review(store, profile)
    pair = again.pair((birch, oak))
    assert pair is not None and pair.kind is PairKind.YOURS and pair.key in again.checked
    assert again.only == {"a": [], "b": []}
    exact = sum(p.kind is PairKind.EXACT for p in again.pairs)  # the empty books' accounts
    assert again.summary().startswith(f"{exact + 1} pairs to link · 3 suggested")
