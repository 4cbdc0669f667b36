"""What the scenario solver takes and returns: a year's :class:`Plan`, its
:class:`YearResult`, :class:`SolveError`, and the solver's constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BILATERAL_LIMIT = 40
MARKET = "market"
FEASIBILITY_TOL = 1e-7
"""HiGHS' default primal feasibility tolerance: the least slack the solver's
optimum and floor rows get (they get 1e-9 x demand above that)."""
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
    groups: list[dict[str, Any]] = field(default_factory=list)
    """Element-resolved runs: the result of each element group's layer
    (:mod:`lanthanide.supply.elements`); empty for a pooled run."""


class SolveError(RuntimeError):
    pass
