"""Sub-customers and jobs in the QuickBooks stand-in, as the Customer reference page has them
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer):
created with ``Job: true`` and a ``ParentRef``; ``FullyQualifiedName`` "Parent:Child" and
``Level`` read only and system defined; ``BillWithParent`` false by default; up to four
levels of nesting under a top-level customer; ``DisplayName`` unique across every
customer, so two jobs of one name under different parents cannot both exist. BILL's
customers have no parent: its stand-in refuses one. ``SandboxConfig.sub_customers`` seeds
a job and a sub-job and, off, leaves the seeded companies (and their pinned digests) as
they were."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Bill, Qbo, body, error_code, fault, http, make_sandbox


def job(name: str, parent: str, **extra: Any) -> dict[str, Any]:
    return {"DisplayName": name, "Job": True, "ParentRef": {"value": parent}, **extra}


async def test_a_job_is_created_under_its_parent_as_the_page_says() -> None:
    sandbox = make_sandbox(scenario="demo")
    parent = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        made = await qbo.write("customer", job("Storefront renovation", parent))
        assert made.status_code == 200, made.text
        child = body(made)["Customer"]
        assert child["DisplayName"] == "Storefront renovation"
        assert child["FullyQualifiedName"] == "O'Neil Bakery:Storefront renovation"
        assert (child["Job"], child["Level"], child["BillWithParent"]) == (True, 1, False)
        assert child["ParentRef"]["value"] == parent
        # A job under the job: three levels in the name.
        deeper = await qbo.write("customer", job("Signage", child["Id"], BillWithParent=True))
        assert deeper.status_code == 200, deeper.text
        sub = body(deeper)["Customer"]
        assert sub["FullyQualifiedName"] == "O'Neil Bakery:Storefront renovation:Signage"
        assert (sub["Level"], sub["BillWithParent"]) == (2, True)
        # The parent itself is still a top-level customer.
        top = body(await qbo.read("customer", parent))["Customer"]
        assert top["Job"] is False and "Level" not in top and "ParentRef" not in top


async def test_the_server_computes_level_and_full_name_whatever_the_client_sends() -> None:
    sandbox = make_sandbox(scenario="demo")
    parent = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        sent = job("Kitchen", parent, Level=3, FullyQualifiedName="Somebody:Else")
        made = body(await qbo.write("customer", sent))["Customer"]
        assert (made["Level"], made["FullyQualifiedName"]) == (1, "O'Neil Bakery:Kitchen")


async def test_a_parent_ref_to_no_customer_is_refused() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        missing = await qbo.write("customer", job("Orphan job", "9999"))
        assert missing.status_code == 400
        assert (fault(missing)["code"], fault(missing)["element"]) == ("2500", "ParentRef")
        # A job needs its parent: "Required for the create operation if this object is a
        # sub-customer or Job".
        no_parent = await qbo.write("customer", {"DisplayName": "Orphan job", "Job": True})
        assert no_parent.status_code == 400
        assert (fault(no_parent)["code"], fault(no_parent)["element"]) == ("2020", "ParentRef")
        assert not await qbo.rows(
            "select * from Customer where DisplayName = 'Orphan job'", "Customer"
        )


async def test_two_jobs_of_one_name_under_different_parents_cannot_both_exist() -> None:
    """ "The DisplayName attribute must be unique across all other customer, employee, and
    vendor objects": a job's name is unique in the company, whatever its parent."""
    sandbox = make_sandbox(scenario="demo")
    first, second = sandbox.seed_ids["qbo"]["cust:1"], sandbox.seed_ids["qbo"]["cust:2"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        assert (await qbo.write("customer", job("Kitchen remodel", first))).status_code == 200
        twin = await qbo.write("customer", job("Kitchen remodel", second))
        assert twin.status_code == 400
        assert fault(twin)["code"] == "6240"
        # Nor may a name say its parent: "must not contain colon (:)".
        colon = await qbo.write("customer", job("Granite Sparrow Cafe:Kitchen remodel", second))
        assert colon.status_code == 400


async def test_at_most_four_levels_under_a_top_level_customer() -> None:
    sandbox = make_sandbox(scenario="demo")
    parent = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        for level in range(1, 5):
            made = await qbo.write("customer", job(f"Level {level} job", parent))
            assert made.status_code == 200, made.text
            parent = body(made)["Customer"]["Id"]
            assert body(made)["Customer"]["Level"] == level
        fifth = await qbo.write("customer", job("Level 5 job", parent))
        assert fifth.status_code == 400
        assert fault(fifth)["code"] == "6000"


async def test_moving_or_renaming_a_parent_renames_its_descendants() -> None:
    sandbox = make_sandbox(scenario="demo")
    first, second = sandbox.seed_ids["qbo"]["cust:1"], sandbox.seed_ids["qbo"]["cust:2"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        kitchen = body(await qbo.write("customer", job("Kitchen", first)))["Customer"]
        tiles = body(await qbo.write("customer", job("Tiles", kitchen["Id"])))["Customer"]
        move = {"Id": kitchen["Id"], "SyncToken": kitchen["SyncToken"], "sparse": True}
        moved = await qbo.write("customer", {**move, "ParentRef": {"value": second}})
        assert moved.status_code == 200, moved.text
        assert body(moved)["Customer"]["FullyQualifiedName"] == "Granite Sparrow Cafe:Kitchen"
        read = body(await qbo.read("customer", tiles["Id"]))["Customer"]
        assert read["FullyQualifiedName"] == "Granite Sparrow Cafe:Kitchen:Tiles"
        assert read["Level"] == 2
        # A sparse update that leaves ParentRef out keeps it (only what it names changes).
        kitchen = body(moved)["Customer"]
        phone = {"PrimaryPhone": {"FreeFormNumber": "(503) 555-0100"}}
        edited = body(
            await qbo.write(
                "customer",
                {"Id": kitchen["Id"], "SyncToken": kitchen["SyncToken"], "sparse": True, **phone},
            )
        )["Customer"]
        assert edited["ParentRef"]["value"] == second and edited["Job"] is True


async def test_a_customer_cannot_become_its_own_ancestor() -> None:
    sandbox = make_sandbox(scenario="demo")
    first = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        kitchen = body(await qbo.write("customer", job("Kitchen", first)))["Customer"]
        top = body(await qbo.read("customer", first))["Customer"]
        for parent in (first, kitchen["Id"]):
            cycle = await qbo.write(
                "customer",
                {
                    "Id": first,
                    "SyncToken": top["SyncToken"],
                    "sparse": True,
                    "ParentRef": {"value": parent},
                },
            )
            assert cycle.status_code == 400
            assert fault(cycle)["code"] == "6000"


async def test_clearing_the_parent_makes_a_top_level_customer_again() -> None:
    """How a sub-customer becomes top-level is on no page [U]: the stand-in takes a sparse
    update sending ``ParentRef: null`` (with ``Job: false``, as recontui's mapping does)."""
    sandbox = make_sandbox(scenario="demo")
    first = sandbox.seed_ids["qbo"]["cust:1"]
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        kitchen = body(await qbo.write("customer", job("Kitchen", first)))["Customer"]
        cleared = await qbo.write(
            "customer",
            {
                "Id": kitchen["Id"],
                "SyncToken": kitchen["SyncToken"],
                "sparse": True,
                "ParentRef": None,
                "Job": False,
            },
        )
        assert cleared.status_code == 200, cleared.text
        top = body(cleared)["Customer"]
        assert top["FullyQualifiedName"] == "Kitchen"
        assert top["Job"] is False and "ParentRef" not in top and "Level" not in top


async def test_bill_holds_no_parent_on_a_customer() -> None:
    """No BILL page documents one (ar-customers; BILL's Postman collection): an unknown
    field is BDC_1002, as for any field BILL does not know."""
    sandbox = make_sandbox(scenario="demo")
    parent = sandbox.seed_ids["bill"]["cust:1"]
    async with http(sandbox) as client:
        bill = await Bill(sandbox, client).login()
        for key in ("parentCustomerId", "parentId"):
            sent = {"name": "Storefront renovation", "email": "projects@oneilbakery.co"}
            refused = await bill.send("POST", "customers", {**sent, key: parent})
            assert refused.status_code == 400
            assert key in refused.json()[0]["message"]
            error_code(refused)


def test_the_flag_seeds_a_job_and_a_sub_job_and_off_leaves_the_snapshot_as_it_was() -> None:
    plain = make_sandbox(scenario="demo").snapshot()
    seeded = make_sandbox(scenario="demo", sub_customers=True)
    ids = seeded.seed_ids["qbo"]
    snap = seeded.snapshot()
    jobs = {
        ident: snap["qbo"]["Customer"][ident]
        for ident in (ids["job:storefront"], ids["job:signage"])
    }
    names = sorted(rec["FullyQualifiedName"] for rec in jobs.values())
    assert names == [
        "O'Neil Bakery:Storefront renovation",
        "O'Neil Bakery:Storefront renovation:Storefront signage",
    ]
    assert all(rec["Job"] is True and rec["PrimaryEmailAddr"]["Address"] for rec in jobs.values())
    # Everything else is seeded exactly as without the flag; BILL gets no parent at all.
    for ident in jobs:
        del snap["qbo"]["Customer"][ident]
    assert snap == plain
