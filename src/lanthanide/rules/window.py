"""Date windows: the half-open interval of days on which an answer holds.

Every answer about a day ``d`` compares ``d`` with dates of the rulebook
(validity starts and ends, suspensions, catalogue versions, the data date).
:class:`Span` makes those comparisons and narrows, with each one, the window
around ``d`` on which every comparison made so far comes out the same; the
answer then holds for every day of :meth:`Span.window`. Code that compares
the day through a :class:`Span` states what its answer depends on; no other
use of the day is allowed to change the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

UNBOUNDED_START = date.min
"""The start of a window that no comparison bounds from below."""


@dataclass(frozen=True, slots=True)
class Window:
    """Half-open interval of days ``[start, end)``; ``end`` None = open."""

    start: date
    end: date | None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end is not None else None,
        }


ALWAYS = Window(UNBOUNDED_START, None)


class Interval(Protocol):
    """Anything with a half-open ``[start, end)`` (a rulebook ``Period``)."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date | None: ...


class Span:
    """The day of a question and the window its comparisons leave open.

    Only narrowed: each comparison can shrink the window, never widen it."""

    __slots__ = ("day", "end", "start")

    def __init__(self, day: date) -> None:
        self.day = day
        self.start = UNBOUNDED_START
        self.end: date | None = None

    def since(self, boundary: date) -> bool:
        """``day >= boundary``."""
        if self.day >= boundary:
            if boundary > self.start:
                self.start = boundary
            return True
        if self.end is None or boundary < self.end:
            self.end = boundary
        return False

    def before(self, boundary: date) -> bool:
        """``day < boundary``."""
        return not self.since(boundary)

    def after(self, boundary: date) -> bool:
        """``day > boundary`` (the same as ``day >= boundary + 1 day``)."""
        if self.day > boundary:
            # every day > boundary answers the same: the window starts the day after
            nxt = date.fromordinal(boundary.toordinal() + 1)
            if nxt > self.start:
                self.start = nxt
            return True
        nxt = date.fromordinal(boundary.toordinal() + 1)
        if self.end is None or nxt < self.end:
            self.end = nxt
        return False

    def within(self, period: Interval) -> bool:
        """``period.start <= day < period.end`` (short-circuit, like
        ``Period.contains``; :meth:`since` and :meth:`before` inlined, it
        is on the hot path)."""
        day = self.day
        start = period.start
        if day < start:
            if self.end is None or start < self.end:
                self.end = start
            return False
        if start > self.start:
            self.start = start
        end = period.end
        if end is None:
            return True
        if day < end:
            if self.end is None or end < self.end:
                self.end = end
            return True
        if end > self.start:
            self.start = end
        return False

    def narrow(self, window: Window) -> None:
        """Narrow by a window computed elsewhere for the same day."""
        if window.start > self.start:
            self.start = window.start
        if window.end is not None and (self.end is None or window.end < self.end):
            self.end = window.end

    def window(self) -> Window:
        return Window(self.start, self.end)
