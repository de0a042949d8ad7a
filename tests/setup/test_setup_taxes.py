"""setup/taxes.py, the Tax mapping step without a screen: the sales taxes and tax codes a
pull read, which invoices charge which, and save_tax_map's checks and sentences (shared by
the screen and the file-driven setup)."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from recontui.cli import save_sandbox_profile
from recontui.run import RunOptions, run_sync
from recontui.sandbox import Sandbox, SandboxConfig
from recontui.setup.taxes import (
    accounting_tax_codes,
    billing_tax_codes,
    held_count,
    held_words,
    save_tax_map,
    tax_map,
    used_by_invoices,
)
from recontui.store import open_store
from recontui.wiring import connector_factory, open_secrets


def read_world(tmp_path: Path, **config: Any) -> tuple[Any, Any, Sandbox]:
    """A profile on the stand-ins after step 4's read (a pull: nothing written)."""
    sandbox = Sandbox(SandboxConfig(seed=7, scenario="demo", **config))
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": "tax tests"})
    save_sandbox_profile(
        store, argparse.Namespace(), "t", sandbox.credentials("http://sb"), secrets
    )
    profile = store.get_profile("t")
    transport = httpx.ASGITransport(app=sandbox.app)
    factory = connector_factory(profile, secrets, transport=transport)
    result = asyncio.run(run_sync(store, profile, factory, RunOptions(pull_only=True)))
    assert result.exit_code == 0, result.message
    return store, store.get_profile("t"), sandbox


@pytest.fixture
def taxed(tmp_path: Path) -> tuple[Any, Any, Sandbox]:
    return read_world(tmp_path, bill_sales_tax=True)


def test_the_lists_hold_what_the_pull_read(taxed: tuple[Any, Any, Sandbox]) -> None:
    store, profile, sandbox = taxed
    ca, oregon = sandbox.seed_ids["bill"]["salestax:CA"], sandbox.seed_ids["bill"]["salestax:OR"]
    taxes = billing_tax_codes(store, profile)
    assert [(t.id, t.name, t.rate, t.invoices) for t in taxes] == [
        (ca, "CA + SF Sales Tax 8.625%", Decimal("8.625"), 2),  # charged ones first
        (oregon, "Oregon (no sales tax)", Decimal("0"), 0),
    ]
    assert used_by_invoices(store, profile) == {ca: 2}
    codes = accounting_tax_codes(store, profile)
    assert [(c.id, c.name) for c in codes] == [
        (sandbox.seed_ids["qbo"]["taxcode:California"], "California")
    ]


def test_saving_checks_each_pair_and_keeps_an_unmapped_one_allowed(
    taxed: tuple[Any, Any, Sandbox],
) -> None:
    store, profile, sandbox = taxed
    ca = sandbox.seed_ids["bill"]["salestax:CA"]
    code = sandbox.seed_ids["qbo"]["taxcode:California"]
    said = save_tax_map(store, profile, {"0ii-nope": code}, "t")
    assert said is not None and said.startswith("'0ii-nope' is not a BILL sales tax")
    said = save_tax_map(store, profile, {ca: "999"}, "t")
    assert said == (
        "'999' is not an active QuickBooks Online tax code (for 'CA + SF Sales Tax 8.625%'): "
        "choose one of the list."
    )
    assert tax_map(store, profile) == {}  # nothing saved by a refused map
    # Unmapped is allowed, and said with the invoices it holds.
    assert save_tax_map(store, profile, {ca: None}, "t") is None
    assert held_count(store, profile, {}) == 2
    assert held_words(store, profile, {}) == (
        "2 invoices will be held, not copied, until you map 'CA + SF Sales Tax 8.625%'; "
        "everything else syncs."
    )
    assert save_tax_map(store, profile, {ca: code}, "t") is None
    assert tax_map(store, profile) == {ca: code}
    assert held_count(store, profile, tax_map(store, profile)) == 0
    audit = [e for e in store.audit(profile.id) if e.get("field") == f"tax.{ca}"]
    assert audit and audit[-1]["new"] == code  # audited like every setting
    # Unmapping again removes it from the map the run reads.
    assert save_tax_map(store, profile, {ca: ""}, "t") is None
    assert tax_map(store, profile) == {}


def test_a_company_without_sales_tax_has_nothing_to_map(tmp_path: Path) -> None:
    store, profile, _ = read_world(tmp_path)
    assert billing_tax_codes(store, profile) == []
    assert held_words(store, profile, {}) == (
        "BILL charges no sales tax on any invoice: there is nothing to map."
    )
    assert save_tax_map(store, profile, {}, "t") is None
