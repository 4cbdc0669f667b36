"""Benchmark: timeline and impact throughput, each against calling ``check``
(the baseline), measured in the same run.

    python benchmarks/impact.py [--products 10] [--from 2023-01-01] [--until 2027-01-01]
                                [--sizes 10000,100000] [--runs 3] [--baseline-rows 0]
                                [--engines inprocess,duckdb]

Timelines: ``products`` cases drawn from the rulebook's own items
(:func:`timeline.products`), each over [from, until): ``timeline()`` (one
``check`` per answer window) vs probing ``check`` on every day, merged as
the timeline merges (:func:`timeline.every_day`); both must give the same
intervals (checked). Milliseconds per
product.

Impact: portfolios of ``sizes`` rows (tariff lines the rulebook names and
some it does not, 30 destinations, end uses, purities, a listed end user on
a few rows) between 2026-11-10 and 2026-11-11, through each engine of
``impact()`` (``inprocess``: memoised over determination windows;
``duckdb``/``spark``: one batch run of ``lanthanide.screen``), vs ``check``
on each row on each date. Rows per second; ratio against the baseline. The
engines must give the same rows, and the rows the same verdicts as the
baseline (checked). ``--baseline-rows N`` times the baseline on the first N
rows of each portfolio only (its cost per row does not depend on the size;
0: every row).

Every figure is the median of ``runs`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from timeline import every_day, products

from lanthanide import Lanthanide
from lanthanide.changes import Boundaries, impact, parse_rows, timeline
from lanthanide.changes.portfolio import PortfolioRow
from lanthanide.rules.book import Rulebook, load_rulebook

DESTS = (
    *("US", "JP", "KR", "DE", "VN", "GB", "IN", "FR", "IT", "NL", "BE", "ES", "PL", "SE", "FI"),
    *("TW", "SG", "MY", "TH", "ID", "PH", "AU", "CA", "MX", "BR", "TR", "AE", "SA", "RU", "KZ"),
)
D1, D2 = date(2026, 11, 10), date(2026, 11, 11)


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def portfolio(book: Rulebook, n: int, seed: int = 15) -> list[PortfolioRow]:
    rng = random.Random(seed)
    named = sorted({h.code for r in book.item_refs for h in r.item.hs if len(h.code) == 10})
    heads = ["2805", "2846", "8112", "8505", "3801", "8501", "8541"]
    other = [f"{rng.choice(heads)}{rng.randrange(10**6):06d}" for _ in range(60)]
    raw: list[dict[str, str]] = []
    for i in range(n):
        row = {
            "id": f"R{i}",
            "hs": rng.choice(named) if rng.random() < 0.7 else rng.choice(other),
            "destination": rng.choice(DESTS),
        }
        if rng.random() < 0.6:
            row["end_use"] = rng.choice(["civil", "military"])
        if rng.random() < 0.15:
            row["params"] = rng.choice(["purity=99.995%", "purity=99.5", "purity=5N"])
        if rng.random() < 0.01:
            row["end_user"] = "MP Materials Corp."
        raw.append(row)
    return parse_rows(raw)


def bench_timelines(book: Rulebook, ln: Lanthanide, args: argparse.Namespace) -> None:
    cases = products(args.products)
    days = (args.until - args.start).days
    bounds = Boundaries(book)
    probe = SimpleNamespace(decide=ln.check)  # timeline.every_day probes its .decide
    w, lines = median_time(
        lambda: [timeline(ln.check, c, args.start, args.until, boundaries=bounds) for c in cases],
        args.runs,
    )
    p, probed = median_time(
        lambda: [every_day(probe, c, args.start, args.until) for c in cases], args.runs
    )
    agree = all(
        [(i.start, i.end, i.verdict, i.findings) for i in t.intervals]
        == [(i.start, i.end, i.verdict, i.findings) for i in q]
        for t, q in zip(lines, probed, strict=True)
    )
    calls = sum(t.calls for t in lines)
    n = len(cases)
    span = f"{args.start} to {args.until} ({days} days)"
    print(f"timelines: {n} products, {span}, median of {args.runs}")
    print("| method | check calls | ms per product | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| check on every day | {days * n:,} | {p / n * 1000:,.1f} | 1 |")
    print(f"| timeline (windows) | {calls:,} | {w / n * 1000:,.1f} | {p / w:,.0f} |")
    print(f"same intervals: {'yes' if agree else 'NO'}\n")


def check_each(ln: Lanthanide, rows: list[PortfolioRow]) -> list[tuple[str, str]]:
    """The baseline: ``check`` on each row on each date."""
    return [
        (ln.check(replace(r.case, on=D1)).verdict, ln.check(replace(r.case, on=D2)).verdict)
        for r in rows
    ]


def run_impact(ln: Lanthanide, book: Rulebook, rows: list[PortfolioRow], engine: str) -> Any:
    return impact(lambda _b: ln.check, rows, (D1, D2), book, engine=engine)


def bench_impact(book: Rulebook, ln: Lanthanide, args: argparse.Namespace) -> None:
    engines = args.engines.split(",")
    print(f"impact: {D1} vs {D2}, median of {args.runs}")
    print("| rows | method | seconds | rows/s | ratio |")
    print("|---:|---|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        rows = portfolio(book, size)
        base_rows = rows[: args.baseline_rows] if args.baseline_rows else rows
        b, base = median_time(partial(check_each, ln, base_rows), args.runs)
        base_rate = len(base_rows) / b
        note = "" if len(base_rows) == size else f" (timed on {len(base_rows):,} rows)"
        print(
            f"| {size:,} | check per row per date{note} | {b * size / len(base_rows):.2f} "
            f"| {base_rate:,.0f} | 1 |"
        )
        first: list[dict[str, Any]] | None = None
        for name in engines:
            t, res = median_time(partial(run_impact, ln, book, rows, name), args.runs)
            dicts = [r.to_dict() for r in res]
            same = first is None or dicts == first
            first = first or dicts
            verdicts = all(
                (r.verdict_before, r.verdict_after) == v for r, v in zip(res, base, strict=False)
            )
            flag = "" if same and verdicts else " **DIFFERS**"
            print(
                f"| {size:,} | impact, {name}{flag} | {t:.2f} | {size / t:,.0f} "
                f"| {size / t / base_rate:,.1f} |"
            )
        changed = sum(1 for d in first or [] if d["verdict_changed"])
        print(f"| {size:,} | ({changed:,} rows change verdict) | | | |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=10)
    ap.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2023, 1, 1))
    ap.add_argument("--until", type=date.fromisoformat, default=date(2027, 1, 1))
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-rows", type=int, default=0)
    ap.add_argument("--engines", default="inprocess,duckdb")
    ap.add_argument("--skip-timelines", action="store_true")
    args = ap.parse_args()
    book = load_rulebook(overlays=[])
    ln = Lanthanide(book)
    ln.check(products(1)[0])  # load the engine once, outside the timings
    if not args.skip_timelines:
        bench_timelines(book, ln, args)
    bench_impact(book, ln, args)


if __name__ == "__main__":
    main()
