"""The BILL stand-in's ``approvalStatus`` on bills: served read-only as BILL's v3 bills
response documents it (a request echoing it changes nothing; a patch keeps it), absent
from the seeded bills (the pinned snapshots do not change), and set only by the sandbox's
own approval flow, which moves the bill's ``updatedTime`` on."""

from __future__ import annotations

from sandbox_helpers import Bill, body, http, make_sandbox


async def test_approval_status_is_read_only_and_kept_by_a_patch() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        bills = await bill.all("bills")
        assert bills and not any("approvalStatus" in b for b in bills)  # the seed: none
        one = bills[0]
        with sandbox.lock:
            sandbox.bill_org.set_approval(one["id"], "ASSIGNED")
        got = body(await bill.get(f"bills/{one['id']}"))
        assert got["approvalStatus"] == "ASSIGNED"
        assert got["updatedTime"] > one["updatedTime"]

        echoed = {"description": "March paper", "approvalStatus": "APPROVED"}
        patched = body(await bill.send("PATCH", f"bills/{one['id']}", echoed))
        assert patched["description"] == "March paper"
        assert patched["approvalStatus"] == "ASSIGNED"  # read only: the echo is ignored

        with sandbox.lock:
            sandbox.bill_org.set_approval(one["id"], "APPROVED")
        approved = body(await bill.get(f"bills/{one['id']}"))
        assert approved["approvalStatus"] == "APPROVED"
        assert approved["updatedTime"] > patched["updatedTime"]
