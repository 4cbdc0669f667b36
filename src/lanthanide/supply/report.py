"""Reporting a solved year: nodes, flows, per-country and per-stage
shortfalls, re-routed flows and binding bounds with shadow prices, and the
balance check of a result from its reported numbers only."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from lanthanide.supply.layout import Layout
from lanthanide.supply.network import Network
from lanthanide.supply.plan import MARKET, Array, Plan, YearResult


def report_year(
    net: Network,
    plan: Plan,
    lay: Layout,
    x: Array,
    base: Array,
    ub: Array,
    marg: Array,
    ctl_masks: list[list[list[tuple[str, NDArray[np.bool_]]]]],
    best: float,
    elapsed: float,
    tol: float,
    noise: float = 0.0,
) -> YearResult:
    S = len(net.stages)
    ctry = net.countries
    n = len(ctry)
    stage_to = [*net.stages[1:], "demand"]
    nodes: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    rerouted: list[dict[str, Any]] = []
    binding: list[dict[str, Any]] = []
    matrices: list[Array] = []
    inflow: list[Array] = [np.zeros(0)]
    base_in: list[Array] = [np.zeros(0)]
    for s in range(S):
        st, st_to = net.stages[s], stage_to[s]
        recv = lay.recv[s]
        names_to = [ctry[j] for j in recv]
        R = len(recv)
        nc = len(lay.classes[s])
        ysl = slice(lay.y_off[s], lay.y_off[s] + nc * R)
        yv = x[ysl].reshape(nc, R)
        yb = base[ysl].reshape(nc, R)
        yu = ub[ysl].reshape(nc, R)
        ym = marg[ysl].reshape(nc, R)
        mat = np.zeros((n, n))
        for c, members in enumerate(lay.classes[s]):
            src = ctry[members[0]] if len(members) == 1 else MARKET
            pos = lay.out_off[s] + np.searchsorted(lay.ex[s], members)
            outs = x[pos]
            tot_out = outs.sum()
            vals, bs = yv[c], yb[c]
            if len(members) > 1:
                nodes.append(
                    {
                        "country": MARKET,
                        "stage": st,
                        "production": 0.0,
                        "inflow": float(tot_out),
                        "outflow": float(vals.sum()),
                        "capacity": None,
                    }
                )
                flows.extend(
                    {
                        "from": ctry[i],
                        "from_stage": st,
                        "to": MARKET,
                        "to_stage": st,
                        "value": v,
                        "baseline": None,
                    }
                    for i, v in zip(members, outs.tolist(), strict=True)
                    if v > 1e-12
                )
            w = outs / tot_out if tot_out > 0 else np.full(len(members), 1 / len(members))
            mat[np.ix_(np.asarray(members, dtype=np.int64), recv)] += np.outer(w, vals)
            vl, bl = vals.tolist(), bs.tolist()
            for k in np.nonzero((vals > 1e-12) | (bs > 1e-12))[0].tolist():
                flows.append(
                    {
                        "from": src,
                        "from_stage": st,
                        "to": names_to[k],
                        "to_stage": st_to,
                        "value": vl[k],
                        "baseline": bl[k],
                    }
                )
            for k in np.nonzero(np.abs(vals - bs) > np.maximum(tol, 1e-6 * bs))[0].tolist():
                rerouted.append(
                    {
                        "from": src,
                        "from_stage": st,
                        "to": names_to[k],
                        "to_stage": st_to,
                        "baseline": bl[k],
                        "value": vl[k],
                        "change": vl[k] - bl[k],
                    }
                )
            for k in np.nonzero(np.isfinite(yu[c]) & (vals >= yu[c] - tol))[0].tolist():
                binding.append(
                    {
                        "type": "control",
                        "from": src,
                        "stage": st,
                        "to": names_to[k],
                        "bound": float(yu[c, k]),
                        "controls": [lab for lab, mask in ctl_masks[s][c] if mask[k]],
                        "shadow_price": float(-ym[c, k]),
                    }
                )
        matrices.append(mat)
        inflow.append(yv.sum(axis=0))
        base_in.append(yb.sum(axis=0))
    for s in range(S):
        ex = lay.ex[s]
        sl = slice(lay.out_off[s], lay.out_off[s] + len(ex))
        vals_a = x[sl]
        caps_a = plan.capacity[s, ex]
        vals, caps, bases = vals_a.tolist(), caps_a.tolist(), base[sl].tolist()
        ins = inflow[s].tolist() if s > 0 else [0.0] * len(ex)
        st = net.stages[s]
        for k, i in enumerate(ex.tolist()):
            nodes.append(
                {
                    "country": ctry[i],
                    "stage": st,
                    "production": vals[k] if s == 0 else 0.0,
                    "inflow": ins[k],
                    "outflow": vals[k],
                    "capacity": caps[k],
                    "baseline_outflow": bases[k],
                }
            )
        mk = marg[sl]
        for k in np.nonzero((vals_a >= caps_a - tol) & (caps_a > 0))[0].tolist():
            binding.append(
                {
                    "type": "capacity",
                    "country": ctry[ex[k]],
                    "stage": st,
                    "bound": caps[k],
                    "shadow_price": float(-mk[k]),
                }
            )
    countries = []
    last = lay.recv[S - 1]
    dem = plan.demand[last].tolist()
    for k, j in enumerate(last.tolist()):
        sat = float(inflow[S][k])
        gap = dem[k] - sat
        countries.append(
            {
                "country": ctry[j],
                "demand": dem[k],
                "satisfied": sat,
                "shortfall": gap if gap > noise else 0.0,
                "baseline_satisfied": float(base_in[S][k]),
            }
        )
    stage_short = []
    for s in range(1, S + 1):
        recv = lay.recv[s - 1]
        now_a, b_a = inflow[s], base_in[s]
        for k in np.nonzero(b_a - now_a > max(tol, noise))[0].tolist():
            stage_short.append(
                {
                    "country": ctry[recv[k]],
                    "stage": stage_to[s - 1],
                    "baseline_receipts": float(b_a[k]),
                    "receipts": float(now_a[k]),
                    "shortfall": float(b_a[k] - now_a[k]),
                }
            )
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
        shortfall_tolerance=noise,
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
        outs[(f["from"], f["from_stage"])] = (
            outs.get((f["from"], f["from_stage"]), 0.0) + f["value"]
        )
        ins[(f["to"], f["to_stage"])] = ins.get((f["to"], f["to_stage"]), 0.0) + f["value"]
    worst = 0.0
    for n in nodes:
        key = (n["country"], n["stage"])
        scale = max(1.0, abs(n["outflow"]), abs(n["inflow"]))
        gap = n["outflow"] - n["inflow"] - n["production"]
        if gap > tol * scale:
            problems.append(
                f"{key}: ships {n['outflow']:.6g} > receives {n['inflow']:.6g} "
                f"+ produces {n['production']:.6g}"
            )
        if n["capacity"] is not None and n["outflow"] > n["capacity"] * (1 + 1e-9) + tol:
            problems.append(f"{key}: ships {n['outflow']:.6g} > capacity {n['capacity']:.6g}")
        e_out = outs.get(key, 0.0)
        e_in = ins.get(key, 0.0)
        d_out = abs(e_out - n["outflow"])
        d_in = abs(e_in - n["inflow"])
        worst = max(worst, d_out / scale, d_in / scale, max(gap, 0.0) / scale)
        if d_out > tol * scale or d_in > tol * scale:
            problems.append(
                f"{key}: node totals differ from its edges "
                f"(out {n['outflow']:.6g} vs {e_out:.6g}, "
                f"in {n['inflow']:.6g} vs {e_in:.6g})"
            )
    for c in countries:
        got = ins.get((c["country"], "demand"), 0.0)
        if abs(got - c["satisfied"]) > tol * max(1.0, got):
            problems.append(f"{c['country']}: satisfied {c['satisfied']:.6g} != edges {got:.6g}")
        if c["satisfied"] > c["demand"] * (1 + 1e-9) + tol:
            problems.append(
                f"{c['country']}: receives {c['satisfied']:.6g} > demand {c['demand']:.6g}"
            )
    return {
        "ok": not problems,
        "problems": problems[:50],
        "max_relative_gap": worst,
        "tolerance": tol,
    }
