"""DuckDB engine: in-process, reads CSV and Parquet natively."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lanthanide.screen import spec
from lanthanide.screen import sql as _sql
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
