"""`recontui verify` and `recontui sync --verify` from the command line, over real loopback
sockets: exit codes, the JSON shape, the stored result, one sentence when a system is down."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recontui.cli import main, save_sandbox_profile
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets

PASSPHRASE = "verify-cli-tests"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Both stand-ins on 127.0.0.1 and a profile `t` pointing at them."""
    monkeypatch.setenv("RECONTUI_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("RECONTUI_PLAINTEXT_SECRETS", raising=False)
    db = tmp_path / "cli.db"
    running = RunningSandbox(SandboxConfig(scenario="demo")).start()
    try:
        store = open_store(db)
        secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
        save_sandbox_profile(store, argparse.Namespace(), "t", running.credentials(), secrets)
        store.close()
        yield {"db": str(db), "running": running}
    finally:
        running.stop()


def recontui(served: dict[str, Any], *args: str) -> int:
    return main(["--db", served["db"], *args])


def edit_in_quickbooks(served: dict[str, Any], entity: str, **changes: Any) -> str:
    """Change the first linked record of ``entity`` straight through QuickBooks' API."""
    store = open_store(served["db"])
    profile = store.get_profile("t")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    link = store.links(profile.id, entity, where="state='paired'")[0]

    class Quiet:
        def connector_sink(self, label: str) -> Any:
            return lambda *a: None

    async def go() -> None:
        async with connector_factory(profile, secrets)("b", Quiet()) as conn:
            rec = await conn.read(entity, link.b_id)
            await conn.update(
                entity, link.b_id, rec.version, changes, idempotency_key=uuid.uuid4().hex
            )

    asyncio.run(go())
    store.close()
    return link.b_id


def test_verify_exits_0_when_the_books_agree_and_1_when_they_do_not(served, capsys) -> None:
    assert recontui(served, "sync", "-p", "t") == 0
    capsys.readouterr()
    assert recontui(served, "verify", "-p", "t", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"agree", "checked", "disagreements", "excluded", "run_at"}
    assert report["agree"] is True and report["disagreements"] == []
    assert report["checked"]["customer"]["pairs"] == report["checked"]["customer"]["a"] > 0
    assert set(report["checked"]["invoice"]) == {"pairs", "a", "b"}

    b_id = edit_in_quickbooks(served, "customer", company_name="Changed In QuickBooks LLC")
    assert recontui(served, "verify", "-p", "t", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["agree"] is False and report["disagreement_count"] == 1
    (found,) = report["disagreements"]
    assert found["entity"] == "customer" and found["field"] == "company_name"
    assert found["b_id"] == b_id and found["b"] == "Changed In QuickBooks LLC"
    assert set(found) >= {"record", "link", "a", "b", "what_to_do", "action", "conflict"}

    assert recontui(served, "verify", "-p", "t") == 1
    text = capsys.readouterr().out
    assert text.startswith("The books do not agree: 1 disagreement;")
    assert "Changed In QuickBooks LLC" in text and "run `recontui sync`" in text

    store = open_store(served["db"])
    last = store.last_verification(store.get_profile("t").id)
    assert last is not None and last["agree"] is False and last["disagreements"] == 1
    assert last["pairs"] == report["checked"]["customer"]["pairs"] + sum(
        c["pairs"] for e, c in report["checked"].items() if e != "customer"
    )


def test_sync_verify_turns_a_clean_run_into_exit_1_when_the_books_disagree(served, capsys) -> None:
    assert recontui(served, "sync", "-p", "t", "--verify") == 0
    assert "The books agree" in capsys.readouterr().out
    # Customers are copied from BILL only and changes against that are let be: the run
    # itself has nothing to do, but the books no longer agree.
    store = open_store(served["db"])
    profile = store.get_profile("t")
    store.set_setting(profile.id, "direction.customer", "a_to_b", actor="t")
    store.set_setting(profile.id, "on_forbidden", "ignore", actor="t")
    store.close()
    edit_in_quickbooks(served, "customer", email="edited-in-qbo@example.com")
    assert recontui(served, "sync", "-p", "t", "--verify", "--json") == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["exit_code"] == 1
    assert out["verify"]["agree"] is False
    assert out["verify"]["run_id"] == out["run_id"]
    assert [d["field"] for d in out["verify"]["disagreements"]] == ["email"]


def test_verify_exits_3_in_one_sentence_when_a_system_cannot_be_read(served, capsys) -> None:
    assert recontui(served, "sync", "-p", "t") == 0
    store = open_store(served["db"])
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    secrets.set("t", "password", "not-the-password")
    store.close()
    capsys.readouterr()
    assert recontui(served, "verify", "-p", "t") == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("recontui: BILL") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and captured.out == ""


def test_verify_of_an_unknown_entity_is_refused(served, capsys) -> None:
    assert recontui(served, "verify", "-p", "t", "--entity", "tax_rate") == 2
    assert "--entity 'tax_rate' is not an entity recontui syncs" in capsys.readouterr().err
