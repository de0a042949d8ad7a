"""JSON with exact money: Decimals in, bare JSON numbers out.

Floats would round amounts; quoted numbers would change the wire type. Requests are
parsed with ``parse_float=Decimal`` and Decimals are written back as number literals.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson


class JsonError(ValueError):
    """The body is not the JSON the service expects."""


def _reject_constant(name: str) -> Any:
    raise JsonError(f"{name} is not valid JSON")


def loads(body: bytes | str) -> Any:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError("body is not UTF-8") from exc
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(str(exc)) from exc


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError("non-finite Decimal")
        return orjson.Fragment(format(value, "f").encode())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


def clone(value: Any) -> Any:
    """Deep copy of JSON-shaped data (dicts, lists, immutable scalars); far cheaper than
    ``copy.deepcopy`` on the hot paths (every read and write copies a record)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value
