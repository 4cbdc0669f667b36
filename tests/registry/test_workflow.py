"""Applications, decisions, licences and draw-down on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound
from lanthanide.registry.models import AuditHead, LicenceLine
from lanthanide.registry.schemas import DecisionIn, LineIn, ShipmentIn
from lanthanide.registry.workdays import add_working_days, working_days_between

from .conftest import People, application, licensed

HEAD = "0005"
"""The newest migration revision."""


def ship(quantity: str, **over: object) -> ShipmentIn:
    data: dict[str, object] = {"line": 1, "quantity": quantity, "value": "1", "destination": "JP"}
    data.update(over)
    return ShipmentIn.model_validate(data)


def test_migration_creates_schema_and_genesis(db: Database) -> None:
    with db.read() as s:
        head = s.execute(select(AuditHead)).scalar_one()
        assert (head.seq, head.hash) == (0, "0" * 64)
        rev = s.execute(text("select version_num from alembic_version")).scalar_one()
        assert rev == HEAD
    db.migrate()  # idempotent


def test_0002_keeps_rows_audited_under_0001_valid(db: Database, people: People) -> None:
    """Rows audited before ``reports.warnings`` existed still verify after 0002:
    a NULL added column is left out of the audited state."""
    from alembic import command
    from alembic.config import Config

    from lanthanide.registry.db import MIGRATIONS

    from .test_reports import report

    Registry(db).create_report(people["exporter_a"], report())
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    for target in ("0001", "head"):
        with db.engine.execution_options(lanthanide_write=True).begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0001" else command.upgrade)(cfg, target)
    with db.read() as s:
        assert s.execute(text("select version_num from alembic_version")).scalar_one() == HEAD
    assert Registry(db).verify_audit().ok


def test_update_application_replaces_a_draft_and_is_audited(db: Database, people: People) -> None:
    reg = Registry(db)
    a = reg.create_application(people["exporter_a"], application())
    assert [ln.line for ln in a.lines] == [1, 2]
    new = application(
        destination="KR",
        end_user="Seoul Motors",
        lines=[LineIn(item="1C902.b", quantity=Decimal("3"), value=Decimal("30"))],
    )
    out = reg.update_application(people["exporter_a"], a.id, new)
    assert (out.id, out.state, out.destination, out.end_user) == (
        a.id,
        "draft",
        "KR",
        "Seoul Motors",
    )
    assert [(ln.line, ln.item, ln.quantity) for ln in out.lines] == [(1, "1C902.b", 3.0)]
    assert reg.get_application(people["exporter_a"], a.id) == out
    assert reg.verify_audit().ok
    with db.read() as s:
        actions = [
            r[0]
            for r in s.execute(
                text("select action from audit_log where actor = 'exporter_a' order by seq")
            )
        ]
    assert actions[-4:] == [
        "application_line.delete",
        "application_line.delete",
        "application.edit",
        "application_line.create",
    ]
    # another party's draft does not exist for exporter_b; officers may not edit
    with pytest.raises(NotFound):
        reg.update_application(people["exporter_b"], a.id, new)
    with pytest.raises(Forbidden):
        reg.update_application(people["officer"], a.id, new)
    # validated as on creation: nothing changes
    with pytest.raises(Invalid) as exc:
        reg.update_application(
            people["exporter_a"],
            a.id,
            application(lines=[LineIn(item="XX", quantity=Decimal("1"), value=Decimal("1"))]),
        )
    assert exc.value.field == "lines.0.item"
    assert reg.get_application(people["exporter_a"], a.id) == out
    # only a draft
    reg.submit_application(people["exporter_a"], a.id)
    with pytest.raises(Conflict) as c:
        reg.update_application(people["exporter_a"], a.id, new)
    assert c.value.reason == "bad_state" and "only a draft can be edited" in c.value.message


def test_deleting_a_row_behind_the_registry_is_still_detected(db: Database, people: People) -> None:
    """A recorded deletion is accepted; an unrecorded one is not."""
    reg = Registry(db)
    a = reg.create_application(people["exporter_a"], application())
    reg.update_application(people["exporter_a"], a.id, application())
    with db.write() as s:
        s.execute(text("delete from application_lines where line_no = 2"))
    problems = {(p.kind, p.table) for p in reg.verify_audit().problems}
    assert problems == {("row_deleted", "application_lines")}


def test_working_days() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 5) == date(2026, 11, 27)
    assert add_working_days(friday, 45) == date(2027, 1, 22)
    assert working_days_between(friday, date(2027, 1, 22)) == 45
    assert working_days_between(date(2027, 1, 22), friday) == -45


def test_happy_path_issues_a_licence(db: Database, people: People) -> None:
    a = Registry(db).create_application(people["exporter_a"], application())
    assert a.state == "draft" and a.deadline is None
    assert [ln.instrument for ln in a.lines] == ["cn-mofcom-gac-2025-18"] * 2
    assert a.lines[1].quantity == 50.5 and a.lines[1].value == 9000.5
    a = Registry(db).submit_application(people["exporter_a"], a.id)
    assert a.state == "submitted"
    assert a.deadline == add_working_days(date.today(), 45)
    assert a.verdict == "licence_required"
    assert a.determination and a.determination[0]["verdict"] == "licence_required"
    assert a.determination[0]["findings"][0]["instrument"]["id"] == "cn-mofcom-gac-2025-18"
    a = Registry(db).review_application(people["officer"], a.id)
    assert a.state == "under_review"
    a = Registry(db).decide_application(
        people["officer"], a.id, DecisionIn(decision="approve", note="ok")
    )
    assert a.state == "approved" and a.decided_by == "officer" and a.licence_id
    lic = Registry(db).get_licence(people["exporter_a"], a.licence_id)
    assert lic.number.startswith("CN-EXL-") and lic.destination == "JP"
    assert [(ln.line, ln.authorised, ln.available) for ln in lic.lines] == [
        (1, 1000.0, 1000.0),
        (2, 50.5, 50.5),
    ]
    assert lic.valid_until == lic.valid_from + timedelta(days=365)


def test_refused_transitions(db: Database, people: People) -> None:
    exp, off = people["exporter_a"], people["officer"]
    a = Registry(db).create_application(exp, application())
    with pytest.raises(Conflict, match="only a submitted"):
        Registry(db).decide_application(off, a.id, DecisionIn(decision="deny"))
    Registry(db).submit_application(exp, a.id)
    with pytest.raises(Conflict, match="only a draft"):
        Registry(db).submit_application(exp, a.id)
    d = Registry(db).decide_application(off, a.id, DecisionIn(decision="deny", note="no"))
    assert d.state == "denied" and d.licence_id is None
    with pytest.raises(Conflict):
        Registry(db).withdraw_application(exp, a.id)
    with pytest.raises(Conflict):
        Registry(db).decide_application(off, a.id, DecisionIn(decision="approve"))
    b = Registry(db).create_application(exp, application())
    assert Registry(db).withdraw_application(exp, b.id).state == "withdrawn"
    with pytest.raises(Conflict):
        Registry(db).submit_application(exp, b.id)


def test_officer_may_not_decide_own_party(db: Database, people: People) -> None:
    a = Registry(db).create_application(people["exporter_a"], application())
    Registry(db).submit_application(people["exporter_a"], a.id)
    with pytest.raises(Forbidden, match="own party"):
        Registry(db).decide_application(people["officer_a"], a.id, DecisionIn(decision="approve"))
    with pytest.raises(Forbidden):
        Registry(db).review_application(people["officer_a"], a.id)
    with pytest.raises(Forbidden):
        Registry(db).decide_application(people["admin"], a.id, DecisionIn(decision="approve"))


def test_items_are_checked_against_the_rulebook(db: Database, people: People) -> None:
    bad = application(
        lines=[
            LineIn(item="1C902.a", quantity=Decimal(1), value=Decimal(1)),
            LineIn(item="NOPE-1", quantity=Decimal(1), value=Decimal(1)),
        ]
    )
    with pytest.raises(Invalid) as e:
        Registry(db).create_application(people["exporter_a"], bad)
    assert e.value.errors[0][0] == "lines.1.item"
    with pytest.raises(Invalid) as e:
        Registry(db).create_application(people["exporter_a"], application(destination="CN"))
    assert e.value.errors[0][0] == "destination"
    assert Registry(db).list_applications(people["officer"]) == []  # nothing half-written


def test_grant_cannot_exceed_the_application(db: Database, people: People) -> None:
    a = Registry(db).create_application(people["exporter_a"], application())
    Registry(db).submit_application(people["exporter_a"], a.id)
    with pytest.raises(Invalid) as e:
        Registry(db).decide_application(
            people["officer"],
            a.id,
            DecisionIn.model_validate(
                {"decision": "approve", "lines": [{"line": 1, "quantity": 5000, "value": 1}]}
            ),
        )
    assert e.value.errors[0][0] == "lines.0.quantity"
    # the failed decision left the application as it was
    assert Registry(db).get_application(people["officer"], a.id).state == "submitted"


def test_exporters_see_only_their_party(db: Database, people: People) -> None:
    lic = licensed(db, people)
    app_id = Registry(db).get_licence(people["officer"], lic).application_id
    with pytest.raises(NotFound):
        Registry(db).get_licence(people["exporter_b"], lic)
    with pytest.raises(NotFound):
        Registry(db).get_application(people["exporter_b"], app_id)
    with pytest.raises(NotFound):
        Registry(db).draw_down(people["exporter_b"], lic, ship("1"))
    assert Registry(db).list_licences(people["exporter_b"]) == []
    assert Registry(db).list_applications(people["exporter_b"]) == []
    assert len(Registry(db).list_licences(people["exporter_a"])) == 1
    with pytest.raises(Forbidden):
        Registry(db).list_licences(people["analyst"])


def test_draw_down_and_refusals(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    lic = licensed(db, people, authorised="100")
    s1, created = Registry(db).draw_down(exp, lic, ship("60", value="100"))
    assert created and s1.state == "used"
    with pytest.raises(Conflict) as e:
        Registry(db).draw_down(exp, lic, ship("40.001"))
    assert e.value.reason == "exceeds_line" and "39.999" not in e.value.message
    with pytest.raises(Conflict) as e:
        Registry(db).draw_down(exp, lic, ship("1", destination="KR"))
    assert e.value.reason == "wrong_destination"
    with pytest.raises(Conflict) as e:
        Registry(db).draw_down(exp, lic, ship("1", shipment_date="2020-01-01"))
    assert e.value.reason == "outside_validity"
    with pytest.raises(Conflict) as e:
        Registry(db).draw_down(exp, lic, ship("1", value="250000"))
    assert e.value.reason == "exceeds_line_value"
    with pytest.raises(Invalid):
        Registry(db).draw_down(exp, lic, ship("1", line=9))
    # reserve, then cancel and confirm
    r1, _ = Registry(db).draw_down(exp, lic, ship("30", reserve=True))
    r2, _ = Registry(db).draw_down(exp, lic, ship("10", reserve=True))
    assert r1.state == "reserved"
    with pytest.raises(Conflict):
        Registry(db).draw_down(exp, lic, ship("0.5"))
    assert Registry(db).settle_reservation(exp, lic, r1.id, confirm=False).state == "cancelled"
    assert Registry(db).settle_reservation(exp, lic, r2.id, confirm=True).state == "used"
    with pytest.raises(Conflict):
        Registry(db).settle_reservation(exp, lic, r2.id, confirm=True)
    line = Registry(db).get_licence(exp, lic).lines[0]
    assert (line.authorised, line.reserved, line.used, line.available) == (100, 0, 70, 30)
    hist = Registry(db).list_shipments(people["officer"], lic)
    assert [h.state for h in hist] == ["used", "cancelled", "used"]


def test_shipment_client_key_is_idempotent(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    lic = licensed(db, people, authorised="100")
    a, created_a = Registry(db).draw_down(exp, lic, ship("10", client_key="BL-1"))
    b, created_b = Registry(db).draw_down(exp, lic, ship("10", client_key="BL-1"))
    assert created_a and not created_b and a.id == b.id
    assert Registry(db).get_licence(exp, lic).lines[0].used == 10


def test_concurrent_draw_downs_never_over_issue(db: Database, people: People) -> None:
    """60 simultaneous draw-downs of 30 kg at a 1000 kg line: exactly 33 succeed."""
    exp = people["exporter_a"]
    lic = licensed(db, people, authorised="1000")

    def one(i: int) -> str:
        try:
            Registry(db).draw_down(exp, lic, ship("30", client_key=f"c{i}"))
            return "ok"
        except Conflict as exc:
            return exc.reason

    with ThreadPoolExecutor(max_workers=60) as pool:
        results = list(pool.map(one, range(60)))
    assert results.count("ok") == 33
    assert results.count("exceeds_line") == 27
    with db.read() as s:
        line = s.execute(select(LicenceLine).where(LicenceLine.licence_id == lic)).scalars().first()
        assert line is not None
        assert line.used_milli == 990_000 <= line.authorised_milli
    assert len(Registry(db).list_shipments(exp, lic)) == 33
    assert Registry(db).verify_audit().ok


def test_determination_is_stored_as_json(db: Database, people: People) -> None:
    a = Registry(db).create_application(people["exporter_a"], application())
    a = Registry(db).submit_application(people["exporter_a"], a.id)
    assert a.determination is not None
    json.dumps(a.determination)
    assert {d["line"] for d in a.determination} == {1, 2}
