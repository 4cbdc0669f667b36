"""The solver against recorded golden outputs (``tests/supply/golden/*.json``).

The files hold, per case and year, total and satisfied demand, each
country's shortfall and the total re-routing; ``golden/record.py``
(run by hand) writes them and says how they were first made. Tolerances,
relative to the case's total demand ``D``:

- satisfied demand: ``1e-7 x D`` (HiGHS' optimality tolerance);
- each country's shortfall: ``1e-6 x D``;
- total re-routing: ``1e-6 x D`` or 1e-6 relative.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from lanthanide.supply.solve import YearResult, solve_year

from .conftest import ban, make_net, plan_for

GOLDEN = Path(__file__).parent / "golden"


def _record() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_record", GOLDEN / "record.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


record = _record()


def _golden(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return doc


def _same(new: YearResult, old: dict[str, Any]) -> None:
    assert new.balance["ok"], new.balance["problems"]
    scale = max(float(old["demand"]), 1.0)
    assert new.year == old["year"]
    assert new.demand == pytest.approx(old["demand"], rel=1e-9)
    assert new.satisfied == pytest.approx(old["satisfied"], rel=1e-7, abs=1e-7 * scale)
    short_new = {c["country"]: c["shortfall"] for c in new.countries}
    assert short_new.keys() == old["shortfall"].keys()
    for k, v in old["shortfall"].items():
        assert short_new[k] == pytest.approx(v, abs=1e-6 * scale), k
    assert record.rerouting(new) == pytest.approx(old["rerouting"], rel=1e-6, abs=1e-6 * scale)


def test_every_case_has_a_golden_file() -> None:
    names = {record.case_name(p) for p in record.scenario_paths()}
    names |= {f"pooled-seed{s}" for s in record.SEEDS}
    assert names == {p.stem for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize("path", record.scenario_paths(), ids=record.case_name)
def test_bundled_scenarios_match_golden(path: Path) -> None:
    old = _golden(record.case_name(path))
    new = record.scenario_years(path)
    assert len(new) == len(old["years"])
    for r, o in zip(new, old["years"], strict=True):
        _same(r, o)


@pytest.mark.parametrize("seed", list(record.SEEDS))
def test_random_pooled_networks_match_golden(seed: int) -> None:
    net, plan, ctl = record.pooled_case(seed)
    assert len(net.countries) > 40  # the pooled market path
    (o,) = _golden(f"pooled-seed{seed}")["years"]
    _same(solve_year(net, plan, ctl), o)


def test_golden_comparison_fails_on_a_changed_result() -> None:
    net, plan, ctl = record.pooled_case(0)
    (o,) = _golden("pooled-seed0")["years"]
    r = solve_year(net, plan, ctl)
    worst = max(o["shortfall"], key=lambda k: o["shortfall"][k])
    bad = {**o, "shortfall": {**o["shortfall"], worst: o["shortfall"][worst] + 1.0}}
    with pytest.raises(AssertionError):
        _same(r, bad)


def test_feasible_baseline_solves_no_lp() -> None:
    out = np.array([[60.0, 40.0], [50.0, 50.0]])
    net = make_net(["A", "B"], out, np.array([30.0, 70.0]), capacity=out * 1.2)
    r = solve_year(net, plan_for(net), [ban("A", ["B"], 0.0)])
    assert r.lp_solves == 0 and not r.rerouted
    assert r.satisfied == pytest.approx(100.0)
    r = solve_year(net, plan_for(net), [ban("A", ["B"], 0.5)])
    assert r.lp_solves == 2
