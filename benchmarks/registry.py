"""Benchmark: shipments (licence draw-downs) per second and latency through a
real ``lanthanide serve`` process, on SQLite and on PostgreSQL.

    python benchmarks/registry.py [--runs 3] [--shipments 400] [--clients 20] [--no-pg]

Each run starts from a fresh database, creates users and a licence through the
registry, then sends ``--shipments`` POST /api/v1/licences/{id}/shipments
requests from ``--clients`` concurrent HTTP clients (and from one client, the
baseline). Prints the median of the runs: shipments per second, p50 and p95
latency, and each row's throughput ratio against SQLite with one client.
Every run also checks that used == sum of accepted shipments <= authorised.
PostgreSQL is the local cluster on /var/run/postgresql (``make pg``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from lanthanide.registry import Registry
from lanthanide.registry.db import Database
from lanthanide.registry.schemas import ApplicationIn, DecisionIn

PG_SOCKET = "/var/run/postgresql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_url(dbname: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            host=PG_SOCKET, dbname="postgres", user=getpass.getuser(), autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{dbname}"')
    except Exception as exc:
        print(f"PostgreSQL not available ({exc}); skipping it", file=sys.stderr)
        return None
    return f"postgresql+psycopg://{getpass.getuser()}@/{dbname}?host={PG_SOCKET}"


def seed(url: str, authorised: int) -> tuple[str, int]:
    db = Database(url)
    _u, exporter = Registry(db).create_user(name="bench-exporter", role="exporter", party="Bench")
    _o, officer = Registry(db).create_user(name="bench-officer", role="officer", party="MOFCOM")
    exp, off = Registry(db).authenticate(exporter), Registry(db).authenticate(officer)
    a = Registry(db).create_application(
        exp,
        ApplicationIn.model_validate(
            {
                "licence_type": "single",
                "destination": "JP",
                "end_user": "Bench KK",
                "end_use": "civil",
                "lines": [{"item": "1C902.a", "quantity": authorised, "value": 10**9}],
            }
        ),
    )
    Registry(db).submit_application(exp, a.id)
    today = date.today()
    d = Registry(db).decide_application(
        off,
        a.id,
        DecisionIn(
            decision="approve",
            valid_from=today,
            valid_until=today + timedelta(days=30),
        ),
    )
    db.dispose()
    assert d.licence_id is not None
    return exporter, d.licence_id


class Server:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        env = {**os.environ, "LANTHANIDE_DATABASE_URL": url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lanthanide.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def run_once(url: str, shipments: int, clients: int) -> tuple[float, float, float]:
    """Returns (shipments/s, p50 ms, p95 ms) for one fresh database."""
    token, lic = seed(url, authorised=shipments * 2 + 10)
    server = Server(url)
    latencies: list[float] = []
    codes: list[int] = []
    lock = threading.Lock()
    per_client = [
        shipments // clients + (1 if i < shipments % clients else 0) for i in range(clients)
    ]
    barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        with httpx.Client(
            base_url=server.base, timeout=120, headers={"Authorization": f"Bearer {token}"}
        ) as c:
            c.get("/api/v1/health")  # warm the connection
            barrier.wait()
            for _ in range(n):
                t0 = time.perf_counter()
                r = c.post(
                    f"/api/v1/licences/{lic}/shipments",
                    json={"line": 1, "quantity": 1, "value": 1, "destination": "JP"},
                )
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    codes.append(r.status_code)

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}) as c:
            line = c.get(f"/api/v1/licences/{lic}").json()["lines"][0]
    finally:
        server.stop()
    ok = codes.count(201)
    assert ok == shipments, f"{shipments - ok} shipments failed: {set(codes)}"
    assert line["used"] == ok <= line["authorised"], line
    q = statistics.quantiles(latencies, n=100)
    return ok / elapsed, q[49] * 1000, q[94] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shipments", type=int, default=400)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lanthanide-bench-"))
    backends: list[tuple[str, object]] = [("SQLite", None)]
    if not args.no_pg:
        backends.append(("PostgreSQL", "pg"))
    rows: list[tuple[str, int, float, float, float]] = []
    for name, kind in backends:
        for clients in (1, args.clients):
            results = []
            for i in range(args.runs):
                if kind is None:
                    url = f"sqlite:///{tmp / f'bench-{clients}-{i}.db'}"
                else:
                    maybe = pg_url(f"lanthanide_bench_{clients}_{i}")
                    if maybe is None:
                        break
                    url = maybe
                results.append(run_once(url, args.shipments, clients))
            if not results:
                continue
            rows.append(
                (
                    name,
                    clients,
                    statistics.median(r[0] for r in results),
                    statistics.median(r[1] for r in results),
                    statistics.median(r[2] for r in results),
                )
            )
    base = rows[0][2]
    print(
        f"\nRegistry draw-downs through `lanthanide serve` (HTTP, {args.shipments} shipments "
        f"per run, median of {args.runs} runs; {os.cpu_count()} CPUs)\n"
    )
    print(
        f"{'database':<12}{'clients':>8}{'shipments/s':>14}{'p50 ms':>10}{'p95 ms':>10}"
        f"{'vs SQLite×1':>13}"
    )
    for name, clients, rate, p50, p95 in rows:
        print(f"{name:<12}{clients:>8}{rate:>14.1f}{p50:>10.1f}{p95:>10.1f}{rate / base:>12.2f}×")
    print("\nEvery run checked: all shipments accepted, used == accepted <= authorised.")


if __name__ == "__main__":
    main()
