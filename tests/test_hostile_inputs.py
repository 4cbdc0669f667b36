"""Hostile command-line input, run as the console script runs (``python -m
lanthanide.cli``): a one-line error, exit 2 for bad input, never a traceback,
nothing written or created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    env.pop("LANTHANIDE_DATABASE_URL", None)
    env.pop("LANTHANIDE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "lanthanide.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refused(r: subprocess.CompletedProcess[str], fragment: str, code: int = 2) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    assert fragment in r.stderr, r.stderr


def test_markup_in_a_name_is_stored_and_printed_as_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    r = cli(
        "admin",
        "create-user",
        "--name",
        "[/x]",
        "--role",
        "analyst",
        "--database-url",
        url,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "[/x]" in r.stderr and r.stdout.startswith("lnt_")
    r = cli("admin", "create-party", "--name", "[bold]Acme[/]", "--database-url", url, cwd=tmp_path)
    assert r.returncode == 0 and "[bold]Acme[/]" in r.stdout, r.stderr
    r = cli("admin", "list-users", "--database-url", url, cwd=tmp_path)
    assert r.returncode == 0 and "[/x]" in r.stdout, r.stderr


@pytest.mark.parametrize("url", ["bogus://x", "not a url", "postgresql+nodriver://h/db"])
def test_bad_database_url_exits_2_naming_it(tmp_path: Path, url: str) -> None:
    refused(cli("admin", "list-users", "--database-url", url, cwd=tmp_path), "--database-url")


def test_audit_verify_refuses_a_missing_database_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    r = cli("audit", "verify", "--database-url", f"sqlite:///{missing}", cwd=tmp_path)
    refused(r, "no such database")
    assert not missing.exists()


def test_audit_verify_says_empty_chain_not_intact(tmp_path: Path) -> None:
    from lanthanide.registry.db import Database

    path = tmp_path / "empty.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    r = cli("audit", "verify", "--database-url", f"sqlite:///{path}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "empty chain" in r.stdout and "intact" not in r.stdout


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_port_out_of_range(tmp_path: Path, port: str) -> None:
    refused(cli("serve", "--port", port, cwd=tmp_path), "--port")


def test_output_paths(tmp_path: Path) -> None:
    decl = tmp_path / "d.csv"
    assert (
        cli("screen", "generate", "--lines", "5", "--out", str(decl), cwd=tmp_path).returncode == 0
    )
    before = decl.read_bytes()
    (tmp_path / "link.csv").symlink_to(decl)
    for out in ("d.csv", "./d.csv", "link.csv", str(decl)):
        refused(cli("screen", "run", "d.csv", "--out", out, cwd=tmp_path), "--out")
    refused(
        cli("screen", "run", "d.csv", "--out", "o.csv", "--rejects", "d.csv", cwd=tmp_path),
        "--rejects",
    )
    refused(cli("screen", "run", "d.csv", "--out", str(tmp_path), cwd=tmp_path), "--out")
    refused(cli("screen", "run", "d.csv", "--out", "nope/o.csv", cwd=tmp_path), "--out")
    refused(cli("screen", "generate", "--lines", "5", "--out", "nope/x.csv", cwd=tmp_path), "--out")
    assert decl.read_bytes() == before
    scenario = str(ROOT / "examples" / "scenarios" / "japan-2010.yaml")
    refused(cli("scenario", "run", scenario, "--plot", "nope/x.png", cwd=tmp_path), "--plot")
    (tmp_path / "dir.png").mkdir()
    refused(cli("scenario", "run", scenario, "--plot", "dir.png", cwd=tmp_path), "--plot")


def test_non_utf8_header_exits_2_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"line_id,h\xffs,quantity\n1,2850001901,1\n")
    r = cli("screen", "run", "bad.csv", "--out", "o.csv", "--no-progress", cwd=tmp_path)
    refused(r, "UTF-8")
    assert not (tmp_path / "o.csv").exists()


def test_unknown_parameter_lists_the_known_ones(tmp_path: Path) -> None:
    r = cli("check", "--hs", "2850001901", "--param", "x=1", cwd=tmp_path)
    refused(r, "--param x")
    assert "purity" in r.stderr
