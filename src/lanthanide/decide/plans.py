"""Replayable plans: a determination kept per case shape and date window,
replayed for another case of the same shape on another day of the window.

A :class:`~lanthanide.decide.model.Determination` states the days on which
every date comparison made for it comes out the same (``window``) and the
case facts it read (``facts``): a case that differs only in facts it did
not read, on a day of the window, gets the same answer, texts quoting the
case's date aside. Those texts are known: a warning's or question's
parameter ``on`` (always the case's date) and the trace entries the sheet
recorded as quoting it (:meth:`~lanthanide.decide.sheet.Sheet.trace_on_day`).
So a kept answer is replayed with the new case and those texts written for
the new day; nothing else is recomputed.

Only cases named by item or tariff line and decided without a party
screening are kept (a text needs its reading, a party its screening).
Plans are kept per (item, tariff line, text, kind) in least-recently-used
order, at most ``limit`` plans in all. Every part of a replayed answer is
immutable (frozen dataclasses, tuples, :class:`FrozenParams`), so a caller
cannot change a later answer through the one it holds. Threads may share an
engine: a race can lose a plan or keep one twice, never mix two answers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from datetime import date
from operator import attrgetter

from lanthanide.decide.frozen import FrozenParams
from lanthanide.decide.model import Case, Determination, Question, TraceEntry, Warning
from lanthanide.decide.warnings import QuestionCode, Spec, WarningCode, render
from lanthanide.rules.window import Window

Shape = tuple[str | None, str | None, str | None, str | None, bool]
"""(item, tariff line, text, kind, with alternatives): what every answer reads."""

SHAPE_FACTS = frozenset({"item", "hs", "text", "kind"})
CASE_FACTS = frozenset({"destination", "end_use", "end_user", "consignee"})
_TOKEN = "\x00on\x00"

_Note = tuple[int, tuple[str, ...]]
"""A warning or question quoting the day: its index and its text split at the date."""
_Notes = tuple[tuple[_Note, ...], tuple[_Note, ...]]
_Dated = tuple[tuple[int, str, str], ...]
"""Trace entries quoting the day: (index, text before the date, text after)."""
_Reads = tuple[tuple[str, ...], tuple[str, ...]]
"""The case facts an answer read besides its shape: attributes, parameters."""


def _warning_spec(code: str) -> Spec:
    return (WarningCode.DUTY if code.startswith("duty:") else WarningCode(code)).spec


def _split(spec: Spec, note: Warning | Question, day: date) -> tuple[str, ...] | None:
    """``note``'s text split where it quotes the day (None: it cannot be
    rewritten so, e.g. its ``on`` is not the day)."""
    on = note.params["on"]
    if on != day and on != day.isoformat():
        return None
    parts = tuple(render(spec, {**note.params, "on": _TOKEN}).split(_TOKEN))
    return parts if day.isoformat().join(parts) == note.text else None


def _notes(
    warnings: tuple[Warning, ...], questions: tuple[Question, ...], day: date
) -> _Notes | None:
    """How to write the warnings and questions quoting the day for another
    day (None: one cannot be rewritten; the plan then serves its own day)."""
    on_warnings: list[_Note] = []
    for i, w in enumerate(warnings):
        if "on" in w.params:
            parts = _split(_warning_spec(w.code), w, day)
            if parts is None:
                return None
            on_warnings.append((i, parts))
    on_questions: list[_Note] = []
    for i, q in enumerate(questions):
        if "on" in q.params:
            parts = _split(QuestionCode(q.code).spec, q, day)
            if parts is None:
                return None
            on_questions.append((i, parts))
    return tuple(on_warnings), tuple(on_questions)


_GETTERS: dict[tuple[str, ...], Callable[[Case], tuple[object, ...]]] = {}


def _getter(attrs: tuple[str, ...]) -> Callable[[Case], tuple[object, ...]]:
    """The values of ``attrs`` of a case, as a tuple (made once per names)."""
    got = _GETTERS.get(attrs)
    if got is None:
        got = _GETTERS[attrs] = _make_getter(attrs)
    return got


def _make_getter(attrs: tuple[str, ...]) -> Callable[[Case], tuple[object, ...]]:
    if len(attrs) > 1:
        return attrgetter(*attrs)
    if attrs:
        name = attrs[0]
        return lambda case: (getattr(case, name),)
    return lambda case: ()


class Plan:
    """One kept answer: everything but its case (what quotes the kept day is
    written again for another day), and the next plan kept for the same
    facts (another window)."""

    __slots__ = (
        "_notes",
        "_worked",
        "alternatives",
        "checked",
        "conflicts",
        "data_as_of",
        "dated",
        "day",
        "end",
        "facts",
        "findings",
        "matched",
        "next",
        "questions",
        "rulebook_version",
        "start",
        "trace",
        "types",
        "verdict",
        "warnings",
        "window",
    )

    def __init__(
        self,
        d: Determination,
        trace: tuple[TraceEntry, ...],
        dated: _Dated,
        types: tuple[type, ...],
        shared: Shared,
    ) -> None:
        self.verdict = d.verdict
        self.findings = d.findings
        self.questions = d.questions
        self.warnings = d.warnings
        self.conflicts = d.conflicts
        self.matched = d.matched
        self.checked = d.checked
        self.trace = trace
        self.dated = dated
        self.rulebook_version = d.rulebook_version
        self.data_as_of = d.data_as_of
        self.window = shared.window(d.window)
        self.start = d.window.start
        self.end = d.window.end
        self.facts = shared.facts(d.facts)
        self.alternatives = d.alternatives
        self.day = d.case.on
        self.types = types
        """The types of the values of the facts read (``3`` and ``3.0`` are
        equal keys, but may be written apart)."""
        self.next: Plan | None = None
        self._notes: _Notes | None = None
        self._worked = False
        """Whether :attr:`_notes` was worked out (on the first other day)."""

    def replay(self, case: Case) -> Determination | None:
        """The answer for ``case`` (a day of the window, the same facts read);
        None when its texts cannot be written for that day."""
        trace, warnings, questions = self.trace, self.warnings, self.questions
        if case.on != self.day:  # the kept texts quote the kept day: written for this one
            iso = case.on.isoformat()
            if self.dated:
                t = list(trace)
                for i, before, after in self.dated:
                    e = t[i]
                    t[i] = TraceEntry(e.instrument, e.control, e.item, before + iso + after)
                trace = tuple(t)
            if not self._worked:
                self._notes = _notes(warnings, questions, self.day)
                self._worked = True
            notes = self._notes
            if notes is None:
                return None
            on_warnings, on_questions = notes
            if on_warnings:
                w = list(warnings)
                for i, parts in on_warnings:
                    old = w[i]
                    w[i] = Warning(
                        old.code,
                        iso.join(parts),
                        old.instrument,
                        FrozenParams({**old.params, "on": iso}),
                    )
                warnings = tuple(w)
            if on_questions:
                q = list(questions)
                for i, parts in on_questions:
                    oq = q[i]
                    on = iso if isinstance(oq.params["on"], str) else case.on
                    q[i] = Question(
                        oq.field,
                        iso.join(parts),
                        oq.options,
                        oq.pending_effect,
                        oq.instrument,
                        oq.code,
                        FrozenParams({**oq.params, "on": on}),
                    )
                questions = tuple(q)
        return Determination(
            self.verdict,
            case,
            self.findings,
            questions,
            warnings,
            self.conflicts,
            self.matched,
            self.checked,
            trace,
            self.rulebook_version,
            self.data_as_of,
            self.window,
            self.facts,
            self.alternatives,
        )


class Shared:
    """One object for equal parts of kept answers (windows, fact sets): fewer
    objects kept, and fewer for the garbage collector to walk; and the facts
    read besides the shape, per fact set. Bounded: a table past ``limit``
    entries starts again."""

    __slots__ = ("_facts", "_reads", "_windows", "limit")

    def __init__(self, limit: int = 65536) -> None:
        self._windows: dict[Window, Window] = {}
        self._facts: dict[frozenset[str], frozenset[str]] = {}
        self._reads: dict[frozenset[str], _Reads | None] = {}
        self.limit = limit

    def window(self, w: Window) -> Window:
        got = self._windows.get(w)
        if got is None:
            if len(self._windows) >= self.limit:
                self._windows.clear()
            got = self._windows[w] = w
        return got

    def facts(self, f: frozenset[str]) -> frozenset[str]:
        got = self._facts.get(f)
        if got is None:
            if len(self._facts) >= self.limit:
                self._facts.clear()
            got = self._facts[f] = f
        return got

    def reads(self, facts: frozenset[str]) -> _Reads | None:
        """The facts read besides the shape (None: one this module cannot compare)."""
        try:
            return self._reads[facts]
        except KeyError:
            pass
        extra = facts - SHAPE_FACTS
        attrs = tuple(sorted(extra & CASE_FACTS))
        params = tuple(sorted(f[7:] for f in extra if f.startswith("params.")))
        got = (attrs, params) if len(attrs) + len(params) == len(extra) else None
        if len(self._reads) >= self.limit:
            self._reads.clear()
        self._reads[facts] = got
        return got


class _Cell:
    """The plans of one shape: per facts read, by the values of those facts."""

    __slots__ = ("by_reads", "size")

    def __init__(self) -> None:
        self.by_reads: dict[
            _Reads, tuple[Callable[[Case], tuple[object, ...]], dict[tuple[object, ...], Plan]]
        ] = {}
        self.size = 0


def _values(
    get: Callable[[Case], tuple[object, ...]], params: tuple[str, ...], case: Case
) -> tuple[object, ...]:
    got = get(case)
    if params:
        p = case.params
        got = (*got, *[p.get(n) for n in params])
    return got


class Plans:
    """Kept answers by case shape, least recently used first out (at most
    ``limit`` plans; a shape holding more than ``per_shape`` starts again)."""

    __slots__ = ("_by_shape", "_seen", "hits", "limit", "per_shape", "shared", "size")

    def __init__(self, limit: int = 8192, per_shape: int = 1024) -> None:
        self._by_shape: OrderedDict[Shape, _Cell] = OrderedDict()
        self._seen: set[tuple[object, ...]] = set()
        """Shapes and values of the facts read of answers not kept: an
        answer is kept when its shape and values come again (an answer asked
        for once costs no memory, nor the collector's time)."""
        self.limit = limit
        self.per_shape = per_shape
        self.size = 0
        self.hits = 0
        self.shared = Shared()

    def get(self, case: Case, with_alternatives: bool) -> Determination | None:
        shape = (case.item, case.hs, case.text, case.kind, with_alternatives)
        cell = self._by_shape.get(shape)
        if cell is None:
            return None
        day = case.on
        for (_, params), (get, table) in cell.by_reads.items():
            values = _values(get, params, case)
            plan = table.get(values)
            types: tuple[type, ...] | None = None
            while plan is not None:
                if plan.start <= day and (plan.end is None or day < plan.end):
                    if types is None:
                        types = tuple(map(type, values))
                    if plan.types == types:
                        got = plan.replay(case)
                        if got is not None:
                            with suppress(KeyError):  # dropped by another thread meanwhile
                                self._by_shape.move_to_end(shape)
                            self.hits += 1
                            return got
                plan = plan.next
        return None

    def put(self, case: Case, with_alternatives: bool, d: Determination, dated: _Dated) -> None:
        """Keep ``d``, the answer for ``case`` (``dated``: its trace entries
        quoting the day, from the sheet)."""
        if d.case is not case or d.parties is not None or d.consignee is not None:
            return
        if not d.window.contains(case.on):
            return
        shared = self.shared
        reads = shared.reads(d.facts)
        if reads is None:
            return  # a fact this module does not know how to compare
        shape = (case.item, case.hs, case.text, case.kind, with_alternatives)
        by_shape = self._by_shape
        cell = by_shape.get(shape)
        slot = None if cell is None else cell.by_reads.get(reads)
        get = _getter(reads[0]) if slot is None else slot[0]
        values = _values(get, reads[1], case)
        seen = (shape, reads, values)
        if seen not in self._seen:
            if len(self._seen) >= 4 * self.limit:
                self._seen.clear()
            self._seen.add(seen)
            return
        trace = d.trace
        if dated:
            iso = case.on.isoformat()
            for i, before, after in dated:
                if trace[i].outcome != before + iso + after:
                    return  # not as the sheet recorded it: not kept
        if cell is None:
            cell = by_shape[shape] = _Cell()
        else:
            with suppress(KeyError):
                by_shape.move_to_end(shape)
            if cell.size >= self.per_shape:
                self.size -= cell.size
                cell = by_shape[shape] = _Cell()
        slot = cell.by_reads.get(reads)
        if slot is None:
            slot = cell.by_reads[reads] = (get, {})
        table = slot[1]
        plan = Plan(d, trace, dated, tuple(map(type, values)), shared)
        plan.next = table.get(values)
        table[values] = plan
        cell.size += 1
        self.size += 1
        while self.size > self.limit and by_shape:
            _, dropped = by_shape.popitem(last=False)
            self.size -= dropped.size

    def clear(self) -> None:
        self._by_shape.clear()
        self._seen.clear()
        self.size = 0
