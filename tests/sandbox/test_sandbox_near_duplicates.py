"""`SandboxConfig.near_duplicates` (what `recontui demo --setup` serves): the same
customers and vendor entered in each system a little differently, so the setup's Match
review has real suggestions; off, the companies are seeded as before."""

from __future__ import annotations

from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.seed_twins import TWINS


def _names(snapshot: dict, system: str, resource: str, key: str) -> set[str]:
    records = snapshot[system][resource]
    return {str(rec[key]) for rec in (records.values() if isinstance(records, dict) else records)}


def test_each_twin_is_in_both_systems_spelled_its_own_way() -> None:
    plain = Sandbox(SandboxConfig(seed=7, scenario="demo")).snapshot()
    twins = Sandbox(SandboxConfig(seed=7, scenario="demo", near_duplicates=True)).snapshot()
    for entity, bill, qbo in TWINS:
        resource, qbo_name = (
            ("customers", "Customer")
            if entity == "customer"
            else (
                "vendors",
                "Vendor",
            )
        )
        assert bill["name"] in _names(twins, "bill", resource, "name")
        assert bill["name"] not in _names(plain, "bill", resource, "name")
        assert qbo["DisplayName"] in _names(twins, "qbo", qbo_name, "DisplayName")
        assert qbo["DisplayName"] not in _names(plain, "qbo", qbo_name, "DisplayName")
