"""The LP layout of one year: exporter classes per stage (pooling exporters
no control names into ``market`` above ``BILATERAL_LIMIT``), the variable
offsets and the constraint matrices of stages 1 and 2. They depend only on
which countries export at each stage and on the classes, so years with the
same layout share them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

from lanthanide.supply.controls import FlowControl
from lanthanide.supply.network import Network
from lanthanide.supply.plan import BILATERAL_LIMIT, Array, IntArray


def exporter_classes(
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
class Layout:
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


def build_layout(
    net: Network, ex: list[IntArray], recv: list[IntArray], classes: list[list[list[int]]]
) -> Layout:
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
            cols.append(
                (
                    y_off[s - 1] + np.arange(nc_p, dtype=np.int64)[:, None] * R_p + kk[None, :]
                ).ravel()
            )
            vals.append(-np.ones(nc_p * n_in))
            r += n_in
    a_eq = csr_matrix(
        coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))),
        shape=(r, nv),
    )
    last = S - 1
    nc_l, R_l = len(classes[last]), len(recv[last])
    y_last = y_off[last] + np.arange(nc_l * R_l, dtype=np.int64)
    a_ub = csr_matrix(
        coo_matrix(
            (np.ones(nc_l * R_l), (np.tile(np.arange(R_l, dtype=np.int64), nc_l), y_last)),
            shape=(R_l, nv),
        )
    )
    out_vars = np.concatenate(
        [out_off[s] + np.arange(len(ex[s]), dtype=np.int64) for s in range(S)]
    )
    y_vars = np.concatenate(
        [y_off[s] + np.arange(len(classes[s]) * len(recv[s]), dtype=np.int64) for s in range(S)]
    )
    # stage 2: [x | d+ | d-] with y - d+ + d- = baseline (one row per flow)
    k = len(y_vars)
    dev_eq = coo_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k), np.ones(k)]),
            (
                np.concatenate([np.arange(k)] * 3),
                np.concatenate([y_vars, nv + np.arange(k), nv + k + np.arange(k)]),
            ),
        ),
        shape=(k, nv + 2 * k),
    )
    a_eq2 = csr_matrix(vstack([hstack([a_eq, csr_matrix((a_eq.shape[0], 2 * k))]), dev_eq]))
    keep_row = coo_matrix(
        (-np.ones(len(y_last)), (np.zeros(len(y_last), dtype=np.int64), y_last)),
        shape=(1, nv + 2 * k),
    )
    a_ub2 = csr_matrix(vstack([hstack([a_ub, csr_matrix((R_l, 2 * k))]), keep_row]))
    return Layout(
        ex,
        recv,
        classes,
        out_off,
        y_off,
        nv,
        memb,
        a_eq,
        a_ub,
        out_vars,
        y_vars,
        y_last,
        a_eq2,
        a_ub2,
    )
