"""Scenario solver: a linear programme per year, solved with SciPy's HiGHS.

Variables per year: ``out[s, i]`` (what stage s of country i ships, at most
its capacity) and ``y[s, c, j]`` (what exporter class c ships from stage s
to stage s+1 of country j, or to j's final demand after the last stage).
An exporter class is one country; when a stage has more than
``BILATERAL_LIMIT`` exporters, exporters that no control names (and are not
China) share a pooled ``market`` node, which keeps the programme linear in
the number of countries. Stage balance: what a stage ships equals what it
receives (yield 1 in content terms); the first stage produces what it ships.

1. maximise satisfied final demand;
2. holding that optimum, minimise re-routing: the sum of absolute changes of
   the ``y`` flows from their baseline;
3. holding both, share what is still unmet fairly (:func:`share_fairly`):
   minimise the largest relative shortfall ``shortfall_j / demand_j``, then
   the next largest, and so on (lexicographic max-min on the satisfied
   share of demand; progressive filling, one small LP per level). The
   vector of per-country satisfied demand that comes out is unique, so
   per-country answers no longer depend on which vertex HiGHS returns when
   flow patterns tie on 1 and 2. Fairness comes after re-routing on
   purpose: put first, it would move untargeted countries' non-Chinese
   supply to the country a control targets and so spread the burden of a
   targeted control over everybody, which is not what was observed (US-
   bound magnet exports fell in 2025, others did not).

A plan may carry ``floor``: a minimum satisfied demand per country (the
engine's build-out rule: a country keeps at least what it had without the
build-out; see :mod:`lanthanide.supply.engine`). Floors never lower the
maximum of 1 (any feasible flow can be augmented to a maximum flow
without taking from any sink).

Tolerances: stage 2 may lose at most ``1e-9 x total demand`` of the stage-1
optimum; a per-country shortfall below ``SHORTFALL_NOISE x total demand``
is reported as 0 (numerical noise of the LP, not a result); the balance
check runs on the exact values.

If the baseline itself is feasible (no control or capacity cuts it) and
meets all demand, it is the answer of both stages and no LP is solved; the
shadow prices are then 0 (all demand is met: relaxing a bound adds nothing).

A control bounds ``y[s, exporter, j] <= (1 - fraction) * baseline`` for the
destinations it covers. Every result is checked for balance.

The matrices depend only on which countries export at each stage and on the
exporter classes, not on the year's capacities, demand or baseline, so
:func:`solve_years` builds them once and re-uses them for every year with
the same layout; each year only changes bounds and right-hand sides.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, vstack

from lanthanide.supply.controls import FlowControl
from lanthanide.supply.fair import share_fairly
from lanthanide.supply.layout import Layout, build_layout, exporter_classes
from lanthanide.supply.network import Network
from lanthanide.supply.plan import (
    BILATERAL_LIMIT,
    FEASIBILITY_TOL,
    MARKET,
    SHORTFALL_NOISE,
    Plan,
    SolveError,
    YearResult,
)
from lanthanide.supply.report import check_balance, report_year

__all__ = [
    "BILATERAL_LIMIT",
    "MARKET",
    "SHORTFALL_NOISE",
    "Plan",
    "SolveError",
    "YearResult",
    "check_balance",
    "solve_year",
    "solve_years",
]


def solve_year(
    net: Network,
    plan: Plan,
    controls: list[FlowControl],
    tol: float = 1e-7,
    *,
    _cache: dict[Any, Layout] | None = None,
    _covers: dict[int, NDArray[np.bool_]] | None = None,
) -> YearResult:
    t0 = time.perf_counter()
    S = net.capacity.shape[0]
    countries = net.countries
    active = [fc for fc in controls if fc.active(plan.year)]
    ex = [np.nonzero(plan.capacity[s] > 0)[0].astype(np.int64) for s in range(S)]
    recv = [*ex[1:], np.nonzero(plan.demand > 0)[0].astype(np.int64)]
    classes = [exporter_classes(net, [int(i) for i in ex[s]], active, s) for s in range(S)]
    key = (
        tuple(e.tobytes() for e in ex),
        recv[-1].tobytes(),
        tuple(tuple(map(tuple, c)) for c in classes),
    )
    cache = {} if _cache is None else _cache
    lay = cache.get(key)
    if lay is None:
        lay = cache[key] = build_layout(net, ex, recv, classes)
    covers = {} if _covers is None else _covers
    for fc in active:
        if id(fc) not in covers:
            covers[id(fc)] = np.array([fc.covers(c) for c in countries], dtype=bool)

    nv = lay.nv
    lb = np.zeros(nv)
    ub = np.full(nv, np.inf)
    base = np.zeros(nv)
    # per (stage, class): the controls on that exporter, with their masks over receivers
    ctl_masks: list[list[list[tuple[str, NDArray[np.bool_]]]]] = []
    for s in range(S):
        n_out = len(ex[s])
        sl = slice(lay.out_off[s], lay.out_off[s] + n_out)
        ub[sl] = plan.capacity[s, ex[s]]
        base[sl] = plan.baseline[s][ex[s]].sum(axis=1)
        R = len(recv[s])
        b = lay.memb[s] @ plan.baseline[s][:, recv[s]]
        hi = np.full(b.shape, np.inf)
        per_class: list[list[tuple[str, NDArray[np.bool_]]]] = []
        for c, members in enumerate(classes[s]):
            found: list[tuple[str, NDArray[np.bool_]]] = []
            if len(members) == 1:
                exn = countries[members[0]]
                keep = np.ones(R)
                hit = np.zeros(R, dtype=bool)
                for fc in active:
                    if fc.exporter == exn and net.stages[s] in fc.stages:
                        mask = covers[id(fc)][recv[s]]
                        keep = np.where(mask, keep * (1.0 - fc.fraction), keep)
                        hit |= mask
                        found.append((fc.label, mask))
                hi[c] = np.where(hit, keep * b[c], np.inf)
            per_class.append(found)
        ctl_masks.append(per_class)
        ysl = slice(lay.y_off[s], lay.y_off[s] + b.size)
        base[ysl] = b.ravel()
        ub[ysl] = hi.ravel()

    dem_last = plan.demand[recv[-1]].astype(np.float64)
    scale = max(float(plan.demand.sum()), 1.0)
    # slack on the optimum and the floors: 1e-9 x demand, but never below
    # HiGHS' absolute feasibility tolerance (1e-7), which small networks
    # (an element group's layer of a few tonnes) would otherwise undercut
    ftol = max(1e-9 * scale, FEASIBILITY_TOL)
    marg = np.zeros(nv)
    solves = 0
    receipts = lay.a_ub @ base
    a_ub, b_ub = lay.a_ub, dem_last
    floor = (
        None
        if plan.floor is None
        else np.clip(np.minimum(plan.floor[recv[-1]], dem_last) - ftol, 0.0, None)
    )
    if floor is not None and np.any(floor > 0):
        a_ub = csr_matrix(vstack([lay.a_ub, -lay.a_ub]))
        b_ub = np.concatenate([dem_last, -floor])
    else:
        floor = None
    if (
        np.all(base <= ub + ftol)
        and np.all(np.abs(lay.a_eq @ base) <= ftol)
        and np.all(np.abs(receipts - dem_last) <= ftol)
    ):
        # the baseline is feasible and meets all demand: optimal for stage 1,
        # zero re-routing for stage 2, nothing left to share
        x = base.copy()
    else:
        cost = np.zeros(nv)
        cost[lay.y_last] = -1.0
        bounds = np.column_stack([lb, ub])
        res1 = linprog(
            cost / scale,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=lay.a_eq,
            b_eq=np.zeros(lay.a_eq.shape[0]),
            bounds=bounds,
            method="highs",
        )
        if res1.status != 0:
            raise SolveError(f"year {plan.year}: stage 1 failed: {res1.message}")
        best = -float(res1.fun) * scale
        if res1.upper is not None:
            marg = np.asarray(res1.upper.marginals) * scale

        # ---- stage 2: minimise re-routing at the optimum
        yv = lay.y_vars
        k = len(yv)
        n2 = nv + 2 * k
        b_eq2 = np.concatenate([np.zeros(lay.a_eq.shape[0]), base[yv]])
        a_ub2 = (
            lay.a_ub2
            if floor is None
            else csr_matrix(
                vstack([lay.a_ub2, hstack([-lay.a_ub, csr_matrix((len(dem_last), 2 * k))])])
            )
        )
        b_ub2 = np.concatenate([dem_last, [-(best - ftol)], *([] if floor is None else [-floor])])
        cost2 = np.concatenate([np.zeros(nv), np.ones(2 * k)]) / scale
        bounds2 = np.vstack([bounds, np.column_stack([np.zeros(2 * k), np.full(2 * k, np.inf)])])
        res2 = linprog(
            cost2,
            A_ub=a_ub2,
            b_ub=b_ub2,
            A_eq=lay.a_eq2,
            b_eq=b_eq2,
            bounds=bounds2,
            method="highs",
        )
        if res2.status != 0:
            raise SolveError(f"year {plan.year}: stage 2 failed: {res2.message}")
        x2 = np.asarray(res2.x)
        solves = 2
        short = dem_last - lay.a_ub @ x2[:nv]
        if float(np.clip(short, 0.0, None).sum()) > SHORTFALL_NOISE * scale:
            # ---- stage 3: share what is unmet fairly (unique per-country answer)
            x2, n3 = share_fairly(
                lay, a_ub2, b_ub2, b_eq2, bounds2, n2, dem_last, res2, scale, plan.year
            )
            solves += n3
        x = np.clip(x2[:nv], 0.0, None)
    elapsed = time.perf_counter() - t0
    best = float((lay.a_ub @ x).sum())
    r = report_year(
        net,
        plan,
        lay,
        x,
        base,
        ub,
        marg,
        ctl_masks,
        best,
        elapsed,
        tol * scale,
        SHORTFALL_NOISE * scale,
    )
    r.lp_solves = solves
    return r


def solve_years(
    net: Network, plans: list[Plan], controls: list[FlowControl], tol: float = 1e-7
) -> list[YearResult]:
    """Solve every year, re-using the LP matrices across years with the same layout."""
    cache: dict[Any, Layout] = {}
    covers: dict[int, NDArray[np.bool_]] = {}
    return [solve_year(net, p, controls, tol, _cache=cache, _covers=covers) for p in plans]
