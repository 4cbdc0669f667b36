"""The registry over HTTP, against a real uvicorn server, on SQLite and
PostgreSQL: the workflow, the authorisation matrix (every role × endpoint),
cross-party reads, field-named errors and concurrent draw-downs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.registry.schemas import ClockPauseIn, ShipmentIn

from .conftest import People, application, call, licensed, make_people
from .test_reports import report

APP = {
    "licence_type": "single",
    "destination": "JP",
    "end_user": "Tokyo Magnets KK",
    "end_use": "civil",
    "lines": [{"item": "1C902.a", "quantity": 100, "value": 1000}],
}
TODAY = date.today()
SHIP = {"line": 1, "quantity": 1, "value": 1, "destination": "JP"}
REPORT = {
    "client_key": "HTTP-1",
    "product_type": "metal",
    "hs": "2805301200",
    "elements": ["Dy"],
    "quantity_kg": 5,
    "value": 100,
    "currency": "USD",
    "contract_date": "2025-01-02",
    "destination": "KR",
    "shipment_date": "2025-01-10",
    "customs_port": "Shanghai",
}


def test_workflow_over_http(api: str, db: Database) -> None:
    p = make_people(db)
    t = p.tokens
    r = call(api, "POST", "/api/v1/licence-applications", t["exporter_a"], APP)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert r.headers["X-Rulebook-Version"]
    r = call(api, "POST", f"/api/v1/licence-applications/{app_id}/submit", t["exporter_a"])
    assert r.status_code == 200 and r.json()["verdict"] == "licence_required"
    assert r.json()["deadline"] and r.json()["working_days_left"] == 45
    today = date.today()
    r = call(
        api,
        "POST",
        f"/api/v1/licence-applications/{app_id}/decision",
        t["officer"],
        {
            "decision": "approve",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=10)).isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    lic = r.json()["licence_id"]
    r = call(
        api,
        "POST",
        f"/api/v1/licences/{lic}/shipments",
        t["exporter_a"],
        {**SHIP, "quantity": 60, "client_key": "k1"},
    )
    assert r.status_code == 201
    r2 = call(
        api,
        "POST",
        f"/api/v1/licences/{lic}/shipments",
        t["exporter_a"],
        {**SHIP, "quantity": 60, "client_key": "k1"},
    )
    assert r2.status_code == 200 and r2.json()["id"] == r.json()["id"]
    r = call(
        api, "POST", f"/api/v1/licences/{lic}/shipments", t["exporter_a"], {**SHIP, "quantity": 41}
    )
    assert r.status_code == 409
    assert r.json()["detail"][0]["reason"] == "exceeds_line"
    assert r.json()["detail"][0]["loc"] == ["body", "quantity"]
    r = call(
        api,
        "POST",
        f"/api/v1/licences/{lic}/shipments",
        t["exporter_a"],
        {**SHIP, "destination": "US"},
    )
    assert r.status_code == 409 and r.json()["detail"][0]["reason"] == "wrong_destination"
    late = (today + timedelta(days=11)).isoformat()
    r = call(
        api,
        "POST",
        f"/api/v1/licences/{lic}/shipments",
        t["exporter_a"],
        {**SHIP, "shipment_date": late},
    )
    assert r.status_code == 409 and r.json()["detail"][0]["reason"] == "outside_validity"
    r = call(api, "GET", f"/api/v1/licences/{lic}", t["exporter_a"])
    assert r.json()["lines"][0]["used"] == 60 and r.json()["lines"][0]["available"] == 40
    assert call(api, "GET", f"/api/v1/licences/{lic}", t["exporter_b"]).status_code == 404
    r = call(api, "GET", "/api/v1/audit/verify", t["admin"])
    assert r.status_code == 200 and r.json()["ok"] is True


def test_errors_name_the_field(api: str, db: Database) -> None:
    t = make_people(db).tokens
    r = call(
        api,
        "POST",
        "/api/v1/licence-applications",
        t["exporter_a"],
        {**APP, "lines": [{"item": "XYZ", "quantity": 1, "value": 1}]},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "lines", 0, "item"]
    r = call(
        api, "POST", "/api/v1/licence-applications", t["exporter_a"], {**APP, "end_use": "fun"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "end_use"]
    r = call(
        api,
        "POST",
        "/api/v1/licence-applications",
        t["exporter_a"],
        {**APP, "lines": [{"item": "1C902.a", "quantity": -1, "value": 1}]},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "lines", 0, "quantity"]
    r = call(
        api,
        "POST",
        "/api/v1/reports",
        t["exporter_a"],
        {**REPORT, "hs": "2805110000", "shipment_date": "2026-01-01"},
    )
    assert r.status_code == 422
    assert {tuple(d["loc"]) for d in r.json()["detail"]} == {("body", "hs")}
    r = call(
        api,
        "POST",
        "/api/v1/reports",
        t["exporter_a"],
        {**REPORT, "shipment_date": "2023-10-30", "contract_date": "2023-10-01"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "shipment_date"]
    # after the period's uncertain end: recorded, with a stored warning
    r = call(
        api, "POST", "/api/v1/reports", t["exporter_a"], {**REPORT, "shipment_date": "2026-01-01"}
    )
    assert r.status_code == 201, r.text
    (w,) = r.json()["warnings"]
    assert (w["field"], w["code"]) == ("shipment_date", "reporting_period_end_uncertain")
    got = call(api, "GET", f"/api/v1/reports/{r.json()['id']}", t["officer"]).json()
    assert got["warnings"] == [w]
    listed = call(api, "GET", "/api/v1/reports", t["exporter_a"]).json()
    assert [x["warnings"] for x in listed] == [[w]]
    r = call(api, "GET", "/api/v1/licences/0", t["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "licence_id"]
    r = call(api, "GET", "/api/v1/licences/77", t["officer"])
    assert r.status_code == 404
    r = call(api, "GET", "/api/v1/licences")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert call(api, "GET", "/api/v1/licences", "lnt_wrong").status_code == 401


def test_edit_draft_over_http(api: str, db: Database) -> None:
    """PUT replaces a draft; 422 names the field; 409 once submitted."""
    t = make_people(db).tokens
    app_id = call(api, "POST", "/api/v1/licence-applications", t["exporter_a"], APP).json()["id"]
    path = f"/api/v1/licence-applications/{app_id}"
    new = {**APP, "destination": "KR", "lines": [{"item": "1C902.b", "quantity": 7, "value": 70}]}
    r = call(api, "PUT", path, t["exporter_a"], new)
    assert r.status_code == 200, r.text
    assert r.json()["destination"] == "KR" and r.json()["state"] == "draft"
    assert [(ln["line"], ln["item"]) for ln in r.json()["lines"]] == [(1, "1C902.b")]
    bad = {**new, "lines": [{"item": "NOPE", "quantity": 1, "value": 1}]}
    r = call(api, "PUT", path, t["exporter_a"], bad)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lines", 0, "item"]
    r = call(api, "PUT", path, t["exporter_a"], {**new, "destination": "kr"})
    assert r.status_code == 422 and "destination" in r.json()["detail"][0]["loc"]
    assert call(api, "GET", path, t["exporter_a"]).json()["destination"] == "KR"
    call(api, "POST", path + "/submit", t["exporter_a"])
    r = call(api, "PUT", path, t["exporter_a"], APP)
    assert r.status_code == 409 and r.json()["detail"][0]["reason"] == "bad_state"


def _scenario(db: Database) -> People:
    """Licence 1 (party A, app 1 approved), app 2 submitted, app 3 draft,
    shipments 1 and 2 reserved, report 1 — all of party A."""
    p = make_people(db)
    licensed(db, p)
    a2 = Registry(db).create_application(p["exporter_a"], application())
    Registry(db).submit_application(p["exporter_a"], a2.id)
    Registry(db).create_application(p["exporter_a"], application())
    for _ in range(2):
        Registry(db).draw_down(
            p["exporter_a"], 1, ShipmentIn.model_validate({**SHIP, "reserve": True})
        )
    Registry(db).create_report(p["exporter_a"], report())
    Registry(db).pause_clock(p["officer"], a2.id, ClockPauseIn(kind="identification", start=TODAY))
    return p


EA, EB, OFF, OFFA, AN, AD, ANON = (
    "exporter_a",
    "exporter_b",
    "officer",
    "officer_a",
    "analyst",
    "admin",
    None,
)
DENY_WRITE = {ANON: 401, EB: 404, OFF: 403, OFFA: 403, AN: 403, AD: 403}
OFFICER_ONLY = {ANON: 401, EA: 403, EB: 403, OFFA: 403, AN: 403, AD: 403}
READ = {ANON: 401, EB: 404, AN: 403, OFF: 200, OFFA: 200, AD: 200, EA: 200}
LIST = {ANON: 401, EB: 200, AN: 403, OFF: 200, OFFA: 200, AD: 200, EA: 200}

MATRIX: list[tuple[str, str, Any, dict[str | None, int]]] = [
    (
        "POST",
        "/licence-applications",
        APP,
        {ANON: 401, OFF: 403, OFFA: 403, AN: 403, AD: 403, EB: 201, EA: 201},
    ),
    ("GET", "/licence-applications", None, LIST),
    ("GET", "/licence-applications/2", None, READ),
    ("PUT", "/licence-applications/3", APP, {**DENY_WRITE, EA: 200}),
    ("POST", "/licence-applications/3/submit", None, {**DENY_WRITE, EA: 200}),
    ("POST", "/licence-applications/3/withdraw", None, {**DENY_WRITE, EA: 200}),
    ("POST", "/licence-applications/2/review", None, {**OFFICER_ONLY, OFF: 200}),
    (
        "POST",
        "/licence-applications/2/clock-pauses",
        {"kind": "identification", "start": TODAY.isoformat()},
        {**OFFICER_ONLY, OFF: 201, AD: 201},
    ),
    ("GET", "/licence-applications/2/clock-pauses", None, READ),
    (
        "POST",
        "/licence-applications/2/clock-pauses/1/end",
        {"end": TODAY.isoformat()},
        {**OFFICER_ONLY, OFF: 200, AD: 200},
    ),
    ("POST", "/licence-applications/2/decision", {"decision": "deny"}, {**OFFICER_ONLY, OFF: 200}),
    ("GET", "/licences", None, LIST),
    ("GET", "/licences/1", None, READ),
    ("GET", "/licences/1/shipments", None, READ),
    ("POST", "/licences/1/shipments", SHIP, {**DENY_WRITE, EA: 201}),
    ("POST", "/licences/1/shipments/1/confirm", None, {**DENY_WRITE, EA: 200}),
    ("POST", "/licences/1/shipments/2/cancel", None, {**DENY_WRITE, EA: 200}),
    (
        "POST",
        "/reports",
        REPORT,
        {ANON: 401, OFF: 403, OFFA: 403, AN: 403, AD: 403, EB: 201, EA: 201},
    ),
    ("GET", "/reports", None, LIST),
    ("GET", "/reports/1", None, READ),
    ("POST", "/reports/1/amend", {"reason": "fix", "quantity_kg": 3}, {**DENY_WRITE, EA: 200}),
    (
        "GET",
        "/reports/summary",
        None,
        {ANON: 401, EA: 403, EB: 403, AN: 200, OFF: 200, OFFA: 200, AD: 200},
    ),
    (
        "POST",
        "/reevaluations",
        {},
        {ANON: 401, EA: 403, EB: 403, AN: 403, OFF: 201, OFFA: 201, AD: 201},
    ),
    (
        "GET",
        "/reevaluations",
        None,
        {ANON: 401, EA: 403, EB: 403, AN: 403, OFF: 200, OFFA: 200, AD: 200},
    ),
    (
        "GET",
        "/audit/verify",
        None,
        {ANON: 401, EA: 403, EB: 403, AN: 403, OFF: 200, OFFA: 200, AD: 200},
    ),
]


def test_matrix_covers_every_registry_operation(registry_server: str) -> None:
    spec = httpx.get(registry_server + "/openapi.json").json()
    ops = {
        (m.upper(), path.removeprefix("/api/v1"))
        for path, item in spec["paths"].items()
        for m in item
        if path.startswith(
            tuple(
                f"/api/v1/{p}"
                for p in ("licence-applications", "licences", "reports", "audit", "reevaluations")
            )
        )
    }
    covered = {
        (m, "/" + "/".join("{}" if s.isdigit() else s for s in p.split("/")[1:]))
        for m, p, _b, _e in MATRIX
    }
    normalised = {
        (m, "/" + "/".join("{}" if s.startswith("{") else s for s in p.split("/")[1:]))
        for m, p in ops
    }
    assert normalised == covered
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _b, _e in MATRIX]
)
def test_authorisation_matrix(
    api: str, db: Database, method: str, path: str, body: Any, expected: dict[str | None, int]
) -> None:
    p = _scenario(db)
    got = {}
    for role in expected:  # allowed owner last: refused calls change nothing
        token = p.tokens[role] if role else None
        r = call(api, method, "/api/v1" + path, token, body)
        got[role] = r.status_code
    assert got == expected


@pytest.mark.parametrize("n", [60])
def test_concurrent_http_draw_downs_never_over_issue(api: str, db: Database, n: int) -> None:
    """n simultaneous shipments of 30 kg through the server at one 1000 kg line."""
    p = make_people(db)
    lic = licensed(db, p, authorised="1000")
    token = p.tokens["exporter_a"]

    with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=n)) as client:

        def one(i: int) -> int:
            r = client.post(
                f"{api}/api/v1/licences/{lic}/shipments",
                headers={"Authorization": f"Bearer {token}"},
                json={**SHIP, "quantity": 30, "client_key": f"h{i}"},
            )
            return r.status_code

        with ThreadPoolExecutor(max_workers=n) as pool:
            codes = list(pool.map(one, range(n)))
    assert codes.count(201) == 33 and codes.count(409) == n - 33, codes
    line = call(api, "GET", f"/api/v1/licences/{lic}", token).json()["lines"][0]
    assert line["used"] == 990 and line["used"] <= line["authorised"]
    assert len(call(api, "GET", f"/api/v1/licences/{lic}/shipments", token).json()) == 33
    assert call(api, "GET", "/api/v1/audit/verify", p.tokens["admin"]).json()["ok"] is True
