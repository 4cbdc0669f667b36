"""The timeline of one product: dated intervals with the verdict and the
instruments in force on each, from determination windows.

:func:`timeline` decides the case once at ``start``, jumps to the end of the
answer's window, decides again, and so on to ``until`` — one call per window,
not one per day. Consecutive windows with the same verdict and the same
findings are merged; at each remaining boundary a :class:`TimelineChange`
says what changed (verdict, findings added and removed) and names the
instrument that caused it (a control entering into force or expiring, a
suspension starting or ending: read from :func:`~lanthanide.changes.changes`
on that day). Alternatives: for each uncertain status of the rulebook whose
readings differ within the range, the same walk under each alternative
reading (:meth:`Rulebook.under`).

Needs of the determination only ``verdict``, ``findings`` (each with
``effect``, ``instrument.id``/``.number``, ``control``, ``item.code``) and,
when it has one, ``window`` (``start``, ``end``); see
:func:`~lanthanide.changes.window.window_of` for the fallback.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any, Protocol

from lanthanide.changes.events import Change, changes
from lanthanide.changes.window import ONE_DAY, Boundaries, window_of
from lanthanide.decide.model import Case
from lanthanide.errors import FieldError
from lanthanide.rules.book import Rulebook


class _Inst(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def number(self) -> str | None: ...


class _Item(Protocol):
    @property
    def code(self) -> str: ...


class FindingLike(Protocol):
    @property
    def effect(self) -> str: ...

    @property
    def instrument(self) -> _Inst: ...

    @property
    def control(self) -> str: ...

    @property
    def item(self) -> _Item | None: ...


class DeterminationLike(Protocol):
    """What a timeline reads of a determination (``window`` when present)."""

    @property
    def verdict(self) -> str: ...

    @property
    def findings(self) -> Sequence[FindingLike]: ...


DecideFn = Callable[[Case], DeterminationLike]
"""``Case -> Determination``: e.g. ``Engine(book).decide``."""
DecideUnder = Callable[[Rulebook], DecideFn]
"""A decide function for another rulebook (an uncertain reading)."""


class TimelineError(FieldError):
    """Bad arguments (``field`` names the argument)."""


@dataclass(frozen=True, slots=True, order=True)
class FindingKey:
    """A finding as the timeline compares it (``number`` and ``reason`` are
    carried, not compared)."""

    instrument: str
    control: str
    effect: str
    item: str | None
    number: str | None = field(compare=False, default=None)
    reason: str | None = field(compare=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "number": self.number,
            "control": self.control,
            "effect": self.effect,
            "item": self.item,
            "reason": self.reason,
        }


def finding_keys(found: Iterable[FindingKey]) -> tuple[FindingKey, ...]:
    """Distinct keys, sorted; of findings that compare equal, the one with
    the first reason (so every path that reads the same findings keeps the
    same one)."""
    best: dict[FindingKey, FindingKey] = {}
    for k in found:
        kept = best.get(k)
        if kept is None or (k.reason or "") < (kept.reason or ""):
            best[k] = k
    return tuple(sorted(best.values()))


def _keys(det: DeterminationLike) -> tuple[FindingKey, ...]:
    return finding_keys(
        FindingKey(
            f.instrument.id,
            f.control,
            f.effect,
            f.item.code if f.item is not None else None,
            f.instrument.number,
            getattr(f, "reason", None),
        )
        for f in det.findings
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """Days ``[start, end)`` with one verdict and one set of findings."""

    start: date
    end: date
    """First day after the interval (the range's ``until`` for the last)."""
    verdict: str
    findings: tuple[FindingKey, ...]
    beyond_data_from: date | None = None
    """The first day of the interval after the rulebook's ``data_as_of``:
    from then on the interval rests on known future dates (announced ends
    and effective dates), and later law is not encoded."""

    @property
    def last_day(self) -> date:
        return self.end - ONE_DAY

    @property
    def instruments(self) -> list[tuple[str, str | None]]:
        return sorted({(f.instrument, f.number) for f in self.findings})

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "last_day": self.last_day.isoformat(),
            "verdict": self.verdict,
            "instruments": [{"id": i, "number": n} for i, n in self.instruments],
            "findings": [f.to_dict() for f in self.findings],
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

    @property
    def instrument(self) -> str | None:
        """The instrument that caused the change: the suspending one for a
        suspension or its end, else the one whose control started or ended."""
        for c in self.causes:
            return c.by or c.instrument
        changed = self.added or self.removed
        return changed[0].instrument if changed else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "verdict_from": self.verdict_from,
            "verdict_to": self.verdict_to,
            "instrument": self.instrument,
            "added": [f.to_dict() for f in self.added],
            "removed": [f.to_dict() for f in self.removed],
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


def _walk(
    decide_fn: DecideFn,
    case: Case,
    start: date,
    until: date,
    boundaries: Boundaries | None,
) -> tuple[list[Interval], int]:
    out: list[Interval] = []
    day = start
    calls = 0
    while day < until:
        det = decide_fn(replace(case, on=day))
        calls += 1
        w = window_of(det, day, boundaries)
        end = until if w.end is None or w.end > until else w.end
        iv = Interval(day, end, det.verdict, _keys(det))
        prev = out[-1] if out else None
        if prev is not None and (prev.verdict, prev.findings) == (iv.verdict, iv.findings):
            out[-1] = replace(prev, end=end)
        else:
            out.append(iv)
        day = end
    return out, calls


LAW = ("in_force", "expired", "suspended", "resumed")
READING = ("uncertain_suspended", "uncertain_resumed")


def _causes(
    added: Sequence[FindingKey],
    removed: Sequence[FindingKey],
    events: list[Change],
    reading: str | None,
) -> tuple[Cause, ...]:
    touched = {f.instrument for f in (*added, *removed)}
    law = [
        e
        for e in events
        if e.kind in LAW or (reading is not None and e.kind in READING and e.reading == reading)
    ]
    hit = [e for e in law if e.instrument in touched or (e.by is not None and e.by in touched)]
    if not hit:  # the verdict changed with no finding of that instrument (e.g. a question)
        hit = [e for e in law if not e.note]
    seen: dict[tuple[str, str, str | None], Cause] = {}
    for e in hit:  # under a reading, its suspension is law too: report it once
        key = (e.kind.removeprefix("uncertain_"), e.instrument, e.by)
        if key not in seen:
            seen[key] = Cause(e.kind, e.instrument, e.number, e.by, e.by_number, e.uncertain)
    return tuple(seen.values())


def _changes(
    intervals: Sequence[Interval],
    events: dict[date, list[Change]],
    reading: str | None = None,
) -> list[TimelineChange]:
    out = []
    for a, b in pairwise(intervals):
        if (a.verdict, a.findings) == (b.verdict, b.findings):
            continue  # only the data date passed
        fa, fb = set(a.findings), set(b.findings)
        added = tuple(sorted(fb - fa))
        removed = tuple(sorted(fa - fb))
        out.append(
            TimelineChange(
                b.start,
                a.verdict,
                b.verdict,
                added,
                removed,
                _causes(added, removed, events.get(b.start, []), reading),
            )
        )
    return out


def _by_day(evs: list[Change]) -> dict[date, list[Change]]:
    out: dict[date, list[Change]] = defaultdict(list)
    for e in evs:
        out[e.date].append(e)
    return out


def timeline(
    decide_fn: DecideFn,
    case: Case,
    start: date,
    until: date,
    *,
    book: Rulebook | None = None,
    decide_under: DecideUnder | None = None,
    boundaries: Boundaries | None = None,
) -> Timeline:
    """The timeline of ``case`` (its date is ignored) over ``[start, until)``.

    ``book``: the rulebook ``decide_fn`` decides on; with it, each change
    names its cause and, when the determinations carry no ``window``, the
    rulebook's :class:`Boundaries` stand in. ``decide_under``: a decide
    function for another rulebook; with it (and ``book``), the alternatives
    of every uncertain status whose readings differ in the range."""
    if until <= start:
        raise TimelineError("until", f"{until} must be after from {start}")
    if book is not None and boundaries is None:
        boundaries = Boundaries(book)
    as_of = book.data_as_of if book is not None else None
    intervals, calls = _walk(decide_fn, case, start, until, boundaries)
    events = _by_day(changes(book, start, until + ONE_DAY, lists=False)) if book else {}
    alternatives: list[Alternative] = []
    if book is not None and decide_under is not None:
        for ref in book.uncertain:
            st = ref.status
            periods = st.periods()
            if not periods:
                continue
            lo = max(start, min(p.start for p in periods))
            ends = [p.end for p in periods]
            hi = until if any(e is None for e in ends) else min(until, max(e for e in ends if e))
            if lo >= hi:
                continue
            for r in st.alternatives:
                alt_book = book.under(st.id, r.id)
                alt_ivs, n = _walk(decide_under(alt_book), case, lo, hi, Boundaries(alt_book))
                calls += n
                if alt_ivs == _clip(intervals, lo, hi):
                    continue
                # the readings agree outside [lo, hi): the main timeline there
                whole = _merge(
                    [*_clip(intervals, start, lo), *alt_ivs, *_clip(intervals, hi, until)]
                )
                alt_events = _by_day(changes(alt_book, lo, hi + ONE_DAY, lists=False))
                alt_changes = [c for c in _changes(whole, alt_events, r.id) if lo <= c.date <= hi]
                alternatives.append(
                    Alternative(
                        status=st.id,
                        kind=st.kind,
                        question=st.question.best(),
                        reading=r.id,
                        text=r.text.best(),
                        tag=r.tag,
                        sources=tuple(dict.fromkeys((s.url, s.tag) for s in r.sources)),
                        intervals=tuple(_beyond(whole, as_of)),
                        changes=tuple(alt_changes),
                    )
                )
    return Timeline(
        case=case,
        start=start,
        until=until,
        intervals=tuple(_beyond(intervals, as_of)),
        changes=tuple(_changes(intervals, events)),
        alternatives=tuple(alternatives),
        calls=calls,
        rulebook_version=book.version if book else None,
        data_as_of=as_of,
    )


def _clip(intervals: Sequence[Interval], lo: date, hi: date) -> list[Interval]:
    out = []
    for iv in intervals:
        s, e = max(iv.start, lo), min(iv.end, hi)
        if s < e:
            out.append(replace(iv, start=s, end=e))
    return out


def _merge(intervals: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in intervals:
        prev = out[-1] if out else None
        if prev is not None and (prev.verdict, prev.findings) == (iv.verdict, iv.findings):
            out[-1] = replace(prev, end=iv.end)
        else:
            out.append(iv)
    return out


def _beyond(intervals: Sequence[Interval], as_of: date | None) -> list[Interval]:
    if as_of is None:
        return list(intervals)
    first = as_of + ONE_DAY
    return [
        replace(iv, beyond_data_from=max(iv.start, first)) if iv.end > first else iv
        for iv in intervals
    ]
