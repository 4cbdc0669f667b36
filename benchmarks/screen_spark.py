"""Benchmark: Spark screening throughput, local mode and a standalone cluster.

    python benchmarks/screen_spark.py [--lines 1000000] [--repeat 3] [--input csv,parquet]
                                      [--no-cluster] [--dir DIR]

Generates declarations with the project's generator (``--input``: CSV, read
by the executors through the input specification, and/or Parquet), then
screens them, Parquet out, with:

* DuckDB (the reference, same files, same run);
* Spark ``local[2]``;
* Spark on a standalone cluster on 127.0.0.1 (one master, one worker with
  2 cores, started by :func:`lanthanide.screen.standalone.standalone_cluster`).

Each Spark session is started once and warmed up on a small file; the
figure is the median of ``--repeat`` screenings of the full file (the JVM
start is not in it). Prints seconds, lines/s, the ratio to DuckDB and the
seconds of each stage of the median run (read, validate, classify,
decide, write: ``decide`` is the engine-independent Python part), with the
load average before and after. Goal on the 2-core machine (issue 16):
Spark local >= 200,000 lines/s. Figures on a shared machine are noisy: run
it twice and quote the load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, KeySpace, SparkEngine, screen
from lanthanide.screen.engine_spark import spark_session
from lanthanide.screen.generate import generate
from lanthanide.screen.standalone import standalone_cluster


def _time(
    make: Any, src: Path, out: Path, repeat: int, book: Any, space: Any
) -> tuple[float, dict[str, float]]:
    """The median seconds of ``repeat`` screenings, and that run's stages."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        with make() as engine:
            summary = screen(engine, book, src, out, space=space)
        runs.append((time.perf_counter() - t, summary.stages))
    runs.sort(key=lambda r: r[0])
    return runs[len(runs) // 2]


Row = tuple[str, str, float, dict[str, float]]


def _spark_rows(
    label: str, master: str, files: dict[str, Path], small: dict[str, Path], args: Any, ctx: Any
) -> list[Row]:
    book, space, root = ctx
    conf = (
        {}
        if master.startswith("local")
        else {"spark.executor.memory": "2g", "spark.sql.shuffle.partitions": "2"}
    )
    session = spark_session(master, conf=conf)
    rows = []
    try:
        for kind, src in files.items():
            out = root / f"spark-{label}-{kind}.parquet"
            _time(lambda: SparkEngine(session=session), small[kind], out, 1, book, space)
            sec, stages = _time(
                lambda: SparkEngine(session=session), src, out, args.repeat, book, space
            )
            rows.append((f"Spark {label}", kind, sec, stages))
            print(f"{label} {kind}: {sec:.1f} s", flush=True)
    finally:
        session.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--input", default="csv,parquet")
    ap.add_argument("--no-cluster", action="store_true")
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    kinds = [k for k in args.input.split(",") if k]
    load0 = os.getloadavg()
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        book = load_rulebook()
        space = KeySpace(book)
        files, small = {}, {}
        for kind in kinds:
            files[kind] = root / f"decl.{kind}"
            generate(files[kind], lines=args.lines, seed=7, reject_rate=0.001, book=book)
            small[kind] = root / f"small.{kind}"
            generate(small[kind], lines=1000, seed=8, reject_rate=0.001, book=book)
        rows: list[Row] = []
        for kind, src in files.items():
            duck = root / f"duck-{kind}.parquet"
            sec, stages = _time(DuckDBEngine, src, duck, args.repeat, book, space)
            rows.append(("DuckDB", kind, sec, stages))
            print(f"duckdb {kind}: {sec:.1f} s", flush=True)
        ctx = (book, space, root)
        rows += _spark_rows("local[2]", "local[2]", files, small, args, ctx)
        if not args.no_cluster:
            with standalone_cluster(cores=2, memory="3g") as master:
                rows += _spark_rows("standalone", master, files, small, args, ctx)
    load1 = os.getloadavg()
    duck = {kind: sec for name, kind, sec, _ in rows if name == "DuckDB"}
    print()
    print(
        f"{args.lines:,} lines, Parquet out, median of {args.repeat}; load average "
        f"{load0[0]:.1f} before, {load1[0]:.1f} after, on {os.cpu_count()} cores"
    )
    names = ("read", "validate", "classify", "decide", "write")
    print(
        f"| {'engine':<18} | input   | seconds | lines/s   | × DuckDB | " + " | ".join(names) + " |"
    )
    print(f"|{'-' * 20}|---------|---------|-----------|----------|" + "---|" * len(names))
    for name, kind, sec, stages in rows:
        rate = args.lines / sec
        cells = " | ".join(f"{stages.get(n, 0.0):.1f}" for n in names)
        print(
            f"| {name:<18} | {kind:<7} | {sec:7.1f} | {rate:9,.0f} | {duck[kind] / sec:8.2f} | "
            f"{cells} |"
        )


if __name__ == "__main__":
    main()
