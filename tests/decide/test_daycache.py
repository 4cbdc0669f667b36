"""DayCache: a value kept with its window answers every day of the window
exactly as computing it again would (value and narrowed span)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from lanthanide.decide.daycache import DayCache
from lanthanide.rules.window import Span, Window

START = date(2018, 1, 1)
PERIODS = {
    "a": [Window(date(2020, 1, 1), date(2021, 6, 1)), Window(date(2023, 3, 1), None)],
    "b": [Window(date(2019, 5, 5), date(2019, 5, 6))],
    "c": [],
}


def live(key: str, span: Span) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(PERIODS[key]) if span.within(p))


def test_cached_value_and_window_equal_a_fresh_computation() -> None:
    cache: DayCache[str, tuple[int, ...]] = DayCache(live, limit=2)
    rng = random.Random(5)
    for _ in range(2000):
        key = rng.choice(sorted(PERIODS))
        day = START + timedelta(days=rng.randrange(7 * 365))
        narrowed = START + timedelta(days=rng.randrange((day - START).days + 1))
        got, fresh = Span(day), Span(day)
        got.since(narrowed)
        fresh.since(narrowed)  # a span already narrowed by something else
        assert cache.get(key, got) == live(key, fresh), (key, day)
        assert got.window() == fresh.window(), (key, day)


def test_a_day_outside_every_kept_window_computes_again() -> None:
    calls: list[date] = []

    def make(key: str, span: Span) -> tuple[int, ...]:
        calls.append(span.day)
        return live(key, span)

    cache: DayCache[str, tuple[int, ...]] = DayCache(make)
    for day in (date(2020, 2, 1), date(2021, 5, 31), date(2021, 6, 1), date(2020, 2, 2)):
        cache.get("a", Span(day))
    assert calls == [date(2020, 2, 1), date(2021, 6, 1)]
