"""Fault injection: each kind in each service's own shape, reproducible by seed."""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_helpers import BASE, Bill, Qbo, make_sandbox

from recontui.sandbox.faults import KINDS, FaultSpecError, parse_faults


def test_fault_specs_are_read_or_refused_with_the_form():
    plan = parse_faults("429=0.05,500=0.02,reset=0.01,slow=0.05,garbage=0.01", seed=3)
    assert plan.rates == {"429": 0.05, "500": 0.02, "reset": 0.01, "slow": 0.05, "garbage": 0.01}
    assert str(plan) == "429=0.05,500=0.02,reset=0.01,slow=0.05,garbage=0.01"
    assert parse_faults("all=0.25").rates == dict.fromkeys(KINDS, 0.05)
    assert not parse_faults("").active
    for bad in ("429", "teapot=0.1", "429=2", "429=0.8,500=0.8"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)


def fates(seed: int) -> list:
    sandbox = make_sandbox(faults="all=0.5", fault_seed=seed)
    return [sandbox.faults.fate("GET", f"/qbo/v3/x/{i % 7}", b"", b"")[0] for i in range(200)]


def test_the_same_seed_meets_the_same_faults():
    assert fates(1) == fates(1)
    assert fates(1) != fates(2)
    assert {f for f in fates(1) if f} == set(KINDS)


def client(sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE)


async def test_qbo_throttles_in_xml_or_json_and_fails_with_a_system_fault():
    sandbox = make_sandbox(faults="429=1")
    async with client(sandbox) as http:
        qbo = await Qbo(sandbox, http).connect()
        shapes = set()
        for i in range(12):
            r = await qbo.query(f"SELECT * FROM Customer STARTPOSITION {i + 1} MAXRESULTS 1")
            assert r.status_code == 429
            shapes.add(r.headers["content-type"].split(";")[0])
        assert shapes == {"application/xml", "application/json"}
    sandbox = make_sandbox(faults="500=1")
    async with client(sandbox) as http:
        qbo = await Qbo(sandbox, http).connect()
        r = await qbo.query("SELECT * FROM Customer")
        assert r.status_code == 500 and r.json()["Fault"]["type"] == "SystemFault"
    assert sandbox.faults.counts["500"] >= 1


async def test_bill_throttles_with_its_error_array():
    sandbox = make_sandbox(faults="429=1")
    async with client(sandbox) as http:
        bill = await Bill(sandbox, http).login()  # login is never faulted
        r = await bill.get("vendors", max=10)
        assert r.status_code == 429 and r.json()[0]["code"] == "BDC_1322"


async def test_a_reset_lands_the_write_then_drops_the_answer():
    sandbox = make_sandbox(faults="reset=1")
    async with client(sandbox) as http:
        bill = await Bill(sandbox, http).login()
        before = len(sandbox.bill_org.all("vendors"))
        with pytest.raises(httpx.RemoteProtocolError):
            await bill.send(
                "POST",
                "vendors",
                {
                    "name": "Dropped Answer Ltd",
                    "accountType": "BUSINESS",
                    "email": "ap@dropped.example",
                    "phone": "555-0100",
                },
            )
        names = [v["name"] for v in sandbox.bill_org.all("vendors")]
        assert len(names) == before + 1 and "Dropped Answer Ltd" in names


async def test_garbage_is_a_truncated_200_and_slow_is_late():
    sandbox = make_sandbox(faults="garbage=1")
    async with client(sandbox) as http:
        qbo = await Qbo(sandbox, http).connect()
        r = await qbo.query("SELECT * FROM Customer")
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
    sandbox = make_sandbox(faults="slow=1", slow_seconds=0.3)
    async with client(sandbox) as http:
        qbo = await Qbo(sandbox, http).connect()
        started = time.monotonic()
        r = await qbo.query("SELECT * FROM Customer")
        assert r.status_code == 200 and time.monotonic() - started >= 0.3
