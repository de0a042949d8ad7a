"""Small value conversions shared by both mapping modules.

Kept apart from the mappings so that each mapping module is only a table of
"this canonical field is that JSON path", and so that dates, money and
timestamps are parsed the same way for both systems. :class:`Codec` is the one
per-kind dispatch; each system adds only its own kinds (and its shape of a
reference) to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..model.fields import to_price
from ..model.money import CENT, MAX_MONEY, to_decimal, to_money
from ..model.refs import Ref, RemoteRef


class MappingError(ValueError):
    """A remote value (or an outgoing canonical value) does not fit its field."""


class CannotCarry(MappingError):
    """A write refused because it would lose something the remote record holds.

    ``template`` is one sentence for the user with ``{record}`` where the record's
    name goes; ``record`` is that name when the mapping knows it (an invoice number),
    else the connector names the record (see :meth:`sentence`).
    """

    def __init__(self, template: str, record: str | None = None) -> None:
        self.template = template
        self.record = record
        super().__init__(self.sentence("the record"))

    def sentence(self, fallback: str) -> str:
        """The sentence, naming the record ``record`` or else ``fallback``."""
        text = self.template.replace("{record}", self.record or fallback, 1)
        return text[:1].upper() + text[1:]


def text_in(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise MappingError(f"expected text, got {type(value).__name__}")
    return str(value)


def _number(convert: Callable[[Any], Decimal], value: Any) -> Decimal:
    try:
        return convert(value)
    except ValueError as exc:
        raise MappingError(str(exc)) from exc
    except ArithmeticError as exc:  # decimal.InvalidOperation: too many digits for the cent
        raise MappingError(f"number too large: {value!r}") from exc


def money_in(value: Any) -> Decimal | None:
    if type(value) is Decimal and value.is_finite() and abs(value) <= MAX_MONEY:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)  # to_money's, without its checks
    return None if value is None or value == "" else _number(to_money, value)


def decimal_in(value: Any) -> Decimal | None:
    return None if value is None or value == "" else _number(to_decimal, value)


def price_in(value: Any) -> Decimal | None:
    """A unit price as the remote holds it (every decimal kept, at least two)."""
    return None if value is None or value == "" else _number(to_price, value)


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
    return _number(to_money, value)


def decimal_out(value: Any) -> Decimal:
    return _number(to_decimal, value)


def price_out(value: Any) -> Decimal:
    return _number(to_price, value)


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


def objects(raw: Any, not_list: str, not_object: str) -> Iterator[dict[str, Any]]:
    """The entries of a JSON array of objects (none for null); ``not_*`` are the errors."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise MappingError(not_list)
    for entry in raw:
        if not isinstance(entry, dict):
            raise MappingError(not_object)
        yield entry


def line_rows(name: str, rows: Any) -> Iterator[Mapping[str, Any]]:
    """The canonical rows of list field ``name``, each checked to be a mapping."""
    for row in rows:
        if not isinstance(row, Mapping):
            raise MappingError(f"{name}: each line must be a mapping")
        yield row


# ---------------------------------------------------------------------------
# Fields and the per-kind dispatch

#: One conversion of a raw JSON value to a canonical one, or back.
Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    """One canonical field at one JSON path; ``kind`` says how its value converts."""

    name: str
    path: tuple[str, ...]
    kind: str = "text"
    ref: str | None = None  # the entity a "ref" field points at
    read_only: bool = False
    #: The system sets it itself (BILL's check number): read only here, and its value
    #: flows out to the other system only (engine/merge.py ``SET_BY``).
    set_by_system: bool = False


_KINDS_IN: dict[str, Convert] = {
    "text": text_in,
    "money": money_in,
    "decimal": decimal_in,
    "price": price_in,
    "date": date_in,
    "bool": bool_in,
}
#: The shared kinds whose conversion of None is None (a reference's too).
_KEEPS_NONE = frozenset({*_KINDS_IN, "ref"})
#: Readers a codec keeps (one per field tuple of the mapping's tables, far fewer).
_READERS_KEPT = 256
#: Every field of a tuple read from one remote object (:meth:`Codec.reader`).
Reader = Callable[[Any], dict[str, Any]]

_KINDS_OUT: dict[str, Convert] = {
    "text": str,
    "money": money_out,
    "decimal": decimal_out,
    "price": price_out,
    "date": date_out,
    "bool": bool,
}


@dataclass(frozen=True)
class Codec:
    """How one system writes field values: the shared kinds plus its own.

    ``kinds_in``/``kinds_out`` convert the system's own kinds (account types,
    postings, archived flags). ``ref_key`` is set when a reference is an object
    ``{ref_key: id}`` (QBO) rather than a plain id (BILL). ``empty_text`` is what
    a partial update sends to empty a text field (other kinds are sent null).
    """

    kinds_in: Mapping[str, Convert] = field(default_factory=dict)
    kinds_out: Mapping[str, Convert] = field(default_factory=dict)
    ref_key: str | None = None
    empty_text: str | None = None
    #: id(a field tuple) -> (the tuple, its reader): see :meth:`reader`.
    _readers: dict[int, tuple[tuple[Field, ...], Reader]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def value_in(self, f: Field, raw: Any) -> Any:
        """The canonical value of ``raw`` (from ``f.path``); errors name the path."""
        try:
            if f.kind == "ref":
                assert f.ref is not None
                if self.ref_key is not None and isinstance(raw, dict):
                    raw = raw.get(self.ref_key)
                return ref_in(raw, f.ref)
            convert = self.kinds_in.get(f.kind) or _KINDS_IN.get(f.kind)
            if convert is not None:
                return convert(raw)
        except MappingError as exc:
            raise MappingError(f"{'.'.join(f.path)}: {exc}") from None
        raise AssertionError(f.kind)

    def value_out(self, f: Field, value: Any) -> Any:
        """The JSON value for canonical ``value`` (not None); errors name the field."""
        try:
            if f.kind == "ref":
                assert f.ref is not None
                remote_id = ref_id_out(value, f.ref)
                return remote_id if self.ref_key is None else {self.ref_key: remote_id}
            convert = self.kinds_out.get(f.kind) or _KINDS_OUT.get(f.kind)
            if convert is not None:
                return convert(value)
        except MappingError as exc:
            raise MappingError(f"{f.name}: {exc}") from None
        raise AssertionError(f.kind)

    def fields_in(self, fields: tuple[Field, ...], obj: Any) -> dict[str, Any]:
        """Every one of ``fields`` read from ``obj`` (None where it is absent)."""
        return self.reader(fields)(obj)

    def reader(self, fields: tuple[Field, ...]) -> Reader:
        """:meth:`fields_in` for ``fields``, each field's conversion looked up once: a pull
        reads every record of an entity with the same fields (the mapping's tables), so
        the reader is kept per tuple (by identity, the tuple held so its id stays its own).
        """
        if type(fields) is not tuple:  # a list could change under the same id
            return self._compile(tuple(fields))
        hit = self._readers.get(id(fields))
        if hit is not None and hit[0] is fields:
            return hit[1]
        read = self._compile(fields)
        if len(self._readers) >= _READERS_KEPT:
            self._readers.clear()
        self._readers[id(fields)] = (fields, read)
        return read

    def _compile(self, fields: tuple[Field, ...]) -> Reader:
        """A reader doing what :meth:`value_in` does for each field, with the kind's
        conversion found once; text that is already text and a blank of a shared kind
        (None stays None) are taken as they are, without a call."""
        steps = tuple(
            (
                f.name,
                f.path,
                self._convert_in(f),
                f.kind in _KEEPS_NONE and f.kind not in self.kinds_in,
                f.kind == "text" and "text" not in self.kinds_in,
            )
            for f in fields
        )

        def read(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, path, convert, keeps_none, text in steps:
                raw = obj
                for key in path:  # get_path, inline
                    raw = raw.get(key) if isinstance(raw, dict) else None
                if raw is None and keeps_none:
                    out[name] = None
                elif text and type(raw) is str:
                    out[name] = raw
                else:
                    try:
                        out[name] = convert(raw)
                    except MappingError as exc:
                        raise MappingError(f"{'.'.join(path)}: {exc}") from None
            return out

        return read

    def _convert_in(self, f: Field) -> Convert:
        """``f``'s conversion of a raw value, as :meth:`value_in` chooses it (errors not
        yet prefixed with the path)."""
        if f.kind == "ref":
            target, ref_key = f.ref, self.ref_key

            def ref(raw: Any) -> Any:
                assert target is not None
                if ref_key is not None and isinstance(raw, dict):
                    raw = raw.get(ref_key)
                return ref_in(raw, target)

            return ref
        convert = self.kinds_in.get(f.kind) or _KINDS_IN.get(f.kind)
        if convert is not None:
            return convert

        def unknown(raw: Any) -> Any:
            raise AssertionError(f.kind)

        return unknown

    def write(
        self,
        body: dict[str, Any],
        fields: tuple[Field, ...],
        given: Mapping[str, Any],
        *,
        clear: bool = False,
    ) -> None:
        """Set into ``body`` each writable one of ``fields`` that ``given`` names.

        A None value is left out, or (``clear``, a partial update) sent as the
        kind's empty value so the server empties the field.
        """
        for f in fields:
            if f.read_only or f.set_by_system or f.name not in given:
                continue
            value = given[f.name]
            if value is None:
                if clear:
                    set_path(body, f.path, self.empty_text if f.kind == "text" else None)
                continue
            set_path(body, f.path, self.value_out(f, value))


# ---------------------------------------------------------------------------
# Timestamps (cursors and versions)

_TS = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp as either API writes it (Z or ±HH:MM offsets)."""
    stripped = text.strip()
    m = _TS.match(stripped)
    if not m:
        raise MappingError(f"not a timestamp: {text!r}")
    try:
        # What the pattern admits, Python (3.11 on) reads as it is: the same instant, zone
        # and truncated microseconds as spelled out below, without rebuilding the text.
        return dt.datetime.fromisoformat(stripped)
    except ValueError:
        pass  # spelled out below, which reads it or says why not
    frac = (m["frac"] or "")[:6].ljust(6, "0") if m["frac"] else "000000"
    tz = m["tz"] or ""
    if tz == "Z":
        tz = "+00:00"
    elif tz and ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    hms = m["time"] if m["time"].count(":") == 2 else m["time"] + ":00"
    return dt.datetime.fromisoformat(f"{m['date']}T{hms}.{frac}{tz}")


def optional_timestamp(value: Any) -> dt.datetime | None:
    """A timestamp the API may omit (``createdTime``, ``MetaData.CreateTime``), or None
    when it is absent or unreadable: it only narrows a look-up, never decides one."""
    if value in (None, ""):
        return None
    try:
        return parse_timestamp(str(value))
    except ValueError:
        return None


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
