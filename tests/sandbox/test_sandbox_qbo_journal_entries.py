"""QBO stand-in: a journal entry create takes the documented shape and refuses what
QuickBooks refuses (docs/remote-shapes.md, QuickBooks, Journal entry): an unbalanced
entry, and a line posted to Accounts Receivable without a customer (``Entity`` with
``Type: Customer`` and an ``EntityRef`` to a customer that exists). A balanced entry
whose A/R line names its customer is stored, its total the debits, and read back with
the same lines."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import D, Qbo, body, fault, http, make_sandbox


def accounts(qbo_rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in qbo_rows}


def line(posting: str, account: str, amount: str, **detail: Any) -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": "JournalEntryLineDetail",
        "JournalEntryLineDetail": {
            "PostingType": posting,
            "AccountRef": {"value": account},
            **detail,
        },
    }


async def test_a_receivable_line_needs_its_customer() -> None:
    sandbox = make_sandbox(scenario="demo")
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        ids = accounts(await qbo.rows("SELECT * FROM Account", "Account"))
        ar, income = ids["Accounts Receivable"], ids["Consulting Income"]
        customer = (await qbo.rows("SELECT * FROM Customer", "Customer"))[0]["Id"]

        def entry(*lines: dict[str, Any]) -> dict[str, Any]:
            return {"DocNumber": "BILL-2026-03-02", "TxnDate": "2026-03-02", "Line": list(lines)}

        credit = line("Credit", income, "150.00")
        bare = await qbo.write("journalentry", entry(line("Debit", ar, "150.00"), credit))
        assert fault(bare)["code"] == "6000", body(bare)
        typed_only = line("Debit", ar, "150.00", Entity={"Type": "Customer"})
        assert fault(await qbo.write("journalentry", entry(typed_only, credit)))["code"] == "6000"
        vendor = line("Debit", ar, "150.00", Entity={"Type": "Vendor", "EntityRef": {"value": "1"}})
        assert fault(await qbo.write("journalentry", entry(vendor, credit)))["code"] == "6000"
        ghost = line(
            "Debit", ar, "150.00", Entity={"Type": "Customer", "EntityRef": {"value": "99999"}}
        )
        assert fault(await qbo.write("journalentry", entry(ghost, credit)))["code"] == "2500"

        named = {"Type": "Customer", "EntityRef": {"value": customer}}
        short = line("Debit", ar, "149.99", Entity=named)
        assert fault(await qbo.write("journalentry", entry(short, credit)))["code"] == "6000"

        made = await qbo.write(
            "journalentry", entry(line("Debit", ar, "150.00", Entity=named), credit)
        )
        saved = body(made)["JournalEntry"]
        assert D(str(saved["TotalAmt"])) == D("150.00")
        got = body(await qbo.read("journalentry", saved["Id"]))["JournalEntry"]
        detail = got["Line"][0]["JournalEntryLineDetail"]
        assert detail["Entity"]["Type"] == "Customer"
        assert detail["Entity"]["EntityRef"]["value"] == customer
        assert [ln["JournalEntryLineDetail"]["PostingType"] for ln in got["Line"]] == [
            "Debit",
            "Credit",
        ]
