"""Evaluate party screening on the labelled set and time it.

    python benchmarks/parties.py [--eval FILE] [--misses] [--sweep]

Prints, for the *flagged* level (exact, strong or possible: what reaches a
person) and the *confident* level (exact or strong: what ``decide`` applies
without asking), precision and recall over the labelled parties, then query
latency p50/p95 and names screened per second against all lists, and the
index build time. ``--sweep`` shows precision and recall when the possible
and strong thresholds move; ``--misses`` lists every false positive and
false negative.

A case's ``expect`` names listed parties (by primary name) that must be
flagged; ``strong: false`` says a possible match is enough; ``allow`` names
related parties that may be flagged without counting against precision
(``*X``: any party whose primary name starts with X).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lanthanide.parties import PartyIndex, PartyMatch
from lanthanide.parties.normalize import normalise
from lanthanide.rules.book import load_rulebook

HERE = Path(__file__).parent
ON = date(2026, 12, 1)


def key(name: str) -> str:
    n = normalise(name)
    return " ".join(sorted(n.tokens)) or n.han


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def allowed(case: dict[str, Any], primary: str) -> bool:
    for a in case.get("allow", ()):
        if a.startswith("*"):
            if primary.lower().startswith(a[1:].lower()):
                return True
        elif key(a) == key(primary):
            return True
    return False


def score(
    cases: list[dict[str, Any]],
    results: list[list[PartyMatch]],
    possible: float,
    strong: float,
    misses: list[str] | None = None,
) -> tuple[Counts, Counts]:
    flag, conf = Counts(), Counts()
    for case, res in zip(cases, results, strict=True):
        expect = {key(e) for e in case["expect"]}
        must_strong = expect if case.get("strong", True) else set()
        flagged: dict[str, PartyMatch] = {}
        confident: dict[str, PartyMatch] = {}
        for m in res:
            k = key(m.entry.entry.name.best())
            if m.score >= possible:
                flagged.setdefault(k, m)
            if m.confidence == "exact" or m.score >= strong:
                confident.setdefault(k, m)
        for k, m in flagged.items():
            if k in expect:
                flag.tp += 1
            elif not allowed(case, m.entry.entry.name.best()):
                flag.fp += 1
                if misses is not None:
                    misses.append(
                        f"  FP {case['q']!r} -> {m.entry.entry.name.best()} "
                        f"({m.score:.3f} {m.confidence}; {m.explanation.summary()})"
                    )
        for k in expect - set(flagged):
            flag.fn += 1
            if misses is not None:
                misses.append(
                    f"  FN {case['q']!r}: {k} not flagged "
                    f"(best: {[(x.entry.entry.name.best(), x.score) for x in res[:2]]})"
                )
        for k, m in confident.items():
            if k in must_strong:
                conf.tp += 1
            elif k not in expect and not allowed(case, m.entry.entry.name.best()):
                conf.fp += 1
        for k in must_strong - set(confident):
            conf.fn += 1
            if misses is not None:
                misses.append(
                    f"  weak {case['q']!r}: {k} only {[(x.score, x.confidence) for x in res[:1]]}"
                )
    return flag, conf


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", type=Path, default=HERE / "parties_eval.yaml")
    ap.add_argument("--heldout", type=Path, default=HERE / "parties_heldout.yaml")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    book = load_rulebook()
    t = time.perf_counter()
    index = PartyIndex(book.lists)
    build = (time.perf_counter() - t) * 1000
    cases = yaml.safe_load(args.eval.read_text(encoding="utf-8"))["cases"]
    from lanthanide.parties.match import POSSIBLE, STRONG

    floor = 0.5 if args.sweep else POSSIBLE  # the sweep needs the weaker matches too
    for c in cases[:20]:  # warm the caches of the normaliser's tables
        index.screen(c["q"] + " warm", ON, threshold=floor)
    times: list[float] = []
    results: list[list[PartyMatch]] = []
    for c in cases:
        t = time.perf_counter()
        results.append(index.screen(c["q"], ON, c.get("country"), threshold=floor))
        times.append((time.perf_counter() - t) * 1000)

    misses: list[str] = []
    flag, conf = score(cases, results, POSSIBLE, STRONG, misses)
    kinds: dict[str, int] = {}
    for c in cases:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    times.sort()
    n = len(cases)
    print(
        f"== {args.eval.name}: {n} queries against {len(book.lists)} listed entries "
        f"({len(index.names)} names), on {ON}"
    )
    print("kinds            " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"thresholds       possible >= {POSSIBLE}, strong >= {STRONG}")
    print("level            precision  recall   tp   fp   fn")
    for label, c in (("flagged", flag), ("confident", conf)):
        print(f"{label:16} {c.precision:9.3f} {c.recall:7.3f} {c.tp:4} {c.fp:4} {c.fn:4}")
    hand = [i for i, c in enumerate(cases) if c.get("origin") == "hand"]
    if hand:
        hf, hc = score([cases[i] for i in hand], [results[i] for i in hand], POSSIBLE, STRONG)
        print(f"hand-written only ({len(hand)} queries: translations, subsidiaries, look-alikes)")
        for label, c in (("  flagged", hf), ("  confident", hc)):
            print(f"{label:16} {c.precision:9.3f} {c.recall:7.3f} {c.tp:4} {c.fp:4} {c.fn:4}")
    print(f"latency p50      {statistics.median(times):.3f} ms")
    print(f"latency p95      {times[int(0.95 * (n - 1))]:.3f} ms")
    print(f"names/second     {n / (sum(times) / 1000):,.0f}")
    print(f"index build      {build:.1f} ms")
    if args.heldout.is_file():
        held = yaml.safe_load(args.heldout.read_text(encoding="utf-8"))["cases"]
        hres = [index.screen(c["q"], ON, c.get("country"), threshold=floor) for c in held]
        hmiss: list[str] = []
        hf, hc = score(held, hres, POSSIBLE, STRONG, hmiss)
        print(f"== {args.heldout.name}: {len(held)} queries, never tuned on")
        for label, c in (("flagged", hf), ("confident", hc)):
            print(f"{label:16} {c.precision:9.3f} {c.recall:7.3f} {c.tp:4} {c.fp:4} {c.fn:4}")
        misses.extend(hmiss)
    if args.sweep:
        print("\npossible  strong  flag-P  flag-R  conf-P  conf-R")
        for p in (0.6, 0.65, 0.7, 0.75, 0.8):
            for s in (0.85, 0.88, 0.9, 0.93):
                f, c = score(cases, results, p, s)
                print(
                    f"{p:8.2f} {s:7.2f} {f.precision:7.3f} {f.recall:7.3f} "
                    f"{c.precision:7.3f} {c.recall:7.3f}"
                )
    if args.misses:
        print("\n".join(["", "misses:", *misses]) if misses else "\nno misses")


if __name__ == "__main__":
    main()
