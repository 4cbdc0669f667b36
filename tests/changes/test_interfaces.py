"""The CLI commands and HTTP routes over lanthanide.changes: same JSON, errors
naming the flag (exit 2) or the field (422)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from lanthanide.cli import app

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples/portfolios/sample.csv"
runner = CliRunner()


def _cli(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


class _Http:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, params: dict[str, str]) -> httpx.Response:
        return httpx.get(self.base + path, params=params, timeout=120)

    def post(self, path: str, json: object) -> httpx.Response:
        return httpx.post(self.base + path, json=json, timeout=120)


def test_cli_timeline_json_equals_api(server: str) -> None:
    code, out, _ = _cli(
        "rules",
        "timeline",
        "--hs",
        "2853909026",
        "--to",
        "US",
        "--end-use",
        "civil",
        "--from",
        "2023-01-01",
        "--until",
        "2028-01-01",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert [(c["date"], c["verdict_to"], c["instrument"]) for c in data["changes"]] == [
        ("2023-08-01", "licence_required", "cn-mofcom-gac-2023-23"),
        ("2024-12-03", "denial_presumed", "cn-mofcom-2024-46"),
        ("2025-11-09", "licence_required", "cn-mofcom-2025-72"),
        ("2026-11-28", "denial_presumed", "cn-mofcom-2025-72"),
    ]
    assert data["alternatives"][0]["reading"] == "extended-2027-01-10"
    r = _Http(server).get(
        "/api/v1/timeline",
        params={
            "hs": "2853909026",
            "to": "US",
            "end_use": "civil",
            "from": "2023-01-01",
            "until": "2028-01-01",
        },
    )
    assert r.status_code == 200
    assert r.json() == data


def test_cli_timeline_plot(tmp_path: Path) -> None:
    png = tmp_path / "t.png"
    code, out, _ = _cli("rules", "timeline", "--item", "1C909.b", "--to", "DE", "--plot", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"
    assert "2026-11-11" in out
    code, _, errout = _cli(
        "rules", "timeline", "--item", "1C909.b", "--to", "DE", "--plot", "t.svg"
    )
    assert code == 2 and "--plot" in errout


def test_cli_timeline_table_shows_alternatives_without_markup() -> None:
    code, out, _ = _cli(
        "rules", "timeline", "--hs", "2853909026", "--to", "US", "--from", "2026-01-01"
    )
    assert code == 0
    assert "alternative kl-arrangement-extension-2027 / extended-2027-01-10 (U)" in out
    assert "[yellow]" not in out and "[/]" not in out


def test_cli_errors_name_the_flag() -> None:
    code, _, e = _cli("rules", "timeline", "--hs", "2853909026", "--to", "XX")
    assert code == 2 and "--to" in e
    code, _, e = _cli(
        "rules", "timeline", "--hs", "2853909026", "--to", "US", "--from", "2024-13-01"
    )
    assert code == 2 and "--from" in e
    code, _, e = _cli("rules", "changes", "--since", "2026-01-01", "--until", "2025-01-01")
    assert code == 2 and "--until" in e


def test_cli_changes_json_equals_api(server: str) -> None:
    http = _Http(server)
    code, out, _ = _cli(
        "rules", "changes", "--since", "2025-11-09", "--until", "2025-11-10", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert any(c["kind"] == "suspended" and c["by"] == "cn-mofcom-2025-72" for c in data)
    r = http.get("/api/v1/changes", params={"since": "2025-11-09", "until": "2025-11-10"})
    assert r.status_code == 200 and r.json() == data
    bad = http.get("/api/v1/changes", params={"since": "2026-01-01", "until": "2025-01-01"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "until"]


def test_cli_impact_between_dates_and_api(server: str) -> None:
    http = _Http(server)
    code, out, _ = _cli(
        "impact", str(SAMPLE), "--between", "2026-11-10", "2026-11-11", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["changed"] == 2
    assert {r["id"] for r in data["rows"] if r["changed"]} == {"P-003", "P-008"}
    import csv

    with SAMPLE.open(encoding="utf-8") as fh:
        rows = [{k: v for k, v in r.items() if v} for r in csv.DictReader(fh)]
    r = http.post("/api/v1/impact", json={"rows": rows, "between": ["2026-11-10", "2026-11-11"]})
    assert r.status_code == 200
    assert r.json() == data
    bad = http.post(
        "/api/v1/impact",
        json={
            "rows": [{"hs": "2853909026", "destination": "XX1"}],
            "between": ["2026-11-10", "2026-11-11"],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "rows", 0, "destination"]
    r = http.post("/api/v1/impact", json={"rows": rows, "from": "2026-11-10", "to": "2026-11-11"})
    assert r.status_code == 200 and r.json() == data
    for body, field in (
        ({"from": "2026-11-10"}, "to"),
        ({"to": "2026-11-11"}, "from"),
        ({}, "between"),
        ({"between": ["2026-11-10", "2026-11-11"], "from": "2026-11-10"}, "between"),
    ):
        r = http.post("/api/v1/impact", json={"rows": rows, **body})
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"] == ["body", field], body


def test_cli_impact_with_an_overlay(tmp_path: Path, overlay_dir: Path) -> None:
    code, out, _ = _cli(
        "impact",
        str(SAMPLE),
        "--on",
        "2026-12-01",
        "--to-rulebook",
        str(overlay_dir),
        "--format",
        "json",
    )
    assert code == 0, out
    changed = [r for r in json.loads(out)["rows"] if r["changed"]]
    assert {r["causes"][0]["instrument"] for r in changed} == {"cn-test-extension"}


def test_cli_impact_errors(tmp_path: Path) -> None:
    bad = tmp_path / "p.csv"
    bad.write_text("hs,destination\n2853909026,XX1\n", encoding="utf-8")
    code, _, e = _cli("impact", str(bad), "--between", "2026-11-10", "2026-11-11")
    assert code == 2 and "row 1, column 'destination'" in e
    bad.write_text("hs,destination\n2853909026,US\n2853909026,US,civil\n", encoding="utf-8")
    code, _, e = _cli("impact", str(bad), "--from", "2026-11-10", "--to", "2026-11-11")
    assert code == 2 and "row 2: 3 fields, the header has 2" in e
    code, _, e = _cli("impact", str(SAMPLE))
    assert code == 2 and "--between" in e
    code, _, e = _cli("impact", str(SAMPLE), "--on", "2026-12-01")
    assert code == 2 and "--to-rulebook" in e


def test_cli_impact_from_to_flags(overlay_dir: Path) -> None:
    """The issue's spelling: --from D1 --to D2, and --from-rulebook/--to-rulebook."""
    fmt = ("--format", "json")
    code, between, e = _cli("impact", str(SAMPLE), "--between", "2026-11-10", "2026-11-11", *fmt)
    assert code == 0, e
    code, from_to, e = _cli(
        "impact", str(SAMPLE), "--from", "2026-11-10", "--to", "2026-11-11", *fmt
    )
    assert code == 0, e
    assert json.loads(from_to) == json.loads(between)
    # the same overlay on both sides: nothing changes; bundled -> overlay: the extension
    same = ("--from-rulebook", str(overlay_dir), "--to-rulebook", str(overlay_dir))
    code, out, e = _cli("impact", str(SAMPLE), "--on", "2026-12-01", *same, *fmt)
    assert code == 0, e
    assert json.loads(out)["summary"]["changed"] == 0
    code, out, e = _cli(
        "impact", str(SAMPLE), "--on", "2026-12-01", "--to-rulebook", str(overlay_dir), *fmt
    )
    assert code == 0, e
    assert json.loads(out)["summary"]["changed"] > 0
    for args, flag in (
        (("--from", "2026-11-10"), "--to"),
        (("--to", "2026-11-10"), "--from"),
        (("--from", "2026-11-10", "--to", "10/11/2026"), "--to"),
        (
            ("--from", "2026-11-10", "--to", "2026-11-11", "--to-rulebook", str(overlay_dir)),
            "--from",
        ),
        (("--from-rulebook", str(overlay_dir)), "--from"),
        (("--to-rulebook", str(overlay_dir / "missing")), "--to-rulebook"),
    ):
        code, _, e = _cli("impact", str(SAMPLE), *args)
        assert code == 2 and flag in e, (args, e)


def test_cli_impact_engines_give_the_same_json() -> None:
    base = ("impact", str(SAMPLE), "--between", "2026-11-27", "2026-11-28", "--format", "json")
    outs = {}
    for engine in ("inprocess", "duckdb", "auto"):
        code, out, e = _cli(*base, "--engine", engine)
        assert code == 0, e
        outs[engine] = json.loads(out)
    assert outs["duckdb"] == outs["inprocess"] == outs["auto"]
    assert outs["duckdb"]["summary"]["verdict_changed"] == 1


def test_cli_impact_engine_errors(tmp_path: Path) -> None:
    days = ("--between", "2026-11-10", "2026-11-11")
    code, _, e = _cli("impact", str(SAMPLE), *days, "--engine", "polars")
    assert code == 2 and "--engine" in e and "duckdb" in e
    code, _, e = _cli("impact", str(SAMPLE), *days, "--spark-master", "local[1]")
    assert code == 2 and "--spark-master" in e
    code, _, e = _cli("impact", str(SAMPLE), *days, "--engine", "duckdb", "--workers", "0")
    assert code == 2 and "--workers" in e
    bad = tmp_path / "p.csv"
    bad.write_text("hs,destination\n2853909026,US\n2853909026,XX\n", encoding="utf-8")
    code, _, e = _cli("impact", str(bad), *days, "--engine", "duckdb")
    assert code == 2 and "row 2, column 'destination'" in e
