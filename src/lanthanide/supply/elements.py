"""The element-resolved rare-earth network: one layer per element group.

The pooled network keeps rare earths as one content unit (t REO) per
stage. Where the sources give element shares, the network is split into
element groups (``data/element_groups.csv``: La+Ce, Nd+Pr, and SEG+ = Sm,
Eu, Gd and heavier incl. Y and Sc), each a network of the same countries
and stages holding that group's content:

- the world content mix ``w_g`` is the Mountain Pass TREO distribution
  (MP Materials 10-K, P for that ore; U as the world's mix);
- at a stage where the data gives China's share of a group
  (``data/element_shares.csv``: NdPr separation 89 %, Dy/heavy separation
  99 %, magnet-REE metals 94 %, heavy metals 99 %), China holds that share
  of the group, the other countries the rest in proportion to their pooled
  shares; groups without a row take the remainder, so that the groups add
  up to the pooled shares exactly (``sum_g w_g s_g = s_pool``);
- elsewhere (mining, the magnet stage, demand, and years more than
  ``YEAR_WINDOW`` from the rows) each group is ``w_g`` x the pooled network.

Layers are solved independently (no substitution between element groups:
missing Dy is not made good by spare Ce) and their results are summed
(:func:`merge`), so the totals are those of one network and every invariant
of the solver that holds per layer (balance, unique fair shares, build-out
never raising a shortfall) holds for the sum. With a uniform mix (no
element rows) the layers are scaled copies of the pooled network and the
sum equals the pooled answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from lanthanide.supply import data
from lanthanide.supply.network import Array, Network, NetworkError, allocate
from lanthanide.supply.plan import YearResult

YEAR_WINDOW = 3
"""Element rows apply to networks within this many years of the row's year."""


@dataclass(frozen=True, slots=True)
class Group:
    commodity: str
    name: str
    elements: tuple[str, ...]
    share: float
    """Share of the world's content (t REO) in this group."""
    source_url: str
    tag: str
    note: str


@dataclass(frozen=True, slots=True)
class ElementShare:
    commodity: str
    group: str
    stage: str
    country: str
    year: int
    share: float
    source_url: str
    tag: str
    note: str


@dataclass(frozen=True, slots=True)
class Content:
    """Part of a group's flow at a stage that sits in products the items of
    other elements name (e.g. the NdPr in Dy-/Tb-containing NdFeB)."""

    commodity: str
    stage: str
    group: str
    named: tuple[str, ...]
    share: float
    source_url: str
    tag: str
    note: str


@dataclass(slots=True)
class Layer:
    group: Group
    net: Network
    uniform: bool = False
    """True when the layer is ``group.share`` x the pooled network (no
    element row applies at any stage)."""


@cache
def groups(commodity: str) -> tuple[Group, ...]:
    """The element groups of a commodity (empty: no element split in the data)."""
    rows = [r for r in data.rows("element_groups.csv") if r["commodity"] == commodity]
    out = tuple(
        Group(
            commodity=r["commodity"],
            name=r["group"],
            elements=tuple(r["elements"].split(";")),
            share=float(r["world_share"]),
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in rows
    )
    if out and abs(sum(g.share for g in out) - 1.0) > 1e-9:
        raise NetworkError(f"{commodity}: element group shares do not add up to 1")
    return out


@cache
def shares() -> tuple[ElementShare, ...]:
    return tuple(
        ElementShare(
            commodity=r["commodity"],
            group=r["group"],
            stage=r["stage"],
            country=r["country"],
            year=int(r["year"]),
            share=float(r["share"]),
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in data.rows("element_shares.csv")
    )


@cache
def contents() -> tuple[Content, ...]:
    return tuple(
        Content(
            commodity=r["commodity"],
            stage=r["stage"],
            group=r["group"],
            named=tuple(r["named"].split(";")),
            share=float(r["share"]),
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in data.rows("element_content.csv")
    )


def stage_rows(commodity: str, stage: str, year: int) -> dict[str, ElementShare]:
    """China's share of each group at a stage, for a network of ``year``."""
    out: dict[str, ElementShare] = {}
    for r in shares():
        if r.commodity == commodity and r.stage == stage and abs(r.year - year) <= YEAR_WINDOW:
            prev = out.get(r.group)
            if prev is None or abs(r.year - year) < abs(prev.year - year):
                out[r.group] = r
    return out


def coverage(
    commodity: str, stage: str, items: list[frozenset[str]]
) -> list[tuple[Group, float, str, list[dict[str, str]]]]:
    """Controlled share of each group's flow at ``stage`` for the items a
    control selects there (each given by the elements it names; an item
    naming none covers every element): ``(group, share, how, sources)``.

    Per item and group: where ``data/element_content.csv`` says the group
    sits in products an element of the item names (the NdPr of a Tb- or
    Dy-containing NdFeB, even when the item also names Nd), that share;
    else 1.0 if the item names an element of the group (``whole`` when the
    control's items name all of its elements, ``upper_bound`` when only
    some: no split inside a group is known, U); else 0. The control's share
    is the largest over its items' whole-group shares, or the sum of the
    distinct content rows its items hit (at most 1)."""
    everything = frozenset(e for g in groups(commodity) for e in g.elements)
    items = [i or everything for i in items]
    named = set().union(*items) if items else set()
    out: list[tuple[Group, float, str, list[dict[str, str]]]] = []
    for g in groups(commodity):
        rows_g = [
            c
            for c in contents()
            if c.commodity == commodity and c.stage == stage and c.group == g.name
        ]
        whole = False
        hit_rows: dict[int, Content] = {}
        for it in items:
            rows = [c for c in rows_g if it & set(c.named)]
            if rows:
                hit_rows.update({id(c): c for c in rows})
            elif it & set(g.elements):
                whole = True
        if whole:
            how = "whole" if set(g.elements) <= named else "upper_bound"
            out.append((g, 1.0, how, []))
        elif hit_rows:
            rows = list(hit_rows.values())
            src = [{"source_url": c.source_url, "tag": c.tag, "note": c.note} for c in rows]
            out.append((g, min(1.0, sum(c.share for c in rows)), "content", src))
        else:
            out.append((g, 0.0, "none", []))
    return out


def layers(net: Network) -> list[Layer]:
    """The network split by element group (empty if the data has no groups)."""
    gs = groups(net.commodity)
    if not gs:
        return []
    S = len(net.stages)
    cn = net.index.get("CN")
    outputs = {g.name: np.zeros_like(net.output) for g in gs}
    split = [False] * S
    for s, st in enumerate(net.stages):
        o = net.output[s]
        world = float(o.sum())
        rows = stage_rows(net.commodity, st, net.year) if cn is not None else {}
        if not rows or world <= 0:
            for g in gs:
                outputs[g.name][s] = g.share * o
            continue
        assert cn is not None
        split[s] = True
        s_pool = float(o[cn]) / world
        fixed = {g.name: rows[g.name].share for g in gs if g.name in rows}
        rest = [g for g in gs if g.name not in fixed]
        w_rest = sum(g.share for g in rest)
        s_rest = (s_pool - sum(g.share * fixed[g.name] for g in gs if g.name in fixed)) / (
            w_rest or 1.0
        )
        if rest and not -1e-9 <= s_rest <= 1 + 1e-9:
            raise NetworkError(
                f"{net.commodity} {st}: China's element shares ({fixed}) do not fit its pooled "
                f"share {s_pool:.3f} (the other groups would need {s_rest:.3f})"
            )
        for g in gs:
            sg = fixed.get(g.name, min(max(s_rest, 0.0), 1.0))
            row = np.zeros_like(o)
            if s_pool < 1.0:
                row = g.share * o * (1.0 - sg) / (1.0 - s_pool)
            row[cn] = g.share * world * sg
            outputs[g.name][s] = row
    out: list[Layer] = []
    for g in gs:
        og = outputs[g.name]
        ratio = np.divide(og, net.output, out=np.full_like(og, g.share), where=net.output > 0)
        flows: list[Array] = []
        for s in range(S):
            if not split[s] and (s + 1 >= S or not split[s + 1]):
                flows.append(net.flows[s] * g.share)
            else:
                need = og[s + 1] if s + 1 < S else net.demand * g.share
                flows.append(allocate(og[s], need))
        out.append(
            Layer(
                uniform=not any(split),
                group=g,
                net=Network(
                    commodity=net.commodity,
                    year=net.year,
                    unit=net.unit,
                    edition=net.edition,
                    stages=net.stages,
                    countries=net.countries,
                    output=og,
                    capacity=net.capacity * ratio,
                    demand=net.demand * g.share,
                    flows=flows,
                    notes=net.notes,
                    added=net.added,
                ),
            )
        )
    return out


def total(ls: list[Layer], like: Network) -> Network:
    """The sum of the layers as one network (the baseline the merged result is read against)."""
    return Network(
        commodity=like.commodity,
        year=like.year,
        unit=like.unit,
        edition=like.edition,
        stages=like.stages,
        countries=like.countries,
        output=sum((L.net.output for L in ls), np.zeros_like(like.output)),
        capacity=sum((L.net.capacity for L in ls), np.zeros_like(like.capacity)),
        demand=sum((L.net.demand for L in ls), np.zeros_like(like.demand)),
        flows=[
            sum((L.net.flows[s] for L in ls), np.zeros_like(f)) for s, f in enumerate(like.flows)
        ],
        notes=like.notes,
        added=like.added,
    )


def _add(
    acc: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any], fields: tuple[str, ...]
) -> None:
    cur = acc.get(key)
    if cur is None:
        acc[key] = dict(row)
        return
    for f in fields:
        a, b = cur.get(f), row.get(f)
        cur[f] = None if a is None or b is None else a + b


def _china_exports(flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """China's exports in one layer, by stage and destination."""
    acc: dict[tuple[str, str], list[float]] = {}
    for f in flows:
        if f["from"] == "CN" and f["to"] not in ("CN", "market"):
            v = acc.setdefault((f["from_stage"], f["to"]), [0.0, 0.0])
            v[0] += f["value"]
            v[1] += f["baseline"] or 0.0
    return [{"stage": st, "to": to, "value": v, "baseline": b} for (st, to), (v, b) in acc.items()]


def group_summary(r: YearResult, g: Group, scale: float = 1.0) -> dict[str, Any]:
    """One element group's part of a year: its layer's result, or (``scale``
    = the group's share) its share of a pooled result whose layers would
    all be scaled copies."""
    return {
        "group": g.name,
        "elements": list(g.elements),
        "world_share": g.share,
        "tag": g.tag,
        "demand": r.demand * scale,
        "satisfied": r.satisfied * scale,
        "shortfall": float(sum(c["shortfall"] for c in r.countries)) * scale,
        "shortfall_by_country": {
            c["country"]: c["shortfall"] * scale for c in r.countries if c["shortfall"] > 0
        },
        "china_exports": [
            {**x, "value": x["value"] * scale, "baseline": x["baseline"] * scale}
            for x in _china_exports(r.flows)
        ],
        "balance_ok": bool(r.balance["ok"]),
        "lp_solves": r.lp_solves if scale == 1.0 else 0,
    }


def merge(results: list[YearResult], ls: list[Layer], tol: float = 1e-6) -> YearResult:
    """One year's layer results summed into one result (exact values; the
    balance is checked again on the sums)."""
    from lanthanide.supply.report import check_balance

    nodes: dict[Any, dict[str, Any]] = {}
    flows: dict[Any, dict[str, Any]] = {}
    countries: dict[Any, dict[str, Any]] = {}
    stage_short: dict[Any, dict[str, Any]] = {}
    binding: list[dict[str, Any]] = []
    groups_out: list[dict[str, Any]] = []
    for r, L in zip(results, ls, strict=True):
        for n in r.nodes:
            _add(
                nodes,
                (n["country"], n["stage"]),
                n,
                ("production", "inflow", "outflow", "capacity", "baseline_outflow"),
            )
        for f in r.flows:
            _add(
                flows,
                (f["from"], f["from_stage"], f["to"], f["to_stage"]),
                f,
                ("value", "baseline"),
            )
        for c in r.countries:
            _add(
                countries,
                c["country"],
                c,
                ("demand", "satisfied", "shortfall", "baseline_satisfied"),
            )
        for x in r.stage_shortfall:
            _add(
                stage_short,
                (x["country"], x["stage"]),
                x,
                ("baseline_receipts", "receipts", "shortfall"),
            )
        binding += [{**b, "group": L.group.name} for b in r.binding]
        groups_out.append(group_summary(r, L.group))
    flow_l = list(flows.values())
    rerouted = [
        {
            "from": f["from"],
            "from_stage": f["from_stage"],
            "to": f["to"],
            "to_stage": f["to_stage"],
            "baseline": f["baseline"],
            "value": f["value"],
            "change": f["value"] - f["baseline"],
        }
        for f in flow_l
        if f["baseline"] is not None
        and abs(f["value"] - f["baseline"]) > max(tol, 1e-6 * f["baseline"])
    ]
    node_l, ctry_l = list(nodes.values()), list(countries.values())
    balance = check_balance(node_l, flow_l, ctry_l, tol=tol)
    bad = [g["group"] for g in groups_out if not g["balance_ok"]]
    if bad:
        balance["ok"] = False
        balance["problems"] = [f"layer {g} does not balance" for g in bad] + balance["problems"]
    return YearResult(
        year=results[0].year,
        status="optimal" if all(r.status == "optimal" for r in results) else "mixed",
        demand=float(sum(r.demand for r in results)),
        satisfied=float(sum(r.satisfied for r in results)),
        nodes=node_l,
        flows=flow_l,
        countries=ctry_l,
        stage_shortfall=list(stage_short.values()),
        rerouted=rerouted,
        binding=binding,
        balance=balance,
        solve_seconds=float(sum(r.solve_seconds for r in results)),
        matrices=[sum(ms) for ms in zip(*(r.matrices for r in results), strict=True)],
        lp_solves=sum(r.lp_solves for r in results),
        shortfall_tolerance=float(sum(r.shortfall_tolerance for r in results)),
        groups=groups_out,
    )
