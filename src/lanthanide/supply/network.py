"""The (country, stage) supply network of one commodity in one year.

Built from the sourced data: mine (or primary) output by country from USGS,
downstream stage shares and demand shares from ``network_assumptions.csv``
(each row tagged; most are U), all scaled to the world total in the
commodity's unit. Stages are in metal-content equivalents (t REO for rare
earths) with a yield of 1, so what a stage receives it passes on.

Baseline flows between consecutive stages are allocated proportionally
(exporter output x importer input / world), after known bilateral flows
(the Mountain Pass -> China loop, ore that USGS estimates from China's
imports) are placed first. The allocation reproduces every stage's shares
exactly because rows sum to outputs and columns to inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lanthanide.supply import data
from lanthanide.supply.commodities import COMMODITIES, DEMAND, Commodity

Array = NDArray[np.float64]


class NetworkError(ValueError):
    """The data cannot build a network for this commodity and year."""


@dataclass(slots=True)
class Network:
    commodity: str
    year: int
    unit: str
    edition: str
    stages: tuple[str, ...]
    countries: tuple[str, ...]
    output: Array
    """(S, N) baseline output of each production stage."""
    capacity: Array
    """(S, N) capacity of each production stage."""
    demand: Array
    """(N,) final demand."""
    flows: list[Array]
    """S matrices (N, N): flows[s][i, j] from stage s of i to stage s+1 of j
    (to final demand of j for the last stage)."""
    notes: list[dict[str, str]] = field(default_factory=list)
    """Where each input came from (source URL, tag, note)."""
    added: tuple[str, ...] = ()
    """Countries appended as empty nodes (build-out or demand override) that
    the data does not list separately."""

    @property
    def index(self) -> dict[str, int]:
        return {c: k for k, c in enumerate(self.countries)}

    def inflow(self, s: int) -> Array:
        """What stage s of each country receives (s >= 1), or demand receipts (s == S)."""
        return np.asarray(self.flows[s - 1].sum(axis=0), dtype=np.float64)


def allocate(supply: Array, need: Array, fixed: Array | None = None) -> Array:
    """Proportional allocation of ``supply`` (rows) to ``need`` (columns).

    ``fixed`` flows are placed first; the remainder is allocated in
    proportion to the remaining supply and need. Both vectors must have the
    same total (within rounding); the result has row sums ``supply`` and
    column sums ``need``.
    """
    n = supply.shape[0]
    x = np.zeros((n, need.shape[0])) if fixed is None else fixed.copy()
    a = np.clip(supply - x.sum(axis=1), 0.0, None)
    b = np.clip(need - x.sum(axis=0), 0.0, None)
    total = b.sum()
    if total > 0 and a.sum() > 0:
        x += np.outer(a, b) / total
    return x


def _mine_rows(commodity: str, year: int, edition: str | None) -> tuple[dict[str, float], str]:
    eds = data.editions(commodity, year)
    if not eds:
        raise NetworkError(f"no {commodity} production figures for {year} in the data")
    ed = edition or eds[0]
    if ed not in eds:
        raise NetworkError(
            f"edition '{ed}' has no {commodity} figures for {year} (has: {', '.join(eds)})"
        )
    rows = {
        f.country: f.value
        for f in data.figures()
        if f.commodity == commodity
        and f.year == year
        and f.measure == "mine_production"
        and f.edition == ed
    }
    return rows, ed


def _assumed(commodity: str, year: int, stage: str) -> tuple[int, list[data.Assumption]]:
    rows = [a for a in data.assumptions() if a.commodity == commodity and a.stage == stage]
    years = sorted({a.year for a in rows}, key=lambda y: (abs(y - year), -y))
    if not years:
        return 0, []
    y = years[0]
    return y, [a for a in rows if a.year == y]


def build(
    commodity: str,
    year: int,
    *,
    edition: str | None = None,
    spare_capacity: float = 0.15,
) -> Network:
    """The baseline network of ``commodity`` in ``year`` from the shipped data."""
    spec: Commodity | None = COMMODITIES.get(commodity)
    if spec is None:
        raise NetworkError(f"unknown commodity '{commodity}' (known: {', '.join(COMMODITIES)})")
    if not spec.network:
        raise NetworkError(
            f"{commodity}: the data gives shares only (no production by country); "
            "no network can be built"
        )
    notes: list[dict[str, str]] = []
    first = spec.stages[0]
    a_year, assumed_first = _assumed(commodity, year, first)
    mine: dict[str, float]
    if a_year == year and assumed_first:
        # No country table for this year: world from China's figure and share.
        cn = [
            f
            for f in data.figures()
            if f.commodity == commodity
            and f.year == year
            and f.country == "CN"
            and f.measure == "mine_production"
        ]
        share_cn = next((a.share for a in assumed_first if a.country == "CN"), None)
        if not cn or not share_cn:
            raise NetworkError(f"no {commodity} production figures for {year} in the data")
        world = cn[0].value / share_cn
        mine = {a.country: a.share * world for a in assumed_first}
        ed = cn[0].edition
        notes += [_note(first, a.country, a.source_url, a.tag, a.note) for a in assumed_first]
    else:
        rows, ed = _mine_rows(commodity, year, edition)
        world = rows.pop("WORLD", sum(rows.values()))
        listed = sum(rows.values())
        mine = dict(rows)
        if world > listed * 1.0001:
            mine[data.OTHER] = mine.get(data.OTHER, 0.0) + world - listed
            notes.append(
                _note(
                    first,
                    data.OTHER,
                    "",
                    "U",
                    "world total minus listed countries (not in the data by country)",
                )
            )
        world = sum(mine.values())
        for f in data.figures():
            if (
                f.commodity == commodity
                and f.year == year
                and f.edition == ed
                and f.measure == "mine_production"
                and f.country != "WORLD"
            ):
                notes.append(
                    _note(
                        first, f.country, f.source_url, f.tag, f"{f.value:g} {f.unit} ({f.edition})"
                    )
                )
    stage_shares: list[dict[str, float]] = [mine]
    for st in spec.stages[1:]:
        y, rows_a = _assumed(commodity, year, st)
        if not rows_a:
            raise NetworkError(f"{commodity}: no shares for stage '{st}' in the data")
        stage_shares.append({a.country: a.share * world for a in rows_a})
        notes += [_note(st, a.country, a.source_url, a.tag, f"{a.note} (year {y})") for a in rows_a]
    y, dem_rows = _assumed(commodity, year, DEMAND)
    if not dem_rows:
        raise NetworkError(f"{commodity}: no demand split in the data")
    tot = sum(a.share for a in dem_rows)
    demand_map = {a.country: a.share / tot * world for a in dem_rows}
    notes += [
        _note(DEMAND, a.country, a.source_url, a.tag, f"{a.note} (year {y})") for a in dem_rows
    ]

    names = sorted({c for m in (*stage_shares, demand_map) for c in m})
    idx = {c: k for k, c in enumerate(names)}
    n, s_count = len(names), len(spec.stages)
    output = np.zeros((s_count, n))
    for s, m in enumerate(stage_shares):
        for c, v in m.items():
            output[s, idx[c]] = v
        output[s] *= world / output[s].sum()
    dem = np.zeros(n)
    for c, v in demand_map.items():
        dem[idx[c]] = v

    capacity = output * (1.0 + spare_capacity)
    cap_rows = [
        f
        for f in data.figures()
        if f.commodity == commodity
        and f.measure == "capacity"
        and f.year is not None
        and f.year <= year
    ]
    for f in cap_rows:
        if f.country in idx:
            capacity[0, idx[f.country]] = max(capacity[0, idx[f.country]], f.value)
        elif f.country != "WORLD":
            names_l = [*names, f.country]
            raise NetworkError(f"capacity row for unknown node {f.country}: {names_l}")
        notes.append(
            _note(spec.stages[0], f.country, f.source_url, f.tag, f"capacity {f.value:g} {f.unit}")
        )

    flows: list[Array] = []
    for s in range(s_count):
        need = output[s + 1] if s + 1 < s_count else dem
        fixed = _fixed_flows(commodity, year, spec.stages[s], idx, output[s], need)
        flows.append(allocate(output[s], need, fixed))
    return Network(
        commodity=commodity,
        year=year,
        unit=spec.unit,
        edition=ed,
        stages=spec.stages,
        countries=tuple(names),
        output=output,
        capacity=capacity,
        demand=dem,
        flows=flows,
        notes=notes,
    )


# Ore whose USGS figure is estimated from China's imports goes to China;
# Australian concentrate goes to Lynas in Malaysia; US concentrate exports
# go to China (MCS salient statistics; China customs: 99.83 % of China's
# bastnaesite imports came from MP Materials in 2023).
_TO_CHINA = ("MM", "MG", "MY", "TH", "VN", "LA", "NG")


def _fixed_flows(
    commodity: str, year: int, stage: str, idx: dict[str, int], supply: Array, need: Array
) -> Array | None:
    if commodity != "rare_earth" or stage != "mining" or "CN" not in idx:
        return None
    n = len(idx)
    x = np.zeros((n, n))
    cn = idx["CN"]
    for c in _TO_CHINA:
        if c in idx:
            x[idx[c], cn] = supply[idx[c]]
    if "AU" in idx and "MY" in idx:
        x[idx["AU"], idx["MY"]] = min(supply[idx["AU"]], need[idx["MY"]])
    if "US" in idx:
        exports = [
            float(r["quantity"])
            for r in data.trade()
            if r["product"].startswith("ores and compounds (US exports)")
            and r["period"] == str(year)
        ]
        us = supply[idx["US"]]
        if exports:
            x[idx["US"], cn] = min(us, exports[0])
            if "US" in idx and need[idx["US"]] > 0:
                x[idx["US"], idx["US"]] = min(us - x[idx["US"], cn], need[idx["US"]])
    # never ask a column for more than it needs
    over = x.sum(axis=0) - need
    for j in np.nonzero(over > 1e-9)[0]:
        x[:, j] *= need[j] / x[:, j].sum()
    return x


def _note(stage: str, country: str, url: str, tag: str, note: str) -> dict[str, str]:
    return {"stage": stage, "country": country, "source_url": url, "tag": tag, "note": note}
