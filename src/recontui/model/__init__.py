"""The canonical model: entities, typed fields, Decimal money, references."""

from .entities import ENTITIES, ORDER, SIDES, SYNCED, EntitySpec, Side, entity, other
from .fields import (
    FieldSpec,
    FieldType,
    FieldValueError,
    display,
    is_blank,
    normalize,
    parse_value,
    same,
)
from .money import CENT, MoneyError, to_decimal, to_money
from .record import RemoteRecord
from .refs import Ref, RemoteRef

__all__ = [
    "CENT",
    "ENTITIES",
    "ORDER",
    "SIDES",
    "SYNCED",
    "EntitySpec",
    "FieldSpec",
    "FieldType",
    "FieldValueError",
    "MoneyError",
    "Ref",
    "RemoteRecord",
    "RemoteRef",
    "Side",
    "display",
    "entity",
    "is_blank",
    "normalize",
    "other",
    "parse_value",
    "same",
    "to_decimal",
    "to_money",
]
