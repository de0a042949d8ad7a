"""README's walkthrough, end to end over real loopback sockets, as a person would run it.

`recontui sandbox serve` runs as its own process; every `recontui` command runs as
a subprocess; records are edited through the stand-ins' HTTP APIs; finally both
systems are read afresh and compared field for field.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from agreement import disagreements, pull_everything
from cheap_secrets_cli import recontui_writing_cheap_secrets

from recontui.model import ENTITIES, SYNCED
from recontui.secrets import open_secret_store
from recontui.store import open_store
from recontui.wiring import build_connector, secrets_path_for

PASSPHRASE = "correct horse battery staple"


def cli(env: dict[str, str], *args: str, check: int | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "recontui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if check is not None:
        assert proc.returncode == check, (args, proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def served(tmp_path: Path):
    env = {**os.environ, "RECONTUI_DB": str(tmp_path / "e2e.db"), "RECONTUI_PASSPHRASE": PASSPHRASE}
    env.pop("RECONTUI_PLAINTEXT_SECRETS", None)
    server = subprocess.Popen(
        recontui_writing_cheap_secrets(
            "sandbox",
            "serve",
            "--scenario",
            "conflicts",
            "--profile",
            "e2e",
            "--port",
            "0",
            "--seed",
            "11",
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        line = server.stdout.readline()
        assert line, server.stderr.read()
        info = json.loads(line)
        assert info["base_url"].startswith("http://127.0.0.1:")
        yield env, info
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


class QboClient:
    """A second client of the QBO stand-in, as another app would be."""

    def __init__(self, info: dict, secrets_path: Path) -> None:
        self.info = info["qbo"]
        self.secrets = open_secret_store(secrets_path, env={"RECONTUI_PASSPHRASE": PASSPHRASE})

    def token(self) -> str:
        refresh = self.secrets.get("e2e", "refresh_token")
        r = httpx.post(
            self.info["token_url"],
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            auth=(self.info["client_id"], self.info["client_secret"]),
        )
        r.raise_for_status()
        body = r.json()
        self.secrets.set("e2e", "refresh_token", body["refresh_token"])
        return body["access_token"]

    def update(self, entity: str, entity_id: str, changes: dict) -> dict:
        base = f"{self.info['api_base']}/v3/company/{self.info['realm_id']}"
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        current = httpx.get(
            f"{base}/{entity.lower()}/{entity_id}", headers=headers, params={"minorversion": "75"}
        ).json()[entity]
        body = {"Id": entity_id, "SyncToken": current["SyncToken"], "sparse": True, **changes}
        r = httpx.post(
            f"{base}/{entity.lower()}", headers=headers, json=body, params={"minorversion": "75"}
        )
        assert r.status_code == 200, r.text
        return r.json()[entity]


def bill_patch(info: dict, resource: str, record_id: str, changes: dict) -> dict:
    bill = info["bill"]
    login = httpx.post(
        f"{bill['api_base']}/v3/login",
        json={
            "username": bill["username"],
            "password": bill["password"],
            "organizationId": bill["organization_id"],
            "devKey": bill["dev_key"],
        },
    )
    assert login.status_code == 200, login.text
    headers = {"devKey": bill["dev_key"], "sessionId": login.json()["sessionId"]}
    r = httpx.patch(f"{bill['api_base']}/v3/{resource}/{record_id}", json=changes, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def read_both(env: dict[str, str]) -> tuple:
    store = open_store(env["RECONTUI_DB"])
    profile = store.get_profile("e2e")
    secrets = open_secret_store(secrets_path_for(store), env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    assert secrets.kind == "encrypted-file", secrets.describe()
    assert secrets.get("e2e", "password"), secrets.describe()

    async def go():
        ca = build_connector(profile, "a", secrets)
        cb = build_connector(profile, "b", secrets)
        async with ca, cb:
            synced = {
                e: tuple(
                    f.name
                    for f in ENTITIES[e].synced_fields
                    if f.name in (ca.fields(e) & cb.fields(e))
                )
                for e in SYNCED
            }
            # Both systems read in full, at once (the stand-ins' process answers one while
            # this one takes in the other's pages).
            a, b = await asyncio.gather(pull_everything(ca), pull_everything(cb))
            return a, b, synced

    a_data, b_data, synced = asyncio.run(go())
    return store, profile, a_data, b_data, synced


def test_walkthrough_sandbox_sync_resolve_edit_sync_agree(served) -> None:
    env, info = served
    first = cli(env, "sync", "--profile", "e2e", "--json", check=1)
    summary = json.loads(first.stdout)
    assert summary["counts"]["pulled"] > 1000
    assert summary["counts"]["conflicts_opened"] > 10

    conflicts = json.loads(cli(env, "conflicts", "list", "--json", check=0).stdout)
    field_conflicts = [c for c in conflicts if c["kind"] == "field"]
    # One customer conflict resolved field by field, with a typed value where it fits.
    target = next(c for c in field_conflicts if c["entity"] == "customer" and len(c["fields"]) >= 1)
    detail = json.loads(cli(env, "conflicts", "show", str(target["id"]), "--json", check=0).stdout)
    assert detail["systems"] == {"a": "BILL", "b": "QuickBooks Online"}
    picks, expected = [], {}
    for n, row in enumerate(detail["rows"]):
        name = row["field"]
        if name in ("phone", "company_name", "address_line1") and n % 2 == 0:
            picks += ["--pick", f"{name}==Chosen {name} 42"]
            expected[name] = f"Chosen {name} 42"
        else:
            side = "a" if n % 2 == 0 else "b"
            picks += ["--pick", f"{name}={side}"]
            expected[name] = row[side]
    cli(env, "conflicts", "resolve", str(target["id"]), *picks, check=0)
    # An incomplete choice is refused with the fields still open.
    other = next(c for c in field_conflicts if c["id"] != target["id"])
    bad = cli(env, "conflicts", "resolve", str(other["id"]), "--pick", "nonexistent=a", check=2)
    assert "is not in conflict" in bad.stderr
    for c in conflicts:
        if c["id"] == target["id"]:
            continue
        if c["kind"] == "match":
            shown = json.loads(
                cli(env, "conflicts", "show", str(c["id"]), "--json", check=0).stdout
            )
            cli(
                env,
                "conflicts",
                "resolve",
                str(c["id"]),
                "--link",
                str(shown["candidates"][0]["link"]),
                check=0,
            )
    # One field conflict taken whole from one side by id, the rest as README says: one
    # `resolve-all` (a process per conflict would only repeat the same start-up).
    whole = next(c for c in field_conflicts if c["id"] not in (target["id"], other["id"]))
    cli(env, "conflicts", "resolve", str(whole["id"]), "--all", "b", check=0)
    rest = json.loads(cli(env, "conflicts", "resolve-all", "--side", "b", "--json", check=0).stdout)
    assert len(rest["resolved"]) == len(field_conflicts) - 2 and rest["skipped"] == []
    left = json.loads(cli(env, "conflicts", "list", "--json", check=0).stdout)
    assert [c for c in left if c["status"] == "open"] == [], left

    # Outside edits on both sides, to records that are not in conflict.
    store, profile, a_data, b_data, _ = read_both(env)
    customers = [
        link
        for link in store.links(profile.id, "customer", where="state='paired'")
        if store.live_conflict_for_link(link.id) is None
    ]
    vendors = [
        link
        for link in store.links(profile.id, "vendor", where="state='paired'")
        if store.live_conflict_for_link(link.id) is None
    ]
    qbo = QboClient(info, secrets_path_for(store))
    qbo.update("Customer", customers[0].b_id, {"PrimaryPhone": {"FreeFormNumber": "+1 555 0100"}})
    bill_patch(info, "vendors", vendors[0].a_id, {"email": "new-ap@example.com"})
    edited_customer, edited_vendor = customers[0].id, vendors[0].id
    store.close()

    second = json.loads(cli(env, "sync", "--profile", "e2e", "--json", check=0).stdout)
    assert second["counts"]["resolutions_applied"] >= len(conflicts) - 1
    assert second["counts"]["open_conflicts"] == 0
    assert second["counts"]["push_failed"] == 0

    store, profile, a_data, b_data, synced = read_both(env)
    problems = disagreements(store, profile.id, a_data, b_data, synced)
    assert problems == []

    link = store.link(store.canonical_link_id(store.conflict(target["id"]).link_id))
    assert store.conflict(target["id"]).status == "pushed"
    for name, value in expected.items():
        got_a = a_data["customer"][link.a_id].fields.get(name)
        got_b = b_data["customer"][link.b_id].fields.get(name)
        assert (got_a or "").casefold().replace(" ", "") == str(value).casefold().replace(
            " ", ""
        ), name
        assert (got_b or "").casefold().replace(" ", "") == str(value).casefold().replace(
            " ", ""
        ), name
    customer = store.link(edited_customer)
    assert a_data["customer"][customer.a_id].fields["phone"] == "+1 555 0100"
    vendor = store.link(edited_vendor)
    assert b_data["vendor"][vendor.b_id].fields["email"] == "new-ap@example.com"
    # Totals reconcile to the cent on every linked invoice.
    for inv in store.links(profile.id, "invoice", where="state='paired'"):
        ta = a_data["invoice"][inv.a_id].fields["total"]
        tb = b_data["invoice"][inv.b_id].fields["total"]
        assert isinstance(ta, Decimal) and ta == tb

    # A third run with no outside change pushes nothing and exits 0.
    third = json.loads(cli(env, "sync", "--profile", "e2e", "--json", check=0).stdout)
    assert third["counts"]["pushed"] == 0 and third["counts"]["pulled"] == 0
    history = json.loads(cli(env, "history", "--profile", "e2e", "--json", check=0).stdout)
    assert [r["exit_code"] for r in history[:3]] == [0, 0, 1]
    log = cli(env, "log", str(history[0]["id"]), check=0)
    assert "finished: ok" in log.stdout
    # `recontui verify` reads both systems in full and agrees with the exit 0.
    assert cli(env, "verify", "--profile", "e2e", check=0).stdout.startswith("The books agree:")
