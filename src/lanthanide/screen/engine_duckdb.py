"""DuckDB engine: in-process, reads CSV and Parquet natively."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lanthanide.screen import spec
from lanthanide.screen.engines import (
    Format,
    InputError,
    _sql_str,
    _tmp_beside,
    check_columns,
    read_header,
)
from lanthanide.screen.sql import INPUT_COLUMNS


class DuckDBEngine:
    """In-process DuckDB; reads CSV and Parquet natively, writes with COPY."""

    name = "duckdb"

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: Path | None = None,
    ) -> None:
        """``memory_limit`` (e.g. ``2GB``): the memory of the run in this
        process — DuckDB's ``memory_limit``, lowered before each write by
        what the rest of the process holds (the decided keys and
        determinations: :meth:`write`); what does not fit spills to
        ``temp_directory`` (created if missing and removed on close when
        this engine created it)."""
        import duckdb

        self._duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET enable_progress_bar = false")
        self._temp: Path | None = None
        self._budget = _bytes(memory_limit) if memory_limit else None
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        try:
            if memory_limit:
                self.con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
        except duckdb.Error as exc:
            self.con.close()
            raise InputError("--memory-limit", f"'{memory_limit}' is not a size: {exc}") from None
        if temp_directory is not None:
            if not temp_directory.exists():
                temp_directory.mkdir(parents=True)
                self._temp = temp_directory
            self.con.execute(f"SET temp_directory = {_sql_str(str(temp_directory))}")

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, fmt: Format) -> None:
        """The ``lines`` relation: a CSV file parsed by
        :func:`lanthanide.screen.spec.parse_file` (the same records, row
        numbers and reject codes as Spark's tasks), a Parquet file read
        natively with its values trimmed (empty = NULL)."""
        src = _sql_str(str(path))
        try:
            if fmt == "parquet":
                scan = f"read_parquet({src}, file_row_number = true)"
                cols = [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
                cols = [c for c in cols if c != "file_row_number"]
                check_columns(cols)
                select = ", ".join(
                    f"NULLIF(trim(CAST(\"{c}\" AS VARCHAR)), '') AS c_{c}"
                    if c in cols
                    else f"NULL::VARCHAR AS c_{c}"
                    for c in INPUT_COLUMNS
                )
                self.con.execute(
                    f"CREATE VIEW lines AS SELECT file_row_number + 1 AS _row, {select}, "
                    f"NULL::VARCHAR AS _code, NULL::VARCHAR AS _corrupt FROM {scan}"
                )
                return
        except self._duckdb.Error as exc:
            raise InputError("INPUT", f"'{path}' cannot be read as {fmt}: {exc}") from None
        import pyarrow as pa  # type: ignore[import-untyped]

        header = read_header(path)
        batches = [spec.arrow_batch(p) for p in spec.parse_file(str(path), INPUT_COLUMNS, header)]
        schema = spec.arrow_schema(INPUT_COLUMNS)
        self.con.register("_arrow_lines", pa.Table.from_batches(batches, schema=schema))
        self.con.execute("CREATE OR REPLACE TABLE lines AS SELECT * FROM _arrow_lines")
        self.con.unregister("_arrow_lines")

    def register(
        self, name: str, fields: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        import pyarrow as pa

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

    def _fit(self) -> None:
        """Lower DuckDB's limit to the budget less what this process holds
        outside DuckDB (resident memory less DuckDB's own), so the write —
        its sort spilling to disk — keeps the whole process within the
        budget (at least a quarter of it is left to DuckDB)."""
        if self._budget is None:
            return
        rss = _resident_bytes()
        if rss is None:
            return
        (duck,) = self.con.execute(
            "SELECT COALESCE(SUM(memory_usage_bytes), 0) FROM duckdb_memory()"
        ).fetchone() or (0,)
        other = max(0, rss - int(duck))
        limit = max(self._budget - other, self._budget // 4)
        self.con.execute(f"SET memory_limit = '{int(limit)}B'")

    def write(self, sql: str, path: Path, fmt: Format) -> None:
        tmp = _tmp_beside(path)
        opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        self._fit()
        try:
            self.con.execute(f"COPY ({sql}) TO {_sql_str(str(tmp))} ({opts})")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def close(self) -> None:
        self.con.close()
        if self._temp is not None:
            import shutil

            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


_UNITS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}


def _bytes(size: str) -> int | None:
    """``2GB``, ``1.5GiB``, ``512 MB`` in bytes as DuckDB reads them
    (KB = 1000, KiB = 1024); None when not of that form (DuckDB then
    judges the text)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*", size)
    if m is None or m.group(2).upper() not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _resident_bytes() -> int | None:
    """This process's resident memory now (Linux ``/proc``; None elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")
