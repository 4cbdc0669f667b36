"""Answers that depend on the day only through a :class:`Span`, kept per window.

A value computed on a fresh span of a day depends on that day only through
the comparisons the span made, and every day of the span's window answers
each of them the same way (and leaves the same window). So the value is
kept with its window: any later day inside it gets the value, and narrows
its own span by the window, exactly as comparing again would (narrowing is
an intersection: order and repetition do not matter). Windows are bounded
by rulebook dates, so a handful per key covers every day.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Generic, TypeVar

from lanthanide.rules.window import Span

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DayCache(Generic[K, V]):
    """``make(key, span)`` per key and window (at most ``limit`` keys)."""

    __slots__ = ("_by_key", "_make", "limit")

    def __init__(self, make: Callable[[K, Span], V], limit: int = 65536) -> None:
        self._make = make
        self._by_key: dict[K, list[tuple[date, date | None, V]]] = {}
        self.limit = limit

    def get(self, key: K, span: Span) -> V:
        """The value for ``key`` on ``span.day``; ``span`` narrowed by its window."""
        day = span.day
        got = self._by_key.get(key)
        if got is None:
            if len(self._by_key) >= self.limit:
                self._by_key.clear()
            got = self._by_key[key] = []
        else:
            for start, end, value in got:
                if start <= day and (end is None or day < end):
                    # span.narrow(Window(start, end)), inlined (the hot path)
                    if start > span.start:
                        span.start = start
                    if end is not None and (span.end is None or end < span.end):
                        span.end = end
                    return value
        fresh = Span(day)
        value = self._make(key, fresh)
        window = fresh.window()
        got.append((window.start, window.end, value))
        span.narrow(window)
        return value
