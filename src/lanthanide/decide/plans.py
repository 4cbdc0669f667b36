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
cannot change a later answer through the one it holds.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from lanthanide.decide.frozen import FrozenParams
from lanthanide.decide.model import Case, Determination, Question, TraceEntry, Warning
from lanthanide.decide.warnings import QuestionCode, Spec, WarningCode, render

Shape = tuple[str | None, str | None, str | None, str | None, bool]
"""(item, tariff line, text, kind, with alternatives): what every answer reads."""

SHAPE_FACTS = frozenset({"item", "hs", "text", "kind"})
CASE_FACTS = frozenset({"destination", "end_use", "end_user", "consignee"})
_TOKEN = "\x00on\x00"

_Note = tuple[int, tuple[str, ...]]
"""A warning or question quoting the day: its index and its text split at the date."""
_Recipe = tuple[tuple[tuple[int, str, str], ...], tuple[_Note, ...], tuple[_Note, ...]]


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


def _recipe(d: Determination, dated: tuple[tuple[int, str, str], ...]) -> _Recipe | None:
    """How to write ``d``'s day-quoting texts for another day (None: some
    text cannot be rewritten; the plan then serves its own day only)."""
    day = d.case.on
    warnings: list[_Note] = []
    for i, w in enumerate(d.warnings):
        if "on" in w.params:
            parts = _split(_warning_spec(w.code), w, day)
            if parts is None:
                return None
            warnings.append((i, parts))
    questions: list[_Note] = []
    for i, q in enumerate(d.questions):
        if "on" in q.params:
            parts = _split(QuestionCode(q.code).spec, q, day)
            if parts is None:
                return None
            questions.append((i, parts))
    iso = day.isoformat()
    for i, before, after in dated:
        if d.trace[i].outcome != before + iso + after:
            return None
    return dated, tuple(warnings), tuple(questions)


class Plan:
    """One kept answer: its window, the facts it read and their values."""

    __slots__ = (
        "_recipe",
        "_worked",
        "attrs",
        "d",
        "dated",
        "end",
        "iso",
        "params",
        "start",
        "values",
    )

    def __init__(
        self,
        d: Determination,
        attrs: tuple[str, ...],
        params: tuple[str, ...],
        dated: tuple[tuple[int, str, str], ...],
    ) -> None:
        self.d = d
        self.start = d.window.start
        self.end = d.window.end
        self.iso = d.case.on.isoformat()
        self.attrs = attrs
        self.params = params
        case = d.case
        self.values = (
            *(getattr(case, a) for a in attrs),
            *(case.params.get(p) for p in params),
        )
        self.dated = dated
        self._recipe: _Recipe | None = None
        self._worked = False
        """Whether :attr:`_recipe` was worked out (on the first other day)."""

    def fits(self, case: Case) -> bool:
        """``case`` agrees with the kept one on every fact the answer read
        (values and their types: ``3`` and ``3.0`` may be written apart)."""
        values = (
            *(getattr(case, a) for a in self.attrs),
            *(case.params.get(p) for p in self.params),
        )
        return all(a == b and type(a) is type(b) for a, b in zip(values, self.values, strict=True))

    def replay(self, case: Case) -> Determination | None:
        """The answer for ``case`` (a day of the window, the same facts read);
        None when its texts cannot be written for that day."""
        d = self.d
        iso = case.on.isoformat()
        trace, warnings, questions = d.trace, d.warnings, d.questions
        if iso != self.iso:
            if not self._worked:
                self._recipe = _recipe(d, self.dated)
                self._worked = True
            recipe = self._recipe
            if recipe is None:
                return None
            dated, on_warnings, on_questions = recipe
            if dated:
                t = list(trace)
                for i, before, after in dated:
                    e = t[i]
                    t[i] = TraceEntry(e.instrument, e.control, e.item, before + iso + after)
                trace = tuple(t)
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
            d.verdict,
            case,
            d.findings,
            questions,
            warnings,
            d.conflicts,
            d.matched,
            d.checked,
            trace,
            d.rulebook_version,
            d.data_as_of,
            d.window,
            d.facts,
            d.alternatives,
            d.parties,
            d.consignee,
        )


class Plans:
    """Kept answers by case shape, least recently used first out (at most
    ``limit`` plans; at most ``per_shape`` of one shape)."""

    __slots__ = ("_by_shape", "hits", "limit", "per_shape", "size")

    def __init__(self, limit: int = 8192, per_shape: int = 64) -> None:
        self._by_shape: OrderedDict[Shape, list[Plan]] = OrderedDict()
        self.limit = limit
        self.per_shape = per_shape
        self.size = 0
        self.hits = 0

    def get(self, case: Case, with_alternatives: bool) -> Determination | None:
        shape = (case.item, case.hs, case.text, case.kind, with_alternatives)
        plans = self._by_shape.get(shape)
        if plans is None:
            return None
        day = case.on
        for plan in plans:
            if plan.start <= day and (plan.end is None or day < plan.end) and plan.fits(case):
                got = plan.replay(case)
                if got is not None:
                    self._by_shape.move_to_end(shape)
                    self.hits += 1
                    return got
        return None

    def put(
        self,
        case: Case,
        with_alternatives: bool,
        d: Determination,
        dated: tuple[tuple[int, str, str], ...],
    ) -> None:
        """Keep ``d``, the answer for ``case`` (``dated``: its trace entries
        quoting the day, from the sheet)."""
        if d.case is not case or not d.window.contains(case.on):
            return
        extra = d.facts - SHAPE_FACTS
        attrs = tuple(sorted(extra & CASE_FACTS))
        params = tuple(sorted(f[7:] for f in extra if f.startswith("params.")))
        if len(attrs) + len(params) != len(extra):
            return  # a fact this module does not know how to compare
        shape = (case.item, case.hs, case.text, case.kind, with_alternatives)
        by_shape = self._by_shape
        plans = by_shape.get(shape)
        if plans is None:
            plans = by_shape[shape] = []
        else:
            by_shape.move_to_end(shape)
        if len(plans) >= self.per_shape:
            del plans[0]
            self.size -= 1
        plans.append(Plan(d, attrs, params, dated))
        self.size += 1
        while self.size > self.limit:
            _, dropped = by_shape.popitem(last=False)
            self.size -= len(dropped)

    def clear(self) -> None:
        self._by_shape.clear()
        self.size = 0
