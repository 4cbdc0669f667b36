"""Benchmark: determinations per second in-process, and API requests per second.

    python benchmarks/check.py [--cases 10000] [--runs 5] [--requests 1000] [--no-api]

Prints a table: median of several runs, and each row's ratio against the
baseline row (bare ``check()`` — classifier for text, then the engine — in
this process). In-process figures are one
core (the engine is single-threaded Python).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

from lanthanide._check import check
from lanthanide.classify import Classifier
from lanthanide.decide import Case, Engine, make_case
from lanthanide.rules.book import load_rulebook

DESTS = ["US", "JP", "KR", "DE", "VN", "IN", "GB", "FR", "NL", "BR", "AU", "CA"]
END_USES = [None, None, "civil", "military", "wmd"]


def varied_cases(n: int, seed: int = 7) -> list[Case]:
    """Cases drawn from the rulebook's own items: codes, 10- and 6-digit tariff
    lines, text, uncontrolled lines, all dates 2019-2026, with and without
    parameters."""
    book = load_rulebook()
    rng = random.Random(seed)
    hs_codes = sorted({h.code for r in book.item_refs for h in r.item.hs if len(h.code) == 10})
    codes = sorted({r.item.code for r in book.item_refs})
    texts = [r.item.title.zh or r.item.title.en or "" for r in book.item_refs]
    start = date(2019, 1, 1)
    out: list[Case] = []
    while len(out) < n:
        roll = rng.random()
        kw: dict[str, object] = {
            "on": start + timedelta(days=rng.randrange(8 * 365)),
            "destination": rng.choice(DESTS),
            "end_use": rng.choice(END_USES),
        }
        if roll < 0.45:
            kw["hs"] = rng.choice(hs_codes)
        elif roll < 0.6:
            kw["hs"] = rng.choice(hs_codes)[:6]
        elif roll < 0.8:
            kw["item"] = rng.choice(codes)
        elif roll < 0.9:
            kw["text"] = rng.choice(texts)
        else:
            kw["hs"] = f"{rng.randrange(10**9, 10**10)}"
        if rng.random() < 0.3:
            kw["params"] = {"purity": f"{rng.choice([99.9, 99.99, 99.999, 99.99999])}"}
        out.append(make_case(**kw))  # type: ignore[arg-type]
    return out


def timed(fn: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_rps(requests: int, runs: int) -> list[float]:
    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lanthanide.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.1)
        bodies = [
            {"hs": "2853909026", "to": "KR", "on": "2025-06-01", "trace": False},
            {"item": "1C902.a", "to": "US", "on": "2025-06-01", "end_use": "civil", "trace": False},
            {"hs": "2825800010", "to": "DE", "params": {"purity": "99.995%"}, "trace": False},
        ]
        rates = []
        with httpx.Client(base_url=base) as client:
            for _ in range(runs):
                t0 = time.perf_counter()
                for i in range(requests):
                    r = client.post("/api/v1/check", json=bodies[i % len(bodies)])
                    r.raise_for_status()
                rates.append(requests / (time.perf_counter() - t0))
        return rates
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--no-api", action="store_true")
    args = ap.parse_args()

    book = load_rulebook()
    cases = varied_cases(args.cases)
    engine = Engine(book)
    classifier = Classifier(book)
    for c in cases[:200]:
        check(engine, classifier, c)  # warm the caches (text index, per-date lists)

    def bare() -> None:
        for c in cases:
            check(engine, classifier, c)

    def with_json() -> None:
        for c in cases:
            check(engine, classifier, c).to_dict(trace=False)

    rows: list[tuple[str, float, str]] = []
    base = statistics.median(args.cases / t for t in timed(bare, args.runs))
    rows.append(("check() in-process (baseline)", base, "determinations/s"))
    js = statistics.median(args.cases / t for t in timed(with_json, args.runs))
    rows.append(("check() + to_dict()", js, "determinations/s"))
    if not args.no_api:
        rps = statistics.median(api_rps(args.requests, args.runs))
        rows.append(("POST /api/v1/check, 1 client, keep-alive", rps, "requests/s"))

    verdicts: dict[str, int] = {}
    for c in cases:
        v = check(engine, classifier, c).verdict
        verdicts[v] = verdicts.get(v, 0) + 1

    print(f"rulebook {book.version}; {args.cases} varied cases; median of {args.runs} runs")
    print(f"{'what':44} {'rate':>12}  {'unit':18} {'ratio':>7}")
    print("-" * 86)
    for name, rate, unit in rows:
        print(f"{name:44} {rate:12,.0f}  {unit:18} {rate / base:7.3f}")
    print("-" * 86)
    print("verdict mix: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
