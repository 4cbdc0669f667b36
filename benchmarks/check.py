"""Benchmark: determinations per second in-process, and API requests per second.

    python benchmarks/check.py [--cases 10000] [--runs 5] [--requests 1000] [--no-api]
                               [--base DIR]

Prints a table: median of several runs, and each row's ratio against the
baseline row (bare ``check()`` — classifier for text, then the engine — in
this process). In-process figures are one core (the engine is
single-threaded Python), per wall second and per CPU second of this process
(``time.process_time``; a loaded machine disturbs it less). ``decide()``
alone is timed on the cases that name an item or a tariff line (a text needs
the classifier's reading first), on the engine warmed by the earlier rows
(which keeps their answers: every later run replays them,
``lanthanide.decide.plans``), on a new engine each run (its caches filled
during the run; memos kept by object identity outside the engine stay
warm), on a warm engine that keeps no answers (``plans=0``: what deciding
costs), and on a new engine over one case of each shape (no answer kept can
serve another case). ``--base DIR``: the same
in-process rows on an earlier checkout (``DIR/src``), in a child process
started after this one's runs, with the load average of each.
"""

from __future__ import annotations

import argparse
import json
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


def distinct_shapes(cases: list[Case]) -> list[Case]:
    """The first case of each shape (item, tariff line, kind, destination,
    end use, parameters): no two can share a kept answer."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for c in cases:
        shape = (c.item, c.hs, c.kind, c.destination, c.end_use, tuple(sorted(c.params.items())))
        if shape not in seen:
            seen.add(shape)
            out.append(c)
    return out


def timed(fn: object, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


def in_process(n: int, runs: int) -> tuple[str, list[tuple[str, float, float]]]:
    """The rulebook version and the in-process rows: (what, per wall s, per CPU s)."""
    book = load_rulebook()
    cases = varied_cases(n)
    engine = Engine(book)
    classifier = Classifier(book)
    for c in cases[:200]:
        check(engine, classifier, c)  # warm the caches (text index, per-date lists)
    plain = [c for c in cases if c.text is None]
    distinct = distinct_shapes(plain)

    def bare() -> None:
        for c in cases:
            check(engine, classifier, c)

    def with_json() -> None:
        for c in cases:
            check(engine, classifier, c).to_dict(trace=False)

    def decide_only() -> None:
        for c in plain:
            engine.decide(c)

    def decide_fresh() -> None:
        fresh = Engine(book)  # its per-item and per-window caches empty
        for c in plain:
            fresh.decide(c)

    try:
        unkept = Engine(book, plans=0)  # type: ignore[call-arg]
    except TypeError:  # an earlier checkout (--base): it keeps no answers
        unkept = Engine(book)
    for c in plain:
        unkept.decide(c)

    def decide_unkept() -> None:
        for c in plain:
            unkept.decide(c)

    def decide_distinct() -> None:
        fresh = Engine(book)
        for c in distinct:
            fresh.decide(c)

    rows = []
    for name, fn, k in (
        ("check() in-process (baseline)", bare, len(cases)),
        ("check() + to_dict()", with_json, len(cases)),
        (f"Engine.decide(), {len(plain)} cases without text", decide_only, len(plain)),
        ("Engine.decide(), a new Engine each run", decide_fresh, len(plain)),
        ("Engine.decide(), no answers kept (plans=0)", decide_unkept, len(plain)),
        (f"Engine.decide(), new Engine, {len(distinct)} shapes", decide_distinct, len(distinct)),
    ):
        walls, cpus = timed(fn, runs)
        rows.append(
            (name, statistics.median(k / t for t in walls), statistics.median(k / t for t in cpus))
        )
    return book.version, rows


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
    ap.add_argument("--base", help="an earlier checkout to compare with (in-process rows)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for --base
    args = ap.parse_args()

    load = os.getloadavg()[0]
    version, rows = in_process(args.cases, args.runs)
    if args.json:
        print(json.dumps({"version": version, "rows": rows, "load": load}))
        return
    base_rows: dict[str, tuple[float, float]] = {}
    base_load = 0.0
    if args.base:
        env = {**os.environ, "PYTHONPATH": os.path.join(args.base, "src")}
        child = [sys.executable, __file__, "--json", "--cases", str(args.cases)]
        out = subprocess.run(
            [*child, "--runs", str(args.runs)], env=env, capture_output=True, text=True, check=True
        ).stdout
        got = json.loads(out)
        base_rows = {name: (w, c) for name, w, c in got["rows"]}
        base_load = got["load"]
    api: list[tuple[str, float]] = []
    if not args.no_api:
        api.append(
            (
                "POST /api/v1/check, 1 client, keep-alive",
                statistics.median(api_rps(args.requests, args.runs)),
            )
        )

    book = load_rulebook()
    cases = varied_cases(args.cases)
    engine, classifier = Engine(book), Classifier(book)
    verdicts: dict[str, int] = {}
    for c in cases:
        v = check(engine, classifier, c).verdict
        verdicts[v] = verdicts.get(v, 0) + 1

    print(
        f"rulebook {version}; {args.cases} varied cases; median of {args.runs} runs; "
        f"load average {load:.1f}" + (f" (base run: {base_load:.1f})" if args.base else "")
    )
    head = f"{'what':46} {'per wall s':>11} {'per CPU s':>10} {'ratio':>6}"
    if args.base:
        head += f" {'base CPU s':>10} {'/base':>6}"
    print(head)
    print("-" * len(head))
    base = rows[0][1]
    for name, wall, cpu in rows:
        line = f"{name:46} {wall:11,.0f} {cpu:10,.0f} {wall / base:6.3f}"
        b = base_rows.get(name) or next(
            (v for k, v in base_rows.items() if k.split(",")[0] == name.split(",")[0]), None
        )
        if b is not None:
            line += f" {b[1]:10,.0f} {cpu / b[1]:6.2f}"
        print(line)
    for name, rps in api:
        print(f"{name:46} {rps:11,.0f} {'':>10} {'requests/s':>6}")
    print("-" * len(head))
    print("verdict mix: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
