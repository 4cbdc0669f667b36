"""Run a scenario end to end and shape the result (plain dicts for JSON)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from lanthanide.supply import metrics
from lanthanide.supply.controls import resolve
from lanthanide.supply.network import Array, Network, build
from lanthanide.supply.scenario import Scenario
from lanthanide.supply.solve import Plan, YearResult, solve_years


def extend(net: Network, codes: list[str]) -> Network:
    """The network with extra (empty) countries appended."""
    new = [c for c in dict.fromkeys(codes) if c not in net.index]
    if not new:
        return net
    k = len(new)
    n = len(net.countries)

    def pad(m: Array) -> Array:
        out = np.zeros((n + k, n + k))
        out[:n, :n] = m
        return out

    return Network(
        commodity=net.commodity, year=net.year, unit=net.unit, edition=net.edition,
        stages=net.stages, countries=(*net.countries, *new),
        output=np.hstack([net.output, np.zeros((net.output.shape[0], k))]),
        capacity=np.hstack([net.capacity, np.zeros((net.capacity.shape[0], k))]),
        demand=np.concatenate([net.demand, np.zeros(k)]),
        flows=[pad(f) for f in net.flows], notes=net.notes,
    )


def plans(net: Network, scn: Scenario) -> list[Plan]:
    idx = net.index
    out = []
    demand = net.demand.copy()
    for c, v in scn.demand.items():
        demand[idx[c]] = v
    g0 = scn.assumptions.demand_growth
    for y in scn.run_years:
        g = (1.0 + g0) ** (y - scn.base_year)
        cap = net.capacity.copy()
        for b in scn.buildout:
            if b.year <= y:
                cap[net.stages.index(b.stage), idx[b.country]] += b.capacity
        # baseline flows re-scaled so that their final deliveries match demand
        base_dem = net.flows[-1].sum(axis=0)
        ratio = np.divide(demand, base_dem, out=np.ones_like(demand), where=base_dem > 0)
        baseline = [f * g for f in net.flows]
        baseline[-1] = baseline[-1] * ratio[None, :]
        out.append(Plan(year=y, capacity=cap, demand=demand * g, baseline=baseline))
    return out


def prepare(scn: Scenario) -> Network:
    net = build(scn.commodity, scn.base_year, edition=scn.edition,
                spare_capacity=scn.assumptions.spare_capacity)
    extra = [b.country for b in scn.buildout] + list(scn.demand)
    return extend(net, extra)


def run(scn: Scenario, net: Network | None = None) -> dict[str, Any]:
    """Solve a scenario; the JSON-ready result."""
    t0 = time.perf_counter()
    net = net or prepare(scn)
    controls, report = resolve(scn)
    results = solve_years(net, plans(net, scn), controls)
    return shape(scn, net, results, report, time.perf_counter() - t0)


def through_china(net: Network, mats: list[Array]) -> dict[str, float]:
    if "CN" not in net.index:
        return {}
    t = metrics.touched_share(mats, net.index["CN"])[-1]
    recv = mats[-1].sum(axis=0)
    return {c: float(t[k]) for k, c in enumerate(net.countries) if recv[k] > 0}


def shape(
    scn: Scenario,
    net: Network,
    results: list[YearResult],
    report: list[dict[str, object]],
    seconds: float,
) -> dict[str, Any]:
    base_tc = through_china(net, net.flows)
    years: list[dict[str, Any]] = []
    for r in results:
        tc = through_china(net, r.matrices)
        for c in r.countries:
            c["through_china_share"] = tc.get(c["country"], 0.0)
            c["baseline_through_china_share"] = base_tc.get(c["country"])
        years.append({
            "year": r.year,
            "status": r.status,
            "demand": r.demand,
            "satisfied": r.satisfied,
            "shortfall": max(0.0, r.demand - r.satisfied),
            "shortfall_share": (r.demand - r.satisfied) / r.demand if r.demand else 0.0,
            "balance": r.balance,
            "countries": r.countries,
            "stage_shortfall": r.stage_shortfall,
            "rerouted": r.rerouted,
            "binding": r.binding,
            "nodes": r.nodes,
            "flows": r.flows,
            "solve_seconds": r.solve_seconds,
        })
    return {
        "scenario": scn.name,
        "description": scn.description,
        "commodity": scn.commodity,
        "unit": net.unit,
        "base_year": scn.base_year,
        "edition": net.edition,
        "assumptions": scn.assumptions.model_dump(),
        "stages": [*net.stages, "demand"],
        "controls": report,
        "balance_ok": all(y["balance"]["ok"] for y in years),
        "years": years,
        "data_notes": net.notes,
        "solve_seconds": seconds,
    }
