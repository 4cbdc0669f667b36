"""Issue 11, registry bounds: a licence's validity within the maximum of its
type (from the rulebook) and not before its application; shipment dates inside
the validity and not in the future beyond the stated tolerance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from lanthanide.registry import Clock, Registry
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Invalid
from lanthanide.registry.licences import years_after
from lanthanide.registry.schemas import DecisionIn, LineIn, ShipmentIn

from .conftest import People, application, call, make_people

DAY = date(2026, 3, 2)


def at(day: date) -> Clock:
    return lambda: datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _submitted(db: Database, p: People, **over: Any) -> tuple[Registry, int]:
    reg = Registry(db, clock=at(DAY))
    a = reg.create_application(p["exporter_a"], application(**over))
    reg.submit_application(p["exporter_a"], a.id)
    return reg, a.id


def _approve(reg: Registry, p: People, app_id: int, start: str, until: str) -> int:
    out = reg.decide_application(
        p["officer"],
        app_id,
        DecisionIn.model_validate(
            {"decision": "approve", "valid_from": start, "valid_until": until}
        ),
    )
    assert out.licence_id is not None
    return out.licence_id


def test_years_after() -> None:
    assert years_after(date(2026, 3, 2), 1) == date(2027, 3, 2)
    assert years_after(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_single_licence_1900_to_9999_is_refused(db: Database, people: People) -> None:
    reg, app_id = _submitted(db, people)
    with pytest.raises(Invalid) as e:
        _approve(reg, people, app_id, "1900-01-01", "9999-12-31")
    fields = [f for f, _m in e.value.errors]
    assert fields == ["valid_from", "valid_until"]
    msg = dict(e.value.errors)["valid_until"]
    assert "at most 1 year" in msg and "国务院令第792号 Art. 15(2)" in msg
    assert reg.get_application(people["officer"], app_id).state == "submitted"  # rolled back
    assert reg.list_licences(people["officer"]) == []  # nothing half-written


def test_single_licence_up_to_one_year(db: Database, people: People) -> None:
    reg, app_id = _submitted(db, people)
    with pytest.raises(Invalid, match="latest valid_until is 2027-03-02"):
        _approve(reg, people, app_id, "2026-03-02", "2027-03-03")
    lic = _approve(reg, people, app_id, "2026-03-02", "2027-03-02")
    assert reg.get_licence(people["officer"], lic).valid_until == date(2027, 3, 2)


def test_general_licence_up_to_three_years(db: Database, people: People) -> None:
    reg, app_id = _submitted(db, people, licence_type="general")
    with pytest.raises(Invalid, match=r"at most 3 years .国务院令第792号 Art. 15\(3\), P"):
        _approve(reg, people, app_id, "2026-03-10", "2029-03-11")
    lic = _approve(reg, people, app_id, "2026-03-10", "2029-03-10")
    assert reg.get_licence(people["officer"], lic).valid_until == date(2029, 3, 10)


def test_technology_licence_has_no_encoded_maximum(sqlite_db: Database) -> None:
    p = make_people(sqlite_db)
    reg, app_id = _submitted(
        sqlite_db,
        p,
        licence_type="technology",
        lines=[LineIn(item="053302J", quantity=1, value=1000)],  # type: ignore[arg-type]
    )
    _approve(reg, p, app_id, "2026-03-02", "2031-03-02")


def test_validity_not_before_the_application(db: Database, people: People) -> None:
    reg, app_id = _submitted(db, people)
    with pytest.raises(Invalid) as e:
        _approve(reg, people, app_id, "2026-03-01", "2026-06-01")
    assert [f for f, _m in e.value.errors] == ["valid_from"]
    assert "determination date 2026-03-02" in e.value.errors[0][1]


def _licence(db: Database, p: People) -> tuple[Registry, int]:
    reg, app_id = _submitted(db, p)
    return reg, _approve(reg, p, app_id, "2026-03-02", "2026-12-31")


def ship(**over: Any) -> ShipmentIn:
    return ShipmentIn.model_validate(
        {"line": 1, "quantity": "1", "value": "1", "destination": "JP", **over}
    )


def test_shipment_dates(db: Database, people: People) -> None:
    _reg, lic = _licence(db, people)
    exp = people["exporter_a"]
    later = Registry(db, clock=at(date(2026, 4, 1)))
    for day in ("1950-01-01", "9000-01-01", "2026-03-01", "2027-01-01"):
        with pytest.raises(Conflict) as c:
            later.draw_down(exp, lic, ship(shipment_date=day))
        assert (c.value.reason, c.value.field) == ("outside_validity", "shipment_date")
    assert (
        later.draw_down(exp, lic, ship(shipment_date="2026-04-02"))[0].state == "used"
    )  # tolerance
    with pytest.raises(Invalid) as e:
        later.draw_down(exp, lic, ship(shipment_date="2026-04-03"))
    assert (
        e.value.errors[0][0] == "shipment_date"
        and "at the latest 2026-04-02" in e.value.errors[0][1]
    )
    # a reservation is a planned shipment: any date inside the validity
    r, _ = later.draw_down(exp, lic, ship(shipment_date="2026-06-01", reserve=True))
    with pytest.raises(Invalid, match="in the future"):
        later.settle_reservation(exp, lic, r.id, confirm=True)
    june = Registry(db, clock=at(date(2026, 6, 1)))
    assert june.settle_reservation(exp, lic, r.id, confirm=True).state == "used"
    assert june.get_licence(exp, lic).lines[0].used == 2
    assert june.verify_audit().ok


def test_http_names_the_field(api: str, db: Database) -> None:
    p = make_people(db)
    reg = Registry(db)
    a = reg.create_application(p["exporter_a"], application())
    reg.submit_application(p["exporter_a"], a.id)
    today = reg.today()
    r = call(
        api,
        "POST",
        f"/api/v1/licence-applications/{a.id}/decision",
        p.tokens["officer"],
        {
            "decision": "approve",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=800)).isoformat(),
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "valid_until"]
