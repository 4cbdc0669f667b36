"""Dated ranking: each rulebook item's status on a query date (from its own
controls, ignoring instruments that had ended by then), the prior that
status gives, and the cap on an item not in force on the date when an item
in force then covers the same elements and kind (:data:`NOT_IN_FORCE_CAP`)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from lanthanide.classify.results import Entry
from lanthanide.classify.weights import DEMOTE_WITHIN, NOT_IN_FORCE_CAP, STATUS_PRIOR
from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import Instrument
from lanthanide.rules.window import UNBOUNDED_START, Window


def statuses(
    book: Rulebook, items: Sequence[Entry], on: date
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], list[str]]:
    """Per rulebook entry, (status prior, status) on ``on`` (see
    :meth:`lanthanide.classify.index.Classifier.status_on`)."""
    priors: list[float] = []
    states: list[str] = []
    for e in items:
        ccs = [
            cc
            for r in e.refs
            if not ended_by(book, r.instrument, on)
            for cc in book.own_controls.get(r.key, ())
        ]
        if not ccs and any(book.own_controls.get(r.key) for r in e.refs):
            state, prior = "not_in_force", STATUS_PRIOR["superseded"]
        elif not ccs:
            state, prior = "unknown", e.prior
        elif any(cc.in_force(on) for cc in ccs):
            state, prior = "in_force", STATUS_PRIOR["in_force"]
        elif any(cc.control.valid.contains(on) for cc in ccs):
            state, prior = "suspended", STATUS_PRIOR["suspended"]
        else:
            state, prior = "not_in_force", STATUS_PRIOR["superseded"]
        priors.append(prior)
        states.append(state)
    return np.array(priors, dtype=np.float32), states


def ended_by(book: Rulebook, inst: Instrument, on: date) -> bool:
    """Whether an instrument recorded as superseded, expired or repealed
    had ended by ``on`` (its end date, else the effective date of the
    instrument superseding it; unknown: ended)."""
    if inst.status not in ("superseded", "expired", "repealed"):
        return False
    end = inst.ended
    if end is None and inst.superseded_by:
        nxt = book.instruments.get(inst.superseded_by)
        end = nxt.effective if nxt is not None else None
    return end is None or on >= end


def demote(
    entries: Sequence[Entry],
    n: int,
    scores: np.ndarray[Any, np.dtype[np.float32]],
    states: list[str],
) -> set[int]:
    """Cap, in place, the score of each item not in force on the date at
    NOT_IN_FORCE_CAP of the best in-force item of the same kind sharing
    an element with it, when that item scores at least DEMOTE_WITHIN of
    it; return the capped indices."""
    live = [i for i in range(n) if scores[i] > 0 and states[i] == "in_force"]
    out: set[int] = set()
    for i in range(n):
        if scores[i] <= 0 or states[i] not in ("suspended", "not_in_force"):
            continue
        e = entries[i]
        best = max(
            (
                float(scores[j])
                for j in live
                if entries[j].kind == e.kind and (entries[j].elements & e.elements)
            ),
            default=0.0,
        )
        if best >= DEMOTE_WITHIN * scores[i] and scores[i] > NOT_IN_FORCE_CAP * best:
            scores[i] = NOT_IN_FORCE_CAP * best
            out.add(i)
    return out


def boundaries(book: Rulebook) -> list[date]:
    """Every day on which some item's status (:func:`statuses`) may change:
    the start and end of each own control's validity and of its
    suspensions, and each instrument's effective and end dates (which
    :func:`ended_by` compares with). A superset: between two neighbours,
    every status is the same."""
    days: set[date] = set()
    for inst in book.instruments.values():
        days.update(d for d in (inst.effective, inst.ended) if d is not None)
    for ccs in book.own_controls.values():
        for cc in ccs:
            days.add(cc.control.valid.start)
            if cc.control.valid.end is not None:
                days.add(cc.control.valid.end)
            for sus in cc.suspensions:
                p = sus.suspension.period
                days.add(p.start)
                if p.end is not None:
                    days.add(p.end)
    return sorted(days)


def window(days: Sequence[date], on: date) -> Window:
    """The days around ``on`` between two neighbouring :func:`boundaries`
    (half-open): every item has the same status on each of them."""
    i = bisect_right(days, on)
    return Window(days[i - 1] if i else UNBOUNDED_START, days[i] if i < len(days) else None)
