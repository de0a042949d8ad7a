"""One company's rate budget is shared by the processes of the machine (connectors/ledger.py).

A cron `recontui sync` and the console pulling the same company are two processes, each
with its own governor; the stand-in counts what reaches it, so the tests measure at the
server's side: together they never exceed its limits. A process killed mid-request gives
its slots back (they count a window more, as the server may have seen them).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from recontui.connectors.http import RateGovernor
from recontui.connectors.ledger import Owner, RateLedger
from recontui.sandbox import RunningSandbox, SandboxConfig

HERE = Path(__file__).parent
KEY = ("qbo", "https://qbo.test", "4620816365")


def pull_twice_at_once(tmp_path: Path, rate_dirs: tuple[str, str]) -> tuple[Any, list[dict]]:
    """Two processes pull one company (3 at once, 12 per second allowed, both at the
    stand-in and in the profile's settings); answer the stand-in and what each pulled."""
    config = SandboxConfig(
        seed=7,
        qbo_max_concurrent=3,
        qbo_per_minute=12,
        qbo_window_seconds=1.0,
        latency_seconds=0.02,
    )
    with RunningSandbox(config) as running:
        creds = running.credentials()["qbo"]
        job = {
            "settings": {
                **{k: creds[k] for k in ("api_base", "token_url", "realm_id")},
                "max_in_flight": "3",
                "rate_limit": "12",
                "rate_window_seconds": "1",
            },
            "secrets": {k: creds[k] for k in ("client_id", "client_secret", "refresh_token")},
            "page_size": 25,
        }
        return running.sandbox, pull_at_once(job, rate_dirs)


def pull_at_once(job: dict[str, Any], rate_dirs: tuple[str, ...]) -> list[dict[str, Any]]:
    """One pull_company.py process per rate directory, all at once; what each pulled."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "pull_company.py"), json.dumps(job)],
            env={**os.environ, "RECONTUI_RATE_DIR": rate_dir},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rate_dir in rate_dirs
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    return outputs


def test_two_processes_on_one_company_stay_within_its_limits_together(tmp_path: Path) -> None:
    shared = str(tmp_path / "rate")
    sandbox, outputs = pull_twice_at_once(tmp_path, (shared, shared))
    qbo = sandbox.qbo
    assert qbo.limiter.rejected == 0 and qbo.budget.rejected == 0, "the stand-in said 429"
    assert qbo.limiter.peak <= 3
    for output in outputs:
        assert output["error"] is None and set(output["statuses"]) == {"200"}
        assert output["counts"]["invoice"] == sandbox.qbo_company.count("Invoice")
    assert qbo.budget.granted > 2 * 12, "more than two windows' worth: pacing had to happen"


def test_two_bill_pulls_at_once_keep_to_three_in_flight_together(tmp_path: Path) -> None:
    """BILL allows 3 requests in flight per developer key and organisation: two processes
    pulling at once hold 3 together, measured at the stand-in, and neither is refused."""
    config = SandboxConfig(seed=7, bill_max_concurrent=3, latency_seconds=0.02)
    shared = str(tmp_path / "rate")
    with RunningSandbox(config) as running:
        creds = running.credentials()["bill"]
        job = {
            "system": "bill",
            "settings": {k: creds[k] for k in ("api_base", "organization_id", "username")},
            "secrets": {k: creds[k] for k in ("dev_key", "password")},
            "page_size": 25,
        }
        outputs = pull_at_once(job, (shared, shared))
        bill = running.sandbox.bill
    assert bill.limiter.rejected == 0, "the stand-in refused a fourth request in flight"
    assert bill.limiter.peak == 3, "both pulls ran at once and used the three slots"
    for output in outputs:
        assert output["error"] is None and set(output["statuses"]) == {"200"}
        assert output["counts"]["invoice"] > 25


def test_two_processes_that_do_not_share_are_throttled(tmp_path: Path) -> None:
    """What makes the test above mean something: each process alone keeps to the limits,
    together (each with a ledger of its own) they make the stand-in refuse."""
    sandbox, _ = pull_twice_at_once(tmp_path, (str(tmp_path / "one"), str(tmp_path / "two")))
    assert sandbox.qbo.limiter.rejected + sandbox.qbo.budget.rejected > 0


def governors(directory: Path, count: int, **limits: Any) -> list[RateGovernor]:
    """``count`` governors of one company, each as if in a process of its own."""
    return [
        RateGovernor(ledger=RateLedger(directory, KEY, owner=Owner(directory)), **limits)
        for _ in range(count)
    ]


def test_ledger_keeps_governors_of_separate_processes_within_one_budget(tmp_path: Path) -> None:
    window, budget, cap = 0.5, 6, 2
    log: list[tuple[float, float]] = []
    lock = threading.Lock()

    async def request(gov: RateGovernor) -> None:
        async with gov.slot():
            start = time.monotonic()
            await asyncio.sleep(0.01)
            with lock:
                log.append((start, time.monotonic()))

    async def requests(gov: RateGovernor) -> None:
        await asyncio.gather(*(request(gov) for _ in range(9)))

    threads = [
        threading.Thread(target=asyncio.run, args=(requests(gov),))
        for gov in governors(tmp_path, 2, max_in_flight=cap, budget=budget, window=window)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(log) == 18
    slack = 0.005  # the ledger's clock is the wall clock, rounded up to 1/256 of the window
    for start, _ in log:
        assert sum(1 for s, e in log if s <= start < e) <= cap
        assert sum(1 for s, e in log if s <= start - slack < e + window) <= budget


def test_a_process_kept_waiting_gets_its_share_before_the_other_is_done(tmp_path: Path) -> None:
    """A cron pull holds both slots with a long queue behind them; the console's single
    request goes at the next free slot, not after the whole queue."""
    cron, console = governors(tmp_path, 2, max_in_flight=2)
    starts: dict[str, list[float]] = {"cron": [], "console": []}

    async def request(gov: RateGovernor, name: str) -> None:
        async with gov.slot():
            starts[name].append(time.monotonic())
            await asyncio.sleep(0.1)

    async def pull() -> None:
        await asyncio.gather(*(request(cron, "cron") for _ in range(20)))

    async def look() -> None:
        await asyncio.sleep(0.15)
        await request(console, "console")

    threads = [threading.Thread(target=asyncio.run, args=(job(),)) for job in (pull, look)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    (went,) = starts["console"]
    assert len(starts["cron"]) == 20
    assert went < sorted(starts["cron"])[-6], "the console waited behind the whole pull"


def test_a_process_killed_mid_request_gives_its_slots_back(tmp_path: Path) -> None:
    """A process holding both slots of a company is killed (-9): the slots come back, and
    the requests it had in flight still count against the window (the server may have
    seen them)."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys, time\n"
            "from pathlib import Path\n"
            "from recontui.connectors.http import RateGovernor\n"
            "from recontui.connectors.ledger import RateLedger\n"
            f"gov = RateGovernor(max_in_flight=2, budget=3, window=1.0, "
            f"ledger=RateLedger(Path({str(tmp_path)!r}), {KEY!r}))\n"
            "async def hold():\n"
            "    await gov.acquire(); await gov.acquire()\n"
            "    print('holding', flush=True); time.sleep(60)\n"
            "asyncio.run(hold())\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "holding"
        (gov,) = governors(tmp_path, 1, max_in_flight=2, budget=3, window=1.0)

        async def try_one(timeout: float) -> bool:
            try:
                await asyncio.wait_for(gov.acquire(), timeout)
            except TimeoutError:
                return False
            return True

        assert not asyncio.run(try_one(0.3)), "both slots are held by the other process"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        began = time.monotonic()
        assert asyncio.run(try_one(1.0)), "the dead process's slots came back"
        assert time.monotonic() - began < 0.5
        assert len(list(tmp_path.glob("owner-*.lock"))) == 1, "the dead one's is removed"
        # 2 killed requests + 1 now = the budget of 3 per second: the next waits ~a window.
        assert not asyncio.run(try_one(0.5))
        assert asyncio.run(try_one(2.0))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_sharing_can_be_turned_off_and_a_broken_directory_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recontui.connectors.ledger import rate_dir

    assert rate_dir({"RECONTUI_RATE_DIR": "off"}) is None
    assert rate_dir({"RECONTUI_RATE_DIR": str(tmp_path)}) == tmp_path
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    ledger = RateLedger(blocked / "rate", KEY)
    assert ledger.problem is not None and str(blocked) in ledger.problem
    gov = RateGovernor(max_in_flight=1, ledger=ledger)

    async def one() -> float:
        async with gov.slot() as waited:
            return waited

    assert asyncio.run(one()) == 0.0  # it paces its own process, as before
    assert gov.problem == ledger.problem
