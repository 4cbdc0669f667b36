"""Rare-earth export reports: validation against the rulebook, idempotency,
amendments with history, summaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from lanthanide.registry import Registry, reports
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound
from lanthanide.registry.reports import reporting_scopes
from lanthanide.registry.schemas import AmendIn, ReportIn
from lanthanide.rules import load_rulebook

from .conftest import People


def report(**over: Any) -> ReportIn:
    data: dict[str, Any] = {
        "client_key": "R-1",
        "product_type": "oxide",
        "hs": "2846901500",
        "elements": ["Dy"],
        "quantity_kg": "120.5",
        "value": "48000",
        "currency": "USD",
        "contract_date": "2025-03-01",
        "origin": "CN",
        "destination": "JP",
        "shipment_date": "2025-03-20",
        "customs_port": "Tianjin",
    }
    data.update(over)
    return ReportIn.model_validate(data)


def test_reporting_scope_comes_from_the_rulebook() -> None:
    scopes = reporting_scopes(load_rulebook())
    assert [s.instrument for s in scopes] == ["cn-mofcom-bulk-commodity-reporting"]
    assert "2846" in scopes[0].prefixes
    assert "2846901500" in scopes[0].lines
    assert (
        str(scopes[0].start) == "2023-10-31" and str(scopes[0].end) == "2025-11-01"
    )  # 至2025年10月31日, inclusive


def test_create_and_idempotent_replay(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    r, created = Registry(db).create_report(exp, report())
    assert created and r.version == 1 and r.quantity_kg == 120.5
    assert r.instrument == "cn-mofcom-bulk-commodity-reporting"
    again, created2 = Registry(db).create_report(exp, report())
    assert not created2 and again.id == r.id
    with pytest.raises(Conflict) as e:
        Registry(db).create_report(exp, report(quantity_kg="1"))
    assert e.value.reason == "client_key_reused" and e.value.field == "client_key"
    # another party may use the same key
    other, created3 = Registry(db).create_report(people["exporter_b"], report())
    assert created3 and other.id != r.id
    assert len(Registry(db).list_reports(people["officer"])) == 2


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"hs": "2805110000"}, "hs"),
        ({"shipment_date": "2023-10-30", "contract_date": "2023-10-01"}, "shipment_date"),
        ({"elements": ["Fe"]}, "elements"),
        ({"elements": ["Dy", "Dy"]}, "elements"),
        ({"destination": "CN"}, "destination"),
        ({"destination": "XX"}, "destination"),
        ({"origin": "ZZ"}, "origin"),
        ({"contract_date": "2025-04-01"}, "contract_date"),
    ],
)
def test_field_errors(db: Database, people: People, over: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as e:
        Registry(db).create_report(people["exporter_a"], report(**over))
    assert field in [f for f, _m in e.value.errors]
    assert Registry(db).list_reports(people["officer"]) == []


def test_period_start_inside_and_uncertain_end(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    # before the start: refused
    with pytest.raises(Invalid) as e:
        Registry(db).create_report(
            exp, report(shipment_date="2023-10-30", contract_date="2023-10-01")
        )
    assert [f for f, _m in e.value.errors] == ["shipment_date"]
    # inside (first and last day): no warning
    for key, day in (("R-in1", "2023-10-31"), ("R-in2", "2025-10-31")):
        r, _ = Registry(db).create_report(
            exp, report(client_key=key, shipment_date=day, contract_date="2023-10-01")
        )
        assert r.warnings == []
    # on and after the end, which is uncertain (no renewal found): stored with a warning
    for key, day in (("R-end", "2025-11-01"), ("R-late", "2026-03-02")):
        r, created = Registry(db).create_report(exp, report(client_key=key, shipment_date=day))
        assert created
        (w,) = r.warnings
        assert (w.field, w.code) == ("shipment_date", "reporting_period_end_uncertain")
        assert "2023-10-31 to 2025-10-31 (both days included)" in w.message
        assert "ran until 2025-10-31" in w.message and "no renewal" in w.message
        assert r.instrument == "cn-mofcom-bulk-commodity-reporting"
        assert Registry(db).get_report(people["officer"], r.id).warnings == [w]
    listed = {x.client_key: x.warnings for x in Registry(db).list_reports(exp)}
    assert [k for k, ws in listed.items() if ws] == ["R-end", "R-late"]
    # the warning is part of the audited row
    from sqlalchemy import select

    from lanthanide.registry.models import AuditEntry

    with db.read() as s:
        after = (
            s.execute(
                select(AuditEntry.after)
                .where(AuditEntry.entity == "reports", AuditEntry.entity_id == r.id)
                .order_by(AuditEntry.seq.desc())
            )
            .scalars()
            .first()
        )
    assert after is not None and "reporting_period_end_uncertain" in after
    # amending back into the period clears the warning; out of it sets it again
    r2 = Registry(db).amend_report(
        exp,
        r.id,
        AmendIn(reason="date", shipment_date="2025-06-01"),  # type: ignore[arg-type]
    )
    assert r2.warnings == []
    r3 = Registry(db).amend_report(
        exp,
        r.id,
        AmendIn(reason="date", shipment_date="2026-01-05"),  # type: ignore[arg-type]
    )
    assert [w.code for w in r3.warnings] == ["reporting_period_end_uncertain"]
    assert Registry(db).verify_audit().ok


def test_a_certain_end_still_refuses(
    db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    sure = [
        dataclasses.replace(sc, end_uncertain=False) for sc in reporting_scopes(load_rulebook())
    ]
    monkeypatch.setattr(reports, "reporting_scopes", lambda book: sure)
    with pytest.raises(Invalid) as e:
        Registry(db).create_report(people["exporter_a"], report(shipment_date="2026-01-01"))
    assert [f for f, _m in e.value.errors] == ["shipment_date"]
    assert Registry(db).list_reports(people["officer"]) == []


def test_several_field_errors_at_once(db: Database, people: People) -> None:
    with pytest.raises(Invalid) as e:
        Registry(db).create_report(
            people["exporter_a"], report(hs="9999999999", elements=["Xx"], origin="ZZ")
        )
    assert {f for f, _m in e.value.errors} == {"hs", "elements", "origin"}


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"quantity_kg": "0"}, "quantity_kg"),
        ({"quantity_kg": "1.0001"}, "quantity_kg"),
        ({"currency": "usd"}, "currency"),
        ({"product_type": "magnet"}, "product_type"),
        ({"hs": "28"}, "hs"),
        ({"client_key": ""}, "client_key"),
    ],
)
def test_shape_errors_name_the_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        report(**over)
    assert e.value.errors()[0]["loc"][0] == field


def test_amendments_keep_history(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    r, _ = Registry(db).create_report(exp, report())
    r2 = Registry(db).amend_report(
        exp,
        r.id,
        AmendIn(reason="weighbridge", quantity_kg="121"),  # type: ignore[arg-type]
    )
    assert r2.version == 2 and r2.quantity_kg == 121
    assert [(h.version, h.data["quantity_kg"], h.reason) for h in r2.history] == [
        (1, 120.5, None),
        (2, 121.0, "weighbridge"),
    ]
    with pytest.raises(Invalid) as e:
        Registry(db).amend_report(exp, r.id, AmendIn(reason="x", hs="2805110000"))
    assert e.value.errors[0][0] == "hs"
    assert Registry(db).get_report(exp, r.id).version == 2
    with pytest.raises(NotFound):
        Registry(db).amend_report(people["exporter_b"], r.id, AmendIn(reason="x", origin="JP"))
    with pytest.raises(NotFound):
        Registry(db).get_report(people["exporter_b"], r.id)
    assert Registry(db).verify_audit().ok


def test_summary(db: Database, people: People) -> None:
    exp = people["exporter_a"]
    Registry(db).create_report(exp, report())
    Registry(db).create_report(
        exp,
        report(client_key="R-2", elements=["Tb", "Dy"], quantity_kg="10", destination="KR"),
    )
    Registry(db).create_report(
        people["exporter_b"],
        report(client_key="R-3", shipment_date="2025-04-02", value="5", currency="EUR"),
    )
    with pytest.raises(Forbidden):
        Registry(db).summary(exp)
    s = Registry(db).summary(people["analyst"])
    assert s.reports == 3 and s.quantity_kg == 251.0
    by_el = {r.key: (r.reports, r.quantity_kg) for r in s.by_element}
    assert by_el == {"Dy": (3, 251.0), "Tb": (1, 10.0)}
    by_dest = {r.key: r.quantity_kg for r in s.by_destination}
    assert by_dest == {"JP": 241.0, "KR": 10.0}
    by_month = {r.key: r.value for r in s.by_month}
    assert by_month == {"2025-03": {"USD": 96000.0}, "2025-04": {"EUR": 5.0}}
    only_april = Registry(db).summary(people["officer"], since=date(2025, 4, 1))
    assert only_april.reports == 1
