"""A plain text matcher for ``check --text``: query against item titles,
control points and keywords, in Chinese and English.

Scoring: an item phrase found inside the query scores its length (Chinese
characters count double, as they carry more meaning each); English words
shared with the query score one each. The classifier (``classify/``) is the
smarter path; this one keeps ``check`` self-contained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lanthanide.rules.book import ItemRef, Rulebook

_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_TOK = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "from",
        "as",
        "at",
        "is",
        "are",
        "be",
        "its",
        "their",
        "other",
        "technology",
        "technologies",
        "item",
        "items",
        "export",
        "exports",
        "process",
        "production",
        "related",
        "material",
        "materials",
        "products",
        "product",
        "equipment",
    ]
)


def _norm(s: str) -> str:
    return s.lower().replace("–", "-").replace("—", "-").strip()


def _words(s: str) -> set[str]:
    out = set()
    for w in _WORD.findall(s):
        if w in _STOP or len(w) < 2:
            continue
        out.add(w[:-1] if len(w) > 4 and w.endswith("s") else w)
    return out


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _weight(phrase: str) -> float:
    cjk = len(_CJK.findall(phrase))
    return cjk * 2.0 + (len(phrase) - cjk) * 0.5


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str
    control_point: str | None
    weight: float
    boundary: re.Pattern[str] | None
    """Word-boundary pattern for Latin phrases (None for Chinese ones)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    ref: ItemRef
    phrases: tuple[_Phrase, ...]
    words: frozenset[str]


@dataclass(frozen=True, slots=True)
class TextHit:
    ref: ItemRef
    score: float
    control_point: str | None


class TextIndex:
    def __init__(self, book: Rulebook) -> None:
        entries = []
        for ref in book.item_refs:
            it = ref.item
            phrases: list[tuple[str, str | None]] = []
            for t in (it.title.zh, it.title.en):
                if t:
                    phrases.append((_norm(t), None))
            for cp in it.control_points:
                label = cp.zh or cp.en
                for t in (cp.zh, cp.en):
                    if t:
                        phrases.append((_norm(t), label))
            for k in it.keywords:
                phrases.append((_norm(k), None))
            if it.control_code:
                phrases.append((_norm(it.control_code), None))
            words: set[str] = set()
            compiled = []
            for p, label in phrases:
                words |= _words(p)
                if len(p) < 2:
                    continue
                boundary = None if _CJK.search(p) else re.compile(rf"\b{re.escape(p)}\b")
                compiled.append(_Phrase(p, label, _weight(p), boundary))
            entries.append(_Entry(ref, tuple(compiled), frozenset(words)))
        self._entries = entries
        # inverted index: an entry can only score if it shares a word, a raw
        # token or (for Chinese phrases) a character bigram with the query
        self._by_key: dict[str, set[int]] = {}
        for i, e in enumerate(entries):
            keys: set[str] = set(e.words)
            for ph in e.phrases:
                if ph.boundary is None:
                    keys |= _bigrams(ph.text)
                else:
                    keys |= set(_TOK.findall(ph.text))
            for k in keys:
                self._by_key.setdefault(k, set()).add(i)

    def search(self, text: str, limit: int = 5) -> list[TextHit]:
        q = _norm(text)
        qwords = _words(q)
        q_cjk = len(q) >= 2 and _CJK.search(q) is not None
        q_weight = _weight(q)
        hits: list[TextHit] = []
        cand: set[int] = set()
        for k in qwords | set(_TOK.findall(q)) | _bigrams(q):
            found = self._by_key.get(k)
            if found:
                cand |= found
        for i in sorted(cand):
            e = self._entries[i]
            score = 0.0
            best_cp: str | None = None
            best_cp_score = 0.0
            for ph in e.phrases:
                s = 0.0
                if ph.text in q and (ph.boundary is None or ph.boundary.search(q)):
                    s = ph.weight
                elif q_cjk and q in ph.text:
                    s = q_weight
                if s:
                    score += s
                    if ph.control_point is not None and s > best_cp_score:
                        best_cp, best_cp_score = ph.control_point, s
            score += 1.0 * len(qwords & e.words)
            if score > 0:
                hits.append(TextHit(e.ref, score, best_cp))
        hits.sort(key=lambda h: (-h.score, h.ref.item.code))
        return hits[:limit]
