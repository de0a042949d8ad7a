"""JSON for canonical values, preserving Decimal, date, Ref and RemoteRef.

Stored values are tagged (``{"$dec": "12.30"}``) so that a value read back from
SQLite is exactly the value written, whatever field it came from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson

from .refs import Ref, RemoteRef


def encode_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return {"$dec": format(value, "f")}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Ref):
        return {"$ref": value.entity, "link": value.link}
    if isinstance(value, RemoteRef):
        return {"$rref": value.entity, "id": value.remote_id}
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    if isinstance(value, float):
        return {"$dec": repr(value)}
    raise TypeError(f"cannot store value of type {type(value).__name__}")


def decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dec" in value:
            return Decimal(value["$dec"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
        if "$ref" in value:
            return Ref(value["$ref"], int(value["link"]))
        if "$rref" in value:
            return RemoteRef(value["$rref"], str(value["id"]))
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return orjson.dumps(encode_value(value), option=orjson.OPT_SORT_KEYS).decode()


def loads(text: str | bytes | None) -> Any:
    if text is None:
        return None
    return decode_value(orjson.loads(text))
