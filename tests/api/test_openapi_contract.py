"""The fixes schemathesis (``--checks all``, docs/security.md) asked for,
each held by a fast test on the ASGI app (no server): a 405 lists every
method served at the path in ``Allow``; dates are ``YYYY-MM-DD`` only (no
Unix timestamps); domain 422s are declared in the OpenAPI description;
blank strings and malformed ``param`` values are ruled out by the schema."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lanthanide._client import Lanthanide
from lanthanide.api.app import create_app
from lanthanide.rules.book import Rulebook


@pytest.fixture(scope="module")
def app(book: Rulebook) -> FastAPI:
    return create_app(Lanthanide(book))


def call(app: FastAPI, method: str, url: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.request(method, url, **kw)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/reports", "GET, POST"),
        ("/api/v1/licence-applications", "GET, POST"),
        ("/api/v1/licences/1/shipments", "GET, POST"),
        ("/api/v1/check", "POST"),
        ("/api/v1/rules", "GET"),
    ],
)
def test_405_allow_lists_every_method_of_the_path(app: FastAPI, path: str, allow: str) -> None:
    r = call(app, "OPTIONS", path)
    assert r.status_code == 405
    assert r.headers["Allow"] == allow
    d = r.json()["detail"][0]
    assert d["loc"] == ["method"] and allow in d["msg"]


@pytest.mark.parametrize("value", ["0", "1700000000", "20240601", "2024-6-1", "2024-13-01", ""])
def test_rules_on_is_an_iso_date_only(app: FastAPI, value: str) -> None:
    r = call(app, "GET", "/api/v1/rules", params={"on": value})
    assert r.status_code == 422, r.text
    d = r.json()["detail"][0]
    assert d["loc"] == ["query", "on"] and "YYYY-MM-DD" in d["msg"]
    assert call(app, "GET", "/api/v1/rules", params={"on": "2024-06-01"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "kw", "where"),
    [
        ("GET", "/api/v1/changes", {"params": {"since": "0"}}, ["query", "since"]),
        (
            "GET",
            "/api/v1/changes",
            {"params": {"since": "2024-01-01", "until": "0"}},
            ["query", "until"],
        ),
        (
            "GET",
            "/api/v1/timeline",
            {"params": {"hs": "2853909026", "to": "US", "from": "0"}},
            ["query", "from"],
        ),
        ("GET", "/api/v1/parties/search", {"params": {"q": "Acme", "on": "0"}}, ["query", "on"]),
        ("GET", "/api/v1/classify", {"params": {"q": "DyFe alloy", "on": "0"}}, ["query", "on"]),
        (
            "POST",
            "/api/v1/check",
            {"json": {"hs": "2853909026", "to": "US", "on": 0}},
            ["body", "on"],
        ),
        (
            "POST",
            "/api/v1/impact",
            {
                "json": {
                    "rows": [{"hs": "2853909026", "destination": "US"}],
                    "between": [0, "2025-01-01"],
                }
            },
            ["body", "between", 0],
        ),
    ],
)
def test_every_date_field_refuses_timestamps(
    app: FastAPI, method: str, url: str, kw: dict[str, Any], where: list[Any]
) -> None:
    r = call(app, method, url, **kw)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == where


def test_domain_422s_are_declared(app: FastAPI) -> None:
    paths = call(app, "GET", "/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/check", "post"),
        ("/api/v1/rules", "get"),
        ("/api/v1/timeline", "get"),
        ("/api/v1/changes", "get"),
        ("/api/v1/impact", "post"),
        ("/api/v1/supply/shares", "get"),
        ("/api/v1/supply/exposure", "get"),
        ("/api/v1/scenarios/run", "post"),
        ("/api/v1/parties/search", "get"),
    ]:
        resp = paths[path][method]["responses"]["422"]
        assert resp["description"].startswith("Invalid field"), (path, resp)
        schema = resp["content"]["application/json"]["schema"]
        assert schema["required"] == ["detail"], path


def test_schema_says_blank_strings_and_bare_params_are_invalid(app: FastAPI) -> None:
    spec = call(app, "GET", "/openapi.json").json()
    body = spec["components"]["schemas"]["CheckRequest"]["properties"]
    for name in ("item", "hs", "text", "to", "end_user"):
        assert any(s.get("pattern") == r"\S" for s in body[name]["anyOf"]), name
    params = {p["name"]: p for p in spec["paths"]["/api/v1/timeline"]["get"]["parameters"]}
    assert "pattern" in params["param"]["schema"]["items"]
    r = call(app, "POST", "/api/v1/check", json={"text": "\u3000", "to": "US"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "text"]
    assert "blank" in r.json()["detail"][0]["msg"]
    r = call(app, "GET", "/api/v1/timeline", params={"hs": "2853909026", "to": "US", "param": ""})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:2] == ["query", "param"]


def test_classify_ranks_on_the_date(app: FastAPI) -> None:
    """``on`` reaches the ranking: on 2025-12-01 the suspended 2025 No. 61 item
    for DyFe ranks below the in-force 2025 No. 18 one, and says so."""
    r = call(app, "GET", "/api/v1/classify", params={"q": "DyFe alloy", "on": "2025-12-01"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert any(x.get("demoted") for x in results), results
    first = next(x for x in results if not x.get("demoted"))
    assert results.index(first) < min(i for i, x in enumerate(results) if x.get("demoted"))
