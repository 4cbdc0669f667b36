"""The end user's party-list screening as the engine takes it (built by
``lanthanide._check`` from :mod:`lanthanide.parties`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lanthanide.decide.model import Ref
from lanthanide.rules.window import ALWAYS, Window


@dataclass(frozen=True, slots=True)
class PartyAlternativeIn:
    """Another reading of a listing's status on the date: e.g. the political
    extension of a suspension, stated without legal text."""

    status: str
    """The measure's status under this reading (``suspended``, ...)."""
    kind: str
    """``announced_not_enacted`` (a statement, no legal text found) or
    ``start_unknown`` (the sources do not date the beginning of a period)."""
    text: str
    until: date | None
    """The last day (inclusive) on which the reading differs."""
    stated_on: date | None
    tag: str
    sources: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class PartyEffectIn:
    """One measure of a party listing as ``decide`` takes it (built by
    ``lanthanide._check`` from :func:`lanthanide.parties.effects_for`, already
    evaluated on the case's date)."""

    list: str
    """``control`` | ``watch`` | ``unreliable`` | ``countermeasure``."""
    list_title: str
    announcement: str
    number: str
    measure: str
    effect: str
    """``prohibited`` | ``denial_presumed`` | ``licence_required`` | ``duty`` |
    ``unknown`` | ``none``."""
    items: str
    """``dual_use`` | ``all`` | ``named``."""
    end_uses: tuple[str, ...] | None
    applies: bool
    """In force on the date."""
    bears_on_export: bool
    status: str
    by: str | None
    window: Window
    """Days on which ``status`` holds."""
    text: str
    tag: str
    sources: tuple[Ref, ...]
    alternatives: tuple[PartyAlternativeIn, ...] = ()
    """Other readings of the status on the date (only for a measure in force)."""
    notes: tuple[str, ...] = ()
    """What the data says it does not know about this status on the date."""


@dataclass(frozen=True, slots=True)
class PartyHit:
    """A listed entry that the end user's name matches."""

    listed: str
    """The listed names (zh / en)."""
    country: str | None
    list: str
    number: str
    score: float
    confidence: str
    """``exact`` | ``strong`` (confident) or ``possible`` (asked as a question)."""
    explanation: str
    effects: tuple[PartyEffectIn, ...]

    @property
    def confident(self) -> bool:
        return self.confidence in ("exact", "strong")


@dataclass(frozen=True, slots=True)
class PartyReading:
    """The screening of the end user against China's party lists on the
    case's date: the input of ``decide`` for a case with ``end_user``."""

    name: str
    hits: tuple[PartyHit, ...]
    lists_checked: tuple[str, ...]
    """Numbers of the list notices in effect on the date."""
    gaps: tuple[str, ...] = ()
    """What the lists lack (incomplete notices, changes after the data date)."""
    window: Window = ALWAYS
    """Days on which the screening is the same (no notice takes effect)."""
    role: str = "end_user"
    """The case field screened: ``end_user`` or ``consignee``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "matches": [
                {
                    "listed": h.listed,
                    "country": h.country,
                    "list": h.list,
                    "number": h.number,
                    "score": round(h.score, 4),
                    "confidence": h.confidence,
                    "explanation": h.explanation,
                    "effects": [
                        {
                            "measure": e.measure,
                            "effect": e.effect,
                            "items": e.items,
                            "status": e.status,
                            "applies": e.applies,
                            "window": e.window.to_dict(),
                        }
                        for e in h.effects
                    ],
                }
                for h in self.hits
            ],
            "lists_checked": list(self.lists_checked),
            "gaps": list(self.gaps),
        }


Parties = PartyReading | tuple[PartyReading, ...] | None
"""What ``decide`` takes: the end user's screening, or the screenings of
several parties of the case (end user, consignee), or none."""

ROLE_WORDS = {"end_user": "End user", "consignee": "Consignee"}


def as_readings(parties: Parties) -> tuple[PartyReading, ...]:
    if parties is None:
        return ()
    return (parties,) if isinstance(parties, PartyReading) else parties


def by_role(parties: Parties, role: str) -> PartyReading | None:
    return next((r for r in as_readings(parties) if r.role == role), None)
