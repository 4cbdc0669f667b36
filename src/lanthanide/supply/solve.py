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
3. holding both, share what is still unmet fairly (:func:`_share_fairly`):
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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

from lanthanide.supply.controls import FlowControl
from lanthanide.supply.network import Network

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BILATERAL_LIMIT = 40
MARKET = "market"
SHORTFALL_NOISE = 1e-6
"""A country's shortfall below this fraction of the year's total demand is
numerical noise of the LP and reported as 0 (HiGHS solves to ~1e-7)."""


@dataclass(slots=True)
class Plan:
    """Capacities, demand and baseline for one year."""

    year: int
    capacity: Array
    demand: Array
    baseline: list[Array]
    floor: Array | None = None
    """Minimum satisfied final demand per country (N,), or None."""


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
    lp_solves: int = 0
    """How many LPs were solved for this year (0 when the baseline is feasible)."""
    shortfall_tolerance: float = 0.0
    """Per-country shortfalls below this (commodity unit) are reported as 0."""


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


@dataclass(slots=True)
class _Layout:
    """Variable layout and constraint matrices shared by years with the same
    exporters, receivers and exporter classes."""

    ex: list[IntArray]
    recv: list[IntArray]
    classes: list[list[list[int]]]
    out_off: list[int]
    y_off: list[int]
    nv: int
    memb: list[Array]
    """Per stage, (classes x countries) 0/1 membership."""
    a_eq: csr_matrix
    a_ub: csr_matrix
    out_vars: IntArray
    y_vars: IntArray
    y_last: IntArray
    a_eq2: csr_matrix
    a_ub2: csr_matrix


def _layout(net: Network, ex: list[IntArray], recv: list[IntArray],
            classes: list[list[list[int]]]) -> _Layout:
    S, N = len(ex), len(net.countries)
    out_off: list[int] = []
    y_off: list[int] = []
    nv = 0
    for s in range(S):
        out_off.append(nv)
        nv += len(ex[s])
        y_off.append(nv)
        nv += len(classes[s]) * len(recv[s])
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[Array] = []
    memb: list[Array] = []
    r = 0
    for s in range(S):
        nc, R = len(classes[s]), len(recv[s])
        m = np.zeros((nc, N))
        for c, members in enumerate(classes[s]):
            m[c, members] = 1.0
            pos = np.searchsorted(ex[s], members)
            rows.append(np.full(len(members), r + c, dtype=np.int64))
            cols.append(out_off[s] + pos.astype(np.int64))
            vals.append(np.ones(len(members)))
        memb.append(m)
        # class rows: - sum_j y[s, c, j]
        rows.append(np.repeat(np.arange(r, r + nc, dtype=np.int64), R))
        cols.append(y_off[s] + np.arange(nc * R, dtype=np.int64))
        vals.append(-np.ones(nc * R))
        r += nc
        if s >= 1:
            # inflow rows: out[s, j] - sum_c y[s-1, c, j]  (recv[s-1] == ex[s])
            n_in, nc_p, R_p = len(ex[s]), len(classes[s - 1]), len(recv[s - 1])
            rows.append(np.arange(r, r + n_in, dtype=np.int64))
            cols.append(out_off[s] + np.arange(n_in, dtype=np.int64))
            vals.append(np.ones(n_in))
            kk = np.arange(n_in, dtype=np.int64)
            rows.append(np.tile(r + kk, nc_p))
            cols.append((y_off[s - 1] + np.arange(nc_p, dtype=np.int64)[:, None] * R_p
                         + kk[None, :]).ravel())
            vals.append(-np.ones(nc_p * n_in))
            r += n_in
    a_eq = csr_matrix(coo_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                         np.concatenate(cols)))),
                      shape=(r, nv))
    last = S - 1
    nc_l, R_l = len(classes[last]), len(recv[last])
    y_last = (y_off[last] + np.arange(nc_l * R_l, dtype=np.int64))
    a_ub = csr_matrix(coo_matrix((np.ones(nc_l * R_l),
                                  (np.tile(np.arange(R_l, dtype=np.int64), nc_l), y_last)),
                                 shape=(R_l, nv)))
    out_vars = np.concatenate([out_off[s] + np.arange(len(ex[s]), dtype=np.int64)
                               for s in range(S)])
    y_vars = np.concatenate([y_off[s] + np.arange(len(classes[s]) * len(recv[s]),
                                                  dtype=np.int64) for s in range(S)])
    # stage 2: [x | d+ | d-] with y - d+ + d- = baseline (one row per flow)
    k = len(y_vars)
    dev_eq = coo_matrix(
        (np.concatenate([np.ones(k), -np.ones(k), np.ones(k)]),
         (np.concatenate([np.arange(k)] * 3),
          np.concatenate([y_vars, nv + np.arange(k), nv + k + np.arange(k)]))),
        shape=(k, nv + 2 * k),
    )
    a_eq2 = csr_matrix(vstack([hstack([a_eq, csr_matrix((a_eq.shape[0], 2 * k))]), dev_eq]))
    keep_row = coo_matrix((-np.ones(len(y_last)), (np.zeros(len(y_last), dtype=np.int64),
                                                   y_last)), shape=(1, nv + 2 * k))
    a_ub2 = csr_matrix(vstack([hstack([a_ub, csr_matrix((R_l, 2 * k))]), keep_row]))
    return _Layout(ex, recv, classes, out_off, y_off, nv, memb, a_eq, a_ub, out_vars, y_vars,
                   y_last, a_eq2, a_ub2)


def solve_year(
    net: Network, plan: Plan, controls: list[FlowControl], tol: float = 1e-7,
    *, _cache: dict[Any, _Layout] | None = None,
    _covers: dict[int, NDArray[np.bool_]] | None = None,
) -> YearResult:
    t0 = time.perf_counter()
    S = net.capacity.shape[0]
    countries = net.countries
    active = [fc for fc in controls if fc.active(plan.year)]
    ex = [np.nonzero(plan.capacity[s] > 0)[0].astype(np.int64) for s in range(S)]
    recv = [*ex[1:], np.nonzero(plan.demand > 0)[0].astype(np.int64)]
    classes = [_classes(net, [int(i) for i in ex[s]], active, s) for s in range(S)]
    key = (tuple(e.tobytes() for e in ex), recv[-1].tobytes(),
           tuple(tuple(map(tuple, c)) for c in classes))
    cache = {} if _cache is None else _cache
    lay = cache.get(key)
    if lay is None:
        lay = cache[key] = _layout(net, ex, recv, classes)
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
        b = (lay.memb[s] @ plan.baseline[s][:, recv[s]])
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
    ftol = 1e-9 * scale
    marg = np.zeros(nv)
    solves = 0
    receipts = lay.a_ub @ base
    a_ub, b_ub = lay.a_ub, dem_last
    floor = None if plan.floor is None else np.clip(
        np.minimum(plan.floor[recv[-1]], dem_last) - ftol, 0.0, None)
    if floor is not None and np.any(floor > 0):
        a_ub = csr_matrix(vstack([lay.a_ub, -lay.a_ub]))
        b_ub = np.concatenate([dem_last, -floor])
    else:
        floor = None
    if (np.all(base <= ub + ftol) and np.all(np.abs(lay.a_eq @ base) <= ftol)
            and np.all(np.abs(receipts - dem_last) <= ftol)):
        # the baseline is feasible and meets all demand: optimal for stage 1,
        # zero re-routing for stage 2, nothing left to share
        x = base.copy()
    else:
        cost = np.zeros(nv)
        cost[lay.y_last] = -1.0
        bounds = np.column_stack([lb, ub])
        res1 = linprog(cost / scale, A_ub=a_ub, b_ub=b_ub, A_eq=lay.a_eq,
                       b_eq=np.zeros(lay.a_eq.shape[0]), bounds=bounds, method="highs")
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
        a_ub2 = lay.a_ub2 if floor is None else csr_matrix(
            vstack([lay.a_ub2, hstack([-lay.a_ub, csr_matrix((len(dem_last), 2 * k))])]))
        b_ub2 = np.concatenate([dem_last, [-(best - ftol)],
                                *([] if floor is None else [-floor])])
        cost2 = np.concatenate([np.zeros(nv), np.ones(2 * k)]) / scale
        bounds2 = np.vstack([bounds, np.column_stack([np.zeros(2 * k), np.full(2 * k, np.inf)])])
        res2 = linprog(cost2, A_ub=a_ub2, b_ub=b_ub2, A_eq=lay.a_eq2, b_eq=b_eq2,
                       bounds=bounds2, method="highs")
        if res2.status != 0:
            raise SolveError(f"year {plan.year}: stage 2 failed: {res2.message}")
        x2 = np.asarray(res2.x)
        solves = 2
        short = dem_last - lay.a_ub @ x2[:nv]
        if float(np.clip(short, 0.0, None).sum()) > SHORTFALL_NOISE * scale:
            # ---- stage 3: share what is unmet fairly (unique per-country answer)
            x2, n3 = _share_fairly(lay, a_ub2, b_ub2, b_eq2, bounds2, n2, dem_last,
                                   res2, scale, plan.year)
            solves += n3
        x = np.clip(x2[:nv], 0.0, None)
    elapsed = time.perf_counter() - t0
    best = float((lay.a_ub @ x).sum())
    r = _report(net, plan, lay, x, base, ub, marg, ctl_masks, best, elapsed, tol * scale,
                SHORTFALL_NOISE * scale)
    r.lp_solves = solves
    return r


def _share_fairly(
    lay: _Layout, a_ub2: csr_matrix, b_ub2: Array, b_eq2: Array, bounds2: Array, n2: int,
    dem: Array, res2: Any, scale: float, year: int,
) -> tuple[Array, int]:
    """Stage 3: lexicographic max-min of the satisfied share of demand among
    the solutions optimal for stages 1 and 2 (progressive filling).

    The optimal face of stage 2 is taken from its dual (complementary
    slackness): a variable with a non-zero reduced cost stays at its bound
    and an inequality row with a non-zero dual stays tight; every point that
    keeps those is optimal for stage 2 (and so for stage 1, whose optimum is
    a row of stage 2). This keeps the programme small (HiGHS' presolve drops
    the fixed variables) instead of adding a dense re-routing row.

    Each round minimises ``t`` with ``shortfall_j <= t x demand_j`` for the
    countries not yet fixed; a country whose row has a non-zero dual cannot
    go below ``t`` in any optimum, so it is fixed at ``t`` and the next round
    lowers the others. The duals of those rows sum to 1, so each round fixes
    at least one country. Returns the flows of the last round and the
    number of LPs solved.
    """
    x2 = np.asarray(res2.x)
    need = np.nonzero(dem > 0)[0]
    m = len(need)
    if m == 0:
        return x2, 0
    tol = 1e-9 * scale
    nt = n2 + 1  # variable t last
    a_ub2 = csr_matrix(a_ub2)
    # shortfall_j - t d_j <= 0  <=>  -receipts_j - t d_j <= -d_j
    rec = lay.a_ub[need]
    rows_sh = csr_matrix(hstack([
        -rec, csr_matrix((m, n2 - lay.nv)),
        csr_matrix((-dem[need], (np.arange(m), np.zeros(m, dtype=np.int64))), shape=(m, 1))]))
    rows_fx = csr_matrix(hstack([-rec, csr_matrix((m, n2 - lay.nv + 1))]))

    def face(exact: bool) -> tuple[csr_matrix, Array, csr_matrix, Array, Array]:
        """Rows and bounds that keep stage 2 optimal: from its dual (small),
        or, if that proves numerically infeasible, with a dense row holding
        the re-routing at its minimum."""
        x2c = np.clip(x2, bounds2[:, 0], bounds2[:, 1])
        if exact:
            rc_eps = 1e-7 / scale  # stage-2 costs are 1/scale per unit of deviation
            lo = np.asarray(res2.lower.marginals)
            up = np.asarray(res2.upper.marginals)
            fix = (lo > rc_eps) | ((up < -rc_eps) & np.isfinite(bounds2[:, 1]))
            b3 = bounds2.copy()
            b3[fix, 0] = x2c[fix]
            b3[fix, 1] = x2c[fix]
            tight = np.abs(np.asarray(res2.ineqlin.marginals)) > rc_eps
            eq_rows, ub_rows = np.nonzero(tight)[0], np.nonzero(~tight)[0]
            a_k = csr_matrix(hstack([a_ub2[ub_rows], csr_matrix((len(ub_rows), 1))]))
            b_k = b_ub2[ub_rows]
            a_e = csr_matrix(vstack([
                hstack([lay.a_eq2, csr_matrix((lay.a_eq2.shape[0], 1))]),
                hstack([a_ub2[eq_rows], csr_matrix((len(eq_rows), 1))]),
            ]))
            # a tight row keeps the value it has in the stage-2 solution
            b_e = np.concatenate([b_eq2, a_ub2[eq_rows] @ x2c])
            return a_k, b_k, a_e, b_e, np.vstack([b3, [[0.0, 1.0]]])
        k = n2 - lay.nv
        keep = csr_matrix((np.ones(k), (np.zeros(k, dtype=np.int64), np.arange(lay.nv, n2))),
                          shape=(1, nt))
        a_k = csr_matrix(vstack([hstack([a_ub2, csr_matrix((a_ub2.shape[0], 1))]), keep]))
        b_k = np.concatenate([b_ub2, [float(res2.fun) * scale * (1 + 1e-9) + tol]])
        a_e = csr_matrix(hstack([lay.a_eq2, csr_matrix((lay.a_eq2.shape[0], 1))]))
        return a_k, b_k, a_e, b_eq2, np.vstack([bounds2, [[0.0, 1.0]]])

    exact = True
    a_ub_keep, b_keep, a_eq3, b_eq3, bounds3 = face(exact)
    cost = np.zeros(nt)
    cost[-1] = 1.0
    level = np.full(m, np.nan)
    x = x2
    solves = 0
    dn = dem[need]
    while np.isnan(level).any():
        free = np.isnan(level)
        fi, xi = np.nonzero(free)[0], np.nonzero(~free)[0]
        a3 = csr_matrix(vstack([a_ub_keep, rows_sh[fi], rows_fx[xi]]))
        b_ub3 = np.concatenate([b_keep, -dn[free], -(dn[~free] * (1 - level[~free])) + tol])
        res = linprog(cost, A_ub=a3, b_ub=b_ub3, A_eq=a_eq3, b_eq=b_eq3, bounds=bounds3,
                      method="highs")
        solves += 1
        if res.status != 0 and exact:
            exact = False
            a_ub_keep, b_keep, a_eq3, b_eq3, bounds3 = face(exact)
            level[:] = np.nan
            continue
        if res.status != 0:
            raise SolveError(f"year {year}: stage 3 (fair sharing) failed: {res.message}")
        x = np.asarray(res.x[:n2])
        t = float(res.x[-1])
        if t <= 1e-9:
            level[free] = 0.0
            break
        k0 = a_ub_keep.shape[0]
        d = np.abs(np.asarray(res.ineqlin.marginals)[k0:k0 + len(fi)])
        hit = d > 1e-9
        # the duals may name only one of several countries stuck at t
        # (degenerate LP); a second LP asks every free country at once to go
        # a little below t: max sum s_j / sigma, s_j in [0, sigma], with
        # sigma = 1e-6 x total demand (well above the solver's feasibility
        # tolerance). A country that cannot reach half of it is stuck at t
        # (exact up to sigma x the number of countries, i.e. noise).
        nf = len(fi)
        if nf > 1 and not hit.all():
            sigma = 1e-6 * scale
            a_b = csr_matrix(vstack([
                hstack([a_ub_keep, csr_matrix((a_ub_keep.shape[0], nf))]),
                hstack([rows_sh[fi], csr_matrix(np.eye(nf))]),
                hstack([rows_fx[xi], csr_matrix((len(xi), nf))]),
            ]))
            a_eq_b = csr_matrix(hstack([a_eq3, csr_matrix((a_eq3.shape[0], nf))]))
            bnd_b = np.vstack([bounds3[:-1], [[t, t]],
                               np.column_stack([np.zeros(nf), np.full(nf, sigma)])])
            cost_b = np.concatenate([np.zeros(nt), np.full(nf, -1.0 / sigma)])
            res_b = linprog(cost_b, A_ub=a_b, b_ub=b_ub3, A_eq=a_eq_b, b_eq=b_eq3,
                            bounds=bnd_b, method="highs")
            solves += 1
            if res_b.status == 0:
                hit |= np.asarray(res_b.x[nt:]) < 0.5 * sigma
        if not hit.any():  # degenerate: fix the countries at the level instead
            sh = dn[free] - rec[fi] @ x[:lay.nv]
            hit = sh >= t * dn[free] - tol
        level[fi[hit]] = t
        # countries still free with no shortfall in this solution are at the
        # lowest level there is (0): no further round needed
        free = np.isnan(level)
        sh = dn[free] - rec[np.nonzero(free)[0]] @ x[:lay.nv]
        if np.all(sh <= tol):
            level[free] = 0.0
    return x, solves


def solve_years(
    net: Network, plans: list[Plan], controls: list[FlowControl], tol: float = 1e-7
) -> list[YearResult]:
    """Solve every year, re-using the LP matrices across years with the same layout."""
    cache: dict[Any, _Layout] = {}
    covers: dict[int, NDArray[np.bool_]] = {}
    return [solve_year(net, p, controls, tol, _cache=cache, _covers=covers) for p in plans]


def _report(
    net: Network,
    plan: Plan,
    lay: _Layout,
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
                nodes.append({"country": MARKET, "stage": st, "production": 0.0,
                              "inflow": float(tot_out), "outflow": float(vals.sum()),
                              "capacity": None})
                flows.extend({"from": ctry[i], "from_stage": st, "to": MARKET, "to_stage": st,
                              "value": v, "baseline": None}
                             for i, v in zip(members, outs.tolist(), strict=True) if v > 1e-12)
            w = outs / tot_out if tot_out > 0 else np.full(len(members), 1 / len(members))
            mat[np.ix_(np.asarray(members, dtype=np.int64), recv)] += np.outer(w, vals)
            vl, bl = vals.tolist(), bs.tolist()
            for k in np.nonzero((vals > 1e-12) | (bs > 1e-12))[0].tolist():
                flows.append({"from": src, "from_stage": st, "to": names_to[k], "to_stage": st_to,
                              "value": vl[k], "baseline": bl[k]})
            for k in np.nonzero(np.abs(vals - bs) > np.maximum(tol, 1e-6 * bs))[0].tolist():
                rerouted.append({"from": src, "from_stage": st, "to": names_to[k],
                                 "to_stage": st_to, "baseline": bl[k], "value": vl[k],
                                 "change": vl[k] - bl[k]})
            for k in np.nonzero(np.isfinite(yu[c]) & (vals >= yu[c] - tol))[0].tolist():
                binding.append({"type": "control", "from": src, "stage": st, "to": names_to[k],
                                "bound": float(yu[c, k]),
                                "controls": [lab for lab, mask in ctl_masks[s][c] if mask[k]],
                                "shadow_price": float(-ym[c, k])})
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
            nodes.append({
                "country": ctry[i],
                "stage": st,
                "production": vals[k] if s == 0 else 0.0,
                "inflow": ins[k],
                "outflow": vals[k],
                "capacity": caps[k],
                "baseline_outflow": bases[k],
            })
        mk = marg[sl]
        for k in np.nonzero((vals_a >= caps_a - tol) & (caps_a > 0))[0].tolist():
            binding.append({"type": "capacity", "country": ctry[ex[k]], "stage": st,
                            "bound": caps[k], "shadow_price": float(-mk[k])})
    countries = []
    last = lay.recv[S - 1]
    dem = plan.demand[last].tolist()
    for k, j in enumerate(last.tolist()):
        sat = float(inflow[S][k])
        gap = dem[k] - sat
        countries.append({"country": ctry[j], "demand": dem[k], "satisfied": sat,
                          "shortfall": gap if gap > noise else 0.0,
                          "baseline_satisfied": float(base_in[S][k])})
    stage_short = []
    for s in range(1, S + 1):
        recv = lay.recv[s - 1]
        now_a, b_a = inflow[s], base_in[s]
        for k in np.nonzero(b_a - now_a > max(tol, noise))[0].tolist():
            stage_short.append({"country": ctry[recv[k]], "stage": stage_to[s - 1],
                                "baseline_receipts": float(b_a[k]), "receipts": float(now_a[k]),
                                "shortfall": float(b_a[k] - now_a[k])})
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
