"""The QuickBooks stand-in's customer types: ``CustomerType`` is read by query only (Name,
Active), none is seeded (the pinned seed digests do not change), a write of one is
refused as for any read-only entity, and a customer's ``CustomerTypeRef`` must name one
that exists (answered with its name, as every reference is)."""

from __future__ import annotations

from sandbox_helpers import NOW, Qbo, body, fault, http, make_sandbox


async def test_customer_types_are_read_by_query_and_named_on_customers() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        assert await qbo.rows("SELECT * FROM CustomerType", "CustomerType") == []
        with sandbox.lock:
            made = sandbox.qbo_company.insert_fixed(
                "CustomerType", {"Name": "Retail", "Active": True}, NOW
            )
        rows = await qbo.rows(
            "SELECT * FROM CustomerType WHERE Active IN (true,false)", "CustomerType"
        )
        assert [(r["Id"], r["Name"], r["Active"]) for r in rows] == [(made["Id"], "Retail", True)]
        assert rows[0]["MetaData"]["CreateTime"]

        refused = await qbo.write("customertype", {"Name": "Wholesale"})
        assert refused.status_code == 400, refused.text
        assert "read-only" in fault(refused)["Detail"]

        unknown = {"DisplayName": "Corner Shop", "CustomerTypeRef": {"value": "999"}}
        assert (await qbo.write("customer", unknown)).status_code == 400

        typed = {"DisplayName": "Corner Shop", "CustomerTypeRef": {"value": made["Id"]}}
        response = await qbo.write("customer", typed)
        assert response.status_code == 200, response.text
        assert body(response)["Customer"]["CustomerTypeRef"] == {
            "value": made["Id"],
            "name": "Retail",
        }
