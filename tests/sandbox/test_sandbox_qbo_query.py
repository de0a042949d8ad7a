"""QBO stand-in: the query language, paging, Active defaults, CDC."""

from __future__ import annotations

from datetime import UTC, timedelta

from sandbox_helpers import NOW, Qbo, body, fault, http, make_sandbox

from recontui.sandbox.clock import parse_instant, qbo_meta_time
from recontui.sandbox.qbo_entities import BY_NAME


async def test_paging_is_one_based_and_complete() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        seen: list[str] = []
        start, size = 1, 40
        while True:
            response = await qbo.query(
                f"SELECT * FROM Invoice ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"
            )
            page = body(response)["QueryResponse"]
            rows = page.get("Invoice", [])
            if rows:
                assert page["startPosition"] == start
                assert page["maxResults"] == len(rows)
            seen += [r["Id"] for r in rows]
            if len(rows) < size:
                break
            start += size
        assert len(seen) == len(set(seen)) == 200
        count = body(await qbo.query("SELECT COUNT(*) FROM Invoice"))
        assert count["QueryResponse"] == {"totalCount": 200}
        default = body(await qbo.query("select * from Invoice"))["QueryResponse"]
        assert default["maxResults"] == 100


async def test_empty_result_has_no_entity_key() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await qbo.query("SELECT * FROM Invoice WHERE DocNumber = 'nope'")
        data = body(response)
        assert data["QueryResponse"] == {}
        assert "time" in data
        beyond = body(await qbo.query("SELECT * FROM Class STARTPOSITION 50"))
        assert beyond["QueryResponse"] == {}


async def test_maxresults_cap_error_or_clamp() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        response = await qbo.query("SELECT * FROM Account MAXRESULTS 1001")
        assert response.status_code == 400
        assert body(response)["Fault"]["type"] == "ValidationFault"
        assert (await qbo.query("SELECT * FROM Account MAXRESULTS 1000")).status_code == 200
        zero = await qbo.query("SELECT * FROM Account STARTPOSITION 0 MAXRESULTS 10")
        assert zero.status_code == 400
    clamp = make_sandbox(scenario="empty", maxresults_over_cap="clamp")
    async with http(clamp) as client:
        qbo = await Qbo(clamp, client).connect()
        assert (await qbo.query("SELECT * FROM Account MAXRESULTS 5000")).status_code == 200


async def test_malformed_queries_are_parser_errors() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        for text in (
            "SELECT FROM Account",
            "SELECT * FROM Account WHERE Name = 'a' OR Id = '1'",
            "SELECT * FROM Account WHERE",
            "SELECT * FROM Account LIMIT 5",
            "SELECT Name, FROM Account",
        ):
            response = await qbo.query(text)
            assert response.status_code == 400, text
            assert fault(response)["code"] == "4000", text
        unknown = await qbo.query("SELECT * FROM account")  # entity names are case-sensitive
        assert unknown.status_code == 400
        prop = await qbo.query("SELECT * FROM Account WHERE Colour = 'red'")
        assert fault(prop)["code"] == "4001"
        get = await client.get(
            qbo.url("query"), params={"query": "SELECT * FROM Account"}, headers=qbo.headers()
        )
        assert get.status_code == 200
        assert len(body(get)["QueryResponse"]["Account"]) == 5


async def test_list_entities_default_to_active() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        total = len(list(sandbox.qbo_company.rows("Customer")))
        active = await qbo.rows("SELECT * FROM Customer MAXRESULTS 1000", "Customer")
        inactive = await qbo.rows("SELECT * FROM Customer WHERE Active = false", "Customer")
        both = await qbo.rows(
            "SELECT * FROM Customer WHERE Active IN (true, false) MAXRESULTS 1000", "Customer"
        )
        assert inactive and all(c["Active"] is False for c in inactive)
        assert len(active) + len(inactive) == len(both) == total
        # Transactions have no Active flag and are not filtered.
        assert len(await qbo.rows("SELECT * FROM Bill MAXRESULTS 1000", "Bill")) == 154


async def test_where_operators_like_in_order() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        rows = await qbo.rows(
            "SELECT * FROM Customer WHERE DisplayName = 'O\\'Neil Bakery'", "Customer"
        )
        assert [r["DisplayName"] for r in rows] == ["O'Neil Bakery"]
        like = await qbo.rows("SELECT * FROM Customer WHERE DisplayName LIKE 'café%'", "Customer")
        assert [r["DisplayName"] for r in like] == ["Café Lumière"]
        some = await qbo.rows(
            "SELECT * FROM Invoice WHERE DocNumber IN ('1001', '1002', 'x')", "Invoice"
        )
        assert sorted(r["DocNumber"] for r in some) == ["1001", "1002"]
        ordered = await qbo.rows(
            "SELECT * FROM Invoice WHERE TotalAmt >= '1000' ORDER BY TotalAmt DESC MAXRESULTS 20",
            "Invoice",
        )
        totals = [r["TotalAmt"] for r in ordered]
        assert totals == sorted(totals, reverse=True) and min(totals) >= 1000
        by_ref = await qbo.rows("SELECT * FROM Invoice WHERE CustomerRef = '3'", "Invoice")
        assert by_ref and all(r["CustomerRef"]["value"] == "3" for r in by_ref)


async def test_last_updated_time_compares_instants() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        rows = await qbo.rows(
            "SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime MAXRESULTS 1000", "Invoice"
        )
        middle = rows[100]["MetaData"]["LastUpdatedTime"]  # e.g. 2026-02-01T09:00:00-08:00
        as_utc = parse_instant(middle).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pacific = await qbo.rows(
            f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{middle}' MAXRESULTS 1000",
            "Invoice",
        )
        utc = await qbo.rows(
            f"SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '{as_utc}' MAXRESULTS 1000",
            "Invoice",
        )
        assert [r["Id"] for r in pacific] == [r["Id"] for r in utc]
        assert 0 < len(pacific) < 200


async def test_cdc_window_cap_and_deleted_stubs() -> None:
    sandbox = make_sandbox(scenario="empty")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        old = qbo_meta_time(NOW - timedelta(days=31))
        too_old = await client.get(
            qbo.url("cdc"),
            params={"entities": "Account", "changedSince": old},
            headers=qbo.headers(),
        )
        assert too_old.status_code == 400
        assert "Fault" in body(too_old)
        since = qbo_meta_time(NOW - timedelta(minutes=1))
        empty = body(
            await client.get(
                qbo.url("cdc"),
                params={"entities": "Customer", "changedSince": since},
                headers=qbo.headers(),
            )
        )
        assert empty["CDCResponse"] == [{"QueryResponse": [{}]}]
        taxes = await client.get(
            qbo.url("cdc"),
            params={"entities": "TaxRate", "changedSince": since},
            headers=qbo.headers(),
        )
        assert taxes.status_code == 400

        for n in range(1005):
            sandbox.qbo_company.save(BY_NAME["Class"], {"Name": f"Class {n}"}, render=False)
        capped = body(
            await client.get(
                qbo.url("cdc"),
                params={"entities": "Class,Account", "changedSince": since},
                headers=qbo.headers(),
            )
        )
        groups = capped["CDCResponse"][0]["QueryResponse"]
        assert sum(g.get("maxResults", 0) for g in groups) == 1000
        assert groups[0]["Class"][0]["Name"] == "Class 0"
