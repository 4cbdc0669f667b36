"""LP invariants: balance, zero-share bans, sole suppliers, build-out."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lanthanide.supply.solve import check_balance, solve_year

from .conftest import ban, make_net, plan_for


def _demand(r: object, c: str) -> dict[str, float]:
    return next(x for x in r.countries if x["country"] == c)  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 6),
    stages=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    banned=st.integers(0, 5),
    frac=st.floats(0.0, 1.0),
    spare=st.floats(0.0, 1.0),
)
def test_balance_holds_for_random_capacities_and_bans(
    n: int, stages: int, seed: int, banned: int, frac: float, spare: float
) -> None:
    rng = np.random.default_rng(seed)
    out = rng.uniform(0, 100, size=(stages, n)) * (rng.uniform(size=(stages, n)) > 0.3)
    out[:, 0] += 1.0
    out = out / out.sum(axis=1, keepdims=True) * 100.0
    dem = rng.uniform(0, 1, size=n)
    dem = dem / dem.sum() * 100.0
    names = [f"A{k}" for k in range(n)]
    net = make_net(names, out, dem, capacity=out * (1 + spare))
    ctl = [ban(names[banned % n], [names[(banned + 1) % n]], frac)]
    r = solve_year(net, plan_for(net), ctl)
    assert r.balance["ok"], r.balance["problems"]
    for node in r.nodes:
        if node["capacity"] is not None:
            assert node["outflow"] <= node["capacity"] * (1 + 1e-9) + 1e-6
    assert r.satisfied <= dem.sum() + 1e-6
    # a control never helps
    r0 = solve_year(net, plan_for(net), [])
    assert r.satisfied <= r0.satisfied + 1e-6
    assert r0.satisfied == pytest.approx(dem.sum(), rel=1e-7)


def test_balance_check_catches_a_bad_result() -> None:
    nodes = [
        {
            "country": "A",
            "stage": "mining",
            "production": 1.0,
            "inflow": 0.0,
            "outflow": 2.0,
            "capacity": 1.5,
        }
    ]
    flows = [{"from": "A", "from_stage": "mining", "to": "B", "to_stage": "demand", "value": 2.0}]
    res = check_balance(nodes, flows, [{"country": "B", "demand": 1.0, "satisfied": 2.0}])
    assert not res["ok"] and len(res["problems"]) == 3


def _two_stage() -> tuple[list[str], np.ndarray, np.ndarray]:
    names = ["CN", "JP", "US", "ZW"]
    out = np.array([[80.0, 0.0, 20.0, 0.0], [90.0, 10.0, 0.0, 0.0]])
    dem = np.array([60.0, 25.0, 15.0, 0.0])
    return names, out, dem


def test_ban_by_zero_share_country_changes_nothing() -> None:
    names, out, dem = _two_stage()
    dem[3] = 0.0
    net = make_net(names, out, dem, capacity=out * 1.2)
    base = solve_year(net, plan_for(net), [])
    r = solve_year(net, plan_for(net), [ban("ZW", None, 1.0)])
    assert r.satisfied == pytest.approx(base.satisfied)
    assert r.rerouted == []
    assert [f["value"] for f in r.flows] == pytest.approx([f["value"] for f in base.flows])


def test_sole_supplier_ban_leaves_exactly_its_demand_unmet() -> None:
    names = ["CN", "JP", "US"]
    out = np.array([[100.0, 0.0, 0.0]])
    dem = np.array([50.0, 30.0, 20.0])
    net = make_net(names, out, dem, capacity=out * 1.5)
    r = solve_year(net, plan_for(net), [ban("CN", ["JP"], 1.0, ("mining",))])
    assert _demand(r, "JP")["shortfall"] == pytest.approx(30.0)
    assert _demand(r, "US")["shortfall"] == pytest.approx(0.0, abs=1e-9)
    assert _demand(r, "CN")["shortfall"] == pytest.approx(0.0, abs=1e-9)
    assert r.demand - r.satisfied == pytest.approx(30.0)
    assert any(b["type"] == "control" and b["to"] == "JP" for b in r.binding)


@given(extra=st.lists(st.floats(0.0, 50.0), min_size=3, max_size=3))
@settings(max_examples=25, deadline=None)
def test_buildout_monotonically_reduces_shortfall(extra: list[float]) -> None:
    names, out, dem = _two_stage()
    net = make_net(names, out, dem, capacity=out * 1.05)
    ctl = [ban("CN", ["JP", "US"], 1.0)]
    shortfalls = []
    cap = net.capacity.copy()
    for e in [0.0, *sorted(extra)]:
        c2 = cap.copy()
        c2[1, 1] += e  # JP separation
        c2[0, 2] += e  # US mining
        r = solve_year(net, plan_for(net, c2), ctl)
        shortfalls.append(r.demand - r.satisfied)
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(shortfalls))


def test_pooled_market_for_many_exporters_keeps_balance() -> None:
    n = 60
    rng = np.random.default_rng(1)
    out = rng.uniform(1, 10, size=(2, n))
    out = out / out.sum(axis=1, keepdims=True) * 1000
    dem = rng.uniform(1, 10, size=n)
    dem = dem / dem.sum() * 1000
    names = ["CN", *[f"C{k}" for k in range(n - 1)]]
    net = make_net(names, out, dem, capacity=out * 1.1)
    r = solve_year(net, plan_for(net), [ban("CN", None, 1.0)])
    assert r.balance["ok"], r.balance["problems"]
    assert any(nd["country"] == "market" for nd in r.nodes)
