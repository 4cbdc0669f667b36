"""Parties in the registry (issue 13 point 5), on SQLite and PostgreSQL:
applications screened on submission with the same join as ``check`` (end
user and consignee), the result stored; a shipment to a party listed after
the licence was issued refused (409, audited, nothing stored)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from lanthanide import Lanthanide
from lanthanide.decide.model import Case, Determination
from lanthanide.registry import Registry
from lanthanide.registry.context import decide_with
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict
from lanthanide.registry.models import AuditEntry, Shipment
from lanthanide.registry.schemas import DecisionIn, LineIn, ShipmentIn
from lanthanide.rules.book import load_rulebook

from .conftest import People, application, call, make_people

MP = "MP Materials Corp."
LISTING = "商务部公告2026年第23号"  # control list, in force from 2026-06-22


def at(day: date) -> Any:
    moment = datetime.combine(day, time(10), tzinfo=UTC)
    return lambda: moment


def us_app(**over: Any) -> Any:
    return application(
        destination="US",
        lines=[LineIn(item="1C902.a", quantity=Decimal("100"), value=Decimal("1000"))],
        **over,
    )


def test_submission_screens_the_end_user_as_check_does(db: Database, people: People) -> None:
    """MP Materials on 2026-12-01: prohibited, citing the listing notice; the
    registry's answer equals ``check`` on the same case."""
    reg = Registry(db, clock=at(date(2026, 12, 1)))
    a = reg.create_application(people["exporter_a"], us_app(end_user=MP))
    out = reg.submit_application(people["exporter_a"], a.id)
    ref = Lanthanide().check(
        item="1C902.a", destination="US", on="2026-12-01", end_use="civil", end_user=MP
    )
    assert out.verdict == ref.verdict == "prohibited"
    assert out.determination is not None
    line = out.determination[0]
    want = ref.to_dict(trace=False)
    assert line["findings"] == want["findings"] and line["parties"] == want["parties"]
    assert out.screening is not None and out.screening["on"] == "2026-12-01"
    assert out.screening["rulebook_data_as_of"] == ref.data_as_of.isoformat()
    (end_user,) = out.screening["parties"]
    assert (end_user["role"], end_user["name"]) == ("end_user", MP)
    assert any(m["number"] == LISTING and m["list"] == "control_list" for m in end_user["matches"])
    effects = {(f["number"], f["effect"], f["measure"]) for f in end_user["findings"]}
    assert (LISTING, "prohibited", "dual-use-export-ban") in effects
    assert any(LISTING in x for x in end_user["lists_checked"])
    # approval of a prohibited export is refused
    with pytest.raises(Conflict) as c:
        reg.decide_application(people["officer"], a.id, DecisionIn(decision="approve"))
    assert c.value.reason == "prohibited"


def test_unlisted_end_user_says_which_lists_were_checked(db: Database, people: People) -> None:
    reg = Registry(db, clock=at(date(2026, 12, 1)))
    a = reg.create_application(people["exporter_a"], us_app(end_user="Springfield Motors LLC"))
    out = reg.submit_application(people["exporter_a"], a.id)
    assert out.verdict == "licence_required" and out.screening is not None
    (p,) = out.screening["parties"]
    assert p["matches"] == [] and p["findings"] == [] and p["lists_checked"]
    assert [w["code"] for w in p["warnings"]] == ["party-lists-checked"]


def test_consignee_is_screened_too(db: Database, people: People) -> None:
    reg = Registry(db, clock=at(date(2026, 12, 1)))
    a = reg.create_application(
        people["exporter_a"], us_app(end_user="Springfield Motors LLC", consignee=MP)
    )
    assert a.consignee == MP
    out = reg.submit_application(people["exporter_a"], a.id)
    assert out.verdict == "prohibited" and out.screening is not None
    roles = {p["role"]: p for p in out.screening["parties"]}
    assert roles["end_user"]["findings"] == []
    (f, *_) = roles["consignee"]["findings"]
    assert f["number"] == LISTING and f["reason"].startswith(f"Consignee '{MP}'")
    assert out.determination is not None
    assert out.determination[0]["consignee"]["role"] == "consignee"
    ref = Lanthanide().check(
        item="1C902.a",
        destination="US",
        on="2026-12-01",
        end_use="civil",
        end_user="Springfield Motors LLC",
        consignee=MP,
    )
    assert ref.verdict == "prohibited"
    assert out.determination[0]["findings"] == ref.to_dict(trace=False)["findings"]


def _licence_before_listing(db: Database, people: People, **over: Any) -> int:
    """A licence for 1C902.a to MP Materials, issued 2026-06-01 (three weeks
    before the listing), valid to 2027-05-31."""
    a = Registry(db, clock=at(date(2026, 5, 20))).create_application(
        people["exporter_a"], us_app(end_user=MP, **over)
    )
    sub = Registry(db, clock=at(date(2026, 5, 20))).submit_application(people["exporter_a"], a.id)
    assert sub.verdict == "licence_required"
    out = Registry(db, clock=at(date(2026, 6, 1))).decide_application(
        people["officer"],
        a.id,
        DecisionIn.model_validate(
            {"decision": "approve", "valid_from": "2026-06-01", "valid_until": "2027-05-31"}
        ),
    )
    assert out.licence_id is not None
    return out.licence_id


def _ship(day: str, **over: Any) -> ShipmentIn:
    data = {"line": 1, "quantity": "1", "value": "1", "destination": "US", "shipment_date": day}
    return ShipmentIn.model_validate({**data, **over})


def test_shipment_to_a_party_listed_after_issue_is_refused(db: Database, people: People) -> None:
    lic = _licence_before_listing(db, people)
    reg = Registry(db, clock=at(date(2026, 7, 1)))
    sh, created = reg.draw_down(people["exporter_a"], lic, _ship("2026-06-10"))
    assert created and sh.state == "used"  # before the listing took effect
    with pytest.raises(Conflict) as c:
        reg.draw_down(people["exporter_a"], lic, _ship("2026-07-01", client_key="late"))
    assert c.value.reason == "party_listed" and c.value.field == "shipment_date"
    msg = c.value.message
    assert (
        LISTING in msg
        and "control list" in msg
        and "after licence CN-EXL-2026-" in msg
        and "dual-use-export-ban" in msg
    )
    assert "2026-06-22" in msg
    with db.read() as s:
        assert len(s.execute(select(Shipment)).all()) == 1  # nothing stored
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        assert (last.action, last.entity, last.entity_id) == (
            "shipment.refused_party_listed",
            "licences",
            lic,
        )
        assert last.note == msg
    assert reg.get_licence(people["exporter_a"], lic).lines[0].used == 1
    assert reg.verify_audit().ok
    # a reservation for a date after the listing: refused too
    with pytest.raises(Conflict):
        reg.draw_down(people["exporter_a"], lic, _ship("2026-08-01", reserve=True))


def test_confirming_a_reservation_screens_again(db: Database, people: People) -> None:
    """A reservation accepted by a determination that did not know the
    listing (here: one that screens nobody) is refused when confirmed by the
    registry's determination, which does."""
    lic = _licence_before_listing(db, people)
    base = decide_with(load_rulebook())

    def unaware(case: Case) -> Determination:
        return base(dataclasses.replace(case, end_user=None, consignee=None))

    early = Registry(db, clock=at(date(2026, 6, 10)), decide=unaware)
    sh, _ = early.draw_down(people["exporter_a"], lic, _ship("2026-06-30", reserve=True))
    reg = Registry(db, clock=at(date(2026, 7, 1)))
    with pytest.raises(Conflict) as c:
        reg.settle_reservation(people["exporter_a"], lic, sh.id, confirm=True)
    assert c.value.reason == "party_listed"
    assert reg.list_shipments(people["exporter_a"], lic)[-1].state == "reserved"
    reg.settle_reservation(people["exporter_a"], lic, sh.id, confirm=False)  # release: allowed
    assert reg.verify_audit().ok


def test_refused_shipment_over_http(api: str, db: Database) -> None:
    p = make_people(db)
    lic = _licence_before_listing(db, p)
    body = {
        "line": 1,
        "quantity": 1,
        "value": 1,
        "destination": "US",
        "shipment_date": "2026-07-01",
        "reserve": True,
    }
    r = call(api, "POST", f"/api/v1/licences/{lic}/shipments", p.tokens["exporter_a"], body)
    assert r.status_code == 409, r.text
    (d,) = r.json()["detail"]
    assert d["reason"] == "party_listed" and LISTING in d["msg"]
    assert d["loc"] == ["body", "shipment_date"]
    r = call(api, "GET", f"/api/v1/licences/{lic}/shipments", p.tokens["exporter_a"])
    assert r.json() == []


def test_bad_consignee_names_the_field(api: str, db: Database) -> None:
    p = make_people(db)
    body = {
        "licence_type": "single",
        "destination": "JP",
        "end_user": "Tokyo Magnets KK",
        "consignee": "",
        "end_use": "civil",
        "lines": [{"item": "1C902.a", "quantity": 1, "value": 1}],
    }
    r = call(api, "POST", "/api/v1/licence-applications", p.tokens["exporter_a"], body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "consignee"]
