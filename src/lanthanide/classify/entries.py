"""Building the index: one :class:`~lanthanide.classify.results.Entry` per
rulebook item code (the union of every version's text) and per HS 2022
heading, its field texts and concepts, and a BM25 index over each field.

One entry per item *code*: an item that several instruments carry (a
technology catalogue item in the 2008, 2020, 2023 and 2025 versions) is one
entry, shown under the newest instrument that lists it (the catalogue version
in force, for catalogue items) with the others in ``also_in``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from lanthanide.classify.glossary import ELEMENTS, GENERIC
from lanthanide.classify.hs import nomenclature
from lanthanide.classify.intent import formulas
from lanthanide.classify.results import Entry, InstrumentInfo
from lanthanide.classify.tokens import concept_tokens, tokenize
from lanthanide.classify.weights import RARE_EARTHS, SALTS, STATUS_PRIOR, forms_of
from lanthanide.rules.book import ItemRef, Rulebook
from lanthanide.rules.model import Instrument

_EXCLUDING = re.compile(r"\((?:excluding|other than|except)\b[^)]*\)", re.IGNORECASE)
ELEMENT_IDS = frozenset(cid for cid, _, _, _ in ELEMENTS)
_LIST = re.compile(r",|\band\b|\bor\b|、|及|和|或")


def _info(inst: Instrument) -> InstrumentInfo:
    return InstrumentInfo(inst.id, inst.number, inst.title.zh or inst.title.best(), inst.status)


WORDS: dict[tuple[bool, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
"""Memo of :func:`_words` (a pure function of the text and the tokenizer's
code), filled from and saved to the on-disk cache by the classifier
(:mod:`lanthanide.classify.store`)."""


def _words(text: str, *, symbols: bool = True) -> tuple[list[str], list[str]]:
    got = WORDS.get((symbols, text))
    if got is None:
        t = tokenize(text, symbols=symbols)
        got = WORDS[(symbols, text)] = (tuple(t.words), tuple(concept_tokens(t.concepts)))
    return list(got[0]), list(got[1])


class FieldIndex:
    """One BM25 index over one field of every entry: the score matrix bm25s
    builds (token -> the documents containing it and their BM25 scores, CSC
    arrays), scored here the way bm25s scores it (its numpy backend, summed
    in the same order, so the same float32 results) so that an index read
    from the cache needs neither bm25s nor SciPy."""

    def __init__(
        self,
        data: np.ndarray[Any, np.dtype[np.float32]],
        indices: np.ndarray[Any, np.dtype[np.int32]],
        indptr: np.ndarray[Any, np.dtype[Any]],
        num_docs: int,
        ids: dict[str, int],
    ) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.num_docs = num_docs
        self.ids = ids
        self.vocab: frozenset[str] = frozenset(ids)

    @classmethod
    def build(cls, corpus: Sequence[list[str]], *, b: float = 0.75) -> FieldIndex:
        import bm25s

        bm25 = bm25s.BM25(b=b)
        docs = [d if d else ["\x00"] for d in corpus]
        bm25.index(docs, show_progress=False)
        sc = bm25.scores
        indptr = np.asarray(sc["indptr"])
        # bm25s adds "" to its vocabulary with no column (id past the
        # matrix); no query token is ever "" (tokens are non-empty words).
        ids = {str(k): int(v) for k, v in bm25.vocab_dict.items() if int(v) < len(indptr) - 1}
        return cls(
            np.asarray(sc["data"], dtype=np.float32),
            np.asarray(sc["indices"], dtype=np.int32),
            indptr,
            int(sc["num_docs"]),
            ids,
        )

    @classmethod
    def from_arrays(
        cls,
        data: np.ndarray[Any, Any],
        indices: np.ndarray[Any, Any],
        indptr: np.ndarray[Any, Any],
        num_docs: int,
        words: list[str],
    ) -> FieldIndex | None:
        """An index from stored arrays, or ``None`` if they are not a
        consistent score matrix over ``num_docs`` documents and ``words``."""
        if not (
            isinstance(words, list)
            and all(isinstance(w, str) for w in words)
            and len(set(words)) == len(words)
            and data.dtype == np.float32
            and indices.dtype == np.int32
            and indptr.dtype.kind == "i"
            and data.ndim == indices.ndim == indptr.ndim == 1
            and len(data) == len(indices)
            and len(indptr) == len(words) + 1
            and int(indptr[0]) == 0
            and int(indptr[-1]) == len(data)
            and bool(np.all(np.diff(indptr) >= 0))
            and (len(indices) == 0 or (int(indices.min()) >= 0 and int(indices.max()) < num_docs))
            and bool(np.all(np.isfinite(data)))
        ):
            return None
        return cls(data, indices, indptr, num_docs, {w: i for i, w in enumerate(words)})

    def scores(self, tokens: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for t in tokens:
            i = self.ids.get(t)
            if i is not None:
                start, end = self.indptr[i], self.indptr[i + 1]
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


def rulebook_entries(book: Rulebook, today: date) -> list[Entry]:
    """One entry per rulebook item code, shown under the catalogue in force
    on ``today`` (else its newest instrument)."""
    groups: dict[str, list[ItemRef]] = {}
    for r in book.item_refs:
        groups.setdefault(r.item.code, []).append(r)
    current: dict[str, Instrument] = {}
    view = book.catalogue_in_force(today)
    if view is not None:
        for code in view.items:
            current[code] = view.instrument
    out = []
    for code, refs in groups.items():
        refs.sort(key=lambda r: r.instrument.effective or date.min, reverse=True)
        primary_inst = current.get(code, refs[0].instrument)
        insts = [primary_inst] + [r.instrument for r in refs if r.instrument.id != primary_inst.id]
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
        forms = forms_of(c[1:] for c in title_cons) if it.kind == "goods" else frozenset()
        # the elements an item of goods is made of (data, not title text:
        # "NdFeB" in a title does not make neodymium a defining element)
        title_elements = (
            frozenset(
                x.lower()
                for r in refs
                for x in r.item.elements
                if x.lower() in ELEMENT_IDS and x.lower() not in GENERIC
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


def heading_entries() -> list[Entry]:
    """One entry per HS 2022 heading."""
    out = []
    for h in nomenclature():
        # "(excluding cerium)" does not mention cerium
        desc = _EXCLUDING.sub(" ", h.description)
        words, cons = _words(desc, symbols=False)
        forms = forms_of(c[1:] for c in cons)
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


def best_point(e: Entry, qset: set[str]) -> str | None:
    best: tuple[int, str] | None = None
    for r in e.refs:
        for p in r.item.control_points:
            label = p.zh or p.en or ""
            k = len(qset & _point_tokens(p.zh or p.en, p.en if p.zh else None))
            if k and (best is None or k > best[0]):
                best = (k, label)
    return best[1] if best else None


def _titles(refs: Iterable[ItemRef]) -> list[str]:
    return [t for r in refs for t in (r.item.title.zh, r.item.title.en) if t]


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
