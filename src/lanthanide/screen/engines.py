"""SQL engines behind one small interface.

An engine loads a declaration file into the ``lines`` relation, registers
small tables, materialises and runs the shared queries of
:mod:`lanthanide.screen.sql`, and writes a query's result to a file
atomically (temporary name, then rename). It never evaluates a rule.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from lanthanide.screen.sql import INPUT_COLUMNS, REQUIRED_COLUMNS

Format = Literal["csv", "parquet"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")
_SIZE = re.compile(r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


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

    def write(self, sql: str, path: Path, fmt: Format) -> None:
        """Write the result of ``sql`` to ``path`` (every output of a batch:
        lines, determinations, rejects), atomically."""
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


def read_header(path: Path) -> list[str]:
    """The CSV header row's column names, by :mod:`lanthanide.screen.spec`
    (UTF-8, a BOM allowed, trimmed); checked against the schema."""
    from lanthanide.screen import spec

    if path.stat().st_size == 0:
        raise InputError(
            "INPUT", f"'{path}' is empty; a CSV file needs a header row naming its columns"
        )
    try:
        header = spec.read_header(str(path))
    except spec.SpecError as exc:
        raise InputError("INPUT", f"'{path}': {exc}") from None
    check_columns(header)
    dup = next((c for i, c in enumerate(header) if c in header[:i]), None)
    if dup is not None:
        raise InputError(f"column '{dup}'", f"is named twice in the header of '{path}'")
    return header


def make_engine(
    name: str,
    spark_master: str | None = None,
    *,
    memory_limit: str | None = None,
    temp_directory: Path | None = None,
) -> SqlEngine:
    """The engine ``name``. ``memory_limit`` (DuckDB, e.g. ``2GB``) and
    ``temp_directory`` (where DuckDB spills what does not fit)."""
    if memory_limit is not None and not _SIZE.match(memory_limit):
        raise InputError(
            "--memory-limit", f"'{memory_limit}' is not a size (e.g. 2GB, 512MB, 1.5GiB)"
        )
    if name == "duckdb":
        from lanthanide.screen.engine_duckdb import DuckDBEngine

        return DuckDBEngine(memory_limit=memory_limit, temp_directory=temp_directory)
    if name == "spark" and memory_limit is not None:
        raise InputError(
            "--memory-limit",
            "only with --engine duckdb (Spark: set spark.driver.memory and "
            "spark.executor.memory in the Spark configuration)",
        )
    if name == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise InputError(
                "--engine",
                "spark needs PySpark: pip install 'lanthanide[spark]' (and Java 17 or later)",
            ) from None
        from lanthanide.screen.engine_spark import SparkEngine

        return SparkEngine(spark_master or "local[*]")
    raise InputError("--engine", f"'{name}' is not allowed (allowed: {', '.join(ENGINES)})")
