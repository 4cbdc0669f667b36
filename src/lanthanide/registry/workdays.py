"""Working-day arithmetic for the 45-working-day decision deadline
(Export Control Law Art. 17; Dual-Use Export Control Regulations).

Working days are Monday to Friday. China's public holidays and the
make-up working weekends (调休) are not encoded: the deadline is the
earliest it can be, and the docs say so.
"""

from __future__ import annotations

from datetime import date, timedelta

DECISION_WORKING_DAYS = 45


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    left = n
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if before)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count
