"""Several processes on one database: two `lanthanide serve` processes take
simultaneous draw-downs at one licence line while `lanthanide admin` CLI
processes append to the same audit chain. The in-process write lock cannot
help here; serialisation must come from the database (SQLite `BEGIN
IMMEDIATE` + busy timeout, PostgreSQL row locks on the audit head and line)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from lanthanide.registry import Registry
from lanthanide.registry.db import Database

from .conftest import _free_port, _make_db, licensed, make_people

N = 60  # simultaneous draw-downs, split across both servers
QTY = 30  # kg each, at a 1000 kg line: exactly 33 fit
CLI_USERS = 3  # concurrent `lanthanide admin create-user` processes
CLI = (sys.executable, "-m", "lanthanide.cli")


class Serve:
    """A `lanthanide serve` subprocess on ``url``."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port)],
            env={**os.environ, "LANTHANIDE_DATABASE_URL": url},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lanthanide serve did not start (log: {self.log.name})")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    d = _make_db(request, request.param, tmp_path)
    d.migrate()
    yield d
    d.dispose()


def test_two_servers_and_cli_processes_share_one_database(
    shared_db: Database, tmp_path: Path
) -> None:
    db = shared_db
    people = make_people(db)
    lic = licensed(db, people, authorised="1000")
    token = people.tokens["exporter_a"]
    servers = [Serve(db.url, tmp_path / f"serve{i}.log") for i in range(2)]
    try:
        for srv in servers:
            srv.wait_ready()
        barrier = threading.Barrier(N + 1)

        def draw(i: int) -> tuple[int, int, Any]:
            with httpx.Client(base_url=servers[i % 2].base, timeout=180) as c:
                c.get("/api/v1/health")  # connect before the start signal
                barrier.wait()
                r = c.post(
                    f"/api/v1/licences/{lic}/shipments",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"line": 1, "quantity": QTY, "value": 1, "destination": "JP"},
                )
                return i % 2, r.status_code, r.json()

        with ThreadPoolExecutor(N) as pool:
            futures = [pool.submit(draw, i) for i in range(N)]
            clis = [
                subprocess.Popen(
                    [*CLI, "admin", "create-user", "--name", f"mp-{k}", "--role", "analyst"],
                    env={**os.environ, "LANTHANIDE_DATABASE_URL": db.url},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for k in range(CLI_USERS)
            ]
            barrier.wait()
            results = [f.result() for f in futures]
            cli_out = [p.communicate(timeout=180) for p in clis]
    finally:
        for srv in servers:
            srv.stop()

    for p, (out, err) in zip(clis, cli_out, strict=True):
        assert p.returncode == 0, err.decode()
        assert out.decode().strip().startswith("lnt_")
    codes = [code for _srv, code, _body in results]
    unexpected = [(code, body) for _s, code, body in results if code not in (201, 409)]
    assert not unexpected, unexpected[:3]
    accepted = codes.count(201)
    refusals = {body["detail"][0]["reason"] for _s, code, body in results if code == 409}
    assert refusals <= {"exceeds_line"}
    assert {srv for srv, code, _b in results if code == 201} == {0, 1}, "both servers wrote"
    line = Registry(db).get_licence(people["officer"], lic).lines[0]
    assert line.used <= line.authorised == 1000
    assert accepted * QTY == line.used
    assert accepted == 1000 // QTY
    shipments = Registry(db).list_shipments(people["officer"], lic)
    assert len(shipments) == accepted and len({s.id for s in shipments}) == accepted
    v = Registry(db).verify_audit()
    assert v.ok, v.problems
    names = {u["name"] for u in Registry(db).list_users()}
    assert {f"mp-{k}" for k in range(CLI_USERS)} <= names
