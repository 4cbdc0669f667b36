"""The registry's contracts: an injected clock, rulebook and determination;
one state table; procedural values of the law from the rulebook."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from lanthanide.decide import Determination, decide
from lanthanide.decide.model import Case
from lanthanide.registry import Actor, Registry
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden
from lanthanide.registry.roles import PERMISSIONS, ROLES
from lanthanide.registry.schemas import DecisionIn
from lanthanide.registry.states import APP_STATES, APPLICATION, SHIPMENT, awaiting_decision
from lanthanide.registry.workdays import add_working_days
from lanthanide.rules import load_rulebook
from lanthanide.rules.book import Rulebook
from lanthanide.rules.loader import default_dir

from .conftest import application, make_people


def fixed(day: date) -> Any:
    return lambda: datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def test_state_table_is_complete_and_closed() -> None:
    for (src, action), nxt in APPLICATION.table.items():
        assert src in APP_STATES and nxt in APP_STATES and action in APPLICATION.roles
    # terminal states allow nothing
    for state in ("approved", "denied", "withdrawn"):
        assert not any(APPLICATION.allows(state, a) for a in APPLICATION.roles)
    assert [s for s in APP_STATES if awaiting_decision(s)] == ["submitted", "under_review"]
    assert APPLICATION.sources("withdraw") == ("draft", "submitted", "under_review")
    with pytest.raises(Conflict, match=r"only a draft can be submitted \(this one is approved\)"):
        APPLICATION.next("approved", "submit")
    with pytest.raises(Conflict, match="shipment 7 is used, not reserved"):
        SHIPMENT.next("used", "confirm", ident=7)


def test_roles_in_one_place() -> None:
    used = {r for roles in PERMISSIONS.values() for r in roles}
    used |= {r for roles in APPLICATION.roles.values() for r in roles}
    assert used <= set(ROLES)
    analyst = Actor(user_id=1, name="a", role="analyst", party_id=None)
    with pytest.raises(Forbidden, match=r"allowed: exporter, officer, admin"):
        analyst.may("read")
    with pytest.raises(Forbidden, match=r"allowed: officer\)"):
        APPLICATION.authorise(analyst, "approve")


def test_the_clock_decides_the_day(sqlite_db: Database) -> None:
    """Submission day, deadline and working days left come from the clock."""
    p = make_people(sqlite_db)
    day = date(2026, 3, 2)  # a Monday
    reg = Registry(sqlite_db, clock=fixed(day))
    assert reg.today() == day
    a = reg.create_application(p["exporter_a"], application())
    a = reg.submit_application(p["exporter_a"], a.id)
    assert a.deadline == add_working_days(day, 45)
    assert a.determination and a.determination[0]["case"]["on"] == day.isoformat()
    assert a.working_days_left == 45
    later = Registry(sqlite_db, clock=fixed(day + timedelta(days=7)))
    assert later.get_application(p["officer"], a.id).working_days_left == 40
    d = later.decide_application(
        p["officer"],
        a.id,
        DecisionIn(decision="approve"),
    )
    lic = later.get_licence(p["officer"], d.licence_id or 0)
    assert lic.valid_from == day + timedelta(days=7)


def test_the_clock_must_be_aware(sqlite_db: Database) -> None:
    reg = Registry(sqlite_db, clock=lambda: datetime(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError, match="not an aware datetime"):
        reg.today()
    east = Registry(
        sqlite_db, clock=lambda: datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=8)))
    )
    assert east.today() == date(2026, 3, 2)


def test_the_determination_is_injected(sqlite_db: Database) -> None:
    p = make_people(sqlite_db)
    seen: list[Case] = []
    book = load_rulebook()

    def spy(case: Case) -> Determination:
        seen.append(case)
        return decide(case, book)

    reg = Registry(sqlite_db, book, clock=fixed(date(2026, 3, 2)), decide=spy)
    a = reg.create_application(p["exporter_a"], application())
    reg.submit_application(p["exporter_a"], a.id)
    assert [c.item for c in seen] == ["1C902.a", "1C902.b"]
    assert {c.destination for c in seen} == {"JP"}


def _book_with(tmp_path: Path, **changes: int) -> Rulebook:
    """The bundled rulebook with procedure values changed (by procedure id),
    through a user overlay that replaces the regulations' file."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (f,) = default_dir().rglob("cn-sc-dual-use-regulations.yaml")
    data = yaml.safe_load(f.read_text(encoding="utf-8"))
    for proc in data["procedures"]:
        if proc["id"] in changes:
            proc["value"] = changes[proc["id"]]
    (overlay / f.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rulebook(overlays=[overlay])


def test_the_deadline_comes_from_the_rulebook(sqlite_db: Database, tmp_path: Path) -> None:
    p = make_people(sqlite_db)
    day = date(2026, 3, 2)
    reg = Registry(sqlite_db, _book_with(tmp_path, **{"decision-deadline": 20}), clock=fixed(day))
    a = reg.create_application(p["exporter_a"], application())
    a = reg.submit_application(p["exporter_a"], a.id)
    assert a.deadline == add_working_days(day, 20)


def test_procedures_are_cited() -> None:
    reg_book = load_rulebook()
    inst = reg_book.instruments["cn-sc-dual-use-regulations"]
    assert inst.number == "国务院令第792号"
    by_id = {pr.id: pr for pr in inst.procedures}
    assert (by_id["decision-deadline"].value, by_id["decision-deadline"].unit) == (
        45,
        "working_days",
    )
    assert "45个工作日内" in (by_id["decision-deadline"].quote.zh or "")
    assert "单项许可的有效期不超过1年" in (by_id["single-licence-validity"].quote.zh or "")
    assert "通用许可的有效期不超过3年" in (by_id["general-licence-validity"].quote.zh or "")
    for pr in inst.procedures:
        assert pr.tag == "P" and pr.sources and pr.sources[0].url.startswith("https://")
    from lanthanide.registry.procedures import Procedures

    procs = Procedures(reg_book)
    on = date(2026, 3, 2)
    assert procs.decision_deadline("technology", on).cite() == "国务院令第792号 Art. 17(1)"
    single = procs.max_validity("single", on)
    general = procs.max_validity("general", on)
    assert single is not None and general is not None and (single.value, general.value) == (1, 3)
    assert procs.max_validity("technology", on) is None
    with pytest.raises(Conflict, match="no decision time limit"):
        procs.decision_deadline("single", date(2024, 11, 30))
