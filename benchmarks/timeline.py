"""Benchmark: timelines from determination windows vs deciding every day,
and impact throughput vs calling ``check`` per row per date.

    python benchmarks/timeline.py [--products 50] [--runs 3] [--probe-runs 1]
                                  [--rows 1000] [--from 2015-01-01] [--until 2028-01-01]

Timelines: ``products`` cases drawn from the rulebook's own items (tariff
lines and codes, several destinations and end uses) over [from, until).
"windows" calls ``decide`` once per answer window (the engine's own
``Determination.window`` when it has one, else the rulebook's boundaries);
"every day" decides each day and merges equal days. Both must give the same
intervals (checked). Impact: ``rows`` portfolio rows between 2026-11-10 and
2026-11-11 vs two ``decide`` calls per row. Prints medians of the runs (the
day-by-day baseline is slow, hence its own run count) and the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

from lanthanide.changes import Boundaries, PortfolioRow, impact, timeline
from lanthanide.changes.keys import _keys, _pending
from lanthanide.changes.results import Interval
from lanthanide.changes.timeline import _coarse, _same
from lanthanide.decide import Case, Engine, make_case
from lanthanide.rules.book import load_rulebook

DESTS = ["US", "JP", "KR", "DE", "VN", "GB", "IN"]
END_USES = [None, "civil", "military"]


def products(n: int, seed: int = 11) -> list[Case]:
    book = load_rulebook(overlays=[])
    rng = random.Random(seed)
    hs = sorted({h.code for r in book.item_refs for h in r.item.hs if len(h.code) == 10})
    codes = sorted({r.item.code for r in book.item_refs})
    out = []
    for i in range(n):
        kw: dict[str, object] = {
            "on": date(2020, 1, 1),
            "destination": rng.choice(DESTS),
            "end_use": rng.choice(END_USES),
        }
        if i % 3 == 2:
            kw["item"] = rng.choice(codes)
        else:
            kw["hs"] = rng.choice(hs)
        out.append(make_case(**kw))  # type: ignore[arg-type]
    return out


def every_day(engine: Engine, case: Case, start: date, until: date) -> list[Interval]:
    out: list[Interval] = []
    day = start
    while day < until:
        det = engine.decide(replace(case, on=day))
        nxt = day + timedelta(days=1)
        iv = Interval(day, nxt, det.verdict, _keys(det), pending=_pending(det))
        if out and _same(out[-1], iv):
            out[-1] = replace(out[-1], end=nxt)
        else:
            out.append(iv)
        day = nxt
    return _coarse(out)  # merged as the timeline merges (verdict, instruments, pending)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--probe-runs", type=int, default=1)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2015, 1, 1))
    ap.add_argument("--until", type=date.fromisoformat, default=date(2028, 1, 1))
    args = ap.parse_args()
    book = load_rulebook(overlays=[])
    engine = Engine(book)
    cases = products(args.products)
    mode = "engine windows" if hasattr(engine.decide(cases[0]), "window") else "rulebook boundaries"
    days = (args.until - args.start).days

    win_times, calls = [], 0
    timelines = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        bounds = Boundaries(book)
        timelines = [
            timeline(engine.decide, c, args.start, args.until, boundaries=bounds) for c in cases
        ]
        win_times.append(time.perf_counter() - t0)
        calls = sum(t.calls for t in timelines)
    probe_times = []
    probed: list[list[Interval]] = []
    for _ in range(args.probe_runs):
        t0 = time.perf_counter()
        probed = [every_day(engine, c, args.start, args.until) for c in cases]
        probe_times.append(time.perf_counter() - t0)
    agree = all(
        [(i.start, i.end, i.verdict, i.findings, i.pending, i.parts) for i in t.intervals]
        == [(i.start, i.end, i.verdict, i.findings, i.pending, i.parts) for i in p]
        for t, p in zip(timelines, probed, strict=True)
    )
    w, p = statistics.median(win_times), statistics.median(probe_times)
    print(
        f"timelines: {args.products} products, {args.start} to {args.until} ({days} days); {mode}"
    )
    print(f"{'method':<22}{'seconds':>10}{'decide calls':>14}{'per product':>13}{'ratio':>8}")
    print(f"{'every day':<22}{p:>10.2f}{days * len(cases):>14}{p / len(cases):>13.3f}{1:>8.1f}")
    print(f"{'windows':<22}{w:>10.2f}{calls:>14}{w / len(cases):>13.3f}{p / w:>8.1f}")
    print(f"same intervals: {'yes' if agree else 'NO'}")

    rows = [
        PortfolioRow(i + 1, str(i + 1), "product", c)
        for i, c in enumerate(products(args.rows, seed=5))
    ]
    d1, d2 = date(2026, 11, 10), date(2026, 11, 11)
    imp_times, base_times = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        res = impact(lambda b: engine.decide, rows, (d1, d2), book)
        imp_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        base = [
            (
                engine.decide(replace(r.case, on=d1)).verdict,
                engine.decide(replace(r.case, on=d2)).verdict,
            )
            for r in rows
        ]
        base_times.append(time.perf_counter() - t0)
    same = all((r.verdict_before, r.verdict_after) == b for r, b in zip(res, base, strict=True))
    i, b = statistics.median(imp_times), statistics.median(base_times)
    print(f"\nimpact: {args.rows} rows, {d1} vs {d2}; {sum(r.changed for r in res)} rows changed")
    print(f"{'method':<22}{'seconds':>10}{'rows/s':>14}{'ratio':>8}")
    print(f"{'check per row × 2':<22}{b:>10.2f}{args.rows / b:>14.0f}{1:>8.1f}")
    print(f"{'impact':<22}{i:>10.2f}{args.rows / i:>14.0f}{b / i:>8.1f}")
    print(f"same verdicts as check: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
