"""Spark engine: Spark SQL on local mode or any master URL."""

from __future__ import annotations

import os
import re
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
from lanthanide.screen.sql import DIMS, INPUT_COLUMNS, distinct_sql


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
        self._distinct: dict[str, list[tuple[Any, ...]]] = {}
        """Prefetched answers of :func:`lanthanide.screen.sql.distinct_sql`, by statement."""

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, fmt: Format) -> None:
        """The ``lines`` relation, read by the executors. CSV: the header is
        read here; the file is cut into byte ranges, a first job summarises
        each (lines, quoting state), a second parses each range by
        :mod:`lanthanide.screen.spec` on its executor, so the records, row
        numbers and reject codes are DuckDB's; the parsed lines are cached
        (parsing is the costly part).
        Parquet: a view over the file, read natively by every query that
        needs it (only the columns it needs), values trimmed (empty =
        NULL), row = 1-based row index; its footer is read here."""
        from pyspark.errors import PySparkException

        # a file rewritten at the same path must not be served from a cache
        self.spark.catalog.refreshByPath(str(path))
        try:
            if fmt == "parquet":
                lines = self._read_parquet(path)
            else:
                lines = self._cache(self._read_csv(path))
        except PySparkException as exc:
            raise InputError("INPUT", f"'{path}' cannot be read as {fmt}: {exc}") from None
        self._view("lines", lines)
        self._distinct.clear()

    def _read_parquet(self, path: Path) -> Any:
        from pyspark.sql import functions as F

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
        return df.select(
            (F.col("_metadata.row_index") + 1).alias("_row"),
            *sel,
            none.alias("_code"),
            none.alias("_corrupt"),
        )

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

    def _view(self, name: str, df: Any) -> None:
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def _cache(self, df: Any) -> Any:
        """``df`` cached (memory, then disk) and computed now, once."""
        df = df.cache()
        self._cached.append(df)
        df.count()
        return df

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """A small table, sent as Arrow (a local relation: the shared SQL
        broadcasts it without a job)."""
        import pyarrow as pa  # type: ignore[import-untyped]

        types = {"string": pa.string(), "int": pa.int64()}
        schema = pa.schema([(f, types[t]) for f, t in fields])
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
        table = pa.Table.from_arrays(
            [pa.array(list(c), type=schema.field(i).type) for i, c in enumerate(cols)],
            schema=schema,
        )
        self._view(name, self.spark.createDataFrame(table))

    def materialise(self, name: str, sql: str) -> None:
        """Computed once, cached (uncompressed columns, see
        :func:`spark_session`) for the queries and writes that read it."""
        self._view(name, self._cache(self.spark.sql(sql)))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows, fetched from the executors as Arrow. The distinct
        values of a dimension's column (:func:`~lanthanide.screen.sql.distinct_sql`
        of a column of :data:`~lanthanide.screen.sql.DIMS`) are fetched for
        every dimension at the first such query, in one job (one pass over
        ``lines``), and served from there."""
        if sql in _DISTINCT:
            if not self._distinct:
                self._distinct = self._all_distinct()
            return self._distinct[sql]
        return self._fetch(sql)

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        table = self.spark.sql(sql).toArrow()
        return list(zip(*(c.to_pylist() for c in table.columns), strict=True))

    def _all_distinct(self) -> dict[str, list[tuple[Any, ...]]]:
        """Each dimension column's distinct values (as ``distinct_sql``
        gives them), by its statement: one aggregation over the rows
        ``(dimension, value)`` that ``stack`` makes of each line."""
        pairs = ", ".join(f"{i}, COALESCE(c_{d.column}, '')" for i, d in enumerate(DIMS))
        rows = self._fetch(
            f"SELECT d, raw FROM (SELECT stack({len(DIMS)}, {pairs}) AS (d, raw) FROM lines) s "
            "GROUP BY d, raw"
        )
        out: dict[str, list[tuple[Any, ...]]] = {distinct_sql(d.column): [] for d in DIMS}
        for i, raw in rows:
            out[distinct_sql(DIMS[i].column)].append((raw,))
        return out

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
        df = self._ordered(sql)
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

    def _ordered(self, sql: str) -> Any:
        """The DataFrame of ``sql``. A statement ending ``ORDER BY _row``
        (the input's order) is sorted within each partition instead
        (``SORT BY``) when nothing in its plan moves rows between
        partitions (:func:`_keeps_partition_order`): the partitions are
        then ranges of input rows in order (the scan's splits, or the CSV
        tasks' byte ranges), so the part files are in line order without
        a global sort (which samples the whole query in a job of its own,
        then shuffles every output row)."""
        m = _ROW_ORDER.search(sql)
        if m is not None:
            df = self.spark.sql(f"{sql[: m.start()]}\nSORT BY {m.group(1)}")
            if _keeps_partition_order(df):
                return df
        return self.spark.sql(sql)

    def close(self) -> None:
        self._distinct.clear()
        for df in self._cached:
            df.unpersist()
        for v in self._views:
            self.spark.catalog.dropTempView(v)
        self._cached.clear()
        self._views.clear()
        if self._own:
            self.spark.stop()


_DISTINCT = frozenset(distinct_sql(d.column) for d in DIMS)
_ROW_ORDER = re.compile(r"\nORDER BY ((?:[a-z]+\.)?_row)\s*$")

_ORDER_KEEPING = frozenset(
    {
        "Project",
        "Filter",
        "Sort",
        "ColumnarToRow",
        "InputAdapter",
        "WholeStageCodegen",
        "InMemoryTableScan",
        "Scan ExistingRDD",
        "LocalTableScan",
    }
)
"""Physical operators that keep their input's rows in their partitions, in order."""


def _keeps_partition_order(df: Any) -> bool:
    """Whether every row of ``df`` stays in the partition (and order) the
    input's scan gave it: only :data:`_ORDER_KEEPING` operators, scans,
    and broadcast joins (their streamed side; the broadcast side is a
    small table whose order does not matter) between the result and the
    scan, cached relations included. Read off the physical plan before
    execution (adaptive execution adds no exchange where the plan has
    none)."""
    plan = df._jdf.queryExecution().executedPlan()
    if plan.nodeName() == "AdaptiveSparkPlan":
        plan = plan.executedPlan()  # before it runs: the initial plan, exchanges in
    todo = [plan]
    while todo:
        node = todo.pop()
        name = str(node.nodeName())
        kids = node.children()
        children = [kids.apply(i) for i in range(kids.size())]
        if name.startswith("WholeStageCodegen"):
            name = "WholeStageCodegen"
        if name in ("BroadcastExchange", "BroadcastQueryStage"):
            continue
        if name == "InMemoryTableScan":  # a cached relation: its own plan
            children = [node.relation().cachedPlan()]
        elif name == "AdaptiveSparkPlan":
            children, name = [node.executedPlan()], "Project"
        elif name == "ResultQueryStage":
            children, name = [node.plan()], "Project"
        if name == "BroadcastHashJoin":
            side = str(node.buildSide().toString())
            children = [children[1] if side == "BuildLeft" else children[0]]
        elif name.startswith("Scan ") and name != "Scan ExistingRDD":
            if not children:
                continue
            return False
        elif name not in _ORDER_KEEPING:
            return False
        todo.extend(children)
    return True


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


def local_cores(master: str) -> int | None:
    """The cores of a ``local``/``local[N]``/``local[*]`` master (None: not local)."""
    m = re.fullmatch(r"local(?:\[(\*|[0-9]+)(?:,[0-9]+)?\])?", master.strip())
    if m is None:
        return None
    n = m.group(1)
    return int(n) if n and n != "*" else (1 if n is None else os.cpu_count() or 1)


SESSION_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    # adaptive execution: shuffles coalesced to what the data needs, joins
    # turned into broadcasts when one side turns out small
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    # the cached relations are read a few times and dropped: compressing
    # their columns costs more (about 3x the time to build) than it saves
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Settings of :func:`spark_session` (``conf`` overrides any of them)."""


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None) -> Any:
    """A quiet Spark session tuned for a batch (:data:`SESSION_CONF`): UI
    off, adaptive execution, uncompressed caches; in local mode as many
    shuffle partitions as cores (a cluster: adaptive execution coalesces
    the default 200) and 2 GB for the driver. On a cluster master the
    executors' Python is this interpreter with this package on
    ``PYTHONPATH`` unless ``PYSPARK_PYTHON`` says otherwise (a cluster whose
    machines install lanthanide themselves sets it). ``conf``: more Spark
    settings."""
    from pyspark.sql import SparkSession

    cores = local_cores(master)
    builder = SparkSession.builder.master(master).appName("lanthanide-screen")
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    from lanthanide.screen.standalone import python_env

    if os.environ.get("PYSPARK_PYTHON") in (None, sys.executable):
        # the Python workers (local or on the executors) run this interpreter
        # with this package: PySpark starts ``python3`` from the PATH otherwise
        env = python_env()
        os.environ["PYSPARK_PYTHON"] = env["PYSPARK_PYTHON"]
        builder = builder.config("spark.pyspark.python", env["PYSPARK_PYTHON"]).config(
            "spark.executorEnv.PYTHONPATH", env["PYTHONPATH"]
        )
    if cores is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(max(1, cores))).config(
            "spark.driver.memory", "2g"
        )
    elif master.startswith("spark://127.0.0.1"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
