"""Step 4, Accounting lists, headless: `read_lists` reads both stand-ins into the store
(nothing written to either: the stand-ins' books are the same before and after), counts
each side's lists from the store, and turns a failed read into one sentence."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from setup_lists_world import open_world

from recontui.connectors.base import ConnectorError
from recontui.model import Side
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup.lists import read_lists
from recontui.wiring import connector_factory


@pytest.fixture(scope="module")
def running() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as served:
        yield served


def qbo_records(running: RunningSandbox, entity: str) -> int:
    """How many records of a QuickBooks entity the stand-in holds (from its snapshot)."""
    books: dict[str, Any] = running.sandbox.snapshot()
    found = [v for k, v in books["qbo"].items() if k.lower() == entity.lower()]
    assert found, sorted(books["qbo"])
    return len(found[0])


async def test_both_sides_are_read_and_counted_and_nothing_is_written(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    before = running.sandbox.snapshot()
    report = await read_lists(store, profile, secrets)
    assert running.sandbox.snapshot() == before, "reading the lists wrote to a system"
    assert report.ok, report.problems
    assert report.labels == {"a": "BILL", "b": "QuickBooks Online"}
    # Counted from the store, per side: QuickBooks' chart of accounts as the stand-in holds it.
    assert report.count("b", "account") == qbo_records(running, "Account")
    assert report.count("b", "account") == store.count_links(profile.id, "b", "account")
    for entity in ("class", "department", "item", "tax_code", "tax_rate"):
        assert report.count("b", entity), entity
    for entity in ("customer", "vendor", "item", "account"):
        assert report.count("a", entity), entity
    # BILL keeps no tax codes: not counted as 0, not read at all.
    assert report.count("a", "tax_code") is None
    assert report.entities[0] == "account"
    bill, qbo = report.lines()
    assert bill.startswith(f"BILL: chart of accounts {report.count('a', 'account')}, classes ")
    assert qbo.startswith("QuickBooks Online: chart of accounts ") and "tax codes 1" in qbo
    assert "tax codes" not in bill
    # Nothing planned: no outbox write, no conflict, the run recorded as a read.
    assert store.op_counts(profile.id) == {}
    assert store.conflict_counts(profile.id) == {}
    assert store.runs(profile.id, limit=1)[0]["status"] == "read"
    again = await read_lists(store, profile, secrets)  # incremental: the same counts
    assert again.counts == report.counts


async def test_a_refused_sign_in_is_one_sentence_and_reads_nothing(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    secrets.set(profile.name, "password", "not the password")
    before = running.sandbox.snapshot()
    report = await read_lists(store, profile, secrets)
    assert running.sandbox.snapshot() == before
    assert not report.ok
    (problem,) = report.problems
    assert problem.startswith("The lists were not read: "), problem
    assert "BILL" in problem and "Nothing was written to either system." in problem
    assert "\n" not in problem
    assert report.counts == {}
    assert store.count_links(profile.id, "b") == 0


async def test_a_company_that_is_not_the_profiles_is_refused(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    store.set_company_ids(profile.id, profile.a_company_id or "", "9999999999")
    report = await read_lists(store, profile, secrets)  # the store's ids, not the stale copy
    assert not report.ok
    assert "9999999999" in report.problems[0], report.problems
    assert store.count_links(profile.id, "a") == 0


async def test_a_read_while_another_run_holds_the_profile_says_so(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    holder = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.acquire_lock(profile.id, holder)
    try:
        report = await read_lists(store, profile, secrets)
    finally:
        store.release_lock(profile.id, holder)
    assert not report.ok
    (problem,) = report.problems
    assert f"run {holder}" in problem.lower() or "another run" in problem.lower(), problem
    assert store.count_links(profile.id, "a") == 0


class RefusesTaxCodes:
    """QuickBooks' connector, except that listing tax codes is refused (as a company
    whose plan has no sales tax may answer)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> RefusesTaxCodes:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> Any:
        return await self.inner.__aexit__(*exc)

    def pull(self, entity: str, cursor: str | None) -> Any:
        if entity != "tax_code":
            return self.inner.pull(entity, cursor)
        return self.refused()

    async def refused(self) -> AsyncIterator[Any]:
        raise ConnectorError("QuickBooks Online refused the TaxCode query (code 5020).")
        yield  # an async generator, like every pull


async def test_a_list_a_system_refuses_stops_the_read_with_its_reason(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    real = connector_factory(store.get_profile(profile.name), secrets)

    def factory(side: Side, events: Any) -> Any:
        made = real(side, events)
        return RefusesTaxCodes(made) if side == "b" else made

    before = running.sandbox.snapshot()
    report = await read_lists(store, profile, secrets, connectors=factory)
    assert running.sandbox.snapshot() == before
    assert not report.ok
    (problem,) = report.problems
    assert "refused the TaxCode query (code 5020)." in problem, problem
    assert problem.endswith("Nothing was written to either system.")
    assert ("b", "tax_code") in report.unread
    assert report.count("b", "tax_code") is None
    assert report.count("b", "account") == store.count_links(profile.id, "b", "account") > 0
