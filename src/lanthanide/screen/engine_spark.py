"""Spark engine: Spark SQL on local mode or any master URL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
                cols = read_header(path)
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
