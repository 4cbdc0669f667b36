"""Concentration and dependence metrics on arrays (pure functions)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def shares(values: Array) -> Array:
    total = float(values.sum())
    if total <= 0:
        return np.zeros_like(values, dtype=np.float64)
    return np.asarray(values / total, dtype=np.float64)


def hhi(values: Array) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale."""
    s = shares(values)
    return float((s * s).sum() * 10_000.0)


def top_k_share(values: Array, k: int = 3) -> float:
    s = np.sort(shares(values))[::-1]
    return float(s[:k].sum())


def net_import_reliance(production: float, consumption: float) -> float | None:
    """(consumption - production) / consumption, floored at 0; None without consumption."""
    if consumption <= 0:
        return None
    return max(0.0, (consumption - production) / consumption)


def touched_share(flows: list[Array], origin: int) -> list[Array]:
    """For each stage s, the fraction of each country's stage-s output that
    has passed through ``origin`` at stage s or any stage before it.

    ``flows[s][i, j]`` goes from stage s of i to stage s+1 of j. Returns S+1
    vectors; the last is for what final demand receives.
    """
    n = flows[0].shape[0]
    t = np.zeros(n)
    t[origin] = 1.0
    out = [t]
    for s, f in enumerate(flows):
        inflow = f.sum(axis=0)
        carried = f.T @ out[-1]
        nxt = np.divide(carried, inflow, out=np.zeros(n), where=inflow > 0)
        if s + 1 < len(flows):
            nxt[origin] = 1.0
        out.append(np.asarray(nxt, dtype=np.float64))
    return out


def received_share(flows: list[Array], origin: int) -> list[Array]:
    """For stage s >= 1 (and demand), the share of each country's receipts
    at that stage shipped directly by ``origin``."""
    res = []
    for f in flows:
        inflow = f.sum(axis=0)
        res.append(
            np.asarray(
                np.divide(f[origin], inflow, out=np.zeros_like(inflow), where=inflow > 0),
                dtype=np.float64,
            )
        )
    return res
