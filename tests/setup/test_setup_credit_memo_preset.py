"""Credit memos in the setup: synced both ways by the preset, like invoices (nobody is
their master until a person says so), and ordered after what they refer to."""

from __future__ import annotations

from recontui.model.entities import ENTITIES, ORDER, SYNCED
from recontui.setup.lists import list_title
from recontui.setup.syncs import PRESET_DIRECTIONS, PRESET_MASTERS


def test_credit_memos_sync_both_ways_like_invoices_by_default() -> None:
    assert "credit_memo" in SYNCED
    assert PRESET_DIRECTIONS["credit_memo"] == PRESET_DIRECTIONS["invoice"] == "both"
    assert PRESET_MASTERS["credit_memo"] is None


def test_credit_memos_come_after_the_records_they_refer_to() -> None:
    spec = ENTITIES["credit_memo"]
    referred = {f.ref_entity for f in spec.refs()}
    assert referred == {"customer", "item", "class"}
    assert all(ORDER.index(name) < ORDER.index("credit_memo") for name in referred)
    assert list_title("credit_memo") == "Credit memos"
