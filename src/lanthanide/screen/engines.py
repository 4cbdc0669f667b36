"""SQL engines behind one small interface.

An engine loads a declaration file into the ``lines`` relation, registers
small tables, materialises and runs the shared queries of
:mod:`lanthanide.screen.sql`, and writes a query's result to a file
atomically (temporary name, then rename). It never evaluates a rule.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from lanthanide.screen import sql as _sql
from lanthanide.screen.sql import INPUT_COLUMNS, REQUIRED_COLUMNS

Format = Literal["csv", "parquet"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")


class InputError(ValueError):
    """The input file cannot be screened. ``field`` names the argument or
    column at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class SqlEngine(Protocol):
    name: str

    def __enter__(self) -> SqlEngine: ...

    def __exit__(self, *exc: object) -> None: ...

    def load(self, path: Path, fmt: Format) -> None: ...

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None: ...

    def materialise(self, name: str, sql: str) -> None: ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def write(self, sql: str, path: Path, fmt: Format) -> None: ...

    def write_output(self, path: Path, fmt: Format) -> None:
        """Write :data:`~lanthanide.screen.sql.OUTPUT` (an engine may write
        the same rows another way, e.g. dictionary-encoded)."""
        ...

    def close(self) -> None: ...


def check_columns(columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in INPUT_COLUMNS]
    if unknown:
        raise InputError(
            f"column '{unknown[0]}'",
            f"is not a column of the declaration schema (allowed: {', '.join(INPUT_COLUMNS)})",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"column '{missing[0]}'",
            f"is required and missing (required: {', '.join(REQUIRED_COLUMNS)})",
        )


def input_format(path: Path) -> Format:
    if path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv"
    with path.open("rb") as fh:
        return "parquet" if fh.read(4) == b"PAR1" else "csv"


def _tmp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------- DuckDB
class DuckDBEngine:
    """In-process DuckDB; reads CSV and Parquet natively, writes with COPY."""

    name = "duckdb"
    ROW_GROUP = 4_000_000
    """Rows per Parquet row group written through Arrow."""

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, fmt: Format) -> None:
        src = _sql_str(str(path))
        try:
            if fmt == "parquet":
                scan = f"read_parquet({src}, file_row_number = true)"
                cols = [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
                cols = [c for c in cols if c != "file_row_number"]
                check_columns(cols)
                select = ", ".join(
                    f'CAST("{c}" AS VARCHAR) AS c_{c}' if c in cols else f"NULL::VARCHAR AS c_{c}"
                    for c in INPUT_COLUMNS
                )
                self.con.execute(
                    f"CREATE VIEW lines AS SELECT file_row_number AS _row, {select}, "
                    f"NULL::VARCHAR AS _corrupt FROM {scan}"
                )
                return
            if path.stat().st_size == 0:
                raise InputError(
                    "INPUT", f"'{path}' is empty; a CSV file needs a header row naming its columns"
                )
            scan = (
                f"read_csv({src}, header = true, all_varchar = true, delim = ',', "
                "quote = '\"', escape = '\"', store_rejects = true, auto_detect = false, "
                "columns = {COLS})"
            )
            header = self._header(path)
            check_columns(header)
            colspec = "{" + ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in header) + "}"
            scan = scan.replace("{COLS}", colspec)
            select = ", ".join(
                f'"{c}" AS c_{c}' if c in header else f"NULL::VARCHAR AS c_{c}"
                for c in INPUT_COLUMNS
            )
            self.con.execute(
                f"CREATE TABLE lines AS SELECT row_number() OVER () AS _row, {select}, "
                f"NULL::VARCHAR AS _corrupt FROM {scan}"
            )
            nulls = ", ".join(f"NULL AS c_{c}" for c in INPUT_COLUMNS)
            self.con.execute(
                f"INSERT INTO lines SELECT 1000000000000 + line AS _row, {nulls}, "
                "concat('malformed CSV row at line ', line, ': ', min(error_message)) AS _corrupt "
                "FROM reject_errors GROUP BY line"
            )
        except self._duckdb.Error as exc:
            raise InputError("INPUT", f"'{path}' cannot be read as {fmt}: {exc}") from None

    @staticmethod
    def _header(path: Path) -> list[str]:
        import csv

        with path.open(encoding="utf-8-sig", newline="") as fh:
            row = next(csv.reader(fh), None)
        if not row:
            raise InputError("INPUT", f"'{path}' has no header row")
        return [c.strip() for c in row]

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        types = {"string": pa.string(), "int": pa.int64()}
        schema = pa.schema([(f, types[t]) for f, t in fields])
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
        table = pa.Table.from_arrays(
            [pa.array(list(c), type=schema.field(i).type) for i, c in enumerate(cols)],
            schema=schema,
        )
        self.con.register(f"_arrow_{name}", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _arrow_{name}")
        self.con.unregister(f"_arrow_{name}")

    def materialise(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def write(self, sql: str, path: Path, fmt: Format) -> None:
        tmp = _tmp_beside(path)
        opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        try:
            self.con.execute(f"COPY ({sql}) TO {_sql_str(str(tmp))} ({opts})")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def write_output(self, path: Path, fmt: Format) -> None:
        """CSV: ``COPY`` of the shared output query. Parquet: the shared
        query with text ids (``OUTPUT_IDS``) streamed through Arrow, the four
        JSON columns written as dictionary-encoded strings whose dictionary
        is the ``texts`` table: the kilobyte-long texts are never copied or
        hashed per line. Readers see ordinary string columns."""
        if fmt == "csv":
            self.write(_sql.OUTPUT, path, fmt)
            return
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        texts = self.con.sql("SELECT id, text FROM texts ORDER BY id").to_arrow_table()
        ids = texts.column("id").to_pylist()
        if ids != list(range(len(ids))):
            raise RuntimeError("text ids are not dense")
        # a text can have two ids (a dated template expanded on a day, and the
        # same text decided literally on that day): the Parquet dictionary
        # must hold each value once, so ids are mapped onto distinct texts
        every = texts.column("text").combine_chunks()
        values = pc.unique(every)
        canonical = pc.index_in(every, value_set=values).cast(pa.int64())
        ordered = f"SELECT * EXCLUDE (_row) FROM ({_sql.OUTPUT_IDS}) ORDER BY _row"
        reader = self.con.sql(ordered).to_arrow_reader(1_000_000)
        dict_type = pa.dictionary(pa.int32(), pa.string())
        fields = [
            pa.field(n, dict_type if n in _sql.ID_COLUMNS else pa.string())
            for n in _sql.OUTPUT_COLUMNS
        ]
        schema = pa.schema(fields)
        tmp = _tmp_beside(path)

        def row_group(batches: list[Any]) -> Any:
            # one row group per call: the JSON columns' dictionaries hold only
            # the texts this row group uses, each stored once
            table = pa.Table.from_batches(batches)
            cols = []
            for n in _sql.OUTPUT_COLUMNS:
                col = table.column(n).combine_chunks()
                if n in _sql.ID_COLUMNS:
                    idx = canonical.take(col.cast(pa.int64()))
                    used = pc.unique(idx)
                    local = pc.index_in(idx, value_set=used).cast(pa.int32())
                    col = pa.DictionaryArray.from_arrays(local, values.take(used))
                else:
                    col = col.cast(pa.string())
                cols.append(col)
            return pa.Table.from_arrays(cols, schema=schema)

        try:
            plain = [n for n in _sql.OUTPUT_COLUMNS if n not in _sql.ID_COLUMNS]
            with pq.ParquetWriter(
                tmp,
                schema,
                dictionary_pagesize_limit=1 << 30,
                store_schema=False,
                # min/max statistics over kilobyte-long JSON texts cost more
                # than the rest of the write; line ids are unique
                write_statistics=plain,
                use_dictionary=[n for n in _sql.OUTPUT_COLUMNS if n != "line_id"],
            ) as writer:
                pending: list[Any] = []
                rows = 0
                for batch in reader:
                    pending.append(batch)
                    rows += batch.num_rows
                    if rows >= self.ROW_GROUP:
                        writer.write_table(row_group(pending), row_group_size=rows)
                        pending, rows = [], 0
                if pending:
                    writer.write_table(row_group(pending), row_group_size=rows)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------- Spark
class SparkEngine:
    """Apache Spark SQL, local mode by default or any master URL. The same
    statements as DuckDB run through ``spark.sql``."""

    name = "spark"

    def __init__(self, master: str = "local[*]", session: Any = None) -> None:
        self._own = session is None
        self.spark = session if session is not None else spark_session(master)
        self._views: list[str] = []
        self._cached: list[Any] = []

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, fmt: Format) -> None:
        from pyspark.errors import PySparkException
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        # a file rewritten at the same path must not be served from a cache
        self.spark.catalog.refreshByPath(str(path))
        try:
            if fmt == "parquet":
                df = self.spark.read.parquet(str(path))
                cols = list(df.columns)
                check_columns(cols)
                corrupt = F.lit(None).cast("string")
            else:
                if path.stat().st_size == 0:
                    raise InputError(
                        "INPUT",
                        f"'{path}' is empty; a CSV file needs a header row naming its columns",
                    )
                cols = DuckDBEngine._header(path)
                check_columns(cols)
                schema = T.StructType(
                    [T.StructField(c, T.StringType()) for c in cols]
                    + [T.StructField("_corrupt_record", T.StringType())]
                )
                df = (
                    self.spark.read.option("header", True)
                    .option("mode", "PERMISSIVE")
                    .option("escape", '"')
                    .option("columnNameOfCorruptRecord", "_corrupt_record")
                    .schema(schema)
                    .csv(str(path))
                )
                corrupt = F.when(
                    F.col("_corrupt_record").isNotNull(),
                    F.concat(F.lit("malformed CSV row: "), F.col("_corrupt_record")),
                )
            sel = [
                (F.col(f"`{c}`").cast("string") if c in cols else F.lit(None).cast("string")).alias(
                    f"c_{c}"
                )
                for c in INPUT_COLUMNS
            ]
            lines = df.select(
                F.monotonically_increasing_id().alias("_row"), *sel, corrupt.alias("_corrupt")
            ).cache()
            self._cached.append(lines)
            lines.count()
        except PySparkException as exc:
            raise InputError("INPUT", f"'{path}' cannot be read as {fmt}: {exc}") from None
        lines.createOrReplaceTempView("lines")
        self._views.append("lines")

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        from pyspark.sql import types as T

        types = {"string": T.StringType(), "int": T.LongType()}
        schema = T.StructType([T.StructField(f, types[t]) for f, t in fields])
        df = self.spark.createDataFrame(list(rows), schema=schema)
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
        tmpdir = _tmp_beside(path)
        df = self.spark.sql(sql).coalesce(1)
        try:
            if fmt == "parquet":
                df.write.mode("overwrite").parquet(str(tmpdir))
            else:
                (
                    df.write.mode("overwrite")
                    .option("header", True)
                    .option("escape", '"')
                    .option("emptyValue", "")
                    .csv(str(tmpdir))
                )
            parts = sorted(tmpdir.glob("part-*"))
            if len(parts) != 1:
                raise RuntimeError(f"Spark wrote {len(parts)} part files, expected one")
            os.replace(parts[0], path)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def write_output(self, path: Path, fmt: Format) -> None:
        self.write(_sql.OUTPUT, path, fmt)

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        for v in self._views:
            self.spark.catalog.dropTempView(v)
        self._cached.clear()
        self._views.clear()
        if self._own:
            self.spark.stop()


def spark_session(master: str = "local[*]") -> Any:
    """A quiet Spark session: UI off, few shuffle partitions in local mode."""
    from pyspark.sql import SparkSession

    local = master.startswith("local")
    builder = (
        SparkSession.builder.master(master)
        .appName("lanthanide-screen")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if local:
        builder = builder.config("spark.sql.shuffle.partitions", "4").config(
            "spark.driver.memory", "2g"
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def make_engine(name: str, spark_master: str | None = None) -> SqlEngine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise InputError(
                "--engine",
                "spark needs PySpark: pip install 'lanthanide[spark]' (and Java 17 or later)",
            ) from None
        return SparkEngine(spark_master or "local[*]")
    raise InputError("--engine", f"'{name}' is not allowed (allowed: {', '.join(ENGINES)})")
