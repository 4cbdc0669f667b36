"""Helpers shared by the test packages: a free loopback port and a real
uvicorn server running an ASGI app in a background thread, and a real
``lanthanide serve`` process.

A fixture or test whose code calls one of :data:`SERVER_HELPERS` is marked
``server`` by ``tests/conftest.py``; a new server helper belongs in that set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

SERVER_HELPERS = frozenset({"serving", "cli_serving"})
"""Names of the helpers below that start a real server."""

CLI = (sys.executable, "-c", "from lanthanide.cli import main; main()")
"""The console script ``lanthanide`` of the tree under test, as a command."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, what: str = "test server") -> Iterator[str]:
    """Serve ``app`` with uvicorn (threadpool for sync endpoints, as in
    ``lanthanide serve``) on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {what} did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def cli_serving(
    args: Sequence[str], env: Mapping[str, str], log: Path, timeout: float = 90
) -> Iterator[str]:
    """Run ``lanthanide <args>`` (a ``serve`` command that binds 127.0.0.1 on
    a port given in ``args``) as a process with ``env`` added to the
    environment; wait until ``/api/v1/health`` answers and yield the base URL.
    The process is terminated on exit; its output goes to ``log``."""
    argv = list(args)
    port = argv[argv.index("--port") + 1]
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [*CLI, *argv], env={**os.environ, **env}, stdout=fh, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"lanthanide {' '.join(argv)} did not start: "
                        + log.read_text(errors="replace")[-2000:]
                    )
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)


# A hypothetical announcement extending the 2025 No. 70 suspension of No. 57 (the example
# of docs/rulebook.md), shared by the overlay, change and CLI-rulebook tests.
EXTENSION = """id: cn-test-extension
number: 商务部 海关总署公告2026年第99号
number_tag: U
title: {en: "Hypothetical: extension of the No. 70 suspension to 2027-01-10"}
issuer: [MOFCOM, GAC]
kind: announcement
regime: suspension
published: 2026-11-08
effective: 2026-11-11
status: in_force
verified_on: 2026-12-01
sources: [{url: "https://example.org/extension", tag: U}]
suspends:
  - instrument: cn-mofcom-gac-2025-57
    period: {start: 2026-11-11, end_inclusive: 2027-01-10, tag: U}
    sources: [{url: "https://example.org/extension", tag: U}]
"""
