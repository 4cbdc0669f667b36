"""Run a scenario end to end and shape the result (plain dicts for JSON)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from lanthanide.supply import elements, metrics
from lanthanide.supply.controls import FlowControl, resolve
from lanthanide.supply.data import OTHER
from lanthanide.supply.network import Array, Network, build
from lanthanide.supply.scenario import RulebookControl, Scenario
from lanthanide.supply.solve import Plan, YearResult, solve_years

PRECISION_DIGITS = 3
"""Significant figures of the inputs (and so of the results); see :func:`rounded_year`."""


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
        commodity=net.commodity,
        year=net.year,
        unit=net.unit,
        edition=net.edition,
        stages=net.stages,
        countries=(*net.countries, *new),
        output=np.hstack([net.output, np.zeros((net.output.shape[0], k))]),
        capacity=np.hstack([net.capacity, np.zeros((net.capacity.shape[0], k))]),
        demand=np.concatenate([net.demand, np.zeros(k)]),
        flows=[pad(f) for f in net.flows],
        notes=net.notes,
        added=(*net.added, *new),
    )


def plans(
    net: Network, scn: Scenario, *, buildout: int | None = None, scale: float = 1.0
) -> list[Plan]:
    """One plan per run year. ``buildout``: apply only the first that many
    build-out entries (in file order); None = all. ``scale``: the share of
    the scenario's build-out capacities and demand overrides that falls in
    this network (an element group's layer: its share of the world's
    content; 1 for a pooled network)."""
    idx = net.index
    out = []
    entries = scn.buildout if buildout is None else scn.buildout[:buildout]
    demand = net.demand.copy()
    for c, v in scn.demand.items():
        demand[idx[c]] = v * scale
    g0 = scn.assumptions.demand_growth
    for y in scn.run_years:
        g = (1.0 + g0) ** (y - scn.base_year)
        cap = net.capacity.copy()
        for b in entries:
            if b.year <= y:
                cap[net.stages.index(b.stage), idx[b.country]] += b.capacity * scale
        # baseline flows re-scaled so that their final deliveries match demand
        base_dem = net.flows[-1].sum(axis=0)
        ratio = np.divide(demand, base_dem, out=np.ones_like(demand), where=base_dem > 0)
        baseline = [f * g for f in net.flows]
        baseline[-1] = baseline[-1] * ratio[None, :]
        out.append(Plan(year=y, capacity=cap, demand=demand * g, baseline=baseline))
    return out


def prepare(scn: Scenario) -> Network:
    net = build(
        scn.commodity,
        scn.base_year,
        edition=scn.edition,
        spare_capacity=scn.assumptions.spare_capacity,
    )
    extra = [b.country for b in scn.buildout] + list(scn.demand)
    return extend(net, extra)


def run(scn: Scenario, net: Network | None = None) -> dict[str, Any]:
    """Solve a scenario; the JSON-ready result."""
    t0 = time.perf_counter()
    net = net or prepare(scn)
    controls, report = resolve(scn)
    view, results, layers = solve_scenario(net, scn, controls)
    out = shape(scn, view, results, report, time.perf_counter() - t0)
    out["element_groups"] = [
        {
            "group": L.group.name,
            "elements": list(L.group.elements),
            "world_share": L.group.share,
            "source_url": L.group.source_url,
            "tag": L.group.tag,
            "note": L.group.note,
        }
        for L in layers
    ]
    out["warnings"] = coverage_warnings(scn, net, report)
    return out


def solve_scenario(
    net: Network, scn: Scenario, controls: list[FlowControl]
) -> tuple[Network, list[YearResult], list[elements.Layer]]:
    """Solve every run year, by element group where the data splits the
    commodity (and ``assumptions.element_resolved``), else on the pooled
    network. Returns the network the results are read against (the sum of
    the layers, or ``net``), the year results and the layers (empty when
    pooled)."""
    layers = elements.layers(net) if scn.assumptions.element_resolved else []
    if not layers:
        return net, solve_with_buildout(net, scn, controls), []
    if all(L.uniform for L in layers) and all(
        len({f for _, f in fc.group_fraction}) <= 1 for fc in controls
    ):
        # every layer would be a scaled copy of the pooled network under the
        # same controls: the LP is homogeneous, so solve once and scale
        pooled = [c for fc in controls if (c := fc.for_group(layers[0].group.name)) is not None]
        results = solve_with_buildout(net, scn, pooled)
        for r in results:
            r.groups = [elements.group_summary(r, L.group, L.group.share) for L in layers]
        return net, results, layers
    per = [
        solve_with_buildout(
            L.net,
            scn,
            [g for fc in controls if (g := fc.for_group(L.group.name)) is not None],
            scale=L.group.share,
        )
        for L in layers
    ]
    results = [elements.merge(list(ys), layers) for ys in zip(*per, strict=True)]
    return elements.total(layers, net), results, layers


def solve_with_buildout(
    net: Network, scn: Scenario, controls: list[FlowControl], *, scale: float = 1.0
) -> list[YearResult]:
    """Solve every run year; build-out never takes supply from anyone.

    Build-out rule (documented in docs/supply.md): capacity a scenario adds
    serves demand that is unmet; it does not take supply from a country
    that had it without that capacity. The year is solved first without
    build-out, then with the build-out entries added one at a time in file
    order, each solve holding every country at no less than it received in
    the previous one (``Plan.floor``). So adding a build-out entry at the
    end of the list never raises any country's shortfall, and the maximum
    of satisfied demand is the same as without the rule (a feasible flow can
    always be augmented to a maximum flow without taking from any sink).
    """
    steps = [i + 1 for i in range(len(scn.buildout))]
    final = plans(net, scn, scale=scale)
    if not steps:
        return solve_years(net, final, controls)
    chain = [
        plans(net, scn, buildout=0, scale=scale),
        *(plans(net, scn, buildout=n, scale=scale) for n in steps),
    ]
    out: list[YearResult] = []
    for y in range(len(final)):
        prev: YearResult | None = None
        for k, step in enumerate(chain):
            p = step[y]
            if prev is not None and k > 0 and np.array_equal(p.capacity, chain[k - 1][y].capacity):
                continue  # this entry is not active in this year
            if prev is not None:
                p.floor = _received(net, prev)
            prev = solve_years(net, [p], controls)[0]
        assert prev is not None
        out.append(prev)
    return out


def _received(net: Network, r: YearResult) -> Array:
    got = np.zeros(len(net.countries))
    idx = net.index
    for c in r.countries:
        got[idx[c["country"]]] = c["satisfied"]
    return got


def coverage_warnings(
    scn: Scenario, net: Network, report: list[dict[str, object]]
) -> list[dict[str, str]]:
    """Countries a scenario names that are not separate nodes of the network.

    In the network every country the data does not list is inside ``ZZ``
    (other countries: the unattributed remainder of each stage and of
    demand), where ``ZZ`` has a share; at a stage where ``ZZ`` has none,
    such a country is not modelled at all. A control can only act on named
    nodes, so naming such a country changes nothing for it (or, in an
    ``except`` scope, does not exempt it).
    """
    listed = set(net.countries) - set(net.added)
    zz = net.index.get(OTHER)
    stage_names = [*net.stages, "demand"]

    def where() -> tuple[list[str], list[str]]:
        if zz is None:
            return [], stage_names
        has = [bool(net.output[s, zz] > 0) for s in range(len(net.stages))]
        has.append(bool(net.demand[zz] > 0))
        return (
            [st for st, h in zip(stage_names, has, strict=True) if h],
            [st for st, h in zip(stage_names, has, strict=True) if not h],
        )

    def folded(c: str) -> str:
        inside, outside = where()
        msg = f"{c} is not a separate node in the {net.commodity} network (base year {net.year})"
        if inside:
            msg += (
                f"; it is folded into {OTHER} (other countries, the unattributed "
                f"remainder) at {', '.join(inside)}"
            )
        if outside:
            msg += f"; it is not modelled at {', '.join(outside)}"
        return msg

    out: list[dict[str, str]] = []
    for rep in report:
        k = rep["control"]
        ad_hoc = rep["kind"] == "ad_hoc"
        applied = rep.get("applied") or []
        assert isinstance(applied, list)
        for a in applied:
            exporter = a["exporter"]
            if exporter not in listed:
                out.append(
                    {
                        "field": f"controls[{k}].exporter",
                        "country": exporter,
                        "message": folded(exporter) + "; this control restricts only "
                        "named exporters, so it blocks nothing",
                    }
                )
            mode = a["destinations"]["mode"]
            for c in a["destinations"]["countries"]:
                if c in listed or c == OTHER:
                    continue
                ctl = scn.controls[int(str(k))]
                if ad_hoc:
                    fld = "destinations_except" if mode == "except" else "destinations"
                elif isinstance(ctl, RulebookControl) and ctl.only_destinations is not None:
                    fld = "only_destinations"
                else:
                    fld = "rulebook"
                zz_covered = (mode == "except") != (OTHER in a["destinations"]["countries"])
                if zz_covered and mode == "except":
                    tail = (
                        f"; {OTHER} is covered by this control, so {c}'s supply "
                        f"through {OTHER} is restricted although {c} is excluded"
                    )
                elif zz_covered:
                    tail = (
                        f"; {OTHER} is named too, so {c}'s supply through {OTHER} is "
                        "restricted as part of it"
                    )
                else:
                    tail = (
                        f"; {OTHER} is not covered by this control, so it has no "
                        f"direct effect on {c}'s supply"
                    )
                out.append(
                    {"field": f"controls[{k}].{fld}", "country": c, "message": folded(c) + tail}
                )
    for rep in report:
        notes = rep.get("assumptions") or []
        assert isinstance(notes, list)
        for note in notes:
            if not note.get("warn", True):
                continue
            out.append(
                {"field": str(note["field"]), "country": "CN", "message": str(note["message"])}
            )
    for k, b in enumerate(scn.buildout):
        if b.country not in listed:
            out.append(
                {
                    "field": f"buildout[{k}].country",
                    "country": b.country,
                    "message": folded(b.country) + "; it is added as a new node that "
                    "holds only this build-out capacity (any existing output of "
                    f"{b.country} stays in {OTHER})",
                }
            )
    for c in scn.demand:
        if c not in listed:
            out.append(
                {
                    "field": f"demand.{c}",
                    "country": c,
                    "message": folded(c) + "; it is added as a new demand node with "
                    f"this demand, on top of {OTHER}'s remainder (which may already "
                    f"include {c})",
                }
            )
    return out


def significant(x: float, digits: int = PRECISION_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant figures (0 stays 0)."""
    if x == 0 or not np.isfinite(x):
        return 0.0 if x == 0 else x
    return float(f"{x:.{digits}g}")


def rounded_year(r: YearResult, shortfall: float) -> dict[str, Any]:
    """A year's headline figures at the data's precision.

    The inputs carry two or three significant figures (USGS rounds its
    world totals, the shares are given to 0.1-1 point), so the results are
    not more precise than ``PRECISION_DIGITS`` significant figures. Each
    figure is rounded on its own, so rounded parts need not add up to the
    rounded total; the balance check runs on the exact values (``demand``,
    ``satisfied``, ``flows`` … of the year)."""
    return {
        "significant_digits": PRECISION_DIGITS,
        "demand": significant(r.demand),
        "satisfied": significant(r.satisfied),
        "shortfall": significant(shortfall),
        "countries": [
            {
                "country": c["country"],
                "demand": significant(c["demand"]),
                "satisfied": significant(c["satisfied"]),
                "shortfall": significant(c["shortfall"]),
            }
            for c in r.countries
        ],
    }


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
        short = float(sum(c["shortfall"] for c in r.countries))
        years.append(
            {
                "year": r.year,
                "status": r.status,
                "demand": r.demand,
                "satisfied": r.satisfied,
                "shortfall": short,
                "shortfall_share": short / r.demand if r.demand else 0.0,
                "shortfall_tolerance": r.shortfall_tolerance,
                "balance": r.balance,
                "countries": r.countries,
                "stage_shortfall": r.stage_shortfall,
                "rerouted": r.rerouted,
                "binding": r.binding,
                "nodes": r.nodes,
                "flows": r.flows,
                "solve_seconds": r.solve_seconds,
                **({"element_groups": r.groups} if r.groups else {}),
                "rounded": rounded_year(r, short),
            }
        )
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
