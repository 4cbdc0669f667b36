"""Published shares and per-country exposure (what ``supply shares`` and
``supply exposure`` answer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lanthanide.supply import data, metrics
from lanthanide.supply.commodities import COMMODITIES, DEMAND, canonical
from lanthanide.supply.network import NetworkError, build


class QueryError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _commodity(name: str) -> str:
    c = canonical(name)
    if c is None:
        allowed = ", ".join(COMMODITIES)
        raise QueryError("commodity", f"'{name}' is not allowed (allowed: {allowed})")
    return c


def _src(f: data.Figure) -> dict[str, Any]:
    return {
        "source_url": f.source_url,
        "edition": f.edition,
        "tag": f.tag,
        **({"note": f.note} if f.note else {}),
    }


def _concentration(values: dict[str, float]) -> dict[str, float]:
    arr = np.array(list(values.values()), dtype=np.float64)
    return {"hhi": round(metrics.hhi(arr), 1), "top3_share": round(metrics.top_k_share(arr), 4)}


def shares(commodity: str, stage: str, year: int, edition: str | None = None) -> dict[str, Any]:
    """Shares by country for a commodity, stage and year, each with its source."""
    com = _commodity(commodity)
    spec = COMMODITIES[com]
    allowed = (*spec.stages, "reserves")
    if stage not in allowed:
        raise QueryError(
            "stage", f"'{stage}' is not a stage of {com} (allowed: {', '.join(allowed)})"
        )
    out: dict[str, Any] = {"commodity": com, "stage": stage, "year": year, "unit": spec.unit}
    measure = "reserves" if stage == "reserves" else "mine_production"
    eds: list[dict[str, Any]] = []
    if stage in (spec.stages[0], "reserves"):
        figs = [
            f
            for f in data.figures()
            if f.commodity == com
            and f.measure == measure
            and (f.year == year or (measure == "reserves" and f.year is None))
        ]
        editions = sorted({f.edition for f in figs}, reverse=True)
        if edition is not None:
            if edition not in editions:
                raise QueryError(
                    "edition",
                    f"'{edition}' has no figures here (has: {', '.join(editions) or 'none'})",
                )
            editions = [edition]
        for ed in editions:
            rows = [f for f in figs if f.edition == ed]
            world = next((f for f in rows if f.country == "WORLD"), None)
            ctry = [f for f in rows if f.country != "WORLD"]
            listed = sum(f.value for f in ctry)
            denom = world.value if world else None
            entry: dict[str, Any] = {
                "edition": ed,
                "world": ({"value": world.value, **_src(world)} if world else "not in the data"),
                "listed_total": listed,
                "countries": [
                    {
                        "country": f.country,
                        "value": f.value,
                        "share": round(f.value / denom, 4) if denom else None,
                        "share_of_listed": round(f.value / listed, 4) if listed else None,
                        **_src(f),
                    }
                    for f in sorted(ctry, key=lambda f: -f.value)
                ],
            }
            if denom:
                entry.update(_concentration({f.country: f.value for f in ctry}))
                cn = next((f for f in ctry if f.country == "CN"), None)
                entry["china_share"] = round(cn.value / denom, 4) if cn else None
            eds.append(entry)
    out["editions"] = eds
    pub = [
        s for s in data.stage_shares() if s.commodity == com and s.stage == stage and s.year == year
    ]
    out["published_shares"] = [
        {
            "country": s.country,
            "share": s.share,
            "basis": s.basis,
            "source_url": s.source_url,
            "tag": s.tag,
            **({"note": s.note} if s.note else {}),
        }
        for s in pub
    ]
    model: dict[str, Any] | str
    try:
        net = build(com, year, edition=edition)
        s_i = spec.stages.index(stage) if stage in spec.stages else None
        if s_i is None:
            model = "not modelled"
        else:
            vals = net.output[s_i]
            sh = metrics.shares(vals)
            model = {
                "edition": net.edition,
                "shares": {
                    c: round(float(sh[k]), 4) for k, c in enumerate(net.countries) if vals[k] > 0
                },
                "hhi": round(metrics.hhi(vals), 1),
                "top3_share": round(metrics.top_k_share(vals), 4),
                "tags": sorted({n["tag"] for n in net.notes if n["stage"] == stage}),
            }
    except NetworkError as exc:
        model = f"no network: {exc}"
    out["model"] = model
    if not eds and not pub:
        years = sorted(
            {s.year for s in data.stage_shares() if s.commodity == com and s.stage == stage}
            | {
                f.year
                for f in data.figures()
                if f.commodity == com and f.year is not None and stage == spec.stages[0]
            }
        )
        out["note"] = (
            f"not in the data for {year}; years with figures: "
            f"{', '.join(map(str, years)) or 'none'}"
        )
    return out


def exposure(country: str, commodity: str, year: int | None = None) -> dict[str, Any]:
    """Per-stage metrics for one country in the baseline network."""
    com = _commodity(commodity)
    spec = COMMODITIES[com]
    latest = max(
        (
            f.year
            for f in data.figures()
            if f.commodity == com and f.year is not None and f.measure == "mine_production"
        ),
        default=None,
    )
    if year is None and latest is None:
        raise QueryError(
            "commodity",
            f"'{com}' has shares only, no supply network to compute "
            "exposure from (see supply shares)",
        )
    yr = year if year is not None else latest
    assert yr is not None
    try:
        net = build(com, yr)
    except NetworkError as exc:
        raise QueryError("commodity", str(exc)) from None
    idx = net.index
    if country not in idx:
        from lanthanide.countries import codes

        if country not in codes():
            raise QueryError("country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
        return {
            "country": country,
            "commodity": com,
            "year": yr,
            "note": "not in the data: this country has no production, capacity or demand "
            "in the network (it may be inside ZZ, 'other countries')",
        }
    k = idx[country]
    cn = idx.get("CN")
    touched = metrics.touched_share(net.flows, cn) if cn is not None else None
    direct = metrics.received_share(net.flows, cn) if cn is not None else None
    stages = []
    S = len(spec.stages)
    for s, st in enumerate(spec.stages):
        prod = float(net.output[s, k])
        cons = float(net.flows[s][:, k].sum())  # what the next stage / demand of k takes in
        world = float(net.output[s].sum())
        stages.append(
            {
                "stage": st,
                "production": prod,
                "production_share": prod / world if world else 0.0,
                "world_hhi": round(metrics.hhi(net.output[s]), 1),
                "world_top3_share": round(metrics.top_k_share(net.output[s]), 4),
                "consumption": cons,
                "consumption_is": "input of the next stage" if s + 1 < S else "final demand",
                "net_import_reliance": metrics.net_import_reliance(prod, cons),
                "received_directly_from_china": (
                    float(direct[s][k]) if direct and cons > 0 else None
                ),
                "through_china_share": (float(touched[s + 1][k]) if touched and cons > 0 else None),
                "tags": sorted(
                    {
                        n["tag"]
                        for n in net.notes
                        if n["stage"] in (st, DEMAND) and n["country"] == country
                    }
                )
                or ["derived"],
            }
        )
    return {
        "country": country,
        "commodity": com,
        "year": yr,
        "edition": net.edition,
        "unit": net.unit,
        "demand": float(net.demand[k]),
        "stages": stages,
        "method": "baseline network (docs/supply.md): proportional allocation of each "
        "stage's output to the next stage's input after known bilateral flows; "
        "consumption at a stage = what the country's next stage (or final demand) "
        "takes in; through-China share = fraction of that intake that passed "
        "through China at this or any earlier stage",
        "sources": [n for n in net.notes if n["country"] == country],
    }
