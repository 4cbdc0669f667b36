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
from pathlib import Path
from typing import Any

from lanthanide.changes.batch import Answer, eligible
from lanthanide.changes.compare import diff
from lanthanide.changes.events import changes
from lanthanide.changes.keys import DecideFn, FindingKey, _keys
from lanthanide.changes.portfolio import PortfolioRow
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
            "consignee": c.consignee,
            "params": dict(c.params),
            "before": self.before.isoformat(),
            "after": self.after.isoformat(),
            "verdict_before": self.verdict_before,
            "verdict_after": self.verdict_after,
            "changed": self.changed,
            "verdict_changed": self.verdict_changed,
            "added": [{**f.to_dict(), "reason": f.reason} for f in self.added],
            "removed": [{**f.to_dict(), "reason": f.reason} for f in self.removed],
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
        case.consignee,
        tuple(sorted(case.params.items())),
    )


class _Memo:
    """Determinations per case, reused over their windows (the engine's own,
    or the rulebook's :class:`Boundaries` when it has none)."""

    def __init__(self, fn: DecideFn, boundaries: Boundaries, book: Rulebook | None = None) -> None:
        self.fn = fn
        self.boundaries = boundaries
        self.book = book
        """Keys findings with catalogue adjustments (:func:`_keys`)."""
        self.seen: dict[tuple[Any, ...], list[tuple[Span, Answer]]] = defaultdict(list)
        self.calls = 0

    def decide(self, case: Case, day: date) -> Answer:
        dets = self.seen[_key(case)]
        for span, ans in dets:
            if span.contains(day):
                return ans
        det = self.fn(replace(case, on=day))
        self.calls += 1
        # keep only what impact reads: holding whole determinations costs GC time
        ans = Answer(det.verdict, frozenset(_keys(det, self.book)))
        dets.append((window_of(det, day, self.boundaries), ans))
        return ans


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


ENGINES: tuple[str, ...] = ("inprocess", "duckdb", "spark")
"""How :func:`impact` decides: in this process (memoised over determination
windows), or through a batch engine of :mod:`lanthanide.screen`."""
BATCH_MIN_ROWS = 3_000
"""With no engine named, portfolios with at least this many rows the batch
engines take go to DuckDB (below it, in-process is faster: see
``benchmarks/impact.py``)."""


def choose_engine(engine: str | None, portfolio: Sequence[PortfolioRow]) -> str:
    """The engine :func:`impact` uses: ``engine``, or by size when None."""
    if engine is None:
        n = sum(1 for r in portfolio if eligible(r))
        return "duckdb" if n >= BATCH_MIN_ROWS else "inprocess"
    if engine not in ENGINES:
        raise ImpactError("engine", f"'{engine}' is not allowed (allowed: {', '.join(ENGINES)})")
    return engine


def impact(
    decide_for: DecideFor,
    portfolio: Sequence[PortfolioRow],
    on_or_between: date | tuple[date, date],
    book_before: Rulebook,
    book_after: Rulebook | None = None,
    *,
    engine: str | None = None,
    spark_master: str | None = None,
    workers: int | None = None,
    workdir: Path | None = None,
) -> list[ImpactRow]:
    """Each row decided before and after: between two dates on
    ``book_before`` (``on_or_between=(d1, d2)``, no ``book_after``), or
    between ``book_before`` and ``book_after`` on one date (or on ``d1`` and
    ``d2`` respectively).

    ``engine``: ``inprocess`` (each distinct case decided once per
    determination window by ``decide_for``), ``duckdb`` or ``spark`` (the
    rows a declaration file can say are screened in one batch run per
    rulebook, :mod:`lanthanide.changes.batch`; the others in-process), or
    None: by size (:data:`BATCH_MIN_ROWS`). Every engine gives the same rows.
    ``spark_master``, ``workers`` and ``workdir`` (where its files go) go to
    the batch run."""
    if isinstance(on_or_between, tuple):
        d1, d2 = on_or_between
    else:
        d1 = d2 = on_or_between
    if book_after is None and d1 == d2:
        raise ImpactError("between", "give two different dates, or a second rulebook")
    if spark_master is not None and engine != "spark":
        raise ImpactError("spark_master", "only with engine spark")
    if workers is not None and workers < 1:
        raise ImpactError("workers", f"{workers} must be 1 or more")
    if workdir is not None and not workdir.is_dir():
        raise ImpactError("workdir", f"'{workdir}' is not a directory")
    name = choose_engine(engine, portfolio)
    before_a: list[Answer | None] = [None] * len(portfolio)
    after_a: list[Answer | None] = [None] * len(portfolio)
    if name != "inprocess":
        from lanthanide.changes.batch import batch_answers

        idx = [i for i, r in enumerate(portfolio) if eligible(r)]
        opts: dict[str, Any] = {
            "engine": name,
            "spark_master": spark_master,
            "workers": workers,
            "workdir": workdir,
        }
        if book_after is None:  # one run: every row on both dates
            got = batch_answers(
                book_before, [(portfolio[i], d) for i in idx for d in (d1, d2)], **opts
            )
            pairs = [(got[2 * k], got[2 * k + 1]) for k in range(len(idx))]
        else:  # one run per rulebook
            first = batch_answers(book_before, [(portfolio[i], d1) for i in idx], **opts)
            second = batch_answers(book_after, [(portfolio[i], d2) for i in idx], **opts)
            pairs = list(zip(first, second, strict=True))
        for i, (x, y) in zip(idx, pairs, strict=True):
            before_a[i], after_a[i] = x, y
    if any(x is None for x in before_a):
        before = _Memo(decide_for(book_before), Boundaries(book_before), book_before)
        after = (
            before
            if book_after is None
            else _Memo(decide_for(book_after), Boundaries(book_after), book_after)
        )
        for i, r in enumerate(portfolio):
            if before_a[i] is None:
                before_a[i] = before.decide(r.case, d1)
                after_a[i] = after.decide(r.case, d2)
    cause_of = (
        _date_causes(book_before, d1, d2)
        if book_after is None
        else _book_causes(book_before, book_after)
    )
    out: list[ImpactRow] = []
    for r, a, b in zip(portfolio, before_a, after_a, strict=True):
        assert a is not None and b is not None
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
