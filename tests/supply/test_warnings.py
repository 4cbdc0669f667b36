"""Countries a scenario names that are not separate network nodes get a
warning (JSON, table, API); unknown ISO codes are rejected as bad input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.supply import engine
from lanthanide.supply.scenario import parse

runner = CliRunner()

DOC: dict[str, Any] = {
    "name": "w",
    "commodity": "rare_earth",
    "base_year": 2024,
    "controls": [
        {"exporter": "CN", "destinations": ["TW", "JP"]},
        {
            "exporter": "CN",
            "stages": ["magnet"],
            "destinations": "all",
            "destinations_except": ["FR"],
        },
        {"exporter": "PE", "destinations": ["JP"]},
    ],
    "buildout": [{"country": "CA", "stage": "separation", "year": 2024, "capacity": 1000}],
}


def _by_field(result: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {w["field"]: w for w in result["warnings"]}


def test_absent_countries_are_named_with_what_happens_to_them() -> None:
    w = _by_field(engine.run(parse(DOC)))
    assert set(w) == {
        "controls[0].destinations",
        "controls[1].destinations_except",
        "controls[2].exporter",
        "buildout[0].country",
    }
    tw = w["controls[0].destinations"]
    assert tw["country"] == "TW"
    assert "not a separate node in the rare_earth network" in tw["message"]
    assert "folded into ZZ" in tw["message"] and "not modelled at magnet" in tw["message"]
    assert "ZZ is not covered by this control" in tw["message"]
    assert "restricted although FR is excluded" in w["controls[1].destinations_except"]["message"]
    assert "blocks nothing" in w["controls[2].exporter"]["message"]
    assert "new node" in w["buildout[0].country"]["message"]


def test_no_warnings_when_every_country_is_a_node() -> None:
    doc = {
        "name": "ok",
        "commodity": "rare_earth",
        "base_year": 2024,
        "controls": [{"exporter": "CN", "destinations": ["JP", "US"]}],
    }
    assert engine.run(parse(doc))["warnings"] == []


def test_warnings_in_json_and_table(write_scenario: Any) -> None:
    path = str(write_scenario(DOC))
    r = runner.invoke(app, ["scenario", "run", path, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "controls[0].destinations" in _by_field(json.loads(r.stdout))
    r = runner.invoke(app, ["scenario", "run", path], env={"COLUMNS": "400"})
    assert r.exit_code == 0, r.output
    assert "warning controls[0].destinations: TW is not a separate node" in r.stdout


@pytest.mark.parametrize(
    "patch,field",
    [
        ({"controls": [{"exporter": "CN", "destinations": ["XQ"]}]}, "controls[0].destinations"),
        ({"controls": [{"exporter": "QQ"}]}, "controls[0].exporter"),
        (
            {"buildout": [{"country": "XX", "stage": "separation", "year": 2024, "capacity": 1}]},
            "buildout[0].country",
        ),
        (
            {
                "controls": [
                    {
                        "rulebook": "cn-mofcom-gac-2023-23",
                        "on": "2023-08-01",
                        "only_destinations": ["UK"],
                    }
                ]
            },
            "controls[0].only_destinations",
        ),
    ],
)
def test_unknown_iso_codes_exit_2_naming_the_field(
    write_scenario: Any, patch: dict[str, Any], field: str
) -> None:
    r = runner.invoke(app, ["scenario", "run", str(write_scenario({**DOC, **patch}))])
    assert r.exit_code == 2, r.output
    assert field in r.stderr


def test_api_warnings_and_unknown_code(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/scenarios/run", json=DOC, timeout=60)
    assert r.status_code == 200
    assert _by_field(r.json())["controls[0].destinations"]["country"] == "TW"
    bad = {**DOC, "controls": [{"exporter": "CN", "destinations": ["JP", "XQ"]}]}
    r = httpx.post(f"{server}/api/v1/scenarios/run", json=bad, timeout=60)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:4] == ["body", "controls", "0", "destinations"]
