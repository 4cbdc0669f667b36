"""The classifier façade: rulebook items and HS 2022 headings, ranked by
field-weighted BM25 (bm25s) with glossary concepts, typo tolerance
(rapidfuzz), tariff-code and item-code matching, and calibrated confidence.

Its parts live beside it: building the index (:mod:`.entries`), the weights
and priors (:mod:`.weights`), dated ranking (:mod:`.status`), confidence
bands (:mod:`.confidence`) and the results (:mod:`.results`). The names
other modules import from here are re-exported.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from lanthanide.classify import build, store
from lanthanide.classify.build import _TOKENS_READ as _TOKENS_READ  # the tests' handle
from lanthanide.classify.build import Mask
from lanthanide.classify.confidence import (
    MEDIUM_COVERAGE,
    ORDER,
    band,
    confidence_among,
    query_coverage,
)
from lanthanide.classify.entries import (
    ELEMENT_IDS,
    FieldIndex,
    best_point,
)
from lanthanide.classify.glossary import ELEMENTS, GENERIC, QUALIFIERS
from lanthanide.classify.intent import formulas, kind_cues, split_purpose
from lanthanide.classify.params import extract
from lanthanide.classify.results import (
    Classification,
    Entry,
    Result,
)
from lanthanide.classify.spelling import correct
from lanthanide.classify.status import demote, statuses
from lanthanide.classify.status import window as status_window
from lanthanide.classify.tokens import concept_tokens, normalise, tokenize
from lanthanide.classify.weights import (
    BARE_ELEMENT_NOT_METAL,
    CODE_EXACT,
    COVERS_WEIGHT,
    CROWD,
    EXTRA_ELEMENT,
    FIELD_WEIGHTS,
    FOREIGN_ELEMENTS,
    FORM_MISMATCH,
    FORMS,
    HS_CONTAINS,
    HS_EXACT,
    HS_FACTOR,
    HS_SHARED_PER_DIGIT,
    KIND_PRIOR,
    MISSING_SPECIFIC,
    NO_INTENT_TECH,
    NOT_IN_FORCE_CAP,
    OTHER_ELEMENT,
    PROCESSES,
    PURPOSE_WEIGHT,
    RARE_EARTHS_IDS,
    SUBSTANCE_TECH,
    UNSTATED_QUALIFIER,
    form_conflict,
    forms_of,
    kind_prior,
)
from lanthanide.rules.book import Rulebook
from lanthanide.rules.window import Span

if TYPE_CHECKING:
    from lanthanide.classify.identify import Identification
    from lanthanide.rules.window import Window

__all__ = [
    "KIND_PRIOR",
    "MEDIUM_COVERAGE",
    "NOT_IN_FORCE_CAP",
    "NO_INTENT_TECH",
    "Classification",
    "Classifier",
    "Entry",
    "Result",
    "confidence_among",
    "kind_prior",
]

_CODE_TOKEN = re.compile(r"[0-9a-z][0-9a-z.\-]*[0-9a-z]")
_INTENT_ONLY = frozenset(["§technology"])
_ELEMENT_WORDS = frozenset(n for _, _, _, names in ELEMENTS for n in names)


class Classifier:
    """Index over a rulebook and the HS 2022 nomenclature."""

    # what the index holds (built by :func:`lanthanide.classify.build.fill`)
    entries: Sequence[Entry]
    """A list when built here; read from the cache, a
    :class:`~lanthanide.classify.store.StoredEntries`."""
    n_items: int
    """The first ``n_items`` entries are rulebook items, the rest HS headings."""
    _by_code: dict[str, list[int]]
    _hs_lines: list[tuple[int, str]]
    _fields: dict[str, FieldIndex]
    _hs_fields: dict[str, FieldIndex]
    _concept_masks: dict[str, Mask]
    _priors: np.ndarray[Any, np.dtype[np.float32]]
    _title_elements: dict[str, Mask]
    _has_element: Mask
    _is_tech: Mask
    _is_goods: Mask
    _form_masks: dict[frozenset[str], Mask]
    _latin_vocab: list[str]
    _latin_vocab_set: frozenset[str]
    _status_days: list[date]
    # memos of queries (empty when built)
    _status_cache: dict[date, tuple[np.ndarray[Any, np.dtype[np.float32]], list[str]]]
    _for_identify: dict[tuple[str, str | None, date], tuple[Classification, list[Identification]]]
    _undated_cache: dict[tuple[str, str | None], Classification]

    def __init__(self, book: Rulebook, *, today: date | None = None, hs2022: bool = True) -> None:
        t0 = time.perf_counter()
        self.book = book
        self.today = today or date.today()
        build.fill(self, hs2022=hs2022)
        self.build_seconds = time.perf_counter() - t0

    @classmethod
    def cached(cls, book: Rulebook, *, today: date | None = None) -> Classifier:
        """The classifier of ``book`` on ``today`` (default: today), read
        whole from the on-disk cache when stored there (no entry built, no
        text tokenized, no BM25 index read), else built and stored
        (:func:`lanthanide.classify.store.load_classifier`)."""
        t0 = time.perf_counter()
        day = today or date.today()
        got = store.load_classifier(cls, book, day)
        if got is None:
            got = cls(book, today=day)
            store.save_classifier(got)
        else:
            got.build_seconds = time.perf_counter() - t0
        return got

    # ------------------------------------------------------------ querying
    def identify(self, text: str, kind: str | None, on: date) -> Identification:
        """Which rulebook items ``text`` names on ``on``, and how sure that is
        (see :mod:`lanthanide.classify.identify`)."""
        from lanthanide.classify.identify import CLASSIFY_TOP, identify

        # ranked on the date: the ranking is the same on every day of the
        # status window (no item changes status in it)
        status_window = self.status_window(on)
        key = (text, kind, status_window.start)
        got = self._for_identify.get(key)
        if got is None:
            if len(self._for_identify) > 4096:
                self._for_identify.clear()
            classification = self.classify(text, kind=kind, top=CLASSIFY_TOP, on=on)
            got = self._for_identify[key] = (classification, [])
        classification, known = got
        for ident in known:  # an identification holds on every day of its window
            if ident.window.contains(on):
                return ident
        ident = identify(self, classification, kind, on, status_window)
        if ident.sureness == "sure":
            # The date may reorder the candidates, never make the reading
            # surer than the text alone makes it: ranking an item down for
            # its status does not make the next one the item the text names.
            undated = self._undated(text, kind)
            plain = identify(self, undated, kind, on, status_window)
            if plain.sureness != "sure":
                span = Span(on)
                span.narrow(ident.window)
                span.narrow(plain.window)
                ident = replace(ident, sureness="several", window=span.window())
        if len(known) < 64:
            known.append(ident)
        return ident

    def _undated(self, text: str, kind: str | None) -> Classification:
        from lanthanide.classify.identify import CLASSIFY_TOP

        got = self._undated_cache.get((text, kind))
        if got is None:
            if len(self._undated_cache) > 4096:
                self._undated_cache.clear()
            got = self._undated_cache[(text, kind)] = self.classify(
                text, kind=kind, top=CLASSIFY_TOP
            )
        return got

    def status_window(self, on: date) -> Window:
        """The days around ``on`` on which every item has the status it has
        on ``on`` (so :meth:`classify` with any of them ranks alike)."""
        return status_window(self._status_days, on)

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
        got = statuses(self.book, self.entries[: self.n_items], on)
        if len(self._status_cache) > 256:
            self._status_cache.clear()
        self._status_cache[on] = got
        return got

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
        corrected, fixes = correct(norm, self._latin_vocab, self._latin_vocab_set)
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
            found["ree"] = [f for c in list(found) if c in RARE_EARTHS_IDS for f in found[c]]
            if RARE_EARTHS_IDS & head_cons:
                head_cons.add("ree")
        qwords = list(dict.fromkeys(tok.words))
        qcons = [c for c in concept_tokens(found) if c not in _INTENT_ONLY]
        qtokens = qwords + qcons
        head_tokens = head_words | {f"§{c}" for c in head_cons}
        n = self.n_items

        def weighted(fld: FieldIndex, toks: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
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
        if cues.tech == 0 and forms_of(head_cons) and not PROCESSES & found.keys():
            # a substance in a form (an oxide, a metal, a salt, an ore) and no
            # technology word: goods, not a technology that mentions it
            tech_f *= SUBSTANCE_TECH
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
        qforms = forms_of(head_cons)
        if "ore" in qforms:
            qforms = frozenset(["ore"])  # "concentrate 65% WO3": the oxide is its grade
        conflict = np.zeros(len(self.entries), dtype=bool)
        if qforms:
            for fset, fmask in self._form_masks.items():
                if form_conflict(qforms, fset):
                    conflict |= fmask
            scores = np.where(conflict, scores * FORM_MISMATCH, scores)
        # what an HS heading covers without naming it counts only when no
        # rulebook goods item of a compatible form names the query's
        # elements (NdPr oxide, mischmetal: none does; 镝, 硝酸钆: one does)
        q_el = [c for c in found if c in ELEMENT_IDS and c not in GENERIC and c in head_cons]
        # a goods item made of none of the elements the query names is about
        # other elements, whatever its text mentions ("金属钕" is not
        # dysprosium metal, though 1C905.a's title says NdFeB)
        foreign = np.zeros(len(self.entries), dtype=bool)
        if q_el:
            q_set = frozenset(q_el)
            foreign[:n] = [
                e.kind == "goods"
                and bool(e.elements)
                and not q_set & {x.lower() for x in e.elements}
                for e in self.entries[:n]
            ]
        q_elements = {c for c in found if c in ELEMENT_IDS}
        extra = np.zeros(len(self.entries), dtype=bool)
        for c, tmask in self._title_elements.items():
            if q_elements and c not in q_elements:
                extra |= tmask
        if hs_covers.any():
            # (nor one made of more elements than the query names: Dy-NdFeB
            # does not name "金属钕")
            named = self._is_goods & ~conflict[:n] & ~foreign[:n] & ~extra[:n]
            for c in q_el:
                emask = self._concept_masks.get(f"§{c}")
                named = named & (emask[:n] if emask is not None else False)
            if not q_el or not named.any():
                scores[n:] += np.where(conflict[n:], hs_covers * FORM_MISMATCH, hs_covers)
        is_tech = np.concatenate([self._is_tech, np.zeros(len(self.entries) - n, dtype=bool)])
        specific = [c for c in found if c not in GENERIC and c in head_cons]
        if forms_of(head_cons) & {"ore"}:
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
            if c in ELEMENT_IDS:
                # an entry about other elements is not about this one
                other = self._has_element & ~mask
                scores = np.where(other, scores * OTHER_ELEMENT, scores)
                foreign &= ~other  # once is enough
        scores = np.where(foreign, scores * FOREIGN_ELEMENTS, scores)
        # an item defined for a special case the query does not name
        # (re-export of Chinese-origin goods from abroad) ranks lower
        for c in QUALIFIERS - found.keys():
            qmask = self._concept_masks.get(f"§{c}")
            if qmask is not None:
                scores = np.where(qmask, scores * UNSTATED_QUALIFIER, scores)
        # an item whose title names an element the query does not is a
        # different substance ("gallium arsenide" is not indium gallium arsenide)
        if q_elements:
            scores = np.where(extra, scores * EXTRA_ELEMENT, scores)
        # a bare element name (镝, 锑, "germanium") means the element itself
        elements = [c for c in specific if c in ELEMENT_IDS]
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
            demoted = demote(self.entries, self.n_items, scores, states)
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
            cov = query_coverage(qwords or qcons, e.fields, i in bonus)
            conf = band(float(scores[i]), top_score, second, cov, rank, e.source, i in bonus)
            if rank == 0 and conf == "high" and crowd > CROWD:
                conf = "medium"
            if conflict[i] and i not in bonus:
                conf = "low"  # the item's definition names another form
            if results and ORDER[conf] > ORDER[results[0].confidence]:
                conf = results[0].confidence
            results.append(
                Result(
                    e,
                    float(scores[i]),
                    conf,
                    matched,
                    best_point(e, qset),
                    cov,
                    i in bonus,
                    states[i] if states is not None and i < n else None,
                    i in demoted,
                )
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
