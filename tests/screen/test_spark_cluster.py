"""Spark as a cluster: the standalone master and worker of
``lanthanide.screen.standalone``, the CLI against it, and what it leaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, screen
from lanthanide.screen.generate import generate
from lanthanide.screen.outputs import read_rows
from lanthanide.screen.standalone import standalone_cluster

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_cli_on_the_cluster_equals_duckdb(spark_cluster: str, tmp_path: Path) -> None:
    """``screen run --engine spark --spark-master spark://…`` writes a
    directory of Parquet parts, by the executors, equal to DuckDB's file."""
    src = tmp_path / "in.csv"
    generate(src, lines=400, seed=5, reject_rate=0.05)
    out = tmp_path / "spark.parquet"
    cli = [sys.executable, "-c", "from lanthanide.cli import main; main()"]
    args = [*cli, "screen", "run", str(src), "--out", str(out)]
    args += ["--engine", "spark", "--spark-master", spark_cluster]
    args += ["--no-progress", "--summary", "json"]
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    with DuckDBEngine() as eng:
        want = screen(eng, load_rulebook(), src, tmp_path / "duck.parquet")
    assert summary["lines"] == want.lines == 400
    assert summary["rejected"] == want.rejected > 0
    assert out.is_dir() and (out / "_SUCCESS").exists()
    parts = [p for p in out.iterdir() if p.name.startswith("part-")]
    assert len(parts) >= 1
    assert read_rows(out) == read_rows(tmp_path / "duck.parquet")
    assert read_rows(summary["rejects"]) == read_rows(want.rejects or "")


def _processes_of(marks: list[str]) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if any(m in cmd or cwd.startswith(m) for m in marks):
            found.append(f"{proc.name}: {cmd[:200]}")
    return found


def test_cluster_leaves_no_process_behind(tmp_path: Path) -> None:
    """The master, the worker and the executors it started are gone after
    the block, also when the block fails."""
    from lanthanide.screen.engine_spark import spark_session

    work = tmp_path / "cluster"
    work.mkdir()
    try:
        with standalone_cluster(cores=1, memory="1g", workdir=work) as url:
            port = url.rsplit(":", 1)[1]
            marks = [url, f"--port {port}", str(work)]
            session = spark_session(url)
            assert session.sparkContext.parallelize(range(10), 2).sum() == 45
            assert _processes_of(marks)  # the JVMs run now
            session.stop()
            raise KeyError("the block fails")
    except KeyError:
        pass
    assert _processes_of(marks) == []
