"""The result of :func:`lanthanide.changes.timeline.timeline`: a
:class:`Timeline` of dated :class:`Interval` s (with their :class:`Part` s),
the :class:`TimelineChange` at each boundary with its :class:`Cause` s, and
the :class:`Alternative` walks under uncertain readings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lanthanide.changes.keys import FindingKey, PendingKey
from lanthanide.changes.window import ONE_DAY
from lanthanide.decide.model import Case


@dataclass(frozen=True, slots=True)
class Part:
    """Days ``[start, end)`` of an :class:`Interval` with one set of findings
    (an interval has parts when its findings change while neither its verdict
    nor its instruments do, e.g. one paragraph of an instrument suspended
    while another still applies)."""

    start: date
    end: date
    findings: tuple[FindingKey, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "last_day": (self.end - ONE_DAY).isoformat(),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Interval:
    """Days ``[start, end)`` with one verdict, one set of instruments in
    force and one set of pending questions."""

    start: date
    end: date
    """First day after the interval (the range's ``until`` for the last)."""
    verdict: str
    findings: tuple[FindingKey, ...]
    """The findings that hold on every day of the interval (see ``parts``)."""
    beyond_data_from: date | None = None
    """The first day of the interval after the rulebook's ``data_as_of``:
    from then on the interval rests on known future dates (announced ends
    and effective dates), and later law is not encoded."""
    pending: tuple[PendingKey, ...] = ()
    """What the open questions could lead to (effect and instrument)."""
    parts: tuple[Part, ...] = ()
    """When the findings change inside the interval (same verdict, same
    instruments, same pending questions): each stretch with its findings."""

    @property
    def last_day(self) -> date:
        return self.end - ONE_DAY

    @property
    def instruments(self) -> list[tuple[str, str | None]]:
        every = [f for p in self.parts for f in p.findings] if self.parts else self.findings
        return sorted({(f.instrument, f.number) for f in every})

    @property
    def first_findings(self) -> tuple[FindingKey, ...]:
        return self.parts[0].findings if self.parts else self.findings

    @property
    def last_findings(self) -> tuple[FindingKey, ...]:
        return self.parts[-1].findings if self.parts else self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "last_day": self.last_day.isoformat(),
            "verdict": self.verdict,
            "instruments": [{"id": i, "number": n} for i, n in self.instruments],
            "findings": [f.to_dict() for f in self.findings],
            "pending": [q.to_dict() for q in self.pending],
            "parts": [p.to_dict() for p in self.parts],
            "beyond_data_from": (
                self.beyond_data_from.isoformat() if self.beyond_data_from else None
            ),
        }


@dataclass(frozen=True, slots=True)
class Cause:
    """The change of the law that explains a change of the answer."""

    kind: str
    instrument: str
    number: str | None
    by: str | None = None
    by_number: str | None = None
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "instrument": self.instrument,
            "number": self.number,
            "by": self.by,
            "by_number": self.by_number,
            "uncertain": self.uncertain,
        }


@dataclass(frozen=True, slots=True)
class TimelineChange:
    date: date
    verdict_from: str
    verdict_to: str
    added: tuple[FindingKey, ...]
    removed: tuple[FindingKey, ...]
    causes: tuple[Cause, ...]
    pending_added: tuple[PendingKey, ...] = ()
    pending_removed: tuple[PendingKey, ...] = ()

    @property
    def instrument(self) -> str | None:
        """The instrument that caused the change: the suspending one for a
        suspension or its end, the deleting one for an item a catalogue
        adjustment deletes, else the one whose control started or ended."""
        for c in self.causes:
            return c.by or c.instrument
        changed = self.added or self.removed
        if changed:
            return changed[0].instrument
        questions = self.pending_added or self.pending_removed
        return questions[0].instrument if questions else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "verdict_from": self.verdict_from,
            "verdict_to": self.verdict_to,
            "instrument": self.instrument,
            "added": [f.to_dict() for f in self.added],
            "removed": [f.to_dict() for f in self.removed],
            "pending_added": [q.to_dict() for q in self.pending_added],
            "pending_removed": [q.to_dict() for q in self.pending_removed],
            "causes": [c.to_dict() for c in self.causes],
        }


@dataclass(frozen=True, slots=True)
class Alternative:
    """The timeline under another reading of an uncertain status, over the
    days on which the readings differ."""

    status: str
    kind: str
    question: str
    reading: str
    text: str
    tag: str
    sources: tuple[tuple[str, str], ...]
    intervals: tuple[Interval, ...]
    changes: tuple[TimelineChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "kind": self.kind,
            "question": self.question,
            "reading": self.reading,
            "text": self.text,
            "tag": self.tag,
            "sources": [{"url": u, "tag": t} for u, t in self.sources],
            "intervals": [i.to_dict() for i in self.intervals],
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    case: Case
    start: date
    until: date
    intervals: tuple[Interval, ...]
    changes: tuple[TimelineChange, ...]
    alternatives: tuple[Alternative, ...] = ()
    calls: int = 0
    """How many determinations were made (main timeline and alternatives)."""
    rulebook_version: str | None = None
    data_as_of: date | None = None

    def at(self, day: date) -> Interval:
        for iv in self.intervals:
            if iv.start <= day < iv.end:
                return iv
        raise KeyError(f"{day} is outside [{self.start}, {self.until})")

    def to_dict(self) -> dict[str, Any]:
        c = self.case
        return {
            "case": {
                "item": c.item,
                "hs": c.hs,
                "text": c.text,
                "kind": c.kind,
                "destination": c.destination,
                "end_use": c.end_use,
                "end_user": c.end_user,
                "params": dict(c.params),
            },
            "from": self.start.isoformat(),
            "until": self.until.isoformat(),
            "intervals": [i.to_dict() for i in self.intervals],
            "changes": [ch.to_dict() for ch in self.changes],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "calls": self.calls,
            "rulebook_version": self.rulebook_version,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
        }
