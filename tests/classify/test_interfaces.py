"""``lanthanide classify`` and ``GET /api/v1/classify``: same JSON, bad input
named, exit code 2 / HTTP 422."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.rules.book import Rulebook

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["classify", "GaAs", "--top", "0"], "--top"),
        (["classify", "GaAs", "--top", "51"], "--top"),
        (["classify", "GaAs", "--kind", "service"], "--kind"),
        (["classify", "GaAs", "--format", "xml"], "--format"),
        (["classify", "  "], "TEXT"),
    ],
)
def test_bad_input_exits_2_naming_the_flag(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output


def test_json_and_table() -> None:
    j = runner.invoke(app, ["classify", "氧化镝 99.5%", "--top", "3", "--format", "json"])
    assert j.exit_code == 0, j.output
    data = json.loads(j.stdout)
    assert len(data["results"]) == 3
    assert data["results"][0]["code"] == "1C905.b"
    assert data["params"] == {"purity": "99.5%"}
    t = runner.invoke(app, ["classify", "氧化镝 99.5%", "--top", "3"])
    assert t.exit_code == 0
    assert "1C905.b" in t.stdout and "purity=99.5%" in t.stdout


def test_api_matches_cli(server: str, book: Rulebook) -> None:
    r = httpx.get(f"{server}/api/v1/classify", params={"q": "APT", "top": 3})
    assert r.status_code == 200
    assert r.headers["X-Rulebook-Version"] == book.version
    body = r.json()
    assert body["results"][0]["code"] == "1C117.d-1"
    cli = runner.invoke(app, ["classify", "APT", "--top", "3", "--format", "json"])
    assert json.loads(cli.stdout) == body


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "APT", "top": 0}, "top"),
        ({"q": "APT", "kind": "service"}, "kind"),
        ({"q": ""}, "q"),
        ({}, "q"),
    ],
)
def test_api_bad_input_is_422_naming_the_field(
    server: str, params: dict[str, object], field: str
) -> None:
    r = httpx.get(f"{server}/api/v1/classify", params=params)  # type: ignore[arg-type]
    assert r.status_code == 422
    assert any(d["loc"][-1] == field for d in r.json()["detail"])
