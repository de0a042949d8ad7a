"""A field's compiled normaliser (model/fields.py ``normalizer``) keys every value as
``normalize`` does: the merge compares through it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from recontui.model import ENTITIES, Ref, RemoteRef
from recontui.model.fields import normalize, normalizer

SPECS = sorted(
    {
        (entity.name, spec.name): spec for entity in ENTITIES.values() for spec in entity.fields
    }.items()
)
LINE_SPECS = [sub for _, spec in SPECS for sub in spec.line_fields]


class Text(str):
    """Text that is not exactly ``str`` (the normaliser's shortcut must not take it)."""


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(st.sampled_from(" \t\nAaÉé1-+()@.,ﬁ"), max_size=8),
    st.text(max_size=6).map(Text),
    st.decimals(allow_nan=True, places=3, min_value=-1000, max_value=1000)
    | st.just(Decimal("NaN")),
    st.sampled_from(["10.00", "$1,000.5", "2024-02-29", "2024-02-29T10:00", "x", "  "]),
    st.dates(),
    st.datetimes(),
    st.builds(Ref, st.just("customer"), st.integers(1, 3)),
    st.builds(RemoteRef, st.just("item"), st.sampled_from(["1", "2"])),
    st.lists(st.fixed_dictionaries({"amount": st.sampled_from(["1", "1.00", None])}), max_size=2),
    st.just(()),
)


def key(call: Any) -> Any:
    try:
        out = call()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("value", type(out), repr(out))


@given(st.sampled_from([spec for _, spec in SPECS] + LINE_SPECS), values)
@settings(max_examples=1500)
def test_the_compiled_normaliser_keys_a_value_as_normalize_does(spec, value):
    assert key(lambda: normalizer(spec)(value)) == key(lambda: normalize(spec, value))


def test_blank_text_is_none_and_other_text_its_key():
    name = ENTITIES["customer"].field("name")
    norm = normalizer(name)
    assert norm("  \t") is None and norm("") is None and norm(None) is None
    assert norm("  ACME   Ltd ") == normalize(name, "  ACME   Ltd ") == "acme ltd"
    assert norm(dt.date(2024, 1, 1)) == normalize(name, dt.date(2024, 1, 1))
