"""Registry fixtures: a fresh database per test on SQLite (a temp file) and on
PostgreSQL (a database created and dropped per test by pytest-postgresql on
the cluster ``make pg`` starts), users of every role, and a real uvicorn
server whose registry database is swapped per test."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_postgresql import factories

from lanthanide.registry import Actor, Registry
from lanthanide.registry.db import Database
from lanthanide.registry.schemas import ApplicationIn, DecisionIn, LineIn

from ..support import free_port, serving

PG_SOCKET = "/var/run/postgresql"
PG_USER = getpass.getuser()


def _pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here, or None."""
    try:
        import psycopg

        with psycopg.connect(host=PG_SOCKET, dbname="postgres", user=PG_USER, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not available at {PG_SOCKET} (run `make pg`): {exc}".splitlines()[0]


PG_REASON = _pg_unavailable()

# per process: parallel test runs (other worktrees, `make test` next to a pytest)
# share the cluster and must not collide on the template database
pg_noproc = factories.postgresql_noproc(
    host=PG_SOCKET, user=PG_USER, dbname=f"lanthanide_test_{os.getpid()}"
)
pg_conn = factories.postgresql("pg_noproc")


def _make_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Database:
    if backend == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'registry.db'}")
    if PG_REASON:
        pytest.skip(PG_REASON)
    conn = request.getfixturevalue("pg_conn")
    return Database(f"postgresql+psycopg://{PG_USER}@/{conn.info.dbname}?host={PG_SOCKET}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    d = _make_db(request, request.param, tmp_path)
    d.migrate()
    yield d
    d.dispose()


@pytest.fixture()
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    d = Database(f"sqlite:///{tmp_path / 'registry.db'}")
    d.migrate()
    yield d
    d.dispose()


@dataclass
class People:
    tokens: dict[str, str]
    actors: dict[str, Actor]

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


ROLES_OF = {
    "exporter_a": ("exporter", "Party A"),
    "exporter_b": ("exporter", "Party B"),
    "officer": ("officer", "MOFCOM"),
    "officer_a": ("officer", "Party A"),
    "analyst": ("analyst", None),
    "admin": ("admin", None),
}


@pytest.fixture()
def people(db: Database) -> People:
    return make_people(db)


def make_people(db: Database) -> People:
    tokens: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    for name, (role, party) in ROLES_OF.items():
        _u, token = Registry(db).create_user(name=name, role=role, party=party)
        tokens[name] = token
        actors[name] = Registry(db).authenticate(token)
    return People(tokens, actors)


def application(**over: Any) -> ApplicationIn:
    data: dict[str, Any] = {
        "licence_type": "single",
        "destination": "JP",
        "end_user": "Tokyo Magnets KK",
        "end_use": "civil",
        "lines": [
            LineIn(item="1C902.a", quantity=Decimal("1000"), value=Decimal("250000")),
            LineIn(item="1C902.b", quantity=Decimal("50.5"), value=Decimal("9000.50")),
        ],
    }
    data.update(over)
    return ApplicationIn(**data)


def licensed(db: Database, people: People, *, authorised: str = "1000") -> int:
    """An approved application of Party A to JP, submitted 40 days ago and
    valid from 30 days ago for just under a year; returns the licence id."""
    today = date.today()
    then = datetime.combine(today - timedelta(days=40), time(12), tzinfo=UTC)
    a = Registry(db).create_application(people["exporter_a"], application())
    Registry(db, clock=lambda: then).submit_application(people["exporter_a"], a.id)
    out = Registry(db).decide_application(
        people["officer"],
        a.id,
        DecisionIn.model_validate(
            {
                "decision": "approve",
                "valid_from": (today - timedelta(days=30)).isoformat(),
                "valid_until": (today + timedelta(days=330)).isoformat(),
                "lines": [{"line": 1, "quantity": authorised, "value": "250000"}],
            }
        ),
    )
    assert out.licence_id is not None
    return out.licence_id


# ------------------------------------------------------------------ server
class _Holder:
    db: Database | None = None


HOLDER = _Holder()


_free_port = free_port


@pytest.fixture(scope="session")
def registry_server() -> Iterator[str]:
    """A real uvicorn server (threadpool for sync endpoints, as in `lanthanide
    serve`) whose registry database is the current test's."""
    from lanthanide.api import registry as registry_api
    from lanthanide.api.app import create_app

    app = create_app()

    def current_db() -> Database:
        assert HOLDER.db is not None
        return HOLDER.db

    app.dependency_overrides[registry_api.get_db] = current_db
    with serving(app, "registry test server") as url:
        yield url


@pytest.fixture()
def api(registry_server: str, db: Database) -> Iterator[str]:
    HOLDER.db = db
    yield registry_server
    HOLDER.db = None


def call(
    base: str, method: str, path: str, token: str | None = None, json: Any = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, base + path, headers=headers, json=json, timeout=60)


def _scenario_db(db: Database) -> dict[str, str]:
    """Users of every role and a licence of Party A; returns the tokens."""
    p = make_people(db)
    licensed(db, p)
    return p.tokens
