"""The element-resolved rare-earth network (issue 17): sourced element data,
layers that add up to the pooled network, coverage derived from the items'
elements, controls on Dy/Tb items that act on the element flows and the
magnet stage only, and the solver's invariants on the sum of the layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lanthanide.supply import data, elements, engine
from lanthanide.supply.commodities import RARE_EARTH_ELEMENTS
from lanthanide.supply.controls import resolve
from lanthanide.supply.network import Network, allocate, build
from lanthanide.supply.scenario import parse

from .conftest import BUILDOUT_CASES, ISO

NO18: dict[str, Any] = {"rulebook": "cn-mofcom-gac-2025-18", "on": "2025-04-04"}


def _doc(**kw: Any) -> dict[str, Any]:
    return {"name": "t", "commodity": "rare_earth", "base_year": 2024, **kw}


# --- data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["element_groups.csv", "element_shares.csv", "element_content.csv"]
)
def test_every_element_row_carries_a_source_and_a_tag(name: str) -> None:
    rows = data.rows(name)
    assert rows
    for r in rows:
        assert r["source_url"].startswith("http"), r
        assert r["tag"] in ("P", "P*", "S", "U"), r
        assert r["note"].strip(), r


def test_groups_partition_the_produced_rare_earths() -> None:
    gs = elements.groups("rare_earth")
    assert sum(g.share for g in gs) == pytest.approx(1.0)
    members = [e for g in gs for e in g.elements]
    assert len(members) == len(set(members))
    # every rare earth but promethium (not produced) is in exactly one group
    assert set(members) == set(RARE_EARTH_ELEMENTS) - {"Pm"}
    assert elements.groups("gallium") == ()


# --- layers -------------------------------------------------------------------------


def test_layers_add_up_to_the_pooled_network_and_carry_the_sourced_shares() -> None:
    net = build("rare_earth", 2024)
    ls = elements.layers(net)
    assert [L.group.name for L in ls] == ["LaCe", "NdPr", "SEG+"]
    tot = elements.total(ls, net)
    np.testing.assert_allclose(tot.output, net.output, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(tot.demand, net.demand, rtol=1e-12, atol=1e-6)
    cn = net.index["CN"]
    for L in ls:
        g = L.group
        for s, stage in enumerate(net.stages):
            world = L.net.output[s].sum()
            assert world == pytest.approx(g.share * net.output[s].sum())
            row = elements.stage_rows("rare_earth", stage, 2024).get(g.name)
            if row is not None:
                assert L.net.output[s, cn] / world == pytest.approx(row.share)
        # flows: rows sum to what a stage ships, columns to what the next receives
        for s, f in enumerate(L.net.flows):
            np.testing.assert_allclose(f.sum(axis=1), L.net.output[s], atol=1e-6)
            need = L.net.output[s + 1] if s + 1 < len(net.stages) else L.net.demand
            np.testing.assert_allclose(f.sum(axis=0), need, atol=1e-6)
    # heavy rare earths: almost nothing is separated outside China
    seg = next(L for L in ls if L.group.name == "SEG+")
    sep = net.stages.index("separation")
    assert seg.net.output[sep, cn] / seg.net.output[sep].sum() == pytest.approx(0.99)


def test_a_year_far_from_the_element_rows_gets_the_uniform_mix() -> None:
    net = build("rare_earth", 2010)
    for L in elements.layers(net):
        np.testing.assert_allclose(L.net.output, net.output * L.group.share)


# --- coverage from the items' elements ----------------------------------------------


def test_no18_controls_the_heavy_group_and_the_nd_pr_in_dy_tb_magnets_only() -> None:
    fcs, report = resolve(parse(_doc(controls=[NO18])))
    by = {st: dict(fc.group_fraction) for fc in fcs for st in fc.stages}
    frac = 0.5  # licence_block_fraction
    assert by["separation"] == {"LaCe": 0.0, "NdPr": 0.0, "SEG+": frac}
    assert by["metal_alloy"] == by["separation"]
    nd_pr = next(r for r in data.rows("element_content.csv") if r["group"] == "NdPr")
    assert by["magnet"] == {"LaCe": 0.0, "NdPr": frac * float(nd_pr["share"]), "SEG+": frac}
    notes = report[0]["assumptions"]
    assert isinstance(notes, list)
    assert {n["tag"] for n in notes} == {"U"}
    content = [n for n in notes if n.get("group") == "NdPr"]
    assert content and content[0]["stage"] == "magnet" and content[0]["sources"]


def test_coverage_per_item_not_per_union_of_named_elements() -> None:
    # a Tb-NdFeB item names Nd too: it covers the NdPr in Tb magnets, not all NdPr
    cov = {
        g.name: (v, how)
        for g, v, how, _ in elements.coverage("rare_earth", "magnet", [frozenset({"Tb", "Nd"})])
    }
    assert cov["NdPr"][1] == "content" and cov["NdPr"][0] < 1.0
    assert cov["SEG+"] == (1.0, "upper_bound") and cov["LaCe"][0] == 0.0
    # an Nd metal item covers the whole NdPr group (an upper bound: Pr not named)
    cov = {
        g.name: (v, how)
        for g, v, how, _ in elements.coverage("rare_earth", "metal_alloy", [frozenset({"Nd"})])
    }
    assert cov["NdPr"] == (1.0, "upper_bound") and cov["SEG+"][0] == 0.0
    # naming every element of a group covers it whole; an item naming none, everything
    cov = {
        g.name: how
        for g, _, how, _ in elements.coverage("rare_earth", "separation", [frozenset({"La", "Ce"})])
    }
    assert cov == {"LaCe": "whole", "NdPr": "none", "SEG+": "none"}
    assert all(
        v == 1.0 and how == "whole"
        for _, v, how, _ in elements.coverage("rare_earth", "mining", [frozenset()])
    )


def test_dy_tb_control_leaves_the_light_rare_earths_alone() -> None:
    res = engine.run(parse(_doc(controls=[NO18])))
    assert res["balance_ok"]
    y = res["years"][0]
    groups = {g["group"]: g for g in y["element_groups"]}
    assert groups["LaCe"]["shortfall"] == 0.0 and groups["NdPr"]["shortfall"] == 0.0
    assert groups["SEG+"]["shortfall"] > 0
    assert y["shortfall"] == pytest.approx(sum(g["shortfall"] for g in groups.values()))
    assert y["shortfall"] <= groups["SEG+"]["demand"]
    # China's La/Ce exports are untouched
    la = groups["LaCe"]["china_exports"]
    assert all(x["value"] == pytest.approx(x["baseline"]) for x in la)
    # the pooled model (upper bound) loses far more
    pooled = engine.run(parse(_doc(controls=[NO18], assumptions={"element_resolved": False})))
    assert pooled["years"][0]["shortfall"] > 10 * y["shortfall"]
    assert [g["group"] for g in res["element_groups"]] == ["LaCe", "NdPr", "SEG+"]
    assert all(g["tag"] in ("P", "S", "U") and g["source_url"] for g in res["element_groups"])


def test_layers_never_beat_the_pooled_relaxation_of_the_same_baseline() -> None:
    # the pooled network that sums the layers allows substitution between
    # element groups, so it satisfies at least as much
    ctl = [{"exporter": "CN", "destinations": ["JP", "US"], "fraction": 0.6}]
    scn = parse(_doc(controls=ctl, assumptions={"spare_capacity": 0.3}))
    controls, _ = resolve(scn)
    view, (a,), layers = engine.solve_scenario(engine.prepare(scn), scn, controls)
    pooled = parse(
        _doc(controls=ctl, assumptions={"spare_capacity": 0.3, "element_resolved": False})
    )
    _, (b,), none = engine.solve_scenario(view, pooled, controls)
    assert layers and not none and a.balance["ok"] and b.balance["ok"]
    assert a.demand == pytest.approx(b.demand)
    assert a.satisfied <= b.satisfied + 1e-6 * a.demand


def test_uniform_mix_gives_the_pooled_answer() -> None:
    from lanthanide.supply.replay import bundled

    doc = bundled("japan-2010")
    a = engine.run(parse(doc))["years"][0]
    b = engine.run(parse({**doc, "assumptions": {"element_resolved": False}}))["years"][0]
    assert a["element_groups"] and "element_groups" not in b
    sa = {c["country"]: c["shortfall"] for c in a["countries"]}
    sb = {c["country"]: c["shortfall"] for c in b["countries"]}
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k] == pytest.approx(sb[k], abs=1e-6 * a["demand"]), k
    # the shortcut (solve once, scale) agrees with solving every layer
    scn = parse(doc)
    net = engine.prepare(scn)
    controls, _ = resolve(scn)
    ls = elements.layers(net)
    assert all(L.uniform for L in ls)
    per = [
        engine.solve_with_buildout(
            L.net,
            scn,
            [c for fc in controls if (c := fc.for_group(L.group.name))],
            scale=L.group.share,
        )[0]
        for L in ls
    ]
    m = elements.merge(per, ls)
    assert m.balance["ok"]
    for c in m.countries:
        assert c["shortfall"] == pytest.approx(sa[c["country"]], abs=1e-6 * a["demand"])
    for g, x in zip(a["element_groups"], m.groups, strict=True):
        assert g["group"] == x["group"]
        assert g["shortfall"] == pytest.approx(x["shortfall"], abs=1e-6 * a["demand"])


# --- invariants on the sum of the layers --------------------------------------------


def _iso_net(seed: int, n: int) -> Network:
    rng = np.random.default_rng(seed)
    out = rng.uniform(0, 100, size=(2, n)) * (rng.uniform(size=(2, n)) > 0.3)
    out[:, 0] = 0.0
    out[:, 1] += 1.0
    # China holds 93 % of both stages (the element rows need more than their weighted sum)
    out = out / out.sum(axis=1, keepdims=True) * 7.0
    out[:, 0] = 93.0
    dem = rng.uniform(0.1, 1, size=n)
    dem = dem / dem.sum() * 100.0
    return Network(
        commodity="rare_earth",
        year=2024,
        unit="t",
        edition="test",
        stages=("mining", "separation"),
        countries=tuple(ISO[:n]),
        output=out,
        capacity=out * 1.05,
        demand=dem,
        flows=[allocate(out[0], out[1]), allocate(out[1], dem)],
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**BUILDOUT_CASES)
def test_element_resolved_buildout_never_raises_any_countrys_shortfall(
    n: int, seed: int, frac: float, builds: list[tuple[int, str, float]]
) -> None:
    net = _iso_net(seed, n)
    assert len(elements.layers(net)) == 3
    ctl = [{"exporter": "CN", "destinations": ISO[1:3], "fraction": frac}]
    bo = [{"country": ISO[c % n], "stage": s, "year": 2024, "capacity": e} for c, s, e in builds]
    prev: dict[str, float] | None = None
    for k in range(len(bo) + 1):
        scn = parse(_doc(controls=ctl, buildout=bo[:k]))
        controls, _ = resolve(scn)
        _, (r,), layers = engine.solve_scenario(net, scn, controls)
        assert layers and r.balance["ok"], r.balance["problems"]
        short = {c["country"]: c["shortfall"] for c in r.countries}
        assert sum(short.values()) == pytest.approx(r.demand - r.satisfied, abs=1e-6 * 100)
        if prev is not None:
            for c, v in short.items():
                assert v <= prev[c] + 1e-6 * 100, (k, c, prev, short)
        prev = short


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 6), seed=st.integers(0, 10_000), perm_seed=st.integers(0, 1000))
def test_element_resolved_answers_do_not_depend_on_country_order(
    n: int, seed: int, perm_seed: int
) -> None:
    net = _iso_net(seed, n)
    p = np.random.default_rng(perm_seed).permutation(n)
    p = np.concatenate([[0], [i for i in p if i != 0]])  # keep the layout of China first
    net2 = Network(
        commodity=net.commodity,
        year=net.year,
        unit=net.unit,
        edition=net.edition,
        stages=net.stages,
        countries=tuple(net.countries[i] for i in p),
        output=net.output[:, p],
        capacity=net.capacity[:, p],
        demand=net.demand[p],
        flows=[f[np.ix_(p, p)] for f in net.flows],
    )
    scn = parse(_doc(controls=[{"exporter": "CN", "destinations": ISO[1:3], "fraction": 0.9}]))
    controls, _ = resolve(scn)
    (a,) = engine.solve_scenario(net, scn, controls)[1]
    (b,) = engine.solve_scenario(net2, scn, controls)[1]
    sa = {c["country"]: c["shortfall"] for c in a.countries}
    sb = {c["country"]: c["shortfall"] for c in b.countries}
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k] == pytest.approx(sb[k], abs=1e-5), (k, sa, sb)


# --- precision ------------------------------------------------------------------------


def test_results_are_rounded_to_the_data_precision_and_balanced_on_exact_values() -> None:
    res = engine.run(parse(_doc(controls=[NO18])))
    y = res["years"][0]
    rd = y["rounded"]
    assert rd["significant_digits"] == engine.PRECISION_DIGITS == 3
    for c, r in zip(y["countries"], rd["countries"], strict=True):
        assert r["country"] == c["country"]
        for k in ("demand", "satisfied", "shortfall"):
            assert r[k] == engine.significant(c[k])
            assert len(f"{r[k]:.0f}".rstrip("0")) <= 3 or r[k] == 0
    assert rd["shortfall"] == engine.significant(y["shortfall"])
    # the balance is checked on the exact values: satisfied + shortfall = demand
    assert y["balance"]["ok"]
    for c in y["countries"]:
        assert c["satisfied"] + c["shortfall"] == pytest.approx(c["demand"], abs=1e-6 * y["demand"])
    assert engine.significant(0.0) == 0.0 and engine.significant(747.878) == 748.0
    assert engine.significant(383252.12) == 383000.0


def test_every_rare_earth_goods_item_has_a_stage_and_known_elements() -> None:
    from lanthanide.rules.book import load_rulebook
    from lanthanide.supply.commodities import COMMODITIES, NOT_FLOWS
    from lanthanide.supply.controls import item_network_stages

    spec = COMMODITIES["rare_earth"]
    seen = 0
    for inst in load_rulebook().instruments.values():
        for it in inst.items:
            if it.kind != "goods" or it.commodity != "rare_earth":
                continue
            seen += 1
            sts = item_network_stages(spec, inst.id, it.code, it.stage)
            assert sts or it.stage in NOT_FLOWS, (inst.id, it.code, it.stage)
            assert set(it.elements) <= set(RARE_EARTH_ELEMENTS), (inst.id, it.code)
            if sts:
                # the coverage of every modelled item follows from its elements
                cov = elements.coverage("rare_earth", sts[-1], [frozenset(it.elements)])
                assert any(v > 0 for _, v, _, _ in cov), (inst.id, it.code)
    assert seen >= 30
