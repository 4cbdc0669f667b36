"""Evaluate the classifier on labelled sets.

    python benchmarks/classify.py [--eval FILE ...] [--misses] [--ignore-kind]

Without ``--eval`` it runs the bundled sets: ``classify_eval.yaml`` (written
with the method and tuned on), ``classify_heldout.yaml`` (issue 3 follow-up,
written before its changes), ``classify_heldout2.yaml`` (issue 17, written
before its changes) and ``classify_heldout3.yaml`` (issue 17, written after
its first round of changes, before any result on it was seen) and
``classify_heldout4.yaml`` (60 phrasings across the whole regime, written
before any run, at the issue-17 latency stop) and ``classify_heldout5.yaml``
(50 trade phrasings of salts, concentrates, refined metals, light rare
earths and magnet materials, written before any run). ``--on DATE``
ranks with the status of each item on that date (``Classifier.classify(on=)``).
For each set it prints top-1, top-3 and MRR (over the top
10), precision of each confidence band of the top result and query latency
p50/p95, then the misses (queries whose expected item is not at the top).
The index build time is printed once: ``Classifier(book)`` on a loaded
rulebook, with the HS 2022 nomenclature.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lanthanide.classify import Classifier
from lanthanide.rules.book import load_rulebook

HERE = Path(__file__).parent
SETS = (
    HERE / "classify_eval.yaml",
    HERE / "classify_heldout.yaml",
    HERE / "classify_heldout2.yaml",
    HERE / "classify_heldout3.yaml",
    HERE / "classify_heldout4.yaml",
    HERE / "classify_heldout5.yaml",
)


def evaluate(
    clf: Classifier, path: Path, *, ignore_kind: bool, misses: bool, on: date | None = None
) -> dict[str, Any]:
    queries = yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    top1 = top3 = 0
    rr = 0.0
    times: list[float] = []
    bands: dict[str, list[bool]] = {"high": [], "medium": [], "low": []}
    missed: list[str] = []
    for q in queries:
        t = time.perf_counter()
        res = clf.classify(q["q"], kind=None if ignore_kind else q.get("kind"), top=10, on=on)
        times.append((time.perf_counter() - t) * 1000)
        codes = [r.code for r in res.results]
        expect = {str(c) for c in q["expect"]}
        rank = next((i + 1 for i, c in enumerate(codes) if c in expect), None)
        top1 += rank == 1
        top3 += rank is not None and rank <= 3
        rr += 1.0 / rank if rank else 0.0
        if res.top is not None:
            bands[res.top.confidence].append(rank == 1)
        if rank != 1:
            missed.append(
                f"  {q['q']!r}: expected {sorted(expect)}, rank {rank}; got "
                + ", ".join(f"{r.code} ({r.score:.1f}, {r.confidence})" for r in res.results[:3])
            )
    n = len(queries)
    times.sort()
    p95 = times[int(0.95 * (n - 1))]
    print(f"== {path.name}" + (" (without kind)" if ignore_kind else ""))
    print(f"queries           {n}")
    print(f"top-1             {top1 / n:.1%} ({top1})")
    print(f"top-3             {top3 / n:.1%} ({top3})")
    print(f"MRR@10            {rr / n:.3f}")
    print(f"latency p50       {statistics.median(times):.2f} ms")
    print(f"latency p95       {p95:.2f} ms")
    for band, hits in bands.items():
        prec = f"{sum(hits) / len(hits):.1%}" if hits else "—"
        print(f"confidence {band:6} {len(hits):4} queries, top-1 precision {prec}")
    if misses:
        print(f"misses ({len(missed)}):")
        print("\n".join(missed))
    print()
    return {"n": n, "top1": top1, "top3": top3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--eval", type=Path, action="append", help="a labelled set (repeatable; default: both)"
    )
    ap.add_argument("--misses", action="store_true", help="print the misses")
    ap.add_argument("--ignore-kind", action="store_true", help="run every query without its --kind")
    ap.add_argument("--on", type=date.fromisoformat, help="query date (YYYY-MM-DD)")
    args = ap.parse_args()
    book = load_rulebook()
    t0 = time.perf_counter()
    clf = Classifier(book)
    build = time.perf_counter() - t0
    clf.classify("warm-up 预热")
    print(f"index build       {build * 1000:.0f} ms (rulebook already loaded; HS 2022 included)\n")
    for path in args.eval or SETS:
        evaluate(clf, path, ignore_kind=args.ignore_kind, misses=args.misses, on=args.on)


if __name__ == "__main__":
    main()
