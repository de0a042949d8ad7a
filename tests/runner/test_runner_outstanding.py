"""Issue 9: nothing outstanding is forgotten, and no reachable state wedges the profile.

Each test pins one finding from trying the product as a new user would."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal

from runner_world import World, Wrapped

from recontui.connectors.base import RejectedError, UnreachableError
from recontui.decisions import resolve_conflict
from recontui.model import SYNCED, RemoteRef
from recontui.store import open_store
from recontui.store.store import utcnow


def remote_names(world: World, side: str, entity: str) -> Counter:
    async def go():
        ca, cb = world.connectors()
        conn = ca if side == "a" else cb
        async with conn:
            records = [r async for page in conn.pull(entity, None) for r in page.records]
        return Counter((r.fields.get("name") or "").strip().lower() for r in records)

    return asyncio.run(go())


def assert_links_unique(world: World) -> None:
    for entity in SYNCED:
        links = world.store.links(world.profile.id, entity, where="state != 'merged'")
        a_ids = [link.a_id for link in links if link.a_id]
        b_ids = [link.b_id for link in links if link.b_id]
        assert len(a_ids) == len(set(a_ids)), entity
        assert len(b_ids) == len(set(b_ids)), entity


def test_lost_create_answer_never_links_a_record_another_link_holds(world: World) -> None:
    """Finding 1: "keep both" on the match conflict, then BILL's answer to the create of
    the QuickBooks twin is lost; the look-up by name found the record already linked to
    the other pair, linked it anyway, and every later run died on a UNIQUE constraint."""
    world.sync()
    match = next(c for c in world.store.conflicts(world.profile.id) if c.kind == "match")
    name = world.store.link(match.link_id).a_fields["name"]
    resolve_conflict(world.store, match, create=True, actor="test")
    lost: list[str] = []

    def lose_twin_answer(entity: str, record):
        if entity == "customer" and record.fields.get("name") == name and not lost:
            lost.append(record.remote_id)
            raise UnreachableError("connection reset", outcome_unknown=True)
        return record

    world.wrap = lambda side, conn: Wrapped(conn, create=lose_twin_answer) if side == "a" else conn
    world.sync()
    assert lost, "the create of the QuickBooks twin in BILL lost its answer"
    world.wrap = None
    for _ in range(3):
        result = world.sync()
        assert result.status != "failed", result.message
        assert_links_unique(world)
    # BILL holds its own record and exactly one copy of QuickBooks' twin: nothing twice.
    assert remote_names(world, "a", "customer")[name.lower()] == 2


def test_a_wedged_link_from_an_earlier_version_is_not_a_crash(world: World) -> None:
    """A create whose look-up can only find a record that another link holds is a held
    decision, never an IntegrityError."""
    world.sync()
    links = world.store.links(world.profile.id, "customer", where="state='paired'")
    taken = links[0]

    async def find_taken(entity, fields, **kw):
        ca, _ = world.connectors()
        async with ca:
            return await ca.read("customer", taken.a_id)

    def fake_lookup(side, conn):
        if side != "a":
            return conn
        wrapped = Wrapped(conn)
        wrapped.find_existing = find_taken
        return wrapped

    # An op left "sent" by a run that died after BILL may have created the record.
    other = world.store.links(world.profile.id, "customer", where="b_id IS NOT NULL")[-1]
    with world.store.transaction() as conn:
        world.store.add_op(
            world.profile.id,
            None,
            other.id,
            "customer",
            "a",
            "create",
            None,
            None,
            {"changes": {"name": taken.a_fields["name"]}, "expect": {}, "audit": []},
            "lost-answer-1",
        )
        conn.execute("UPDATE outbox SET state='sent' WHERE idem_key='lost-answer-1'")
        conn.execute(
            "UPDATE links SET a_id=NULL, a_fields=NULL, state='unpaired' WHERE id=?", (other.id,)
        )
    world.wrap = fake_lookup
    result = world.sync()
    assert result.status != "failed", result.message
    assert_links_unique(world)


class Refusing(Wrapped):
    """A connector whose system says no to some writes, as a real one does."""

    def __init__(self, inner, refuse) -> None:
        super().__init__(inner)
        self.refuse = refuse
        self.attempts: list[tuple[str, str]] = []

    async def create(self, entity, fields, *, idempotency_key):
        self.attempts.append(("create", entity))
        if self.refuse("create", entity, fields):
            raise RejectedError(
                f"BILL rejected the create of {entity} (BDC_1119: invalid): correct it.",
                code="BDC_1119",
                entity=entity,
                record=str(fields.get("name")),
            )
        return await self.inner.create(entity, fields, idempotency_key=idempotency_key)

    async def update(self, entity, remote_id, version, changes, *, idempotency_key):
        self.attempts.append(("update", entity))
        if self.refuse("update", entity, changes):
            raise RejectedError(
                f"QuickBooks Online rejected the update of {entity} {remote_id} (6000: the "
                "vendor is inactive): make it active, then sync again.",
                code="6000",
                entity=entity,
                record=remote_id,
            )
        return await self.inner.update(
            entity, remote_id, version, changes, idempotency_key=idempotency_key
        )


def agreed_demo(world: World) -> None:
    world.sync()
    resolve_everything(world)
    world.sync()
    assert world.sync().exit_code == 0


def resolve_everything(world: World, side: str = "a") -> None:
    for c in world.store.conflicts(world.profile.id, statuses=("open",)):
        if c.kind == "match":
            if c.candidates:
                resolve_conflict(world.store, c, link_to=c.candidates[0], actor="test")
            else:
                resolve_conflict(world.store, c, ignore=True, actor="test")
        else:
            resolve_conflict(world.store, c, take_all=side, actor="test")


def edit_customer(world: World, link, side: str, changes: dict) -> None:
    async def go() -> None:
        conn = world.connectors()[0 if side == "a" else 1]
        async with conn:
            remote_id = link.remote_id(side)
            rec = await conn.read("customer", remote_id)
            await conn.update(
                "customer", remote_id, rec.version, changes, idempotency_key=uuid.uuid4().hex
            )

    asyncio.run(go())


def customer_on(world: World, link, side: str) -> dict:
    async def go():
        conn = world.connectors()[0 if side == "a" else 1]
        async with conn:
            return (await conn.read("customer", link.remote_id(side))).fields

    return asyncio.run(go())


def test_a_refused_update_stays_a_decision_until_it_is_answered(demo_world: World) -> None:
    """Finding 2: a change QuickBooks refused was reported once; the next runs said "ok",
    exit 0, while the two sides differed."""
    world = demo_world
    agreed_demo(world)
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit_customer(world, link, "a", {"city": "Refusedville"})
    wrappers: list[Refusing] = []

    def refusing(side, conn):
        if side != "b":
            return conn
        wrappers.append(Refusing(conn, lambda op, entity, fields: "city" in fields))
        return wrappers[-1]

    world.wrap = refusing
    first = world.sync()
    assert first.exit_code == 2 and first.counts["rejected"] == 1
    conflict = world.store.live_conflict_for_link(link.id)
    assert conflict is not None and conflict.status == "open"
    assert conflict.fields["city"]["kind"] == "refused"
    assert conflict.field_names == "city (refused)"
    assert "vendor is inactive" in conflict.note
    for _ in range(2):
        again = world.sync()
        assert again.exit_code == 1, "a refused change is never forgotten"
        assert again.counts["open_conflicts"] >= 1
        assert ("update", "customer") not in wrappers[-1].attempts, "not sent again as is"
    assert world.sync(dry_run=True).exit_code == 1
    # The person keeps QuickBooks' value: it is written back to BILL and the books agree.
    resolve_conflict(world.store, world.store.conflict(conflict.id), take_all="b", actor="t")
    world.wrap = None
    assert world.sync().exit_code == 0
    assert customer_on(world, link, "a")["city"] == customer_on(world, link, "b")["city"]
    assert world.sync().exit_code == 0


def test_a_refused_update_is_tried_again_once_the_record_changes(demo_world: World) -> None:
    world = demo_world
    agreed_demo(world)
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit_customer(world, link, "a", {"city": "Refusedville"})
    world.wrap = lambda side, conn: (
        Refusing(conn, lambda op, entity, fields: fields.get("city") == "Refusedville")
        if side == "b"
        else conn
    )
    assert world.sync().exit_code == 2
    edit_customer(world, link, "a", {"city": "Acceptedville"})
    assert world.sync().exit_code == 0
    assert customer_on(world, link, "b")["city"] == "Acceptedville"
    assert world.store.live_conflict_for_link(link.id) is None


def new_customer_in_qbo(world: World, name: str) -> str:
    async def go() -> str:
        _, cb = world.connectors()
        async with cb:
            rec = await cb.create(
                "customer",
                {"name": name, "email": "new@example.com"},
                idempotency_key=uuid.uuid4().hex,
            )
            return rec.remote_id

    return asyncio.run(go())


def test_a_refused_create_is_a_decision_and_is_not_sent_again(demo_world: World) -> None:
    world = demo_world
    agreed_demo(world)
    new_customer_in_qbo(world, "Refused Corp")
    wrappers: list[Refusing] = []

    def refusing(side, conn):
        if side != "a":
            return conn
        wrappers.append(Refusing(conn, lambda op, entity, f: "Refused" in str(f.get("name"))))
        return wrappers[-1]

    world.wrap = refusing
    first = world.sync()
    assert first.exit_code == 2
    conflict = next(
        c for c in world.store.conflicts(world.profile.id, statuses=("open",)) if c.kind == "match"
    )
    assert conflict.fields["refused"]["kind"] == "refused"
    assert "rejected the create" in conflict.note and "create it again" in conflict.note
    second = world.sync()
    assert second.exit_code == 1
    assert ("create", "customer") not in wrappers[-1].attempts
    # Decided: try again once BILL accepts it (here: the refusal is gone).
    resolve_conflict(world.store, conflict, create=True, actor="t")
    world.wrap = None
    assert world.sync().exit_code == 0
    assert world.store.conflict(conflict.id).status in ("pushed", "superseded")
    assert world.sync().exit_code == 0


def test_dependants_of_an_ignored_record_become_decisions_not_waits(demo_world: World) -> None:
    """Finding 3: a record the person chose to ignore left its dependent payments "waiting
    for customer #52 to exist" on every run (exit 2 for ever)."""
    world = demo_world
    agreed_demo(world)
    qbo_id = new_customer_in_qbo(world, "Refused Ignored Inc")
    new_invoice_in_qbo(world, qbo_id, "IGN-1")
    world.wrap = lambda side, conn: (
        Refusing(conn, lambda op, entity, f: "Refused" in str(f.get("name")))
        if side == "a"
        else conn
    )
    world.sync()
    world.wrap = None
    waiting = world.sync()
    assert waiting.exit_code == 1, "the invoice waits on a person, nothing failed"
    assert any("waits for your decision" in e.message for e in world.events[-40:])
    customer = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.kind == "match" and c.entity == "customer"
    )
    resolve_conflict(world.store, customer, ignore=True, actor="t")
    codes = [world.sync().exit_code for _ in range(2)]
    assert codes[-1] == 1, "the invoice is a decision now, not a wait"
    invoice = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity == "invoice"
    )
    assert "never to be synced" in invoice.note
    resolve_conflict(world.store, invoice, ignore=True, actor="t")
    assert world.sync().exit_code == 0
    assert world.store.ops(world.profile.id, ("pending", "sent")) == []


def new_invoice_in_qbo(world: World, customer_id: str, number: str) -> None:
    async def go() -> None:
        _, cb = world.connectors()
        async with cb:
            items = [r async for page in cb.pull("item", None) for r in page.records]
            await cb.create(
                "invoice",
                {
                    "number": number,
                    "customer": RemoteRef("customer", customer_id),
                    "date": dt.date.today(),
                    "due_date": dt.date.today(),
                    "lines": [
                        {
                            "item": RemoteRef("item", items[0].remote_id),
                            "description": "Work",
                            "amount": Decimal("10.00"),
                        }
                    ],
                    "total": Decimal("10.00"),
                },
                idempotency_key=uuid.uuid4().hex,
            )

    asyncio.run(go())


def test_keeping_an_invoice_archived_in_bill_restores_it(demo_world: World) -> None:
    """Finding 3: a deleted-vs-kept invoice decided "keep" was created again in BILL
    (BDC_1211 "invoice number already exists"), and the conflict reopened on every run."""
    world = demo_world
    agreed_demo(world)
    invoice = next(
        link
        for link in world.store.links(world.profile.id, "invoice", where="state='paired'")
        if not any(
            line.get("invoice") == RemoteRef("invoice", link.a_id)
            for p in world.store.links(world.profile.id, "payment")
            for line in (p.a_fields or {}).get("applied") or []
        )
    )

    async def archive_in_bill():
        ca, _ = world.connectors()
        async with ca:
            rec = await ca.read("invoice", invoice.a_id)
            await ca.deactivate("invoice", invoice.a_id, rec.version, idempotency_key="arch")

    asyncio.run(archive_in_bill())
    assert world.sync().exit_code == 1
    conflict = next(
        c for c in world.store.conflicts(world.profile.id, statuses=("open",)) if c.kind == "delete"
    )
    resolve_conflict(world.store, conflict, take_all="b", actor="test")  # keep it
    done = world.sync()
    assert done.exit_code == 0, done.counts
    assert world.store.conflict(conflict.id).status == "pushed"
    link = world.store.link(invoice.id)
    assert link.a_id == invoice.a_id and not link.a_deleted, "the same BILL invoice, restored"
    assert world.sync().exit_code == 0


def test_payments_in_the_window_find_their_older_invoices_as_references(
    demo_world: World,
) -> None:
    """Finding 3: with an initial window, payments inside it that refer to invoices before
    it opened false conflicts (both sides held the same values), then waited for ever."""
    from test_runner_window import dates

    world = demo_world
    before_a, before_b = dates(world)
    every = sorted(d for side in (before_a, before_b) for ds in side.values() for d in ds)
    cut = every[len(every) // 2]
    world.store.set_setting(world.profile.id, "initial_window", f"from {cut}", actor="test")
    first = world.sync()
    applied_only = [
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity in ("payment", "bill_payment") and set(c.fields) == {"applied"}
    ]
    assert applied_only == [], "the older invoices are the same records on both sides"
    assert first.counts["conflicts_opened"] < 10
    resolve_everything(world)
    codes = [world.sync().exit_code for _ in range(3)]
    assert codes[-1] == 0, codes
    assert not any("waits for" in e.message for e in world.events[-50:])
    # Older invoices were linked as references only: never updated, never created.
    after_a, after_b = dates(world)
    for entity in ("invoice", "bill"):
        assert [d for d in after_a[entity] if d < cut] == [d for d in before_a[entity] if d < cut]
        assert [d for d in after_b[entity] if d < cut] == [d for d in before_b[entity] if d < cut]


def test_a_payment_on_an_older_invoice_only_one_side_has_is_a_decision(
    demo_world: World,
) -> None:
    world = demo_world
    world.store.set_setting(world.profile.id, "initial_window", "from 2026-01-01", actor="t")
    world.sync()
    resolve_everything(world)
    world.sync()

    async def old_invoice_new_payment() -> None:
        _, cb = world.connectors()
        async with cb:
            customers = [r async for page in cb.pull("customer", None) for r in page.records]
            items = [r async for page in cb.pull("item", None) for r in page.records]
            customer, item = customers[0], items[0]
            ref = RemoteRef("customer", customer.remote_id)
            old = await cb.create(
                "invoice",
                {
                    "number": "OLD-1",
                    "customer": ref,
                    "date": dt.date(2025, 6, 1),
                    "due_date": dt.date(2025, 7, 1),
                    "lines": [
                        {
                            "item": RemoteRef("item", item.remote_id),
                            "description": "Old work",
                            "amount": Decimal("40.00"),
                        }
                    ],
                },
                idempotency_key=uuid.uuid4().hex,
            )
            await cb.create(
                "payment",
                {
                    "customer": ref,
                    "date": dt.date(2026, 2, 1),
                    "amount": Decimal("40.00"),
                    "reference": "LATE-1",
                    "applied": [
                        {"invoice": RemoteRef("invoice", old.remote_id), "amount": Decimal("40")}
                    ],
                },
                idempotency_key=uuid.uuid4().hex,
            )

    asyncio.run(old_invoice_new_payment())
    world.sync()
    payment = next(
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity == "payment"
    )
    assert "before the initial window" in payment.note and "OLD-1" in payment.note
    assert world.sync().exit_code == 1
    resolve_conflict(world.store, payment, ignore=True, actor="t")
    assert world.sync().exit_code == 0


def test_a_refused_update_can_be_settled_by_unlinking_the_record(demo_world: World) -> None:
    world = demo_world
    agreed_demo(world)
    link = world.store.links(world.profile.id, "customer", where="state='paired'")[0]
    edit_customer(world, link, "a", {"city": "Refusedville"})
    world.wrap = lambda side, conn: (
        Refusing(conn, lambda op, entity, fields: "city" in fields) if side == "b" else conn
    )
    assert world.sync().exit_code == 2
    conflict = world.store.live_conflict_for_link(link.id)
    resolve_conflict(world.store, conflict, ignore=True, actor="t")
    assert world.sync().exit_code == 0
    assert world.store.link(link.id).state == "ignored"
    assert world.store.conflict(conflict.id).status == "pushed"
    edit_customer(world, link, "a", {"city": "Elsewhere"})
    assert world.sync().exit_code == 0, "an unlinked record is never synced again"
    assert customer_on(world, link, "b")["city"] != "Elsewhere"


def test_a_lost_create_is_found_even_when_this_clock_runs_hours_ahead(
    demo_world: World,
) -> None:
    """The look-up passes over records made before the create was planned; a server whose
    clock runs ahead of the remote system's must not make it pass over our own record."""
    world = demo_world
    agreed_demo(world)
    path = world.store.path
    world.store.close()
    world.store = open_store(path, clock=lambda: utcnow() + dt.timedelta(hours=3))
    new_customer_in_qbo(world, "Skewed Clock Supplies")
    lost: list[str] = []

    def lose_answer(entity: str, record):
        if entity == "customer" and not lost:
            lost.append(record.remote_id)
            raise UnreachableError("connection reset", outcome_unknown=True)
        return record

    world.wrap = lambda side, conn: Wrapped(conn, create=lose_answer) if side == "a" else conn
    world.sync()
    assert lost
    world.wrap = None
    assert world.sync().exit_code == 0
    assert remote_names(world, "a", "customer")["skewed clock supplies"] == 1


def test_payments_of_a_customer_awaiting_a_match_decision_wait_for_it(world: World) -> None:
    """The key without the party pairs a payment whose customer was split by "keep both";
    while the customer's match is still undecided it must not pair (nor open a conflict on
    the customer that the decision would settle anyway)."""
    world.sync()
    early = [
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity == "payment" and set(c.fields) == {"customer"}
    ]
    assert early == []
    match = next(c for c in world.store.conflicts(world.profile.id) if c.kind == "match")
    resolve_conflict(world.store, match, link_to=match.candidates[0], actor="t")
    world.sync()
    assert not [
        c
        for c in world.store.conflicts(world.profile.id, statuses=("open",))
        if c.entity == "payment"
    ]


def test_a_lost_create_whose_look_up_fails_stays_sent(world: World) -> None:
    """A create whose answer was lost stays "sent": the next run looks for it before
    creating it again. When that look-up cannot reach the system, the op must stay "sent"
    (it may have landed); set back to "pending", a later run would create it again
    without looking first."""
    world.sync()
    other = world.store.links(world.profile.id, "customer", where="b_id IS NOT NULL")[-1]
    with world.store.transaction() as conn:
        world.store.add_op(
            world.profile.id,
            None,
            other.id,
            "customer",
            "a",
            "create",
            None,
            None,
            {
                "changes": {"name": "Lost Answer Landscaping", "email": "ap@lost.test"},
                "expect": {},
                "audit": [],
            },
            "lost-answer-2",
        )
        conn.execute("UPDATE outbox SET state='sent' WHERE idem_key='lost-answer-2'")
        conn.execute(
            "UPDATE links SET a_id=NULL, a_fields=NULL, state='unpaired' WHERE id=?", (other.id,)
        )
    looked: list[str] = []

    async def refused_connection(*args, **kwargs):
        looked.append("find_existing")
        raise UnreachableError("connection refused")

    def unreachable_lookup(side, conn):
        if side != "a":
            return conn
        wrapped = Wrapped(conn)
        wrapped.find_existing = refused_connection
        return wrapped

    world.wrap = unreachable_lookup
    world.sync()
    assert looked, "the lost create was looked for first"
    [op] = [
        op
        for op in world.store.ops(world.profile.id, ("pending", "sent", "done", "rejected"))
        if op.idem_key == "lost-answer-2"
    ]
    assert op.state == "sent", "the write may have landed: only a look-up may decide"
