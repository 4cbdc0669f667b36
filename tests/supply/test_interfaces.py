"""CLI and API for supply and scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from lanthanide.cli import app

from .conftest import EXAMPLES

runner = CliRunner()


def test_shares_json_matches_published() -> None:
    r = runner.invoke(
        app,
        [
            "supply",
            "shares",
            "--commodity",
            "rare_earth",
            "--stage",
            "mining",
            "--year",
            "2022",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["editions"][0]["china_share"] == pytest.approx(0.70, abs=0.005)


def test_bad_stage_exits_2() -> None:
    r = runner.invoke(
        app, ["supply", "shares", "--commodity", "rare_earth", "--stage", "x", "--year", "2024"]
    )
    assert r.exit_code == 2


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")))
def test_example_scenarios_run_and_balance(path: Path) -> None:
    r = runner.invoke(app, ["scenario", "run", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["balance_ok"]


@pytest.mark.parametrize(
    "doc,field",
    [
        ({"name": "x", "commodity": "tin", "base_year": 2024}, "commodity"),
        (
            {
                "name": "x",
                "commodity": "gallium",
                "base_year": 2024,
                "controls": [{"exporter": "CN", "fraction": 2}],
            },
            "controls[0].fraction",
        ),
        (
            {
                "name": "x",
                "commodity": "gallium",
                "base_year": 2024,
                "controls": [{"rulebook": "cn-mofcom-gac-2023-23", "on": "2023-08-01", "bogus": 1}],
            },
            "controls[0].bogus",
        ),
        (
            {
                "name": "x",
                "commodity": "gallium",
                "base_year": 2024,
                "controls": [{"rulebook": "no-such-id", "on": "2023-08-01"}],
            },
            "controls[0].rulebook",
        ),
    ],
)
def test_bad_scenario_exits_2_naming_the_field(
    write_scenario: Any, doc: dict[str, Any], field: str
) -> None:
    r = runner.invoke(app, ["scenario", "run", str(write_scenario(doc))])
    assert r.exit_code == 2
    assert field in r.stderr


def test_rulebook_suspension_is_reported_and_skipped(write_scenario: Any) -> None:
    doc = {
        "name": "us",
        "commodity": "gallium",
        "base_year": 2024,
        "controls": [{"rulebook": "cn-mofcom-2024-46", "on": "2025-12-01"}],
    }
    r = runner.invoke(app, ["scenario", "run", str(write_scenario(doc)), "--format", "json"])
    data = json.loads(r.stdout)
    skipped = data["controls"][0]["skipped"]
    assert any("suspended" in s["reason"] for s in skipped)
    doc["controls"][0]["on"] = "2025-01-01"
    r = runner.invoke(app, ["scenario", "run", str(write_scenario(doc)), "--format", "json"])
    data = json.loads(r.stdout)
    applied = data["controls"][0]["applied"]
    assert applied and applied[0]["destinations"]["countries"] == ["US"]
    us = next(c for c in data["years"][0]["countries"] if c["country"] == "US")
    assert us["satisfied"] < us["baseline_satisfied"]


def test_plot_png_and_html(tmp_path: Path) -> None:
    for ext in ("png", "html"):
        out = tmp_path / f"p.{ext}"
        r = runner.invoke(
            app, ["scenario", "run", str(EXAMPLES / "japan-2010.yaml"), "--plot", str(out)]
        )
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 1000
    assert '<script src="http' not in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_replay_directions() -> None:
    from lanthanide.supply.replay import replays

    for ep in replays():
        assert ep["balance_ok"]
        for c in ep["comparisons"]:
            if c["same_direction"] is not None and "exports" in c["observable"]:
                assert c["same_direction"], c


def test_api_supply_and_scenario(server: str) -> None:
    r = httpx.get(
        f"{server}/api/v1/supply/shares",
        params={"commodity": "rare_earth", "stage": "mining", "year": 2024},
    )
    assert r.status_code == 200
    r = httpx.get(
        f"{server}/api/v1/supply/exposure", params={"country": "JP", "commodity": "rare_earth"}
    )
    assert r.status_code == 200 and r.json()["stages"]
    doc = {
        "name": "x",
        "commodity": "gallium",
        "base_year": 2024,
        "controls": [{"exporter": "CN", "destinations": ["JP"], "fraction": 1.0}],
    }
    r = httpx.post(f"{server}/api/v1/scenarios/run", json=doc, timeout=60)
    assert r.status_code == 200 and r.json()["balance_ok"]
    doc["controls"][0]["fraction"] = 3
    r = httpx.post(f"{server}/api/v1/scenarios/run", json=doc, timeout=60)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "controls", "0", "fraction"]
