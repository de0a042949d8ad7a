"""A world for the Match review's tests (step 8): the stand-ins (in process, or served on
127.0.0.1 for the console's first sync), a store with a profile on them, near-duplicates
entered in each system as a person would, and both systems read into the store as step 4
does (``RunOptions(pull_only=True)``)."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from recontui.cli import save_sandbox_profile
from recontui.model import RemoteRef
from recontui.run import RunOptions, RunResult, run_sync
from recontui.sandbox import Sandbox
from recontui.secrets import SecretStore
from recontui.store import Profile, Store, open_store
from recontui.wiring import connector_factory, open_secrets

ENV = {"RECONTUI_PASSPHRASE": "match review tests"}

#: Near-duplicates: the same company entered in each system a little differently.
TWINS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "customer": (
        {"name": "Northwind Traders, Inc.", "email": "ap@northwind.test"},
        {"name": "Northwind Traders Inc", "phone": "(503) 555-0100", "email": "o@northwind.test"},
    ),
    "vendor": (
        # BILL creates no vendor without an e-mail address and a phone number.
        {"name": "Eriksen & Rossi", "email": "office@eriksenrossi.test", "phone": "555-0142"},
        {"name": "Eriksen and Rossi (Annex)"},
    ),
    "item": ({"name": "Site Survey Visit"}, {"name": "Site survey visits"}),
}

#: Where each stand-in keeps each entity in its snapshot, and the name's key there.
SNAPSHOT = {
    "customer": (("bill", "customers", "name"), ("qbo", "Customer", "DisplayName")),
    "vendor": (("bill", "vendors", "name"), ("qbo", "Vendor", "DisplayName")),
    "item": (("bill", "classifications/items", "name"), ("qbo", "Item", "Name")),
}


@dataclass
class MatchWorld:
    store: Store
    secrets: SecretStore
    profile: Profile
    transport: httpx.AsyncBaseTransport | None = None

    def factory(self) -> Any:
        return connector_factory(self.profile, self.secrets, transport=self.transport)

    def run(self, **options: Any) -> RunResult:
        self.profile = self.store.get_profile(self.profile.name)
        return asyncio.run(
            run_sync(self.store, self.profile, self.factory(), RunOptions(**options))
        )

    def create(self, side: str, entity: str, fields: dict[str, Any]) -> str:
        """Create a record through that side's API, as a person using that system would."""

        class _Events:
            def connector_sink(self, label: str) -> Any:
                return lambda *a: None

        async def go() -> str:
            conn = self.factory()(side, _Events())
            async with conn:
                if entity == "item":  # QuickBooks wants an income account on every item
                    async for page in conn.pull("account", None):
                        for rec in page.records:
                            if rec.fields.get("type") == "income":
                                fields["income_account"] = RemoteRef("account", rec.remote_id)
                made = await conn.create(entity, fields, idempotency_key=uuid.uuid4().hex)
                return str(made.remote_id)

        return asyncio.run(go())

    def add_twins(self, twins: dict[str, tuple[dict[str, Any], dict[str, Any]]] = TWINS) -> None:
        for entity, (a_fields, b_fields) in twins.items():
            self.create("a", entity, dict(a_fields))
            self.create("b", entity, dict(b_fields))

    def read_both(self) -> None:
        """Step 4: both systems read into the store, nothing planned or written."""
        result = self.run(pull_only=True)
        assert result.status == "read", result.message


def open_world(
    tmp_path: Path,
    credentials: dict[str, Any],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    name: str = "main",
) -> MatchWorld:
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env=ENV)
    save_sandbox_profile(store, argparse.Namespace(), name, credentials, secrets)
    return MatchWorld(store, secrets, store.get_profile(name), transport)


def in_process(tmp_path: Path, sandbox: Sandbox) -> MatchWorld:
    """A world on the stand-ins served in this process (no socket)."""
    return open_world(
        tmp_path, sandbox.credentials("http://sb"), transport=httpx.ASGITransport(app=sandbox.app)
    )


def names(snapshot: dict[str, Any], entity: str, *, active: bool = True) -> dict[str, list[str]]:
    """Per system ("bill", "qbo"): the names of the entity's records it holds (``active``:
    only those not archived)."""
    out = {}
    for system, where, key in SNAPSHOT[entity]:
        rows = snapshot[system][where]
        records = rows.values() if isinstance(rows, dict) else rows
        out[system] = sorted(
            str(r[key])
            for r in records
            if not active or (r.get("Active", True) and not r.get("archived", False))
        )
    return out
