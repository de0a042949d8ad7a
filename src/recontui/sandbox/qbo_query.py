"""The QBO query language: parse ``SELECT ... FROM ... WHERE ...`` and run it.

Only the documented subset is accepted (AND-only WHERE, one entity), so a connector that
builds OR clauses or 0-based pages fails here as it would against Intuit. A select list
(``select Id, DisplayName from Customer``) names the entity attributes to answer; the records
then come back with only those and ``"sparse": true`` ("Use the select statement to specify
the selection criteria, entity attributes, sort order, and pagination"; ``sparse`` is "true if
not all properties of the entity are in the response":
https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries).
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .clock import QBO_TZ, parse_instant
from .qbo_entities import BY_NAME, SINGLETONS, QboEntity
from .qbo_faults import QboFault, query_invalid, query_parse

DEFAULT_MAX = 100
MAX_CAP = 1000
TIME_PROPS = frozenset({"createtime", "lastupdatedtime"})


@dataclass
class Condition:
    prop: str  # as written
    op: str  # = < > <= >= IN LIKE
    values: list[Any]


@dataclass
class Query:
    entity: QboEntity
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (prop, descending)
    start: int = 1
    max_results: int | None = None
    #: The select list as written; None for ``*`` (every property).
    columns: list[str] | None = None


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:\\.|[^'\\])*')
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<num>-?\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)


@dataclass
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise query_parse(
                f'Encountered unexpected "{text[pos : pos + 10].strip()}" at column {pos + 1}'
            )
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise query_parse("Encountered end of query where more was expected")
        self.pos += 1
        return tok

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text.upper() in words:
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            tok = self.peek()
            raise query_parse(f"Expected {word} but found {tok.text if tok else 'end of query'}")

    def expect_punct(self, char: str) -> None:
        tok = self.take()
        if tok.kind != "punct" or tok.text != char:
            raise query_parse(f"Expected '{char}' but found {tok.text}")

    def integer(self, clause: str) -> int:
        tok = self.take()
        text = tok.text.strip("'") if tok.kind == "str" else tok.text
        if not re.fullmatch(r"-?\d+", text):
            raise query_parse(f"{clause} needs an integer, found {tok.text}")
        return int(text)

    def literal(self) -> Any:
        tok = self.take()
        if tok.kind == "str":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])
        if tok.kind == "num":
            return Decimal(tok.text)
        if tok.kind == "word" and tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        raise query_parse(f"Expected a value but found {tok.text}")


#: Every entity a query may name: the stored ones and the company-wide singletons.
QUERYABLE: dict[str, QboEntity] = {**BY_NAME, **SINGLETONS}


def parse(text: str) -> Query:
    p = _Parser(text)
    p.expect_keyword("SELECT")
    count, columns = _columns(p)
    p.expect_keyword("FROM")
    name_tok = p.take()
    if name_tok.kind != "word":
        raise query_parse(f"Expected an entity name but found {name_tok.text}")
    entity = QUERYABLE.get(name_tok.text)
    if entity is None:
        raise query_invalid(f"Invalid entity: {name_tok.text} (entity names are case-sensitive)")
    query = Query(entity, count=count, columns=columns)
    if p.keyword("WHERE"):
        query.where.append(_condition(p))
        while p.keyword("AND"):
            query.where.append(_condition(p))
        if p.keyword("OR"):
            raise query_parse("OR is not supported")
    if p.keyword("ORDERBY") or _order_by(p):
        query.order = _order(p)
    seen: set[str] = set()
    while p.peek() is not None:
        if "START" not in seen and p.keyword("STARTPOSITION"):
            seen.add("START")
            query.start = p.integer("STARTPOSITION")
        elif "MAX" not in seen and p.keyword("MAXRESULTS"):
            seen.add("MAX")
            query.max_results = p.integer("MAXRESULTS")
        else:
            raise query_parse(f'Encountered unexpected "{p.take().text}"')
    return query


def _columns(p: _Parser) -> tuple[bool, list[str] | None]:
    """``COUNT(*)`` (True, None); ``*`` with any extra columns (pyqb's ``SELECT *, Sku
    FROM Item``), every property (False, None); or a select list (False, its names)."""
    if p.keyword("COUNT"):
        p.expect_punct("(")
        p.expect_punct("*")
        p.expect_punct(")")
        return True, None
    tok = p.peek()
    star = tok is not None and tok.kind == "punct" and tok.text == "*"
    names: list[str] = []
    if star:
        p.take()
    else:
        names.append(_column(p))
    while (tok := p.peek()) is not None and tok.kind == "punct" and tok.text == ",":
        p.take()
        names.append(_column(p))
    return False, None if star else names


def _column(p: _Parser) -> str:
    tok = p.take()
    if tok.kind != "word" or tok.text.upper() == "FROM":
        raise query_parse(f"Expected a property in the select list but found {tok.text}")
    return tok.text


def _order_by(p: _Parser) -> bool:
    """``ORDER BY`` written as two words."""
    if not p.keyword("ORDER"):
        return False
    p.expect_keyword("BY")
    return True


def _order(p: _Parser) -> list[tuple[str, bool]]:
    """The properties after ORDERBY, each ascending (False) or descending (True)."""
    order: list[tuple[str, bool]] = []
    while True:
        tok = p.take()
        if tok.kind != "word":
            raise query_parse(f"Expected a property after ORDERBY, found {tok.text}")
        descending = False
        if p.keyword("DESC"):
            descending = True
        else:
            p.keyword("ASC")
        order.append((tok.text, descending))
        nxt = p.peek()
        if nxt is not None and nxt.kind == "punct" and nxt.text == ",":
            p.take()
            continue
        return order


def _condition(p: _Parser) -> Condition:
    tok = p.take()
    if tok.kind != "word":
        raise query_parse(f"Expected a property but found {tok.text}")
    if p.keyword("IN"):
        p.expect_punct("(")
        values = [p.literal()]
        while (nxt := p.take()).kind == "punct" and nxt.text == ",":
            values.append(p.literal())
        if nxt.text != ")":
            raise query_parse(f"Expected ')' but found {nxt.text}")
        return Condition(tok.text, "IN", values)
    if p.keyword("LIKE"):
        value = p.literal()
        if not isinstance(value, str):
            raise query_parse("LIKE needs a quoted string")
        return Condition(tok.text, "LIKE", [value])
    op = p.take()
    if op.kind != "op" or op.text in ("!=", "<>"):
        raise query_parse(f"Unsupported operator {op.text}")
    return Condition(tok.text, op.text, [p.literal()])


# --- evaluation -------------------------------------------------------------------------


def _segments(prop: str) -> list[str]:
    return [seg.lower() for seg in prop.split(".")]


def check_properties(query: Query) -> None:
    allowed = {p.lower() for p in query.entity.properties}
    for column in query.columns or []:
        if _segments(column)[0] not in allowed:
            raise query_invalid(f"property '{column}' is not a property of {query.entity.name}")
    for prop in [c.prop for c in query.where] + [o[0] for o in query.order]:
        segs = _segments(prop)
        if segs[0] not in allowed:
            raise query_invalid(f"property '{prop}' is not queryable for {query.entity.name}")
        if segs[0] == "metadata" and (len(segs) != 2 or segs[1] not in TIME_PROPS):
            raise query_invalid(f"property '{prop}' is not queryable")


def resolve(rec: dict[str, Any], prop: str) -> Any:
    value: Any = rec
    for seg in _segments(prop):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == seg), None)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _as_instant(value: Any) -> datetime:
    return parse_instant(str(value), QBO_TZ)


def _key(prop: str, value: Any) -> Any:
    """A comparable form of a record value."""
    if value is None:
        return None
    if _segments(prop)[-1] in TIME_PROPS:
        return _as_instant(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and _segments(prop)[-1] == "id" and value.isdigit():
        return Decimal(value)
    return str(value).casefold()


def _literal_key(prop: str, record_value: Any, literal: Any) -> Any:
    if _segments(prop)[-1] in TIME_PROPS:
        try:
            return _as_instant(literal)
        except ValueError:
            raise query_invalid(f"'{literal}' is not a valid date-time for {prop}") from None
    if isinstance(record_value, bool) or isinstance(literal, bool):
        if isinstance(literal, str) and literal.lower() in ("true", "false"):
            return literal.lower() == "true"
        return literal
    if isinstance(record_value, (int, Decimal)) or (
        _segments(prop)[-1] == "id" and str(literal).isdigit()
    ):
        try:
            return Decimal(str(literal))
        except InvalidOperation:
            return str(literal).casefold()
    return str(literal).casefold()


_COMPARE = {
    "=": operator.eq,
    "IN": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _matches(cond: Condition, rec: dict[str, Any]) -> bool:
    raw = resolve(rec, cond.prop)
    if cond.op == "LIKE":
        if raw is None:
            return False
        pattern = "".join(".*" if ch == "%" else re.escape(ch) for ch in cond.values[0])
        return re.fullmatch(pattern, str(raw), re.IGNORECASE | re.DOTALL) is not None
    if raw is None or raw == "":
        # QBO compares "no value" with a single space literal.
        return cond.op in ("=", "IN") and " " in cond.values
    left = _key(cond.prop, raw)
    for literal in cond.values:
        right = _literal_key(cond.prop, raw, literal)
        try:
            if _COMPARE[cond.op](left, right):
                return True
        except TypeError:
            raise query_invalid(f"cannot compare {cond.prop} with {literal!r}") from None
    return False


class _Sortable:
    """Orders mixed/missing values: missing first, then by value."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Sortable) -> bool:
        if self.key is None:
            return other.key is not None
        if other.key is None:
            return False
        try:
            return bool(self.key < other.key)
        except TypeError:
            return str(self.key) < str(other.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sortable) and self.key == other.key

    __hash__ = None  # type: ignore[assignment]


def _sort_key(prop: str) -> Callable[[dict[str, Any]], _Sortable]:
    """How records sort by ``prop`` (QBO's order for its values)."""
    return lambda rec: _Sortable(_key(prop, resolve(rec, prop)))


def _where(query: Query) -> list[Condition]:
    where = list(query.where)
    if query.entity.is_list and not any(_segments(c.prop) == ["active"] for c in where):
        where.append(Condition("Active", "=", [True]))
    return where


def _limit(query: Query, over_cap: str) -> int:
    if query.start < 1:
        raise query_invalid(f"STARTPOSITION must be 1 or more (it is 1-based), got {query.start}")
    limit = DEFAULT_MAX if query.max_results is None else query.max_results
    if limit < 1:
        raise query_invalid(f"MAXRESULTS must be 1 or more, got {limit}")
    if limit > MAX_CAP:
        if over_cap == "error":
            raise QboFault(
                "4001",
                "Invalid query",
                f"QueryValidationError: MAXRESULTS {limit} exceeds the maximum of {MAX_CAP}",
            )
        limit = MAX_CAP
    return limit


def run(query: Query, rows: list[dict[str, Any]], *, over_cap: str = "error") -> dict[str, Any]:
    """Filter, order and page ``rows``; answer the ``QueryResponse`` object."""
    check_properties(query)
    where = _where(query)
    hits = [r for r in rows if all(_matches(c, r) for c in where)]
    if query.count:
        return {"totalCount": len(hits)}
    limit = _limit(query, over_cap)
    order = query.order or [("Id", False)]
    for prop, descending in reversed(order):
        hits.sort(key=_sort_key(prop), reverse=descending)
    page = hits[query.start - 1 : query.start - 1 + limit]
    if not page:
        return {}
    return {query.entity.name: page, "startPosition": query.start, "maxResults": len(page)}


_UPDATED = ["metadata", "lastupdatedtime"]
_BOUNDS = {">=": "lo", ">": "lo", "<": "hi", "<=": "hi"}


def by_updated(query: Query) -> bool:
    """Whether ``query`` pages in ``LastUpdatedTime`` order (what ``run_by_updated`` serves:
    a connector's incremental pull)."""
    return (
        not query.count
        and len(query.order) == 1
        and _segments(query.order[0][0]) == _UPDATED
        and not query.order[0][1]
    )


def run_by_updated(
    query: Query,
    stamps: list[datetime],
    rows: list[dict[str, Any]],
    *,
    over_cap: str = "error",
) -> dict[str, Any]:
    """:func:`run` for a :func:`by_updated` query over ``rows`` already in that order
    (``stamps`` their times): bounds on the time are found by bisection and only the
    page's rows are visited, so paging through a big entity is not quadratic."""
    check_properties(query)
    limit = _limit(query, over_cap)
    lo, hi = 0, len(rows)
    rest: list[Condition] = []
    for cond in _where(query):
        if rows and _segments(cond.prop) == _UPDATED and cond.op in _BOUNDS:
            bound = _literal_key(cond.prop, None, cond.values[0])
            if cond.op == ">=":
                lo = max(lo, bisect_left(stamps, bound))
            elif cond.op == ">":
                lo = max(lo, bisect_right(stamps, bound))
            elif cond.op == "<":
                hi = min(hi, bisect_left(stamps, bound))
            else:
                hi = min(hi, bisect_right(stamps, bound))
        else:
            rest.append(cond)
    skip = query.start - 1
    page: list[dict[str, Any]] = []
    for index in range(lo, hi):
        row = rows[index]
        if all(_matches(c, row) for c in rest):
            if skip:
                skip -= 1
                continue
            page.append(row)
            if len(page) == limit:
                break
    if not page:
        return {}
    return {query.entity.name: page, "startPosition": query.start, "maxResults": len(page)}


def project(query: Query, rec: dict[str, Any]) -> dict[str, Any]:
    """``rec`` as a select list answers it: the properties named (in the entity's own
    spelling), and ``"sparse": true``; a ``*`` query answers it whole."""
    if query.columns is None:
        return rec
    wanted = {_segments(c)[0] for c in query.columns}
    out = {k: v for k, v in rec.items() if k.lower() in wanted}
    out["domain"] = rec.get("domain", "QBO")
    out["sparse"] = True
    return out
