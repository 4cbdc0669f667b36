"""Which rulebook items does a text name, and how sure is that?

:meth:`Classifier.identify` turns the ranked classification of a text into an
:class:`Identification`: one item it names with confidence, several it may
name, or none (with the weak candidates found anyway). The cut-offs below sit
next to the calibrated thresholds of :mod:`lanthanide.classify.index`;
recalibrating the classifier changes identifications here, in one place,
and the determination engine takes them as its input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from lanthanide.classify.index import MEDIUM_COVERAGE, Classification, Result, confidence_among
from lanthanide.classify.params import FoundParam
from lanthanide.rules.book import ItemRef
from lanthanide.rules.window import Span, Window

if TYPE_CHECKING:
    from lanthanide.classify.index import Classifier

POOL_SHARE = 0.5
"""Results scoring below this share of the best are not candidates."""
CANDIDATE_SHARE = 0.6
"""Among an ambiguous pool, candidates score at least this share of the best."""
MAX_CANDIDATES = 5
WEAK_SHARE = 0.5
"""With no confident pool: weak candidates score at least this share of the best."""
MAX_WEAK = 3
CLASSIFY_TOP = 8
"""Results of the classification that identification looks at."""

Sureness = Literal["sure", "several", "none"]


@dataclass(frozen=True, slots=True)
class Identified:
    """One item a text may name."""

    result: Result
    ref: ItemRef
    """The version of the item that applies on the day (the newest with a
    control valid then, else its newest version)."""
    elements: frozenset[str]
    """Elements of every version of the item."""

    @property
    def code(self) -> str:
        return self.result.code

    @property
    def title(self) -> str:
        e = self.result.entry
        return f"{e.title_en or e.title_zh}"

    @property
    def kind(self) -> str:
        return self.result.entry.kind

    @property
    def control_point(self) -> str | None:
        return self.result.control_point


@dataclass(frozen=True, slots=True)
class Identification:
    """What a text names.

    * ``sureness == "sure"``: ``candidates[0]`` is the item (the other
      candidates are the close runners-up);
    * ``"several"``: the text may name any of ``candidates``;
    * ``"none"``: no item with confidence; ``weak`` holds the closest
      rulebook items and ``weak_codes`` the best codes of any source.
    """

    text: str
    kind: str | None
    sureness: Sureness
    candidates: tuple[Identified, ...]
    weak: tuple[Identified, ...]
    weak_codes: tuple[str, ...]
    params: dict[str, FoundParam]
    """Technical parameters stated in the text."""
    window: Window
    """The days on which the identification is the same (it prefers items
    with a control valid on the day asked about)."""


def _relevant(clf: Classifier, ref: ItemRef, span: Span) -> bool:
    return any(span.within(cc.control.valid) for cc in clf.book.own_controls.get(ref.key, ()))


def _ref_for(clf: Classifier, r: Result, span: Span) -> ItemRef:
    for ref in r.entry.refs:
        if _relevant(clf, ref, span):
            return ref
    return r.entry.refs[0]


def identify(
    clf: Classifier,
    classification: Classification,
    kind: str | None,
    on: date,
    ranked_for: Window | None = None,
) -> Identification:
    """``classification`` (ranked on ``on``, the same on every day of
    ``ranked_for``) as an identification on ``on``."""
    span = Span(on)
    if ranked_for is not None:
        span.narrow(ranked_for)
    results = classification.results
    hits = [r for r in results if r.entry.source == "rulebook"]
    pool: list[Result] = []
    if hits and (hits[0].coverage >= MEDIUM_COVERAGE or hits[0].coded):
        hits = [r for r in hits if r.score >= hits[0].score * POOL_SHARE]
        relevant = [r for r in hits if any(_relevant(clf, ref, span) for ref in r.entry.refs)]
        pool = relevant or hits

    def found(rs: list[Result]) -> tuple[Identified, ...]:
        return tuple(
            Identified(
                r,
                _ref_for(clf, r, span),
                frozenset(e for ref in r.entry.refs for e in ref.item.elements),
            )
            for r in rs
        )

    sureness: Sureness
    weak: tuple[Identified, ...] = ()
    weak_codes: tuple[str, ...] = ()
    if pool:
        top = pool[0].score
        candidates = found([r for r in pool if r.score >= top * CANDIDATE_SHARE][:MAX_CANDIDATES])
        sureness = "sure" if confidence_among(pool) == "high" else "several"
    else:
        candidates = ()
        sureness = "none"
        weak_codes = tuple(r.code for r in results[:MAX_WEAK])
        ranked = [r for r in results if r.entry.source == "rulebook" and r.score > 0]
        if ranked:
            weak = found([r for r in ranked if r.score >= ranked[0].score * WEAK_SHARE][:MAX_WEAK])
    return Identification(
        text=classification.query,
        kind=kind,
        sureness=sureness,
        candidates=candidates,
        weak=weak,
        weak_codes=weak_codes,
        params=dict(classification.params),
        window=span.window(),
    )
