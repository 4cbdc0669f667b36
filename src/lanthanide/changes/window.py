"""The window of a determination: the days ``[start, end)`` its answer holds.

The decide/ refactor gives every ``Determination`` a ``window``. Until it is
there (and for any decide function without one), :func:`window_of` falls back
on the rulebook's :class:`Boundaries`: every date the rulebook holds (period
starts and ends, suspensions, catalogue versions, statements, list notices,
``verified_on``), each with the day after it (a ``day > d`` comparison flips
on ``d`` + 1). An answer can change only on such a day, so the days between
two consecutive boundaries share one answer. It is coarser than the engine's
own window (more calls, same answers), never wrong as long as ``decide``
compares the case's date only with dates of the rulebook.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from lanthanide.rules.book import Rulebook

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open ``[start, end)``; ``end`` None = open-ended."""

    start: date
    end: date | None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class _HasWindow(Protocol):
    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date | None: ...


def _dates(value: Any, out: set[date]) -> None:
    if isinstance(value, date):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _dates(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _dates(v, out)


class Boundaries:
    """Every day on which some answer of ``book`` may change, sorted."""

    def __init__(self, book: Rulebook, extra: Iterable[date] = ()) -> None:
        found: set[date] = set(extra)
        for inst in book.instruments.values():
            _dates(inst.model_dump(exclude={"licence_catalogue"}), found)
            if inst.licence_catalogue is not None:
                _dates(inst.licence_catalogue.valid.model_dump(), found)
        for ann in book.lists.acts.values():
            _dates(ann.model_dump(exclude={"entries"}), found)
        found.add(book.data_as_of)
        days = found | {d + ONE_DAY for d in found if d < date.max}
        self.days: list[date] = sorted(days)

    def around(self, day: date) -> Span:
        """The span of days around ``day`` that no boundary cuts."""
        i = bisect_right(self.days, day)
        start = self.days[i - 1] if i > 0 else date.min
        end = self.days[i] if i < len(self.days) else None
        return Span(start, end)


def window_of(det: object, day: date, boundaries: Boundaries | None = None) -> Span:
    """The window of ``det``, an answer for ``day``: ``det.window`` when the
    determination has one; else the span of ``boundaries`` around ``day``;
    else the one day (probing day by day: slow, still right)."""
    w: _HasWindow | None = getattr(det, "window", None)
    if w is not None:
        span = Span(w.start, w.end)
    elif boundaries is not None:
        span = boundaries.around(day)
    else:
        span = Span(day, day + ONE_DAY)
    if not span.contains(day):
        raise ValueError(f"the answer's window [{span.start}, {span.end}) does not hold {day}")
    return span
