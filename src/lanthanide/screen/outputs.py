"""Read a screening output back, whichever engine wrote it.

DuckDB writes one file; Spark writes a directory of part files (Parquet, or
CSV each with its header) whose names sort in line order, with ``_SUCCESS``.
:func:`read_rows` reads either, Parquet or CSV, in line order.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def parts(path: Path) -> list[Path]:
    """The data files of an output: ``path`` itself, or a Spark directory's
    part files in name (= line) order."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.iterdir() if p.name.startswith("part-") and p.is_file())


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Every row of an output (or rejects) file or directory, in line order,
    as dicts. CSV values are strings (an empty field is ``""``); Parquet keeps
    its types (a missing value is ``None``)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows: list[dict[str, Any]] = []
    for part in parts(Path(path)):
        if part.stat().st_size == 0:  # Spark writes empty CSV parts for empty partitions
            continue
        if _is_parquet(part):
            rows.extend(pq.read_table(part).to_pylist())
        else:
            with part.open(encoding="utf-8", newline="") as fh:
                rows.extend(csv.DictReader(fh))
    return rows
