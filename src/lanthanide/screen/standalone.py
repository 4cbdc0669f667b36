"""A Spark standalone cluster on this machine: one master and one worker on
127.0.0.1, started with the installed PySpark's own launcher.

    with standalone_cluster() as master:      # "spark://127.0.0.1:PORT"
        with SparkEngine(master) as engine:
            screen(engine, book, src, out)

The processes are ``$SPARK_HOME/bin/spark-class
org.apache.spark.deploy.master.Master`` and ``...deploy.worker.Worker``,
``SPARK_HOME`` being the pyspark package directory. The worker's Python
processes run this interpreter (``PYSPARK_PYTHON``) with lanthanide on
``PYTHONPATH``. On leaving, both are stopped (their process groups, so the
executors the worker started go too). Needs Java 17 or later on ``PATH``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import lanthanide


class ClusterError(RuntimeError):
    """The cluster did not start (the message quotes its log)."""


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def package_root() -> str:
    """The directory to put on ``PYTHONPATH`` so that ``import lanthanide``
    finds this very package."""
    return str(Path(lanthanide.__file__).resolve().parent.parent)


def python_env() -> dict[str, str]:
    """What the cluster's Python workers need: this interpreter, this package."""
    path = [package_root(), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {
        "PYSPARK_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(path)),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            state = json.load(r)
    except (OSError, ValueError):
        return 0
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


@contextmanager
def standalone_cluster(
    cores: int = 2, memory: str = "2g", timeout: float = 120.0, workdir: Path | None = None
) -> Iterator[str]:
    """Start a master and a worker (``cores``, ``memory``), wait until the
    worker has registered, yield the master URL, then stop both."""
    home = spark_home()
    launcher = home / "bin" / "spark-class"
    if not launcher.exists():
        raise ClusterError(f"{launcher} not found: the installed pyspark has no launcher")
    tmp = tempfile.TemporaryDirectory(prefix="lanthanide-spark-")
    root = Path(workdir or tmp.name)
    port, ui, worker_ui = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        **python_env(),
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(root / "logs"),
        "SPARK_WORKER_DIR": str(root / "work"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    url = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def start(name: str, *args: str) -> None:
        log = root / f"{name}.log"
        logs.append(log)
        with log.open("wb") as fh:
            procs.append(
                subprocess.Popen(
                    [str(launcher), *args],
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    def tail() -> str:
        return "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            for log in logs
            if log.exists()
        )

    try:
        start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui),
        )  # fmt: skip
        start(
            "worker",
            "org.apache.spark.deploy.worker.Worker", url,
            "--host", "127.0.0.1", "--cores", str(cores), "--memory", memory,
            "--webui-port", str(worker_ui), "--work-dir", str(root / "work"),
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while _alive_workers(ui) < 1:
            if any(p.poll() is not None for p in procs):
                raise ClusterError(f"a Spark process exited while starting:\n{tail()}")
            if time.monotonic() > deadline:
                raise ClusterError(f"no worker registered within {timeout:.0f} s:\n{tail()}")
            time.sleep(0.5)
        yield url
    finally:
        for p in reversed(procs):
            _stop(p)
        tmp.cleanup()
