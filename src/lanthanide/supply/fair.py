"""Stage 3 of the scenario solver: share what is still unmet fairly
(lexicographic max-min of the satisfied share of demand, by progressive
filling) among the solutions optimal for stages 1 and 2."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, vstack

from lanthanide.supply.layout import Layout
from lanthanide.supply.plan import FEASIBILITY_TOL, Array, SolveError


def share_fairly(
    lay: Layout,
    a_ub2: csr_matrix,
    b_ub2: Array,
    b_eq2: Array,
    bounds2: Array,
    n2: int,
    dem: Array,
    res2: Any,
    scale: float,
    year: int,
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
    tol = max(1e-9 * scale, FEASIBILITY_TOL)
    nt = n2 + 1  # variable t last
    a_ub2 = csr_matrix(a_ub2)
    # shortfall_j - t d_j <= 0  <=>  -receipts_j - t d_j <= -d_j
    rec = lay.a_ub[need]
    rows_sh = csr_matrix(
        hstack(
            [
                -rec,
                csr_matrix((m, n2 - lay.nv)),
                csr_matrix((-dem[need], (np.arange(m), np.zeros(m, dtype=np.int64))), shape=(m, 1)),
            ]
        )
    )
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
            a_e = csr_matrix(
                vstack(
                    [
                        hstack([lay.a_eq2, csr_matrix((lay.a_eq2.shape[0], 1))]),
                        hstack([a_ub2[eq_rows], csr_matrix((len(eq_rows), 1))]),
                    ]
                )
            )
            # a tight row keeps the value it has in the stage-2 solution
            b_e = np.concatenate([b_eq2, a_ub2[eq_rows] @ x2c])
            return a_k, b_k, a_e, b_e, np.vstack([b3, [[0.0, 1.0]]])
        k = n2 - lay.nv
        keep = csr_matrix(
            (np.ones(k), (np.zeros(k, dtype=np.int64), np.arange(lay.nv, n2))), shape=(1, nt)
        )
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
        res = linprog(
            cost, A_ub=a3, b_ub=b_ub3, A_eq=a_eq3, b_eq=b_eq3, bounds=bounds3, method="highs"
        )
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
        d = np.abs(np.asarray(res.ineqlin.marginals)[k0 : k0 + len(fi)])
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
            a_b = csr_matrix(
                vstack(
                    [
                        hstack([a_ub_keep, csr_matrix((a_ub_keep.shape[0], nf))]),
                        hstack([rows_sh[fi], csr_matrix(np.eye(nf))]),
                        hstack([rows_fx[xi], csr_matrix((len(xi), nf))]),
                    ]
                )
            )
            a_eq_b = csr_matrix(hstack([a_eq3, csr_matrix((a_eq3.shape[0], nf))]))
            bnd_b = np.vstack(
                [bounds3[:-1], [[t, t]], np.column_stack([np.zeros(nf), np.full(nf, sigma)])]
            )
            cost_b = np.concatenate([np.zeros(nt), np.full(nf, -1.0 / sigma)])
            res_b = linprog(
                cost_b, A_ub=a_b, b_ub=b_ub3, A_eq=a_eq_b, b_eq=b_eq3, bounds=bnd_b, method="highs"
            )
            solves += 1
            if res_b.status == 0:
                hit |= np.asarray(res_b.x[nt:]) < 0.5 * sigma
        if not hit.any():  # degenerate: fix the countries at the level instead
            sh = dn[free] - rec[fi] @ x[: lay.nv]
            hit = sh >= t * dn[free] - tol
        level[fi[hit]] = t
        # countries still free with no shortfall in this solution are at the
        # lowest level there is (0): no further round needed
        free = np.isnan(level)
        sh = dn[free] - rec[np.nonzero(free)[0]] @ x[: lay.nv]
        if np.all(sh <= tol):
            level[free] = 0.0
    return x, solves
