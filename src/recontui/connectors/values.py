"""Small value conversions shared by both mapping modules.

Kept apart from the mappings so that each mapping module is only a table of
"this canonical field is that JSON path", and so that dates, money and
timestamps are parsed the same way for both systems.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..model.money import to_decimal, to_money
from ..model.refs import Ref, RemoteRef


class MappingError(ValueError):
    """A remote value (or an outgoing canonical value) does not fit its field."""


def text_in(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise MappingError(f"expected text, got {type(value).__name__}")
    return str(value)


def money_in(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_money(value)
    except ValueError as exc:
        raise MappingError(str(exc)) from exc


def decimal_in(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise MappingError(str(exc)) from exc


def date_in(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MappingError(f"not a date: {value!r}") from exc


def bool_in(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MappingError(f"not a boolean: {value!r}")


def money_out(value: Any) -> Decimal:
    try:
        return to_money(value)
    except ValueError as exc:
        raise MappingError(str(exc)) from exc


def decimal_out(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise MappingError(str(exc)) from exc


def date_out(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    parsed = date_in(value)
    assert parsed is not None
    return parsed.isoformat()


def ref_id_out(value: Any, entity: str) -> str:
    """The remote id a reference points at; canonical ``Ref`` is refused.

    The runner must translate link ids to this system's ids before writing;
    sending a link id as if it were a remote id would point at a random record.
    """
    if isinstance(value, Ref):
        raise MappingError(
            f"a canonical Ref to {entity} reached the connector; translate it to a RemoteRef"
        )
    if isinstance(value, RemoteRef):
        return value.remote_id
    if isinstance(value, str) and value:
        return value
    raise MappingError(f"not a reference to {entity}: {value!r}")


def ref_in(value: Any, entity: str) -> RemoteRef | None:
    if value is None or value == "":
        return None
    return RemoteRef(entity, str(value))


def get_path(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def set_path(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        nxt = obj.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            obj[key] = nxt
        obj = nxt
    obj[path[-1]] = value


# ---------------------------------------------------------------------------
# Timestamps (cursors and versions)

_TS = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp as either API writes it (Z or ±HH:MM offsets)."""
    m = _TS.match(text.strip())
    if not m:
        raise MappingError(f"not a timestamp: {text!r}")
    frac = (m["frac"] or "")[:6].ljust(6, "0") if m["frac"] else "000000"
    tz = m["tz"] or ""
    if tz == "Z":
        tz = "+00:00"
    elif tz and ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    hms = m["time"] if m["time"].count(":") == 2 else m["time"] + ":00"
    return dt.datetime.fromisoformat(f"{m['date']}T{hms}.{frac}{tz}")


def shift_timestamp(text: str, seconds: float) -> str:
    """``text`` moved by ``seconds``, written in the same style as ``text``.

    Cursors are kept as the system's own strings; the overlap subtracted from a
    cursor before the next pull must come out in a form that system parses.
    """
    m = _TS.match(text.strip())
    if not m:
        raise MappingError(f"not a timestamp: {text!r}")
    moved = parse_timestamp(text) + dt.timedelta(seconds=seconds)
    out = moved.strftime("%Y-%m-%dT%H:%M:%S")
    if m["frac"]:
        digits = len(m["frac"])
        out += "." + f"{moved.microsecond:06d}"[:digits].ljust(digits, "0")
    tz = m["tz"]
    if tz == "Z":
        out += "Z"
    elif tz:
        offset = moved.utcoffset() or dt.timedelta(0)
        total = int(offset.total_seconds())
        sign = "-" if total < 0 else "+"
        hh, mm = divmod(abs(total) // 60, 60)
        out += f"{sign}{hh:02d}:{mm:02d}" if ":" in tz else f"{sign}{hh:02d}{mm:02d}"
    return out


def later(a: str | None, b: str | None) -> str | None:
    """The later of two timestamps (as their original strings); None is earliest."""
    if a is None:
        return b
    if b is None:
        return a
    return b if _instant(b) > _instant(a) else a


def _instant(text: str) -> dt.datetime:
    value = parse_timestamp(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
