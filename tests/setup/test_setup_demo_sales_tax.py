"""`recontui demo --setup` serves a QuickBooks company that charges the seeded "California"
sales tax code, the rate of BILL's "CA + SF Sales Tax 8.625%": the setup driven from a file
against those stand-ins (127.0.0.1), with that tax mapped, runs a first sync that copies
BILL's invoices with totals equal to the cent (taxed ones with their tax, untaxed ones with
none) and nothing reported as differing after the write."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from recontui import cli
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.store import open_store

PASSPHRASE = "demo sales tax"


def demo_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxConfig:
    """The stand-ins' configuration `recontui demo --setup` serves (its console not run)."""
    seen: list[SandboxConfig] = []

    class Served:
        def __init__(self, config: SandboxConfig, **where: Any) -> None:
            seen.append(config)

        def start(self) -> Served:
            return self

        def __enter__(self) -> Served:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def credentials(self) -> dict[str, Any]:
            return {}

    class NoConsole:
        profile = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def run(self, **kwargs: Any) -> str:
            return "quit"

    monkeypatch.setattr("recontui.sandbox.RunningSandbox", Served)
    monkeypatch.setattr("recontui.tui.setup.SetupApp", NoConsole)
    args = argparse.Namespace(
        seed=7, port=0, no_mouse=True, db=str(tmp_path / "demo.db"), setup=True, headless=False
    )
    assert cli._demo_setup(args, {"RECONTUI_PASSPHRASE": "x"}, False) == 0
    (config,) = seen
    return config


def setup_file(tmp_path: Path, creds: dict[str, Any]) -> Path:
    bill, qbo = creds["bill"], creds["qbo"]
    (tmp_path / "keys.txt").write_text(
        f"dev_key={bill['dev_key']}\npassword={bill['password']}\n"
        f"client_id={qbo['client_id']}\nclient_secret={qbo['client_secret']}\n"
        f"refresh_token={qbo['refresh_token']}\n"
    )
    path = tmp_path / "setup.toml"
    path.write_text(
        'secrets_file = "keys.txt"\n\n[profile]\nname = "demo"\n\n'
        f'[bill]\napi_base = "{bill["api_base"]}"\n'
        f'organization_id = "{bill["organization_id"]}"\nusername = "{bill["username"]}"\n\n'
        f'[qbo]\napi_base = "{qbo["api_base"]}"\nrealm_id = "{qbo["realm_id"]}"\n\n'
        f'[companies]\nbilling = "{bill["organization_id"]}"\n'
        f'accounting = "{qbo["realm_id"]}"\n\n'
        '[accounts]\nincome = "Consulting Income"\nexpense = "Office Supplies"\n\n'
        '[tax]\n"CA + SF Sales Tax 8.625%" = "California"\n\n'
        '[syncs]\ninitial_window = "all"\nschedule = "off"\n\n'
        "[sync]\nstart = true\n"
    )
    return path


def test_the_demo_setup_first_sync_copies_invoices_with_equal_totals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = demo_config(tmp_path, monkeypatch)
    assert config.qbo_sales_tax_code == "California" and config.bill_sales_tax
    with RunningSandbox(config) as running:
        path = setup_file(tmp_path, running.credentials())
        with running.sandbox.lock:
            held = {i for i, _rec in running.sandbox.qbo_company.rows("Invoice")}
        monkeypatch.setenv("RECONTUI_PASSPHRASE", PASSPHRASE)
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        code = cli.main(["--db", str(tmp_path / "state.db"), "setup", "--from-file", str(path)])
        out = capsys.readouterr().out
        assert code in (0, 1), out  # 1: the near-duplicates wait for a person
        store = open_store(tmp_path / "state.db")
        (run,) = store.runs(store.get_profile("demo").id, limit=1)
        counts = run["counts"]
        assert counts["totals_differ"] == counts["not_carried"] == counts["held"] == 0, counts
        sandbox = running.sandbox
        with sandbox.lock:
            bill = {r["invoiceNumber"]: r for r in sandbox.bill_org.all("invoices")}
            copies = {
                rec["DocNumber"]: rec
                for _id, rec in sandbox.qbo_company.rows("Invoice")
                if rec.get("DocNumber") in bill and _id not in held  # made by the sync
            }
    assert len(copies) == 7, sorted(copies)
    for number, rec in copies.items():
        tax = Decimal(str((rec.get("TxnTaxDetail") or {}).get("TotalTax") or 0))
        assert Decimal(str(rec["TotalAmt"])) == bill[number]["totalAmount"], number
        assert tax == (bill[number].get("salesTaxTotal") or 0), number
    assert sum(1 for n in copies if n.startswith("T-")) == 2
