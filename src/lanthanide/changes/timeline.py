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
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from itertools import pairwise

from lanthanide.changes.events import Change, changes
from lanthanide.changes.keys import (
    DecideFn,
    DecideUnder,
    FindingKey,
    PendingKey,
    _keys,
    _pending,
)
from lanthanide.changes.results import (
    Alternative,
    Cause,
    Interval,
    Part,
    Timeline,
    TimelineChange,
)
from lanthanide.changes.window import ONE_DAY, Boundaries, window_of
from lanthanide.decide.model import Case
from lanthanide.errors import FieldError
from lanthanide.rules.book import Rulebook


class TimelineError(FieldError):
    """Bad arguments (``field`` names the argument)."""


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
