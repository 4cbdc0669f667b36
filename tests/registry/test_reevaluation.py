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
    # a second run on the same date and rulebook: nothing new is stored, the
    # stored rows are listed with the run that stored them
    again = reg.reevaluate(people["officer"], date(2026, 7, 1))
    assert (again.evaluated, again.stored, again.already) == (2, 0, 2)
    assert (again.changed, again.basis_changed) == (0, 2)
    assert {x.run for x in again.records} == {run.run}
    listed = reg.list_reevaluations(people["officer"], basis_changed=True, kind="licence")
    assert [x.record_id for x in listed] == [lic]
    assert reg.list_reevaluations(people["officer"], run=again.run) == []
    # another date: stored again, unchanged since the previous one
    later = reg.reevaluate(people["officer"], date(2026, 7, 2))
    assert (later.stored, later.changed, later.basis_changed) == (2, 0, 2)
    listed = reg.list_reevaluations(people["officer"], basis_changed=True, kind="licence")
    assert [x.record_id for x in listed] == [lic, lic]
    assert reg.verify_audit().ok


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


# ------------------------------------------------ batches, idempotency, failure


def _open_applications(db: Database, people: People, n: int) -> list[int]:
    """``n`` submitted applications to MP Materials (listed from 2026-06-22)."""
    reg = Registry(db, clock=at(date(2026, 6, 1)))
    ids = []
    for _ in range(n):
        a = reg.create_application(people["exporter_a"], us_app(end_user=MP))
        reg.submit_application(people["exporter_a"], a.id)
        ids.append(a.id)
    return ids


def _stored(db: Database) -> list[tuple[str, int, str]]:
    with db.read() as s:
        rows = s.execute(select(Reevaluation).order_by(Reevaluation.id)).scalars().all()
        return [(r.kind, r.record_id, r.run) for r in rows]


def test_a_failure_mid_run_keeps_whole_batches_and_a_rerun_completes(
    db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanthanide.registry import reevaluations

    lic = _licence_before_listing(db, people)
    apps = _open_applications(db, people, 4)  # 5 records: 4 applications, then the licence
    day = date(2026, 7, 1)
    reg = Registry(db, clock=at(day))
    real = reevaluations._store
    calls = {"n": 0}

    def failing(*args: object, **kw: object) -> Reevaluation:
        calls["n"] += 1
        if calls["n"] == 4:  # the second record of the second batch
            raise RuntimeError("disk full")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(reevaluations, "_store", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        reevaluations.run(reg.ctx, people["officer"], day, batch=2)
    stored = _stored(db)
    assert [(k, i) for k, i, _ in stored] == [("application", apps[0]), ("application", apps[1])]
    assert reg.verify_audit().ok  # every stored row audited, nothing of the failed batch
    assert reg.get_licence(people["exporter_a"], lic).basis_status == "as_issued"
    monkeypatch.setattr(reevaluations, "_store", real)
    done = reevaluations.run(reg.ctx, people["officer"], day, batch=2)
    assert (done.evaluated, done.stored, done.already) == (5, 3, 2)
    stored = _stored(db)
    assert sorted((k, i) for k, i, _ in stored) == sorted(
        [("application", a) for a in apps] + [("licence", lic)]
    )
    assert len({r for _, _, r in stored}) == 2  # the failed run's batch and the re-run
    assert reg.get_licence(people["exporter_a"], lic).basis_status == "basis_changed"
    assert reg.verify_audit().ok
    # idempotent: a third run stores nothing
    assert reevaluations.run(reg.ctx, people["officer"], day, batch=2).stored == 0
    assert len(_stored(db)) == 5


def test_other_writers_are_not_blocked_while_it_decides(db: Database, people: People) -> None:
    """While the run decides (outside any write transaction), another
    registry writes to the same database and finishes."""
    import threading

    _licence_before_listing(db, people)
    _open_applications(db, people, 2)
    base = decide_with(load_rulebook())
    done: list[int] = []

    def write_elsewhere() -> None:
        a = Registry(db).create_application(people["exporter_a"], us_app())
        done.append(a.id)

    def decide(case: Case) -> Determination:
        if not done:
            t = threading.Thread(target=write_elsewhere, daemon=True)
            t.start()
            t.join(timeout=20)
            assert done, "another writer was blocked by the re-evaluation"
        return base(case)

    res = Registry(db, clock=at(date(2026, 7, 1)), decide=decide).reevaluate(people["officer"])
    assert res.stored == 3 and done
