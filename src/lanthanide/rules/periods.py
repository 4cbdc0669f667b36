"""How periods are written in the sources and how they are held internally.

Internally every period is half-open, ``[start, end)``: ``end`` is the first
day no longer covered. Chinese legal drafting writes the other convention:
"自2023年10月31日起至2025年10月31日" covers 31 October 2025 itself (至 includes
the end day). The YAML therefore says which one it means:

- ``end_inclusive: 2025-10-31`` — the last day covered, as the source writes
  it after 至 / 截至 / "until and including"; converted to ``end: 2025-11-01``;
- ``end: 2025-11-01`` — the first day no longer covered (a replacement that
  takes effect that day, "from that day the old version is repealed").

Both may be given only when they agree (a dump of a loaded period has both).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

ONE_DAY = timedelta(days=1)


def _as_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"'{field}' must be a date YYYY-MM-DD, got {value!r}")


def inclusive_end(data: Any) -> Any:
    """Before-validator of :class:`~lanthanide.rules.model.Period`: turn
    ``end_inclusive`` (last day covered) into the internal exclusive ``end``."""
    if not isinstance(data, dict) or data.get("end_inclusive") is None:
        return data
    last = _as_date(data["end_inclusive"], "end_inclusive")
    end = last + ONE_DAY
    given = data.get("end")
    if given is not None and _as_date(given, "end") != end:
        raise ValueError(
            f"'end' {given} and 'end_inclusive' {last} disagree: 'end' is the first day no "
            f"longer covered ({end} for a last day of {last}); give only one of them"
        )
    return {**data, "end": end, "end_inclusive": last}


def last_day(end: date | None) -> date | None:
    """The last day covered by a half-open period ending at ``end``."""
    return None if end is None else end - ONE_DAY
