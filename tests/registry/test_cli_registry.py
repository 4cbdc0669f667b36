"""`lanthanide admin ...`: tokens printed once, bad flags exit 2 naming the flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.registry import Registry
from lanthanide.registry.db import Database, default_url

runner = CliRunner()


def test_create_user_prints_a_working_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(
        app,
        [
            "admin",
            "create-user",
            "--name",
            "alice",
            "--role",
            "exporter",
            "--party",
            "Acme",
            "--database-url",
            url,
        ],
    )
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("lnt_")
    db = Database(url)
    actor = Registry(db).authenticate(token)
    assert (actor.name, actor.role) == ("alice", "exporter") and actor.party_id
    r = runner.invoke(
        app,
        [
            "admin",
            "create-user",
            "--name",
            "olga",
            "--role",
            "officer",
            "--format",
            "json",
            "--database-url",
            url,
        ],
    )
    assert json.loads(r.stdout)["token"].startswith("lnt_")
    r = runner.invoke(app, ["admin", "list-users", "--format", "json", "--database-url", url])
    users = json.loads(r.stdout)
    assert [(u["name"], u["party"]) for u in users] == [("alice", "Acme"), ("olga", None)]
    assert "lnt_" not in r.stdout
    db.dispose()


def test_env_url_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTHANIDE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    r = runner.invoke(app, ["admin", "create-user", "--name", "x", "--role", "analyst"])
    assert r.exit_code == 0
    assert (tmp_path / "env.db").exists()
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0 and "intact" in r.output


def test_default_is_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANTHANIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path / 'lanthanide' / 'registry.db'}"


def test_bad_flags_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    r = runner.invoke(
        app, ["admin", "create-user", "--name", "a", "--role", "boss", "--database-url", url]
    )
    assert r.exit_code == 2 and "--role" in r.output
    r = runner.invoke(
        app, ["admin", "create-user", "--name", "a", "--role", "exporter", "--database-url", url]
    )
    assert r.exit_code == 2 and "--party" in r.output
    r = runner.invoke(
        app, ["admin", "create-party", "--name", "P", "--uscc", "123", "--database-url", url]
    )
    assert r.exit_code == 2 and "--uscc" in r.output
    ok = runner.invoke(
        app,
        [
            "admin",
            "create-party",
            "--name",
            "P",
            "--uscc",
            "91350100M000100Y43",
            "--database-url",
            url,
        ],
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(app, ["admin", "create-party", "--name", "P", "--database-url", url])
    assert again.exit_code == 2 and "--name" in again.output


def test_revoke_token(tmp_path: Path) -> None:
    from lanthanide.registry.errors import Unauthorized

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    _u, token = Registry(db).create_user(name="alice", role="exporter", party="Acme")
    assert Registry(db).authenticate(token).name == "alice"
    r = runner.invoke(app, ["admin", "revoke-token", "--name", "alice", "--database-url", url])
    assert r.exit_code == 0, r.output
    assert "token revoked" in r.output
    with pytest.raises(Unauthorized, match="revoked"):
        Registry(db).authenticate(token)
    again = runner.invoke(app, ["admin", "revoke-token", "--name", "alice", "--database-url", url])
    assert again.exit_code == 0 and "already revoked" in again.output
    missing = runner.invoke(app, ["admin", "revoke-token", "--name", "bob", "--database-url", url])
    assert missing.exit_code == 1 and "bob" in missing.output
    users = {u["name"]: u for u in Registry(db).list_users()}
    assert users["alice"]["active"] is False
    # audited once, and the chain (including the revoked row) verifies
    from sqlalchemy import select

    from lanthanide.registry.models import AuditEntry

    with db.read() as s:
        actions = list(
            s.execute(select(AuditEntry.action).where(AuditEntry.entity == "users")).scalars()
        )
    assert actions == ["user.create", "user.revoke"]
    assert Registry(db).verify_audit().ok
    db.dispose()
