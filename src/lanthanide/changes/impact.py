"""Impact of a change of the law on a portfolio: which rows change verdict
between two dates, or between two rulebooks, and which instrument causes it.

Same semantics as ``check``: every row is decided by the same decide
function on each side. A determination whose window already holds the other
date is reused (no second call), and identical cases are decided once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from lanthanide.changes.compare import diff
from lanthanide.changes.events import changes
from lanthanide.changes.portfolio import PortfolioRow
from lanthanide.changes.timeline import DecideFn, FindingKey, _keys
from lanthanide.changes.window import ONE_DAY, Boundaries, Span, window_of
from lanthanide.decide.model import Case
from lanthanide.errors import FieldError
from lanthanide.rules.book import Rulebook

DecideFor = Callable[[Rulebook], DecideFn]
"""A decide function for a rulebook (e.g. ``lambda b: Engine(b).decide``)."""


class ImpactError(FieldError):
    """Bad arguments (``field`` names the argument)."""


@dataclass(frozen=True, slots=True)
class ImpactRow:
    row: int
    id: str
    record: str
    case: Case
    before: date
    after: date
    verdict_before: str
    verdict_after: str
    added: tuple[FindingKey, ...]
    removed: tuple[FindingKey, ...]
    causes: tuple[tuple[str, str | None], ...]
    """(instrument id, number) of the instruments that cause the change: the
    suspending instrument for a suspension or its end, else the instrument
    whose control started or ended (dates), or the instruments that differ
    between the rulebooks (rulebooks)."""

    @property
    def changed(self) -> bool:
        return self.verdict_before != self.verdict_after or bool(self.added or self.removed)

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    def to_dict(self) -> dict[str, Any]:
        c = self.case
        return {
            "row": self.row,
            "id": self.id,
            "record": self.record,
            "item": c.item,
            "hs": c.hs,
            "text": c.text,
            "destination": c.destination,
            "end_use": c.end_use,
            "end_user": c.end_user,
            "params": dict(c.params),
            "before": self.before.isoformat(),
            "after": self.after.isoformat(),
            "verdict_before": self.verdict_before,
            "verdict_after": self.verdict_after,
            "changed": self.changed,
            "verdict_changed": self.verdict_changed,
            "added": [f.to_dict() for f in self.added],
            "removed": [f.to_dict() for f in self.removed],
            "causes": [{"instrument": i, "number": n} for i, n in self.causes],
        }


def _key(case: Case) -> tuple[Any, ...]:
    return (
        case.item,
        case.hs,
        case.text,
        case.kind,
        case.destination,
        case.end_use,
        case.end_user,
        tuple(sorted(case.params.items())),
    )


class _Memo:
    """Determinations per case, reused over their windows (the engine's own,
    or the rulebook's :class:`Boundaries` when it has none)."""

    def __init__(self, fn: DecideFn, boundaries: Boundaries) -> None:
        self.fn = fn
        self.boundaries = boundaries
        self.seen: dict[tuple[Any, ...], list[tuple[Span, _Answer]]] = defaultdict(list)
        self.calls = 0

    def decide(self, case: Case, day: date) -> _Answer:
        dets = self.seen[_key(case)]
        for span, ans in dets:
            if span.contains(day):
                return ans
        det = self.fn(replace(case, on=day))
        self.calls += 1
        # keep only what impact reads: holding whole determinations costs GC time
        ans = _Answer(det.verdict, frozenset(_keys(det)))
        dets.append((window_of(det, day, self.boundaries), ans))
        return ans


@dataclass(frozen=True, slots=True)
class _Answer:
    verdict: str
    keys: frozenset[FindingKey]


def _date_causes(
    book: Rulebook, d1: date, d2: date
) -> Callable[[set[str]], tuple[tuple[str, str | None], ...]]:
    lo, hi = (d1, d2) if d1 < d2 else (d2, d1)
    events = [
        e
        for e in changes(book, lo + ONE_DAY, hi + ONE_DAY, lists=False)
        if e.kind in ("in_force", "expired", "suspended", "resumed")
    ]

    def causes(touched: set[str]) -> tuple[tuple[str, str | None], ...]:
        out: dict[str, str | None] = {}
        for e in events:
            if e.instrument in touched or (e.by is not None and e.by in touched):
                if e.by is not None:
                    out[e.by] = e.by_number
                else:
                    out[e.instrument] = e.number
        return tuple(sorted(out.items()))

    return causes


def _book_causes(
    a: Rulebook, b: Rulebook
) -> Callable[[set[str]], tuple[tuple[str, str | None], ...]]:
    d = diff(a, b)
    differing: dict[str, str | None] = {}
    targets: dict[str, set[str]] = defaultdict(set)
    for part in ("added", "removed", "modified"):
        for inst in d["instruments"][part]:
            differing[inst["id"]] = inst["number"]
    for iid in differing:
        inst = b.instruments.get(iid) or a.instruments.get(iid)
        assert inst is not None
        targets[iid] = {s.instrument for s in inst.suspends} | {iid}

    def causes(touched: set[str]) -> tuple[tuple[str, str | None], ...]:
        hit = {i: n for i, n in differing.items() if targets[i] & touched}
        return tuple(sorted((hit or differing).items()))

    return causes


def impact(
    decide_for: DecideFor,
    portfolio: Sequence[PortfolioRow],
    on_or_between: date | tuple[date, date],
    book_before: Rulebook,
    book_after: Rulebook | None = None,
) -> list[ImpactRow]:
    """Each row decided before and after: between two dates on
    ``book_before`` (``on_or_between=(d1, d2)``, no ``book_after``), or
    between ``book_before`` and ``book_after`` on one date (or on ``d1`` and
    ``d2`` respectively)."""
    if isinstance(on_or_between, tuple):
        d1, d2 = on_or_between
    else:
        d1 = d2 = on_or_between
    if book_after is None and d1 == d2:
        raise ImpactError("between", "give two different dates, or a second rulebook")
    before = _Memo(decide_for(book_before), Boundaries(book_before))
    after = before if book_after is None else _Memo(decide_for(book_after), Boundaries(book_after))
    cause_of = (
        _date_causes(book_before, d1, d2)
        if book_after is None
        else _book_causes(book_before, book_after)
    )
    out: list[ImpactRow] = []
    for r in portfolio:
        a = before.decide(r.case, d1)
        b = after.decide(r.case, d2)
        ka, kb = a.keys, b.keys
        added, removed = tuple(sorted(kb - ka)), tuple(sorted(ka - kb))
        changed = a.verdict != b.verdict or added or removed
        touched = {f.instrument for f in (*added, *removed)}
        out.append(
            ImpactRow(
                row=r.row,
                id=r.id,
                record=r.record,
                case=r.case,
                before=d1,
                after=d2,
                verdict_before=a.verdict,
                verdict_after=b.verdict,
                added=added,
                removed=removed,
                causes=cause_of(touched) if changed else (),
            )
        )
    return out


def summary(rows: Sequence[ImpactRow]) -> dict[str, Any]:
    """What changed, by instrument: rows affected and verdict moves."""
    by: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in rows:
        if not r.changed:
            continue
        for inst, number in r.causes or (("(none found)", None),):
            slot = by.setdefault(
                (inst, number), {"instrument": inst, "number": number, "rows": 0, "moves": {}}
            )
            slot["rows"] += 1
            move = f"{r.verdict_before} -> {r.verdict_after}"
            slot["moves"][move] = slot["moves"].get(move, 0) + 1
    return {
        "rows": len(rows),
        "changed": sum(1 for r in rows if r.changed),
        "verdict_changed": sum(1 for r in rows if r.verdict_changed),
        "by_instrument": [
            {**v, "moves": dict(sorted(v["moves"].items()))}
            for _, v in sorted(by.items(), key=lambda kv: (-kv[1]["rows"], kv[0][0]))
        ],
    }
