"""When the law changes: dated changes, rulebook diffs, timelines, impact.

Pure domain functions over :mod:`lanthanide.rules` and a determination
function (``Case -> Determination``); see ``docs/changes.md``.
"""

from lanthanide.changes.compare import diff
from lanthanide.changes.events import Change, ChangeError, changes
from lanthanide.changes.impact import ImpactError, ImpactRow, impact, summary
from lanthanide.changes.keys import DecideFn
from lanthanide.changes.portfolio import (
    PortfolioError,
    PortfolioRow,
    parse_rows,
    read_portfolio,
)
from lanthanide.changes.results import Alternative, Cause, Interval, Timeline, TimelineChange
from lanthanide.changes.timeline import TimelineError, timeline
from lanthanide.changes.window import Boundaries, Span, window_of

__all__ = [
    "Alternative",
    "Boundaries",
    "Cause",
    "Change",
    "ChangeError",
    "DecideFn",
    "ImpactError",
    "ImpactRow",
    "Interval",
    "PortfolioError",
    "PortfolioRow",
    "Span",
    "Timeline",
    "TimelineChange",
    "TimelineError",
    "changes",
    "diff",
    "impact",
    "parse_rows",
    "read_portfolio",
    "summary",
    "timeline",
    "window_of",
]
