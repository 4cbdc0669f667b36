"""Published shares reproduced from the shipped data, with sources."""

from __future__ import annotations

import numpy as np
import pytest

from lanthanide.supply import data
from lanthanide.supply.network import build
from lanthanide.supply.queries import QueryError, exposure, shares


def _china(year: int, edition: str) -> float:
    r = shares("rare_earth", "mining", year, edition)
    return float(r["editions"][0]["china_share"])


def test_china_mine_share_2022_is_70_percent() -> None:
    assert _china(2022, "MCS2023") == pytest.approx(0.70, abs=0.005)


def test_china_mine_share_2024_both_editions_69_to_71() -> None:
    assert _china(2024, "MCS2025") == pytest.approx(0.692, abs=0.001)
    assert _china(2024, "MCS2026") == pytest.approx(0.711, abs=0.001)
    r = shares("rare_earth", "mining", 2024)
    assert {e["edition"] for e in r["editions"]} == {"MCS2025", "MCS2026"}


def test_every_country_figure_carries_source_edition_and_tag() -> None:
    r = shares("rare_earth", "mining", 2024)
    for e in r["editions"]:
        for c in e["countries"]:
            assert c["source_url"].startswith("http") and c["tag"] and c["edition"]


def test_separation_2023_model_reproduces_iea_92_percent() -> None:
    r = shares("rare_earth", "separation", 2023)
    assert r["published_shares"][0]["share"] == 0.92
    assert r["model"]["shares"]["CN"] == pytest.approx(0.92, abs=1e-4)


def test_gallium_and_graphite_and_tungsten_shares() -> None:
    assert shares("gallium", "refining", 2024)["editions"][0]["china_share"] == pytest.approx(
        0.989, abs=0.001
    )
    assert shares("graphite", "mining", 2024)["editions"][0]["china_share"] == pytest.approx(
        0.82, abs=0.005
    )
    assert shares("tungsten", "mining", 2024)["editions"][0]["china_share"] == pytest.approx(
        0.817, abs=0.001
    )


def test_germanium_has_shares_only() -> None:
    r = shares("germanium", "refining", 2023)
    assert r["published_shares"][0]["share"] == 0.68
    assert isinstance(r["model"], str) and "shares only" in r["model"]


def test_missing_year_says_not_in_the_data() -> None:
    r = shares("rare_earth", "separation", 2016)
    assert "not in the data" in r["note"]


def test_bad_stage_names_field() -> None:
    with pytest.raises(QueryError) as e:
        shares("rare_earth", "smelting", 2024)
    assert e.value.field == "stage" and "separation" in e.value.message


def test_every_data_row_is_sourced() -> None:
    for f in data.figures():
        assert f.source_url.startswith("http") and f.tag in ("P", "P*", "S", "U")
    for a in data.assumptions():
        assert a.source_url.startswith("http") and a.tag in ("P", "P*", "S", "U")


@pytest.mark.parametrize(
    "com,year", [("rare_earth", 2024), ("rare_earth", 2010), ("gallium", 2024), ("antimony", 2024)]
)
def test_baseline_flows_reproduce_stage_outputs(com: str, year: int) -> None:
    net = build(com, year)
    for s, f in enumerate(net.flows):
        need = net.output[s + 1] if s + 1 < len(net.stages) else net.demand
        assert np.allclose(f.sum(axis=1), net.output[s], rtol=1e-9)
        assert np.allclose(f.sum(axis=0), need, rtol=1e-9)


def test_mountain_pass_loop_us_ore_goes_to_china() -> None:
    net = build("rare_earth", 2024, edition="MCS2026")
    i = net.index
    # the recorded exports go to China first; the rest is allocated in proportion
    assert net.flows[0][i["US"], i["CN"]] >= 37_500
    assert net.flows[0][i["US"], i["US"]] == pytest.approx(net.output[1, i["US"]])


def test_exposure_us_magnets_through_china() -> None:
    e = exposure("US", "rare_earth", 2024)
    magnet = e["stages"][-1]
    assert magnet["net_import_reliance"] == 1.0
    assert magnet["through_china_share"] > 0.9
    mining = e["stages"][0]
    assert mining["production_share"] == pytest.approx(45_500 / 384_000, rel=1e-3)


def test_exposure_unknown_country() -> None:
    e = exposure("FI", "rare_earth", 2024)
    assert "not in the data" in e["note"]
    with pytest.raises(QueryError):
        exposure("XX", "rare_earth", 2024)
