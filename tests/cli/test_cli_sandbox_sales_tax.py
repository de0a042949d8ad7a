"""`recontui sandbox serve --bill-sales-tax`: the BILL stand-in charges sales tax (its
sales-tax items and the invoices that charge one), for the setup's Tax mapping step."""

from __future__ import annotations

from recontui.cli import _sandbox_config, build_parser
from recontui.sandbox import SandboxConfig


def config(*flags: str) -> SandboxConfig:
    return _sandbox_config(build_parser().parse_args(["sandbox", "serve", *flags]))


def test_the_flag_turns_bill_sales_tax_on_and_it_is_off_by_default() -> None:
    assert config("--bill-sales-tax").bill_sales_tax is True
    assert config().bill_sales_tax is False
