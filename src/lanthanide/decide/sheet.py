"""The record of one determination while it is made.

A :class:`Sheet` is only appended to: findings, questions, warnings, trace
entries, pending effects; it also narrows the date window (each date
comparison goes through :attr:`Sheet.span`) and records the case facts read.
The steps of the engine append to it; :func:`questions` and
:func:`warnings` merge what was appended, and the verdict is taken from it
once, at the end (:mod:`lanthanide.decide.verdict`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from lanthanide.decide.frozen import FrozenParams
from lanthanide.decide.model import RANK, Finding, Question, TraceEntry, Warning
from lanthanide.decide.warnings import QuestionCode, WarningCode, render
from lanthanide.rules.window import Span


def _iso(params: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings: parameters are JSON values as they are."""
    for k, v in params.items():
        if isinstance(v, date):
            params[k] = v.isoformat()
    return params


_MADE: dict[tuple[object, ...], Warning] = {}
"""Memo of :func:`make_warning` (a pure function of its arguments; each
value's type is part of the key: ``3`` and ``3.0`` render differently)."""


def make_warning(code: WarningCode, instrument: str | None, params: dict[str, Any]) -> Warning:
    values = tuple(params.values())
    key = (code, instrument, tuple(params), values, tuple(map(type, values)))
    try:
        got = _MADE.get(key)
    except TypeError:  # an unhashable parameter: not memoised
        return _make_warning(code, instrument, params)
    if got is None:
        if len(_MADE) > 65536:
            _MADE.clear()
        got = _MADE[key] = _make_warning(code, instrument, params)
    return got


def _make_warning(code: WarningCode, instrument: str | None, params: dict[str, Any]) -> Warning:
    params = _iso(params)
    public = f"duty:{params['duty']}" if code is WarningCode.DUTY else code.value
    return Warning(public, render(code.spec, params), instrument, FrozenParams(params))


class Sheet:
    __slots__ = (
        "_asked",
        "_warned",
        "dated",
        "day_text",
        "facts",
        "findings",
        "pending",
        "seen",
        "span",
        "trace",
        "uncertain",
        "unknown_coverage",
    )

    def __init__(self, day: date) -> None:
        self.span = Span(day)
        self.day_text = day.isoformat()
        """The case's date as trace entries write it."""
        self.facts: set[str] = {"item", "hs", "text", "kind"}
        """Facts read (every determination reads how the case names the
        thing and its kind)."""
        self.findings: list[Finding] = []
        self._asked: list[Question] = []
        self._warned: dict[str, Warning] = {}
        self.trace: list[TraceEntry] = []
        self.dated: list[tuple[int, str, str]] = []
        """Trace entries quoting the case's date: (index, text before the
        date, text after it) (:meth:`trace_on_day`)."""
        self.seen: set[tuple[int, int]] = set()
        """(control, item ref) pairs evaluated, by identity."""
        self.pending: list[str] = []
        """Effects that a missing fact could lead to."""
        self.uncertain: list[str] = []
        """Effects that would follow if an uncertain match (a broader tariff
        code, a text candidate) were the item."""
        self.unknown_coverage = False

    def read(self, fact: str) -> None:
        self.facts.add(fact)

    def trace_on_day(
        self, instrument: str, control: str, item: str | None, before: str, after: str
    ) -> None:
        """A trace entry whose outcome quotes the case's date: ``before``,
        the date, ``after`` (recorded, so that an answer replayed for
        another day of its window quotes that day)."""
        trace = self.trace
        self.dated.append((len(trace), before, after))
        trace.append(TraceEntry(instrument, control, item, before + self.day_text + after))

    def put(self, key: str, warning: Warning) -> None:
        """Add a warning made beforehand (once per ``key``)."""
        if key not in self._warned:
            self._warned[key] = warning

    def warn(
        self,
        code: WarningCode,
        /,
        instrument: str | None = None,
        key: str | None = None,
        **params: Any,
    ) -> None:
        """Add a warning (once per ``key``; default: code, instrument and text)."""
        if key is not None and key in self._warned:
            return  # the first one stays: nothing to render
        w = make_warning(code, instrument, params)
        k = key or f"{w.code}|{instrument}|{w.text}"
        if k not in self._warned:
            self._warned[k] = w

    def ask(
        self,
        code: QuestionCode,
        /,
        field: str,
        options: tuple[str, ...] = (),
        pending_effect: str | None = None,
        instrument: str | None = None,
        **params: Any,
    ) -> None:
        q = Question(
            field,
            render(code.spec, params),
            options,
            pending_effect,
            instrument,
            code,
            FrozenParams(params),
        )
        self._asked.append(q)
        if pending_effect:
            self.pending.append(pending_effect)

    def questions(self) -> list[Question]:
        """The questions asked, one per field and text: the one that could
        lead to the strictest effect (the first of those)."""
        out: list[Question] = []
        index: dict[tuple[str, str], int] = {}
        for q in self._asked:
            i = index.get((q.field, q.text))
            if i is None:
                index[(q.field, q.text)] = len(out)
                out.append(q)
                continue
            old = out[i]
            if q.pending_effect and (
                old.pending_effect is None or RANK[q.pending_effect] > RANK[old.pending_effect]
            ):
                out[i] = q
        if self.uncertain:
            # what an uncertain match would mean shows on the question about it
            worst = max(self.uncertain, key=lambda e: RANK[e])
            for i, q in enumerate(out):
                if q.field in ("hs", "item") and q.pending_effect is None:
                    out[i] = replace(q, pending_effect=worst)
                    self.pending.append(worst)
                    break
        return out

    def warnings(self) -> list[Warning]:
        return list(self._warned.values())
