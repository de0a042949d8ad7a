"""engine/filters.py: which records one system holds alone are copied to the other, by
type include list (per entity and system) and created-date range (per system), and what
the setup and Preferences accept as either; engine/window.py: editing an older record
brings it into the initial window."""

from __future__ import annotations

import datetime as dt

import pytest

from recontui.connectors import bill_map, qbo_map
from recontui.engine.filters import (
    NO_TYPE,
    TYPE_NOUNS,
    CreatedRange,
    FilterError,
    Filters,
    check_type_list,
    kept_out,
    parse_range,
    parse_type_list,
    party_kept_out,
    stored_range,
)
from recontui.engine.window import EDIT_MARGIN, brought_in, edited_after_first_run
from recontui.model import ENTITIES

CUSTOMER = ENTITIES["customer"]
VENDOR = ENTITIES["vendor"]
INVOICE = ENTITIES["invoice"]
Q1 = CreatedRange(dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def retail_only() -> Filters:
    return Filters.from_settings({"customer.qbo": ("Retail", "Wholesale")}, {})


def test_a_customer_whose_type_is_not_in_the_list_is_kept_out() -> None:
    found = kept_out(retail_only(), CUSTOMER, "qbo", {"name": "Acme", "type": "Online"})
    assert found is not None
    assert found.kind == "type" and found.field == "type"
    assert found.why == "customer type 'Online' is not in the include list"


def test_a_listed_type_passes_whatever_its_case_and_spacing() -> None:
    for typed in ("Retail", "retail", "  WHOLESALE "):
        assert kept_out(retail_only(), CUSTOMER, "qbo", {"type": typed}) is None


def test_a_record_without_a_type_passes_only_when_the_list_says_so() -> None:
    assert kept_out(retail_only(), CUSTOMER, "qbo", {"type": None}) is not None
    assert kept_out(retail_only(), CUSTOMER, "qbo", {}) is not None
    with_none = Filters.from_settings({"customer.qbo": ("Retail", NO_TYPE)}, {})
    assert kept_out(with_none, CUSTOMER, "qbo", {"type": None}) is None
    assert kept_out(with_none, CUSTOMER, "qbo", {"type": "Online"}) is not None


def test_a_list_applies_to_its_own_entity_and_system_only() -> None:
    online = {"type": "Online"}
    assert kept_out(retail_only(), CUSTOMER, "bill", online) is None  # BILL's customers
    assert kept_out(retail_only(), VENDOR, "qbo", online) is None
    person = Filters.from_settings({"vendor.bill": ("BUSINESS",)}, {})
    found = kept_out(person, VENDOR, "bill", {"type": "PERSON"})
    assert found is not None and found.why == "account type 'PERSON' is not in the include list"


def test_no_filter_keeps_nothing_out() -> None:
    assert not Filters().active
    assert kept_out(Filters(), CUSTOMER, "qbo", {"type": "Online"}) is None
    # Lists for systems or entities without types, and empty lists, are no filter.
    ignored = Filters.from_settings({"vendor.qbo": ("X",), "customer.bill": ()}, {"qbo": None})
    assert not ignored.active


def test_a_list_record_outside_its_systems_range_is_kept_out_by_its_created_day() -> None:
    filters = Filters.from_settings({}, {"bill": ["2026-01-01", "2026-03-31"]})
    inside = {"created": dt.date(2026, 3, 31)}
    outside = {"created": dt.date(2025, 12, 31)}
    assert kept_out(filters, CUSTOMER, "bill", inside) is None
    found = kept_out(filters, CUSTOMER, "bill", outside)
    assert found is not None and found.kind == "created" and found.field == "created"
    assert found.why == (
        "created 2025-12-31, outside the created-date range 2026-01-01 to 2026-03-31"
    )
    assert kept_out(filters, CUSTOMER, "qbo", outside) is None  # the other system: no range
    assert kept_out(filters, CUSTOMER, "bill", {"created": None}) is None  # unknown: copied


def test_a_transaction_is_kept_out_by_its_own_date() -> None:
    filters = Filters.from_settings({}, {"qbo": ["2026-01-01", ""]})
    found = kept_out(filters, INVOICE, "qbo", {"date": dt.date(2025, 6, 1)})
    assert found is not None and found.field == "date"
    assert found.why == "dated 2025-06-01, outside the created-date range from 2026-01-01"
    assert kept_out(filters, INVOICE, "qbo", {"date": dt.date(2026, 6, 1)}) is None


def test_the_type_is_said_before_the_day() -> None:
    both = Filters.from_settings({"customer.qbo": ("Retail",)}, {"qbo": ["2026-01-01", ""]})
    found = kept_out(both, CUSTOMER, "qbo", {"type": "Online", "created": dt.date(2020, 1, 1)})
    assert found is not None and found.kind == "type"


def test_a_record_of_a_party_kept_out_is_kept_out_with_it() -> None:
    party = kept_out(retail_only(), CUSTOMER, "qbo", {"type": "Online"})
    assert party is not None
    found = party_kept_out("customer", "customer 'Acme'", party)
    assert found.kind == "party" and found.field == "customer"
    assert found.why == (
        "its customer 'Acme' is not copied (customer type 'Online' is not in the include list)"
    )


@pytest.mark.parametrize(
    ("typed", "start", "end", "words"),
    [
        ("2026-01-01 to 2026-03-31", dt.date(2026, 1, 1), dt.date(2026, 3, 31), None),
        ("from 2026-01-01 until 2026-03-31", dt.date(2026, 1, 1), dt.date(2026, 3, 31), None),
        ("from 2026-01-01", dt.date(2026, 1, 1), None, "from 2026-01-01"),
        ("  To  2026-03-31 ", None, dt.date(2026, 3, 31), "to 2026-03-31"),
        ("all", None, None, "all"),
        ("", None, None, "all"),
    ],
)
def test_ranges_as_typed(typed: str, start: object, end: object, words: str | None) -> None:
    found = parse_range(typed)
    assert (found.start, found.end) == (start, end)
    assert str(found) == (words or "2026-01-01 to 2026-03-31")
    assert stored_range(found.stored()) == found  # what is saved reads back the same


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2026-03-31 to 2026-01-01", "ends before it starts"),
        ("2026-02-30 to 2026-03-31", "2026-02-30 is not a date"),
        ("last quarter", "is not a date range"),
    ],
)
def test_what_is_not_a_range_is_refused_with_a_sentence(typed: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        parse_range(typed)


def test_include_lists_as_typed_and_checked() -> None:
    assert parse_type_list("all") is None and parse_type_list("  ") is None
    assert parse_type_list("Retail,  Whole  sale, Retail,") == ("Retail", "Whole sale")
    assert check_type_list("customer", "qbo", "QuickBooks Online", ("Retail",)) is None
    assert check_type_list("customer", "qbo", "QuickBooks Online", None) is None
    assert "carry no type" in str(check_type_list("vendor", "qbo", "QuickBooks Online", ("X",)))
    assert "would copy no customer" in str(check_type_list("customer", "bill", "BILL", ()))
    assert "is a name" in str(check_type_list("customer", "bill", "BILL", ("",)))
    assert "not an entity" in str(check_type_list("widget", "bill", "BILL", ("X",)))
    assert check_type_list("vendor", "bill", "BILL", ("business", "(No Type)")) is None
    assert check_type_list("vendor", "bill", "BILL", ("BUISNESS",)) == (
        "BILL's account types are BUSINESS, PERSON and NONE; 'BUISNESS' is none of them."
    )


def test_the_systems_with_types_are_the_ones_whose_connector_maps_a_type() -> None:
    """The engine's table of who has types agrees with the two mappings (no vendor type
    in QuickBooks Online: docs/remote-shapes.md)."""
    for entity in ("customer", "vendor"):
        mapped = {
            system
            for system, table in (("qbo", qbo_map.QBO_ENTITIES), ("bill", bill_map.BILL_ENTITIES))
            if "type" in table.fields_of(entity)
        }
        assert mapped == set(TYPE_NOUNS.get(entity, {})), entity


def test_an_old_record_edited_after_the_first_run_is_brought_into_the_window() -> None:
    first_run = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    seen = first_run + dt.timedelta(seconds=5)  # the first run read it
    window = dt.date(2026, 2, 1)
    old = dt.date(2025, 6, 1)
    later = seen + EDIT_MARGIN + dt.timedelta(seconds=1)

    def synced(changed: dt.datetime | None, **kw: object) -> bool:
        args: dict = {"first_seen": seen, "first_run": first_run, **kw}
        return brought_in(old, window, changed_at=changed, **args)

    assert synced(later)
    assert not synced(first_run - dt.timedelta(days=1))  # changed before the first run
    assert not synced(seen + EDIT_MARGIN)  # within the margin of the first read
    assert not synced(None)
    assert not synced(later, first_run=None)  # no first run yet
    # Entered after the first run, dated before the window: read late, not changed since.
    entered = first_run + dt.timedelta(days=3)
    assert not synced(entered, first_seen=entered + dt.timedelta(hours=1))
    assert synced(entered + dt.timedelta(days=1), first_seen=entered + dt.timedelta(hours=1))
    assert brought_in(window, window, changed_at=None, first_seen=None, first_run=None)
    assert not edited_after_first_run(later, None, first_run)
