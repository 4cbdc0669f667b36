"""``--memory-limit`` on DuckDB is the budget of the process: before each
write DuckDB's own limit is lowered by what the process holds outside it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, KeySpace, screen
from lanthanide.screen.engine_duckdb import _bytes, _resident_bytes
from lanthanide.screen.generate import generate
from tests.screen.support import read_rows

BOOK = load_rulebook()


def test_sizes_read_as_duckdb_reads_them() -> None:
    assert _bytes("2GB") == 2 * 10**9
    assert _bytes("1.5GiB") == 3 * 2**29
    assert _bytes(" 512 mb ") == 512 * 10**6
    assert _bytes("2 furlongs") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident memory read from /proc")
def test_duckdb_limit_lowered_by_what_the_process_holds(tmp_path: Path) -> None:
    src = tmp_path / "gen.csv"
    generate(src, lines=300, seed=3, reject_rate=0.0)
    ballast = bytearray(300 * 2**20)  # 300 MiB held outside DuckDB
    ballast[::4096] = b"x" * len(ballast[::4096])  # resident, not only reserved
    with DuckDBEngine(memory_limit="1GiB") as engine:
        s = screen(engine, BOOK, src, tmp_path / "out.parquet", space=KeySpace(BOOK))
        ((limit,),) = engine.con.execute(
            "SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'"
        ).fetchall()
    rss = _resident_bytes()
    assert rss is not None and rss > 300 * 2**20
    assert s.screened == len(read_rows(tmp_path / "out.parquet")) == 300
    # DuckDB was left the budget less the ballast (and the rest of Python), at most
    unit = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[limit.split()[1]]
    assert float(limit.split()[0]) * unit <= 2**30 - 300 * 2**20 + 2**20
    del ballast
