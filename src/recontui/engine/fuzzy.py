"""Plausible twins: list records left unmatched on both sides whose names nearly agree.

Exact matching (``match.py``) pairs only on equal normalised keys, so "Northwind Traders,
Inc." in one system and "Northwind Traders Inc" in the other would each be created on the
other side. This module finds such pairs among the records exact matching left over, for a
person to decide (a match conflict); it never pairs anything itself.

A pair is *plausible* when

- their names, normalised (case, accents, punctuation, "&" = "and", legal suffixes such as
  Inc/LLC/Ltd/Co/Corp/GmbH, spacing), score at least ``MIN_SCORE`` with rapidfuzz's
  token sort ratio (word order ignored), and no field that tells records apart differs
  (numbers in the names, currency, an account's number or type, a vendor's tax id);
- and either their *words agree*: every word has a counterpart on the other side, equal or
  a typo of it (one edit in a word of 4-7 letters, two from 8, or the same stem), or one
  name is the other plus qualifier words ("Eriksen & Rossi (Annex)") that make up at most
  40% of it; or another field corroborates them (same phone, same e-mail or company e-mail
  domain, same address, same tax id);
- and the *confidence*, the score plus the evidence of those fields (``EVIDENCE``: same
  phone +10, different e-mail addresses -10, ...), is at least ``MIN_CONFIDENCE``.

So "Acme Supply" and "Apex Supply" (score 82, but "acme" and "apex" are different words)
are not proposed unless, say, they share a phone number.

Only list entities are looked at: transactions are matched by number and party, and a
number one digit away ("1001" and "1007") is another invoice, not a typo.

Speed: names are normalised once; each record looking for twins is scored against the
whole other side with ``rapidfuzz.process.extract`` and a ``score_cutoff`` (C++, early
exits on length), so no pair below ``MIN_SCORE`` costs a Python call and none is missed by
a blocking key; phone, e-mail domain and address are exact indexes. A run looks only for
twins of records that changed since the last run: 10,000 x 10,000 unmatched customers with
200 changed take under a second, every pair of them about ten seconds on a busy two-core
machine (``bench/match.py`` measures both).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recontui.model.entities import EntitySpec
from recontui.model.fields import FieldSpec, is_blank, normalize

from .match import Candidate

#: Names must score at least this (rapidfuzz token sort ratio, 0-100) to be considered.
MIN_SCORE = 70
#: Score plus evidence must reach this for a pair to be proposed.
MIN_CONFIDENCE = 80
#: Candidates proposed per record, best first.
MAX_CANDIDATES = 5
#: Records sharing one phone, e-mail domain or address beyond which it is not looked up.
MAX_SHARED = 20
#: A qualifier may make up at most this share of the longer name's letters.
MAX_QUALIFIER_SHARE = 0.4

#: What the other fields add to (or take from) the name score, with the reason shown.
EVIDENCE = {
    "same e-mail": 15,
    "same e-mail domain": 10,
    "different e-mails": -10,
    "same phone": 10,
    "same address": 10,
    "same tax id": 15,
}

#: Fields that tell two records apart when both hold a value and the values differ.
DISTINCT_FIELDS = ("currency", "number", "type", "tax_id")

#: Words a company name ends in that say nothing about which company it is.
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "lllp", "pllc", "pc", "ltd", "limited",
        "co", "corp", "corporation", "company", "plc", "gmbh", "mbh", "ag", "kg", "ug", "sa",
        "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "aps", "pty", "pte", "kk",
    }
)  # fmt: skip
#: Words that do not count as a word of the name (they still count in the score).
FILLER = frozenset({"and", "the", "of"})
#: E-mail domains many unrelated people share: the same domain there proves nothing.
SHARED_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
        "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "web.de", "mail.com", "zoho.com",
        "yandex.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net",
    }
)  # fmt: skip

_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Twin:
    """A plausible counterpart ``b`` of record ``a`` (the callers' keys)."""

    a: int
    b: int
    #: Name similarity, 0-100 (token sort ratio of the normalised names).
    score: int
    #: ``score`` plus the evidence of the other fields (above 100 when much agrees).
    confidence: int
    #: What the other fields said, e.g. ("same phone",).
    reasons: tuple[str, ...] = ()

    def describe(self) -> str:
        """What the note shows: "score 96, same phone"."""
        return ", ".join((f"score {self.score}", *self.reasons))


def name_words(text: Any) -> tuple[str, ...]:
    """The words of a name as compared: "Northwind Traders, Inc." -> ("northwind", "traders")."""
    if is_blank(text):
        return ()
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = _APOSTROPHES.sub("", folded.replace("&", " and ").replace("+", " and "))
    words: list[str] = []
    initials = False  # the last word is a run of single letters
    for word in _NOT_WORD.sub(" ", folded).split():
        # "L.L.C." and "A B C Supply": a run of single letters is one word.
        single = len(word) == 1 and word.isalpha()
        if single and initials:
            words[-1] += word
        else:
            words.append(word)
        initials = single
    core = list(words)
    while core and core[0] == "the":
        core.pop(0)
    while core and (core[-1] in LEGAL_SUFFIXES or (core[-1] == "and" and len(core) < len(words))):
        core.pop()  # "Smith & Co." -> "smith"
    return tuple(core) if core else tuple(words)


@dataclass(slots=True)
class _Prepared:
    """A record as compared: its name's words and the other fields, normalised once."""

    key: int
    sorted_name: str
    content: list[str]
    numbers: list[str]
    #: DISTINCT_FIELDS that hold a value, normalised.
    distinct: dict[str, Any]
    email: str | None
    domain: str | None
    phone: str | None
    address: tuple[str, str] | None
    tax_id: str | None


#: The fields besides the name that are compared.
_COMPARED = ("email", "phone", "postal_code", *DISTINCT_FIELDS)


def _specs(entity: EntitySpec) -> dict[str, FieldSpec]:
    return {name: entity.field(name) for name in _COMPARED if entity.has_field(name)}


def _prepare(
    entity: EntitySpec, record: Candidate, specs: Mapping[str, FieldSpec] | None = None
) -> _Prepared | None:
    words = name_words(record.fields.get(entity.title_field))
    if not words:
        return None
    fields = record.fields
    specs = _specs(entity) if specs is None else specs

    def value(name: str) -> Any:
        spec = specs.get(name)
        return None if spec is None else normalize(spec, fields.get(name))

    email = value("email")
    digits = (value("phone") or "").lstrip("+")
    line, code = fields.get("address_line1"), value("postal_code")
    distinct = {name: v for name in DISTINCT_FIELDS if (v := value(name)) is not None}
    return _Prepared(
        key=record.key,
        sorted_name=" ".join(sorted(words)),
        content=[w for w in words if w not in FILLER and not _DIGIT.search(w)],
        numbers=sorted(w for w in words if _DIGIT.search(w)),
        distinct=distinct,
        email=email,
        domain=_domain(email),
        phone=digits[-10:] if len(digits) >= 7 else None,
        address=None if is_blank(line) or code is None else (" ".join(name_words(line)), code),
        tax_id=distinct.get("tax_id"),
    )


def _domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1]
    return None if domain in SHARED_MAIL_DOMAINS else domain


def _close(x: str, y: str) -> bool:
    """Two words one could have typed for the other."""
    if x == y:
        return True
    shorter = min(len(x), len(y))
    if shorter >= 4:
        budget = 1 if shorter < 8 else 2
        if OSA.distance(x, y, score_cutoff=budget) <= budget:
            return True
    prefix = 0
    for cx, cy in zip(x, y, strict=False):
        if cx != cy:
            break
        prefix += 1
    return prefix >= 5 and prefix >= 0.7 * shorter  # same stem: "supply", "supplies"


def words_agree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Every word has a counterpart, or one name is the other plus a short qualifier."""
    left, right = list(a), list(b)
    for word in list(left):  # equal words first, then typos
        if word in right:
            left.remove(word)
            right.remove(word)
    for word in list(left):
        match = next((other for other in right if _close(word, other)), None)
        if match is not None:
            left.remove(word)
            right.remove(match)
    if not left and not right:
        return True
    if left and right:
        return False
    extra = left or right
    longer = a if left else b
    shared = len(longer) - len(extra)
    if shared == 0:
        return False
    letters = sum(map(len, longer))
    return sum(map(len, extra)) <= MAX_QUALIFIER_SHARE * letters


def _evidence(a: _Prepared, b: _Prepared) -> list[str] | None:
    """What the fields other than the name say: reasons (``EVIDENCE`` keys), or None when a
    field that tells records apart differs (they cannot be one record)."""
    for name, value in a.distinct.items():
        other = b.distinct.get(name)
        if other is not None and other != value:
            return None
    reasons = []
    if a.email and b.email:
        if a.email == b.email:
            reasons.append("same e-mail")
        elif a.domain is not None and a.domain == b.domain:
            reasons.append("same e-mail domain")
        else:
            reasons.append("different e-mails")
    if a.phone is not None and a.phone == b.phone:
        reasons.append("same phone")
    if a.address is not None and a.address == b.address:
        reasons.append("same address")
    if a.tax_id is not None and a.tax_id == b.tax_id:
        reasons.append("same tax id")
    return reasons


def _judge(a: _Prepared, b: _Prepared, score: float) -> Twin | None:
    if a.numbers != b.numbers or score < MIN_SCORE:
        return None  # "Oak Bay Cafe 2" is not "Oak Bay Cafe 3"
    reasons = _evidence(a, b)
    if reasons is None:
        return None
    points = sum(EVIDENCE[r] for r in reasons)
    same = a.sorted_name == b.sorted_name
    if not (same or words_agree(a.content, b.content) or points > 0):
        return None
    rounded = 100 if same else min(99, round(score))
    confidence = rounded + points
    if confidence < MIN_CONFIDENCE:
        return None
    return Twin(a.key, b.key, rounded, confidence, tuple(reasons))


def twin_of(entity: EntitySpec, a: Mapping[str, Any], b: Mapping[str, Any]) -> Twin | None:
    """Whether two records (fields) are plausible twins; keys are 0 and 1."""
    pa, pb = _prepare(entity, Candidate(0, a)), _prepare(entity, Candidate(1, b))
    if pa is None or pb is None:
        return None
    return _judge(pa, pb, fuzz.ratio(pa.sorted_name, pb.sorted_name))


#: The exact evidence that can carry a pair whose words disagree: a phone, an e-mail
#: domain, an address.
_EVIDENCE_KEYS: tuple[Callable[[_Prepared], Any], ...] = (
    lambda p: p.phone,
    lambda p: p.domain,
    lambda p: p.address,
)

#: Value -> positions of the records holding it, one per ``_EVIDENCE_KEYS``.
Index = dict[Any, list[int]]


def _index(records: Iterable[_Prepared], key: Callable[[_Prepared], Any]) -> Index:
    """Value -> positions; a value more than ``MAX_SHARED`` records hold is left out (a
    head office's phone or a domain every vendor uses does not single out a twin)."""
    out: Index = {}
    for pos, rec in enumerate(records):
        value = key(rec)
        if value is not None:
            out.setdefault(value, []).append(pos)
    return {value: where for value, where in out.items() if len(where) <= MAX_SHARED}


def _alike_names(name: str, names: Sequence[str]) -> list[tuple[int, float]]:
    """(position in ``names``, score) of each name at least ``MIN_SCORE`` alike."""
    found = process.extract(name, names, scorer=fuzz.ratio, score_cutoff=MIN_SCORE, limit=None)
    return [(at, score) for _name, score, at in found]


def _same_evidence(record: _Prepared, indexes: Sequence[Index]) -> Iterator[int]:
    """Positions of the records that share a phone, domain or address with ``record``."""
    for key, index in zip(_EVIDENCE_KEYS, indexes, strict=True):
        value = key(record)
        if value is not None:
            yield from index.get(value, ())


def _pair_scores(
    prep_a: Sequence[_Prepared], prep_b: Sequence[_Prepared], focus: set[int] | None
) -> dict[tuple[int, int], float]:
    """(a position, b position) -> name score, or -1 where only evidence found the pair;
    the pairs with a record in ``focus`` (None: every pair)."""
    scores: dict[tuple[int, int], float] = {}
    names_b = [p.sorted_name for p in prep_b]
    index_b = [_index(prep_b, k) for k in _EVIDENCE_KEYS]
    for i, pa in enumerate(prep_a):
        if focus is None or pa.key in focus:
            for j, score in _alike_names(pa.sorted_name, names_b):
                scores[(i, j)] = score
            for j in _same_evidence(pa, index_b):
                scores.setdefault((i, j), -1.0)
    if focus is not None:
        _score_changed_b(scores, prep_a, prep_b, focus)
    return scores


def _score_changed_b(
    scores: dict[tuple[int, int], float],
    prep_a: Sequence[_Prepared],
    prep_b: Sequence[_Prepared],
    focus: set[int],
) -> None:
    """Add the b-records that changed, against the a-records that did not (the a-records
    that changed were scored against every b-record already)."""
    rest_a = [i for i, p in enumerate(prep_a) if p.key not in focus]
    if not rest_a:
        return
    rest = set(rest_a)
    rest_names = [prep_a[i].sorted_name for i in rest_a]
    index_a = [_index(prep_a, k) for k in _EVIDENCE_KEYS]
    for j, pb in enumerate(prep_b):
        if pb.key not in focus:
            continue
        for k, score in _alike_names(pb.sorted_name, rest_names):
            scores[(rest_a[k], j)] = score
        for i in _same_evidence(pb, index_a):
            if i in rest:
                scores.setdefault((i, j), -1.0)


def find_twins(
    entity: EntitySpec,
    a: Sequence[Candidate],
    b: Sequence[Candidate],
    *,
    involving: Collection[int] | None = None,
) -> dict[int, list[Twin]]:
    """a-key -> its plausible twins on side b, best first (at most ``MAX_CANDIDATES``).

    ``involving`` limits the pairs to those with at least one record among these keys (the
    records that changed); None looks at every pair. Output is deterministic: a-records in
    input order, twins by confidence, then score, then b's input order.
    """
    if entity.kind != "list" or not a or not b:
        return {}  # (a first sync against an empty company prepares nothing)
    specs = _specs(entity)
    prep_a = [p for p in (_prepare(entity, r, specs) for r in a) if p is not None]
    prep_b = [p for p in (_prepare(entity, r, specs) for r in b) if p is not None]
    if not prep_a or not prep_b:
        return {}
    focus = None if involving is None else set(involving)
    found: dict[int, list[tuple[Twin, int]]] = {}
    for (i, j), score in _pair_scores(prep_a, prep_b, focus).items():
        pa, pb = prep_a[i], prep_b[j]
        if score < 0:
            score = fuzz.ratio(pa.sorted_name, pb.sorted_name)
        twin = _judge(pa, pb, score)
        if twin is not None:
            found.setdefault(i, []).append((twin, j))
    out: dict[int, list[Twin]] = {}
    for i in sorted(found):
        ranked = sorted(found[i], key=lambda tj: (-tj[0].confidence, -tj[0].score, tj[1]))
        out[prep_a[i].key] = [t for t, _j in ranked[:MAX_CANDIDATES]]
    return out
