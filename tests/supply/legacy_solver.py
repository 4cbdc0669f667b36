"""Frozen copy of the pre-optimisation solver (commit 74a60fb), kept as the
reference for the equivalence test and the benchmark's before/after table.
Do not edit: it documents what the optimised solver must reproduce."""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix

from lanthanide.supply.controls import FlowControl
from lanthanide.supply.network import Network

Array = NDArray[np.float64]
BILATERAL_LIMIT = 40
MARKET = "market"


@dataclass(slots=True)
class Plan:
    """Capacities, demand and baseline for one year."""

    year: int
    capacity: Array
    demand: Array
    baseline: list[Array]


@dataclass(slots=True)
class YearResult:
    year: int
    status: str
    demand: float
    satisfied: float
    nodes: list[dict[str, Any]]
    flows: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    stage_shortfall: list[dict[str, Any]]
    rerouted: list[dict[str, Any]]
    binding: list[dict[str, Any]]
    balance: dict[str, Any]
    solve_seconds: float
    matrices: list[Array] = field(default_factory=list)
    """Scenario flows as dense country x country matrices (pooled flows
    split in proportion to the pool's members), for metrics."""


class SolveError(RuntimeError):
    pass


def _classes(
    net: Network, exporters: list[int], controls: list[FlowControl], s: int
) -> list[list[int]]:
    if len(exporters) <= BILATERAL_LIMIT:
        return [[int(i)] for i in exporters]
    idx = net.index
    keep = {idx["CN"]} if "CN" in idx else set()
    for fc in controls:
        if net.stages[s] in fc.stages and fc.exporter in idx:
            keep.add(idx[fc.exporter])
    single = [[int(i)] for i in exporters if int(i) in keep]
    pooled = [int(i) for i in exporters if int(i) not in keep]
    return single + ([pooled] if pooled else [])


def solve_year(
    net: Network, plan: Plan, controls: list[FlowControl], tol: float = 1e-7
) -> YearResult:
    t0 = time.perf_counter()
    S, _N = net.capacity.shape
    countries = net.countries
    active = [fc for fc in controls if fc.active(plan.year)]
    exporters = [[int(i) for i in np.nonzero(plan.capacity[s] > 0)[0]] for s in range(S)]
    receivers = [*exporters[1:], [int(i) for i in np.nonzero(plan.demand > 0)[0]]]
    classes = [_classes(net, exporters[s], active, s) for s in range(S)]

    # ---- variable layout
    out_idx: list[dict[int, int]] = []
    y_idx: list[dict[tuple[int, int], int]] = []
    lb: list[float] = []
    ub: list[float] = []
    base: list[float] = []
    ctl_of: dict[int, list[str]] = {}
    nv = 0
    for s in range(S):
        m = {}
        for i in exporters[s]:
            m[int(i)] = nv
            lb.append(0.0)
            ub.append(float(plan.capacity[s, i]))
            base.append(float(plan.baseline[s][i].sum()))
            nv += 1
        out_idx.append(m)
        ym = {}
        for c, members in enumerate(classes[s]):
            for j in receivers[s]:
                b = float(plan.baseline[s][members, j].sum())
                hi = np.inf
                if len(members) == 1:
                    ex = countries[members[0]]
                    keep = 1.0
                    labels = []
                    for fc in active:
                        if fc.exporter == ex and net.stages[s] in fc.stages \
                                and fc.covers(countries[j]):
                            keep *= 1.0 - fc.fraction
                            labels.append(fc.label)
                    if labels:
                        hi = keep * b
                        ctl_of[nv] = labels
                ym[(c, j)] = nv
                lb.append(0.0)
                ub.append(hi)
                base.append(b)
                nv += 1
        y_idx.append(ym)

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    r = 0
    for s in range(S):
        for c, members in enumerate(classes[s]):
            for i in members:
                rows.append(r)
                cols.append(out_idx[s][i])
                vals.append(1.0)
            for j in receivers[s]:
                rows.append(r)
                cols.append(y_idx[s][(c, j)])
                vals.append(-1.0)
            r += 1
        if s >= 1:
            for j in exporters[s]:
                rows.append(r)
                cols.append(out_idx[s][j])
                vals.append(1.0)
                for c in range(len(classes[s - 1])):
                    rows.append(r)
                    cols.append(y_idx[s - 1][(c, j)])
                    vals.append(-1.0)
                r += 1
    a_eq = csr_matrix(coo_matrix((vals, (rows, cols)), shape=(r, nv)))
    b_eq = np.zeros(r)

    last = S - 1
    dem_rows: list[int] = []
    dem_cols: list[int] = []
    for k, j in enumerate(receivers[last]):
        for c in range(len(classes[last])):
            dem_rows.append(k)
            dem_cols.append(y_idx[last][(c, j)])
    n_dem = len(receivers[last])
    a_ub = csr_matrix(coo_matrix((np.ones(len(dem_rows)), (dem_rows, dem_cols)),
                                 shape=(n_dem, nv)))
    b_ub = plan.demand[receivers[last]].astype(np.float64)
    cost = np.zeros(nv)
    cost[list(y_idx[last].values())] = -1.0
    bounds = np.column_stack([lb, ub])
    scale = max(float(plan.demand.sum()), 1.0)

    res1 = linprog(cost / scale, A_ub=a_ub, b_ub=b_ub / 1.0, A_eq=a_eq, b_eq=b_eq,
                   bounds=bounds, method="highs")
    if res1.status != 0:
        raise SolveError(f"year {plan.year}: stage 1 failed: {res1.message}")
    best = -float(res1.fun) * scale
    up_marg = (np.asarray(res1.upper.marginals) if res1.upper is not None else np.zeros(nv)) * scale

    # ---- stage 2: minimise re-routing at the optimum
    y_vars = np.array(sorted(v for ym in y_idx for v in ym.values()), dtype=np.int64)
    k = len(y_vars)
    base_arr = np.asarray(base)
    dev_eq = coo_matrix(
        (np.concatenate([np.ones(k), -np.ones(k), np.ones(k)]),
         (np.concatenate([np.arange(k)] * 3),
          np.concatenate([y_vars, nv + np.arange(k), nv + k + np.arange(k)]))),
        shape=(k, nv + 2 * k),
    )
    a_eq2 = _vstack(_hpad(a_eq, 2 * k), dev_eq)
    b_eq2 = np.concatenate([b_eq, base_arr[y_vars]])
    keep_row = coo_matrix((-np.ones(len(y_idx[last])), (np.zeros(len(y_idx[last]), dtype=int),
                           list(y_idx[last].values()))), shape=(1, nv + 2 * k))
    a_ub2 = _vstack(_hpad(a_ub, 2 * k), keep_row)
    b_ub2 = np.concatenate([b_ub, [-(best - 1e-7 * scale)]])
    cost2 = np.concatenate([np.zeros(nv), np.ones(2 * k)]) / scale
    bounds2 = np.vstack([bounds, np.column_stack([np.zeros(2 * k), np.full(2 * k, np.inf)])])
    res2 = linprog(cost2, A_ub=a_ub2, b_ub=b_ub2, A_eq=a_eq2, b_eq=b_eq2, bounds=bounds2,
                   method="highs")
    if res2.status != 0:
        raise SolveError(f"year {plan.year}: stage 2 failed: {res2.message}")
    x = np.clip(np.asarray(res2.x[:nv]), 0.0, None)
    elapsed = time.perf_counter() - t0
    return _report(net, plan, classes, exporters, receivers, out_idx, y_idx, x, base_arr,
                   np.asarray(ub), up_marg, ctl_of, best, elapsed, tol * scale)


def _hpad(m: csr_matrix, extra: int) -> csr_matrix:
    c = m.tocoo()
    return csr_matrix(coo_matrix((c.data, (c.row, c.col)), shape=(m.shape[0], m.shape[1] + extra)))


def _vstack(a: csr_matrix, b: coo_matrix) -> csr_matrix:
    from scipy.sparse import vstack

    return csr_matrix(vstack([a, b]))


def _name(net: Network, members: list[int]) -> str:
    return net.countries[members[0]] if len(members) == 1 else MARKET


def _report(
    net: Network,
    plan: Plan,
    classes: list[list[list[int]]],
    exporters: list[list[int]],
    receivers: list[list[int]],
    out_idx: list[dict[int, int]],
    y_idx: list[dict[tuple[int, int], int]],
    x: Array,
    base: Array,
    ub: Array,
    marg: Array,
    ctl_of: dict[int, list[str]],
    best: float,
    elapsed: float,
    tol: float,
) -> YearResult:
    S = len(net.stages)
    ctry = net.countries
    stage_to = [*net.stages[1:], "demand"]
    nodes: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    rerouted: list[dict[str, Any]] = []
    binding: list[dict[str, Any]] = []
    matrices: list[Array] = []
    inflow_of: list[dict[int, float]] = [{} for _ in range(S + 1)]
    base_in: list[dict[int, float]] = [{} for _ in range(S + 1)]
    for s in range(S):
        mat = np.zeros((len(ctry), len(ctry)))
        for c, members in enumerate(classes[s]):
            src = _name(net, members)
            outs = np.array([x[out_idx[s][i]] for i in members])
            tot_out = outs.sum()
            if len(members) > 1:
                nodes.append({"country": MARKET, "stage": net.stages[s], "production": 0.0,
                              "inflow": float(tot_out), "outflow": 0.0, "capacity": None})
                for i, v in zip(members, outs, strict=True):
                    if v > 1e-12:
                        flows.append({"from": ctry[i], "from_stage": net.stages[s],
                                      "to": MARKET, "to_stage": net.stages[s],
                                      "value": float(v), "baseline": None})
            for j in receivers[s]:
                v = int(y_idx[s][(c, j)])
                val, b = float(x[v]), float(base[v])
                inflow_of[s + 1][j] = inflow_of[s + 1].get(j, 0.0) + val
                base_in[s + 1][j] = base_in[s + 1].get(j, 0.0) + b
                if len(members) > 1:
                    nodes[-1]["outflow"] += val
                w = outs / tot_out if tot_out > 0 else np.full(len(members), 1 / len(members))
                mat[members, j] += w * val
                if val > 1e-12 or b > 1e-12:
                    flows.append({"from": src, "from_stage": net.stages[s], "to": ctry[j],
                                  "to_stage": stage_to[s], "value": val, "baseline": b})
                if abs(val - b) > max(tol, 1e-6 * b):
                    rerouted.append({"from": src, "from_stage": net.stages[s], "to": ctry[j],
                                     "to_stage": stage_to[s], "baseline": b, "value": val,
                                     "change": val - b})
                if np.isfinite(ub[v]) and val >= ub[v] - tol:
                    binding.append({"type": "control", "from": src, "stage": net.stages[s],
                                    "to": ctry[j], "bound": float(ub[v]),
                                    "controls": ctl_of.get(v, []),
                                    "shadow_price": float(-marg[v])})
        matrices.append(mat)
    for s in range(S):
        for i, v in out_idx[s].items():
            val = float(x[v])
            cap = float(plan.capacity[s, i])
            nodes.append({
                "country": ctry[i],
                "stage": net.stages[s],
                "production": val if s == 0 else 0.0,
                "inflow": inflow_of[s].get(i, 0.0) if s > 0 else 0.0,
                "outflow": val,
                "capacity": cap,
                "baseline_outflow": float(base[v]),
            })
            if val >= cap - tol and cap > 0:
                binding.append({"type": "capacity", "country": ctry[i], "stage": net.stages[s],
                                "bound": cap, "shadow_price": float(-marg[v])})
    countries = []
    for j in receivers[S - 1]:
        d = float(plan.demand[j])
        sat = inflow_of[S].get(j, 0.0)
        countries.append({"country": ctry[j], "demand": d, "satisfied": sat,
                          "shortfall": max(0.0, d - sat),
                          "baseline_satisfied": base_in[S].get(j, 0.0)})
    stage_short = []
    for s in range(1, S + 1):
        for j, b in base_in[s].items():
            now = inflow_of[s].get(j, 0.0)
            if b - now > tol:
                stage_short.append({"country": ctry[j], "stage": stage_to[s - 1],
                                    "baseline_receipts": b, "receipts": now,
                                    "shortfall": b - now})
    balance = check_balance(nodes, flows, countries, tol=max(tol, 1e-6))
    total_d = float(plan.demand.sum())
    return YearResult(
        year=plan.year,
        status="optimal",
        demand=total_d,
        satisfied=best,
        nodes=nodes,
        flows=flows,
        countries=countries,
        stage_shortfall=stage_short,
        rerouted=rerouted,
        binding=binding,
        balance=balance,
        solve_seconds=elapsed,
        matrices=matrices,
    )


def check_balance(
    nodes: list[dict[str, Any]],
    flows: list[dict[str, Any]],
    countries: list[dict[str, Any]],
    tol: float = 1e-6,
) -> dict[str, Any]:
    """Check a result from its reported numbers only (what a reader can redo):
    no node ships more than it receives plus produces, no node exceeds its
    capacity, node inflows and outflows equal the sums of their edges, no
    country receives more than its demand, no flow is negative."""
    problems: list[str] = []
    ins: dict[tuple[str, str], float] = {}
    outs: dict[tuple[str, str], float] = {}
    for f in flows:
        if f["value"] < -tol:
            problems.append(f"negative flow {f['from']}->{f['to']} at {f['from_stage']}")
        outs[(f["from"], f["from_stage"])] = outs.get((f["from"], f["from_stage"]), 0.0) \
            + f["value"]
        ins[(f["to"], f["to_stage"])] = ins.get((f["to"], f["to_stage"]), 0.0) + f["value"]
    worst = 0.0
    for n in nodes:
        key = (n["country"], n["stage"])
        scale = max(1.0, abs(n["outflow"]), abs(n["inflow"]))
        gap = n["outflow"] - n["inflow"] - n["production"]
        if gap > tol * scale:
            problems.append(f"{key}: ships {n['outflow']:.6g} > receives {n['inflow']:.6g} "
                            f"+ produces {n['production']:.6g}")
        if n["capacity"] is not None and n["outflow"] > n["capacity"] * (1 + 1e-9) + tol:
            problems.append(f"{key}: ships {n['outflow']:.6g} > capacity {n['capacity']:.6g}")
        e_out = outs.get(key, 0.0)
        e_in = ins.get(key, 0.0)
        d_out = abs(e_out - n["outflow"])
        d_in = abs(e_in - n["inflow"])
        worst = max(worst, d_out / scale, d_in / scale, max(gap, 0.0) / scale)
        if d_out > tol * scale or d_in > tol * scale:
            problems.append(f"{key}: node totals differ from its edges "
                            f"(out {n['outflow']:.6g} vs {e_out:.6g}, "
                            f"in {n['inflow']:.6g} vs {e_in:.6g})")
    for c in countries:
        got = ins.get((c["country"], "demand"), 0.0)
        if abs(got - c["satisfied"]) > tol * max(1.0, got):
            problems.append(f"{c['country']}: satisfied {c['satisfied']:.6g} != edges {got:.6g}")
        if c["satisfied"] > c["demand"] * (1 + 1e-9) + tol:
            problems.append(f"{c['country']}: receives {c['satisfied']:.6g} > demand "
                            f"{c['demand']:.6g}")
    return {"ok": not problems, "problems": problems[:50], "max_relative_gap": worst,
            "tolerance": tol}
