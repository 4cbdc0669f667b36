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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from lanthanide.classify.glossary import ELEMENT_TERMS, ELEMENTS, GENERIC, QUALIFIERS, TERMS
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
RARE_EARTHS_IDS = frozenset(e.lower() for e in RARE_EARTHS)
CROWD = 3
"""A top result is *high* only if at most this many other rulebook items
score half as much: a one-word query such as 稀土 fits too many items."""
COVERS_WEIGHT = 0.5
"""Weight of the concepts an HS heading covers without naming them (each
rare-earth element for 2846 and 280530; oxides and salts for "compounds")."""
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
OTHER_ELEMENT = 0.5
"""Further factor when the entry lacking an element the query names is
about other elements (samarium oxide for "praseodymium oxide")."""
UNSTATED_QUALIFIER = 0.7
"""Factor for an item whose definition has a condition the query does not
state (glossary QUALIFIERS: 2025 No. 61's items are Chinese-origin goods
exported by foreign parties from abroad; 2025 No. 18 lists the same
materials exported from China)."""
EXTRA_ELEMENT = 0.85
"""Factor for an item whose title names an element the query does not name
(when the query names one)."""
MISSING_SPECIFIC = 0.5
"""Factor for each *specific* glossary concept of the query (an element, a
compound, a trade name) that an entry lacks."""
PURPOSE_WEIGHT = 0.5
"""Weight of the words of a purpose clause ("winding machine *for battery
cells*"); concepts found only there are not required of an entry."""
BARE_ELEMENT_NOT_METAL = 0.6
"""Factor for entries without the metal concept when the query is only an
element's name (镝, 锑, "germanium"): the element itself is meant."""
FORM_MISMATCH = 0.5
"""Factor for a goods entry whose title names a form (ore, oxide, metal,
salt) other than the one the query names: "tungsten concentrate 65% WO3" is
an ore, not tungsten oxide; 精锑 is the metal, not the ore; 硝酸钆 a compound,
not the oxide. Such a top result is never more than *low* confidence."""
FORMS: dict[str, str] = {
    "ore": "ore",
    "re-conc": "ore",
    "stibnite": "ore",
    "w-conc": "ore",
    "oxide": "oxide",
    "metal": "metal",
    "alloy": "metal",
    "ingot": "metal",
    "sb-metal": "metal",
    "compound": "compound",
    "ndfeb": "magnet",
    "smco": "magnet",
    "pm-magnet": "magnet",
    **{
        c: "oxide"
        for c in (
            "wo3",
            "sb2o3",
            "ga2o3",
            "geo2",
            "dy2o3",
            "tb4o7",
            "y2o3",
            "sm2o3",
            "gd2o3",
            "lu2o3",
            "sc2o3",
            "eu2o3",
            "er2o3",
            "ho2o3",
            "tm2o3",
            "yb2o3",
        )
    },
    **{
        c: "salt"
        for c in (
            "nitrate",
            "carbonate",
            "oxalate",
            "acetate",
            "sulfate",
            "hydroxide",
            "chloride",
            "fluoride",
        )
    },
}
"""Glossary concepts that name the *form* of a substance (see FORM_MISMATCH)."""
SALTS = frozenset(c for c, f in FORMS.items() if f == "salt")
"""Compound classes an item of "X compounds" covers (硝酸钆 → 1C903.c)."""
NOT_IN_FORCE_CAP = 0.8
"""With a query date: an item whose controls are not in force on the date
(suspended, not yet or no longer in force) scores at most this share of the
best item in force on the date that covers the same elements and kind."""
DEMOTE_WITHIN = 0.7
"""…but only when that in-force item is a near-equal match (at least this
share of the other's score): a much weaker match is not the same thing."""
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

_EXCLUDING = re.compile(r"\((?:excluding|other than|except)\b[^)]*\)", re.IGNORECASE)
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
    forms: frozenset[str] = frozenset()
    """Forms its title names (ore, oxide, metal, salt, compound)."""
    title_elements: frozenset[str] = frozenset()
    """For goods whose title names one substance: the elements it is made
    of, from the item data (indium for indium gallium arsenide), except the
    generic ones (Fe, Al, As…). Empty for a list of substances ("cadmium
    telluride, cadmium zinc telluride and …"), whose elements are a union."""
    covers: frozenset[str] = frozenset()
    """Concepts it covers without naming them (2846 covers praseodymium
    compounds; "X compounds" covers X nitrate): not scored, but not missing."""
    elements: frozenset[str] = frozenset()


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
    status_on: str | None = None
    """With a query date: ``in_force``, ``suspended`` or ``not_in_force`` (the
    item's own controls on that date); None without a date or for HS headings."""

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
            **({"status_on": self.status_on} if self.status_on else {}),
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

    def __init__(self, corpus: Sequence[list[str]], *, b: float = 0.75) -> None:
        self.bm25 = bm25s.BM25(b=b)
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
                # no length normalisation: 2846 covers seventeen elements
                "covers": _Field([sorted(e.covers) for e in hs_entries], b=0.0),
            }
            if hs_entries
            else {}
        )
        self._concept_masks: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = {}
        for i, e in enumerate(self.entries):
            for c in (*e.fields.get("concepts", ()), *e.covers):
                mask = self._concept_masks.get(c)
                if mask is None:
                    mask = np.zeros(len(self.entries), dtype=bool)
                    self._concept_masks[c] = mask
                mask[i] = True
        self._priors = np.array([e.prior for e in items], dtype=np.float32)
        self._title_elements: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = {}
        for i, e in enumerate(items):
            for c in e.title_elements:
                m = self._title_elements.get(c)
                if m is None:
                    m = self._title_elements[c] = np.zeros(len(self.entries), dtype=bool)
                m[i] = True
        self._has_element = np.zeros(len(self.entries), dtype=bool)
        for c in _ELEMENT_IDS:
            m = self._concept_masks.get(f"§{c}")
            if m is not None:
                self._has_element |= m
        self._is_tech = np.array([e.kind == "technology" for e in items], dtype=bool)
        self._is_goods = np.array([e.kind == "goods" for e in items], dtype=bool)
        self._form_masks: dict[frozenset[str], np.ndarray[Any, np.dtype[np.bool_]]] = {}
        for i, e in enumerate(self.entries):
            if e.forms:
                fm = self._form_masks.get(e.forms)
                if fm is None:
                    fm = self._form_masks[e.forms] = np.zeros(len(self.entries), dtype=bool)
                fm[i] = True
        self._status_cache: dict[date, tuple[np.ndarray[Any, np.dtype[np.float32]], list[str]]] = {}
        vocab: set[str] = set()
        for e in self.entries:
            for toks in e.fields.values():
                vocab.update(t for t in toks if t.isascii() and t.isalpha() and len(t) >= 4)
        vocab |= {w for w in STOP_EN if len(w) >= 4}
        for _, terms in (*TERMS, *ELEMENT_TERMS):
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
            title_cons: set[str] = set()
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
                    if fname == "title":
                        title_cons.update(cons)
                        title_cons.update(f"§{c}" for f, c in formulas(txt) if c)
                concepts.extend(f"§{e.lower()}" for e in r.item.elements)
                if RARE_EARTHS & set(r.item.elements):
                    concepts.append("§ree")
            prior = STATUS_PRIOR.get(primary_inst.status, 0.9)
            forms = _forms(c[1:] for c in title_cons) if it.kind == "goods" else frozenset()
            # the elements an item of goods is made of (data, not title text:
            # "NdFeB" in a title does not make neodymium a defining element)
            title_elements = (
                frozenset(
                    x.lower()
                    for r in refs
                    for x in r.item.elements
                    if x.lower() in _ELEMENT_IDS and x.lower() not in GENERIC
                )
                if it.kind == "goods" and not any(_LIST.search(t) for t in _titles(refs))
                else frozenset()
            )
            covers: frozenset[str] = frozenset()
            if "compound" in forms:
                # "X compounds" covers X's nitrates, chlorides, carbonates…
                covers = frozenset(f"§{c}" for c in SALTS)
                concepts.extend(covers)
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
                    forms=forms,
                    elements=frozenset(e for r in refs for e in r.item.elements),
                    covers=covers,
                    title_elements=title_elements,
                )
            )
        _inherit_controlled(out)
        return out

    def _hs_entries(self) -> list[Entry]:
        out = []
        for h in nomenclature():
            # "(excluding cerium)" does not mention cerium
            desc = _EXCLUDING.sub(" ", h.description)
            words, cons = _words(desc, symbols=False)
            forms = _forms(c[1:] for c in cons)
            covers: set[str] = set()
            if "§ree" in cons:
                # a heading of rare-earth metals or compounds covers each of
                # them (2846: NdPr oxide; 280530: mischmetal)
                excl = {"ce"} if "excluding cerium" in h.description.lower() else set()
                covers |= {f"§{e.lower()}" for e in RARE_EARTHS if e.lower() not in excl}
            if "compound" in forms:
                # "compounds of X" covers X's oxides and salts when no
                # narrower heading does (2846 has no oxide subheading)
                covers |= {f"§{c}" for c in SALTS} | {"§oxide"}
            out.append(
                Entry(
                    code=h.code,
                    source="hs2022",
                    kind="goods",
                    title_zh=None,
                    title_en=h.description,
                    hs=(h.code,),
                    fields={"title": words, "concepts": cons},
                    forms=forms,
                    covers=frozenset(covers),
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

    def status_on(self, on: date) -> list[str]:
        """Per rulebook entry, the status of its own controls on ``on``:
        ``in_force`` (a control valid and not suspended), ``suspended`` (valid
        but suspended), ``not_in_force`` (no control valid then), or
        ``unknown`` (the item has no control of its own)."""
        return self._status(on)[1]

    def _status(self, on: date) -> tuple[np.ndarray[Any, np.dtype[np.float32]], list[str]]:
        got = self._status_cache.get(on)
        if got is not None:
            return got
        priors: list[float] = []
        states: list[str] = []
        for e in self.entries[: self.n_items]:
            ccs = [
                cc
                for r in e.refs
                if not self._ended_by(r.instrument, on)
                for cc in self.book.own_controls.get(r.key, ())
            ]
            if not ccs and any(self.book.own_controls.get(r.key) for r in e.refs):
                state, prior = "not_in_force", STATUS_PRIOR["superseded"]
            elif not ccs:
                state, prior = "unknown", e.prior
            elif any(cc.in_force(on) for cc in ccs):
                state, prior = "in_force", STATUS_PRIOR["in_force"]
            elif any(cc.control.valid.contains(on) for cc in ccs):
                state, prior = "suspended", STATUS_PRIOR["suspended"]
            else:
                state, prior = "not_in_force", STATUS_PRIOR["superseded"]
            priors.append(prior)
            states.append(state)
        got = (np.array(priors, dtype=np.float32), states)
        if len(self._status_cache) > 256:
            self._status_cache.clear()
        self._status_cache[on] = got
        return got

    def _ended_by(self, inst: Instrument, on: date) -> bool:
        """Whether an instrument recorded as superseded, expired or repealed
        had ended by ``on`` (its end date, else the effective date of the
        instrument superseding it; unknown: ended)."""
        if inst.status not in ("superseded", "expired", "repealed"):
            return False
        end = inst.ended
        if end is None and inst.superseded_by:
            nxt = self.book.instruments.get(inst.superseded_by)
            end = nxt.effective if nxt is not None else None
        return end is None or on >= end

    def status_key(self, on: date) -> tuple[str, ...]:
        """A key that is equal on two dates exactly when every entry has the
        same status on both, i.e. when :meth:`classify` with ``on`` ranks
        alike (for callers that cache classifications across dates)."""
        return tuple(self._status(on)[1])

    def classify(
        self, text: str, *, kind: str | None = None, top: int = 5, on: date | None = None
    ) -> Classification:
        """Rank the rulebook items and HS headings ``text`` may name.

        ``on``: the query date. Without it the status prior is the
        instruments' recorded status. With it, each item's own controls on
        that date decide: an item not in force then (suspended, not yet, no
        longer) ranks below an item in force then that covers the same
        elements and kind (at most :data:`NOT_IN_FORCE_CAP` of its score),
        and each result carries ``status_on``."""
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
        implied_ree = False
        if RARE_EARTHS_IDS & found.keys() and "ree" not in found:
            implied_ree = True
            # a rare-earth element names rare earths (NdPr oxide → 2846)
            found["ree"] = [f for c in RARE_EARTHS_IDS & found.keys() for f in found[c]]
            if RARE_EARTHS_IDS & head_cons:
                head_cons.add("ree")
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
        hs_covers = hs_total
        if self._hs_fields:
            hs_total += 3.0 * weighted(self._hs_fields["title"], qwords)
            hs_total += 2.5 * weighted(self._hs_fields["concepts"], qcons)
            hs_covers = HS_FACTOR * COVERS_WEIGHT * weighted(self._hs_fields["covers"], qcons)
            hs_total *= HS_FACTOR
        # kind prior from cue words (soft; --kind is the filter)
        cues = kind_cues(src, normalise(src))
        tech_f, goods_f = kind_prior(cues)
        total = np.where(self._is_tech, total * tech_f, total * goods_f)
        states: list[str] | None = None
        if on is None:
            total *= self._priors
        else:
            status_priors, states = self._status(on)
            total *= status_priors
        scores = np.concatenate([total, hs_total])
        # the form the query names (ore, oxide, metal, salt) against the
        # form an entry's title names
        qforms = _forms(head_cons)
        if "ore" in qforms:
            qforms = frozenset(["ore"])  # "concentrate 65% WO3": the oxide is its grade
        conflict = np.zeros(len(self.entries), dtype=bool)
        if qforms:
            for fset, fmask in self._form_masks.items():
                if _form_conflict(qforms, fset):
                    conflict |= fmask
            scores = np.where(conflict, scores * FORM_MISMATCH, scores)
        # what an HS heading covers without naming it counts only when no
        # rulebook goods item of a compatible form names the query's
        # elements (NdPr oxide, mischmetal: none does; 镝, 硝酸钆: one does)
        q_el = [c for c in found if c in _ELEMENT_IDS and c not in GENERIC and c in head_cons]
        if hs_covers.any():
            named = self._is_goods & ~conflict[:n]
            for c in q_el:
                emask = self._concept_masks.get(f"§{c}")
                named = named & (emask[:n] if emask is not None else False)
            if not q_el or not named.any():
                scores[n:] += np.where(conflict[n:], hs_covers * FORM_MISMATCH, hs_covers)
        is_tech = np.concatenate([self._is_tech, np.zeros(len(self.entries) - n, dtype=bool)])
        specific = [c for c in found if c not in GENERIC and c in head_cons]
        if _forms(head_cons) & {"ore"}:
            # "concentrate 65% WO3": the oxide names the grade, not the goods
            specific = [c for c in specific if FORMS.get(c) != "oxide"]
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
            if c in _ELEMENT_IDS:
                # an entry about other elements is not about this one
                other = self._has_element & ~mask
                scores = np.where(other, scores * OTHER_ELEMENT, scores)
        # an item defined for a special case the query does not name
        # (re-export of Chinese-origin goods from abroad) ranks lower
        for c in QUALIFIERS - found.keys():
            qmask = self._concept_masks.get(f"§{c}")
            if qmask is not None:
                scores = np.where(qmask, scores * UNSTATED_QUALIFIER, scores)
        # an item whose title names an element the query does not is a
        # different substance ("gallium arsenide" is not indium gallium arsenide)
        q_elements = {c for c in found if c in _ELEMENT_IDS}
        if q_elements:
            extra = np.zeros(len(self.entries), dtype=bool)
            for c, tmask in self._title_elements.items():
                if c not in q_elements:
                    extra |= tmask
            scores = np.where(extra, scores * EXTRA_ELEMENT, scores)
        # a bare element name (镝, 锑, "germanium") means the element itself
        elements = [c for c in specific if c in _ELEMENT_IDS]
        if (
            len(elements) == 1
            and len(specific) == 1 + implied_ree
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
        demoted: set[int] = set()
        if states is not None:
            demoted = self._demote(scores, states)
        order = np.argsort(-scores, kind="stable")
        picked = [int(i) for i in order[: max(top, 2)] if scores[i] > 0]
        results: list[Result] = []
        qset = set(qtokens)
        top_score = float(scores[picked[0]]) if picked else 0.0
        # a runner-up demoted for its status on the date is the same thing
        # under an instrument not in force then: it does not make the top
        # result less certain
        rest = [i for i in picked[1:] if i not in demoted]
        second = float(scores[rest[0]]) if rest else 0.0
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
            if conflict[i] and i not in bonus:
                conf = "low"  # the item's definition names another form
            if results and _ORDER[conf] > _ORDER[results[0].confidence]:
                conf = results[0].confidence
            results.append(
                Result(
                    e,
                    float(scores[i]),
                    conf,
                    matched,
                    _best_point(e, qset),
                    cov,
                    i in bonus,
                    states[i] if states is not None and i < n else None,
                )
            )
        return Classification(
            query=text,
            corrected=corrected if fixes else None,
            params=params,
            results=tuple(results),
        )

    def _demote(self, scores: np.ndarray[Any, np.dtype[np.float32]], states: list[str]) -> set[int]:
        """Cap, in place, the score of each item not in force on the date at
        NOT_IN_FORCE_CAP of the best in-force item of the same kind sharing
        an element with it, when that item scores at least DEMOTE_WITHIN of
        it; return the capped indices."""
        n = self.n_items
        live = [i for i in range(n) if scores[i] > 0 and states[i] == "in_force"]
        out: set[int] = set()
        for i in range(n):
            if scores[i] <= 0 or states[i] not in ("suspended", "not_in_force"):
                continue
            e = self.entries[i]
            best = max(
                (
                    float(scores[j])
                    for j in live
                    if self.entries[j].kind == e.kind and (self.entries[j].elements & e.elements)
                ),
                default=0.0,
            )
            if best >= DEMOTE_WITHIN * scores[i] and scores[i] > NOT_IN_FORCE_CAP * best:
                scores[i] = NOT_IN_FORCE_CAP * best
                out.add(i)
        return out


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


@lru_cache(maxsize=8192)
def _point_tokens(zh: str | None, en: str | None) -> frozenset[str]:
    """Words and concepts of a control point (both languages), cached: the
    same points are read for every query that ranks their item."""
    out: set[str] = set()
    for txt in dict.fromkeys(t for t in (zh, en) if t):
        words, cons = _words(txt)
        out.update(words)
        out.update(cons)
    return frozenset(out)


def _best_point(e: Entry, qset: set[str]) -> str | None:
    best: tuple[int, str] | None = None
    for r in e.refs:
        for p in r.item.control_points:
            label = p.zh or p.en or ""
            k = len(qset & _point_tokens(p.zh or p.en, p.en if p.zh else None))
            if k and (best is None or k > best[0]):
                best = (k, label)
    return best[1] if best else None


_LIST = re.compile(r",|\band\b|\bor\b|、|及|和|或")


def _titles(refs: Iterable[ItemRef]) -> list[str]:
    return [t for r in refs for t in (r.item.title.zh, r.item.title.en) if t]


def _forms(concept_ids: Iterable[str]) -> frozenset[str]:
    out = {FORMS[c] for c in concept_ids if c in FORMS}
    if out & {"compound", "salt", "oxide"}:
        out.discard("metal")  # "compounds of rare-earth metals", "metal oxides"
    return frozenset(out)


def _form_conflict(query: frozenset[str], item: frozenset[str]) -> bool:
    """Whether an item's forms exclude every form the query names (a
    compound item covers oxides and salts; a query naming compounds accepts
    oxides and salts)."""
    if not query or not item:
        return False
    for q in query:
        for i in item:
            if q == i or {q, i} in _COMPATIBLE:
                return False
    return True


_COMPATIBLE = (
    {"compound", "salt"},
    {"compound", "oxide"},
    {"magnet", "metal"},  # magnet material is an alloy
)


_CONTROLLED_ITEMS = re.compile(
    r"\bthe controlled\b|\bthe (?:above|listed) items\b|上述物项|所列物项"
)


def _inherit_controlled(entries: list[Entry]) -> None:
    """A technology item defined by reference to its instrument's goods ("Production
    technology for the controlled tungsten items") gets the specific concepts
    of those goods items (APT, tungsten carbide…): of the goods sharing an
    element with it, or all the instrument's goods when it names none."""
    by_inst: dict[str, list[Entry]] = {}
    for e in entries:
        if e.instrument is not None and e.kind == "goods":
            by_inst.setdefault(e.instrument.id, []).append(e)
    for e in entries:
        if e.kind != "technology" or e.instrument is None:
            continue
        titles = " ".join(t for t in (e.title_en, e.title_zh) if t)
        if not _CONTROLLED_ITEMS.search(titles):
            continue
        goods = [
            g
            for g in by_inst.get(e.instrument.id, ())
            if not e.elements or (g.elements & e.elements)
        ]
        extra = {c for g in goods for c in g.fields.get("concepts", ()) if c[1:] not in GENERIC}
        e.fields["concepts"] = sorted(set(e.fields.get("concepts", ())) | extra)
