"""The classification index: rulebook items and HS 2022 headings, ranked by
field-weighted BM25 (bm25s) with glossary concepts, typo tolerance
(rapidfuzz), tariff-code and item-code matching, and calibrated confidence.

One entry per item *code*: an item that several instruments carry (a
technology catalogue item in the 2008, 2020, 2023 and 2025 versions) is one
entry, shown under the newest instrument that lists it (the catalogue version
in force, for catalogue items) with the others in ``also_in``; its text is
the union of every version's text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from lanthanide.classify.glossary import ELEMENTS, GENERIC, TERMS
from lanthanide.classify.hs import nomenclature
from lanthanide.classify.intent import KindCues, formulas, kind_cues, split_purpose
from lanthanide.classify.params import FoundParam, extract
from lanthanide.classify.tokens import STOP_EN, concept_tokens, normalise, stem, tokenize
from lanthanide.rules.book import ItemRef, Rulebook
from lanthanide.rules.model import Instrument
from lanthanide.vocab import VOCAB

if TYPE_CHECKING:
    from lanthanide.classify.identify import Identification

Confidence = Literal["high", "medium", "low"]
Source = Literal["rulebook", "hs2022"]

FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "points": 2.0,
    "keywords": 2.0,
    "concepts": 2.5,
}
"""Weight of each field's BM25 score in the total."""
RARE_EARTHS = frozenset(VOCAB.rare_earths)
CROWD = 3
"""A top result is *high* only if at most this many other rulebook items
score half as much: a one-word query such as 稀土 fits too many items."""
HS_FACTOR = 0.55
"""HS-nomenclature hits are scaled down so that a rulebook item matching as
well ranks above a bare tariff heading."""
STATUS_PRIOR: dict[str, float] = {
    "in_force": 1.0,
    "suspended": 0.93,
    "unknown": 0.9,
    "superseded": 0.85,
    "expired": 0.85,
    "repealed": 0.8,
}
"""Among items matching equally, prefer those of instruments in force."""
KIND_PRIOR: dict[int, tuple[float, float]] = {
    2: (1.5, 0.3),
    1: (1.25, 0.6),
    0: (1.0, 1.0),
    -1: (0.67, 1.0),
    -2: (0.5, 1.0),
}
"""(technology factor, goods factor) by the lean of the query's cue words
(:func:`lanthanide.classify.intent.kind_cues`: technology cues minus goods
cues, clamped to -2..2). A soft preference: an item of the other kind that
matches much better still ranks first."""
NO_INTENT_TECH = 0.8
"""Technology items when the query has no cue either way: most queries
without a technology word are about goods."""
MISSING_SPECIFIC = 0.5
"""Factor for each *specific* glossary concept of the query (an element, a
compound, a trade name) that an entry lacks."""
PURPOSE_WEIGHT = 0.5
"""Weight of the words of a purpose clause ("winding machine *for battery
cells*"); concepts found only there are not required of an entry."""
BARE_ELEMENT_NOT_METAL = 0.6
"""Factor for entries without the metal concept when the query is only an
element's name (镝, 锑, "germanium"): the element itself is meant."""
CODE_EXACT = 40.0
HS_EXACT = 30.0
HS_CONTAINS = 12.0
HS_SHARED_PER_DIGIT = 1.5

# Confidence thresholds, calibrated on benchmarks/classify_eval.yaml (see
# docs/classify.md for the precision of each band).
_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
HIGH_MARGIN = 0.2
HIGH_COVERAGE = 0.6
MEDIUM_COVERAGE = 0.4
MEDIUM_MARGIN = 0.05

_CODE_TOKEN = re.compile(r"[0-9a-z][0-9a-z.\-]*[0-9a-z]")
_LATIN_WORD = re.compile(r"[a-z][a-z\-]{3,}")
_INTENT_ONLY = frozenset(["§technology"])
_ELEMENT_IDS = frozenset(cid for cid, _, _, _ in ELEMENTS)
_ELEMENT_WORDS = frozenset(n for _, _, _, names in ELEMENTS for n in names)


def kind_prior(cues: KindCues) -> tuple[float, float]:
    """(technology factor, goods factor) for a query's cue words."""
    if cues.tech == 0 and cues.goods == 0:
        return NO_INTENT_TECH, 1.0
    return KIND_PRIOR[max(-2, min(2, cues.lean))]


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    id: str
    number: str | None
    title: str
    status: str


@dataclass(slots=True)
class Entry:
    """One indexed thing: an item code (all its versions) or an HS heading."""

    code: str
    source: Source
    kind: str
    title_zh: str | None
    title_en: str | None
    hs: tuple[str, ...]
    control_code: str | None = None
    refs: tuple[ItemRef, ...] = ()
    """Every version of the item, primary first."""
    instrument: InstrumentInfo | None = None
    also_in: tuple[InstrumentInfo, ...] = ()
    prior: float = 1.0
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    entry: Entry
    score: float
    confidence: Confidence
    matched: dict[str, list[str]]
    control_point: str | None
    coverage: float = 0.0
    """Share of the query's tokens found in this entry."""
    coded: bool = False
    """Matched by an item code or tariff line named in the query."""

    @property
    def code(self) -> str:
        return self.entry.code

    def to_dict(self, rank: int) -> dict[str, Any]:
        e = self.entry
        inst = e.instrument
        return {
            "rank": rank,
            "code": e.code,
            "control_code": e.control_code,
            "kind": e.kind,
            "source": e.source,
            "instrument": (
                {"id": inst.id, "number": inst.number, "title": inst.title, "status": inst.status}
                if inst
                else None
            ),
            "also_in": [{"id": i.id, "number": i.number, "status": i.status} for i in e.also_in],
            "title": {"zh": e.title_zh, "en": e.title_en},
            "hs": list(e.hs),
            "score": round(self.score, 3),
            "confidence": self.confidence,
            "matched": self.matched,
            "control_point": self.control_point,
        }


@dataclass(frozen=True, slots=True)
class Classification:
    query: str
    corrected: str | None
    """The query with typos corrected, when any were."""
    params: dict[str, FoundParam]
    results: tuple[Result, ...]

    @property
    def top(self) -> Result | None:
        return self.results[0] if self.results else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "corrected": self.corrected,
            "params": {k: p.as_param for k, p in self.params.items()},
            "params_text": {k: p.text for k, p in self.params.items()},
            "results": [r.to_dict(i + 1) for i, r in enumerate(self.results)],
        }


def _info(inst: Instrument) -> InstrumentInfo:
    return InstrumentInfo(inst.id, inst.number, inst.title.zh or inst.title.best(), inst.status)


def _words(text: str, *, symbols: bool = True) -> tuple[list[str], list[str]]:
    t = tokenize(text, symbols=symbols)
    return list(t.words), concept_tokens(t.concepts)


class _Field:
    """One BM25 index over one field of every entry."""

    def __init__(self, corpus: Sequence[list[str]]) -> None:
        self.bm25 = bm25s.BM25()
        docs = [d if d else ["\x00"] for d in corpus]
        self.bm25.index(docs, show_progress=False)
        self.vocab: frozenset[str] = frozenset(self.bm25.vocab_dict)

    def scores(self, tokens: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        out: np.ndarray[Any, np.dtype[np.float32]] = self.bm25.get_scores(known)
        return out


class Classifier:
    """Index over a rulebook and the HS 2022 nomenclature."""

    def __init__(self, book: Rulebook, *, today: date | None = None, hs2022: bool = True) -> None:
        t0 = time.perf_counter()
        self.book = book
        self.today = today or date.today()
        self.entries: list[Entry] = self._rulebook_entries(book)
        self.n_items = len(self.entries)
        if hs2022:
            self.entries += self._hs_entries()
        self._by_code: dict[str, list[int]] = {}
        for i, e in enumerate(self.entries[: self.n_items]):
            for c in {e.code.lower(), (e.control_code or "").lower()} - {""}:
                self._by_code.setdefault(c, []).append(i)
        self._hs_lines: list[tuple[int, str]] = [
            (i, h) for i, e in enumerate(self.entries) for h in e.hs
        ]
        items = self.entries[: self.n_items]
        self._fields = {
            name: _Field([e.fields.get(name, []) for e in items]) for name in FIELD_WEIGHTS
        }
        hs_entries = self.entries[self.n_items :]
        self._hs_fields = (
            {
                "title": _Field([e.fields["title"] for e in hs_entries]),
                "concepts": _Field([e.fields["concepts"] for e in hs_entries]),
            }
            if hs_entries
            else {}
        )
        self._concept_masks: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = {}
        for i, e in enumerate(self.entries):
            for c in e.fields.get("concepts", ()):
                mask = self._concept_masks.get(c)
                if mask is None:
                    mask = np.zeros(len(self.entries), dtype=bool)
                    self._concept_masks[c] = mask
                mask[i] = True
        self._priors = np.array([e.prior for e in items], dtype=np.float32)
        self._is_tech = np.array([e.kind == "technology" for e in items], dtype=bool)
        vocab: set[str] = set()
        for e in self.entries:
            for toks in e.fields.values():
                vocab.update(t for t in toks if t.isascii() and t.isalpha() and len(t) >= 4)
        vocab |= {w for w in STOP_EN if len(w) >= 4}
        for _, terms in TERMS:
            for t in terms:
                vocab.update(w for w in re.split(r"[\s\-]+", t) if w.isascii() and w.isalpha())
        for _, _, _, names in ELEMENTS:
            vocab.update(names)
        self._latin_vocab = sorted(vocab)
        self._latin_vocab_set = frozenset(vocab)
        self._for_identify: dict[
            tuple[str, str | None], tuple[Classification, list[Identification]]
        ] = {}
        self.build_seconds = time.perf_counter() - t0

    # ------------------------------------------------------------ building
    def _rulebook_entries(self, book: Rulebook) -> list[Entry]:
        groups: dict[str, list[ItemRef]] = {}
        for r in book.item_refs:
            groups.setdefault(r.item.code, []).append(r)
        current: dict[str, Instrument] = {}
        view = book.catalogue_in_force(self.today)
        if view is not None:
            for code in view.items:
                current[code] = view.instrument
        out = []
        for code, refs in groups.items():
            refs.sort(key=lambda r: r.instrument.effective or date.min, reverse=True)
            primary_inst = current.get(code, refs[0].instrument)
            insts = [primary_inst] + [
                r.instrument for r in refs if r.instrument.id != primary_inst.id
            ]
            it = refs[0].item
            title: list[str] = []
            points: list[str] = []
            keywords: list[str] = []
            concepts: list[str] = []
            seen_text: set[tuple[str, str]] = set()
            for r in refs:
                texts = [
                    ("title", r.item.title.zh),
                    ("title", r.item.title.en),
                    *[("points", p.zh) for p in r.item.control_points],
                    *[("points", p.en) for p in r.item.control_points],
                    *[("keywords", k) for k in r.item.keywords],
                ]
                for fname, txt in texts:
                    if not txt or (fname, txt) in seen_text:
                        continue
                    seen_text.add((fname, txt))
                    words, cons = _words(txt)
                    {"title": title, "points": points, "keywords": keywords}[fname].extend(words)
                    concepts.extend(cons)
                concepts.extend(f"§{e.lower()}" for e in r.item.elements)
                if RARE_EARTHS & set(r.item.elements):
                    concepts.append("§ree")
            prior = STATUS_PRIOR.get(primary_inst.status, 0.9)
            out.append(
                Entry(
                    code=code,
                    source="rulebook",
                    kind=it.kind,
                    title_zh=next((r.item.title.zh for r in refs if r.item.title.zh), None),
                    title_en=next((r.item.title.en for r in refs if r.item.title.en), None),
                    hs=tuple(dict.fromkeys(h.code for r in refs for h in r.item.hs)),
                    control_code=it.control_code,
                    refs=tuple(refs),
                    instrument=_info(primary_inst),
                    also_in=tuple(_info(i) for i in insts[1:]),
                    prior=prior,
                    fields={
                        "title": title,
                        "points": points,
                        "keywords": keywords,
                        "concepts": sorted(set(concepts)),
                    },
                )
            )
        return out

    def _hs_entries(self) -> list[Entry]:
        out = []
        for h in nomenclature():
            words, cons = _words(h.description, symbols=False)
            out.append(
                Entry(
                    code=h.code,
                    source="hs2022",
                    kind="goods",
                    title_zh=None,
                    title_en=h.description,
                    hs=(h.code,),
                    fields={"title": words, "concepts": cons},
                )
            )
        return out

    # ------------------------------------------------------------ querying
    def _correct(self, norm: str) -> tuple[str, dict[str, str]]:
        fixes: dict[str, str] = {}
        for w in set(_LATIN_WORD.findall(norm)):
            if len(w) < 5 or "-" in w or w in self._latin_vocab_set:
                continue
            if stem(w) in self._latin_vocab_set:
                continue
            got = process.extractOne(w, self._latin_vocab, scorer=fuzz.ratio, score_cutoff=82.0)
            if got is not None:
                fixes[w] = str(got[0])
        if not fixes:
            return norm, fixes
        out = re.sub(r"[a-z][a-z\-]{3,}", lambda m: fixes.get(m.group(0), m.group(0)), norm)
        return out, fixes

    def identify(self, text: str, kind: str | None, on: date) -> Identification:
        """Which rulebook items ``text`` names on ``on``, and how sure that is
        (see :mod:`lanthanide.classify.identify`)."""
        from lanthanide.classify.identify import CLASSIFY_TOP, identify

        key = (text, kind)
        got = self._for_identify.get(key)
        if got is None:
            if len(self._for_identify) > 4096:
                self._for_identify.clear()
            got = self._for_identify[key] = (self.classify(text, kind=kind, top=CLASSIFY_TOP), [])
        classification, known = got
        for ident in known:  # an identification holds on every day of its window
            if ident.window.contains(on):
                return ident
        ident = identify(self, classification, kind, on)
        if len(known) < 64:
            known.append(ident)
        return ident

    def classify(self, text: str, *, kind: str | None = None, top: int = 5) -> Classification:
        params = extract(text)
        norm = normalise(text)
        corrected, fixes = self._correct(norm)
        # keep symbol case from the raw text when nothing was corrected
        src = text if not fixes else corrected
        tok = tokenize(src)
        found = dict(tok.concepts)
        for formula, cls in formulas(src):
            if cls is not None:
                found.setdefault(cls, []).append(formula)
        head, purpose = split_purpose(src)
        if purpose:
            htok = tokenize(head)
            head_words = set(htok.words)
            head_cons = set(htok.concepts) | {c for f, c in formulas(head) if c}
        else:
            head_words = set(tok.words)
            head_cons = set(found)
        qwords = list(dict.fromkeys(tok.words))
        qcons = [c for c in concept_tokens(found) if c not in _INTENT_ONLY]
        qtokens = qwords + qcons
        head_tokens = head_words | {f"§{c}" for c in head_cons}
        n = self.n_items

        def weighted(fld: _Field, toks: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
            # words of a purpose clause ("… for battery cells") count less
            main = [t for t in toks if t in head_tokens]
            rest = [t for t in toks if t not in head_tokens]
            out = fld.scores(main)
            if rest:
                out = out + PURPOSE_WEIGHT * fld.scores(rest)
            return out

        total = np.zeros(n, dtype=np.float32)
        per_field: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        for name, w in FIELD_WEIGHTS.items():
            toks = qcons if name == "concepts" else qwords
            s = weighted(self._fields[name], toks)
            per_field[name] = s
            total += w * s
        hs_total = np.zeros(len(self.entries) - n, dtype=np.float32)
        if self._hs_fields:
            hs_total += 3.0 * weighted(self._hs_fields["title"], qwords)
            hs_total += 2.5 * weighted(self._hs_fields["concepts"], qcons)
            hs_total *= HS_FACTOR
        # kind prior from cue words (soft; --kind is the filter)
        cues = kind_cues(src, normalise(src))
        tech_f, goods_f = kind_prior(cues)
        total = np.where(self._is_tech, total * tech_f, total * goods_f)
        total *= self._priors
        scores = np.concatenate([total, hs_total])
        is_tech = np.concatenate([self._is_tech, np.zeros(len(self.entries) - n, dtype=bool)])
        specific = [c for c in found if c not in GENERIC and c in head_cons]
        for c in specific:
            mask = self._concept_masks.get(f"§{c}")
            if mask is None:
                continue
            # a technology item holding a broader concept read from the same
            # words ("strip casting" → strip-cast and magnet-making) covers it
            forms = set(found[c])
            for c2, forms2 in found.items():
                if c2 != c and forms & set(forms2):
                    m2 = self._concept_masks.get(f"§{c2}")
                    if m2 is not None:
                        mask = mask | (m2 & is_tech)
            scores = np.where(mask, scores, scores * MISSING_SPECIFIC)
        # a bare element name (镝, 锑, "germanium") means the element itself
        elements = [c for c in specific if c in _ELEMENT_IDS]
        if (
            len(elements) == 1
            and len(specific) == 1
            and all(w in _ELEMENT_WORDS for w in qwords)
            and not tok.codes
        ):
            metal = self._concept_masks.get("§metal")
            if metal is not None:
                scores = np.where(metal, scores, scores * BARE_ELEMENT_NOT_METAL)
        bonus: dict[int, tuple[float, str]] = {}
        # item codes and control codes named in the query
        for m in _CODE_TOKEN.finditer(norm):
            for i in self._by_code.get(m.group(0), ()):
                bonus[i] = (CODE_EXACT, m.group(0))
        # tariff codes: rulebook lines, and the most specific HS 2022 heading
        for d in tok.codes:
            best_hs: tuple[float, int, str] | None = None
            for i, h in self._hs_lines:
                if h == d:
                    b = HS_EXACT
                elif h.startswith(d) or d.startswith(h):
                    b = HS_CONTAINS + min(len(h), len(d))
                else:
                    k = 0
                    for a, c in zip(h, d, strict=False):
                        if a != c:
                            break
                        k += 1
                    if k < 6:
                        continue
                    b = HS_SHARED_PER_DIGIT * k
                if i >= n:
                    b *= HS_FACTOR
                    if best_hs is None or b > best_hs[0]:
                        best_hs = (b, i, h)
                    continue
                b *= float(self.entries[i].prior)
                if b > bonus.get(i, (0.0, ""))[0]:
                    bonus[i] = (b, h)
            if best_hs is not None and best_hs[0] > bonus.get(best_hs[1], (0.0, ""))[0]:
                bonus[best_hs[1]] = (best_hs[0], best_hs[2])
        for i, (b, _) in bonus.items():
            scores[i] += b
        if kind is not None:
            mask = np.array([e.kind == kind for e in self.entries], dtype=bool)
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")
        picked = [int(i) for i in order[: max(top, 2)] if scores[i] > 0]
        results: list[Result] = []
        qset = set(qtokens)
        top_score = float(scores[picked[0]]) if picked else 0.0
        second = float(scores[picked[1]]) if len(picked) > 1 else 0.0
        crowd = int(np.count_nonzero(scores[:n] >= 0.5 * top_score)) - 1 if picked else 0
        for rank, i in enumerate(picked[:top]):
            e = self.entries[i]
            matched: dict[str, list[str]] = {}
            for fname, toks in e.fields.items():
                hit = sorted(qset & set(toks))
                if hit:
                    matched[fname] = [_show(t, found) for t in hit]
            if i in bonus:
                label = (
                    "code"
                    if bonus[i][1] in (e.code.lower(), (e.control_code or "").lower())
                    else "hs"
                )
                matched[label] = [bonus[i][1]]
            if fixes:
                matched["typos"] = [f"{a} → {b}" for a, b in sorted(fixes.items())]
            cov = _coverage(qwords or qcons, e.fields, i in bonus)
            conf = _confidence(float(scores[i]), top_score, second, cov, rank, e.source, i in bonus)
            if rank == 0 and conf == "high" and crowd > CROWD:
                conf = "medium"
            if results and _ORDER[conf] > _ORDER[results[0].confidence]:
                conf = results[0].confidence
            results.append(
                Result(e, float(scores[i]), conf, matched, _best_point(e, qset), cov, i in bonus)
            )
        return Classification(
            query=text,
            corrected=corrected if fixes else None,
            params=params,
            results=tuple(results),
        )


def _show(token: str, found: dict[str, list[str]]) -> str:
    if token.startswith("§"):
        cid = token[1:]
        forms = found.get(cid)
        return f"{forms[0]} → {cid}" if forms else cid
    return token


def _coverage(qtokens: list[str], fields: dict[str, list[str]], coded: bool) -> float:
    if coded:
        return 1.0
    if not qtokens:
        return 0.0
    doc: set[str] = set()
    for toks in fields.values():
        doc.update(toks)
    return sum(1 for t in qtokens if t in doc) / len(qtokens)


def confidence_among(results: Sequence[Result]) -> Confidence:
    """The confidence of ``results[0]`` against the rest of ``results`` (used
    when a caller narrows the list, e.g. to items in force on a date)."""
    if not results:
        return "low"
    top = results[0]
    second = results[1].score if len(results) > 1 else 0.0
    return _confidence(top.score, top.score, second, top.coverage, 0, top.entry.source, top.coded)


def _confidence(
    score: float, top: float, second: float, coverage: float, rank: int, source: str, coded: bool
) -> Confidence:
    if rank > 0:
        return "medium" if top > 0 and score / top >= 0.9 and coverage >= HIGH_COVERAGE else "low"
    margin = 1.0 - (second / top) if top > 0 else 0.0
    if margin < MEDIUM_MARGIN:
        return "low"
    if source == "hs2022":
        return "low" if margin < HIGH_MARGIN else "medium"
    if coded and margin >= HIGH_MARGIN:
        return "high"
    if margin >= HIGH_MARGIN and coverage >= HIGH_COVERAGE:
        return "high"
    if coverage >= HIGH_COVERAGE or (margin >= HIGH_MARGIN and coverage >= MEDIUM_COVERAGE):
        return "medium"
    return "low"


def _best_point(e: Entry, qset: set[str]) -> str | None:
    best: tuple[int, str] | None = None
    for r in e.refs:
        for p in r.item.control_points:
            label = p.zh or p.en or ""
            words, cons = _words(label)
            if p.en and p.zh:
                w2, c2 = _words(p.en)
                words += w2
                cons += c2
            k = len(qset & (set(words) | set(cons)))
            if k and (best is None or k > best[0]):
                best = (k, label)
    return best[1] if best else None
