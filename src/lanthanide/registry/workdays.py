"""Chinese working days, for the decision deadline (45 working days,
国务院令第792号 Art. 17(1), read from the rulebook).

A working day is Monday to Friday, except the public holidays, plus the
weekend days made working days (调休) by the State Council's yearly holiday
notice. The schedule comes from the ``chinesecalendar`` package (the years it
holds are :attr:`WorkCalendar.first` to :attr:`WorkCalendar.last`; version
1.11.0 holds 2004-2026). Days after the last known year are counted Monday to
Friday and every result that reaches them is flagged (:func:`estimate_note`),
never passed off as exact.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import metadata


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date]
    """Public holidays (including the weekend days inside a holiday period)."""
    make_up: frozenset[date]
    """Weekend days that are working days (调休)."""
    first: date
    last: date
    source: str

    def known(self, day: date) -> bool:
        return self.first <= day <= self.last

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up:
            return True
        return day.weekday() < 5 and day not in self.holidays


@cache
def calendar() -> WorkCalendar:
    """The schedule of the installed ``chinesecalendar`` package."""
    from chinese_calendar.constants import holidays, workdays

    years = sorted({d.year for d in holidays})
    return WorkCalendar(
        holidays=frozenset(holidays),
        make_up=frozenset(workdays),
        first=date(years[0], 1, 1),
        last=date(years[-1], 12, 31),
        source=f"chinesecalendar {metadata.version('chinesecalendar')}",
    )


def add_working_days(
    start: date,
    n: int,
    cal: WorkCalendar | None = None,
    excluded: Collection[date] = frozenset(),
) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not
    counted), not counting the days in ``excluded`` (a paused clock)."""
    c = cal or calendar()
    day = start
    left = n
    while left > 0:
        day += timedelta(days=1)
        if c.is_working_day(day) and day not in excluded:
            left -= 1
    return day


def working_days_between(
    start: date,
    end: date,
    cal: WorkCalendar | None = None,
    excluded: Collection[date] = frozenset(),
) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if
    before), not counting the days in ``excluded``."""
    if end < start:
        return -working_days_between(end, start, cal, excluded)
    c = cal or calendar()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if c.is_working_day(day) and day not in excluded:
            count += 1
    return count


def days_of(periods: Iterable[tuple[date, date]]) -> frozenset[date]:
    """Every day of the inclusive periods ``(start, end)``."""
    out: set[date] = set()
    for start, end in periods:
        day = start
        while day <= end:
            out.add(day)
            day += timedelta(days=1)
    return frozenset(out)


def estimate_note(start: date, end: date, cal: WorkCalendar | None = None) -> str | None:
    """None when every day from ``start`` to ``end`` is in the calendar; else
    why a working-day count over them is an estimate."""
    c = cal or calendar()
    lo, hi = min(start, end), max(start, end)
    if c.known(lo) and c.known(hi):
        return None
    if hi > c.last:
        return (
            f"counted Monday to Friday after {c.last}: the working-day calendar ({c.source}, "
            f"{c.first.year}-{c.last.year}) does not yet hold the public holidays and make-up "
            f"working days of {c.last.year + 1} on, so the real date is probably later"
        )
    return (
        f"counted Monday to Friday before {c.first}: the working-day calendar ({c.source}) "
        f"starts in {c.first.year}"
    )
