"""Fixtures for the supply tests: synthetic networks and scenario files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import strategies as st

from lanthanide.supply.controls import FlowControl
from lanthanide.supply.network import Network, allocate
from lanthanide.supply.solve import Plan

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples" / "scenarios"

ISO = ["CN", "JP", "US", "DE", "KR", "VN"]
"""Country codes of the small random networks of the build-out properties."""

BUILDOUT_CASES: dict[str, Any] = {
    "n": st.integers(3, 6),
    "seed": st.integers(0, 10_000),
    "frac": st.floats(0.3, 1.0),
    "builds": st.lists(
        st.tuples(
            st.integers(0, 5), st.sampled_from(["mining", "separation"]), st.floats(0.5, 30.0)
        ),
        min_size=1,
        max_size=3,
    ),
}
"""Arguments of the "build-out never raises any country's shortfall"
properties: a network of ``n`` countries from ``seed``, China's exports to
two of them cut by ``frac``, and up to three capacity additions."""


def make_net(
    countries: list[str], output: np.ndarray, demand: np.ndarray, capacity: np.ndarray | None = None
) -> Network:
    """A network with proportional baseline flows (output rows sum to the world)."""
    stages = ("mining", "separation", "metal_alloy", "magnet")[: output.shape[0]]
    flows = []
    for s in range(output.shape[0]):
        need = output[s + 1] if s + 1 < output.shape[0] else demand
        flows.append(allocate(output[s], need))
    return Network(
        commodity="rare_earth",
        year=2024,
        unit="t",
        edition="test",
        stages=stages,
        countries=tuple(countries),
        output=output,
        capacity=output.copy() if capacity is None else capacity,
        demand=demand,
        flows=flows,
    )


def plan_for(net: Network, capacity: np.ndarray | None = None) -> Plan:
    return Plan(
        year=2024,
        capacity=net.capacity if capacity is None else capacity,
        demand=net.demand.copy(),
        baseline=[f.copy() for f in net.flows],
    )


def ban(
    exporter: str,
    dests: list[str] | None = None,
    fraction: float = 1.0,
    stages: tuple[str, ...] = ("mining", "separation", "metal_alloy", "magnet"),
) -> FlowControl:
    return FlowControl(
        label=f"ban {exporter}",
        exporter=exporter,
        stages=stages,
        mode="all" if dests is None else "only",
        countries=tuple(dests or ()),
        fraction=fraction,
    )


@pytest.fixture()
def write_scenario(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(doc: dict[str, Any], name: str = "s.yaml") -> Path:
        p = tmp_path / name
        p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return p

    return _write
