"""Sequences the model-based test found, replayed step by step on every `make test`.

Each is the shortest sequence of the state machine in ``test_sync_model.py`` that showed
one of issue 9's bugs (the machine's own checks run after every run, and the runs must
converge at the end), so these come back at once if the bug does, whatever the random
examples of the day explore.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from test_sync_model import SyncModel

from recontui.sandbox.faults import FaultPlan
from recontui.store import Conflict

DEMO = "demo, 200 records a side"
CONFLICTS = "conflicts (700 a side, 33 conflicts)"


@contextmanager
def model(company: str) -> Iterator[SyncModel]:
    """The machine on ``company``; after the steps, a person decides until exit 0."""
    machine = SyncModel()
    machine.books(company)
    try:
        yield machine
        machine.converge()
    finally:
        machine.broken = True  # teardown: only clean up
        machine.teardown()


def question(machine: SyncModel, kind: str) -> Conflict:
    return next(c for c in machine.live_conflicts() if c.kind == kind and c.status == "open")


def test_a_create_whose_answer_was_lost_is_not_linked_to_a_record_of_another_link() -> None:
    """BILL has no idempotency key: the look-up by name after a lost answer found the
    namesake another link holds, and every later run died on links' UNIQUE index."""
    with model(CONFLICTS) as m:
        m.sync()
        assert m.decide(question(m, "match"), create=True)
        m.sync_with_faults(FaultPlan({"reset": 0.3}, 2))
        store = m.world.store
        lost = [
            op
            for op in store.ops(m.world.profile.id, ("sent",))
            if op.entity == "customer" and op.op == "create" and op.side == "a"
        ]
        assert lost, "the faults no longer lose a BILL customer create's answer: new seed"
        m.sync()


def test_a_change_the_ledger_refused_is_never_followed_by_exit_0() -> None:
    """A name QuickBooks refuses (another vendor has it): reported once, then exit 0."""
    with model(DEMO) as m:
        m.sync()
        vendors = m.linked("vendor", "a")
        m.rename_record("vendor", vendors[0], "vendor", vendors[1])
        m.sync()
        m.sync()


def test_a_record_kept_after_its_deletion_in_bill_is_restored_not_created_again() -> None:
    """BILL keeps an archived invoice's number: creating it again is refused for ever."""
    with model(DEMO) as m:
        m.sync()
        m.delete_record("a", "invoice", m.linked("invoice", "a")[0])
        m.sync()
        assert m.decide(question(m, "delete"), take_all="b")
        m.sync()
        m.sync()


def test_records_that_refer_to_an_ignored_customer_do_not_wait_for_ever() -> None:
    with model(CONFLICTS) as m:
        m.sync()
        assert m.decide(question(m, "match"), ignore=True)


def test_keeping_both_customers_apart_does_not_split_their_records() -> None:
    """Its payments applied to invoices of the other customer, which BILL refuses."""
    with model(CONFLICTS) as m:
        m.sync()
        assert m.decide(question(m, "match"), create=True)
