"""Record the supply solver's golden outputs (run by hand, never by pytest).

    PYTHONPATH=src python tests/supply/golden/record.py            # rewrite the files
    PYTHONPATH=src python tests/supply/golden/record.py --check    # compare, write nothing
    PYTHONPATH=src python tests/supply/golden/record.py NAME ...   # only these cases

A byte-level difference is not a change of result: the solver's last
digits move with the machine and the HiGHS build, which the tolerances of
``test_golden.py`` absorb. Rewrite only the cases whose results changed
on purpose (``--check`` lists every case whose digits differ).

The cases are the bundled and example scenario files and six random
networks with more than ``BILATERAL_LIMIT`` exporters (the pooled
``market`` path). For each solved year the files keep what a reader of a
result relies on: total demand, satisfied demand, each country's
shortfall, and the total re-routing (sum of absolute changes of the flows
from their baseline). ``tests/supply/test_golden.py`` compares the current
solver with these figures within the tolerances stated there.

The first recording (issue 10) was made from the frozen pre-optimisation
solver that used to live in ``tests/supply/legacy_solver.py``; it agreed
with the optimised solver within those tolerances. Re-record only for an
intended change of results, and say in the commit message which cases
changed and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from lanthanide.supply import engine  # noqa: E402
from lanthanide.supply.controls import FlowControl, resolve  # noqa: E402
from lanthanide.supply.network import Network, allocate  # noqa: E402
from lanthanide.supply.scenario import load  # noqa: E402
from lanthanide.supply.solve import Plan, YearResult, solve_year  # noqa: E402

SCENARIO_DIRS = (
    ROOT / "examples" / "scenarios",
    ROOT / "src" / "lanthanide" / "supply" / "scenarios",
)
SEEDS = range(6)


def scenario_paths() -> list[Path]:
    return sorted(p for d in SCENARIO_DIRS for p in d.glob("*.yaml"))


def case_name(path: Path) -> str:
    return f"scenario-{path.parent.parent.name}-{path.stem}"


def pooled_case(seed: int) -> tuple[Network, Plan, list[FlowControl]]:
    """A random 60-country, 3-stage network (pooled market path) and three controls."""
    rng = np.random.default_rng(seed)
    n, stages = 60, 3
    out = rng.lognormal(0, 1.5, size=(stages, n))
    out[:, 0] *= 20
    out = out / out.sum(axis=1, keepdims=True) * 1000.0
    dem = rng.uniform(0, 1, size=n)
    dem = dem / dem.sum() * 1000.0
    names = ["CN", *[f"A{k:02d}" for k in range(n - 1)]]
    cap = out * rng.uniform(1.0, 1.5, size=out.shape)
    st = ("mining", "separation", "metal_alloy")
    flows = [allocate(out[s], out[s + 1] if s + 1 < stages else dem) for s in range(stages)]
    net = Network(
        commodity="rare_earth",
        year=2024,
        unit="t",
        edition="test",
        stages=st,
        countries=tuple(names),
        output=out,
        capacity=cap,
        demand=dem,
        flows=flows,
    )
    plan = Plan(year=2024, capacity=cap, demand=dem.copy(), baseline=[f.copy() for f in flows])

    def ban(
        ex: str, dests: list[str] | None, frac: float, sts: tuple[str, ...] = st
    ) -> FlowControl:
        return FlowControl(
            label=f"ban {ex}",
            exporter=ex,
            stages=sts,
            mode="all" if dests is None else "only",
            countries=tuple(dests or ()),
            fraction=frac,
        )

    ctl = [
        ban("CN", names[1::5], 1.0),
        ban("CN", None, 0.3, ("separation",)),
        ban("A03", None, 0.5),
    ]
    return net, plan, ctl


def rerouting(r: YearResult) -> float:
    return float(sum(abs(f["value"] - f["baseline"]) for f in r.flows if f["baseline"] is not None))


def summary(r: YearResult) -> dict[str, Any]:
    return {
        "year": r.year,
        "demand": r.demand,
        "satisfied": r.satisfied,
        "rerouting": rerouting(r),
        "shortfall": {c["country"]: c["shortfall"] for c in r.countries},
    }


def scenario_years(path: Path) -> list[YearResult]:
    scn = load(path)
    net = engine.prepare(scn)
    controls, _ = resolve(scn)
    return engine.solve_scenario(net, scn, controls)[1]


def current() -> dict[str, dict[str, Any]]:
    """Every case solved by the current solver: name -> recorded document."""
    out: dict[str, dict[str, Any]] = {}
    for p in scenario_paths():
        out[case_name(p)] = {
            "case": str(p.relative_to(ROOT)),
            "years": [summary(r) for r in scenario_years(p)],
        }
    for seed in SEEDS:
        net, plan, ctl = pooled_case(seed)
        out[f"pooled-seed{seed}"] = {
            "case": f"pooled_case({seed}) in tests/supply/golden/record.py",
            "years": [summary(solve_year(net, plan, ctl))],
        }
    return out


def _round(x: Any) -> Any:
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    ap.add_argument("names", nargs="*", help="only these cases (file stems); default all")
    args = ap.parse_args()
    changed = []
    for name, doc in current().items():
        if args.names and name not in args.names:
            continue
        path = HERE / f"{name}.json"
        text = json.dumps(_round(doc), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            changed.append(name)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    verb = "differ" if args.check else "rewritten"
    print(f"{len(changed)} case(s) {verb}: {', '.join(changed) or '-'}")


if __name__ == "__main__":
    main()
