"""The optimised solver (vectorised matrices, layout re-used across years,
no LP when the baseline is feasible, re-routing stage without extra rows)
gives the same satisfied demand, shortfalls and re-routing total as the
frozen pre-optimisation solver in ``legacy_solver.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lanthanide.supply import engine
from lanthanide.supply.controls import resolve
from lanthanide.supply.scenario import load
from lanthanide.supply.solve import YearResult, solve_year, solve_years

from . import legacy_solver
from .conftest import ROOT, ban, make_net, plan_for

SCENARIOS = sorted([*(ROOT / "examples" / "scenarios").glob("*.yaml"),
                    *(ROOT / "src" / "lanthanide" / "supply" / "scenarios").glob("*.yaml")])


def _rerouting(r: YearResult) -> float:
    return sum(abs(f["value"] - f["baseline"]) for f in r.flows if f["baseline"] is not None)


def _same(new: YearResult, old: object, scale: float) -> None:
    assert new.balance["ok"], new.balance["problems"]
    assert new.satisfied == pytest.approx(old.satisfied, rel=1e-7, abs=1e-9 * scale)  # type: ignore[attr-defined]
    short_new = {c["country"]: c["shortfall"] for c in new.countries}
    short_old = {c["country"]: c["shortfall"] for c in old.countries}  # type: ignore[attr-defined]
    assert short_new.keys() == short_old.keys()
    for k, v in short_old.items():
        assert short_new[k] == pytest.approx(v, abs=1e-6 * scale), k
    assert _rerouting(new) == pytest.approx(_rerouting(old), rel=1e-6, abs=1e-6 * scale)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: Path(p).stem)
def test_bundled_scenarios_match_the_legacy_solver(path: Path) -> None:
    scn = load(path)
    net = engine.prepare(scn)
    controls, _ = resolve(scn)
    plans = engine.plans(net, scn)
    new = solve_years(net, plans, controls)
    for p, r in zip(plans, new, strict=True):
        old = legacy_solver.solve_year(net, p, controls)
        _same(r, old, max(float(p.demand.sum()), 1.0))


@pytest.mark.parametrize("seed", range(6))
def test_random_pooled_networks_match_the_legacy_solver(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, stages = 60, 3  # > BILATERAL_LIMIT exporters: pooled market path
    out = rng.lognormal(0, 1.5, size=(stages, n))
    out[:, 0] *= 20
    out = out / out.sum(axis=1, keepdims=True) * 1000.0
    dem = rng.uniform(0, 1, size=n)
    dem = dem / dem.sum() * 1000.0
    names = ["CN", *[f"A{k:02d}" for k in range(n - 1)]]
    net = make_net(names, out, dem, capacity=out * rng.uniform(1.0, 1.5, size=out.shape))
    ctl = [ban("CN", names[1::5], 1.0), ban("CN", None, 0.3, ("separation",)),
           ban("A03", None, 0.5)]
    r = solve_year(net, plan_for(net), ctl)
    _same(r, legacy_solver.solve_year(net, plan_for(net), ctl), 1000.0)


def test_feasible_baseline_solves_no_lp() -> None:
    out = np.array([[60.0, 40.0], [50.0, 50.0]])
    net = make_net(["A", "B"], out, np.array([30.0, 70.0]), capacity=out * 1.2)
    r = solve_year(net, plan_for(net), [ban("A", ["B"], 0.0)])
    assert r.lp_solves == 0 and not r.rerouted
    assert r.satisfied == pytest.approx(100.0)
    r = solve_year(net, plan_for(net), [ban("A", ["B"], 0.5)])
    assert r.lp_solves == 2
