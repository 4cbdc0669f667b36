"""Trace entries: every control considered for a determination, and what
came of it (``check --trace``, ``Determination.to_dict(trace=True)``)."""

from __future__ import annotations

from typing import NamedTuple


class TraceEntry(NamedTuple):
    """One control considered and its outcome (a named tuple: a
    determination builds several, and a frozen dataclass is slower to
    build)."""

    instrument: str
    control: str
    item: str | None
    outcome: str
