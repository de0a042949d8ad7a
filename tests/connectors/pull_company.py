"""One process pulling a QuickBooks Online or BILL company over the network, as a cron
`recontui sync` or the console would (tests/connectors/test_shared_budget.py starts two).

    python pull_company.py '{"system": "qbo", "settings": {...}, "secrets": {...},
                             "page_size": 10}'

Prints one JSON line: records pulled per entity, and the statuses of the answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from recontui.connectors import BillConnector, ConnectorError, QboConnector
from recontui.wiring import HeldSecrets

ENTITIES = ("invoice", "bill", "payment", "customer")


async def main(config: dict[str, Any]) -> dict[str, Any]:
    statuses: dict[str, int] = {}

    def sink(level: str, message: str, data: Any) -> None:
        if level == "debug" and "status" in data and "duration_ms" in data:
            key = str(data["status"])
            statuses[key] = statuses.get(key, 0) + 1

    kind = BillConnector if config.get("system") == "bill" else QboConnector
    connector = kind(
        config["settings"],
        HeldSecrets(config["secrets"]),
        on_event=sink,
        page_size=config["page_size"],
        base_delay=0.05,
        throttle_wait=0.05,
    )
    counts = dict.fromkeys(ENTITIES, 0)

    async def pull(entity: str) -> None:
        async for page in connector.pull(entity, None):
            counts[entity] += len(page.records)

    error = None
    try:
        async with connector:
            await asyncio.gather(*(pull(entity) for entity in ENTITIES))
    except ConnectorError as exc:
        error = str(exc)
    return {"counts": counts, "statuses": statuses, "error": error}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
