"""Step 8, Match review: which records the first sync would link, which it would ask a person
about, and which it would create on the other side, for a person to see and change before
anything is linked or written.

Computed from the records step 4 read into the store (unpaired links on each side) with the
engine's own matching: ``engine.match`` for the exact pairs (what the first sync links by
itself), ``engine.fuzzy`` for the plausible twins (what it would ask about in the conflict
queue). Only list entities: transactions are matched by number and party, once their
parties are linked, in the first sync itself.

A person's decisions are kept in the profile's settings (``setup.links``: pairs to link,
``setup.apart``: exact pairs kept apart) and nothing is linked here: the first sync links
them at the start of its plan (``RunOptions.links``/``apart``, run/chosen.py). A suggested
pair left unchecked stays the engine's question: the first sync opens a match conflict for
it, and creates neither record on the other side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..engine import Candidate, match_records
from ..engine.fuzzy import find_twins
from ..model import ENTITIES, ORDER, SIDES, FieldType, RemoteRef, Side, display, is_blank
from ..run import policy_from
from ..run.chosen import alone
from ..store import Link, Profile, Store
from ..wiring import system_label

LINKS_KEY = "setup.links"
APART_KEY = "setup.apart"

#: The address fields, shown as one "Address" row.
ADDRESS = ("address_line1", "city", "region", "postal_code", "country")


class PairKind(StrEnum):
    """Why a pair is on the Suggested pairs list."""

    EXACT = "exact"  # equal key: the first sync links it by itself
    SIMILAR = "similar"  # plausible twin (engine/fuzzy): asked, unless checked
    SHARED = "shared"  # a key several records share: asked, unless checked
    YOURS = "yours"  # linked by hand


@dataclass(frozen=True)
class Record:
    """One record as the review shows it."""

    link: int
    side: Side
    entity: str
    name: str
    remote_id: str
    fields: Mapping[str, Any]
    #: Whether the first sync would create it on the other side, or why not.
    creates: bool = True
    why_not: str = ""

    @property
    def label(self) -> str:
        return ENTITIES[self.entity].label


@dataclass(frozen=True)
class Pair:
    """Two records, one per side, that may be one."""

    kind: PairKind
    a: Record
    b: Record
    #: Name similarity 0-100 (100 for an exact key), None for a shared key or by hand.
    score: int | None
    #: What decided it: "same email", "score 96, same phone", "you".
    why: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.a.link, self.b.link)

    @property
    def entity(self) -> str:
        return self.a.entity


@dataclass(frozen=True)
class Chosen:
    """The saved decisions, as a run takes them (``RunOptions.links``/``apart``)."""

    links: tuple[tuple[int, int], ...] = ()
    apart: tuple[int, ...] = ()


@dataclass
class Review:
    """The suggested pairs, the records on one side only, and which pairs are checked.

    Mutable: the screen toggles, links and unlinks through it, so every rule (a record is
    in one checked pair at most, a pair by hand joins two records of one entity, one per
    side) lives here and is tested without a screen."""

    labels: dict[Side, str]
    pairs: list[Pair] = field(default_factory=list)
    only: dict[Side, list[Record]] = field(default_factory=lambda: {"a": [], "b": []})
    checked: set[tuple[int, int]] = field(default_factory=set)

    # -- decisions --------------------------------------------------------
    def toggle(self, key: tuple[int, int]) -> list[Pair]:
        """Check or uncheck a pair; checking unchecks the pairs sharing a record with it,
        which are returned (a record is linked to one record at most)."""
        if key in self.checked:
            self.checked.discard(key)
            return []
        return self.check(key)

    def check(self, key: tuple[int, int]) -> list[Pair]:
        rivals = [
            p
            for p in self.pairs
            if p.key != key and p.key in self.checked and (p.a.link == key[0] or p.b.link == key[1])
        ]
        for p in rivals:
            self.checked.discard(p.key)
        self.checked.add(key)
        return rivals

    def check_all(self, keys: Iterable[tuple[int, int]], on: bool) -> int:
        """Check (``on``) or uncheck the pairs ``keys``; a pair whose record another
        checked pair holds stays unchecked. Returns how many changed."""
        changed = 0
        for key in keys:
            if not on and key in self.checked:
                self.checked.discard(key)
                changed += 1
            elif on and key not in self.checked and not self.taken(key):
                self.checked.add(key)
                changed += 1
        return changed

    def taken(self, key: tuple[int, int]) -> bool:
        return any(k[0] == key[0] or k[1] == key[1] for k in self.checked if k != key)

    def link_by_hand(self, a_link: int, b_link: int) -> str | None:
        """Pair a record only in billing with one only in accounting; a sentence when not."""
        a = next((r for r in self.only["a"] if r.link == a_link), None)
        b = next((r for r in self.only["b"] if r.link == b_link), None)
        if a is None or b is None:
            return (
                f"Mark a record in Only in {self.labels['a']} (m), then choose one in Only in "
                f"{self.labels['b']} and link them (l)."
            )
        if a.entity != b.entity:
            return (
                f"{a.label} {a.name!r} can only be linked to another {a.label.lower()}, and "
                f"{b.name!r} is a {b.label.lower()}: choose another record."
            )
        pair = Pair(PairKind.YOURS, a, b, None, "linked by you")
        self.only["a"].remove(a)
        self.only["b"].remove(b)
        self.pairs.insert(0, pair)
        self.checked.add(pair.key)
        return None

    def unlink(self, key: tuple[int, int]) -> str | None:
        """Take a pair made by hand apart: its records go back to their lists."""
        pair = self.pair(key)
        if pair is None or pair.kind is not PairKind.YOURS:
            return "Only a pair you linked by hand can be unlinked: uncheck a suggestion (space)."
        self.pairs.remove(pair)
        self.checked.discard(key)
        self.only["a"].insert(0, pair.a)
        self.only["b"].insert(0, pair.b)
        return None

    def pair(self, key: tuple[int, int]) -> Pair | None:
        return next((p for p in self.pairs if p.key == key), None)

    # -- what it means ----------------------------------------------------
    def chosen(self) -> Chosen:
        """What to save: the checked pairs the engine would not link by itself, and the
        exact pairs unchecked (kept apart: each record created on the other side)."""
        links = tuple(
            p.key for p in self.pairs if p.kind is not PairKind.EXACT and p.key in self.checked
        )
        apart = tuple(
            p.a.link for p in self.pairs if p.kind is PairKind.EXACT and p.key not in self.checked
        )
        return Chosen(links, apart)

    def counts(self) -> dict[str, int]:
        """What the first sync would do with the review as it stands: pairs it links,
        records it asks about (one match conflict per billing record of an unchecked
        suggestion whose records no checked pair holds), and creates on each side (records
        on one side only, and those of pairs left unchecked and asked about by nothing)."""
        held = {link for key in self.checked for link in key}
        live = [
            p
            for p in self.pairs
            if p.kind in (PairKind.SIMILAR, PairKind.SHARED)
            and p.key not in self.checked
            and p.a.link not in held
            and p.b.link not in held
        ]
        waiting = {link for p in live for link in p.key}
        creates = {side: sum(r.creates for r in self.only[side]) for side in SIDES}
        loose = {
            r.link: r
            for p in self.pairs
            if p.key not in self.checked
            for r in (p.a, p.b)
            if r.link not in held and r.link not in waiting
        }
        for r in loose.values():
            creates[r.side] += r.creates
        return {
            "link": len(self.checked),
            "asked": len({p.a.link for p in live}),
            "create_in_b": creates["a"],
            "create_in_a": creates["b"],
        }

    def summary(self) -> str:
        """One line: "12 pairs to link · 3 suggested, unchecked: asked in the conflict
        queue · 40 to create in QuickBooks Online · 7 to create in BILL"."""
        c = self.counts()
        parts = [f"{c['link']} {'pair' if c['link'] == 1 else 'pairs'} to link"]
        if c["asked"]:
            parts.append(f"{c['asked']} suggested, unchecked: asked in the conflict queue")
        parts.append(f"{c['create_in_b']} to create in {self.labels['b']}")
        parts.append(f"{c['create_in_a']} to create in {self.labels['a']}")
        return " · ".join(parts)


# -- computing the review -----------------------------------------------------
def _fields_of(link: Link, side: Side) -> dict[str, Any]:
    raw = link.fields(side) or {}
    return {f.name: raw.get(f.name) for f in ENTITIES[link.entity].fields}


@dataclass(frozen=True)
class _Copying:
    """What decides whether the first sync creates a one-sided record on the other side
    (as run/matching.py ``create_unmatched`` decides it)."""

    direction: str
    labels: Mapping[Side, str]
    include_inactive: bool = False


def _record(link: Link, side: Side, copying: _Copying) -> Record:
    spec = ENTITIES[link.entity]
    fields = link.fields(side) or {}
    target: Side = "b" if side == "a" else "a"
    direction, labels = copying.direction, copying.labels
    why_not = ""
    if fields.get("active") is False and not copying.include_inactive:
        why_not = "inactive: not copied"
    elif direction not in ("both", f"{side}_to_{target}"):
        why_not = f"not copied to {labels[target]} (direction)"
    return Record(
        link.id,
        side,
        link.entity,
        spec.title(fields) or str(link.remote_id(side) or ""),
        str(link.remote_id(side) or ""),
        fields,
        creates=not why_not,
        why_not=why_not,
    )


def review_entity(
    entity: str,
    links: Mapping[Side, Sequence[Link]],
    direction: str,
    labels: Mapping[Side, str],
    *,
    include_inactive: bool = False,
) -> tuple[list[Pair], dict[Side, list[Record]]]:
    """One entity's pairs and one-sided records, by the engine's matching: exact keys, then
    plausible twins among the records left over (every pair: at the first sync every record
    is new). Ambiguous keys are suggested as pairs too: the engine would ask about them."""
    spec = ENTITIES[entity]
    live = {side: [k for k in links[side] if not k.deleted(side)] for side in SIDES}
    copying = _Copying(direction, labels, include_inactive)
    records = {side: {k.id: _record(k, side, copying) for k in live[side]} for side in SIDES}
    cands = {side: [Candidate(k.id, _fields_of(k, side)) for k in live[side]] for side in SIDES}
    result = match_records(spec, cands["a"], cands["b"])
    pairs = [
        Pair(PairKind.EXACT, records["a"][a], records["b"][b], 100, f"same {'+'.join(key)}")
        for a, b, key in result.pairs
    ]
    for a, b_ids, key in result.ambiguous:
        why = f"{'+'.join(key)} shared by {len(b_ids)} {labels['b']} records"
        pairs += [Pair(PairKind.SHARED, records["a"][a], records["b"][b], None, why) for b in b_ids]
    left = {"a": set(result.unmatched_a), "b": set(result.unmatched_b)}
    twins = find_twins(
        spec,
        [c for c in cands["a"] if c.key in left["a"]],
        [c for c in cands["b"] if c.key in left["b"]],
    )
    asked: set[int] = set()
    for a, found in twins.items():
        for t in found:
            pairs.append(
                Pair(PairKind.SIMILAR, records["a"][a], records["b"][t.b], t.score, t.describe())
            )
            asked.update((a, t.b))
    only = {side: [records[side][k] for k in sorted(left[side] - asked)] for side in SIDES}
    return pairs, only


def review(store: Store, profile: Profile) -> Review:
    """The review of every list entity the profile holds records of, with the decisions
    saved earlier applied (exact pairs checked unless kept apart, suggestions unchecked
    unless chosen, pairs made by hand made again)."""
    labels: dict[Side, str] = {
        "a": system_label(profile.a_system),
        "b": system_label(profile.b_system),
    }
    policy = policy_from(store, profile)
    inactive = store.profile_settings(profile.id).include_inactive
    out = Review(labels)
    for entity in ORDER:
        spec = ENTITIES[entity]
        if spec.kind != "list" or not spec.synced:
            continue
        links = {side: store.unpaired_links(profile.id, entity, side) for side in SIDES}
        if not links["a"] and not links["b"]:
            continue
        pairs, only = review_entity(
            entity, links, policy.direction(entity), labels, include_inactive=inactive
        )
        out.pairs += pairs
        for side in SIDES:
            out.only[side] += only[side]
    out.pairs.sort(
        key=lambda p: (
            p.kind is PairKind.EXACT,
            ORDER.index(p.entity),
            -(p.score or 0),
            p.a.name.casefold(),
        )
    )
    out.checked = {p.key for p in out.pairs if p.kind is PairKind.EXACT}
    _apply(out, saved_choices(store, profile))
    return out


def _apply(out: Review, chosen: Chosen) -> None:
    """Saved decisions over a fresh review (those no longer possible are dropped)."""
    apart = set(chosen.apart)
    for p in out.pairs:
        if p.kind is PairKind.EXACT and p.a.link in apart:
            out.checked.discard(p.key)
    for a_link, b_link in chosen.links:
        if out.pair((a_link, b_link)) is not None:
            out.check((a_link, b_link))
        else:
            out.link_by_hand(a_link, b_link)  # gone since: nothing happens


# -- saving -------------------------------------------------------------------
def saved_choices(store: Store, profile: Profile) -> Chosen:
    """The decisions saved by :func:`save_review` (none when it never ran)."""
    settings = store.settings(profile.id)
    try:
        links = tuple((int(a), int(b)) for a, b in settings.get(LINKS_KEY) or ())
        apart = tuple(int(a) for a in settings.get(APART_KEY) or ())
    except (TypeError, ValueError):
        return Chosen()
    return Chosen(links, apart)


def check_choices(
    store: Store,
    profile: Profile,
    links: Sequence[tuple[int, int]],
    apart: Sequence[int],
) -> str | None:
    """Whether the decisions can be carried out: one sentence saying what is wrong, or None."""
    labels: dict[Side, str] = {side: system_label(profile.system(side)) for side in SIDES}
    seen: set[int] = set()
    for a_link, b_link in links:
        ends: tuple[tuple[int, Side], ...] = ((a_link, "a"), (b_link, "b"))
        for link_id, side in ends:
            if not alone(store.link(link_id), side):
                return (
                    f"Record #{link_id} is no longer a record only in {labels[side]}: it was "
                    "linked or removed since both systems were read. Go back a step and come "
                    "back to review the records afresh."
                )
            if link_id in seen:
                return f"Record #{link_id} is in two pairs: a record links to one record only."
            seen.add(link_id)
        a, b = store.link(a_link), store.link(b_link)
        if a is not None and b is not None and a.entity != b.entity:
            return (
                f"Record #{a_link} is a {a.entity} and #{b_link} a {b.entity}: they cannot be "
                "linked."
            )
    for link_id in apart:
        if link_id in seen:
            return f"Record #{link_id} is both linked and kept apart: choose one."
        if not alone(store.link(link_id), "a"):
            return (
                f"Record #{link_id} is no longer a record only in {labels['a']}: go back a step "
                "and come back to review the records afresh."
            )
        seen.add(link_id)
    return None


def save_review(
    store: Store,
    profile: Profile,
    links: Sequence[tuple[int, int]],
    apart: Sequence[int],
    *,
    actor: str,
) -> str | None:
    """Check the decisions and keep them in the profile's settings for the first sync; one
    sentence saying what is wrong (nothing saved), or None. Nothing is linked here."""
    problem = check_choices(store, profile, links, apart)
    if problem:
        return problem
    stored = store.settings(profile.id)
    wanted = {LINKS_KEY: [list(pair) for pair in links], APART_KEY: list(apart)}
    with store.transaction():
        for key, value in wanted.items():
            if stored.get(key) != value:  # each change audited; no change, no entry
                store.set_setting(profile.id, key, value, actor=actor)
    return None


# -- the deciding fields ------------------------------------------------------
def _shown(store: Store, profile: Profile, record: Record) -> dict[str, str]:
    """Row label -> the record's value as shown."""
    spec = ENTITIES[record.entity]
    fields = record.fields
    out: dict[str, str] = {}
    for fspec in spec.fields:
        name = fspec.name
        value = fields.get(name)
        if name in ADDRESS:
            if name == "address_line1":
                parts = [display(spec.field(n), fields.get(n)) for n in ADDRESS]
                out["Address"] = ", ".join(p for p in parts if p)
            continue
        if fspec.type is FieldType.LINES:
            continue
        if isinstance(value, RemoteRef):
            target = store.link_for_remote(profile.id, value.entity, record.side, value.remote_id)
            link = store.link(target) if target is not None else None
            known = ENTITIES[link.entity].title(link.fields(record.side)) if link else ""
            out[fspec.title] = known or display(fspec, value)
        else:
            out[fspec.title] = "" if is_blank(value) else display(fspec, value)
    return out


def deciding_fields(store: Store, profile: Profile, pair: Pair) -> list[tuple[str, str, str]]:
    """(field, billing's value, accounting's value) for the fields either record holds, in
    the entity's order: the name, e-mail, phone, address, totals... that tell whether the
    two are one."""
    a, b = _shown(store, profile, pair.a), _shown(store, profile, pair.b)
    return [(label, a[label], b.get(label, "")) for label in a if a[label] or b.get(label)]


def record_fields(store: Store, profile: Profile, record: Record) -> list[tuple[str, str]]:
    """(field, value) of one record, for the fields it holds."""
    return [(label, value) for label, value in _shown(store, profile, record).items() if value]
