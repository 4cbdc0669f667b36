"""Hostile HTTP input against a real server: never a 5xx, the field named,
limits (413), throttling (429), security headers, offline /docs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lanthanide.api.security import AuthThrottle
from lanthanide.registry.db import Database
from tests.registry.conftest import licensed, make_people
from tests.support import serving

THROTTLE = AuthThrottle(limit=5, window=60)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], int]]:
    from lanthanide.api import registry as registry_api
    from lanthanide.api.app import create_app

    path = tmp_path_factory.mktemp("hostile") / "registry.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    people = make_people(db)
    licence = licensed(db, people)
    app = create_app()
    app.state.auth_throttle = THROTTLE
    app.dependency_overrides[registry_api.get_db] = lambda: db
    with serving(app, "hostile test server") as url:
        yield url, people.tokens, licence
    db.dispose()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("line", [9223372036854775808, 2**63 - 1, 10**30, -1, 0])
def test_out_of_range_line_is_422(hostile: tuple[str, dict[str, str], int], line: int) -> None:
    url, tokens, licence = hostile
    body = {
        "line": line,
        "quantity": "1",
        "date": "2026-01-01",
        "hs": "2846901500",
        "elements": ["Dy"],
        "customs_port": "Tianjin",
    }
    r = httpx.post(
        f"{url}/api/v1/licences/{licence}/shipments", json=body, headers=_auth(tokens["exporter_a"])
    )
    assert r.status_code == 422, r.text
    assert any(d["loc"][-1] == "line" for d in r.json()["detail"])
    # the connection still works afterwards
    assert httpx.get(f"{url}/api/v1/health").status_code == 200


@pytest.mark.parametrize("ident", ["9223372036854775808", "-1", "0", "1e3"])
def test_out_of_range_ids_are_422(hostile: tuple[str, dict[str, str], int], ident: str) -> None:
    url, tokens, _ = hostile
    r = httpx.get(f"{url}/api/v1/licences/{ident}", headers=_auth(tokens["exporter_a"]))
    assert r.status_code == 422, r.text


def test_exposure_of_a_commodity_without_network_is_4xx(
    hostile: tuple[str, dict[str, str], int],
) -> None:
    url, _, _ = hostile
    r = httpx.get(
        f"{url}/api/v1/supply/exposure", params={"country": "JP", "commodity": "germanium"}
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"][0]["msg"]


def test_long_string_field_is_422_naming_it(hostile: tuple[str, dict[str, str], int]) -> None:
    url, tokens, _ = hostile
    body = {
        "licence_type": "single",
        "destination": "JP",
        "end_user": "x" * 5000,
        "end_use": "civil",
        "lines": [{"item": "1C902.a", "quantity": "1", "value": "1"}],
    }
    r = httpx.post(
        f"{url}/api/v1/licence-applications", json=body, headers=_auth(tokens["exporter_a"])
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == "end_user"
    r = httpx.get(f"{url}/api/v1/classify", params={"q": "magnet " * 2000})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", "q"]
    r = httpx.post(f"{url}/api/v1/check", json={"text": "magnet " * 2000})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "text"]


def test_body_over_the_limit_is_413(hostile: tuple[str, dict[str, str], int]) -> None:
    url, _, _ = hostile
    big = '{"text": "' + "a" * 1_100_000 + '"}'
    r = httpx.post(f"{url}/api/v1/check", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"][0]["loc"] == ["body"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: streamed
        yield b'{"text": "'
        for _ in range(12):
            yield b"a" * 100_000
        yield b'"}'

    r = httpx.post(
        f"{url}/api/v1/check", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


def test_security_headers_on_every_response(hostile: tuple[str, dict[str, str], int]) -> None:
    url, _, _ = hostile
    for method, path in [
        ("GET", "/api/v1/health"),
        ("GET", "/nope"),
        ("GET", "/docs"),
        ("POST", "/api/v1/check"),
        ("GET", "/openapi.json"),
        ("GET", "/api/v1/licences/1"),
    ]:
        r = httpx.request(method, url + path)
        h = r.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-frame-options"] == "DENY"


def test_docs_are_same_origin_only(hostile: tuple[str, dict[str, str], int]) -> None:
    url, _, _ = hostile
    html = httpx.get(f"{url}/docs").text
    refs = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", html)
    assert refs, html
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        assert httpx.get(url + ref).status_code == 200, ref
    assert "://" not in html.replace("http://www.w3.org", "")
    assert httpx.get(f"{url}/redoc").status_code == 404


def test_repeated_auth_failures_are_throttled(hostile: tuple[str, dict[str, str], int]) -> None:
    url, tokens, _ = hostile
    THROTTLE.forget()  # earlier tests sent requests without a token
    codes = [
        httpx.get(f"{url}/api/v1/licence-applications", headers=_auth(f"lnt_wrong{i}")).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    r = httpx.get(f"{url}/api/v1/licence-applications", headers=_auth(tokens["exporter_a"]))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_throttle_memory_is_bounded_and_expires() -> None:
    now = [0.0]
    t = AuthThrottle(limit=2, window=10, max_clients=3, clock=lambda: now[0])
    for i in range(100):
        t.failed(f"10.0.0.{i}")
    assert len(t) == 3
    t.failed("a")
    t.failed("a")
    assert t.retry_after("a") == 11
    now[0] = 10.5
    assert t.retry_after("a") is None


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new' / 'r.db'}")
    db.migrate()
    for f in (tmp_path / "new").iterdir():
        assert f.stat().st_mode & 0o077 == 0, f
    db.dispose()


@pytest.mark.parametrize("body", [b"\xff\xfe", b"1E\xe9", b"{not json"])
def test_a_body_that_is_not_json_is_422(
    hostile: tuple[str, dict[str, str], int], body: bytes
) -> None:
    url, _, _ = hostile
    r = httpx.post(
        f"{url}/api/v1/check", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "body"
