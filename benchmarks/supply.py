"""Benchmark: a 250-country x 5-stage (4 production stages + demand) x 20-year
scenario, solved with HiGHS, against the small real scenario (japan-2010)
in the same process. Prints a table: median of several runs and the ratio
to japan-2010, for the solver of this checkout (``solve_years``), and
checks that every result balances. Then the solve time of every bundled
and example scenario file (``engine.run``, end to end), rare-earth ones
both element-resolved (three layers, the default) and pooled
(``element_resolved: false``), with the ratio between the two. To compare two versions, run the
script in each checkout on the same machine (the frozen copy of the old
solver that used to serve as "before" was replaced by recorded golden
outputs, ``tests/supply/golden/``).

Run: .venv/bin/python benchmarks/supply.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from lanthanide.countries import codes
from lanthanide.supply import engine
from lanthanide.supply.controls import FlowControl
from lanthanide.supply.network import Network, allocate
from lanthanide.supply.scenario import Scenario, load
from lanthanide.supply.solve import Plan, solve_years

ROOT = Path(__file__).parents[1]


def big_network(seed: int = 7) -> Network:
    rng = np.random.default_rng(seed)
    names = sorted(codes())
    n, s_count = len(names), 4
    out = rng.lognormal(0, 2, size=(s_count, n))
    cn = names.index("CN")
    out[:, cn] = out.sum(axis=1) * 3  # China ~75 % of every stage
    out = out / out.sum(axis=1, keepdims=True) * 400_000
    dem = rng.lognormal(0, 2, size=n)
    dem = dem / dem.sum() * 400_000
    flows = [allocate(out[s], out[s + 1] if s + 1 < s_count else dem) for s in range(s_count)]
    return Network(
        "rare_earth",
        2024,
        "t REO",
        "bench",
        ("mining", "separation", "metal_alloy", "magnet"),
        tuple(names),
        out,
        out * 1.15,
        dem,
        flows,
    )


def big_plans(net: Network, years: int = 20) -> list[Plan]:
    plans = []
    rng = np.random.default_rng(3)
    for k in range(years):
        cap = net.capacity.copy()
        cap[:, rng.integers(0, cap.shape[1], 10)] *= 1 + 0.05 * k  # build-out
        g = 1.03**k
        plans.append(Plan(2024 + k, cap, net.demand * g, [f * g for f in net.flows]))
    return plans


def controls(net: Network) -> list[FlowControl]:
    dests = tuple(c for c in net.countries[::8] if c != "CN")  # ~31 destinations
    return [
        FlowControl("bench ban", "CN", net.stages, "only", dests, 1.0),
        FlowControl("bench licence", "CN", ("separation",), "all", (), 0.5),
    ]


def scenario_files() -> list[Path]:
    return sorted((ROOT / "src" / "lanthanide" / "supply" / "scenarios").glob("*.yaml")) + sorted(
        (ROOT / "examples" / "scenarios").glob("*.yaml")
    )


def _median_run(scn: Scenario, runs: int) -> tuple[float, bool, float]:
    times: list[float] = []
    ok = True
    short = 0.0
    for _ in range(runs):
        t0 = time.perf_counter()
        res = engine.run(scn)
        times.append(time.perf_counter() - t0)
        ok = ok and bool(res["balance_ok"])
        short = sum(y["shortfall"] for y in res["years"])
    return statistics.median(times), ok, short


def scenario_table(runs: int) -> None:
    print()
    print(
        f"{'scenario file':<44} {'years':>5} {'median s':>9} {'pooled s':>9} {'ratio':>6} "
        f"{'shortfall':>12} {'ok':>3}"
    )
    for path in scenario_files():
        scn = load(path)
        t, ok, short = _median_run(scn, runs)
        pooled = "—"
        ratio = "—"
        if scn.commodity == "rare_earth":
            raw = scn.model_dump()
            raw["assumptions"]["element_resolved"] = False
            tp, okp, _ = _median_run(Scenario.model_validate(raw), runs)
            ok = ok and okp
            pooled, ratio = f"{tp:9.3f}", f"{t / tp:6.1f}"
        rel = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
        print(
            f"{rel[-44:]:<44} {len(scn.run_years):>5} {t:9.3f} {pooled:>9} {ratio:>6} "
            f"{short:12,.0f} {'yes' if ok else 'NO':>3}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenarios-only", action="store_true", help="only the scenario-file table")
    args = ap.parse_args()
    if args.scenarios_only:
        scenario_table(args.runs)
        return
    small = load(ROOT / "examples" / "scenarios" / "japan-2010.yaml")
    net = big_network()
    plans = big_plans(net)
    ctl = controls(net)
    t_small: list[float] = []
    t_new: list[float] = []
    ok = True
    short = 0.0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        engine.run(small)
        t_small.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = solve_years(net, plans, ctl)
        t_new.append(time.perf_counter() - t0)
        ok = ok and all(r.balance["ok"] for r in res)
        short = sum(r.demand - r.satisfied for r in res)
    ms, mn = (statistics.median(t) for t in (t_small, t_new))
    load1 = os.getloadavg()[0]
    print(f"{'case':<52} {'median s':>9} {'ratio':>7}")
    print(f"{'japan-2010 (real, 6 countries x 5 x 1 yr)':<52} {ms:9.3f} {1.0:7.1f}")
    print(f"{'synthetic 250 x 5 x 20 yr (solve_years)':<52} {mn:9.3f} {mn / ms:7.1f}")
    print(
        f"per year: {mn / len(plans):.3f} s; goal < 2 s per 20-year solve: "
        f"{'met' if mn < 2 else 'NOT met'}; balance ok: {ok}; shortfall over 20 years "
        f"{short:,.1f} t; runs: {args.runs}; load average at "
        f"end {load1:.2f} on {os.cpu_count()} CPUs (machine shared: figures include contention)"
    )
    scenario_table(args.runs)


if __name__ == "__main__":
    main()
