"""Spark engine: Spark SQL on local mode or any master URL."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lanthanide.screen import spec
from lanthanide.screen.engines import (
    Format,
    InputError,
    _tmp_beside,
    check_columns,
    read_header,
)
from lanthanide.screen.sql import INPUT_COLUMNS


class SparkEngine:
    """Apache Spark SQL, local mode by default or any master URL. The same
    statements as DuckDB run through ``spark.sql``."""

    name = "spark"

    def __init__(
        self, master: str = "local[*]", session: Any = None, chunk_bytes: int = spec.CHUNK_BYTES
    ) -> None:
        self._own = session is None
        self.chunk_bytes = chunk_bytes
        """Bytes of CSV input per task (small values exercise the ranges)."""
        self.spark = session if session is not None else spark_session(master)
        self._views: list[str] = []
        self._cached: list[Any] = []

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, fmt: Format) -> None:
        """The ``lines`` relation, read by the executors. CSV: the header is
        read here; the file is cut into byte ranges, a first job summarises
        each (lines, quoting state), a second parses each range by
        :mod:`lanthanide.screen.spec` on its executor (Arrow batches), so the
        records, row numbers and reject codes are DuckDB's. Parquet: read
        natively, values trimmed (empty = NULL), row = 1-based row index."""
        from pyspark.errors import PySparkException
        from pyspark.sql import functions as F

        # a file rewritten at the same path must not be served from a cache
        self.spark.catalog.refreshByPath(str(path))
        try:
            if fmt == "parquet":
                df = self.spark.read.parquet(str(path))
                cols = list(df.columns)
                check_columns(cols)
                sel = [
                    (
                        F.nullif(F.trim(F.col(f"`{c}`").cast("string")), F.lit(""))
                        if c in cols
                        else F.lit(None).cast("string")
                    ).alias(f"c_{c}")
                    for c in INPUT_COLUMNS
                ]
                none = F.lit(None).cast("string")
                lines = df.select(
                    (F.col("_metadata.row_index") + 1).alias("_row"),
                    *sel,
                    none.alias("_code"),
                    none.alias("_corrupt"),
                )
            else:
                lines = self._read_csv(path)
            lines = lines.cache()
            self._cached.append(lines)
            lines.count()
        except PySparkException as exc:
            raise InputError("INPUT", f"'{path}' cannot be read as {fmt}: {exc}") from None
        lines.createOrReplaceTempView("lines")
        self._views.append("lines")

    def _read_csv(self, path: Path) -> Any:
        from pyspark.sql import types as T

        header = read_header(path)
        name = str(path.resolve())
        sc = self.spark.sparkContext
        chunks = spec.plan_chunks(path.stat().st_size, sc.defaultParallelism, self.chunk_bytes)
        summaries = (
            sc.parallelize(chunks, len(chunks)).map(lambda c: spec.chunk_summary(name, c)).collect()
        )
        plan = [
            (c.index, c.start, c.end, state, before)
            for c, (state, before) in zip(chunks, spec.entry_states(summaries), strict=True)
        ]
        schema = T.StructType(
            [T.StructField("_row", T.LongType())]
            + [T.StructField(f"c_{c}", T.StringType()) for c in INPUT_COLUMNS]
            + [T.StructField("_code", T.StringType()), T.StructField("_corrupt", T.StringType())]
        )
        records = sc.parallelize(plan, len(plan)).flatMap(_parse_task(name, header))
        return self.spark.createDataFrame(records, schema, verifySchema=False)

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """A small table, sent as Arrow; the shared SQL broadcasts it."""
        import pyarrow as pa  # type: ignore[import-untyped]

        types = {"string": pa.string(), "int": pa.int64()}
        schema = pa.schema([(f, types[t]) for f, t in fields])
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
        table = pa.Table.from_arrays(
            [pa.array(list(c), type=schema.field(i).type) for i, c in enumerate(cols)],
            schema=schema,
        )
        df = self.spark.createDataFrame(table)
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def materialise(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).cache()
        self._cached.append(df)
        df.count()
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def write(self, sql: str, path: Path, fmt: Format) -> None:
        """Written by the executors: a directory at ``path`` of part files
        (Parquet, or CSV each with its header) whose names sort in the
        query's order, and ``_SUCCESS``. Atomic: written to a temporary
        directory beside ``path``, then renamed; a previous Spark output
        directory at ``path`` is replaced, anything else is refused."""
        if path.exists() and not is_output_dir(path):
            raise InputError(
                "--out",
                f"'{path}' exists and is not an output directory of Spark; "
                "Spark writes a directory of part files there",
            )
        tmpdir = _tmp_beside(path)
        df = self.spark.sql(sql)
        try:
            if fmt == "parquet":
                df.write.mode("error").parquet(str(tmpdir))
            else:
                (
                    df.write.mode("error")
                    .option("header", True)
                    .option("escape", '"')
                    .option("emptyValue", "")
                    .option("ignoreLeadingWhiteSpace", False)
                    .option("ignoreTrailingWhiteSpace", False)
                    .option("lineSep", "\n")
                    .csv(str(tmpdir))
                )
            old = _tmp_beside(path) if path.exists() else None
            if old is not None:
                os.replace(path, old)
            os.replace(tmpdir, path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        for v in self._views:
            self.spark.catalog.dropTempView(v)
        self._cached.clear()
        self._views.clear()
        if self._own:
            self.spark.stop()


def is_output_dir(path: Path) -> bool:
    """Whether ``path`` is a directory Spark wrote (``_SUCCESS`` and part files only)."""
    if not path.is_dir() or not (path / "_SUCCESS").exists():
        return False
    return all(p.name.startswith(("part-", "_", ".")) and p.is_file() for p in path.iterdir())


def _parse_task(path: str, header: list[str]) -> Any:
    """The function each CSV task runs (executor side): its byte range
    parsed into rows ``(_row, c_<column>..., _code, _corrupt)``."""

    def run(task: tuple[int, int, int, int, int]) -> Any:
        index, start, end, state, before = task
        chunk = spec.Chunk(index, start, end)
        for p in spec.parse_chunk(path, chunk, state, before, header, INPUT_COLUMNS):
            yield from zip(p.row, *p.values(), p.code, p.reason, strict=True)

    return run


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None) -> Any:
    """A quiet Spark session: UI off, few shuffle partitions in local mode.
    On a cluster master the executors' Python is this interpreter with this
    package on ``PYTHONPATH`` unless ``PYSPARK_PYTHON`` says otherwise (a
    cluster whose machines install lanthanide themselves sets it). ``conf``:
    more Spark settings."""
    from pyspark.sql import SparkSession

    local = master.startswith("local")
    builder = (
        SparkSession.builder.master(master)
        .appName("lanthanide-screen")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    from lanthanide.screen.standalone import python_env

    if os.environ.get("PYSPARK_PYTHON") in (None, sys.executable):
        # the Python workers (local or on the executors) run this interpreter
        # with this package: PySpark starts ``python3`` from the PATH otherwise
        env = python_env()
        os.environ["PYSPARK_PYTHON"] = env["PYSPARK_PYTHON"]
        builder = builder.config("spark.pyspark.python", env["PYSPARK_PYTHON"]).config(
            "spark.executorEnv.PYTHONPATH", env["PYTHONPATH"]
        )
    if local:
        builder = builder.config("spark.sql.shuffle.partitions", "4").config(
            "spark.driver.memory", "2g"
        )
    else:
        if master.startswith("spark://127.0.0.1"):
            builder = builder.config("spark.driver.host", "127.0.0.1").config(
                "spark.driver.bindAddress", "127.0.0.1"
            )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
