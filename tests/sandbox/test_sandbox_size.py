"""Seeded companies of any size (``SandboxConfig.size``) and the paging paths at that size."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sandbox_helpers import NOW, Bill, Qbo, http

from recontui.sandbox import Sandbox, SandboxConfig, bill_lists, qbo_query, seed, seed_load
from recontui.sandbox.bill_store import BillOrg
from recontui.sandbox.clock import SandboxClock
from recontui.sandbox.qbo_store import QboCompany
from recontui.sandbox.sandbox import BILL_PATHS, QBO_ENTITIES

ANCHOR = date(2026, 3, 15)

#: sha256 of the demo and conflicts companies at seed 7 (snapshot + seed ids) as they were
#: before sizes existed. Tests and the console's snapshots depend on these names and
#: values: if a change to the demo is intended, update these and the snapshot SVGs.
UNSIZED = {
    "demo": "a3711dc198d21f99dc9c5603a905859130cab1fa6ef5b8e6e794568c8dcc7467",
    "conflicts": "d2a175b7bbafc1b7145e2338a44865b3992171fe716be8723cd298c7261870d9",
}


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def make(**config: Any) -> Sandbox:
    return Sandbox(SandboxConfig(**config), clock=lambda: NOW)


def qbo_total(sandbox: Sandbox) -> int:
    return sum(sandbox.qbo_company.count(name) for name in QBO_ENTITIES)


def bill_total(sandbox: Sandbox) -> int:
    return sum(len(sandbox.bill_org.all(path)) for path in BILL_PATHS)


@pytest.mark.parametrize("scenario", sorted(UNSIZED))
def test_without_a_size_every_scenario_seeds_what_it_always_did(scenario: str) -> None:
    sandbox = make(seed=7, scenario=scenario)
    assert digest({"snapshot": sandbox.snapshot(), "ids": sandbox.seed_ids}) == UNSIZED[scenario]


@pytest.mark.parametrize("size", [1_000, 5_000])
def test_a_sized_company_holds_about_that_many_records_per_side(size: int) -> None:
    sandbox = make(size=size)
    assert abs(qbo_total(sandbox) - size) <= size * 0.02
    assert abs(bill_total(sandbox) - size) <= size * 0.05
    mix = seed.sized_mix(size)
    assert sandbox.qbo_company.count("Invoice") == mix["invoices"]
    assert sandbox.qbo_company.count("JournalEntry") == mix["journal_entries"]
    # The lists stay the demo's.
    demo = make()
    for name in ("Account", "Class", "Department", "Item", "TaxRate", "TaxCode"):
        assert sandbox.qbo_company.count(name) == demo.qbo_company.count(name)


def test_the_smallest_size_still_seeds_a_usable_company() -> None:
    sandbox = make(size=10)
    for name in ("Customer", "Vendor", "Invoice", "Bill"):
        assert sandbox.qbo_company.count(name) >= 1
    assert sandbox.bill_org.all("customers")


def test_sized_companies_are_deterministic_by_seed() -> None:
    def state(seed_value: int) -> str:
        stores = seed_load_stores(size=2_000, seed_value=seed_value)
        return digest(stores)

    assert state(3) == state(3)
    assert state(3) != state(4)


def seed_load_stores(
    *, size: int, seed_value: int = 7, scenario: str = "demo", trusted: bool = True
) -> dict[str, Any]:
    """Both sides of a sized company loaded afresh (no template cache)."""
    plan = seed.build_plan(scenario, seed_value, ANCHOR, size)
    ident = seed.identity(seed_value)
    clock = SandboxClock(lambda: datetime.combine(ANCHOR, time(0), UTC))
    company = QboCompany(ident.realm_id, clock)
    org = BillOrg(ident.organization_id, clock)
    ids = seed_load.load(plan, company, org, trusted=trusted)
    return {
        "qbo": {name: dict(company.rows(name)) for name in QBO_ENTITIES},
        "bill": {path: org.all(path) for path in BILL_PATHS},
        "ids": ids,
    }


@pytest.mark.parametrize(("scenario", "size"), [("demo", 3_000), ("conflicts", 1_000)])
def test_the_fast_load_stores_exactly_what_the_full_write_path_stores(
    scenario: str, size: int
) -> None:
    fast = seed_load_stores(size=size, scenario=scenario, trusted=True)
    full = seed_load_stores(size=size, scenario=scenario, trusted=False)
    assert fast == full


def test_names_stay_unique_when_the_word_lists_run_out() -> None:
    builder = seed._Builder(7, ANCHOR, sized=True)
    names = [builder._unique_name(lambda: "Oak Bay Cafe") for _ in range(4)]
    assert names == ["Oak Bay Cafe", "Oak Bay Cafe 2", "Oak Bay Cafe 3", "Oak Bay Cafe 4"]
    demo = seed._Builder(7, ANCHOR)
    demo._unique_name(lambda: "Oak Bay Cafe")
    with pytest.raises(RuntimeError):  # the demo never numbers names
        demo._unique_name(lambda: "Oak Bay Cafe")


def test_names_numbers_and_dates_of_a_sized_company() -> None:
    sandbox = make(size=10_000)
    company = sandbox.qbo_company
    parties = [
        r["DisplayName"].casefold() for n in ("Customer", "Vendor") for _, r in company.rows(n)
    ]
    assert len(parties) == len(set(parties))
    numbers = [r["DocNumber"] for _, r in company.rows("Invoice")]
    assert len(numbers) == len(set(numbers))
    bill_names = [r["name"].casefold() for r in sandbox.bill_org.all("customers")]
    assert len(bill_names) == len(set(bill_names))

    history = seed.history_days(10_000)
    dates = sorted(date.fromisoformat(r["TxnDate"]) for _, r in company.rows("Invoice"))
    assert dates[-1] < NOW.date()
    assert (NOW.date() - dates[0]).days >= history * 0.95  # spread over the whole history
    per_month = Counter((d.year, d.month) for d in dates)
    assert max(per_month.values()) < 3 * len(dates) / len(per_month)  # no pile-up
    # Every party exists before its first transaction, so every reference resolved.
    first_txn = min(
        datetime.fromisoformat(r["MetaData"]["CreateTime"]) for _, r in company.rows("Invoice")
    )
    last_party = max(
        datetime.fromisoformat(r["MetaData"]["CreateTime"]) for _, r in company.rows("Customer")
    )
    assert last_party < first_txn
    assert seed.history_days(200_000) > 3 * seed.history_days(1_000)


def test_size_is_part_of_the_template_cache_key() -> None:
    small = make(size=1_000)
    again = make(size=1_000)
    other = make(size=1_200)
    assert small.qbo_company is not again.qbo_company  # each sandbox its own copy
    assert digest(small.snapshot()) == digest(again.snapshot())
    assert qbo_total(other) > qbo_total(small)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"size": 9}, "from 10 to 1,000,000"),
        ({"size": 1_000_001}, "from 10 to 1,000,000"),
        ({"size": 100, "scenario": "empty"}, "demo and conflicts"),
        ({"size": 999, "scenario": "conflicts"}, "1,000 or more"),
    ],
)
def test_sizes_outside_the_range_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(**config)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recontui.cli", "sandbox", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "RECONTUI_PASSPHRASE": "pp"},
    )


def test_cli_refuses_a_bad_size_with_one_sentence() -> None:
    proc = run_cli("--size", "5")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "--size must be from 10 to 1,000,000 records per side, not 5." in line


def test_cli_serves_a_sized_company() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "recontui.cli", "sandbox", "serve", "--size", "1000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert line["size"] == 1000 and line["base_url"].startswith("http://127.0.0.1:")


# --- paging at size ------------------------------------------------------------------


def test_time_ordered_queries_answer_what_the_full_scan_answers() -> None:
    sandbox = make(size=2_000)
    company = sandbox.qbo_company
    # Some records change after seeding, so the time order is not the id order.
    for ident in ("3", "7", "11"):
        rec = company.find("Customer", ident)
        assert rec is not None
        company.save(
            qbo_query.BY_NAME["Customer"],
            {"Id": ident, "SyncToken": rec["SyncToken"], "sparse": True, "Notes": "edited"},
            at=NOW + timedelta(minutes=int(ident)),
        )
    stamps = sorted({company.updated_at("Invoice", i) for i, _ in company.rows("Invoice")})
    middle = stamps[len(stamps) // 2].isoformat()
    late = stamps[-5].isoformat()
    queries = [
        "SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 100",
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{middle}' "
        "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 50",
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '{middle}' "
        "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 7 MAXRESULTS 30",
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime <= '{middle}' AND "
        f"MetaData.LastUpdatedTime >= '{stamps[3].isoformat()}' "
        "ORDERBY MetaData.LastUpdatedTime MAXRESULTS 1000",
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime < '{late}' AND CustomerRef = '5' "
        "ORDERBY MetaData.LastUpdatedTime",
        "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY MetaData.LastUpdatedTime "
        "STARTPOSITION 1 MAXRESULTS 1000",
        "SELECT * FROM Vendor ORDERBY MetaData.LastUpdatedTime STARTPOSITION 3 MAXRESULTS 9",
        f"SELECT * FROM Bill WHERE MetaData.LastUpdatedTime >= '{late}' "
        "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 999 MAXRESULTS 10",
    ]
    for text in queries:
        query = qbo_query.parse(text)
        assert qbo_query.by_updated(query)
        slow = qbo_query.run(query, [r for _, r in company.rows(query.entity.name)])
        stamps_, ordered = company.by_updated(query.entity.name)
        fast = qbo_query.run_by_updated(query, stamps_, ordered)
        assert fast == slow, text
    assert not qbo_query.by_updated(qbo_query.parse("SELECT * FROM Invoice ORDERBY Id"))
    assert not qbo_query.by_updated(
        qbo_query.parse("SELECT COUNT(*) FROM Invoice ORDERBY MetaData.LastUpdatedTime")
    )


async def keyset_pull(qbo: Qbo, entity: str, where: str = "") -> list[str]:
    """Ids in the order a connector's keyset pull meets them (boundary repeats dropped)."""
    ids: list[str] = []
    since = None
    while True:
        conditions = [c for c in (where, since and f"MetaData.LastUpdatedTime >= '{since}'") if c]
        clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await qbo.rows(
            f"SELECT * FROM {entity}{clause} ORDERBY MetaData.LastUpdatedTime "
            "STARTPOSITION 1 MAXRESULTS 50",
            entity,
        )
        ids += [r["Id"] for r in rows if r["Id"] not in ids[-100:]]
        if len(rows) < 50:
            return ids
        since = rows[-1]["MetaData"]["LastUpdatedTime"]


async def test_a_keyset_qbo_pull_sorts_once_and_visits_each_record_about_once(
    monkeypatch: Any,
) -> None:
    """A page costs its own rows, not the whole entity's (which made a pull quadratic)."""
    sandbox = make(size=5_000)
    company = sandbox.qbo_company
    visits = 0
    real = qbo_query._matches

    def counting(cond: Any, rec: dict[str, Any]) -> bool:
        nonlocal visits
        visits += 1
        return real(cond, rec)

    def full_scan(*args: Any, **kw: Any) -> Any:
        raise AssertionError("a time-ordered page must not scan the whole entity")

    monkeypatch.setattr(qbo_query, "_matches", counting)
    monkeypatch.setattr(qbo_query, "run", full_scan)
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        customers = await keyset_pull(qbo, "Customer", "Active IN (true, false)")
        index = company._by_updated["Customer"]
        invoices = await keyset_pull(qbo, "Invoice")
        assert company._by_updated["Customer"] is index  # sorted once, reused by every page
    assert sorted(customers, key=int) == sorted((i for i, _ in company.rows("Customer")), key=int)
    assert sorted(invoices, key=int) == sorted((i for i, _ in company.rows("Invoice")), key=int)
    assert len(customers) > 150 and len(invoices) > 1_000  # several pages each
    # Only the Active condition is checked row by row, on the rows each page returns.
    assert visits <= 2 * len(customers)


async def test_bill_list_paging_sorts_once_and_follows_writes(monkeypatch: Any) -> None:
    sandbox = make(size=2_000)
    sorts = 0
    real_record_value = bill_lists._record_value

    def counting(field: str, rec: dict[str, Any]) -> Any:
        nonlocal sorts
        sorts += 1
        return real_record_value(field, rec)

    monkeypatch.setattr(bill_lists, "_record_value", counting)
    count = len(sandbox.bill_org.all("invoices"))
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        rows = await bill.all("invoices", sort="updatedTime:asc")
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)) == count > 500
        assert sorts == count  # one sort key per invoice, for all the pages together

        # A write invalidates the sorted list: the edited invoice moves to the end.
        edited = await bill.send("PATCH", f"invoices/{ids[0]}", {"dueDate": "2026-12-31"})
        assert edited.status_code == 200, edited.text
        again = [r["id"] for r in await bill.all("invoices", sort="updatedTime:asc")]
        assert again[-1] == ids[0] and sorted(again) == sorted(ids)
        assert sorts == 2 * count
