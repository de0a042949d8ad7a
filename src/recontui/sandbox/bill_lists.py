"""BILL v3 list queries: ``filters``, ``sort``, ``max`` and opaque ``page`` tokens.

Page tokens carry a fingerprint of the filters and sort they were issued for, so a
client that changes its query mid-pagination gets an error instead of skewed pages.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import operator
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal, InvalidOperation
from typing import Any

from .bill_errors import BillError, bad_param, invalid_param
from .bill_resources import NUMBER_FIELDS, TIME_FIELDS, BillResource
from .clock import parse_instant

DEFAULT_MAX = 20
MAX_MAX = 100
OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "sw")


@dataclass
class Filter:
    field: str
    op: str
    values: list[str]


def parse_filters(text: str) -> list[Filter]:
    out: list[Filter] = []
    pos = 0
    while pos < len(text):
        colon = text.find(":", pos)
        if colon < 0:
            raise invalid_param("filters", text)
        field = text[pos:colon].strip()
        colon2 = text.find(":", colon + 1)
        if colon2 < 0:
            raise invalid_param("filters", text)
        op = text[colon + 1 : colon2].strip()
        if op not in OPS:
            raise BillError(400, "BDC_1131", f"Invalid list filter operator: {op}.")
        pos = colon2 + 1
        if pos < len(text) and text[pos] == '"':
            value, pos = _quoted(text, pos)
        else:
            end = text.find(",", pos)
            end = len(text) if end < 0 else end
            value, pos = text[pos:end], end
        # ``in``/``nin`` take one value listing several, comma-separated inside its quotes:
        # ``invoiceCurrency:in:"USD,CAD"`` (https://developer.bill.com/docs/search-op-with-lists).
        values = [v.strip() for v in value.split(",")] if op in ("in", "nin") else [value]
        if pos < len(text):
            if text[pos] != ",":
                raise invalid_param("filters", text)
            pos += 1
        out.append(Filter(field, op, values))
    return out


def _quoted(text: str, pos: int) -> tuple[str, int]:
    chars: list[str] = []
    pos += 1
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text):
            chars.append(text[pos + 1])
            pos += 2
            continue
        if ch == '"':
            return "".join(chars), pos + 1
        chars.append(ch)
        pos += 1
    raise invalid_param("filters", text)


def _dig(rec: dict[str, Any], dotted: str) -> Any:
    value: Any = rec
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _check_field(resource: BillResource, field: str, code: str) -> None:
    if field.split(".")[0] not in resource.filterable:
        if code == "BDC_1130":
            raise BillError(400, "BDC_1130", f"Invalid list filter field: {field}.")
        raise invalid_param("sort", field)


def _coerce(field: str, raw: str) -> Any:
    last = field.split(".")[-1]
    if last in TIME_FIELDS:
        try:
            return parse_instant(raw, UTC)
        except ValueError:
            raise invalid_param("filters", raw) from None
    if last in NUMBER_FIELDS:
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise invalid_param("filters", raw) from None
    if last == "archived":
        if raw.lower() not in ("true", "false"):
            raise invalid_param("filters", raw)
        return raw.lower() == "true"
    return raw


def _record_value(field: str, rec: dict[str, Any]) -> Any:
    value = _dig(rec, field)
    if value is None:
        return None
    if field.split(".")[-1] in TIME_FIELDS:
        return parse_instant(str(value), UTC)
    return value


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _matches(flt: Filter, rec: dict[str, Any]) -> bool:
    value = _record_value(flt.field, rec)
    wanted = [_coerce(flt.field, raw) for raw in flt.values]
    if flt.op == "in":
        return value in wanted
    if flt.op == "nin":
        return value not in wanted
    if flt.op == "sw":
        return isinstance(value, str) and value.casefold().startswith(wanted[0].casefold())
    if value is None:
        return flt.op == "ne"
    try:
        return _CMP[flt.op](value, wanted[0])
    except TypeError:
        raise invalid_param("filters", f"{flt.field}:{flt.op}") from None


def _fingerprint(filters: str, sort: str) -> str:
    return hashlib.sha256(f"{filters}|{sort}".encode()).hexdigest()[:10]


def _token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "k": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: str, fingerprint: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        offset = int(data["o"])
        if data["k"] != fingerprint or offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise invalid_param("page", token) from None


class _Key:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Key) -> bool:
        if self.value is None:
            return other.value is not None
        if other.value is None:
            return False
        try:
            return bool(self.value < other.value)
        except TypeError:
            return str(self.value) < str(other.value)


def _sort_key(field: str) -> Callable[[dict[str, Any]], _Key]:
    """How records sort by ``field`` (BILL's order for its values)."""
    return lambda rec: _Key(_record_value(field, rec))


def _filtered(
    records: Sequence[dict[str, Any]] | Callable[[], Sequence[dict[str, Any]]],
    filters: Sequence[Filter],
    order: Sequence[tuple[str, bool]],
) -> list[dict[str, Any]]:
    """The records the filters keep, in the list's order: created time and id, then the
    sort fields (stable sorts, last field first)."""
    rows = records() if callable(records) else records
    hits = [r for r in rows if all(_matches(f, r) for f in filters)]
    hits.sort(key=lambda r: (r["createdTime"], r["id"]))
    for field, descending in reversed(order):
        hits.sort(key=_sort_key(field), reverse=descending)
    return hits


#: Range operators a sorted list answers with a bisect.
_RANGE_OPS = frozenset({"gt", "gte", "lt", "lte"})


def _range_on_sort(
    filters: Sequence[Filter], order: Sequence[tuple[str, bool]]
) -> list[Filter] | None:
    """The filters, when they are all ranges on the one time field the list is sorted by
    ascending (the connector's keyset paging); None otherwise."""
    if len(order) != 1 or order[0][1] or order[0][0].split(".")[-1] not in TIME_FIELDS:
        return None
    field = order[0][0]
    if not filters or any(f.field != field or f.op not in _RANGE_OPS for f in filters):
        return None
    return list(filters)


def _ranged(
    resource: BillResource,
    records: Sequence[dict[str, Any]] | Callable[[], Sequence[dict[str, Any]]],
    memo: MutableMapping[str, Any],
    generation: int,
    sort_text: str,
    order: Sequence[tuple[str, bool]],
    ranges: Sequence[Filter],
) -> list[dict[str, Any]]:
    """The slice of the sorted list the time ranges keep (the same rows, in the same
    order, as filtering then sorting would give)."""
    key = f"{resource.path}|sorted"
    kept = memo.get(key)
    if kept is None or kept[:2] != (generation, sort_text):
        field = order[0][0]
        every = _filtered(records, (), order)
        stamps = [_record_value(field, r) for r in every]
        first = sum(1 for stamp in stamps if stamp is None)  # no time: sorted first, never kept
        kept = (generation, sort_text, every, stamps[first:], first)
        memo[key] = kept
    _, _, every, stamps, first = kept
    lo, hi = 0, len(stamps)
    for flt in ranges:
        wanted = _coerce(flt.field, flt.values[0])
        if flt.op == "gte":
            lo = max(lo, bisect.bisect_left(stamps, wanted))
        elif flt.op == "gt":
            lo = max(lo, bisect.bisect_right(stamps, wanted))
        elif flt.op == "lte":
            hi = min(hi, bisect.bisect_right(stamps, wanted))
        else:  # lt
            hi = min(hi, bisect.bisect_left(stamps, wanted))
    return list(every[first + lo : first + max(lo, hi)])


def page(
    resource: BillResource,
    records: Sequence[dict[str, Any]] | Callable[[], Sequence[dict[str, Any]]],
    params: dict[str, str],
    *,
    memo: MutableMapping[str, Any] | None = None,
    generation: int = 0,
) -> dict[str, Any]:
    """One page of ``records`` (or of what calling it gives) as the list endpoint answers.

    With ``memo``, the filtered and sorted list is kept per resource until ``generation``
    (the organisation's write count) or the query changes, so following ``nextPage``
    through a big list sorts it once instead of once per page.
    """
    raw_max = params.get("max")
    if raw_max is None:
        limit = DEFAULT_MAX
    else:
        try:
            limit = int(raw_max)
        except ValueError:
            raise bad_param(f"max must be an integer from 1 to {MAX_MAX}") from None
        if not 1 <= limit <= MAX_MAX:
            raise bad_param(f"max must be from 1 to {MAX_MAX}, got {limit}")
    filters_text = params.get("filters", "")
    sort_text = params.get("sort", "")
    filters = parse_filters(filters_text) if filters_text else []
    for flt in filters:
        _check_field(resource, flt.field, "BDC_1130")
    order: list[tuple[str, bool]] = []
    for part in [p for p in sort_text.split(",") if p.strip()]:
        field, _, direction = part.strip().partition(":")
        direction = direction or "asc"
        if direction not in ("asc", "desc"):
            raise invalid_param("sort", part)
        _check_field(resource, field, "sort")
        order.append((field, direction == "desc"))
    ranged = _range_on_sort(filters, order)
    cached = memo.get(resource.path) if memo is not None else None
    if ranged is not None and memo is not None:
        # Keyset paging (a time range on the field the list is sorted by, moved on every
        # page): the whole sorted list and its keys are kept, each page a bisect of them,
        # so following a big list costs O(page) per page, not O(list).
        hits = _ranged(resource, records, memo, generation, sort_text, order, ranged)
    elif cached is not None and cached[:3] == (generation, filters_text, sort_text):
        hits = cached[3]
    else:
        hits = _filtered(records, filters, order)
        if memo is not None:
            memo[resource.path] = (generation, filters_text, sort_text, hits)
    fingerprint = _fingerprint(filters_text, sort_text)
    offset = _offset(params["page"], fingerprint) if params.get("page") else 0
    rows = hits[offset : offset + limit]
    out: dict[str, Any] = {"results": rows}
    if offset + limit < len(hits):
        out["nextPage"] = _token(offset + limit, fingerprint)
    if offset > 0:
        out["prevPage"] = _token(max(0, offset - limit), fingerprint)
    return out
