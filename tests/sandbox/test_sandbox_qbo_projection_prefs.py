"""QBO stand-in: select lists, Preferences and CompanyInfo reads.

- "Use the select statement to specify the selection criteria, entity attributes, sort order,
  and pagination" and a query answer's ``sparse`` "set to true if not all properties of the
  entity are in the response"
  (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
  and its older copy, developer.intuit.com/docs/00_quickbooks_online/2_build/
  20_explore_the_quickbooks_online_api/50_data_queries);
- Preferences: ``GET /v3/company/<realmID>/preferences`` and ``select * from Preferences``
  (.../all-entities/preferences);
- CompanyInfo: ``GET /v3/company/<realmID>/companyinfo/<realmID>`` and
  ``select * from CompanyInfo`` (.../all-entities/companyinfo).
"""

from __future__ import annotations

from sandbox_helpers import Qbo, body, fault, http, make_sandbox


async def test_a_select_list_answers_those_properties_as_sparse_records() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        rows = await qbo.rows("select Id, DisplayName from Customer MAXRESULTS 5", "Customer")
        assert len(rows) == 5
        for row in rows:
            assert set(row) == {"Id", "DisplayName", "domain", "sparse"}
            assert row["sparse"] is True
        full = await qbo.rows("select * from Customer MAXRESULTS 5", "Customer")
        assert [r["Id"] for r in full] == [r["Id"] for r in rows]
        assert [r["DisplayName"] for r in full] == [r["DisplayName"] for r in rows]
        # A property name is case-insensitive, as in WHERE; the answer uses the entity's own.
        one = await qbo.rows("SELECT id, metadata FROM Invoice MAXRESULTS 1", "Invoice")
        assert set(one[0]) == {"Id", "MetaData", "domain", "sparse"}
        unknown = await qbo.query("select Id, Shoesize from Customer")
        assert unknown.status_code == 400 and fault(unknown)["code"] == "4001"
        counted = body(await qbo.query("select count(*) from Customer"))["QueryResponse"]
        assert counted["totalCount"] > 0


async def test_preferences_read_and_query() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        read = await client.get(qbo.url("preferences"), headers=qbo.headers())
        assert read.status_code == 200, read.text
        prefs = body(read)["Preferences"]
        assert prefs["Id"] == "1" and prefs["domain"] == "QBO"
        assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
        assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
        names = {nv["Name"] for nv in prefs["OtherPrefs"]["NameValue"]}
        assert {"WarnDuplicateCheckNumber", "WarnDuplicateBillNumber"} <= names
        queried = await qbo.rows("select * from Preferences", "Preferences")
        assert queried == [prefs]


async def test_company_info_read_and_query() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        read = body(await client.get(qbo.url(f"companyinfo/{qbo.realm}"), headers=qbo.headers()))
        info = read["CompanyInfo"]
        assert info["Id"] == "1" and info["CompanyName"] == sandbox.config.qbo_company_name
        assert info["Country"] == "US" and info["domain"] == "QBO"
        assert info["MetaData"]["CreateTime"]
        queried = await qbo.rows("select * from CompanyInfo", "CompanyInfo")
        assert queried == [info]
        missing = await client.get(qbo.url("companyinfo/999"), headers=qbo.headers())
        assert fault(missing)["code"] == "610"
