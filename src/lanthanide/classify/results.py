"""What the classifier indexes and returns: an :class:`Entry` (an item code
with all its versions, or an HS heading), a ranked :class:`Result` and a
:class:`Classification`, with their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from lanthanide.classify.params import FoundParam
from lanthanide.rules.book import ItemRef

Confidence = Literal["high", "medium", "low"]
Source = Literal["rulebook", "hs2022"]


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

    def __reduce__(self) -> tuple[type[Entry], tuple[Any, ...]]:
        # rebuilt by calling the class: about twice as fast to unpickle as
        # the slots dataclass's __setstate__ (the stored classifier holds
        # ~7,000 entries)
        return (Entry, tuple(getattr(self, f) for f in _ENTRY_FIELDS))


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


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
    demoted: bool = False
    """Not in force on the query date, and so ranked below an item in force
    then that covers the same elements and kind (its score capped; see
    :func:`lanthanide.classify.status.demote`)."""

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
            **({"demoted": True} if self.demoted else {}),
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
