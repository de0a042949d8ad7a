"""JSON for canonical values, preserving Decimal, date, Ref and RemoteRef.

Stored values are tagged (``{"$dec": "12.30"}``) so that a value read back from
SQLite is exactly the value written, whatever field it came from.

:func:`loads` is the store's decoder, run on every record a sync merges: a text with no
tag in it (no string starting with ``$``) is orjson's answer as it is, and the others are
walked once, in place, turning each tagged object into its value and leaving the
scalars alone (:func:`decode_value`, which copies, gives the same values).
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
    value = orjson.loads(text)
    # A tag is a key, so its text opens a string with "$" (or, written by another
    # encoder, with an escape such as "\u0024"): without either there is nothing to walk.
    if isinstance(text, str):
        tagless = '"$' not in text and '"\\u' not in text
    else:
        tagless = b'"$' not in text and b'"\\u' not in text
    if tagless:
        return value
    return _decode_fresh(value)


_date = dt.date.fromisoformat
_datetime = dt.datetime.fromisoformat


def _decode_fresh(value: Any) -> Any:
    """:func:`decode_value` of a value orjson just made, decoded in place (its dicts and
    lists belong to no one else): containers are entered, scalars left as they are, and
    the two commonest tags (money, dates) read where they are met, without a call."""
    kind = type(value)
    if kind is dict:
        if "$dec" in value:
            return Decimal(value["$dec"])
        if "$date" in value:
            return _date(value["$date"])
        if "$dt" in value:
            return _datetime(value["$dt"])
        if "$ref" in value:
            return Ref(value["$ref"], int(value["link"]))
        if "$rref" in value:
            return RemoteRef(value["$rref"], str(value["id"]))
        for key, item in value.items():
            # A new value for a key already there: the dict is not resized.
            inner = type(item)
            if inner is dict:
                if "$dec" in item:
                    value[key] = Decimal(item["$dec"])
                elif "$date" in item:
                    value[key] = _date(item["$date"])
                else:
                    value[key] = _decode_fresh(item)
            elif inner is list:
                value[key] = _decode_fresh(item)
        return value
    if kind is list:
        for index, item in enumerate(value):
            inner = type(item)
            if inner is dict or inner is list:
                value[index] = _decode_fresh(item)
    return value
