"""Issue 15, working days: the deadline counts Chinese public holidays and
make-up working days, and says so when it reaches past the calendar's data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.registry.workdays import (
    add_working_days,
    calendar,
    estimate_note,
    working_days_between,
)

from .conftest import application, make_people

# 国务院办公厅关于2026年部分节假日安排的通知: holidays and make-up working days
HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03"),  # 元旦
    ("2026-02-15", "2026-02-23"),  # 春节
    ("2026-04-04", "2026-04-06"),  # 清明节
    ("2026-05-01", "2026-05-05"),  # 劳动节
    ("2026-06-19", "2026-06-21"),  # 端午节
    ("2026-09-25", "2026-09-27"),  # 中秋节
    ("2026-10-01", "2026-10-07"),  # 国庆节
]
MAKE_UP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def _days(a: str, b: str) -> list[date]:
    d, end = date.fromisoformat(a), date.fromisoformat(b)
    out = []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


def test_2026_matches_the_state_council_schedule() -> None:
    cal = calendar()
    assert cal.first.year <= 2023 and cal.last >= date(2026, 12, 31)
    off = {d for a, b in HOLIDAYS_2026 for d in _days(a, b)}
    make_up = {date.fromisoformat(d) for d in MAKE_UP_2026}
    for d in _days("2026-01-01", "2026-12-31"):
        expected = d in make_up or (d.weekday() < 5 and d not in off)
        assert cal.is_working_day(d) == expected, d
    assert len(make_up) == 6


def test_deadline_across_spring_festival_2026() -> None:
    # submitted Friday 2026-02-06: Feb 9-13 (5), Sat 14 (6, make-up), 15-23 off,
    # Feb 24-27 (10), Sat 28 (11, make-up), then Mon-Fri: Mar 2-6 (16) ... Apr 3 (36),
    # 4-6 Qingming off, Apr 7-10 (40), Apr 13-17 (45)
    assert add_working_days(date(2026, 2, 6), 45) == date(2026, 4, 17)
    assert working_days_between(date(2026, 2, 6), date(2026, 4, 17)) == 45
    # Monday to Friday alone would have said 2026-04-10
    assert estimate_note(date(2026, 2, 6), date(2026, 4, 17)) is None


def test_national_day_2026() -> None:
    # Wednesday 2026-09-30: Oct 1-7 off, Oct 8 Thu (1), 9 Fri (2), Sat 10 (3, make-up)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_past_the_calendar_is_flagged_not_guessed() -> None:
    cal = calendar()
    last = cal.last
    note = estimate_note(last - timedelta(days=10), last + timedelta(days=30))
    assert note and f"after {last}" in note and cal.source in note
    # the count past the data is Monday to Friday
    start = date(last.year + 1, 3, 1)
    mon_fri = sum(1 for i in range(1, 71) if (start + timedelta(days=i)).weekday() < 5)
    assert working_days_between(start, start + timedelta(days=70)) == mon_fri


def test_the_answer_flags_an_estimated_deadline(sqlite_db: Database) -> None:
    p = make_people(sqlite_db)
    last = calendar().last

    def at(day: date) -> Registry:
        return Registry(sqlite_db, clock=lambda: datetime.combine(day, datetime.min.time(), UTC))

    a = at(date(2026, 2, 6)).create_application(p["exporter_a"], application())
    a = at(date(2026, 2, 6)).submit_application(p["exporter_a"], a.id)
    assert a.deadline == date(2026, 4, 17)
    assert (a.deadline_estimated, a.deadline_note) == (False, None)
    b = at(last).create_application(p["exporter_a"], application())
    b = at(last).submit_application(p["exporter_a"], b.id)
    assert b.deadline_estimated and b.deadline_note and "probably later" in b.deadline_note
