"""Audit chain: intact after real work; any edit or deletion, of an audit
entry or of a business row, is detected and named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.registry import Registry
from lanthanide.registry.actors import hash_token
from lanthanide.registry.db import Database
from lanthanide.registry.schemas import ShipmentIn

from .conftest import People, licensed


def _work(db: Database, people: People) -> int:
    lic = licensed(db, people, authorised="100")
    for q in ("10", "20"):
        Registry(db).draw_down(
            people["exporter_a"],
            lic,
            ShipmentIn.model_validate(
                {"line": 1, "quantity": q, "value": "1", "destination": "JP"}
            ),
        )
    return lic


def _sql(db: Database, stmt: str) -> None:
    """Tamper behind the registry's back (a plain connection, no audit)."""
    with db.engine.connect() as conn:
        conn.execute(text(stmt))
        conn.commit()


def _kinds(db: Database) -> set[tuple[str, str, int | None]]:
    v = Registry(db).verify_audit()
    return {(p.kind, p.table, p.row_id) for p in v.problems}


def test_intact_chain_verifies(db: Database, people: People) -> None:
    _work(db, people)
    v = Registry(db).verify_audit()
    assert v.ok, v.problems
    assert v.entries > 10 and v.rows > 10


@pytest.mark.parametrize(
    ("stmt", "expected"),
    [
        (
            "UPDATE shipments SET quantity_milli = 1 WHERE id = 1",
            ("row_edited", "shipments", 1),
        ),
        (
            "UPDATE licence_lines SET authorised_milli = 999000000 WHERE id = 1",
            ("row_edited", "licence_lines", 1),
        ),
        (
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
            ("audit_row_edited", "audit_log", 3),
        ),
        ("DELETE FROM audit_log WHERE seq = 4", ("audit_row_missing", "audit_log", 5)),
        ("DELETE FROM shipments WHERE id = 2", ("row_deleted", "shipments", 2)),
        (
            "INSERT INTO parties (name, kind, created_at) VALUES ('ghost', 'exporter', "
            "'2026-01-01 00:00:00')",
            ("row_unaudited", "parties", 4),
        ),
    ],
)
def test_tampering_is_detected(
    db: Database, people: People, stmt: str, expected: tuple[str, str, int]
) -> None:
    _work(db, people)
    assert Registry(db).verify_audit().ok
    _sql(db, stmt)
    assert expected in _kinds(db)


def test_deleting_the_last_entry_is_detected(db: Database, people: People) -> None:
    _work(db, people)
    _sql(db, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    kinds = {k for k, _t, _i in _kinds(db)}
    assert "audit_tail_missing" in kinds


def test_cli_audit_verify_exit_codes(sqlite_db: Database, tmp_path: Path) -> None:
    from .conftest import make_people

    people = make_people(sqlite_db)
    _work(sqlite_db, people)
    url = sqlite_db.url
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    path = url.split("///", 1)[1]
    con = sqlite3.connect(path)  # what a tamperer with the sqlite3 CLI does
    con.execute("UPDATE shipments SET quantity_milli = 5 WHERE id = 2")
    con.commit()
    con.close()
    bad = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert bad.exit_code == 1
    assert "shipments row id 2" in bad.output
    js = runner.invoke(app, ["audit", "verify", "--database-url", url, "--format", "json"])
    assert js.exit_code == 1 and '"ok": false' in js.output


@pytest.mark.parametrize(
    "stmt",
    [
        "UPDATE users SET role = 'admin' WHERE name = 'exporter_a'",
        "UPDATE users SET party_id = (SELECT id FROM parties WHERE name = 'Party B') "
        "WHERE name = 'exporter_a'",
    ],
)
def test_tampered_user_cannot_authenticate(
    api: str, db: Database, people: People, stmt: str
) -> None:
    """An edited users row is refused at once (401), not only at verification."""
    from lanthanide.registry.errors import Unauthorized

    from .conftest import call

    token = people.tokens["exporter_a"]
    assert call(api, "GET", "/api/v1/licences", token).status_code == 200
    _sql(db, stmt)
    with pytest.raises(Unauthorized) as e:
        Registry(db).authenticate(token)
    assert "failed its integrity check" in str(e.value)
    r = call(api, "GET", "/api/v1/audit/verify", token)
    assert r.status_code == 401 and "integrity check" in r.text
    assert r.headers["WWW-Authenticate"] == "Bearer"
    # other accounts are unaffected, and verification names the row
    r = call(api, "GET", "/api/v1/audit/verify", people.tokens["admin"])
    assert r.status_code == 200
    problems = r.json()["problems"]
    uid = people["exporter_a"].user_id
    assert {(p["kind"], p["table"], p["id"]) for p in problems} == {("row_edited", "users", uid)}


def test_user_row_copied_onto_another_token_is_refused(db: Database, people: People) -> None:
    """Pointing the admin row at an exporter's token hash does not make an admin."""
    from lanthanide.registry.errors import Unauthorized

    _sql(db, "UPDATE users SET token_hash = 'x' WHERE name = 'exporter_a'")
    _sql(
        db,
        "UPDATE users SET token_hash = '"
        + hash_token(people.tokens["exporter_a"])
        + "' WHERE name = 'admin'",
    )
    with pytest.raises(Unauthorized, match="integrity check"):
        Registry(db).authenticate(people.tokens["exporter_a"])
    assert Registry(db).authenticate(people.tokens["officer"]).role == "officer"
