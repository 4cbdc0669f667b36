"""The HTTP API, against a real uvicorn server on loopback."""

from __future__ import annotations

import json

import httpx
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.rules.book import Rulebook

GAN = {"hs": "2850001901", "to": "KR", "on": "2024-02-01"}


def test_check_matches_cli_json(server: str, book: Rulebook) -> None:
    r = httpx.post(f"{server}/api/v1/check", json=GAN)
    assert r.status_code == 200
    assert r.headers["X-Rulebook-Version"] == book.version
    body = r.json()
    assert body["verdict"] == "licence_required"
    assert body["findings"][0]["instrument"]["number"] == "商务部 海关总署公告2023年第23号"
    cli = CliRunner().invoke(
        app, ["check", "--hs", GAN["hs"], "--to", GAN["to"], "--on", GAN["on"], "--format", "json"]
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == body


def test_every_response_carries_the_version(server: str, book: Rulebook) -> None:
    for path in (
        "/api/v1/health",
        "/api/v1/rules",
        "/api/v1/rules/coverage",
        "/openapi.json",
        "/api/v1/rules/no-such-instrument",
    ):
        r = httpx.get(f"{server}{path}")
        assert r.headers["X-Rulebook-Version"] == book.version, path


def test_bad_field_is_422_naming_it(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/check", json={"hs": "12", "to": "KR"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "hs"]
    r = httpx.post(f"{server}/api/v1/check", json={"hs": "2850001901", "end_use": "peaceful"})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"][-1] == "end_use" and "military" in detail["msg"]
    r = httpx.post(
        f"{server}/api/v1/check", json={"hs": "2850001901", "params": {"purity": "lots"}}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "params", "purity"]
    r = httpx.post(f"{server}/api/v1/check", json={"hs": "2850001901", "colour": "red"})
    assert r.status_code == 422
    for body, loc in (
        ({"item": "  "}, ["body", "item"]),
        ({"text": "\u3000", "to": "US"}, ["body", "text"]),
        ({"item": "1C902", "params": {"purity": -5}}, ["body", "params", "purity"]),
        ({"item": "1C902", "params": {"purity": 250}}, ["body", "params", "purity"]),
        ({"item": "1C902", "end_user": " "}, ["body", "end_user"]),
    ):
        r = httpx.post(f"{server}/api/v1/check", json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"] == loc, body


def test_end_user_screening_shows_the_match(server: str) -> None:
    body = {"hs": "2846901500", "to": "US", "on": "2026-12-01", "end_user": "MP Materials"}
    j = httpx.post(f"{server}/api/v1/check", json=body).json()
    assert j["verdict"] == "prohibited"
    assert j["findings"][0]["instrument"]["number"] == "商务部公告2026年第23号"
    assert "MP Materials Corp." in j["findings"][0]["matched_by"]
    assert j["parties"]["matches"][0]["explanation"]


def test_unknown_instrument_is_404(server: str) -> None:
    r = httpx.get(f"{server}/api/v1/rules/no-such-instrument")
    assert r.status_code == 404
    assert "cn-mofcom-gac-2023-23" in r.json()["detail"][0]["msg"]


def test_rules_endpoints(server: str) -> None:
    listing = httpx.get(f"{server}/api/v1/rules").json()
    assert any(r["id"] == "cn-mofcom-gac-2023-23" for r in listing)
    one = httpx.get(f"{server}/api/v1/rules/cn-mofcom-gac-2023-23").json()
    assert one["number"] == "商务部 海关总署公告2023年第23号"
    assert all(s["url"] for s in one["sources"])
    cov = httpx.get(f"{server}/api/v1/rules/coverage").json()
    assert "catalogues" in cov and "partial" in cov
    spec = httpx.get(f"{server}/openapi.json").json()
    assert "/api/v1/check" in spec["paths"]
