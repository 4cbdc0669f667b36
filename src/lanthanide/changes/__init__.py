"""When the law changes: dated changes, rulebook diffs, timelines, impact.

Pure domain functions over :mod:`lanthanide.rules` and a determination
function (``Case -> Determination``); see ``docs/changes.md``.
"""

from lanthanide.changes.compare import diff
from lanthanide.changes.events import Change, ChangeError, changes
from lanthanide.changes.timeline import (
    Alternative,
    Cause,
    DecideFn,
    Interval,
    Timeline,
    TimelineChange,
    TimelineError,
    timeline,
)
from lanthanide.changes.window import Boundaries, Span, window_of

__all__ = [
    "Alternative",
    "Boundaries",
    "Cause",
    "Change",
    "ChangeError",
    "DecideFn",
    "Interval",
    "Span",
    "Timeline",
    "TimelineChange",
    "TimelineError",
    "changes",
    "diff",
    "timeline",
    "window_of",
]
