"""Clock pauses (issue 15 point 4; 国务院令第792号 Art. 17(3)) on SQLite and
PostgreSQL: recorded by officers, audited, the working days inside them not
counted towards the 45-working-day deadline."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound
from lanthanide.registry.schemas import ClockPauseIn, PauseEndIn

from .conftest import People, application, call, make_people
from .test_party_screening import at


def _submitted(db: Database, people: People) -> int:
    """Submitted Friday 2026-02-06: 45 working days → 2026-04-17 (Spring
    Festival 15–23 February skipped, make-up Saturdays 14 and 28 February
    counted, Qingming 6 April skipped)."""
    reg = Registry(db, clock=at(date(2026, 2, 6)))
    a = reg.create_application(people["exporter_a"], application())
    out = reg.submit_application(people["exporter_a"], a.id)
    assert out.deadline == date(2026, 4, 17)
    return a.id


def test_a_pause_moves_the_deadline_by_its_working_days(db: Database, people: People) -> None:
    app_id = _submitted(db, people)
    reg = Registry(db, clock=at(date(2026, 3, 20)))
    out = reg.pause_clock(
        people["officer"],
        app_id,
        ClockPauseIn(
            kind="expert_consultation",
            start=date(2026, 3, 2),
            end=date(2026, 3, 13),
            note="export control expert panel",
        ),
    )
    # ten working days (2–13 March) off the clock: 9 in 20–30 April, then
    # Labour Day 1–5 May is skipped, so the 10th is Wednesday 6 May
    assert out.deadline == date(2026, 5, 6) and out.deadline_without_pauses == date(2026, 4, 17)
    assert out.paused_working_days == 10
    (p,) = out.clock_pauses
    assert (p.kind, p.start, p.end, p.running) == (
        "expert_consultation",
        date(2026, 3, 2),
        date(2026, 3, 13),
        False,
    )
    assert p.basis == "国务院令第792号 Art. 17(3)" and "征询专家意见" in p.kind_text
    # the exporter sees it in the application view
    seen = reg.get_application(people["exporter_a"], app_id)
    assert seen.deadline == date(2026, 5, 6) and seen.clock_pauses == out.clock_pauses
    assert reg.list_clock_pauses(people["exporter_a"], app_id) == out.clock_pauses
    # 20 March → 6 May: 29 working days (without the pause: 19, to 17 April)
    assert seen.working_days_left == 29
    assert reg.verify_audit().ok


def test_a_running_pause_stops_the_clock_until_it_ends(db: Database, people: People) -> None:
    app_id = _submitted(db, people)
    reg = Registry(db, clock=at(date(2026, 3, 4)))  # Wednesday
    out = reg.pause_clock(
        people["officer"], app_id, ClockPauseIn(kind="on_site_check", start=date(2026, 3, 2))
    )
    assert out.clock_pauses[0].running
    assert out.paused_working_days == 3  # 2, 3, 4 March so far
    assert out.deadline_note is not None and "paused since 2026-03-02" in out.deadline_note
    later = Registry(db, clock=at(date(2026, 3, 6)))
    left = later.get_application(people["officer"], app_id).working_days_left
    assert left == reg.get_application(people["officer"], app_id).working_days_left  # stopped
    ended = later.end_clock_pause(
        people["officer"], app_id, out.clock_pauses[0].id, PauseEndIn(end=date(2026, 3, 5))
    )
    assert ended.paused_working_days == 4 and not ended.clock_pauses[0].running
    assert ended.deadline_note is None
    assert later.verify_audit().ok


def test_pause_refusals_name_the_field(db: Database, people: People) -> None:
    app_id = _submitted(db, people)
    reg = Registry(db, clock=at(date(2026, 3, 20)))
    with pytest.raises(Invalid) as e:
        reg.pause_clock(
            people["officer"],
            app_id,
            ClockPauseIn(kind="identification", start=date(2026, 3, 10), end=date(2026, 3, 9)),
        )
    assert e.value.field == "end"
    with pytest.raises(Invalid) as e:
        reg.pause_clock(
            people["officer"], app_id, ClockPauseIn(kind="identification", start=date(2026, 2, 1))
        )
    assert e.value.field == "start" and "before the application was submitted" in e.value.message
    with pytest.raises(Invalid) as e:
        reg.pause_clock(
            people["officer"], app_id, ClockPauseIn(kind="identification", start=date(2026, 4, 1))
        )
    assert e.value.field == "start" and "future" in e.value.message
    with pytest.raises(Forbidden):
        reg.pause_clock(
            people["exporter_a"],
            app_id,
            ClockPauseIn(kind="identification", start=date(2026, 3, 2)),
        )
    with pytest.raises(Forbidden):  # an officer of the applicant's own party
        reg.pause_clock(
            people["officer_a"], app_id, ClockPauseIn(kind="identification", start=date(2026, 3, 2))
        )
    with pytest.raises(NotFound):
        reg.end_clock_pause(people["officer"], app_id, 99, PauseEndIn(end=date(2026, 3, 3)))
    draft = reg.create_application(people["exporter_a"], application())
    with pytest.raises(Conflict) as c:
        reg.pause_clock(
            people["officer"], draft.id, ClockPauseIn(kind="identification", start=date(2026, 3, 2))
        )
    assert c.value.reason == "bad_state"
    assert reg.get_application(people["officer"], app_id).clock_pauses == []


def test_pauses_over_http(api: str, db: Database) -> None:
    p = make_people(db)
    reg = Registry(db)
    a = reg.create_application(p["exporter_a"], application())
    reg.submit_application(p["exporter_a"], a.id)
    today = reg.today().isoformat()
    path = f"/api/v1/licence-applications/{a.id}/clock-pauses"
    r = call(api, "POST", path, p.tokens["officer"], {"kind": "identification", "start": today})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["clock_pauses"][0]["running"] and body["paused_working_days"] in (0, 1)
    r = call(api, "POST", path, p.tokens["officer"], {"kind": "lunch", "start": today})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "kind"]
    r = call(
        api, "POST", path, p.tokens["officer"], {"kind": "identification", "start": "2000-01-01"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "start"]
    r = call(api, "POST", f"{path}/1/end", p.tokens["officer"], {"end": today})
    assert r.status_code == 200 and not r.json()["clock_pauses"][0]["running"]
    r = call(api, "GET", path, p.tokens["exporter_a"])
    assert r.status_code == 200 and len(r.json()) == 1
    assert call(api, "GET", path, p.tokens["exporter_b"]).status_code == 404


def test_pause_commands(sqlite_db: Database) -> None:
    from lanthanide.cli import app

    people = make_people(sqlite_db)
    reg = Registry(sqlite_db)
    a = reg.create_application(people["exporter_a"], application())
    reg.submit_application(people["exporter_a"], a.id)
    today = reg.today().isoformat()
    url = str(sqlite_db.engine.url)
    runner = CliRunner()
    args = ["registry", "pause-clock", "--application", str(a.id), "--database-url", url]
    res = runner.invoke(
        app, [*args, "--kind", "on_site_check", "--start", today, "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["clock_pauses"][0]["kind"] == "on_site_check"
    res = runner.invoke(app, [*args, "--kind", "on_site_check", "--start", "soon"])
    assert res.exit_code == 2 and "--start" in res.output
    res = runner.invoke(app, [*args, "--kind", "nap", "--start", today])
    assert res.exit_code == 2 and "--kind" in res.output
    end = ["registry", "end-pause", "--application", str(a.id), "--pause", "1", "--end", today]
    res = runner.invoke(app, [*end, "--database-url", url])
    assert res.exit_code == 0, res.output
    assert "working day(s) paused" in res.stdout
