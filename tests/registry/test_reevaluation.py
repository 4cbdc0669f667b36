"""Re-evaluation of open applications and valid licences (issue 15 point 3),
on SQLite and PostgreSQL: stored, audited, the licence marked
``basis_changed`` without changing what it authorises; draw-down refused
when the new verdict is prohibited, allowed with a warning otherwise."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from lanthanide.decide.model import Case, Determination
from lanthanide.registry import Registry
from lanthanide.registry.context import decide_with
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden
from lanthanide.registry.models import AuditEntry, Reevaluation
from lanthanide.registry.schemas import DecisionIn
from lanthanide.rules.book import load_rulebook

from .conftest import People, application, call, make_people
from .test_party_screening import LISTING, MP, _licence_before_listing, _ship, at, us_app


def test_reevaluation_marks_a_licence_whose_basis_changed(db: Database, people: People) -> None:
    lic = _licence_before_listing(db, people)  # MP Materials, issued 2026-06-01
    # an open application of the same kind and one unaffected licence-free draft
    opened = Registry(db, clock=at(date(2026, 6, 1))).create_application(
        people["exporter_a"], us_app(end_user=MP)
    )
    Registry(db, clock=at(date(2026, 6, 1))).submit_application(people["exporter_a"], opened.id)
    Registry(db).create_application(people["exporter_a"], application())  # draft: not re-run
    reg = Registry(db, clock=at(date(2026, 7, 1)))
    before = reg.get_licence(people["exporter_a"], lic)
    assert before.basis_status == "as_issued"
    run = reg.reevaluate(people["officer"], date(2026, 7, 1))
    assert (run.on, run.evaluated, run.changed, run.basis_changed) == (date(2026, 7, 1), 2, 2, 2)
    assert run.rulebook_version == reg.rulebook.version
    kinds = {(r.kind, r.record_id): r for r in run.records}
    r = kinds[("licence", lic)]
    assert (r.verdict_before, r.verdict_after) == ("licence_required", "prohibited")
    assert any(LISTING in c and "now applies" in c for c in r.changes)
    after = reg.get_licence(people["exporter_a"], lic)  # the exporter sees it
    assert after.basis_status == "basis_changed" and after.basis_verdict == "prohibited"
    assert after.basis_changes == r.changes and after.basis_reevaluation_id == r.id
    assert after.lines == before.lines and after.valid_until == before.valid_until
    # the open application: its latest re-evaluation is shown, approval refused
    app = reg.get_application(people["exporter_a"], opened.id)
    assert app.reevaluation is not None and app.reevaluation["verdict"] == "prohibited"
    assert app.verdict == "licence_required"  # the submission determination is kept
    with pytest.raises(Conflict) as c:
        reg.decide_application(people["officer"], opened.id, DecisionIn(decision="approve"))
    assert c.value.reason == "prohibited" and "re-evaluation" in c.value.message
    # draw-down on a basis_changed licence now prohibited: refused, audited
    with pytest.raises(Conflict) as c:
        reg.draw_down(people["exporter_a"], lic, _ship("2026-06-15"))
    assert c.value.reason == "basis_prohibited"
    # stored and audited
    with db.read() as s:
        rows = s.execute(select(Reevaluation).order_by(Reevaluation.id)).scalars().all()
        assert {(x.kind, x.record_id) for x in rows} == {("licence", lic), ("application", 2)}
        assert all(
            x.actor == "officer" and x.rulebook_version == run.rulebook_version for x in rows
        )
        assert json.loads(rows[0].determination)[0]["verdict"] == rows[0].verdict_after
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))]
    assert actions.count("reevaluation.licence") == 1 and "licence.basis_changed" in actions
    assert actions[-1] == "shipment.refused_basis_prohibited"
    assert reg.verify_audit().ok
    # a second run: unchanged since the previous, still differs from the basis
    again = reg.reevaluate(people["officer"], date(2026, 7, 1))
    assert (again.changed, again.basis_changed) == (0, 2)
    listed = reg.list_reevaluations(people["officer"], basis_changed=True, kind="licence")
    assert [x.record_id for x in listed] == [lic, lic]
    assert reg.list_reevaluations(people["officer"], run=again.run, changed=True) == []


def test_basis_changed_but_not_prohibited_allows_with_a_warning(
    db: Database, people: People
) -> None:
    lic = _licence_before_listing(db, people)
    base = decide_with(load_rulebook())

    def stricter(case: Case) -> Determination:
        d = base(dataclasses.replace(case, end_user="Springfield Motors LLC"))
        return dataclasses.replace(d, verdict="denial_presumed")

    Registry(db, clock=at(date(2026, 6, 10)), decide=stricter).reevaluate(people["officer"])
    reg = Registry(db, clock=at(date(2026, 6, 10)))
    assert reg.get_licence(people["exporter_a"], lic).basis_verdict == "denial_presumed"
    sh, created = reg.draw_down(people["exporter_a"], lic, _ship("2026-06-10"))
    assert created and len(sh.warnings) == 1 and "basis changed" in sh.warnings[0]
    # back to the issuing basis: restored
    Registry(db, clock=at(date(2026, 6, 10))).reevaluate(people["officer"])
    assert reg.get_licence(people["exporter_a"], lic).basis_status == "as_issued"
    assert reg.verify_audit().ok


def test_only_officers_reevaluate(db: Database, people: People) -> None:
    reg = Registry(db)
    for who in ("exporter_a", "analyst"):
        with pytest.raises(Forbidden):
            reg.reevaluate(people[who])
        with pytest.raises(Forbidden):
            reg.list_reevaluations(people[who])
    assert reg.reevaluate(people["admin"]).evaluated == 0


def test_reevaluation_over_http(api: str, db: Database) -> None:
    p = make_people(db)
    lic = _licence_before_listing(db, p)
    t = p.tokens
    r = call(api, "POST", "/api/v1/reevaluations", t["officer"], {"on": "2026-07-01"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["on"] == "2026-07-01" and body["basis_changed"] == 1
    r = call(api, "GET", "/api/v1/reevaluations?basis_changed=true", t["officer"])
    assert r.status_code == 200 and [x["record_id"] for x in r.json()] == [lic]
    r = call(api, "GET", f"/api/v1/licences/{lic}", t["exporter_a"])
    assert r.json()["basis_status"] == "basis_changed"
    assert call(api, "POST", "/api/v1/reevaluations", t["exporter_a"], {}).status_code == 403
    r = call(api, "POST", "/api/v1/reevaluations", t["officer"], {"on": "2026-13-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "on"]
    r = call(api, "GET", "/api/v1/reevaluations?kind=permit", t["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "kind"]


def test_reevaluate_command(sqlite_db: Database) -> None:
    from lanthanide.cli import app

    db = sqlite_db
    _licence_before_listing(db, make_people(db))
    url = str(db.engine.url)
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["registry", "reevaluate", "--on", "2026-07-01", "--format", "json", "--database-url", url],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["basis_changed"] == 1 and data["records"][0]["verdict_after"] == "prohibited"
    res = runner.invoke(app, ["registry", "reevaluate", "--on", "July", "--database-url", url])
    assert res.exit_code == 2 and "--on" in res.output
    with db.read() as s:
        assert s.execute(text("select count(*) from reevaluations")).scalar_one() == 1
