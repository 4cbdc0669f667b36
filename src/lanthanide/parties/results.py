"""What screening a name returns: a :class:`PartyMatch` (the listed entry,
score, confidence band, status and effects on the date) with the
:class:`Explanation` of why the name matched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from lanthanide.parties.effects import ListEffect, ListingState
from lanthanide.rules.lists import LIST_TITLES, ListedEntry
from lanthanide.rules.model import Text

Confidence = Literal["exact", "strong", "possible"]
NameKind = Literal["name_en", "name_zh", "alias"]


@dataclass(frozen=True, slots=True)
class TokenPair:
    query: str
    listed: str
    similarity: float
    weight: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a name matched: which listed name, which script, which tokens."""

    matched_name: str
    name_kind: NameKind
    script: Literal["latin", "han"]
    method: Literal["tokens", "compact", "contained", "characters"]
    query_core: str
    listed_core: str
    tokens: tuple[TokenPair, ...] = ()
    unmatched_query: tuple[str, ...] = ()
    unmatched_listed: tuple[str, ...] = ()
    legal_forms_ignored: tuple[str, ...] = ()
    conversions: tuple[str, ...] = ()
    """Foldings applied to the query (width, traditional, accents)."""
    removed_prefix: str | None = None
    country: Literal["match", "mismatch", "unknown", "not_given"] = "not_given"
    raw_score: float = 0.0
    """Score before the country factor."""

    def summary(self) -> str:
        parts = [f"{self.script} {self.method} match on {self.name_kind} '{self.matched_name}'"]
        if self.tokens:
            same = [t.query for t in self.tokens if t.similarity == 1.0]
            fuzzy = [f"{t.query}~{t.listed}" for t in self.tokens if t.similarity < 1.0]
            if same:
                parts.append(f"same words: {', '.join(same)}")
            if fuzzy:
                parts.append(f"near words: {', '.join(fuzzy)}")
        if self.unmatched_query:
            parts.append(f"query words not in the listed name: {', '.join(self.unmatched_query)}")
        if self.unmatched_listed:
            parts.append(f"listed words not in the query: {', '.join(self.unmatched_listed)}")
        if self.legal_forms_ignored:
            parts.append(f"legal forms ignored: {', '.join(self.legal_forms_ignored)}")
        if self.conversions:
            parts.append(f"folded: {', '.join(self.conversions)}")
        if self.country != "not_given":
            parts.append(f"country {self.country}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class PartyMatch:
    """One listed entry that a name matches, as of a date."""

    query: str
    entry: ListedEntry
    score: float
    confidence: Confidence
    explanation: Explanation
    on: date
    status: ListingState
    effects: tuple[ListEffect, ...] = field(default=())
    related: tuple[PartyMatch, ...] = ()
    """Weaker matches to other entries that this confident match explains
    better (kept for the trace; not asked as questions)."""

    @property
    def list(self) -> str:
        return self.entry.list

    @property
    def number(self) -> str:
        return self.entry.announcement.number

    @property
    def confident(self) -> bool:
        return self.confidence in ("exact", "strong")

    def applicable(self) -> tuple[ListEffect, ...]:
        """Effects in force on the date that bear on an export."""
        return tuple(e for e in self.effects if e.applies and e.bears_on_export)

    def question(self) -> Text:
        """The question a possible match raises (``decide`` puts it on the answer)."""
        e = self.entry.entry
        names = " / ".join(n for n in (e.name.zh, e.name.en) if n)
        title = LIST_TITLES[self.entry.list]
        pending = self.applicable()
        effect = pending[0].effect if pending else "none in force on this date"
        return Text(
            en=f"Is '{self.query}' the listed entity {names} ({e.country or 'country not given'}) "
            f"on the {title.en}, {self.number}? Name score {self.score:.2f}; "
            f"if it is, the pending effect is: {effect}.",
            zh=f"“{self.query}”是否即{title.zh}所列实体{names}（{self.number}）？",
        )
