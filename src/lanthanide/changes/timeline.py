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
from lanthanide.decide.model import RANK, Case
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
    item_instrument: str | None = field(compare=False, default=None)
    """The instrument that lists ``item`` (``instrument:item`` is how change
    events name it)."""
    via: str | None = field(compare=False, default=None)
    """For an item carried over unchanged by a catalogue *adjustment*: the
    adjusting instrument whose version of the catalogue is in force
    (``instrument`` is then the one that lists the item, e.g. the 2023
    technology catalogue as adjusted by 2025 No. 28)."""
    via_number: str | None = field(compare=False, default=None)
    reason: str | None = field(compare=False, default=None)
    """The finding's reason (carried for impact's rows; not compared)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "number": self.number,
            "control": self.control,
            "effect": self.effect,
            "item": self.item,
        }
        if self.via is not None:
            out["via"] = self.via
            out["via_number"] = self.via_number
        return out


@dataclass(frozen=True, slots=True, order=True)
class PendingKey:
    """A question of the determination as the timeline compares it: the
    answer it waits for could lead to ``effect`` under ``instrument``."""

    field: str
    effect: str
    instrument: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "effect": self.effect, "instrument": self.instrument}


def _adjusts(book: Rulebook | None, version: str, listed_by: str) -> bool:
    """True when ``version`` is a catalogue adjustment whose chain of bases
    reaches ``listed_by`` (so an item of ``listed_by`` it cites was carried
    over, not re-listed or modified)."""
    if book is None or version == listed_by:
        return False
    seen: set[str] = set()
    inst = book.instruments.get(version)
    while inst is not None and inst.catalogue is not None and inst.id not in seen:
        seen.add(inst.id)
        cat = inst.catalogue
        if cat.basis != "adjustment" or cat.base is None:
            return False
        if cat.base == listed_by:
            return True
        inst = book.instruments.get(cat.base)
    return False


def key_of(
    instrument: str,
    number: str | None,
    control: str,
    effect: str,
    item: str | None,
    item_instrument: str | None,
    book: Rulebook | None,
    reason: str | None = None,
) -> FindingKey:
    """A finding's key from its fields (a determination's, or its JSON's:
    both paths of impact build keys here)."""
    if item_instrument is not None and _adjusts(book, instrument, item_instrument):
        base = book.instruments[item_instrument] if book is not None else None
        return FindingKey(
            item_instrument,
            control,
            effect,
            item,
            base.number if base is not None else None,
            item_instrument,
            instrument,
            number,
            reason,
        )
    return FindingKey(instrument, control, effect, item, number, item_instrument, reason=reason)


def _key(f: FindingLike, book: Rulebook | None) -> FindingKey:
    listed_by = getattr(f.item, "instrument", None) if f.item is not None else None
    reason = getattr(f, "reason", None)
    return key_of(
        f.instrument.id,
        f.instrument.number,
        f.control,
        f.effect,
        f.item.code if f.item is not None else None,
        listed_by if isinstance(listed_by, str) else None,
        book,
        reason if isinstance(reason, str) else None,
    )


def finding_keys(keys: Iterable[FindingKey]) -> tuple[FindingKey, ...]:
    """Distinct keys, sorted; of keys that compare equal, the first (so
    every path that reads the same findings in the same order keeps the
    same one)."""
    return tuple(sorted(dict.fromkeys(keys)))


def _keys(det: DeterminationLike, book: Rulebook | None = None) -> tuple[FindingKey, ...]:
    """The findings of ``det`` as compared keys; with ``book``, an item that a
    catalogue adjustment carries over unchanged keeps the instrument that
    lists it (``via`` the adjustment), so the adjustment is no change of it."""
    return finding_keys(_key(f, book) for f in det.findings)


def _pending(det: DeterminationLike) -> tuple[PendingKey, ...]:
    """The open questions that could still change the answer: every one of an
    ``undetermined`` answer, else those whose pending effect is stricter than
    the verdict (a question that could at most confirm it changes nothing)."""
    out = set()
    floor = RANK.get(det.verdict)
    for q in getattr(det, "questions", ()) or ():
        effect = getattr(q, "pending_effect", None)
        if isinstance(effect, str) and (floor is None or RANK.get(effect, 0) > floor):
            inst = getattr(q, "instrument", None)
            out.add(
                PendingKey(
                    str(getattr(q, "field", "")), effect, inst if isinstance(inst, str) else None
                )
            )
    return tuple(sorted(out))


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


def _walk(
    decide_fn: DecideFn,
    case: Case,
    start: date,
    until: date,
    boundaries: Boundaries | None,
    book: Rulebook | None = None,
) -> tuple[list[Interval], int]:
    """Fine intervals: consecutive windows merged while verdict, findings and
    pending questions are all the same (see :func:`_coarse`)."""
    out: list[Interval] = []
    day = start
    calls = 0
    while day < until:
        det = decide_fn(replace(case, on=day))
        calls += 1
        w = window_of(det, day, boundaries)
        end = until if w.end is None or w.end > until else w.end
        iv = Interval(day, end, det.verdict, _keys(det, book), pending=_pending(det))
        prev = out[-1] if out else None
        if prev is not None and _same(prev, iv):
            out[-1] = replace(prev, end=end)
        else:
            out.append(iv)
        day = end
    return out, calls


def _same(a: Interval, b: Interval) -> bool:
    return (a.verdict, a.findings, a.pending) == (b.verdict, b.findings, b.pending)


def _signature(iv: Interval) -> tuple[str, frozenset[str], tuple[PendingKey, ...]]:
    """What makes a change of the answer: the verdict, the instruments in
    force and what the open questions could lead to. A boundary where none
    of them changes is no change (an unrelated instrument's date, a window
    split, a paragraph suspended while another of the same instrument
    applies): the fine intervals are kept as the coarse interval's parts."""
    return (iv.verdict, frozenset(i for i, _ in iv.instruments), iv.pending)


def _span(iv: Interval) -> tuple[date, date, tuple[str, frozenset[str], tuple[PendingKey, ...]]]:
    return (iv.start, iv.end, _signature(iv))


def _coarse(fine: Sequence[Interval]) -> list[Interval]:
    groups: list[list[Interval]] = []
    for iv in fine:
        if groups and _signature(groups[-1][-1]) == _signature(iv):
            groups[-1].append(iv)
        else:
            groups.append([iv])
    out = []
    for g in groups:
        first = g[0]
        if len(g) == 1:
            out.append(first)
            continue
        common = set(first.findings).intersection(*(set(x.findings) for x in g[1:]))
        out.append(
            replace(
                first,
                end=g[-1].end,
                findings=tuple(sorted(common)),
                parts=tuple(Part(x.start, x.end, x.findings) for x in g),
            )
        )
    return out


LAW = (
    "in_force",
    "expired",
    "suspended",
    "resumed",
    "list_in_force",
    "list_suspended",
    "list_resumed",
    "list_stopped",
    "list_cancelled",
)
"""Event kinds that are law as encoded (entity-list notices too: a party's
listing changes the answer for that end user)."""
READING = ("uncertain_suspended", "uncertain_resumed")


def _successors(
    book: Rulebook | None, events: list[Change]
) -> tuple[dict[tuple[str, str], Change], dict[str, Change]]:
    """Catalogue versions starting on the day: ``(base instrument, item code)
    -> in_force event`` of the adjustments that delete the item, and
    ``catalogue id -> in_force event`` of every version that starts (it
    replaces the version that ends that day)."""
    deleting: dict[tuple[str, str], Change] = {}
    starting: dict[str, Change] = {}
    if book is None:
        return deleting, starting
    for e in events:
        inst = book.instruments.get(e.instrument)
        if e.kind != "in_force" or inst is None or inst.catalogue is None:
            continue
        starting[inst.catalogue.catalogue] = e
        base = inst.catalogue.base
        for d in inst.catalogue.deleted:
            if base is not None and d.code:
                deleting[(base, d.code)] = e
    return deleting, starting


def _replacement(
    f: FindingKey,
    book: Rulebook | None,
    deleting: dict[tuple[str, str], Change],
    starting: dict[str, Change],
) -> Cause | None:
    """Why a finding of a catalogue version ends: the adjustment that deletes
    its item, or the new version of the catalogue that replaces its version."""
    if book is None:
        return None
    listed_by = f.item_instrument or f.instrument
    e = deleting.get((listed_by, f.item or ""))
    if e is not None:
        return Cause("deleted", listed_by, f.number, e.instrument, e.number)
    version = book.instruments.get(f.via or f.instrument)
    if version is None or version.catalogue is None:
        return None
    e = starting.get(version.catalogue.catalogue)
    if e is None or e.instrument == version.id:
        return None
    return Cause("replaced", version.id, version.number, e.instrument, e.number)


def _causes(
    added: Sequence[FindingKey],
    removed: Sequence[FindingKey],
    events: list[Change],
    reading: str | None,
    pending: Sequence[PendingKey] = (),
    book: Rulebook | None = None,
    case_item: str | None = None,
) -> tuple[Cause, ...]:
    findings = (*added, *removed)
    touched = {f.instrument for f in findings} | {f.via for f in findings if f.via}
    touched |= {q.instrument for q in pending if q.instrument}
    items = {f"{f.item_instrument}:{f.item}" for f in findings if f.item and f.item_instrument}
    law = [
        e
        for e in events
        if e.kind in LAW or (reading is not None and e.kind in READING and e.reading == reading)
    ]
    hit = [
        e
        for e in law
        if e.instrument in touched
        or (e.by is not None and e.by in touched)
        or not items.isdisjoint(e.items)
    ]
    if not hit:  # the verdict changed with no event of those instruments (e.g. a question)
        hit = [e for e in law if not e.note]
        if case_item is not None:  # prefer the events that name the case's item
            named = [e for e in hit if any(i.split(":", 1)[-1] == case_item for i in e.items)]
            hit = named or hit
    deleting, starting = _successors(book, law)
    seen: dict[tuple[str, str, str | None], Cause] = {}
    for f in removed:  # a catalogue item deleted, or its version replaced: the new version
        c = _replacement(f, book, deleting, starting)
        if c is not None:
            seen.setdefault((c.kind, c.instrument, c.by), c)
    for e in hit:  # under a reading, its suspension is law too: report it once
        key = (e.kind.removeprefix("uncertain_"), e.instrument, e.by)
        if key not in seen:
            seen[key] = Cause(e.kind, e.instrument, e.number, e.by, e.by_number, e.uncertain)
    return tuple(seen.values())


def _changes(
    intervals: Sequence[Interval],
    events: dict[date, list[Change]],
    reading: str | None = None,
    book: Rulebook | None = None,
    case_item: str | None = None,
) -> list[TimelineChange]:
    out = []
    for a, b in pairwise(intervals):
        if _signature(a) == _signature(b):
            continue  # only the data date passed
        fa, fb = set(a.last_findings), set(b.first_findings)
        added = tuple(sorted(fb - fa))
        removed = tuple(sorted(fa - fb))
        pa, pb = set(a.pending), set(b.pending)
        p_added = tuple(sorted(pb - pa))
        p_removed = tuple(sorted(pa - pb))
        out.append(
            TimelineChange(
                b.start,
                a.verdict,
                b.verdict,
                added,
                removed,
                _causes(
                    added,
                    removed,
                    events.get(b.start, []),
                    reading,
                    (*p_added, *p_removed),
                    book,
                    case_item,
                ),
                p_added,
                p_removed,
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
    intervals, calls = _walk(decide_fn, case, start, until, boundaries, book)
    main = _coarse(intervals)
    events = _by_day(changes(book, start, until + ONE_DAY)) if book else {}
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
                alt_ivs, n = _walk(
                    decide_under(alt_book), case, lo, hi, Boundaries(alt_book), alt_book
                )
                calls += n
                if alt_ivs == _clip(intervals, lo, hi):
                    continue
                # the readings agree outside [lo, hi): the main timeline there
                whole = _coarse(
                    _merge([*_clip(intervals, start, lo), *alt_ivs, *_clip(intervals, hi, until)])
                )
                alt_events = _by_day(changes(alt_book, lo, hi + ONE_DAY))
                alt_changes = [
                    c
                    for c in _changes(whole, alt_events, r.id, alt_book, case.item)
                    if lo <= c.date <= hi
                ]
                if [_span(iv) for iv in whole] == [_span(iv) for iv in main]:
                    continue  # differs only inside an interval (its parts), not as an answer
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
        intervals=tuple(_beyond(main, as_of)),
        changes=tuple(_changes(main, events, None, book, case.item)),
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
        if prev is not None and _same(prev, iv):
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
