"""Screening a name against China's party lists.

``screen_name(name, lists, on, country)`` normalises the query (width, case,
punctuation, legal forms, traditional/Japanese → simplified), finds candidate
names through a token and character index, scores each with a per-feature
explanation, and returns the matches at or above the *possible* threshold,
each with its listing status and effects on ``on``.

Scoring (see ``docs/parties.md``):

- **Latin script**: core tokens (legal forms and stop words removed, compare
  forms such as ``Technologies`` → ``technology``) are aligned one to one;
  tokens match exactly or within a small edit distance (typos). The score is a
  weighted Dice coefficient: each token weighs its inverse document frequency
  over all listed names, so a rare word (``Dynamics``, ``Anduril``) counts
  more than a common one (``General``, ``Systems``), and an unmatched word on
  either side pulls the score down. Names that differ only in spacing
  (``IronMountain`` / ``Iron Mountain``) compare on their compact form.
- **Han script**: the core (without 公司, 有限公司, 株式会社 …, punctuation and
  a leading country word) is compared by normalised Indel similarity; short
  cores (under four characters) that are not identical are discounted.
- **Country**: when given and the entry's country differs, the score is
  multiplied by 0.9 and the feature says so.

Thresholds (calibrated on ``benchmarks/parties_eval.yaml``): ``exact`` when
the cores are identical, ``strong`` at ``STRONG`` or more, ``possible`` at
``POSSIBLE`` or more; below that nothing is reported.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, TypeVar
from weakref import WeakKeyDictionary

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from lanthanide.parties.checked import ListsChecked, lists_checked
from lanthanide.parties.effects import effects_for, listing_state
from lanthanide.parties.normalize import NormalName, normalise
from lanthanide.parties.results import Confidence, Explanation, NameKind, PartyMatch, TokenPair
from lanthanide.rules.lists import ListedEntry, PartyLists

__all__ = [
    "POSSIBLE",
    "STRONG",
    "Explanation",
    "ListsChecked",
    "PartyIndex",
    "PartyMatch",
    "TokenPair",
    "index_for",
    "lists_checked",
    "screen_name",
]

STRONG = 0.88
"""At or above: a confident match; ``decide`` applies the listing's effects."""
POSSIBLE = 0.70
"""At or above (and below ``STRONG``): a possible match; ``decide`` asks a question."""
TOKEN_MIN = 0.8
"""Least similarity for two Latin tokens to count as the same word (typos)."""
RELATED_MARGIN = 0.1
"""A possible match this much below a confident one is folded into it as related."""
COUNTRY_FACTOR = 0.9
SHORT_HAN = 4
SHORT_HAN_FACTOR = 0.85

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Name:
    entry: ListedEntry
    text: str
    kind: NameKind
    norm: NormalName


class PartyIndex:
    """The listed names of a :class:`PartyLists`, prepared for screening."""

    def __init__(self, lists: PartyLists) -> None:
        self.lists = lists
        names: list[_Name] = []
        for le in lists.entries:
            e = le.entry
            if e.name.en:
                names.append(_Name(le, e.name.en, "name_en", normalise(e.name.en)))
            if e.name.zh:
                names.append(_Name(le, e.name.zh, "name_zh", normalise(e.name.zh)))
            for a in e.aliases:
                names.append(_Name(le, a, "alias", normalise(a)))
        self.names: tuple[_Name, ...] = tuple(n for n in names if not n.norm.empty)
        distinct = {n.norm.tokens for n in self.names if n.norm.tokens}
        df: dict[str, int] = defaultdict(int)
        for toks in distinct:
            for t in set(toks):
                df[t] += 1
        self._n = max(len(distinct), 1)
        self._idf: dict[str, float] = {t: math.log(1 + self._n / c) for t, c in df.items()}
        self._max_idf = math.log(1 + self._n)
        self.vocab: tuple[str, ...] = tuple(sorted(df))
        self._by_token: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self.names):
            for t in set(n.norm.tokens):
                self._by_token[t].append(i)
        self._compact: list[str] = [n.norm.compact for n in self.names]
        self._han: list[str] = [n.norm.han for n in self.names]
        self._token_sets: list[frozenset[str]] = [frozenset(n.norm.tokens) for n in self.names]
        self._wsum: list[float] = [
            sum(self.weight(t) for t in ts) + self._max_idf * bool(n.norm.han_only)
            for ts, n in zip(self._token_sets, self.names, strict=True)
        ]

    def weight(self, token: str) -> float:
        return self._idf.get(token, self._max_idf)

    # ------------------------------------------------------------ candidates
    def _candidates(self, q: NormalName, threshold: float) -> set[int]:
        """Names worth scoring: those sharing a (near) word with the query whose
        best possible token score reaches ``threshold`` or that could contain
        or be contained in it, plus near compact and Han forms."""
        gain: dict[int, float] = defaultdict(float)
        for t in set(q.tokens):
            hits = {t: 1.0} if t in self._by_token else {}
            if len(t) > 3:
                for v, _, _ in process.extract(
                    t,
                    self.vocab,
                    scorer=OSA.normalized_similarity,
                    score_cutoff=TOKEN_MIN - 0.01,  # rapidfuzz rounds the cut-off
                    limit=8,
                ):
                    hits.setdefault(v, 1.0)
            best: dict[int, float] = {}
            wt = self.weight(t)
            for v in hits:
                for i in self._by_token[v]:
                    best[i] = max(best.get(i, 0.0), wt + self.weight(v))
            for i, g in best.items():
                gain[i] += g
        qset = frozenset(q.tokens)
        wq = sum(self.weight(t) for t in qset) + self._max_idf * bool(q.han_only)
        out: set[int] = set()
        for i, g in gain.items():
            cset = self._token_sets[i]
            if g / (wq + self._wsum[i]) >= threshold or cset <= qset or qset <= cset:
                out.add(i)
        if q.compact:
            for _, _, i in process.extract(
                q.compact,
                self._compact,
                scorer=Indel.normalized_similarity,
                score_cutoff=0.9 - 0.01,
                limit=10,
            ):
                out.add(i)
        if q.han:
            for _, _, i in process.extract(
                q.han,
                self._han,
                scorer=Indel.normalized_similarity,
                score_cutoff=POSSIBLE * 0.9 - 0.01,
                limit=20,
            ):
                out.add(i)
        return out

    # ------------------------------------------------------------ scoring
    def _token_sim(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        if min(len(a), len(b)) <= 3 or a.isdigit() or b.isdigit():
            return 0.0
        s = float(OSA.normalized_similarity(a, b))
        return s if s >= TOKEN_MIN else 0.0

    def _latin(self, q: NormalName, c: NormalName) -> tuple[float, dict[str, object]]:
        pairs: list[TokenPair] = []
        used: set[int] = set()
        for a in sorted(set(q.tokens), key=lambda t: -self.weight(t)):
            best, best_j = 0.0, -1
            for j, b in enumerate(c.tokens):
                if j in used:
                    continue
                s = self._token_sim(a, b)
                if s > best:
                    best, best_j = s, j
            if best_j >= 0:
                used.add(best_j)
                b = c.tokens[best_j]
                pairs.append(TokenPair(a, b, best, (self.weight(a) + self.weight(b)) / 2))
        matched_q = {p.query for p in pairs}
        den = sum(self.weight(t) for t in set(q.tokens)) + sum(
            self.weight(t) for t in set(c.tokens)
        )
        # Han characters on one side only (IHI宇航 vs "IHI Aerospace") count as
        # one unmatched word of the highest weight
        den += self._max_idf * (bool(q.han_only) + bool(c.han_only))
        num = sum(2 * p.similarity * p.weight for p in pairs)
        score = num / den if den else 0.0
        method: Literal["tokens", "compact", "contained"] = "tokens"
        if q.compact and c.compact and q.compact != c.compact:
            comp = float(Indel.normalized_similarity(q.compact, c.compact))
            if comp >= 0.9 and comp > score:
                score, method = comp, "compact"
        elif q.compact and q.compact == c.compact:
            score, method = 1.0, ("tokens" if sorted(q.tokens) == sorted(c.tokens) else "compact")
        unmatched_c = [t for j, t in enumerate(c.tokens) if j not in used]
        unmatched_q = [t for t in q.tokens if t not in matched_q]
        contained = False
        if method == "tokens" and score < POSSIBLE and all(p.similarity == 1.0 for p in pairs):
            # the listed name inside a longer query (a subsidiary, an address
            # part) or a query of two or more words inside the listed name
            listed_inside = not unmatched_c and (
                len(c.tokens) >= 2 or (len(c.tokens) == 1 and len(c.tokens[0]) >= 6)
            )
            query_inside = (
                not unmatched_q
                and len(q.tokens) >= 2
                and not c.han_only
                and tuple(c.tokens[: len(q.tokens)]) == q.tokens
            )
            if (listed_inside and not q.han_only) or query_inside:
                score, method, contained = POSSIBLE, "contained", True
        return score, {
            "method": method,
            "contained": contained,
            "tokens": tuple(pairs),
            "unmatched_query": tuple(t for t in q.tokens if t not in matched_q),
            "unmatched_listed": tuple(
                t for j, t in enumerate(c.tokens) if j not in used and t not in matched_q
            ),
        }

    def _han_score(self, q: NormalName, c: NormalName) -> tuple[float, bool]:
        if q.han == c.han:
            return 1.0, False
        s = float(Indel.normalized_similarity(q.han, c.han))
        if min(len(q.han), len(c.han)) < SHORT_HAN:
            s *= SHORT_HAN_FACTOR
        if s < POSSIBLE and len(c.han) >= SHORT_HAN and c.han in q.han:
            return POSSIBLE, True
        return s, False

    def compare(
        self, q: NormalName, n: _Name, country: str | None
    ) -> tuple[float, Explanation] | None:
        best: tuple[float, Explanation] | None = None
        both_mixed = q.script == "mixed" and n.norm.script == "mixed"
        if q.tokens and n.norm.tokens and not both_mixed:
            s, feat = self._latin(q, n.norm)
            exp = Explanation(
                matched_name=n.text,
                name_kind=n.kind,
                script="latin",
                method=feat["method"],  # type: ignore[arg-type]
                query_core=" ".join(q.tokens),
                listed_core=" ".join(n.norm.tokens),
                tokens=feat["tokens"],  # type: ignore[arg-type]
                unmatched_query=feat["unmatched_query"],  # type: ignore[arg-type]
                unmatched_listed=feat["unmatched_listed"],  # type: ignore[arg-type]
                legal_forms_ignored=q.legal_forms,
                conversions=q.conversions,
                raw_score=s,
            )
            best = (s, exp)
        if q.han and n.norm.han:
            s, inside = self._han_score(q, n.norm)
            if best is None or s > best[0]:
                best = (
                    s,
                    Explanation(
                        matched_name=n.text,
                        name_kind=n.kind,
                        script="han",
                        method="contained" if inside else "characters",
                        query_core=q.han,
                        listed_core=n.norm.han,
                        legal_forms_ignored=q.legal_forms,
                        conversions=q.conversions,
                        removed_prefix=q.removed_prefix or n.norm.removed_prefix,
                        raw_score=s,
                    ),
                )
        if best is None:
            return None
        score, exp = best
        listed_country = n.entry.entry.country
        if country is not None:
            if listed_country is None:
                exp = _replace(exp, country="unknown")
            elif listed_country == country:
                exp = _replace(exp, country="match")
            else:
                score *= COUNTRY_FACTOR
                exp = _replace(exp, country="mismatch")
        return score, exp

    # ------------------------------------------------------------ screening
    def screen(
        self,
        name: str,
        on: date,
        country: str | None = None,
        *,
        threshold: float = POSSIBLE,
    ) -> list[PartyMatch]:
        q = normalise(name)
        if q.empty:
            return []
        best: dict[str, tuple[float, Explanation]] = {}
        entries: dict[str, ListedEntry] = {}
        for i in self._candidates(q, threshold):
            n = self.names[i]
            got = self.compare(q, n, country)
            if got is None or got[0] < threshold:
                continue
            uid = n.entry.uid
            if uid not in best or got[0] > best[uid][0]:
                best[uid] = got
                entries[uid] = n.entry
        matches: list[PartyMatch] = []
        for uid, (score, exp) in best.items():
            le = entries[uid]
            exact = exp.raw_score >= 1.0 and exp.country != "mismatch"
            conf: Confidence = "exact" if exact else ("strong" if score >= STRONG else "possible")
            effects = effects_for(le, on)
            matches.append(
                PartyMatch(
                    query=name,
                    entry=le,
                    score=round(score, 4),
                    confidence=conf,
                    explanation=exp,
                    on=on,
                    status=listing_state(effects),
                    effects=tuple(effects),
                )
            )
        return _fold_related(matches)


def _fold_related(matches: list[PartyMatch]) -> list[PartyMatch]:
    """Attach each possible match that a confident match outscores by at least
    ``RELATED_MARGIN`` to that confident match (as ``related``) instead of
    listing it on its own: "Lockheed Martin Corporation" matches the listed
    Lockheed Martin Corporation exactly, and Lockheed Martin Ventures only
    through the words they share."""
    confident = [m for m in matches if m.confident]
    related: dict[str, list[PartyMatch]] = defaultdict(list)
    out: list[PartyMatch] = []
    for m in matches:
        if m.confident:
            continue
        host = max(
            (c for c in confident if c.score - m.score >= RELATED_MARGIN),
            key=lambda c: c.score,
            default=None,
        )
        if host is None:
            out.append(m)
        else:
            related[host.entry.uid].append(m)
    for c in confident:
        rel = tuple(sorted(related.get(c.entry.uid, ()), key=lambda m: -m.score))
        out.append(_replace(c, related=rel) if rel else c)
    out.sort(key=lambda m: (-m.score, m.entry.announcement.effective, m.entry.uid))
    return out


def _replace(obj: _T, **changes: Any) -> _T:
    return replace(obj, **changes)  # type: ignore[type-var]


_INDEXES: WeakKeyDictionary[PartyLists, PartyIndex] = WeakKeyDictionary()


def index_for(lists: PartyLists) -> PartyIndex:
    """The screening index of ``lists``, built once per lists object."""
    idx = _INDEXES.get(lists)
    if idx is None:
        idx = PartyIndex(lists)
        _INDEXES[lists] = idx
    return idx


def screen_name(
    name: str,
    lists: PartyLists | PartyIndex,
    on: date,
    country: str | None = None,
) -> list[PartyMatch]:
    """Entries of China's party lists that ``name`` matches, best first, with
    an explanation, the listing status and the effects on ``on``.

    Matches below ``POSSIBLE`` are not returned; ``possible`` ones must be
    put to the user as a question, never dropped. ``country`` (ISO alpha-2),
    when given, lowers the score of entries listed for another country.
    """
    if not name.strip():
        raise ValueError("name: a party name may not be empty")
    if country is not None and (len(country) != 2 or not country.isupper()):
        raise ValueError(f"country: '{country}' is not an ISO 3166-1 alpha-2 code like 'US'")
    idx = lists if isinstance(lists, PartyIndex) else index_for(lists)
    return idx.screen(name, on, country)
