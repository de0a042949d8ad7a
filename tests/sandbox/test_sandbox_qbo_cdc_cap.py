"""QBO stand-in: the CDC object cap is a knob (tests provoke window splitting with it), and
it is shared by the entities of one call."""

from __future__ import annotations

from datetime import timedelta

from sandbox_helpers import NOW, Qbo, body, http, make_sandbox

from recontui.sandbox.clock import qbo_meta_time
from recontui.sandbox.qbo_entities import BY_NAME


async def test_configured_cap_is_shared_and_keeps_the_oldest_changes() -> None:
    sandbox = make_sandbox(scenario="empty", qbo_cdc_cap=4)
    company = sandbox.qbo_company
    since = qbo_meta_time(NOW - timedelta(minutes=1))
    made = [
        company.save(BY_NAME["Class"], {"Name": f"C{n}"}, at=NOW + timedelta(seconds=n))
        for n in range(3)
    ]
    company.save(BY_NAME["Department"], {"Name": "D0"}, at=NOW + timedelta(seconds=10))
    company.save(BY_NAME["Department"], {"Name": "D1"}, at=NOW + timedelta(seconds=11))
    async with http(sandbox) as client:
        qbo = await Qbo(sandbox, client).connect()
        answer = body(
            await client.get(
                qbo.url("cdc"),
                params={"entities": "Class,Department", "changedSince": since},
                headers=qbo.headers(),
            )
        )
    groups = answer["CDCResponse"][0]["QueryResponse"]
    assert [c["Id"] for c in groups[0]["Class"]] == [m["Id"] for m in made]
    assert [d["Name"] for d in groups[1]["Department"]] == ["D0"]
    assert sum(g.get("maxResults", 0) for g in groups) == 4
    assert "time" in answer
