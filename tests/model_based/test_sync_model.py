"""Exit 0 means the books agree, whatever people, the network and kill -9 did before.

A hypothesis state machine over the stand-ins: people edit, create, delete (QuickBooks) and
archive (BILL) records through the stand-ins' APIs and decide conflicts the way the CLI
saves decisions (a side, a value of their own, keep both, ignore, link); runs meet faults
on the wire (429, 500, answers lost after the write landed, truncated answers) and die at
chosen points (kill -9 while pulling, planning, pushing, before or after a write landed,
or a cancel at the next safe point). After every run:

- nothing raised but what was expected, and the database is sound;
- no natural key is held by more live records on a side than people made;
- every saved decision is still resolved, pushed, superseded with a reason, or back in the
  queue with the choice kept as a suggestion: never silently dropped;
- exit 0 only when a full, independent read of both systems (the test's own comparison
  and `recontui verify`) finds no disagreement, and exit 1 (a person must decide) only
  when `recontui verify` finds one.

At the end the faults stop and a person decides every open conflict (side a, side b for
one that comes back because a system refused a's value; a deleted record is kept (deleted
on both sides if keeping it comes back refused); a
match is linked to each free candidate in turn, then kept apart, then ignored): within
CONVERGE_RUNS runs, one must exit 0, and the run after it must push nothing.

RECONTUI_MODEL_EXAMPLES (default 10) and RECONTUI_MODEL_STEPS (default 25) make it
longer; RECONTUI_MODEL_SHRINK_SECONDS (default 120) bounds the shrinking of a failure. A
failure prints its steps and a ``@reproduce_failure`` blob; the sequences it found for
issue 9 are replayed by ``test_sync_model_sequences.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from agreement import disagreements
from books import KEYS, Books, Key, duplicates, field_keys, live, record_keys
from decisions import lost_decisions
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from model_world import START, Kill, ModelWorld, Outcome

from recontui.connectors.base import ConnectorError
from recontui.decisions import ResolveError, resolve_conflict
from recontui.model import ENTITIES, FieldType, RemoteRef, normalize
from recontui.sandbox.faults import FaultPlan
from recontui.store import Conflict

EXAMPLES = int(os.environ.get("RECONTUI_MODEL_EXAMPLES", "10"))
STEPS = int(os.environ.get("RECONTUI_MODEL_STEPS", "25"))
#: How long a failure's example is shrunk before it is shown.
SHRINK_SECONDS = float(os.environ.get("RECONTUI_MODEL_SHRINK_SECONDS", "120"))
#: Runs a person may need, once the faults stop, to see exit 0.
CONVERGE_RUNS = 5
#: The books a model starts from (the first shrinks best: examples prefer it).
COMPANIES: dict[str, dict[str, Any]] = {
    "demo, 200 records a side": {"scenario": "demo", "size": 200},
    "conflicts (700 a side, 33 conflicts)": {"scenario": "conflicts"},
}

SIDES = st.sampled_from(["a", "b"])
#: Fields people edit, per entity (key fields get fresh values, see ``new_value``).
EDITABLE: dict[str, tuple[str, ...]] = {
    "customer": ("company_name", "phone", "address_line1", "city", "email", "name"),
    "vendor": ("company_name", "phone", "address_line1", "city", "email", "name"),
    "invoice": ("memo", "due_date", "lines"),
    "bill": ("memo", "due_date", "lines"),
    "payment": ("memo", "amount"),
}
POOLS: dict[str, list[Any]] = {
    "company_name": ["Acme Holdings", "Blue Fern Studio", "Granite & Co"],
    "phone": ["(555) 010-0001", "(555) 010-0002", "(555) 010-0003"],
    "address_line1": ["1 Main St", "22 Oak Ave", "333 Pine Rd"],
    "city": ["Portland", "Seattle", "Denver"],
    "memo": ["Net 30", "Thanks!", "Rush order", None],
    "due_date": [START.date() + dt.timedelta(days=d) for d in (10, 20, 45)],
}
RAISES = [Decimal("1.00"), Decimal("2.50"), Decimal("10.00")]
#: Field types a person can type a value of their own for.
OWN_TYPES = {
    FieldType.TEXT,
    FieldType.NAME,
    FieldType.EMAIL,
    FieldType.PHONE,
    FieldType.CODE,
    FieldType.MONEY,
    FieldType.DATE,
}

fault_plans = st.builds(
    FaultPlan,
    st.dictionaries(
        st.sampled_from(["429", "500", "reset", "garbage"]),
        st.sampled_from([0.05, 0.1, 0.2]),
        min_size=1,
    ),
    st.integers(0, 30),
)
kills = st.one_of(
    st.builds(
        Kill,
        st.sampled_from(["pull", "plan", "push"]),
        st.integers(1, 30) | st.integers(30, 600),
        st.sampled_from(["crash", "cancel"]),
    ),
    st.builds(
        Kill,
        st.just("write"),
        st.integers(1, 12),
        st.sampled_from(["crash", "cancel"]),
        st.booleans(),
    ),
)


def _shown(c: Conflict) -> str:
    """A conflict as a failing example prints it: what a person would look up."""
    return f"{c.id} {c.entity} {c.kind} {c.title!r}: {c.field_names} ({c.status})"


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Marks the machine broken when a step fails, so teardown does not pile on."""

    @functools.wraps(method)
    def run(self: SyncModel, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.broken = True
            raise

    return run


class SyncModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.tmp = Path(tempfile.mkdtemp(prefix="recontui-model-"))
        self.world: ModelWorld = None  # type: ignore[assignment]  # set by `books`
        self.n = 0
        self.synced = False
        #: conflict id -> the choices last saved for it.
        self.saved: dict[int, dict[str, Any]] = {}
        #: (side, entity, remote id) -> field -> the key people last gave that field.
        self.world_keys: dict[tuple[str, str, str], dict[str, Key]] = {}
        #: Keys people made more of by deciding (keep both, ignore, a value of their own).
        self.extra: Counter[Key] = Counter()
        self.last: Outcome | None = None

    @initialize(company=st.sampled_from(list(COMPANIES)))
    @guarded
    def books(self, company: str) -> None:
        """A company kept by hand in both systems: small, or with 33 conflicts waiting."""
        self.world = ModelWorld(self.tmp, **COMPANIES[company])
        books = self.world.read_books()
        for side in ("a", "b"):
            for entity in KEYS:
                for rid, rec in books.side(side).get(entity, {}).items():
                    self.note_keys(side, entity, rid, rec.fields)

    # -- bookkeeping ---------------------------------------------------------------------

    def fresh(self) -> int:
        self.n += 1
        return self.n

    def note_keys(self, side: str, entity: str, rid: str, fields: dict[str, Any]) -> None:
        """People gave this record these key values (the seed, a create, an edit)."""
        if entity not in KEYS:
            return
        keys = self.world_keys.setdefault((side, entity, rid), {})
        for name in KEYS[entity]:
            if name in fields:
                value = fields[name]
                keys[name] = (entity, name, normalize(ENTITIES[entity].field(name), value))

    def allowed(self, books: Books) -> Counter[Key]:
        """Per key, the larger side's count of live records holding a value people gave
        them, plus what people's decisions added."""
        made: dict[str, Counter[Key]] = {"a": Counter(), "b": Counter()}
        for side in ("a", "b"):
            for entity in KEYS:
                for rid, rec in books.side(side).get(entity, {}).items():
                    if not live(rec):
                        continue
                    given = self.world_keys.get((side, entity, rid), {})
                    for key in record_keys(entity, rec):
                        if given.get(key[1]) == key:
                            made[side][key] += 1
        out: Counter[Key] = Counter()
        for key in made["a"].keys() | made["b"].keys():
            out[key] = max(made["a"][key], made["b"][key])
        out.update(self.extra)
        return out

    def linked(self, entity: str, side: str) -> list[str]:
        """Remote ids on ``side`` of paired records of ``entity``, sorted (link ids depend
        on the order the two sides' pages arrived in, remote ids do not)."""
        links = self.world.store.links(self.world.profile.id, entity, where="state='paired'")
        return sorted(
            rid for rid in (link.a_id if side == "a" else link.b_id for link in links) if rid
        )

    # -- the runs --------------------------------------------------------------------------

    def run(self, faults: FaultPlan | None = None, kill: Kill | None = None) -> Outcome:
        outcome = self.world.sync(faults, kill)
        self.last = outcome
        if not outcome.killed:
            self.synced = True
        self.check(outcome)
        return outcome

    def check(self, outcome: Outcome) -> None:
        store, pid = self.world.store, self.world.profile.id
        unsound = self.world.integrity()
        assert not unsound, f"the database is not sound after the run: {unsound}"
        if not outcome.killed:
            assert store.lock_holder(pid) is None, "a finished run let go of the lock"
        self.check_decisions()
        if outcome.exit_code == 1:
            # "A person must decide something": then the books cannot agree yet. (Exit 2
            # may: a write whose answer was lost may have landed. Exit 3 says nothing.)
            assert not self.world.verify().agree, (
                f"run {outcome.result.run_id} exited 1 (waiting for a person) but `recontui "
                "verify` finds the books in agreement"
            )
        counts = outcome.result.counts if outcome.result else {}
        wrote = outcome.killed or counts.get("pushed") or counts.get("push_failed")
        if not wrote and outcome.exit_code != 0:
            return  # nothing was written: no duplicate can have appeared
        books = self.world.read_books()
        dups = duplicates(books, self.allowed(books))
        assert not dups, f"records duplicated by the runs: {dups}"
        if outcome.exit_code == 0:
            problems = disagreements(store, pid, books.a, books.b, books.synced)
            assert problems == [], (
                f"run {outcome.result.run_id} exited 0 but the books differ: {problems[:10]}"
            )
            checked = self.world.verify()
            assert checked.agree, (
                f"run {outcome.result.run_id} exited 0 but `recontui verify` disagrees: "
                f"{[d.to_json() for d in checked.disagreements[:5]]}"
            )

    def check_decisions(self) -> None:
        lost = lost_decisions(self.world.store, self.saved)
        assert not lost, f"decisions dropped: {lost}"

    @rule()
    @guarded
    def sync(self) -> None:
        self.run()

    @rule(faults=fault_plans)
    @guarded
    def sync_with_faults(self, faults: FaultPlan) -> None:
        self.run(faults)

    @rule(kill=kills, faults=st.none() | fault_plans)
    @guarded
    def sync_killed(self, kill: Kill, faults: FaultPlan | None) -> None:
        self.run(faults, kill)

    @rule(seconds=st.sampled_from([5, 90, 2400, 4000]))
    @guarded
    def time_passes(self, seconds: int) -> None:
        """Sessions and tokens expire, cursors age."""
        self.world.clock.advance(seconds)

    # -- people at work in each system -----------------------------------------------------

    def outside(self, action: Callable[[Any], Any]) -> Any:
        """Run ``action(connectors by side)`` against the systems (no faults); a system
        refusing a person's edit is what happens in life, not a failure of the run."""

        async def go() -> Any:
            async with self.world.outside() as (ca, cb):
                try:
                    return await action({"a": ca, "b": cb})
                except ConnectorError:
                    return None

        return asyncio.run(go())

    @rule(data=st.data(), side=SIDES, entity=st.sampled_from(sorted(EDITABLE)))
    @guarded
    def edit(self, data: st.DataObject, side: str, entity: str) -> None:
        if not self.synced:
            return
        ids = self.linked(entity, side)
        if not ids:
            return
        rid = data.draw(st.sampled_from(ids), label="record")
        name = data.draw(st.sampled_from(EDITABLE[entity]), label="field")
        self.edit_record(side, entity, rid, name, data.draw(st.integers(0, 99), label="value"))

    def edit_record(self, side: str, entity: str, rid: str, name: str, pick: int = 0) -> None:
        """A person changes one field of a record in one system."""

        async def act(conns: dict[str, Any]) -> Any:
            conn = conns[side]
            rec = await conn.read(entity, rid)
            if rec is None or not live(rec):
                return None
            value = self.new_value(entity, name, rec.fields, pick)
            return await conn.update(
                entity, rid, rec.version, {name: value}, idempotency_key=f"person-{self.fresh()}"
            )

        done = self.outside(act)
        if done is not None:
            self.note_keys(side, entity, rid, done.fields)

    def new_value(self, entity: str, name: str, fields: dict[str, Any], pick: int) -> Any:
        if name == "name":
            return f"MB Party {self.fresh()}"
        if name == "email":
            return f"mb{self.fresh()}@example.com"
        if name == "amount":
            return fields["amount"] + RAISES[pick % len(RAISES)]
        if name == "lines":
            lines = [dict(line) for line in fields["lines"]]
            first = lines[0]
            first["amount"] += RAISES[pick % len(RAISES)]
            if entity == "invoice":
                first["quantity"], first["unit_price"] = Decimal(1), first["amount"]
            return lines
        pool = POOLS[name]
        return pool[pick % len(pool)]

    @rule(data=st.data(), entity=st.sampled_from(["customer", "vendor"]))
    @guarded
    def rename_to_a_name_taken(self, data: st.DataObject, entity: str) -> None:
        """In BILL, a party gets the name of another one (QuickBooks refuses such names)."""
        if not self.synced:
            return
        ids = self.linked(entity, "a")
        others = self.linked("customer", "a") + self.linked("vendor", "a")
        if not ids or len(others) < 2:
            return
        rid = data.draw(st.sampled_from(ids), label="record")
        taken = data.draw(st.sampled_from([o for o in others if o != rid]), label="name of")
        donor_entity = (
            "customer" if taken in others[: len(self.linked("customer", "a"))] else "vendor"
        )
        self.rename_record(entity, rid, donor_entity, taken)

    def rename_record(self, entity: str, rid: str, donor_entity: str, taken: str) -> None:
        """In BILL, record ``rid`` gets the name record ``taken`` has."""

        async def act(conns: dict[str, Any]) -> Any:
            conn = conns["a"]
            rec = await conn.read(entity, rid)
            donor = await conn.read(donor_entity, taken)
            if rec is None or donor is None or not live(rec):
                return None
            return await conn.update(
                entity,
                rid,
                rec.version,
                {"name": donor.fields["name"]},
                idempotency_key=f"person-{self.fresh()}",
            )

        done = self.outside(act)
        if done is not None:
            self.note_keys("a", entity, rid, done.fields)
            # People made two records share a name on purpose: both are theirs.
            self.extra.update(k for k in field_keys(entity, done.fields) if k[1] == "name")

    @rule(
        data=st.data(),
        side=SIDES,
        entity=st.sampled_from(["customer", "vendor", "invoice", "bill"]),
    )
    @guarded
    def create(self, data: st.DataObject, side: str, entity: str) -> None:
        if not self.synced:
            return
        self.create_record(side, entity, data.draw(st.integers(0, 99), label="pick"))

    def create_record(self, side: str, entity: str, pick: int = 0) -> None:
        """A person enters a new record in one system."""
        n = self.fresh()

        async def act(conns: dict[str, Any]) -> Any:
            conn = conns[side]
            if entity in ("customer", "vendor"):
                fields: dict[str, Any] = {
                    "name": f"MB {entity.title()} {n}",
                    "email": f"new{n}@example.com",
                    "phone": POOLS["phone"][pick % 3],
                    "city": POOLS["city"][pick % 3],
                }
            else:
                fields = await self.transaction_fields(conn, side, entity, n, pick)
                if fields is None:
                    return None
            return await conn.create(entity, fields, idempotency_key=f"person-{n}")

        made = self.outside(act)
        if made is not None:
            self.note_keys(side, entity, made.remote_id, made.fields)

    async def transaction_fields(
        self, conn: Any, side: str, entity: str, n: int, pick: int
    ) -> dict[str, Any] | None:
        """An invoice (or bill) for a linked customer (vendor), with the first line of a
        linked one as its model."""
        party = "customer" if entity == "invoice" else "vendor"
        parties, models = self.linked(party, side), self.linked(entity, side)
        if not parties or not models:
            return None
        model = await conn.read(entity, models[pick % len(models)])
        if model is None or not model.fields.get("lines"):
            return None
        amount = Decimal(100 + pick)
        line = {k: v for k, v in model.fields["lines"][0].items() if v is not None}
        line["amount"] = amount
        if entity == "invoice":
            line["quantity"], line["unit_price"] = Decimal(1), amount
        day = START.date() - dt.timedelta(days=3)
        return {
            "number": f"MB-{n}",
            party: RemoteRef(party, parties[(pick * 7) % len(parties)]),
            "date": day,
            "due_date": day + dt.timedelta(days=30),
            "lines": [line],
        }

    @rule(
        data=st.data(),
        side=SIDES,
        entity=st.sampled_from(["invoice", "bill", "customer", "vendor"]),
    )
    @guarded
    def delete(self, data: st.DataObject, side: str, entity: str) -> None:
        """QuickBooks deletes a transaction (and deactivates a party); BILL archives."""
        if not self.synced:
            return
        ids = self.linked(entity, side)
        if not ids:
            return
        self.delete_record(side, entity, data.draw(st.sampled_from(ids), label="record"))

    def delete_record(self, side: str, entity: str, rid: str) -> None:
        """QuickBooks deletes a transaction (or deactivates a party); BILL archives it."""

        async def act(conns: dict[str, Any]) -> Any:
            conn = conns[side]
            rec = await conn.read(entity, rid)
            if rec is None or not live(rec):
                return None
            return await conn.deactivate(
                entity, rid, rec.version, idempotency_key=f"person-{self.fresh()}"
            )

        self.outside(act)

    @rule()
    @guarded
    def customer_with_two_namesakes(self) -> None:
        """A customer in BILL, and two in QuickBooks with its email: a match for a person."""
        if not self.synced:
            return
        n = self.fresh()
        name, email = f"MB Twin {n}", f"twin{n}@example.com"

        async def act(conns: dict[str, Any]) -> Any:
            made = []
            for side, shown in (("a", name), ("b", name), ("b", f"{name} (Annex)")):
                rec = await conns[side].create(
                    "customer",
                    {"name": shown, "email": email},
                    idempotency_key=f"person-{self.fresh()}",
                )
                made.append((side, rec))
            return made

        for side, rec in self.outside(act) or []:
            self.note_keys(side, "customer", rec.remote_id, rec.fields)

    # -- people deciding ---------------------------------------------------------------------

    def live_conflicts(self) -> list[Conflict]:
        """Open and resolved conflicts, by record (their ids depend on the order in which
        the two sides' pages arrived)."""
        store = self.world.store

        def record(c: Conflict) -> tuple[str, ...]:
            link = store.link(store.canonical_link_id(c.link_id))
            ids = (link.a_id or "", link.b_id or "") if link else ("", "")
            return (c.entity, c.kind, *ids)

        return sorted(
            store.conflicts(self.world.profile.id, statuses=("open", "resolved")), key=record
        )

    @rule(data=st.data())
    @guarded
    def resolve(self, data: st.DataObject) -> None:
        if not self.synced:
            return
        conflicts = self.live_conflicts()
        if not conflicts:
            return
        shown = {_shown(c): c for c in conflicts}
        c = shown[data.draw(st.sampled_from(list(shown)), label="conflict")]
        if c.kind == "match":
            how = data.draw(st.sampled_from(["link", "create", "ignore"]), label="match")
            if how == "link":
                target = data.draw(st.sampled_from(c.candidates or [0]), label="candidate")
                self.decide(c, link_to=target)
            else:
                self.decide(c, **{how: True})
        elif c.kind == "delete":
            self.decide(c, take_all=data.draw(SIDES, label="winner"))
        else:
            picks = []
            for name in sorted(c.fields):
                spec = ENTITIES[c.entity]
                own = spec.has_field(name) and spec.field(name).type in OWN_TYPES
                options = ["a", "b", "own"] if own else ["a", "b"]
                how = data.draw(st.sampled_from(options), label=name)
                picks.append(f"{name}={how}" if how != "own" else self.own_pick(c, name))
            self.decide(c, picks=picks)

    def own_pick(self, c: Conflict, name: str) -> str:
        """``FIELD==VALUE`` as typed at the CLI: a value no side holds."""
        spec = ENTITIES[c.entity].field(name)
        n = self.fresh()
        if spec.type is FieldType.MONEY:
            held = [c.fields[name].get(s) for s in ("a", "b")]
            value = str(max(v for v in held if isinstance(v, Decimal)) + Decimal("1.00"))
        elif spec.type is FieldType.DATE:
            value = (START.date() + dt.timedelta(days=n % 40)).isoformat()
        elif spec.type is FieldType.EMAIL:
            value = f"chosen{n}@example.com"
        elif spec.type is FieldType.PHONE:
            value = f"(555) 020-{n % 10000:04d}"
        else:
            value = f"Chosen {n}"
        if c.entity in KEYS and name in KEYS[c.entity]:
            self.extra[(c.entity, name, normalize(spec, value))] += 1
        return f"{name}=={value}"

    def decide(self, c: Conflict, **how: Any) -> bool:
        """Save a decision as `recontui conflicts resolve` does; False when it is refused
        (a person is told why, and nothing is saved)."""
        try:
            resolve_conflict(self.world.store, c, actor="person", **how)
        except ResolveError:
            return False
        saved = self.world.store.conflict(c.id)
        assert saved is not None and saved.status == "resolved", saved
        self.saved[c.id] = saved.choices or {}
        if c.kind == "match":
            # Linked to one candidate, kept apart or ignored: the others are records of
            # their own, and may be copied next to a namesake.
            link = self.world.store.link(c.link_id)
            if link is not None and link.a_fields:
                self.extra.update(field_keys(c.entity, link.a_fields))
        return True

    # -- the end ---------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if not self.broken and self.world is not None:
                self.converge()
        finally:
            if self.world is not None:
                self.world.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def converge(self) -> None:
        """Faults stop; a person decides what is open; the runs must reach exit 0."""
        tries: Counter[int] = Counter()
        outcome = None
        for _ in range(CONVERGE_RUNS):
            self.decide_everything(tries)
            self.fill_held()
            outcome = self.run()
            if outcome.exit_code == 0:
                break
        assert outcome is not None and outcome.exit_code == 0, self.stuck(outcome)
        quiet = self.run()
        assert quiet.exit_code == 0 and quiet.result.counts["pushed"] == 0, (
            "a run with nothing new to do pushed again",
            quiet.result.counts,
            quiet.said(),
        )

    def decide_everything(self, tries: Counter[int]) -> None:
        """What a person does with each open conflict: side a, then side b if it comes
        back (a system refused side a's value); a deleted record is kept, and deleted on the
        other side too if keeping it comes back refused; a match is
        linked to each free candidate in turn, then kept apart (created), then never
        synced."""
        store = self.world.store
        for c in store.conflicts(self.world.profile.id, statuses=("open",)):
            # Counted per record: a question that comes back may come as a new conflict.
            record = store.canonical_link_id(c.link_id)
            n = tries[record]
            tries[record] += 1
            if c.kind == "match":
                free = [
                    lid
                    for lid in c.candidates or []
                    if (link := store.link(lid)) is not None and link.b_id and not link.a_id
                ]
                if n < len(free):
                    self.decide(c, link_to=free[n])
                elif n == len(free):
                    self.decide(c, create=True)
                else:
                    self.decide(c, ignore=True)
            elif c.kind == "delete":
                # Keep the record (restored or created again); if that comes back refused
                # (its customer was made inactive meanwhile, say), let the deletion stand.
                kept = [s for s in ("a", "b") if not c.fields["deleted"].get(s)]
                gone = [s for s in ("a", "b") if c.fields["deleted"].get(s)]
                if n == 0 or not gone:
                    self.decide(c, take_all=kept[0] if kept else "a")
                else:
                    self.decide(c, take_all=gone[0])
            else:
                self.decide(c, take_all="a" if n == 0 else "b")

    def fill_held(self) -> None:
        """What a person does about a create held for a field its target requires (the run
        log says which): fills the field in, in the system the record comes from."""
        store = self.world.store
        for op in store.ops(self.world.profile.id, ("held",)):
            if op.op != "create" or op.entity not in ("customer", "vendor"):
                continue
            link = store.link(op.link_id)
            source = "b" if op.side == "a" else "a"
            if link is None or not link.remote_id(source):
                continue
            held = link.fields(source) or {}
            for name in ("email", "phone"):
                if not held.get(name):
                    self.edit_record(source, op.entity, link.remote_id(source), name)

    def stuck(self, outcome: Outcome | None) -> str:
        store, pid = self.world.store, self.world.profile.id
        if outcome is None or outcome.result is None:
            return "no run finished"
        waiting = [
            f"{c.id} {c.entity} {c.kind} {c.status}: {c.note}"
            for c in store.conflicts(pid, statuses=("open", "resolved"))
        ]
        ops = Counter(op.state for op in store.ops(pid, ("pending", "sent", "held", "rejected")))
        return (
            f"no exit 0 within {CONVERGE_RUNS} runs once the faults stopped; last run: "
            f"{outcome.result.status} (exit {outcome.exit_code}), errors {outcome.said()[:5]}, "
            f"warnings {outcome.said('warning')[:5]}, conflicts waiting {waiting[:5]}, "
            f"outbox {dict(ops)}"
        )


@contextlib.contextmanager
def shrinking_for(seconds: float) -> Iterator[None]:
    """Hypothesis shrinks for up to 300 s, the suite's timeout per test: a failure would
    end as a timeout, without its example. Its limit is not a setting; set it here, for
    this test only."""
    from hypothesis.internal.conjecture import engine

    saved = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if saved is not None:
        engine.MAX_SHRINKING_SECONDS = seconds  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if saved is not None:
            engine.MAX_SHRINKING_SECONDS = saved  # type: ignore[attr-defined]


class TestSyncModel(SyncModel.TestCase):  # type: ignore[name-defined,misc]
    settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        print_blob=True,
        # `make test` explores the same examples on every machine (CI never fails by the
        # luck of the draw); asking for more examples explores new ones each time.
        derandomize="RECONTUI_MODEL_EXAMPLES" not in os.environ,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )

    def runTest(self) -> None:
        with shrinking_for(SHRINK_SECONDS):
            super().runTest()
