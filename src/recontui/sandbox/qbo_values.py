"""Normalising QBO request values: numbers to Decimal, nulls dropped, refs as strings.

QBO's JSON layer coerces numbers given as strings and ids given as numbers, so the
stand-in does too; anything it cannot coerce is a 2010 fault, as in production.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .qbo_entities import NUMERIC, REF_TARGETS
from .qbo_faults import invalid_property

CENT = Decimal("0.01")


def to_decimal(value: Any, element: str) -> Decimal:
    if isinstance(value, bool):
        raise invalid_property(element, f"{element} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise invalid_property(element, f"{element} is not a number: {value!r}") from None
        if parsed.is_finite():
            return parsed
    raise invalid_property(element, f"{element} must be a number, got {value!r}")


def to_bool(value: Any, element: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_property(element, f"{element} must be true or false, got {value!r}")


def is_ref_key(key: str) -> bool:
    return key in REF_TARGETS or key in ("ParentRef", "EntityRef")


#: Date properties (schema type ``date``); an empty string is a date not supplied, as the
#: clients that send every property of an object send it for an unset one.
DATE_PROPS = frozenset(
    {
        "TxnDate",
        "DueDate",
        "ShipDate",
        "ServiceDate",
        "OpenBalanceDate",
        "OpeningBalanceDate",
        "InvStartDate",
        "TaxIdEffectiveDate",
        "InvoiceLinkExpiryDate",
    }
)


def normalise(value: Any, key: str = "") -> Any:
    """Drop nulls and empty dates, coerce numbers/booleans/ref ids, recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if v is None or (v == "" and k in DATE_PROPS):
                continue
            if isinstance(v, dict) and v and all(x is None for x in v.values()):
                continue  # an object of nulls is no value at all
            out[k] = normalise(v, k)
        if is_ref_key(key):
            if "value" not in out or out["value"] in ("", None):
                raise invalid_property(key, f"{key} needs a value")
            ident = out["value"]
            if isinstance(ident, bool) or not isinstance(ident, (str, int)):
                raise invalid_property(key, f"{key}.value must be a string id")
            # Names are filled in by the server on every read; a client's copy is ignored.
            return {"value": str(ident)}
        return out
    if isinstance(value, list):
        return [normalise(v, key) for v in value if v is not None]
    if key in NUMERIC:
        return to_decimal(value, key)
    if key in (
        "Active",
        "Taxable",
        "SubAccount",
        "SubClass",
        "SubDepartment",
        "SubItem",
        "Job",
        "BillWithParent",
        "Vendor1099",
        "TrackQtyOnHand",
        "Adjustment",
        "sparse",
    ):
        return to_bool(value, key)
    if (
        key in ("TxnId", "Id", "SyncToken")
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return str(value)
    return value


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)
