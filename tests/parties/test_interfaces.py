"""The party screening through its interfaces: ``lanthanide parties ...``
(the real CLI app) and ``GET /api/v1/parties/search`` (a real server)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from lanthanide.api.app import create_app
from lanthanide.cli import app
from tests.support import serving

runner = CliRunner()
ON = "2026-12-01"
NOTICE = "商务部公告2026年第23号"


def test_screen_mp_materials_is_a_confident_control_list_match() -> None:
    r = runner.invoke(
        app, ["parties", "screen", "MP Materials Corp.", "--on", ON, "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["confident"] is True
    best = data["matches"][0]
    assert best["list"] == "control_list" and best["number"] == NOTICE
    assert best["confidence"] in ("exact", "strong")
    assert best["status"] == "in_force"
    assert "MP Materials" in best["explanation"]["matched_name"]
    assert any(e["applies"] and e["effect"] == "prohibited" for e in best["effects"])
    assert data["lists_checked"]["counts"]["control_list"] > 0


def test_screen_table_shows_the_notice_and_confidence() -> None:
    r = runner.invoke(app, ["parties", "screen", "MP Materials Corp.", "--on", ON])
    assert r.exit_code == 0, r.output
    assert NOTICE in r.stdout and "exact" in r.stdout and "in_force" in r.stdout


def test_a_near_miss_is_not_a_confident_match() -> None:
    r = runner.invoke(app, ["parties", "screen", "General Mills", "--on", ON, "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["confident"] is False
    assert all(not m["confident"] for m in data["matches"])
    assert data["lists_checked"]["announcements"], "a no-match says which lists were checked"


def test_blank_name_exits_2_naming_name() -> None:
    r = runner.invoke(app, ["parties", "screen", "  "])
    assert r.exit_code == 2
    assert "NAME" in r.stderr


def test_bad_country_and_date_name_their_flags() -> None:
    r = runner.invoke(app, ["parties", "screen", "MP Materials", "--country", "USA"])
    assert r.exit_code == 2 and "--country" in r.stderr
    r = runner.invoke(app, ["parties", "screen", "MP Materials", "--on", "yesterday"])
    assert r.exit_code == 2 and "--on" in r.stderr


def test_screen_a_customer_file(tmp_path: Path) -> None:
    src = tmp_path / "customers.csv"
    src.write_text(
        "id,customer\n1,MP Materials Corp.\n2,General Mills\n3,MP Materials Corp.\n4,\n",
        encoding="utf-8",
    )
    out = tmp_path / "screened.csv"
    r = runner.invoke(
        app, ["parties", "screen", str(src), "--column", "customer", "--out", str(out), "--on", ON]
    )
    assert r.exit_code == 0, r.output
    assert "3 distinct names" not in r.stdout and "2 distinct names" in r.stdout
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[0]["notice"] == NOTICE and rows[0]["list"] == "control_list"
    assert rows[0]["confidence"] in ("exact", "strong") and rows[0]["status"] == "in_force"
    assert rows[2]["match_entry"] == rows[0]["match_entry"]
    assert rows[1]["confidence"] in ("none", "possible")
    assert rows[3]["confidence"] == "no name"


def test_customer_file_errors_name_the_flag(tmp_path: Path) -> None:
    src = tmp_path / "customers.csv"
    src.write_text("id,customer\n1,MP Materials Corp.\n", encoding="utf-8")
    r = runner.invoke(app, ["parties", "screen", str(src), "--column", "name", "--out", "o.csv"])
    assert r.exit_code == 2 and "--column" in r.stderr and "customer" in r.stderr
    r = runner.invoke(app, ["parties", "screen", str(src), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 2 and "--column" in r.stderr
    r = runner.invoke(
        app, ["parties", "screen", str(src), "--column", "customer", "--out", str(src)]
    )
    assert r.exit_code == 2 and "--out" in r.stderr
    assert src.read_text(encoding="utf-8").startswith("id,customer")


def test_list_one_list_on_a_date() -> None:
    r = runner.invoke(app, ["parties", "list", "--list", "control", "--on", ON, "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["entries"] and {e["list"] for e in data["entries"]} == {"control_list"}
    assert any(e["name"]["en"] == "MP Materials Corp." for e in data["entries"])
    r = runner.invoke(app, ["parties", "list", "--list", "nope"])
    assert r.exit_code == 2 and "--list" in r.stderr


def test_export_ftm_writes_one_entity_per_line(tmp_path: Path) -> None:
    out = tmp_path / "parties.ftm.json"
    r = runner.invoke(app, ["parties", "export-ftm", "--out", str(out)])
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    entities = [json.loads(x) for x in lines]
    assert len(entities) > 100
    assert {"Sanction"} <= {e["schema"] for e in entities}
    assert all("id" in e and "properties" in e for e in entities)


def test_api_search_on_a_real_server() -> None:
    with serving(create_app()) as base:
        r = httpx.get(f"{base}/api/v1/parties/search", params={"q": "MP Materials Corp.", "on": ON})
        assert r.status_code == 200, r.text
        best = r.json()["matches"][0]
        assert best["number"] == NOTICE and best["confident"]
        r = httpx.get(f"{base}/api/v1/parties/search", params={"q": "General Mills", "on": ON})
        assert r.status_code == 200 and r.json()["confident"] is False


def test_api_rejects_a_blank_or_long_q() -> None:
    with serving(create_app()) as base:
        url = f"{base}/api/v1/parties/search"
        for q in ("", "   ", "x" * 501):
            r = httpx.get(url, params={"q": q})
            assert r.status_code == 422, (q, r.text)
            assert r.json()["detail"][0]["loc"] == ["query", "q"]
        r = httpx.get(url, params={"q": "MP Materials", "country": "USA"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "country"]
